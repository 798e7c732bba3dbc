"""The ``<id>.json`` the ocr stage writes beside ``<id>.srt``: every subtitle cue and every other
on-screen text line, with boxes (frame pixels of the sampled frames), confidences and the
presentation times of the frames that showed it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OcrLine(_Model):
    text: str
    confidence: float
    quad: list[list[float]]  # 4 corners, clockwise from top-left


class CueRecord(_Model):
    index: int  # 1-based, as in the .srt
    start: float
    end: float
    text: str  # lines joined: " " within a row, newline between rows
    confidence: float
    lines: list[OcrLine]
    frames: list[float]  # times of the sampled frames that showed it


class TextEvent(_Model):
    """On-screen text that is not a subtitle: a watermark/logo (static) or other text."""

    text: str
    confidence: float
    kind: Literal["watermark", "text"]
    region: Literal["band", "upper"]  # found in the band search region or above it
    box: list[float]  # x0, y0, x1, y1 (median over frames)
    start: float
    end: float
    frames: list[float]


class Band(_Model):
    """The learned subtitle band: rows of the sampled frames and shares of their height."""

    top: int
    bottom: int
    top_share: float
    bottom_share: float


class OcrStats(_Model):
    frames: int
    checks: int  # region checks (cheap stroke comparisons)
    ocr_calls: int  # detector runs
    recognitions: int  # line crops recognised
    reused_lines: int  # detected lines whose earlier reading still held
    seconds: float  # wall clock for this video
    cpu_seconds: float  # this process plus the ffmpeg decoder
    decode_s: float
    ocr_s: float


class OcrDocument(_Model):
    id: str
    backend: str
    width: int  # sampled frame size (after ocr.max_side scaling)
    height: int
    duration_s: float  # last sampled frame time
    band: Band | None
    cues: list[CueRecord]
    other_text: list[TextEvent]
    stats: OcrStats
