"""One video's OCR, as the per-video runner calls it: read the text, write ``<id>.srt`` and
``<id>.json`` into the cache entry, return the index row.

This module imports neither the runner nor the params of other stages, so its work-cache key
(``pipeline.code_version``) follows exactly the OCR code.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stages.ocr.assemble import band_record, classify, cue_records, subtitle_cues, text_events
from stages.ocr.engines import ModelFiles, load_engine
from stages.ocr.outputs import write_document
from stages.ocr.params import OcrParams
from stages.ocr.scan import scan_video
from stages.ocr.schema import OcrDocument, OcrStats

if TYPE_CHECKING:
    from pipeline.work import WorkItem


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
