"""The ocr stage: hard subtitles and on-screen text of every manifest video.

Per video (through the per-video runner, so results are cached by content and params):
sample frames by presentation time, read the band search region on every frame and the rest of
the frame every few seconds (``scan.py``), separate static text and learn the subtitle band
(``band.py``), merge readings into timed cues (``cues.py``) and write ``<id>.srt`` and
``<id>.json`` (``schema.py``) under ``data/interim/subtitles/`` with an ``index.jsonl`` row per
video. A video without text gets an empty ``.srt`` (not a failure); an undecodable one is a
recorded failure and the stage goes on.
"""

from __future__ import annotations

import dataclasses
import functools
import os
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
from stages.ocr.engines import engine_version, resolve_models
from stages.ocr.work import JSON_NAME, SRT_NAME, ocr_video

STAGE = "ocr"


def run(
    manifest: Path = paths.MANIFEST,
    out: Path = paths.SUBTITLES,
    params_path: Path = paths.PARAMS,
    show_progress: bool = True,
) -> RunReport:
    """The stage on files, as ``python -m stages.ocr`` runs it: ``process`` on the params file
    and the manifest."""
    params = load_params(params_path, section=STAGE)
    return process(params, read_manifest(manifest), out, show_progress)


def process(
    params: Params, entries: list[ManifestEntry], out: Path, show_progress: bool = True
) -> RunReport:
    """OCR every video of ``entries`` (cached per video) and publish the outputs to ``out``."""
    cfg = params.ocr
    models = resolve_models(
        cfg.resolved_backend(params.profile), cfg.det_model_dir, cfg.rec_model_dir
    )
    workers = min(params.runner.resolved_workers(), max(len(entries), 1))
    threads = max(1, (os.cpu_count() or 1) // workers)
    work = functools.partial(ocr_video, params=cfg, models=models, threads=threads)
    report = run_manifest_stage(
        STAGE,
        entries,
        work,
        section=cfg,
        version=engine_version(models),
        params=params,
        show_progress=show_progress,
        skip=skip_without_frames,
    )
    publish(
        Path(out),
        report,
        lambda video_id: [(SRT_NAME, f"{video_id}.srt"), (JSON_NAME, f"{video_id}.json")],
    )
    return dataclasses.replace(report, outputs=[Path(out)])
