"""Synthetic sources for separation tests: a repeating tone pattern (the "music") and a
speech-like voiced signal (gliding pitch, formants, syllables), plus videos carrying them."""

from __future__ import annotations

from pathlib import Path

import ffmpeg
import numpy as np
import soundfile as sf


def tone_pattern(seconds: float, rate: int, period_s: float = 0.5) -> np.ndarray:
    """A loop of four decaying three-note chords: the repetition a low-rank model captures."""
    t = np.arange(int(seconds * rate)) / rate
    chords = [
        (220.0, 277.2, 329.6),
        (196.0, 246.9, 293.7),
        (174.6, 220.0, 261.6),
        (196.0, 247.0, 311.1),
    ]
    out = np.zeros_like(t)
    step = period_s / len(chords)
    local = np.mod(t, period_s)
    for i, chord in enumerate(chords):
        on = (local >= i * step) & (local < (i + 1) * step)
        envelope = np.exp(-6.0 * (local - i * step)) * on
        for f in chord:
            out += envelope * (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t))
    return (0.3 * out / np.max(np.abs(out))).astype(np.float32)


def speech_like(seconds: float, rate: int, seed: int = 0, vibrato_hz: float = 6.0) -> np.ndarray:
    """A voiced signal: harmonics of a gliding, vibrato-laden f0 shaped by two formants and
    cut into syllables, so it is neither repeating nor stationary."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    f0 = speech_f0(t, seed) + vibrato_hz * np.sin(2 * np.pi * 5.5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    out = np.zeros(n)
    formants = (700.0, 1200.0)
    for h in range(1, 25):
        freq = h * f0
        gain = sum(np.exp(-(((freq - fm) / 250.0) ** 2)) for fm in formants) + 0.3 / h
        out += gain * np.sin(h * phase) * (freq < rate / 2)
    syllables = np.clip(np.sin(2 * np.pi * 3.3 * t) + 0.4, 0, None) ** 0.5
    out *= syllables
    return (0.3 * out / np.max(np.abs(out))).astype(np.float32)


def speech_f0(t: np.ndarray, seed: int = 0) -> np.ndarray:
    """The glide under ``speech_like``'s vibrato, in Hz at times ``t``."""
    offset = np.random.default_rng(seed).uniform(0, 6)
    return 150 + 40 * np.sin(2 * np.pi * 0.7 * t + offset)


def write_video(path: Path, audio: np.ndarray | None, rate: int, seconds: float) -> Path:
    """A small H.264 video carrying ``audio`` (channels x samples) as AAC, or no audio."""
    path.parent.mkdir(parents=True, exist_ok=True)
    video = ffmpeg.input(f"testsrc2=size=64x48:rate=10:duration={seconds}", f="lavfi")
    streams = [video]
    args = {"vcodec": "libx264", "pix_fmt": "yuv420p", "preset": "ultrafast"}
    if audio is not None:
        wav = path.with_suffix(".wav")
        sf.write(str(wav), np.atleast_2d(audio).T, rate, subtype="FLOAT")
        streams.append(ffmpeg.input(str(wav)))
        args.update(acodec="aac", audio_bitrate="128k")
    ffmpeg.output(*streams, str(path), **args).global_args(
        "-v", "error", "-nostdin"
    ).overwrite_output().run()
    if audio is not None:
        path.with_suffix(".wav").unlink()
    return path


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a = np.ravel(a).astype(np.float64)
    b = np.ravel(b).astype(np.float64)
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
