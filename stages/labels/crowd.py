"""Annotator reliability and soft labels with crowd-kit's Dawid-Skene models.

Each annotator's final vote on an item is one categorical answer: the primary it names. Votes
that name no single primary (neutral, a dyad, a word off the wheel) are abstentions here, as in
the agreement figures. Dawid-Skene estimates how reliable each annotator is and each item's
posterior over the primaries; an annotator's **competence** is their estimated accuracy.

``labels.reliability_model`` picks the model: ``one_coin`` (the default: one accuracy per
annotator, wrong answers spread evenly over the other classes) or ``full`` (a confusion matrix
per annotator, 8 x 8 parameters each; competence is then the class prior times its diagonal).
A round gives a few items per class and annotator, too few for a full matrix: on the sample
(benchmarks/annotation.py) the full model, never having seen a reliable annotator confuse two
classes, lets that annotator's one slip outvote two others, which the one-coin model does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from crowdkit.aggregation import DawidSkene, OneCoinDawidSkene

from pipeline.plutchik import NEUTRAL, UnknownLabel, wheel
from stages.labels.sheets import Vote

DS_ITERATIONS = 100
DS_TOLERANCE = 1e-6


@dataclass
class Reliability:
    """Per item, the posterior over the primaries; per annotator, the estimated competence."""

    posteriors: dict[str, dict[str, float]] = field(default_factory=dict)
    competence: dict[str, float] = field(default_factory=dict)


def single_primary(label: str | None, neutral_class: bool = False) -> str | None:
    """The one primary ``label`` names (or ``neutral`` when it is a class), else None (neutral
    as an abstention, a dyad, off the wheel, empty)."""
    if not label:
        return None
    try:
        resolved = wheel().resolve(label)
    except UnknownLabel:
        return None
    if resolved.is_neutral:
        return NEUTRAL if neutral_class else None
    return next(iter(resolved.weights)) if len(resolved.weights) == 1 else None


def overall_class(vote: Vote, neutral_class: bool = False) -> str | None:
    """The class of a vote's overall label (``neutral`` one of them with ``neutral_class``)."""
    return single_primary(vote.label, neutral_class)


def answers(
    final: dict[str, dict[str, Vote]], code: Callable[[Vote], str | None] = overall_class
) -> pd.DataFrame:
    """crowd-kit's long table (task, worker, label) of the votes ``code`` names a class for."""
    rows = [
        (item, annotator, cls)
        for item, by_annotator in sorted(final.items())
        for annotator, vote in sorted(by_annotator.items())
        if (cls := code(vote)) is not None
    ]
    return pd.DataFrame(rows, columns=["task", "worker", "label"])


def dawid_skene(
    final: dict[str, dict[str, Vote]],
    model: str = "one_coin",
    code: Callable[[Vote], str | None] = overall_class,
) -> Reliability:
    """Fit a Dawid-Skene model to the final votes (item -> annotator -> vote), each coded as a
    class by ``code`` (default: the overall label's primary): ``one_coin`` (one accuracy per
    annotator, wrong answers spread evenly) or ``full`` (a confusion matrix per annotator)."""
    table = answers(final, code)
    if table.empty or table["label"].nunique() < 2:
        return Reliability()
    if model == "one_coin":
        fitted = OneCoinDawidSkene(n_iter=DS_ITERATIONS, tol=DS_TOLERANCE).fit(table)
        skills: pd.Series = fitted.skills_
        return Reliability(
            _posteriors(fitted.probas_),
            {str(w): round(float(p), 6) for w, p in skills.sort_index().items()},
        )
    fitted = DawidSkene(n_iter=DS_ITERATIONS, tol=DS_TOLERANCE).fit(table)
    return Reliability(_posteriors(fitted.probas_), _expected_accuracy(fitted, table))


def _posteriors(probas: pd.DataFrame) -> dict[str, dict[str, float]]:
    return {
        str(task): {str(c): float(p) for c, p in row.items()} for task, row in probas.iterrows()
    }


def _expected_accuracy(model: DawidSkene, table: pd.DataFrame) -> dict[str, float]:
    """Each annotator's accuracy under the full model: class prior x confusion diagonal."""
    priors: pd.Series = model.priors_
    errors: pd.DataFrame = model.errors_
    competence: dict[str, float] = {}
    for worker in sorted(table["worker"].unique()):
        accuracy = 0.0
        for cls, prior in priors.items():
            if (worker, cls) in errors.index and cls in errors.columns:
                accuracy += float(prior) * float(errors.loc[(worker, cls), cls])
        competence[str(worker)] = round(accuracy, 6)
    return competence
