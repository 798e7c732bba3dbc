"""Did the text in a region change since it was last read? A cheap test on stroke pixels.

A plain image difference of the subtitle band cannot tell a new subtitle from the picture moving
behind an unchanged one (measured on the real clips: a one-word subtitle appearing changes fewer
pixels than a camera pan). Burned-in text is drawn with high local contrast and does not move, so
the test looks at *stroke pixels* (a 3x3 morphological gradient above a threshold, on a copy
at most ``WORK_WIDTH`` wide):

- ``lost``: for each line read last time, the share of its stroke pixels whose grey level
  changed by more than ``DELTA``. Unchanged text stays under a few percent even over moving
  video; replaced or vanished text loses about half or more.
- ``new``: stroke pixels outside the known lines that were not strokes before and whose grey
  level changed, counted only where they cluster like a run of text (``text_blobs``), per
  column of the region: text appearing where there was none. One cluster at least two
  characters wide (``has_text_run``) counts whatever its share of the columns, so a short
  line of small type is seen as surely as a long one.

``new`` is measured against both the last reading and the previous frame: the first catches
text fading in over several frames, the second text appearing just after a scene cut (where,
against the old picture, it merges with the cut's edges). Either test above its threshold means
"run the detector"; otherwise the last reading still holds.

Stroke pixels need contrast: a line with a thin or grey outline over a light, busy picture has
almost none (a white glyph on near-white), so the tests above cannot see it arrive. ``settled``
is the text-likeness test that does not depend on stroke contrast: pixels that changed since the
last reading but hold still since the previous frame (burned-in text stays put; moving picture
does not), clustered like a run of text. It sees such a line one sampled frame after it appears.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_WIDTH = 640
STROKE_GRADIENT = 100  # grey levels across 3x3: text edges, not soft picture detail
WEAK_STROKE_GRADIENT = 40  # settled text: a thin outline blurred by the working scale
DELTA = 50  # grey-level change that counts as a changed pixel
MIN_STROKES = 20  # below this a line's strokes are too few to judge; use all its pixels
CRISP_DENSITY = 0.2  # stroke pixels per box pixel of outlined subtitles: 0.25-0.55 measured
GONE_SHARE = 0.25
BLOB_MIN_AREA = 60  # working pixels of a closed cluster: about one small character
BLOB_MIN_HEIGHT = 5
BLOB_MIN_DENSITY = 0.2
RUN_CHARS = 2  # a cluster this many heights wide is a run of text on its own
_KERNEL = np.ones((3, 3), np.uint8)
_LINE_KERNEL = np.ones((3, 9), np.uint8)  # joins the strokes of neighbouring characters
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Signature:
    """A region reduced for comparison: grey levels and stroke pixels at working scale."""

    gray: np.ndarray  # int16, h x w
    strokes: np.ndarray  # bool, h x w
    scale: float  # working pixels per region pixel


def signature(region_rgb: np.ndarray) -> Signature:
    gray = cv2.cvtColor(region_rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    scale = min(1.0, WORK_WIDTH / max(w, 1))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    strokes = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, _KERNEL) > STROKE_GRADIENT
    return Signature(gray.astype(np.int16), strokes, scale)


def _window(sig: Signature, box: Box) -> tuple[slice, slice]:
    h, w = sig.gray.shape
    x0, y0, x1, y1 = (v * sig.scale for v in box)
    rows = slice(max(int(y0) - 1, 0), min(int(np.ceil(y1)) + 2, h))
    cols = slice(max(int(x0) - 1, 0), min(int(np.ceil(x1)) + 2, w))
    return rows, cols


def lost_share(ref: Signature, cur: Signature, box: Box) -> float:
    """Share of the reference line's stroke pixels (inside ``box``, region pixels) that
    changed grey level in ``cur``."""
    rows, cols = _window(ref, box)
    changed = np.abs(cur.gray[rows, cols] - ref.gray[rows, cols]) > DELTA
    strokes = ref.strokes[rows, cols]
    if strokes.sum() < MIN_STROKES:
        return float(changed.mean()) if changed.size else 0.0
    return float((changed & strokes).sum() / strokes.sum())


def vanished(ref: Signature, cur: Signature, box: Box) -> bool:
    """Whether crisp text in ``box`` (dense strokes in ``ref``, as outlined subtitles have)
    left fewer than ``GONE_SHARE`` of its strokes: it vanished and plain picture remains, so
    the detector has nothing to find there. Faint text (a semi-transparent logo) never counts:
    its strokes also fade when only the picture behind it brightens."""
    rows, cols = _window(ref, box)
    before = ref.strokes[rows, cols]
    if before.size == 0 or before.mean() < CRISP_DENSITY:
        return False
    return bool(cur.strokes[rows, cols].sum() < GONE_SHARE * before.sum())


def text_left(cur: Signature, box: Box) -> bool:
    """Whether the strokes in ``box`` (region pixels) of ``cur`` still cluster like a run of
    text: a shorter line shown where a longer one was. Its strokes lie where the old line's
    were, so ``new_text`` (strokes that were not there before) cannot see it, and they are too
    few for ``vanished`` to call the old line present."""
    mask = np.zeros_like(cur.strokes)
    window = _window(cur, box)
    mask[window] = cur.strokes[window]
    return bool(text_blobs(mask, cur.scale))


def _fresh(ref: Signature | None, cur: Signature) -> np.ndarray:
    """Stroke pixels of ``cur`` that were not strokes in ``ref`` and changed grey level."""
    if ref is None:
        return cur.strokes
    before = cv2.dilate(ref.strokes.astype(np.uint8), _KERNEL).astype(bool)
    return cur.strokes & ~before & (np.abs(cur.gray - ref.gray) > DELTA)


def text_blobs(mask: np.ndarray, scale: float) -> list[tuple[Box, int]]:
    """Clusters of stroke pixels shaped like a run of text: closed horizontally, at least as
    wide as tall, dense, not taller than a third of the region. Edges of moving picture content
    are mostly long, thin or sparse and fail these tests. A cluster that fails them is looked at
    once more by its densest rows (``_dense_rows``): a line of text touching other strokes (a
    tilted word printed just above it) is still a run of text there. Boxes in region pixels,
    with their stroke pixel counts."""
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, _LINE_KERNEL)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed)
    blobs = []
    for i, (x, y, w, h, area) in enumerate(stats[1:n], start=1):
        if area < BLOB_MIN_AREA:
            continue
        found = _text_like(mask, x, y, w, h)
        if found is None:
            found = _dense_rows(mask, labels[y : y + h, x : x + w] == i, x, y)
        if found is not None:
            (bx, by, bw, bh), count = found
            box = (bx / scale, by / scale, (bx + bw) / scale, (by + bh) / scale)
            blobs.append((box, count))
    return blobs


def _text_like(
    mask: np.ndarray, x: int, y: int, w: int, h: int
) -> tuple[tuple[int, int, int, int], int] | None:
    """((x, y, w, h), stroke count) if that box of ``mask`` holds a text-shaped cluster."""
    if h < BLOB_MIN_HEIGHT or h > mask.shape[0] / 3 or w < 1.2 * h:
        return None
    count = int(mask[y : y + h, x : x + w].sum())
    if count < BLOB_MIN_DENSITY * w * h:
        return None
    return (x, y, w, h), count


def _dense_rows(
    mask: np.ndarray, part: np.ndarray, x: int, y: int
) -> tuple[tuple[int, int, int, int], int] | None:
    """The run of rows of cluster ``part`` (its pixels in its bounding box, at ``x, y``) that
    hold at least half of its fullest row, tested as a cluster of its own."""
    rows = part.sum(axis=1)
    keep = np.flatnonzero(rows >= 0.5 * rows.max())
    runs = np.split(keep, np.flatnonzero(np.diff(keep) > 2) + 1)
    best = max(runs, key=lambda r: int(rows[r[0] : r[-1] + 1].sum()))
    r0, r1 = int(best[0]), int(best[-1]) + 1
    cols = np.flatnonzero(part[r0:r1].any(axis=0))
    c0, c1 = int(cols[0]), int(cols[-1]) + 1
    return _text_like(mask, x + c0, y + r0, c1 - c0, r1 - r0)


def new_text(ref: Signature | None, cur: Signature, known: list[Box]) -> list[tuple[Box, int]]:
    """Text-like clusters of new strokes outside the ``known`` boxes (region pixels), with
    their stroke pixel counts."""
    mask = _fresh(ref, cur)
    for box in known:
        mask[_window(cur, box)] = False
    return text_blobs(mask, cur.scale)


def settled(
    ref: Signature, prev: Signature, cur: Signature, known: list[Box]
) -> list[tuple[Box, int]]:
    """Text-like clusters (outside the ``known`` boxes) of edge pixels, however weak, that
    changed grey level since ``ref`` but not since ``prev``: new content that holds still.
    Flat areas of a moving picture that happen to match are no edges and do not count."""
    edges = cv2.morphologyEx(cur.gray.astype(np.uint8), cv2.MORPH_GRADIENT, _KERNEL)
    mask = (
        (edges > WEAK_STROKE_GRADIENT)
        & (np.abs(cur.gray - ref.gray) > DELTA)
        & (np.abs(cur.gray - prev.gray) <= DELTA // 2)
    )
    for box in known:
        mask[_window(cur, box)] = False
    return text_blobs(mask, cur.scale)


def has_text_run(blobs: list[tuple[Box, int]]) -> bool:
    """Whether one cluster alone is a run of at least ``RUN_CHARS`` characters (as wide as that
    many of its heights). Text of any length counts: summed per column of the region, a short
    line of small type stays below ``ocr.change_new`` however clearly it is text."""
    return any(x1 - x0 >= RUN_CHARS * (y1 - y0) for (x0, y0, x1, y1), _ in blobs)


def per_column(blobs: list[tuple[Box, int]], sig: Signature) -> float:
    """Stroke pixels of ``blobs`` per working column of the region: the ``new`` measure."""
    return sum(count for _, count in blobs) / max(sig.strokes.shape[1], 1)


def same_size(a: Signature, b: Signature) -> bool:
    return a.gray.shape == b.gray.shape
