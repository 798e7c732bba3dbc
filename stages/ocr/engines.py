"""The OCR engine interface both backends implement, and the one engine per worker process.

The stage drives detection and recognition separately (detect once per change, recognise only
lines that changed), so an engine exposes the two steps rather than a whole-image ``ocr()``.
Both backends run the same PP-OCR model files; only the runtime wrapper differs. Line crops are
cut here, identically for both backends, so their readings can be compared one to one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from pipeline.weights import fingerprint
from stages.ocr import paddle_backend, rapidocr_backend

BACKENDS = ("rapidocr", "paddleocr")


class OcrEngine(Protocol):
    """Text detection and recognition on BGR uint8 images."""

    def detect(self, image: np.ndarray, limit_side_len: int) -> list[np.ndarray]:
        """Text line quadrilaterals, each (4, 2) float32 in image pixels (clockwise from the
        top-left corner); the detector sees the image scaled so its longer side is at most
        ``limit_side_len``."""
        ...

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """(text, confidence) for each line crop, in order."""
        ...


@dataclass(frozen=True)
class ModelFiles:
    """Where a backend's detection and recognition models are, as resolved on this machine."""

    backend: str
    det: Path
    rec: Path


def resolve_models(backend: str, det_dir: Path | None, rec_dir: Path | None) -> ModelFiles:
    """Find the model files (``pipeline.weights`` search order); raise ``MissingWeights`` with
    every place searched."""
    if backend == "rapidocr":
        det, rec = rapidocr_backend.resolve_models(det_dir, rec_dir)
    elif backend == "paddleocr":
        det, rec = paddle_backend.resolve_models(det_dir, rec_dir)
    else:
        raise ValueError(f"unknown OCR backend {backend!r}; expected one of {BACKENDS}")
    return ModelFiles(backend, det, rec)


def engine_version(models: ModelFiles) -> str:
    """Part of the per-video cache key: backend and model content (the code is in every key)."""
    return f"{models.backend}:{fingerprint(models.det)}:{fingerprint(models.rec)}"


@functools.cache
def load_engine(models: ModelFiles, threads: int) -> OcrEngine:
    """One engine per process and configuration: ONNX sessions load once, not per video."""
    if models.backend == "rapidocr":
        return rapidocr_backend.RapidOcrEngine(models.det, models.rec, threads)
    return paddle_backend.PaddleOcrEngine(models.det, models.rec, threads)


def crop_line(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The line under ``quad``, warped to an upright rectangle (tall crops turned to read left
    to right), as PP-OCR's recogniser expects."""
    quad = np.asarray(quad, np.float32)
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    width, height = max(width, 1), max(height, 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    crop = cv2.warpPerspective(
        image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if height / width >= 1.5:
        crop = np.ascontiguousarray(np.rot90(crop))
    return crop


def widen_quads(quads: list[np.ndarray], width: int, share: float = 0.8) -> list[np.ndarray]:
    """``quads`` (in reading order) widened left and right by ``share`` of their height, never
    past the frame or halfway to a neighbour on the same row. The detector often leaves out a
    line's first or last character when it is a single stroke (``一``, ``-``) or punctuation;
    the recogniser reads it back given the margin."""
    boxes = [(q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()) for q in quads]
    widened = []
    for i, (quad, (x0, y0, x1, y1)) in enumerate(zip(quads, boxes, strict=True)):
        left, right = share * (y1 - y0), share * (y1 - y0)
        for j, (ox0, oy0, ox1, oy1) in enumerate(boxes):
            if j == i or min(y1, oy1) - max(y0, oy0) <= 0.5 * min(y1 - y0, oy1 - oy0):
                continue
            if ox1 <= x0:
                left = min(left, (x0 - ox1) / 2)
            elif ox0 >= x1:
                right = min(right, (ox0 - x1) / 2)
        left, right = max(min(left, x0), 0.0), max(min(right, width - 1 - x1), 0.0)
        shift = np.array([[-left, 0], [right, 0], [right, 0], [-left, 0]], np.float32)
        widened.append(np.asarray(quad, np.float32) + shift)
    return widened


def order_quads(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Reading order: top to bottom by row (lines whose vertical centres are within half a line
    height share a row), left to right within a row."""
    items = sorted((np.asarray(q, np.float32) for q in quads), key=lambda q: q[:, 1].mean())
    rows: list[list[np.ndarray]] = []
    for quad in items:
        cy = quad[:, 1].mean()
        height = quad[:, 1].max() - quad[:, 1].min()
        if rows:
            last = rows[-1][-1]
            if abs(cy - last[:, 1].mean()) <= max(height, 1.0) / 2:
                rows[-1].append(quad)
                continue
        rows.append([quad])
    return [q for row in rows for q in sorted(row, key=lambda q: q[:, 0].min())]
