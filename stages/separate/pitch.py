"""The voice's pitch from a spectrogram, and a harmonic comb mask built on it.

Robust PCA leaves accompaniment energy between the voice's harmonics. A voiced sound puts its
energy at integer multiples of its fundamental f0, so once f0 is known per frame, a comb that
passes only bins near ``h * f0`` removes most of what is left (the idea of Ikemiya, Yoshii &
Itoyama 2015). f0 comes from subharmonic summation (each candidate scores the weighted energy at
its harmonics) smoothed by a Viterbi path over candidates, which is cheap: one sparse matrix
product and one dynamic programme per block.
"""

from __future__ import annotations

import functools

import librosa
import numpy as np
import scipy.sparse

_STEP_CENTS = 20.0  # spacing of the f0 candidates
_JUMP_CENTS = 100.0  # standard deviation of the frame-to-frame pitch change (Viterbi)
_HARMONIC_DECAY = 0.85  # weight of harmonic h is decay ** (h - 1)
_SALIENCE_MAX_HZ = 5000.0  # harmonics above this do not vote for a candidate
_SHARPNESS = 3.0  # per-frame candidate probabilities are salience ** sharpness, normalised


def track_f0(
    magnitude: np.ndarray,
    rate: int,
    n_fft: int,
    f0_min_hz: float,
    f0_max_hz: float,
    voicing_threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame f0 in Hz and a voiced flag for ``magnitude`` (bins x frames).

    A frame is voiced when the salience of its path candidate exceeds ``voicing_threshold``
    times the 90th percentile over the block: relative, so it does not depend on loudness."""
    n_frames = magnitude.shape[1]
    if n_frames == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    candidates, weights = _harmonic_weights(rate, n_fft, f0_min_hz, f0_max_hz)
    peak = float(magnitude.max())
    if peak == 0.0:
        return np.full(n_frames, candidates[0]), np.zeros(n_frames, dtype=bool)
    compressed = np.log1p(magnitude * (1000.0 / peak))
    salience = np.asarray(weights @ compressed)
    prob = salience / (salience.sum(axis=0, keepdims=True) + 1e-12)
    prob = prob**_SHARPNESS
    prob /= prob.sum(axis=0, keepdims=True) + 1e-12
    path = librosa.sequence.viterbi(prob + 1e-12, _transition(len(candidates)))
    best = salience[path, np.arange(n_frames)]
    voiced = best > voicing_threshold * np.percentile(best, 90)
    return candidates[path], voiced & (best > 0)


def harmonic_mask(
    shape: tuple[int, int],
    rate: int,
    n_fft: int,
    f0: np.ndarray,
    voiced: np.ndarray,
    width: float,
) -> np.ndarray:
    """A (bins x frames) mask: 1 on the harmonics of ``f0`` falling off linearly to 0 at
    ``width * f0`` Hz away, 0 elsewhere and in unvoiced frames."""
    freqs = np.arange(shape[0], dtype=np.float32)[:, None] * (rate / n_fft)
    f0 = np.asarray(f0, dtype=np.float32)[None, :]
    harmonic = np.rint(freqs / f0)
    distance = np.abs(freqs - harmonic * f0)
    mask = np.clip(1.0 - distance / (width * f0), 0.0, 1.0)
    mask *= harmonic >= 1
    mask *= np.asarray(voiced, dtype=np.float32)[None, :]
    return mask.astype(np.float32)


@functools.cache
def _harmonic_weights(
    rate: int, n_fft: int, f0_min_hz: float, f0_max_hz: float
) -> tuple[np.ndarray, scipy.sparse.csr_matrix]:
    """Candidate f0s and the sparse (candidates x bins) matrix of their harmonics' weights,
    each harmonic split linearly between its two nearest bins."""
    octaves = np.log2(f0_max_hz / f0_min_hz)
    candidates = f0_min_hz * 2 ** (np.arange(0, octaves * 1200 + 1e-9, _STEP_CENTS) / 1200)
    n_bins = n_fft // 2 + 1
    top = min(_SALIENCE_MAX_HZ, rate / 2)
    rows, cols, vals = [], [], []
    for i, f0 in enumerate(candidates):
        harmonics = np.arange(1, int(top // f0) + 1)
        position = harmonics * f0 * n_fft / rate
        low = np.floor(position).astype(int)
        frac = position - low
        decay = _HARMONIC_DECAY ** (harmonics - 1)
        for bins, share in ((low, 1 - frac), (low + 1, frac)):
            keep = bins < n_bins
            rows.append(np.full(int(keep.sum()), i))
            cols.append(bins[keep])
            vals.append((share * decay)[keep])
    matrix = scipy.sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(candidates), n_bins),
        dtype=np.float32,
    )
    return candidates, matrix


@functools.cache
def _transition(n: int) -> np.ndarray:
    """Viterbi transition matrix: pitch changes are Gaussian in cents between frames."""
    steps = np.arange(n)
    cents = np.abs(steps[:, None] - steps[None, :]) * _STEP_CENTS
    t = np.exp(-0.5 * (cents / _JUMP_CENTS) ** 2)
    return t / t.sum(axis=1, keepdims=True)
