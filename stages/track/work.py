"""One video's tracking, as the per-video runner calls it: people through the detector and the
tracker, faces once per ``1 / track.face_fps`` seconds; the MOT file and the summary written into
the cache entry, the counts returned.

This module imports neither the runner nor the params of other stages, so its work-cache key
(``pipeline.code_version``) follows exactly the tracking code.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline import atomic
from pipeline.frames import display_size, sample_frames
from stages.track import detectors
from stages.track.faces import detect_faces
from stages.track.mot import MotRow, format_rows
from stages.track.params import TrackParams
from stages.track.schedule import DetectorRun, detector_run
from stages.track.summary import FaceSecond, TrackSummary, write_summary
from stages.track.tracker import PersonTracker, TrackedBox

if TYPE_CHECKING:
    from pipeline.work import WorkItem


TRACKS_FILE = "tracks.csv"


SUMMARY_FILE = "summary.json"


def track_video(
    item: WorkItem, out_dir: Path, *, params: TrackParams, detector: str
) -> dict[str, Any]:
    """Per-video work: the MOT file and the summary into ``out_dir``; the counts returned."""
    single_threaded()
    person_detector = _detector(detector, params)
    tracker = PersonTracker(
        max_age=params.max_age,
        n_init=params.n_init,
        max_cosine_distance=params.max_cosine_distance,
        max_iou_distance=params.max_iou_distance,
    )
    fine_every = params.ssdlite.fine_every if detector == "ssdlite" else 1
    runs = partial(detector_run, detect_every=params.detect_every, fine_every=fine_every)
    width, height, _ = display_size(item.path)
    rows: list[MotRow] = []
    times: list[float] = []  # of the frames given to the tracker, in order
    face_seconds: list[FaceSecond] = []
    last_face_cell = -1
    for frame in sample_frames(item.path, params.fps, params.max_side):
        times.append(frame.t)
        scale = width / frame.image.shape[1]
        tracked = _track_frame(tracker, person_detector, frame.image, runs(frame.index))
        rows += [
            MotRow(tb.frame + 1, tb.id, tuple(v * scale for v in tb.box), tb.score, times[tb.frame])
            for tb in tracked
        ]
        face_cell = math.floor(frame.t * params.face_fps)
        if face_cell > last_face_cell:
            last_face_cell = face_cell
            faces = detect_faces(
                frame.image,
                min_probability=params.face_min_probability,
                min_face_size=params.face_min_size,
                scale=scale,
            )
            face_seconds.append(FaceSecond(second=int(frame.t), t=frame.t, faces=faces))

    rows.sort(key=lambda r: (r.frame, r.id))
    frames, last_t = len(times), times[-1] if times else 0.0
    ids_per_second: dict[int, set[int]] = {}
    for r in rows:
        ids_per_second.setdefault(int(r.t), set()).add(r.id)
    max_persons = max(Counter(r.frame for r in rows).values(), default=0)
    seconds = int(last_t) + 1 if frames else 0
    summary = TrackSummary(
        id=item.id,
        detector=detector,
        width=width,
        height=height,
        sampled_fps=params.fps,
        frames=frames,
        seconds=seconds,
        unique_persons=len({r.id for r in rows}),
        persons_per_second=[len(ids_per_second.get(s, ())) for s in range(seconds)],
        max_persons=max_persons,
        faces_per_second=face_seconds,
        seconds_with_faces=len({fs.second for fs in face_seconds if fs.faces}),
        max_faces=max((len(fs.faces) for fs in face_seconds), default=0),
    )
    atomic.write_text(out_dir / TRACKS_FILE, format_rows(rows))
    write_summary(summary, out_dir / SUMMARY_FILE)
    return summary.index_row()


def _track_frame(
    tracker: PersonTracker,
    person_detector: detectors.PersonDetector,
    image: np.ndarray,
    run: DetectorRun,
) -> list[TrackedBox]:
    """One sampled frame through the detector (as ``run`` says) and the tracker."""
    if run is DetectorRun.SKIP:
        return tracker.carry()
    if run is DetectorRun.TALL:
        found, unseen_below = person_detector.detect_tall(image)
        return tracker.update(image, found, unseen_below=unseen_below)
    return tracker.update(image, person_detector.detect(image))


@cache
def _detector(name: str, params: TrackParams) -> detectors.PersonDetector:
    """Loaded once per worker process (the pool reuses workers across videos)."""
    return detectors.build(name, params)


@cache
def single_threaded() -> None:
    """Parallelism comes from the runner's worker processes (one per core by default), so each
    worker runs its models on one thread. MTCNN on a 640x360 frame measured 0.2 s of CPU with
    one thread and 0.5-2.5 s with two on this 2-core machine while other work ran: small
    models gain little from intra-op threads and lose much when the cores are contended."""
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
