"""A deterministic train/val/test split, stratified by label and grouped by account.

No account spans two splits (a channel's style would otherwise leak from train into test).
scikit-learn's ``StratifiedGroupKFold`` does the grouping and stratification: the test split is
one fold of ``round(1 / test)`` folds, and val one fold of the rest, sized the same way. With
fewer accounts than folds, the fold count drops to the number of accounts.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from pipeline.params import SplitParams
from pipeline.records import Split


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
    test = _one_fold(y[rest], g[rest], params.test, params.seed)
    split[rest[test]] = "test"
    rest = rest[~np.isin(rest, rest[test])]
    if params.val > 0 and len(rest):
        val = _one_fold(y[rest], g[rest], params.val / (params.train + params.val), params.seed + 1)
        split[rest[val]] = "val"
    return {str(i): s for i, s in zip(ids_arr, split, strict=True)}


def _one_fold(y: np.ndarray, groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Indices of one fold holding about ``fraction`` of the items, whole groups only."""
    n_groups = len(set(groups))
    n_splits = min(max(round(1 / fraction), 2), n_groups)
    if n_splits < 2:
        return np.array([], dtype=int)
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # Rare classes cannot appear in every fold; stratification is best effort there.
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        _, held_out = next(folds.split(np.zeros(len(y)), y, groups))
    return held_out
