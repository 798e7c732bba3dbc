"""Quality control of the annotations: agreement per dimension, round and class, and a report
card per annotator.

Dimensions and their level of measurement for Krippendorff's alpha: the overall label and each
modality label are nominal (a modality's classes include ``neutral``), ``intensity`` is ordinal
(1-3), and ``valence`` (of the overall label: +1 positive, 0 neutral or surprise, -1 negative,
a dyad the mean of its two) is interval.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from pipeline.plutchik import UnknownLabel, wheel
from stages.labels.aggregate import alpha, final_votes
from stages.labels.crowd import single_primary
from stages.labels.modalities import classes, mass
from stages.labels.sheets import MODALITIES, GoldRow, Vote

VALENCE = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}
# An annotator who gives one label to at least this share of their items is flagged.
STRAIGHT_LINING_SHARE = 0.6

Coder = Callable[[Vote], float]


def _valence(vote: Vote) -> float:
    try:
        weights = wheel().resolve(vote.label).weights
    except UnknownLabel:
        return math.nan
    return sum(w * VALENCE[wheel().primary(p).valence] for p, w in weights.items())


def _modality_class(modality: str) -> Coder:
    order = classes()

    def code(vote: Vote) -> float:
        label = vote.modality_label(modality)
        m = mass(label) if label else {}
        return float(order.index(next(iter(m)))) if len(m) == 1 else math.nan

    return code


def _overall_class(vote: Vote) -> float:
    primary = single_primary(vote.label)
    return math.nan if primary is None else float(wheel().names.index(primary))


def _intensity(vote: Vote) -> float:
    return math.nan if vote.intensity is None else float(vote.intensity)


def dimensions() -> dict[str, tuple[Coder, str, tuple[str, ...]]]:
    """Dimension -> (how a vote is coded, alpha's level, class names for per-class alpha)."""
    dims: dict[str, tuple[Coder, str, tuple[str, ...]]] = {
        "label": (_overall_class, "nominal", wheel().names),
        "intensity": (_intensity, "ordinal", ()),
        "valence": (_valence, "interval", ()),
    }
    for m in MODALITIES:
        dims[f"{m}_label"] = (_modality_class(m), "nominal", classes())
    return dims


def _matrix(
    select: dict[str, dict[str, Vote]], items: list[str], annotators: list[str], code: Coder
) -> np.ndarray:
    m = np.full((len(annotators), len(items)), np.nan)
    for j, item in enumerate(items):
        for i, a in enumerate(annotators):
            vote = select.get(item, {}).get(a)
            if vote is not None:
                m[i, j] = code(vote)
    return m


def dimension_agreement(votes_by_item: dict[str, list[Vote]]) -> dict[str, Any]:
    """Per dimension: alpha over the final votes, per round, and per class (one vs rest)."""
    items = sorted(votes_by_item)
    annotators = sorted({v.annotator for vs in votes_by_item.values() for v in vs})
    rounds = sorted({v.round for vs in votes_by_item.values() for v in vs})
    final = {item: final_votes(vs) for item, vs in votes_by_item.items()}
    by_round = {
        r: {
            item: {v.annotator: v for v in vs if v.round == r} for item, vs in votes_by_item.items()
        }
        for r in rounds
    }
    out: dict[str, Any] = {}
    for name, (code, level, names) in dimensions().items():
        overall = _matrix(final, items, annotators, code)
        coded = int(np.sum(~np.isnan(overall)))
        if not coded:
            continue
        out[name] = {
            "level": level,
            "votes": coded,
            "alpha": alpha(overall, level),
            "per_round": {
                str(r): alpha(_matrix(by_round[r], items, annotators, code), level) for r in rounds
            },
            "per_class": {
                cls: alpha(np.where(np.isnan(overall), np.nan, (overall == k).astype(float)))
                for k, cls in enumerate(names)
            },
        }
    return out


def annotator_report(
    final: dict[str, dict[str, Vote]],
    competence: dict[str, float],
    gold: dict[str, GoldRow],
    dropped: dict[str, str],
) -> list[dict[str, Any]]:
    """One row per annotator, most competent first: items done, agreement with the others (the
    share of the other annotators' single-primary votes on their items that match theirs),
    Dawid-Skene competence, accuracy on gold items (overall and per modality), label
    distribution and the share of their most used label (straight-lining), and why they were
    left out of aggregation (``dropped``)."""
    by_annotator: dict[str, list[tuple[str, Vote]]] = defaultdict(list)
    for item, votes in final.items():
        for a, v in votes.items():
            by_annotator[a].append((item, v))
    rows = []
    for a, done in by_annotator.items():
        same = other = 0
        for item, v in done:
            mine = single_primary(v.label)
            if mine is None:
                continue
            for b, w in final[item].items():
                theirs = single_primary(w.label) if b != a else None
                if theirs is not None:
                    other += 1
                    same += theirs == mine
        distribution = Counter(single_primary(v.label) or _other(v.label) for _, v in done)
        top_share = max(distribution.values()) / len(done)
        rows.append(
            {
                "annotator": a,
                "items": len(done),
                "agreement_with_others": round(same / other, 4) if other else None,
                "competence": competence.get(a),
                "gold": _gold_accuracy(done, gold),
                "label_distribution": dict(distribution.most_common()),
                "top_label_share": round(top_share, 4),
                "straight_lining": len(done) >= 5 and top_share >= STRAIGHT_LINING_SHARE,
                "dropped": dropped.get(a),
            }
        )
    rows.sort(key=lambda r: (-(r["competence"] or 0.0), r["annotator"]))
    return rows


def _other(label: str) -> str:
    try:
        weights = wheel().resolve(label).weights
    except UnknownLabel:
        return "off_wheel"
    return "neutral" if not weights else "dyad"


def _gold_accuracy(done: list[tuple[str, Vote]], gold: dict[str, GoldRow]) -> dict[str, Any]:
    scored: dict[str, list[bool]] = defaultdict(list)
    for item, v in done:
        expected = gold.get(item)
        if expected is None:
            continue
        if expected.label and v.label:
            scored["label"].append(_same(v.label, expected.label))
        for m in MODALITIES:
            want, got = expected.__dict__[f"{m}_label"], v.modality_label(m)
            if want and got:
                scored[f"{m}_label"].append(_same(got, want))
    return {
        "items": len({item for item, _ in done if item in gold}),
        **{k: round(sum(v) / len(v), 4) for k, v in sorted(scored.items())},
    }


def _same(given: str, expected: str) -> bool:
    return mass(given) == mass(expected)


def conflict_rates(
    primaries: dict[str, str], conflicts: dict[str, bool], with_modalities: set[str]
) -> dict[str, Any]:
    """Share of the items with modality labels whose modalities conflict, per overall class."""
    per_class: dict[str, dict[str, Any]] = {}
    for name in sorted(set(primaries.values()), key=_class_order):
        ids = [i for i, p in primaries.items() if p == name and i in with_modalities]
        hits = sum(conflicts[i] for i in ids)
        per_class[name] = {"items": len(ids), "rate": round(hits / len(ids), 4) if ids else None}
    total = [i for i in primaries if i in with_modalities]
    return {
        "items_with_modality_labels": len(total),
        "rate": round(sum(conflicts[i] for i in total) / len(total), 4) if total else None,
        "per_class": per_class,
    }


def _class_order(name: str) -> int:
    """The wheel's order, neutral (a class with ``labels.neutral: class``) last."""
    names = wheel().names
    return names.index(name) if name in names else len(names)
