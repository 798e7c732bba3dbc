"""Faces with MTCNN (facenet-pytorch; its P/R/O-Net weights ship inside the wheel).

Each face is kept with its box, MTCNN's probability and the share of the frame it covers: the
area ratio is what CHFEN's face/scene fusion weighs a second's faces by.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from pydantic import BaseModel, ConfigDict

from stages.track.mot import clip_box


class Face(BaseModel):
    model_config = ConfigDict(extra="forbid")

    box: tuple[float, float, float, float]  # x, y, w, h in pixels of the displayed video
    probability: float
    area_ratio: float  # box area (inside the frame) / frame area


@cache
def _mtcnn(min_face_size: int):
    import torch
    from facenet_pytorch import MTCNN

    device = "cuda" if torch.cuda.is_available() else "cpu"
    return MTCNN(keep_all=True, min_face_size=min_face_size, device=device)


def detect_faces(
    image: np.ndarray, *, min_probability: float, min_face_size: int, scale: float = 1.0
) -> list[Face]:
    """Faces in an RGB ``image``, most probable first. ``scale`` maps the image's pixels to the
    video's displayed pixels (boxes are reported in the latter; area ratios do not change)."""
    h, w = image.shape[:2]
    if min(h, w) < min_face_size:
        # No face of the minimum size fits (a 16x8192 video): MTCNN's image pyramid would be
        # empty, and facenet-pytorch raises on it instead of finding nothing.
        return []
    boxes, probs = _mtcnn(min_face_size).detect(image)
    if boxes is None:
        return []
    # detect() returns object-dtype arrays (None when nothing is found): cast before math.
    boxes = np.asarray(boxes).astype(float).reshape(-1, 4)
    probs = np.asarray(probs).astype(float).reshape(-1)
    faces = []
    for (x1, y1, x2, y2), p in zip(boxes, probs, strict=True):
        if not np.isfinite(p) or p < min_probability:
            continue
        x, y, bw, bh = clip_box((x1, y1, x2 - x1, y2 - y1), w, h)
        if bw <= 0 or bh <= 0:
            continue
        box = tuple(round(v * scale, 2) for v in (x, y, bw, bh))
        faces.append(
            Face(box=box, probability=round(float(p), 6), area_ratio=round(bw * bh / (w * h), 6))
        )
    return sorted(faces, key=lambda f: -f.probability)
