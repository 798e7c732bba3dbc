"""The group key that keeps related videos on one side of every split and every fold: videos
sharing an account (a channel's style) or a near-duplicate group (the same footage re-uploaded),
directly or through others. The labels stage's train/val/test split and ``train.search``'s
folds both group by it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from pipeline.records import ManifestEntry


def split_groups(entries: Sequence[ManifestEntry]) -> list[str]:
    """One group key per entry: entries sharing an account or a near-duplicate group, directly
    or through others, get the same key (connected components; the key is the component's
    first id)."""
    keys: dict[str, int] = {}
    rows, cols = [], []
    for i, e in enumerate(entries):
        for key in (f"account:{e.account}" if e.account else None, e.duplicate_group):
            if key is not None:
                rows.append(i)
                cols.append(keys.setdefault(key, len(keys)))
    n = len(entries)
    graph = coo_matrix(
        (np.ones(len(rows)), (rows, [n + c for c in cols])), shape=(n + len(keys),) * 2
    )
    _, component = connected_components(graph, directed=False)
    first: dict[int, str] = {}
    return [f"group:{first.setdefault(int(component[i]), e.id)}" for i, e in enumerate(entries)]
