"""Confident learning by cleanlab over out-of-fold probabilities: which given labels are likely
wrong, and a quality score per label (lower: more likely wrong)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores


@dataclass
class Judgement:
    """Per item: flagged as a likely label error, its label quality score, and the class the
    out-of-fold model finds most likely (the suggested label)."""

    flagged: np.ndarray
    quality: np.ndarray
    suggested: np.ndarray


def judge(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    filter_by: str,
    rank_by: str,
    max_issues: int | None,
) -> Judgement:
    """cleanlab's ``find_label_issues`` and ``get_label_quality_scores`` on the classes the given
    labels use (cleanlab wants every column's class among the labels; the other columns' mass is
    spread back over them). With fewer than two such classes nothing is flagged. ``max_issues``
    keeps the flagged items with the lowest quality."""
    present = np.unique(labels)
    if len(present) < 2:
        return Judgement(np.zeros(len(labels), bool), np.ones(len(labels)), labels.copy())
    index = {c: i for i, c in enumerate(present.tolist())}
    local = np.array([index[c] for c in labels.tolist()], dtype=int)
    probs = pred_probs[:, present]
    total = probs.sum(1, keepdims=True)
    probs = np.where(total > 0, probs / np.where(total > 0, total, 1), 1 / len(present))
    suggested = present[probs.argmax(1)]
    quality = get_label_quality_scores(local, probs, method=rank_by)
    flagged = find_label_issues(local, probs, filter_by=filter_by, n_jobs=1)
    if max_issues is not None and flagged.sum() > max_issues:
        worst = np.flatnonzero(flagged)[np.argsort(quality[flagged], kind="stable")]
        flagged[worst[max_issues:]] = False
    return Judgement(flagged, quality, suggested)
