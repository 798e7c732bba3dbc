"""``ocr``: the ocr stage's section of ``params.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from pipeline.section import Profile, Section


class OcrParams(Section):
    """Hard subtitles and on-screen text (``stages/ocr``). Defaults are tuned by
    ``benchmarks/ocr.py``: speed comes from checking only a band on every sampled frame and
    recognising only when its text changed."""

    backend: Literal["auto", "paddleocr", "rapidocr"] = "auto"
    fps: float = Field(default=3.0, gt=0, le=30, description="sampled frames per second (PTS)")
    max_side: int = Field(default=1280, ge=64, description="frames scaled to this longer side")
    min_confidence: float = Field(default=0.6, ge=0, le=1)
    merge_similarity: float = Field(default=0.8, ge=0, le=1)
    merge_gap_s: float = Field(default=1.0, ge=0, description="same text across a gap: one cue")
    min_cue_s: float = Field(default=0.3, ge=0)
    band_search: float = Field(default=0.4, gt=0, le=1, description="bottom share checked always")
    probe_interval_s: float = Field(default=2.0, gt=0, description="the rest of the frame")
    change_lost: float = Field(default=0.25, gt=0, le=1, description="share of a line's strokes")
    change_new: float = Field(default=0.3, gt=0, description="new stroke pixels per column")
    static_min_share: float = Field(default=0.8, gt=0, le=1, description="watermark persistence")
    det_limit_side_len: int = Field(default=640, ge=32, description="detector input longer side")
    det_retry_limit_side_len: int = Field(
        default=960, ge=32, description="second look when new strokes stay unexplained"
    )
    det_model_dir: Path | None = Field(default=None, description="None: models/paddleocr/ etc.")
    rec_model_dir: Path | None = None

    def resolved_backend(self, profile: Profile) -> str:
        """Both backends run the same PP-OCR models; ``auto`` is the one ``benchmarks/ocr.py``
        chooses (benchmarks/results/ocr.json): rapidocr, as accurate and as fast as paddleocr
        within run-to-run noise, and 5x faster to load."""
        return "rapidocr" if self.backend == "auto" else self.backend
