"""MOT-format track files and the box geometry shared by the detectors, the stage and the
benchmark.

A track file is the MOTChallenge text format, one row per confirmed person per sampled frame,
no header, with the frame's presentation time appended as an eleventh column:

    frame, id, x, y, w, h, conf, -1, -1, -1, t

``frame`` counts sampled frames from 1 (MOT numbering), ``x, y`` is the box's top-left corner
and ``w, h`` its size, all in pixels of the video as displayed (rotation applied); ``conf`` is
the detector's score for the box (a probability for YOLO and SSDLite, an SVM margin for HOG); on
frames the detector skipped the box is the tracker's prediction and ``conf`` the score of the
person's last detection; the three -1 are MOT's unused world coordinates; ``t`` is seconds
from the start of the video stream. Tools that read MOT files take the first ten columns and
ignore the eleventh.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

Box = tuple[float, float, float, float]  # x (left), y (top), w, h


@dataclass(frozen=True)
class MotRow:
    frame: int
    id: int
    box: Box
    conf: float
    t: float | None = None


def format_rows(rows: Iterable[MotRow]) -> str:
    """The rows as MOT text (the time column only when every row has one)."""
    out = io.StringIO()
    for r in rows:
        x, y, w, h = (round(v, 2) for v in r.box)
        fields = [r.frame, r.id, x, y, w, h, round(r.conf, 4), -1, -1, -1]
        if r.t is not None:
            fields.append(round(r.t, 6))
        out.write(",".join(_number(v) for v in fields) + "\n")
    return out.getvalue()


def read_rows(path: Path) -> list[MotRow]:
    """Rows of a MOT file: a chfen track file, a MOTChallenge ``det.txt`` (id -1) or the first
    seven columns of a ``gt.txt`` (where column 7 is the 'consider' flag, not a score)."""
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for fields in csv.reader(fh):
            if not fields:
                continue
            v = [float(f) for f in fields]
            t = v[10] if len(v) > 10 else None
            rows.append(MotRow(int(v[0]), int(v[1]), (v[2], v[3], v[4], v[5]), v[6], t))
    return rows


def iou_matrix(a: Sequence[Box], b: Sequence[Box]) -> np.ndarray:
    """Intersection over union of every box in ``a`` with every box in ``b`` (len(a) x len(b))."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    A = np.asarray(a, dtype=float)[:, None, :]
    B = np.asarray(b, dtype=float)[None, :, :]
    left = np.maximum(A[..., 0], B[..., 0])
    top = np.maximum(A[..., 1], B[..., 1])
    right = np.minimum(A[..., 0] + A[..., 2], B[..., 0] + B[..., 2])
    bottom = np.minimum(A[..., 1] + A[..., 3], B[..., 1] + B[..., 3])
    inter = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    union = A[..., 2] * A[..., 3] + B[..., 2] * B[..., 3] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def match(a: Sequence[Box], b: Sequence[Box], min_iou: float = 0.5) -> list[tuple[int, int]]:
    """The one-to-one pairing of ``a`` with ``b`` that maximises total IoU, keeping only pairs
    that overlap by at least ``min_iou`` (MOTChallenge's matching rule)."""
    iou = iou_matrix(a, b)
    if iou.size == 0:
        return []
    rows, cols = linear_sum_assignment(-iou)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if iou[i, j] >= min_iou]


def suppress(boxes: Sequence[Box], scores: Sequence[float], max_iou: float) -> list[int]:
    """Greedy non-maximum suppression: indices of the boxes kept, best score first."""
    order = list(np.argsort(-np.asarray(scores, dtype=float), kind="stable"))
    iou = iou_matrix(boxes, boxes)
    kept: list[int] = []
    for i in order:
        if all(iou[i, k] <= max_iou for k in kept):
            kept.append(int(i))
    return kept


def clip_box(box: Box, width: int, height: int) -> Box:
    """The part of ``box`` inside a ``width`` x ``height`` frame (zero size if none)."""
    x, y, w, h = box
    left, top = max(x, 0.0), max(y, 0.0)
    right, bottom = min(x + w, float(width)), min(y + h, float(height))
    return (left, top, max(right - left, 0.0), max(bottom - top, 0.0))


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))
