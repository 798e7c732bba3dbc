"""Robust PCA of a magnitude spectrogram: repeating accompaniment is low rank, the voice sparse.

Singing and speech change pitch and timbre from frame to frame while the accompaniment repeats
(chords, loops, beats), so splitting the spectrogram ``M = L + S`` into a low-rank ``L`` and a
sparse ``S`` (Huang et al., ICASSP 2012) separates the two without any trained weights. The
solver is the inexact augmented Lagrange multiplier method (Lin, Chen & Ma 2010); its singular
value thresholding uses a randomized SVD capped at ``rank`` components, because a full SVD of a
1025 x 1000 matrix per iteration would cost seconds per block.
"""

from __future__ import annotations

import numpy as np

_GROWTH = 1.5  # the penalty mu grows by this factor per iteration (Lin et al.'s rho)
_TOLERANCE = 1e-5  # stop when ||M - L - S|| / ||M|| is below this


def robust_pca(
    magnitude: np.ndarray, sparsity: float, iterations: int, rank: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``magnitude`` (bins x frames) into (low_rank, sparse), both float32.

    ``sparsity`` scales the usual weight ``1 / sqrt(max(bins, frames))`` of the sparse term:
    larger values push more energy into the low-rank (accompaniment) part."""
    m = np.ascontiguousarray(magnitude, dtype=np.float32)
    total = float(np.linalg.norm(m))
    if total == 0.0 or m.shape[1] == 0:
        return np.zeros_like(m), np.zeros_like(m)
    rng = np.random.default_rng(seed)
    lam = sparsity / np.sqrt(max(m.shape))
    spectral = _largest_singular_value(m, rng)
    dual = m / max(spectral, float(np.abs(m).max()) / lam)
    mu = 1.25 / spectral
    low = np.zeros_like(m)
    sparse = np.zeros_like(m)
    k = min(rank, *m.shape)
    for _ in range(iterations):
        scaled_dual = dual / mu
        target = m - low + scaled_dual
        sparse = np.sign(target) * np.maximum(np.abs(target) - lam / mu, 0)
        low = _shrink_singular_values(m - sparse + scaled_dual, 1 / mu, k, rng)
        residual = m - low - sparse
        dual += mu * residual
        mu *= _GROWTH
        if np.linalg.norm(residual) / total < _TOLERANCE:
            break
    return low, sparse


def _largest_singular_value(m: np.ndarray, rng: np.random.Generator, steps: int = 20) -> float:
    """Power iteration: a full SVD just for the spectral norm would cost more than the solve."""
    v = rng.standard_normal(m.shape[1]).astype(np.float32)
    sigma = 0.0
    for _ in range(steps):
        u = m @ v
        v = m.T @ u
        norm = float(np.linalg.norm(v))
        if norm == 0.0:
            break
        v /= norm
        sigma = np.sqrt(norm)
    return max(sigma, float(np.linalg.norm(m @ v)), 1e-12)


def _shrink_singular_values(
    a: np.ndarray, tau: float, k: int, rng: np.random.Generator
) -> np.ndarray:
    """``a`` with its singular values soft-thresholded by ``tau`` (rank at most ``k``),
    through a randomized range finder with one power iteration (Halko et al. 2011)."""
    probe = rng.standard_normal((a.shape[1], k)).astype(np.float32)
    q, _ = np.linalg.qr(a @ probe)
    q, _ = np.linalg.qr(a @ (a.T @ q))
    u, s, vt = np.linalg.svd(q.T @ a, full_matrices=False)
    s = np.maximum(s - tau, 0)
    r = int(np.count_nonzero(s))
    return ((q @ u[:, :r]) * s[:r]) @ vt[:r]
