"""Scoring tracks against a MOTChallenge sequence (MOTA, IDF1, ID switches) and the bound a
tracker's detections allow.

Used by ``benchmarks/tracking.py`` and the real-data tests. ``motmetrics`` is a dev dependency
(imported only here, when scoring); its own ``iou_matrix`` calls ``np.asfarray``, gone from
NumPy 2, so the IoU distances come from ``stages.track.mot`` and are fed to its accumulator.
"""

from __future__ import annotations

import configparser
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stages.track.mot import Box, MotRow, iou_matrix, match, read_rows

MIN_IOU = 0.5  # MOTChallenge's overlap for a hypothesis to count as finding a target
PEDESTRIAN = 1  # gt.txt class of pedestrians


@dataclass(frozen=True)
class Sequence:
    name: str
    frames: dict[int, Path]  # MOT frame number -> image, only the frames present on disk
    width: int
    height: int
    gt: list[MotRow]  # pedestrians to be tracked (class 1, consider flag 1) on those frames
    det: list[MotRow]  # the sequence's public detections on those frames


def load_sequence(root: Path) -> Sequence:
    """A MOTChallenge folder (seqinfo.ini, img1/, gt/gt.txt, det/det.txt), cut to the frames
    whose images are present (a mini copy may ship a few frames of a long sequence)."""
    root = Path(root)
    info = configparser.ConfigParser()
    info.read(root / "seqinfo.ini")
    seq = info["Sequence"]
    image_dir = root / seq.get("imDir", "img1")
    frames = {int(p.stem): p for p in sorted(image_dir.glob(f"*{seq.get('imExt', '.jpg')}"))}
    gt = []
    for fields in _csv(root / "gt" / "gt.txt"):
        frame, consider, cls = int(fields[0]), int(fields[6]), int(fields[7])
        if frame in frames and consider == 1 and cls == PEDESTRIAN:
            box = (fields[2], fields[3], fields[4], fields[5])
            gt.append(MotRow(frame, int(fields[1]), box, 1.0))
    det = [r for r in read_rows(root / "det" / "det.txt") if r.frame in frames]
    return Sequence(seq["name"], frames, int(seq["imWidth"]), int(seq["imHeight"]), gt, det)


def by_frame(rows: Iterable[MotRow]) -> dict[int, list[MotRow]]:
    out: dict[int, list[MotRow]] = defaultdict(list)
    for r in rows:
        out[r.frame].append(r)
    return out


def oracle_tracks(detections: Iterable[MotRow], gt: Iterable[MotRow]) -> list[MotRow]:
    """What a perfect tracker would output from these detections: each detection that finds a
    pedestrian (IoU >= 0.5, one-to-one) carries that pedestrian's id; every other detection is
    a false positive with an id of its own. Its MOTA is the most any tracker fed exactly these
    detections, box for box, can score."""
    gt = list(gt)
    gt_frames = by_frame(gt)
    rows = []
    next_fp_id = 1 + max((g.id for g in gt), default=0)
    for frame, dets in sorted(by_frame(detections).items()):
        truth = gt_frames.get(frame, [])
        owner = {d: truth[g].id for d, g in match([d.box for d in dets], [t.box for t in truth])}
        for i, d in enumerate(dets):
            if i in owner:
                rows.append(MotRow(frame, owner[i], d.box, d.conf))
            else:
                rows.append(MotRow(frame, next_fp_id, d.box, d.conf))
                next_fp_id += 1
    return rows


def detection_quality(detections: Iterable[MotRow], gt: Iterable[MotRow]) -> dict[str, float]:
    """Recall and precision of boxes alone (IoU >= 0.5, one-to-one per frame)."""
    det_frames, gt_frames = by_frame(detections), by_frame(gt)
    found = n_det = n_gt = 0
    for frame in set(det_frames) | set(gt_frames):
        dets, truth = det_frames.get(frame, []), gt_frames.get(frame, [])
        found += len(match([d.box for d in dets], [t.box for t in truth], MIN_IOU))
        n_det += len(dets)
        n_gt += len(truth)
    return {
        "recall": found / n_gt if n_gt else 0.0,
        "precision": found / n_det if n_det else 0.0,
        "detections": n_det,
        "pedestrians": n_gt,
    }


def score(hypotheses: Iterable[MotRow], gt: Iterable[MotRow], frames: Iterable[int]) -> dict:
    """MOTA, IDF1, ID switches and their parts (motmetrics' definitions, IoU >= 0.5)."""
    import motmetrics as mm

    acc = mm.MOTAccumulator(auto_id=False)
    hyp_frames, gt_frames = by_frame(hypotheses), by_frame(gt)
    for frame in sorted(frames):
        truth, hyp = gt_frames.get(frame, []), hyp_frames.get(frame, [])
        acc.update(
            [t.id for t in truth], [h.id for h in hyp], _distances(truth, hyp), frameid=frame
        )
    names = [
        "mota",
        "idf1",
        "num_switches",
        "num_false_positives",
        "num_misses",
        "num_objects",
        "recall",
        "precision",
        "num_unique_objects",
    ]
    summary = mm.metrics.create().compute(acc, metrics=names, name="seq")
    return {
        k: int(v) if k.startswith("num_") else round(float(v), 6)
        for k, v in summary.loc["seq", names].items()
    }


def _distances(truth: list[MotRow], hyp: list[MotRow]) -> np.ndarray:
    """1 - IoU, NaN where the overlap is too small to count (motmetrics' convention)."""
    boxes_t: list[Box] = [t.box for t in truth]
    boxes_h: list[Box] = [h.box for h in hyp]
    dist = 1.0 - iou_matrix(boxes_t, boxes_h)
    dist[dist > 1.0 - MIN_IOU] = np.nan
    return dist


def _csv(path: Path) -> list[list[float]]:
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append([float(v) for v in line.split(",")])
    return rows
