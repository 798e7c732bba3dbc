"""Annotator reliability and soft labels with crowd-kit's Dawid-Skene model.

Each annotator's final vote on an item is one categorical answer: the primary it names. Votes
that name no single primary (neutral, a dyad, a word off the wheel) are abstentions here, as in
the agreement figures. Dawid-Skene estimates each annotator's confusion matrix and each item's
posterior over the primaries; an annotator's **competence** is their expected accuracy under
it: the class prior times the diagonal of their confusion matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from crowdkit.aggregation import DawidSkene

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


def answers(final: dict[str, dict[str, Vote]], neutral_class: bool = False) -> pd.DataFrame:
    """crowd-kit's long table (task, worker, label) of the votes that name one class."""
    rows = [
        (item, annotator, primary)
        for item, by_annotator in sorted(final.items())
        for annotator, vote in sorted(by_annotator.items())
        if (primary := single_primary(vote.label, neutral_class)) is not None
    ]
    return pd.DataFrame(rows, columns=["task", "worker", "label"])


def dawid_skene(final: dict[str, dict[str, Vote]], neutral_class: bool = False) -> Reliability:
    """Fit Dawid-Skene to the final votes (item -> annotator -> vote); with ``neutral_class``
    a neutral vote is an answer of its own (``labels.neutral: class``)."""
    table = answers(final, neutral_class)
    if table.empty or table["label"].nunique() < 2:
        return Reliability()
    model = DawidSkene(n_iter=DS_ITERATIONS, tol=DS_TOLERANCE).fit(table)
    probas: pd.DataFrame = model.probas_
    posteriors = {
        str(task): {str(c): float(p) for c, p in row.items()} for task, row in probas.iterrows()
    }
    priors: pd.Series = model.priors_
    errors: pd.DataFrame = model.errors_
    competence = {}
    for worker in sorted(table["worker"].unique()):
        accuracy = 0.0
        for cls, prior in priors.items():
            if (worker, cls) in errors.index and cls in errors.columns:
                accuracy += float(prior) * float(errors.loc[(worker, cls), cls])
        competence[str(worker)] = round(accuracy, 6)
    return Reliability(posteriors, competence)
