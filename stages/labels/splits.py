"""A deterministic train/val/test split, stratified by label and grouped by account and footage.

No account spans two splits (a channel's style would otherwise leak from train into test), and
no near-duplicate group either (the same footage re-uploaded by other accounts would otherwise
be scored on memory): ``pipeline.grouping.split_groups`` joins both into one group key.
scikit-learn's ``StratifiedGroupKFold`` does the grouping and stratification: the test split is
one fold of ``round(1 / test)`` folds, and val one fold of the rest, sized the same way. With
fewer accounts (or fewer videos of the largest class) than folds, the fold count drops to match,
so tiny datasets still get a held-out split.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from pipeline.records import Split
from stages.labels.params import SplitParams


def assign_splits(
    ids: Sequence[str], labels: Sequence[str], groups: Sequence[str], params: SplitParams
) -> dict[str, Split]:
    """Map each id to its split. The result depends only on the inputs and ``params.seed``."""
    order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
    ids_arr = np.asarray(ids, dtype=object)[order]
    y = np.asarray(labels, dtype=object)[order]
    g = np.asarray(groups, dtype=object)[order]
    split = np.full(len(ids_arr), "train", dtype=object)

    rest = np.arange(len(ids_arr))
    test = _one_fold(y[rest], g[rest], params.test, params.seed) if params.test > 0 else []
    split[rest[test]] = "test"
    rest = rest[~np.isin(rest, rest[test])]
    if params.val > 0 and len(rest):
        val = _one_fold(y[rest], g[rest], params.val / (params.train + params.val), params.seed + 1)
        split[rest[val]] = "val"
    return {str(i): s for i, s in zip(ids_arr, split, strict=True)}


def _one_fold(y: np.ndarray, groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Indices of one fold holding about ``fraction`` of the items, whole groups only."""
    n_splits = min(max(round(1 / fraction), 2), len(set(groups)))
    if n_splits < 2:
        return np.array([], dtype=int)
    largest_class = max(np.unique(y, return_counts=True)[1])
    if largest_class >= 2:
        folds = StratifiedGroupKFold(
            n_splits=min(n_splits, largest_class), shuffle=True, random_state=seed
        )
    else:  # every label is unique: nothing to stratify
        folds = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # Rare classes cannot appear in every fold; stratification is best effort there.
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        _, held_out = next(folds.split(np.zeros(len(y)), y, groups))
    return held_out
