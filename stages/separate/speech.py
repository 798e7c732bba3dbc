"""The speech backend: DeepFilterNet3 keeps the speech, music is what it removed.

News audio is speech over music or noise, not singing: a speech enhancer trained on speech over
noise is the right separator for it. The model's output depends on the absolute level: quiet
speech (a phone recording at -50 dBFS) is taken for noise and removed, so the audio is first
scaled to a fixed gated level (``level_db``, one gain for all channels) and the speech scaled
back afterwards. Each channel (one pass when the channels are the same: dual mono) is resampled
to 48 kHz, enhanced, resampled back, and ``music = mix - speech``, so the stems add up to the mix
exactly. Two runtimes give the same output (``runtime``): onnxruntime runs the model's graphs
over whole stretches of frames (``dfn_onnx``, the signal resampled at once); libdf, the wheel's C
runtime, goes frame by frame, fed pieces of ``PIECE_S`` seconds through one model state (so
memory beyond the input and the output stays bounded on long clips).
"""

from __future__ import annotations

import numpy as np
import soxr

from pipeline.weights import fingerprint
from stages.separate.deepfilter import RATE, Enhancer, model_path
from stages.separate.dfn_onnx import OnnxEnhancer
from stages.separate.params import SpeechSeparationParams
from stages.separate.stems import Stems

PIECE_S = 10.0
BLOCK_S = 0.4  # loudness blocks (as in EBU R128)
ABSOLUTE_GATE_DB = -70.0  # blocks quieter than this are silence
RELATIVE_GATE_DB = -10.0  # and blocks this far below the mean of the rest are pauses
MAX_GAIN_DB = 60.0


class SpeechSeparator:
    name = "speech"

    def __init__(self, params: SpeechSeparationParams):
        self.params = params
        if params.runtime == "libdf":
            self.enhancer = Enhancer(params.atten_lim_db, params.post_filter_beta)
        else:
            self.enhancer = OnnxEnhancer(model_path(), params.atten_lim_db, params.post_filter_beta)
        self.weights_version = f"DeepFilterNet3-{params.runtime}-{fingerprint(model_path())}"
        self.version = f"speech-{self.weights_version}"

    def separate(self, audio: np.ndarray, rate: int) -> Stems:
        """Split ``audio`` (channels x samples) into speech and music = audio - speech."""
        audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
        gain = (
            1.0 if self.params.level_db is None else level_gain(audio, rate, self.params.level_db)
        )
        speech = np.empty_like(audio)
        if len(audio) > 1 and _same(audio, self.params.dual_mono_tolerance):
            speech[:] = self._enhance(audio.mean(axis=0) * gain, rate) / gain
        else:
            for ch, signal in enumerate(audio):
                speech[ch] = self._enhance(signal * gain, rate) / gain
        return Stems(vocals=speech, music=audio - speech)

    def _enhance(self, signal: np.ndarray, rate: int) -> np.ndarray:
        if isinstance(self.enhancer, OnnxEnhancer):
            up = soxr.resample(signal, rate, RATE) if len(signal) else signal
            speech = self.enhancer.enhance(up)
            return _fit(soxr.resample(speech, RATE, rate) if len(speech) else speech, len(signal))
        piece = round(PIECE_S * rate)
        to_48k = soxr.ResampleStream(rate, RATE, 1, dtype="float32")
        back = soxr.ResampleStream(RATE, rate, 1, dtype="float32")
        out = []
        with self.enhancer.stream() as stream:
            for start in range(0, len(signal), piece):
                last = start + piece >= len(signal)
                up = to_48k.resample_chunk(signal[start : start + piece], last=last)
                enhanced = stream.push(up)
                if last:
                    enhanced = np.concatenate([enhanced, stream.finish()])
                out.append(back.resample_chunk(enhanced, last=last))
        result = np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
        return _fit(result, len(signal))


def level_gain(audio: np.ndarray, rate: int, level_db: float) -> float:
    """The gain that brings ``audio``'s gated level (mean power of its 0.4 s blocks, silence and
    pauses left out, channels together) to ``level_db`` dBFS; 1 for silence, at most +60 dB."""
    block = max(1, round(BLOCK_S * rate))
    n = audio.shape[-1] // block * block
    if n == 0:
        n, block = audio.shape[-1], max(1, audio.shape[-1])
    power = np.mean(
        np.square(audio[:, :n], dtype=np.float64).reshape(len(audio), -1, block), axis=(0, 2)
    )
    power = power[power > 10 ** (ABSOLUTE_GATE_DB / 10)]
    if power.size == 0:
        return 1.0
    power = power[power >= power.mean() * 10 ** (RELATIVE_GATE_DB / 10)]
    gain_db = min(level_db - 10 * np.log10(power.mean()), MAX_GAIN_DB)
    return float(10 ** (gain_db / 20))


def _same(audio: np.ndarray, tolerance: float) -> bool:
    return float(np.max(np.abs(audio - audio[0]))) <= tolerance


def _fit(signal: np.ndarray, n: int) -> np.ndarray:
    """``signal`` cut or zero-padded to ``n`` samples (resampling rounds lengths)."""
    if len(signal) >= n:
        return signal[:n]
    return np.pad(signal, (0, n - len(signal)))
