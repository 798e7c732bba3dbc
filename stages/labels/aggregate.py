"""Annotation sheets to one label per video, and how much the annotators agree.

Rules (documented in the README):
- Sheets are CSV files under ``annotations/`` (``stages/labels/sheets.py``: ``video_id, annotator,
  round, label`` and optional per-modality columns).
- A later round supersedes an annotator's earlier label for the same video (rounds are revisions).
- Every final vote is resolved onto Plutchik's wheel (English or Chinese wheel words, intensity
  words, dyads, which split their mass over two primaries); "neutral" is an abstention, or with
  ``neutral="class"`` (``labels.neutral``) a vote for the neutral class, a ninth key of the soft
  label.
- The soft label is the mean of the votes' masses over the 8 primaries (or, with
  ``labels.aggregation: dawid_skene``, the Dawid-Skene posterior given as ``posterior``); the
  primary label is its argmax. Ties are broken by the mass of every vote of every round (so an
  earlier consensus decides), then by the wheel's order.
- Agreement of an item = the votes' mean mass on the primary.
- Krippendorff's alpha (nominal) over annotators x items, overall (final votes), per round, and
  per class (one class against the rest).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import krippendorff
import numpy as np

from pipeline.plutchik import NEUTRAL, UnknownLabel, wheel
from pipeline.records import LabelSummary, Reason
from stages.labels.sheets import SheetProblem, Vote, read_rows


def read_sheets(folder: Path) -> tuple[list[Vote], list[SheetProblem]]:
    """Every vote in every sheet under ``folder``, and every row or sheet that could not be read."""
    votes, problems = read_rows(folder)
    return _drop_conflicts(votes, problems)


def _drop_conflicts(
    votes: list[Vote], problems: list[SheetProblem]
) -> tuple[list[Vote], list[SheetProblem]]:
    """An annotator who gave one video two different labels in the same round contradicts
    themselves: which one counts would depend on row order, so neither does, and the conflict is
    reported (a later round of theirs still counts)."""
    labels: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    sheets: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    for v in votes:
        labels[(v.video_id, v.annotator, v.round)].add(v.label)
        sheets[(v.video_id, v.annotator, v.round)].add(v.sheet)
    conflicts = {key for key, found in labels.items() if len(found) > 1}
    for key in sorted(conflicts):
        video_id, annotator, round_ = key
        problems.append(
            SheetProblem(
                ", ".join(sorted(sheets[key])),
                None,
                f"annotator {annotator!r} gave video {video_id!r} conflicting labels in round "
                f"{round_}: {sorted(labels[key])}; none of them counts",
            )
        )
    kept = [v for v in votes if (v.video_id, v.annotator, v.round) not in conflicts]
    return kept, problems


@dataclass(frozen=True)
class LabelOutcome:
    summary: LabelSummary | None
    reason: Reason | None = None
    detail: str = ""


def final_votes(votes: Iterable[Vote]) -> dict[str, Vote]:
    """Each annotator's vote from their latest round."""
    latest: dict[str, Vote] = {}
    for v in votes:
        if v.annotator not in latest or v.round >= latest[v.annotator].round:
            latest[v.annotator] = v
    return latest


def aggregate(
    votes: list[Vote],
    min_annotations: int,
    min_agreement: float,
    *,
    posterior: dict[str, float] | None = None,
    neutral: str = "abstain",
) -> LabelOutcome:
    """One video's votes (all rounds) to its label, or the reason it has no usable label.
    ``posterior``: a soft label over the primaries to use instead of the votes' mean (agreement
    stays the share of the votes on the primary). ``neutral``: "abstain" (a neutral vote is no
    vote) or "class" (a vote for neutral)."""
    if not votes:
        return LabelOutcome(None, Reason.NO_ANNOTATIONS, "no annotator labelled this video")
    w = wheel()
    final = final_votes(votes)
    masses: list[dict[str, float]] = []
    intensities: list[tuple[str, int]] = []
    unknown: list[str] = []
    for vote in final.values():
        try:
            res = w.resolve(vote.label)
        except UnknownLabel:
            unknown.append(vote.label)
            continue
        if res.is_neutral and neutral == "class":
            masses.append({NEUTRAL: 1.0})
        elif res.weights:
            masses.append(res.weights)
            if res.intensity is not None:
                intensities.extend((p, res.intensity) for p in res.weights)
    if len(masses) < min_annotations:
        if unknown:
            reason, what = Reason.UNKNOWN_LABEL, f"labels outside the wheel: {sorted(set(unknown))}"
        else:
            reason, what = Reason.NO_ANNOTATIONS, "too few emotion votes"
        return LabelOutcome(
            None,
            reason,
            f"{len(masses)} usable vote(s) of {len(final)} (min {min_annotations}); {what}",
        )
    votes_mean = _mean(masses, with_neutral=neutral == "class")
    distribution = votes_mean if posterior is None else {**votes_mean, **posterior}
    primary = _primary(distribution, votes)
    agreement = votes_mean[primary]
    summary = LabelSummary(
        primary=primary,
        distribution={k: round(v, 6) for k, v in distribution.items()},
        intensity=_intensity(primary, intensities),
        agreement=round(agreement, 6),
        n_votes=len(masses),
        votes={a: v.label for a, v in sorted(final.items())},
    )
    if agreement < min_agreement:
        return LabelOutcome(
            summary,
            Reason.LOW_AGREEMENT,
            f"agreement {agreement:.2f} on {primary!r} is under "
            f"labels.min_agreement={min_agreement}",
        )
    return LabelOutcome(summary)


def _mean(masses: list[dict[str, float]], with_neutral: bool) -> dict[str, float]:
    out = dict.fromkeys(wheel().names + ((NEUTRAL,) if with_neutral else ()), 0.0)
    for m in masses:
        for k, v in m.items():
            out[k] += v / len(masses)
    return out


def _primary(distribution: dict[str, float], all_votes: list[Vote]) -> str:
    top = max(distribution.values())
    tied = [k for k, v in distribution.items() if math.isclose(v, top)]
    if len(tied) == 1:
        return tied[0]
    history: Counter[str] = Counter()
    for vote in all_votes:
        try:
            history.update(wheel().resolve(vote.label).weights)
        except UnknownLabel:
            continue
    order = (*wheel().names, NEUTRAL)
    return max(tied, key=lambda k: (history[k], -order.index(k)))


def _intensity(primary: str, intensities: list[tuple[str, int]]) -> int | None:
    levels = Counter(level for p, level in intensities if p == primary)
    if not levels:
        return None
    best = max(levels.values())
    modes = sorted(level for level, n in levels.items() if n == best)
    return 1 if len(modes) > 1 and 1 in modes else modes[0]


def _vote_class(label: str) -> float:
    """The primary index a vote names, or NaN for a vote that names none or several."""
    try:
        weights = wheel().resolve(label).weights
    except UnknownLabel:
        return math.nan
    if len(weights) != 1:
        return math.nan
    return float(wheel().names.index(next(iter(weights))))


def alpha(matrix: np.ndarray, level: str = "nominal") -> float | None:
    """Krippendorff's alpha of an annotators x items matrix (NaN: no value); None when it is
    undefined (fewer than two distinct values on the items with two or more)."""
    pairable = matrix[:, np.sum(~np.isnan(matrix), axis=0) >= 2]
    values = pairable[~np.isnan(pairable)]
    if len(np.unique(values)) < 2:
        return None
    return round(float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)), 4)


def agreement_report(votes_by_item: dict[str, list[Vote]]) -> dict[str, object]:
    """Krippendorff's alpha overall, per round and per class, and the mean item agreement."""
    items = sorted(votes_by_item)
    annotators = sorted({v.annotator for vs in votes_by_item.values() for v in vs})
    rounds = sorted({v.round for vs in votes_by_item.values() for v in vs})

    def matrix(select: dict[str, dict[str, Vote]]) -> np.ndarray:
        m = np.full((len(annotators), len(items)), np.nan)
        for j, item in enumerate(items):
            for i, a in enumerate(annotators):
                if a in select.get(item, {}):
                    m[i, j] = _vote_class(select[item][a].label)
        return m

    final = {item: final_votes(vs) for item, vs in votes_by_item.items()}
    per_round: dict[str, float | None] = {}
    for r in rounds:
        in_round: dict[str, dict[str, Vote]] = defaultdict(dict)
        for item, vs in votes_by_item.items():
            for v in vs:
                if v.round == r:
                    in_round[item][v.annotator] = v
        per_round[str(r)] = alpha(matrix(in_round))
    overall = matrix(final)
    per_class = {
        name: alpha(np.where(np.isnan(overall), np.nan, (overall == k).astype(float)))
        for k, name in enumerate(wheel().names)
    }
    return {
        "krippendorff_alpha": alpha(overall),
        "alpha_per_round": per_round,
        "alpha_per_class": per_class,
        "annotators": annotators,
        "rounds": rounds,
        "items": len(items),
    }
