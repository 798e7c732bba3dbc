"""Near-duplicate groups: which kept videos show the same footage.

Two videos match when at least ``min_shared`` of the sampled frames of one of them have a frame
of the other within ``max_distance`` bits (pHash Hamming distance), in the same order and at the
same pace (on one time line, see ``compare``), comparing the same view (``full``, ``center`` or
``frame``) or one video's ``full`` or ``frame`` view with one of the other's centre crops
(``crop95`` to ``crop70``:
one of them is a cropped, zoomed or picture-in-picture copy of the other), plain or mirrored.
The share is taken in both directions and the larger
one counts, so a trimmed copy (all of whose frames are in the original) matches, while two clips
that only share a station's few-second intro do not. Matches are linked into groups (connected
components); the first video of a group in the clean stage's order is the one kept.

Finding candidates without comparing all pairs of videos (locality-sensitive hashing for the
Hamming distance): ``TABLES`` tables each key a frame by ``KEY_BITS`` fixed random bits of its
hash. Frames within a few bits of each other share a key in some table (at 4 bits apart, in at
least one of the 32 with probability 0.99; at 6 bits, 0.8; at 10 bits, 0.16), unrelated ones
almost never (2^-24 per table). Two videos become candidates when ``MIN_HITS`` frames of one
share a key with the other: a re-upload shares most of its frames, while for two unrelated
30-frame videos (18 hashes a frame looked up against 3 stored) the chance hits are Poisson with
mean 0.093, three of them once in about 8,000 pairs. A key found in more than ``COMMON_KEY``
videos (a logo, or footage re-uploaded very often) links each of them to the next few only,
which still connects a group of true copies. Every candidate pair is then compared exactly. The
cost grows with the number of frames; the chance candidates grow with the pairs of videos but
stay few (``benchmarks/duplicates.py`` measures it up to 4000 videos).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from stages.clean.fingerprint import CROPS, VIEWS, Fingerprint
from stages.clean.params import NearDuplicateParams

TABLES = 32
KEY_BITS = 24
MIN_HITS = 3  # frames of one video sharing a key with the other before the pair is compared
COMMON_KEY = 50  # a key in more videos than this links each only to the next CHAIN
CHAIN = 3
SPEED_RANGE = (0.8, 1.25)  # a copy plays at most this much slower / faster
SLOPES = np.linspace(*SPEED_RANGE, 19)
SLACK = 1  # frames this many bits off a frame's best match may also vote for its time line
TIME_TOLERANCE_S = 1.25  # a matched frame may be this far off the copy's time line
# which bits of the hash key each table (fixed, so groups do not change between runs)
_BIT_DRAW = np.random.default_rng(7)
KEY_BIT_INDEX = np.stack([_BIT_DRAW.permutation(64)[:KEY_BITS] for _ in range(TABLES)])
ALL_VARIANTS = tuple(f"{v}{m}" for v in VIEWS for m in ("", "_mirror"))
STORED = ("full", "center", "frame")  # the views whose keys are indexed; every variant is looked up
# (view of one video, view of the other) compared: the same view, or a crop against the whole
VIEW_PAIRS = (
    ("full", "full"),
    ("center", "center"),
    ("frame", "frame"),
    *((crop, whole) for crop in CROPS for whole in ("full", "frame")),
    *((whole, crop) for crop in CROPS for whole in ("full", "frame")),
)


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


def _words(fp: Fingerprint, variant: str) -> np.ndarray:
    return fp.codes(variant).view(">u8").ravel().astype(np.uint64)


def _keys(codes: np.ndarray) -> np.ndarray:
    """(frames, TABLES) keys: each table's bits of each hash, tagged with the table."""
    bits = np.unpackbits(codes, axis=1).astype(np.int64)  # (frames, 64)
    weights = np.int64(1) << np.arange(KEY_BITS, dtype=np.int64)
    keys = np.einsum("ftb,b->ft", bits[:, KEY_BIT_INDEX], weights)
    return keys + (np.arange(TABLES, dtype=np.int64) << KEY_BITS)[None, :]


def candidates(fingerprints: Sequence[Fingerprint]) -> set[tuple[int, int]]:
    """Pairs (i < j) of videos, MIN_HITS of whose frames share a key, in any view."""
    stored_key, stored_owner, query_key, query_owner, query_frame = [], [], [], [], []
    frame_id = 0
    for i, fp in enumerate(fingerprints):
        for variant in ALL_VARIANTS:
            codes = fp.codes(variant)
            if len(codes) == 0:
                continue
            keys = _keys(codes)
            if variant in STORED:
                stored_key.append(np.unique(keys))
                stored_owner.append(np.full(len(stored_key[-1]), i))
            query_key.append(keys.ravel())
            query_owner.append(np.full(keys.size, i))
            query_frame.append(np.repeat(np.arange(len(codes)) + frame_id, TABLES))
        frame_id += fp.frames  # a frame's views and mirror images count as one frame
    if not stored_key:
        return set()
    key, owner = np.concatenate(stored_key), np.concatenate(stored_owner)
    values, videos = np.unique(key, return_counts=True)
    common = values[videos > COMMON_KEY]
    found = _chained(key, owner, common)
    order = np.argsort(key, kind="stable")
    key, owner = key[order], owner[order]
    rare = ~np.isin(key, common)
    key, owner = key[rare], owner[rare]
    qkey, qowner = np.concatenate(query_key), np.concatenate(query_owner)
    qframe = np.concatenate(query_frame)
    by_key = np.argsort(qkey)  # sorted needles: the binary searches below walk memory in order
    qkey, qowner, qframe = qkey[by_key], qowner[by_key], qframe[by_key]
    left = np.searchsorted(key, qkey, side="left")
    counts = np.searchsorted(key, qkey, side="right") - left
    rows = np.repeat(np.arange(len(qkey)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    a, b, frames = qowner[rows], owner[left[rows] + offsets], qframe[rows]
    other = a != b
    # one hit per (query frame, other video); then the pairs with MIN_HITS of them
    hits = np.unique(np.stack([frames[other], a[other], b[other]], axis=1), axis=0)
    pairs, n = np.unique(hits[:, 1:], axis=0, return_counts=True)
    pairs = pairs[n >= MIN_HITS]
    return found | {(int(min(x, y)), int(max(x, y))) for x, y in pairs}


def _chained(key: np.ndarray, owner: np.ndarray, common: np.ndarray) -> set[tuple[int, int]]:
    """For a key shared by many videos (footage re-uploaded many times, or a logo): each video
    and the next ``CHAIN`` in its bucket, enough to connect a group of true copies without
    comparing every pair in the bucket."""
    out: set[tuple[int, int]] = set()
    for value in common:
        bucket = np.unique(owner[key == value])
        for step in range(1, CHAIN + 1):
            out |= {(int(x), int(y)) for x, y in zip(bucket[:-step], bucket[step:], strict=True)}
    return out


def _hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.bitwise_count(a[:, None] ^ b[None, :])


def compare(a: Fingerprint, b: Fingerprint, params: NearDuplicateParams) -> Match | None:
    """The best (pair of views, mirrored, direction) comparison of two videos, or None when
    under ``min_shared``. The share counts the frames of one video whose nearest frame in the
    other lies on one time line (frame index against frame index, of a slope in
    ``SPEED_RANGE``, within ``TIME_TOLERANCE_S``): a re-upload keeps the order and pace of its
    footage, while two clips cut from the same photos or studio set match frame by frame only
    here and there."""
    best = None
    tolerance = TIME_TOLERANCE_S * a.fps
    for mine_view, their_view in VIEW_PAIRS:
        theirs = _words(b, their_view)
        for mirrored in (False, True):
            mine = _words(a, f"{mine_view}_mirror" if mirrored else mine_view)
            if len(mine) < 2 or len(theirs) < 2:
                continue
            dist = _hamming(mine, theirs)
            for d in (dist, dist.T):
                if (d.min(axis=1) <= params.max_distance).mean() < params.min_shared:
                    continue  # too few frames have any match: no time line can reach the share
                shared, mean = _on_time_line(d, params.max_distance, tolerance)
                if shared >= params.min_shared and (best is None or shared > best.shared):
                    view = mine_view if mine_view == their_view else f"{mine_view}/{their_view}"
                    best = Match("", "", shared, mean, view, mirrored)
    return best


def _on_time_line(dist: np.ndarray, max_distance: int, tolerance: float) -> tuple[float, float]:
    """Share of the rows of ``dist`` (frames of one video against the other's) that have a
    nearest frame (within ``SLACK`` bits of their best, and within ``max_distance``) on one
    time line, and the mean distance of those. The line is found by voting: for each slope in
    ``SPEED_RANGE``, the matched pairs vote for an offset band ``2 * tolerance`` frames wide
    (and for the bands shifted by half a band, so a line near a band edge is not split), and
    the band covering the most rows wins. Voting over all near-best frames, not the single
    nearest, keeps a static shot (where many frames are equally near) on its line."""
    near = dist <= np.minimum(max_distance, dist.min(axis=1, keepdims=True) + SLACK)
    rows, cols = np.nonzero(near)
    n_rows = len(dist)
    if len(np.unique(rows)) < 2:
        return 0.0, 0.0
    offset = (cols[None, :] - SLOPES[:, None] * rows[None, :]) / (2 * tolerance)
    bands = np.floor(np.concatenate([offset, offset + 0.5])).astype(np.int64)  # (lines, pairs)
    bands -= bands.min()
    span = int(bands.max()) + 1
    line = np.arange(len(bands), dtype=np.int64)[:, None] * span + bands  # (slope, band) id
    covered = np.unique(line * n_rows + rows[None, :])  # each row once per (slope, band)
    counts = np.bincount(covered // n_rows)
    winner = int(counts.argmax())
    chosen = line[winner // span] == winner
    mean = float(dist[rows[chosen], cols[chosen]].mean())
    return int(counts[winner]) / n_rows, mean


def find_matches(
    ids: Sequence[str], fingerprints: Sequence[Fingerprint], params: NearDuplicateParams
) -> list[Match]:
    """Every pair of videos that match, each once (``a`` before ``b`` in ``ids``' order)."""
    out = []
    for i, j in sorted(candidates(fingerprints)):
        found = compare(fingerprints[i], fingerprints[j], params)
        if found is not None:
            out.append(
                Match(ids[i], ids[j], found.shared, found.distance, found.view, found.mirrored)
            )
    return out


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
