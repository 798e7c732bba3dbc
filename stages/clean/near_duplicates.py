"""Near-duplicate groups: which kept videos show the same footage.

Two videos match when at least ``min_shared`` of the sampled frames of one of them have a frame
of the other within ``max_distance`` bits (pHash Hamming distance), comparing the same view
(``full`` or ``center``), plain or mirrored. The share is taken in both directions and the larger
one counts, so a trimmed copy (all of whose frames are in the original) matches, while two clips
that only share a station's few-second intro do not. Matches are linked into groups (connected
components); the first video of a group in the clean stage's order is the one kept.

Frames are looked up in a faiss multi-index hash (``IndexBinaryMultiHash``: the 64 bits split
into 4 tables of 16, each probed with up to ``max_distance // 4`` flipped bits), which by the
pigeonhole principle finds every frame within ``max_distance`` without comparing all pairs of
videos. Identical hashes within a video (a static shot) are stored once, with their count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import faiss
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from pipeline.params import NearDuplicateParams
from stages.clean.fingerprint import VIEWS, Fingerprint

BITS = 64
TABLES = 4  # hash tables of BITS / TABLES bits each


@dataclass(frozen=True)
class Match:
    """Two videos showing the same footage: ``shared`` of the frames of one of them have a
    frame of the other within the distance (``distance``: their mean distance in bits)."""

    a: str
    b: str
    shared: float
    distance: float
    view: str
    mirrored: bool


@dataclass
class DuplicateGroup:
    kept: str  # the first member in the clean stage's order
    members: list[str]  # in that order, ``kept`` first
    matches: list[Match] = field(default_factory=list)

    def match_of(self, member: str) -> Match:
        """The strongest match linking ``member`` to the group (to ``kept`` when there is one)."""
        own = [m for m in self.matches if member in (m.a, m.b)]
        to_kept = [m for m in own if self.kept in (m.a, m.b)]
        return max(to_kept or own, key=lambda m: m.shared)


@dataclass
class _Frames:
    """The distinct hashes of one view of every video, with their owner and multiplicity."""

    codes: np.ndarray  # (n, 8) uint8
    owner: np.ndarray  # (n,) video index
    weight: np.ndarray  # (n,) how many sampled frames had this hash
    total: np.ndarray  # (videos,) sampled frames per video


def _frames(fingerprints: Sequence[Fingerprint], view: str) -> _Frames:
    codes, owner, weight = [], [], []
    for i, fp in enumerate(fingerprints):
        distinct, counts = np.unique(fp.codes(view), axis=0, return_counts=True)
        codes.append(distinct)
        owner.append(np.full(len(distinct), i))
        weight.append(counts)
    return _Frames(
        codes=np.concatenate(codes) if codes else np.zeros((0, 8), np.uint8),
        owner=np.concatenate(owner) if owner else np.zeros(0, int),
        weight=np.concatenate(weight) if weight else np.zeros(0, int),
        total=np.array([fp.frames for fp in fingerprints]),
    )


def find_matches(
    ids: Sequence[str], fingerprints: Sequence[Fingerprint], params: NearDuplicateParams
) -> list[Match]:
    """Every pair of videos that match, each once (``a`` before ``b`` in ``ids``' order)."""
    best: dict[tuple[int, int], Match] = {}
    for view in VIEWS:
        stored = _frames(fingerprints, view)
        if len(stored.codes) == 0:
            continue
        index = faiss.IndexBinaryMultiHash(BITS, TABLES, BITS // TABLES)
        index.nflip = params.max_distance // TABLES
        index.add(stored.codes)
        for mirrored in (False, True):
            query = _frames(fingerprints, f"{view}_mirror") if mirrored else stored
            for (qa, qb), (shared, distance) in _shares(index, stored, query, params).items():
                if shared < params.min_shared:
                    continue
                pair = (min(qa, qb), max(qa, qb))
                if pair not in best or shared > best[pair].shared:
                    best[pair] = Match(ids[pair[0]], ids[pair[1]], shared, distance, view, mirrored)
    return [best[p] for p in sorted(best)]


def _shares(
    index: faiss.IndexBinary, stored: _Frames, query: _Frames, params: NearDuplicateParams
) -> dict[tuple[int, int], tuple[float, float]]:
    """For each (query video, other video) with any frame within the distance: the share of the
    query video's frames that have one, and the mean distance of those frames."""
    lims, dist, hits = index.range_search(query.codes, params.max_distance + 1)
    rows = np.repeat(np.arange(len(query.codes)), np.diff(lims).astype(np.int64))
    qa, qb = query.owner[rows], stored.owner[hits]
    other = qa != qb
    rows, qa, qb, dist = rows[other], qa[other], qb[other], dist[other]
    if len(rows) == 0:
        return {}
    # one entry per (query frame, other video): its nearest frame there
    order = np.lexsort((dist, qb, rows))
    rows, qa, qb, dist = rows[order], qa[order], qb[order], dist[order]
    first = np.ones(len(rows), bool)
    first[1:] = (rows[1:] != rows[:-1]) | (qb[1:] != qb[:-1])
    rows, qa, qb, dist = rows[first], qa[first], qb[first], dist[first]
    keys, inverse = np.unique(np.stack([qa, qb], axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    weight = np.bincount(inverse, weights=query.weight[rows], minlength=len(keys))
    frames = np.bincount(inverse, minlength=len(keys))
    distance = np.bincount(inverse, weights=dist, minlength=len(keys)) / frames
    shared = weight / query.total[keys[:, 0]]
    return {
        (int(a), int(b)): (float(s), float(d))
        for (a, b), s, d in zip(keys, shared, distance, strict=True)
    }


def group(ids: Sequence[str], matches: Sequence[Match]) -> list[DuplicateGroup]:
    """Connected components of ``matches`` with more than one video, in ``ids``' order."""
    position = {vid: i for i, vid in enumerate(ids)}
    if not matches:
        return []
    a = [position[m.a] for m in matches]
    b = [position[m.b] for m in matches]
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(ids), len(ids)))
    _, component = connected_components(graph, directed=False)
    members: dict[int, list[str]] = {}
    for vid, c in zip(ids, component, strict=True):
        members.setdefault(int(c), []).append(vid)
    groups = [DuplicateGroup(m[0], m) for m in members.values() if len(m) > 1]
    by_member = {vid: g for g in groups for vid in g.members}
    for m in matches:
        by_member[m.a].matches.append(m)
    return groups
