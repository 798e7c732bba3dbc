"""Both people detectors through their real loading paths, with the network cut off."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import weights
from pipeline.params import HogParams, TrackParams
from pipeline.weights import MissingWeights
from stages.track import detectors
from stages.track.detectors import HogDetector, YoloDetector
from stages.track.mot import iou_matrix
from tests.stages.track.track_synthetic import photo, resized


def test_tiny_yolo_loads_from_pt_and_detects_people_only(tiny_yolo, no_network):
    params = TrackParams(detector="yolo", weights=tiny_yolo, max_detections=4, confidence=0.5)
    detector = detectors.build("yolo", params)
    assert isinstance(detector, YoloDetector)
    image = resized(photo("astronaut"), 320, 240)
    found = detector.detect(image)
    assert 1 <= len(found) <= 4
    assert all(d.score >= 0.5 for d in found)
    assert all(d.box[0] >= -1 and d.box[0] + d.box[2] <= 321 for d in found)
    assert found == sorted(found, key=lambda d: -d.score)
    assert no_network == []


def test_missing_yolo_weights_fail_at_once_naming_everything(tmp_path, monkeypatch, no_network):
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    with pytest.raises(MissingWeights) as e:
        detectors.yolo_weights(TrackParams(detector="yolo"))
    message = str(e.value)
    for part in ("yolo11n.pt", str(tmp_path / "models" / "yolo"), "track.detector: hog",
                 "Ultralytics"):  # fmt: skip
        assert part in message
    with pytest.raises(MissingWeights, match=r"mine\.pt"):
        detectors.version("yolo", TrackParams(weights=tmp_path / "mine.pt"))
    assert no_network == []


def test_weights_in_models_folder_are_found_and_fingerprinted(tmp_path, monkeypatch, tiny_yolo):
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    (tmp_path / "models" / "yolo").mkdir(parents=True)
    (tmp_path / "models" / "yolo" / "yolov8n.pt").write_bytes(tiny_yolo.read_bytes())
    assert detectors.yolo_weights(TrackParams()) == tmp_path / "models" / "yolo" / "yolov8n.pt"
    first = detectors.version("yolo", TrackParams())
    (tmp_path / "models" / "yolo" / "yolov8n.pt").write_bytes(b"other weights")
    assert detectors.version("yolo", TrackParams()) != first
    assert detectors.version("hog", TrackParams()).startswith("hog")


def test_hog_finds_the_pedestrian_and_nobody_in_a_still_life():
    detector = HogDetector(HogParams(), max_detections=10)
    street = resized(photo("bus"), 360, 480)  # ultralytics' street photo, people full-length
    people = detector.detect(street)
    assert len(people) >= 1
    _, _, w, h = people[0].box
    assert h > 2 * w * 0.8 and h >= 128  # an upright body at least one HOG window tall
    assert detector.detect(photo("coffee")) == []


def test_hog_suppresses_overlaps_and_keeps_the_most_confident():
    street = resized(photo("bus"), 360, 480)
    loose = HogParams(scale=1.05, hit_threshold=-0.5, nms_iou=1.0)  # several candidates
    everything = HogDetector(loose, max_detections=50).detect(street)
    suppressed = HogDetector(loose.model_copy(update={"nms_iou": 0.3}), 50).detect(street)
    assert len(suppressed) < len(everything)
    boxes = [d.box for d in suppressed]
    overlaps = iou_matrix(boxes, boxes) - np.eye(len(boxes))
    assert overlaps.max() <= 0.3
    best_two = HogDetector(loose, max_detections=2).detect(street)
    assert best_two == sorted(everything, key=lambda d: -d.score)[:2]
