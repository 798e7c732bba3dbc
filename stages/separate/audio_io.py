"""Audio in and out for the separate stage: ffmpeg decodes, soundfile writes FLAC.

Decoding goes through ffmpeg (any container or codec a crawl brings) straight to float32 PCM at
the rate and channel count asked for, through a pipe: no temporary WAV files.
"""

from __future__ import annotations

import math
from pathlib import Path

import ffmpeg
import numpy as np
import soundfile as sf
from pydantic import BaseModel, ConfigDict

from pipeline.media import PROBE_TIMEOUT_S, MediaError

SILENCE_DBFS = -120.0  # the level reported for digital silence (log of zero is not JSON)


class Levels(BaseModel):
    """Peak and RMS level of a signal in dB relative to full scale; above 0 means clipping."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    peak_dbfs: float
    rms_dbfs: float


def has_audio_stream(path: Path) -> bool:
    """Whether ffprobe sees an audio stream in ``path``."""
    try:
        info = ffmpeg.probe(str(path), timeout=PROBE_TIMEOUT_S)
    except ffmpeg.Error as e:
        raise MediaError(
            f"{Path(path).name}: ffprobe cannot read it: {_last_line(e.stderr)}"
        ) from None
    return any(s.get("codec_type") == "audio" for s in info.get("streams", []))


def decode(path: Path, rate: int, channels: int) -> np.ndarray:
    """The first audio stream of ``path`` as float32 (channels x samples) at ``rate`` Hz.

    ffmpeg up- or down-mixes to ``channels`` (mono sources are duplicated to stereo)."""
    try:
        out, _ = (
            ffmpeg.input(str(path))
            .output("pipe:", format="f32le", acodec="pcm_f32le", ac=channels, ar=rate, map="0:a:0")
            .global_args("-v", "error", "-nostdin")
            .run(capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as e:
        raise MediaError(
            f"{Path(path).name}: the audio stream does not decode: {_last_line(e.stderr)}"
        ) from None
    samples = np.frombuffer(out, dtype="<f4")
    samples = samples[: len(samples) - len(samples) % channels]
    return np.ascontiguousarray(samples.reshape(-1, channels).T, dtype=np.float32)


def write_flac(path: Path, audio: np.ndarray, rate: int) -> None:
    """Write (channels x samples) float audio as 16-bit FLAC, clipped to full scale."""
    data = np.clip(np.atleast_2d(audio), -1.0, 1.0).T
    sf.write(str(path), data, rate, subtype="PCM_16", format="FLAC")


def levels(audio: np.ndarray) -> Levels:
    """Peak and RMS in dBFS over all channels (``SILENCE_DBFS`` for silence or no samples)."""
    if audio.size == 0:
        return Levels(peak_dbfs=SILENCE_DBFS, rms_dbfs=SILENCE_DBFS)
    peak = float(np.max(np.abs(audio)))
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return Levels(peak_dbfs=_db(peak), rms_dbfs=_db(rms))


def _db(value: float) -> float:
    if value <= 0.0:
        return SILENCE_DBFS
    return round(max(SILENCE_DBFS, 20.0 * math.log10(value)), 2)


def _last_line(stderr: bytes | None) -> str:
    lines = (stderr or b"").decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no error output"
