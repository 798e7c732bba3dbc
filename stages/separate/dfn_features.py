"""DeepFilterNet3's signal processing around its three networks, as libDF does it, over whole
sequences of frames at once.

libDF (``libDF/src/lib.rs``, ``tract.rs``) works frame by frame: a 960-sample Vorbis-windowed
STFT with a 480-sample hop (scaled by 1/960 in analysis only), 32 ERB bands of log power and the
first 96 bins of the complex spectrum as the networks' inputs, each normalised by an exponential
mean whose state starts at fixed values, a gain per ERB band on every bin, deep filtering of the
first 96 bins over 5 frames (2 of them ahead) and overlap-add. Here the frame loop is numpy along
the time axis and the exponential means are ``scipy.signal.lfilter`` runs whose end state carries
over to the next block of frames, so a signal split in blocks gets the same features as whole.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

RATE = 48000
FFT_SIZE = 960
HOP = 480
FREQS = FFT_SIZE // 2 + 1
NB_ERB = 32
MIN_ERB_FREQS = 2
NB_DF = 96
DF_ORDER = 5
DF_LOOKAHEAD = 2
CONV_LOOKAHEAD = 2
NORM_TAU_S = 1.0
MEAN_NORM_INIT = (-60.0, -90.0)  # dB, first and last ERB band
UNIT_NORM_INIT = (0.001, 0.0001)  # magnitude, first and last DF bin


def vorbis_window() -> np.ndarray:
    """sin(pi/2 sin^2(pi (n + 1/2) / N)): its squares add up to 1 at a hop of N/2."""
    n = np.arange(FFT_SIZE, dtype=np.float64)
    inner = np.sin(0.5 * np.pi * (n + 0.5) / (FFT_SIZE // 2))
    return np.sin(0.5 * np.pi * inner**2).astype(np.float32)


WINDOW = vorbis_window()


def norm_alpha() -> float:
    """exp(-hop / (rate tau)) rounded to the fewest decimals (from 3) that keep it below 1."""
    alpha = float(np.exp(np.float32(-HOP / RATE / NORM_TAU_S)))
    precision = 3
    while (rounded := round(alpha * 10**precision) / 10**precision) >= 1.0:
        precision += 1
    return rounded


ALPHA = norm_alpha()


def erb_widths() -> np.ndarray:
    """Bins per ERB band (libDF's ``erb_fb``): equal steps on the ERB scale, at least
    ``MIN_ERB_FREQS`` bins each, the last band taking the Nyquist bin."""

    def freq2erb(f):
        return 9.265 * np.log1p(f / (24.7 * 9.265))

    def erb2freq(e):
        return 24.7 * 9.265 * (np.exp(e / 9.265) - 1.0)

    step = freq2erb(RATE / 2) / NB_ERB
    widths, previous, over = [], 0, 0
    for band in range(1, NB_ERB + 1):
        edge = int(np.round(erb2freq(band * step) / (RATE / FFT_SIZE)))
        width = edge - previous - over
        over = MIN_ERB_FREQS - width if width < MIN_ERB_FREQS else 0
        widths.append(max(width, MIN_ERB_FREQS))
        previous = edge
    widths[-1] += 1
    widths[-1] -= sum(widths) - FREQS
    return np.array(widths)


ERB_WIDTHS = erb_widths()
_ERB_BAND = np.repeat(np.arange(NB_ERB), ERB_WIDTHS)  # each bin's band


def analysis(hops: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Spectra (frames x ``FREQS``, complex64) of ``hops`` (frames x ``HOP``): frame t is the
    windowed hops t-1 and t, ``previous`` being the hop before the first."""
    frames = np.concatenate([np.vstack([previous[None], hops[:-1]]), hops], axis=1)
    return (np.fft.rfft(frames * WINDOW, axis=1) / FFT_SIZE).astype(np.complex64)


def synthesis(spectra: np.ndarray) -> np.ndarray:
    """The windowed inverse transforms (frames x ``FFT_SIZE``) of ``spectra``, to overlap-add."""
    return (np.fft.irfft(spectra, n=FFT_SIZE, axis=1) * FFT_SIZE * WINDOW).astype(np.float32)


def overlap_add(frames: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Hops (frames x ``HOP``): each frame's first half plus the previous frame's second half,
    ``previous`` being the frame before the first."""
    earlier = np.vstack([previous[None], frames[:-1]])
    return frames[:, :HOP] + earlier[:, HOP:]


def initial_states() -> tuple[np.ndarray, np.ndarray]:
    """libDF's starting exponential means: ERB log power (dB) and DF bin magnitude."""
    return (
        np.linspace(*MEAN_NORM_INIT, NB_ERB),
        np.linspace(*UNIT_NORM_INIT, NB_DF),
    )


def _smooth(x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s_t = (1 - alpha) x_t + alpha s_{t-1} along axis 0, from ``state``; (s, last s)."""
    smoothed, _ = lfilter([1.0 - ALPHA], [1.0, -ALPHA], x, axis=0, zi=ALPHA * state[None])
    return smoothed, smoothed[-1]


def erb_features(spectra: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean-normalised log ERB band power (frames x ``NB_ERB``, float32) and the mean's state."""
    power = np.square(spectra.real) + np.square(spectra.imag)
    band = np.add.reduceat(power, np.cumsum(ERB_WIDTHS) - ERB_WIDTHS, axis=1) / ERB_WIDTHS
    db = 10.0 * np.log10(band.astype(np.float64) + 1e-10)
    mean, state = _smooth(db, state)
    return ((db - mean) / 40.0).astype(np.float32), state


def spec_features(spectra: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first ``NB_DF`` bins divided by the square root of their mean magnitude, as
    (2, frames, ``NB_DF``) float32 (real, imaginary), and the mean's state."""
    low = spectra[:, :NB_DF]
    mean, state = _smooth(np.abs(low).astype(np.float64), state)
    unit = low / np.sqrt(mean)
    return np.stack([unit.real, unit.imag]).astype(np.float32), state


def apply_erb_gains(spectra: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Each bin of ``spectra`` (frames x ``FREQS``) times its band's gain (frames x ``NB_ERB``)."""
    return spectra * gains[:, _ERB_BAND]


def deep_filter(spectra: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    """The first ``NB_DF`` bins of frames ``DF_ORDER - 1 - DF_LOOKAHEAD`` .. ``-DF_LOOKAHEAD - 1``
    of ``spectra`` (frames x ``FREQS``), each the sum over ``DF_ORDER`` frames (``DF_LOOKAHEAD``
    of them ahead) of spectrum times its coefficient; ``coefs``: (out frames, ``NB_DF``,
    ``DF_ORDER``) complex."""
    n = len(spectra) - DF_ORDER + 1
    low = spectra[:, :NB_DF]
    out = np.zeros((n, NB_DF), dtype=np.complex64)
    for k in range(DF_ORDER):
        out += low[k : k + n] * coefs[:, :, k]
    return out


def post_filter(noisy: np.ndarray, enhanced: np.ndarray, beta: float) -> np.ndarray:
    """libDF's post-filter: each bin's gain g (enhanced over noisy magnitude) is made
    (1 + beta) g / (1 + beta (g / g sin(pi g / 2))^2), on all bins but the last (libDF goes
    four bins at a time, and 481 leaves one out)."""
    eps = 1e-12
    n = (FREQS // 4) * 4
    g = np.clip(np.abs(enhanced[:, :n]) / (np.abs(noisy[:, :n]) + eps), eps, 1.0)
    g_sin = g * np.sin(g * np.pi / 2)
    factor = (1.0 + beta) / (1.0 + beta * (g / g_sin) ** 2)
    out = enhanced.copy()
    out[:, :n] *= factor
    return out
