"""One video's separation, as the per-video runner calls it: decode, separate, write the five
FLAC files into the cache entry, return levels and speech.

This module imports neither the runner nor the params of other stages, so its work-cache key
(``pipeline.code_version``) follows exactly the separation code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import soxr

from stages.separate import audio_io, vad
from stages.separate.backends import BackendChoice, separator
from stages.separate.params import VadParams
from stages.separate.schema import ENCODER_RATE, FILES, STEM_RATE
from stages.separate.stems import Stems

if TYPE_CHECKING:
    from pipeline.work import WorkItem


STEM_CHANNELS = 2


def separate_video(
    item: WorkItem, out_dir: Path, *, backend: BackendChoice, vad_params: VadParams
) -> dict[str, Any]:
    """Per-video work: decode, separate, write the five FLAC files, return levels and speech."""
    if not audio_io.has_audio_stream(item.path):
        return {"has_audio": False, "missing_reason": "no_audio_stream"}
    audio = audio_io.decode(item.path, STEM_RATE, STEM_CHANNELS)
    if audio.shape[1] == 0:
        return {"has_audio": False, "missing_reason": "empty_audio_stream"}
    mix_16k = audio_io.decode(item.path, ENCODER_RATE, 1)
    if np.any(audio):
        stems = separator(backend).separate(audio, STEM_RATE)
    else:
        stems = Stems(vocals=np.zeros_like(audio), music=np.zeros_like(audio))
    encoder_stems = {"vocals": _encoder_mono(stems.vocals), "music": _encoder_mono(stems.music)}
    for role, stem in (("vocals", stems.vocals), ("music", stems.music)):
        audio_io.write_flac(out_dir / FILES[role], stem, STEM_RATE)
        audio_io.write_flac(out_dir / FILES[f"{role}_16k"], encoder_stems[role], ENCODER_RATE)
    audio_io.write_flac(out_dir / FILES["mix_16k"], mix_16k, ENCODER_RATE)
    levels = {
        "vocals": audio_io.levels(stems.vocals),
        "music": audio_io.levels(stems.music),
        "mix": audio_io.levels(audio),
    }
    return {
        "has_audio": True,
        "duration_s": round(audio.shape[1] / STEM_RATE, 3),
        "levels": {k: v.model_dump() for k, v in levels.items()},
        "speech": (
            vad.speech_per_second(mix_16k.reshape(-1), vad_params.threshold)
            if vad_params.enabled
            else []
        ),
    }


def _encoder_mono(stem: np.ndarray) -> np.ndarray:
    """A 44.1 kHz stem as the 16 kHz mono signal the audio encoders read."""
    mono = stem.mean(axis=0)
    return soxr.resample(mono, STEM_RATE, ENCODER_RATE).astype(np.float32)
