"""What the separate stage writes, and its reader: ``index.jsonl`` rows and the stem files
each row names (read by the embed stage only through ``read_index``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from stages.separate.audio_io import Levels

STEM_RATE = 44100


ENCODER_RATE = 16000


INDEX = "index.jsonl"


FILES = {
    "vocals": "vocals.flac",
    "music": "music.flac",
    "vocals_16k": "vocals_16k.flac",
    "music_16k": "music_16k.flac",
    "mix_16k": "mix_16k.flac",
}


class AudioIndexRow(BaseModel):
    """One line of ``index.jsonl``. ``files`` maps a role to a path relative to the output
    folder; ``levels`` has ``vocals``, ``music`` and ``mix`` (at 44.1 kHz stereo). ``speech``:
    for each started second, the share of it in which someone speaks (voice activity on the
    16 kHz mix, which benchmarks/separation.py finds more accurate than on the speech stem; empty
    when ``vad`` is None: the VAD was off)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    has_audio: bool
    missing_reason: str | None = None
    duration_s: float
    backend: str
    weights_version: str | None
    stem_rate: int = STEM_RATE
    encoder_rate: int = ENCODER_RATE
    levels: dict[str, Levels] = {}
    files: dict[str, str] = {}
    vad: str | None = None
    speech: list[float] = []


def read_index(folder: Path) -> dict[str, AudioIndexRow]:
    """The stage's ``index.jsonl`` in ``folder``, by video id."""
    rows = (AudioIndexRow.model_validate_json(line) for line in _lines(Path(folder) / INDEX))
    return {row.id: row for row in rows}


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
