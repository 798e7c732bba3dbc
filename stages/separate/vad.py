"""Voice activity per second: Silero VAD (the ONNX model shipped in the ``silero-vad`` wheel).

The model gives a speech probability per 32 ms frame of 16 kHz audio; a second's value is the
share of its frames at or above the threshold (0: no one speaks, 1: speech throughout).
"""

from __future__ import annotations

import functools

import numpy as np

RATE = 16000
FRAME = 512  # samples per Silero frame at 16 kHz


class VadUnavailable(RuntimeError):
    """The Silero VAD model cannot be loaded; the message says why."""


@functools.cache
def _model():  # silero_vad's OnnxWrapper
    try:
        from silero_vad import load_silero_vad

        return load_silero_vad(onnx=True)
    except (ImportError, OSError, RuntimeError) as err:
        raise VadUnavailable(
            f"cannot load Silero VAD ({err}); pip install silero-vad, or set separate.vad.enabled: "
            "false"
        ) from err


def model_version() -> str:
    """The VAD's name and version, recorded in the index and in the cache key."""
    from importlib.metadata import version

    return f"silero-vad-{version('silero-vad')}"


def frame_probabilities(signal: np.ndarray) -> np.ndarray:
    """Speech probability of each 32 ms frame of ``signal`` (mono, 16 kHz)."""
    import torch

    if len(signal) == 0:
        return np.zeros(0, dtype=np.float32)
    probs = _model().audio_forward(torch.from_numpy(np.array(signal, dtype=np.float32)), RATE)
    return probs.numpy()[0]


def speech_per_second(signal: np.ndarray, threshold: float) -> list[float]:
    """For each started second of ``signal`` (mono, 16 kHz), the share of speech frames."""
    seconds = -(-len(signal) // RATE)
    speech = frame_probabilities(signal) >= threshold
    starts = np.arange(len(speech)) * FRAME // RATE
    counts = np.bincount(starts, minlength=seconds)[:seconds]
    hits = np.bincount(starts, weights=speech, minlength=seconds)[:seconds]
    return [round(float(h / c), 3) if c else 0.0 for h, c in zip(hits, counts, strict=True)]
