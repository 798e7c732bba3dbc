"""The track stage: people and faces over time, per manifest video.

For each video: sample frames at ``track.fps`` by presentation timestamp (scaled to
``track.max_side``), detect people (YOLO, SSDLite or HOG) on the frames that
``stages.track.schedule`` names, track them with deep-sort-realtime keeping confirmed tracks
only, and search one frame per ``1 / track.face_fps`` seconds for faces with MTCNN. Writes
``<out>/<id>.csv`` (MOT rows plus a time column, see ``stages.track.mot``), ``<out>/<id>.json``
(``TrackSummary``), ``index.jsonl`` (one line of counts per video) and ``failures.jsonl``. A
video with nobody in it is a result (zero persons), not a failure.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path

from pipeline import paths
from pipeline.params import Params, load_params
from pipeline.records import ManifestEntry
from pipeline.runner import RunReport
from pipeline.video_stage import (
    publish,
    read_manifest,
    run_manifest_stage,
    skip_without_frames,
)
from stages.track import detectors
from stages.track.params import TrackParams
from stages.track.work import SUMMARY_FILE, TRACKS_FILE, track_video

STAGE = "track"


def cache_version(detector: str, params: TrackParams) -> str:
    """Besides params, code and library versions (in every cache key): the detector and its
    weights (raises ``MissingWeights`` for absent YOLO weights)."""
    return detectors.version(detector, params)


def run(
    manifest: Path = paths.MANIFEST,
    out: Path = paths.TRACKS,
    params_path: Path = paths.PARAMS,
    show_progress: bool = True,
) -> RunReport:
    """The stage on files, as ``python -m stages.track`` runs it: ``process`` on the params
    file and the manifest."""
    params = load_params(params_path, section=STAGE)
    return process(params, read_manifest(manifest), out, show_progress)


def process(
    params: Params, entries: list[ManifestEntry], out: Path, show_progress: bool = True
) -> RunReport:
    """Track people and find faces in every video of ``entries``; publish to ``out``."""
    cfg = params.track
    detector = cfg.resolved_detector(params.profile)
    version = cache_version(detector, cfg)  # missing weights stop the stage here, at once
    work = partial(track_video, params=cfg, detector=detector)
    report = run_manifest_stage(
        STAGE,
        entries,
        work,
        section=cfg,
        version=version,
        params=params,
        show_progress=show_progress,
        skip=skip_without_frames,
    )
    publish(
        Path(out),
        report,
        lambda vid: [(TRACKS_FILE, f"{vid}.csv"), (SUMMARY_FILE, f"{vid}.json")],
    )
    return dataclasses.replace(report, outputs=[Path(out)])
