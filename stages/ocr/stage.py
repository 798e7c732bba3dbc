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

import functools
import os
import resource
import time
from pathlib import Path
from typing import Any

from pipeline.params import DEFAULT_PARAMS, OcrParams, Params, load_params
from pipeline.records import ManifestEntry
from pipeline.runner import RunReport
from pipeline.video_stage import (
    DEFAULT_MANIFEST,
    publish,
    read_manifest,
    run_manifest_stage,
    skip_without_frames,
)
from pipeline.work import WorkItem
from stages.ocr.assemble import band_record, classify, cue_records, subtitle_cues, text_events
from stages.ocr.engines import ModelFiles, engine_version, load_engine, resolve_models
from stages.ocr.outputs import write_document
from stages.ocr.scan import scan_video
from stages.ocr.schema import OcrDocument, OcrStats

STAGE = "ocr"
DEFAULT_OUT = Path("data/interim/subtitles")
SRT_NAME = "subtitles.srt"
JSON_NAME = "ocr.json"


def _cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def read_text(
    path: Path, video_id: str, params: OcrParams, models: ModelFiles, threads: int = 1
) -> OcrDocument:
    """OCR one video: its document (cues, other on-screen text, statistics)."""
    engine = load_engine(models, threads)
    wall, cpu = time.perf_counter(), _cpu_seconds()
    scan = scan_video(path, engine, params)
    tracks, band = classify(scan, params)
    cues = subtitle_cues(scan, tracks, params)
    s = scan.stats
    stats = OcrStats(
        frames=s.frames,
        checks=s.checks,
        ocr_calls=s.detections,
        recognitions=s.recognitions,
        reused_lines=s.reused_lines,
        seconds=round(time.perf_counter() - wall, 3),
        cpu_seconds=round(_cpu_seconds() - cpu, 3),
        decode_s=round(s.decode_s, 3),
        ocr_s=round(s.ocr_s, 3),
    )
    document = OcrDocument(
        id=video_id,
        backend=models.backend,
        width=scan.width,
        height=scan.height,
        duration_s=round(scan.times[-1], 3) if scan.times else 0.0,
        band=band_record(band, scan.height),
        cues=cue_records(cues),
        other_text=text_events(scan, tracks, params),
        stats=stats,
    )
    return document


def ocr_video(
    item: WorkItem, out_dir: Path, *, params: OcrParams, models: ModelFiles, threads: int
) -> dict[str, Any]:
    """Per-video work for the runner: write the .srt and .json, return the index row."""
    document = read_text(item.path, item.id, params, models, threads)
    write_document(document, out_dir / JSON_NAME, out_dir / SRT_NAME)
    return index_row(document)


def index_row(document: OcrDocument) -> dict[str, Any]:
    band = document.band
    return {
        "id": document.id,
        "n_cues": len(document.cues),
        "n_other_lines": len(document.other_text),
        "band": [band.top_share, band.bottom_share] if band else None,
        "backend": document.backend,
        "frames": document.stats.frames,
        "ocr_calls": document.stats.ocr_calls,
        "recognitions": document.stats.recognitions,
        "seconds": document.stats.seconds,
        "cpu_seconds": document.stats.cpu_seconds,
    }


def run(
    manifest: Path = DEFAULT_MANIFEST,
    out: Path = DEFAULT_OUT,
    params_path: Path = DEFAULT_PARAMS,
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
    return report
