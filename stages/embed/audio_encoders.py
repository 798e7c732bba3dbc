"""Audio encoders: a clip-level vector and a per-step sequence for one mono 16 kHz signal.

``opensmile``: eGeMAPSv02 functionals (88-d) for the clip and its 25 low-level descriptors
averaged over each step (the offline profile; the library ships its own configs). ``hf``: a
transformers speech model (wav2vec2, HuBERT) from a local folder, frames averaged per step and
over the clip.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

import numpy as np
import torch

SAMPLE_RATE = 16000
MIN_SAMPLES = SAMPLE_RATE // 10  # opensmile needs some signal to compute descriptors


class AudioEncoder:
    clip_dim: int
    step_dim: int

    def encode(
        self, signal: np.ndarray, steps: int, step_s: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(clip vector (clip_dim,), per-step matrix (steps, step_dim)); finite values only."""
        raise NotImplementedError


def _per_step(frames: np.ndarray, frame_times: np.ndarray, steps: int, step_s: float) -> np.ndarray:
    out = np.zeros((steps, frames.shape[1]), np.float32)
    which = np.floor(frame_times / step_s + 1e-6).astype(int)
    for k in range(steps):
        rows = frames[which == k]
        if len(rows):
            out[k] = rows.mean(0)
    return out


class OpenSmileEncoder(AudioEncoder):
    clip_dim = 88
    step_dim = 25

    def __init__(self) -> None:
        import opensmile

        self._functionals = opensmile.Smile(
            feature_set=opensmile.FeatureSet.eGeMAPSv02,
            feature_level=opensmile.FeatureLevel.Functionals,
        )
        self._lld = opensmile.Smile(
            feature_set=opensmile.FeatureSet.eGeMAPSv02,
            feature_level=opensmile.FeatureLevel.LowLevelDescriptors,
        )

    def encode(
        self, signal: np.ndarray, steps: int, step_s: float
    ) -> tuple[np.ndarray, np.ndarray]:
        if len(signal) < MIN_SAMPLES:
            signal = np.pad(signal, (0, MIN_SAMPLES - len(signal)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            clip = self._functionals.process_signal(signal, SAMPLE_RATE).to_numpy()[0]
            lld = self._lld.process_signal(signal, SAMPLE_RATE)
        times = lld.index.get_level_values("start").total_seconds().to_numpy()
        frames = np.nan_to_num(lld.to_numpy(np.float32))
        return np.nan_to_num(clip.astype(np.float32)), _per_step(frames, times, steps, step_s)


class HFAudioEncoder(AudioEncoder):
    def __init__(self, folder: Path):
        from transformers import AutoFeatureExtractor, AutoModel

        from stages.embed.hf_models import load_hf

        self.extractor, self.model = load_hf(folder, AutoFeatureExtractor, AutoModel)
        self.clip_dim = self.step_dim = int(self.model.config.hidden_size)

    @torch.inference_mode()
    def encode(
        self, signal: np.ndarray, steps: int, step_s: float
    ) -> tuple[np.ndarray, np.ndarray]:
        if len(signal) < MIN_SAMPLES:
            signal = np.pad(signal, (0, MIN_SAMPLES - len(signal)))
        inputs = self.extractor(signal, sampling_rate=SAMPLE_RATE, return_tensors="pt")
        hidden = self.model(inputs["input_values"]).last_hidden_state[0].float().numpy()
        times = np.arange(len(hidden)) * (len(signal) / SAMPLE_RATE / max(len(hidden), 1))
        return hidden.mean(0), _per_step(hidden, times, steps, step_s)


@cache
def audio_encoder(backend: str, folder: str | None) -> AudioEncoder:
    """One encoder per worker process and configuration."""
    if backend == "opensmile":
        return OpenSmileEncoder()
    assert folder is not None
    return HFAudioEncoder(Path(folder))
