"""Comparing two sets of feature values (Yang & Lerch 2018).

For each feature, the intra-set distances (absolute differences between all pairs of samples
of one set) and the inter-set distances (between every generated and every reference
sample) are smoothed with a Gaussian KDE (Scott's bandwidth, numpy); `compare_feature`
gives the overlapping area `oa` and the KL divergence `kld` (nats) of the reference's
intra-set density against the inter-set density, plus the same pair for the generated set
(`oa_generated`, `kld_generated`). Both densities are evaluated on one common grid reaching
five bandwidths past the data (mgeval evaluated each on its own data range). The kernel
sums are computed by linear binning and one convolution (`gaussian_kde`), within 1e-3 of
the exact sums and ~150 times faster on 400-piece sets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

KDE_GRID_POINTS = 2048


KDE_MAX_SAMPLES = 5000  # distances beyond this are subsampled (seeded) for the KDE


KDE_REACH = 8.0  # bandwidths: the binned KDE ignores samples and kernel tails beyond this
KDE_BINS_PER_BANDWIDTH = 16  # the binned KDE's grid is at least this fine
KDE_MAX_BINS = 1 << 20  # a finer binned grid than this: sum exactly instead


def intra_set_distances(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """|x_i - x_j| over all pairs i < j of the finite values."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return np.zeros(0)
    i, j = np.triu_indices(x.size, k=1)
    return np.abs(x[i] - x[j])


def inter_set_distances(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray):
    """|a_i - b_j| over all pairs of finite values of two sets."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    return np.abs(x[:, None] - y[None, :]).ravel()


def _bandwidth(samples: np.ndarray, floor: float) -> float:
    """Scott's rule (as scipy.stats.gaussian_kde in 1-D), never below `floor`."""
    if samples.size < 2:
        return floor
    return max(float(np.std(samples, ddof=1)) * samples.size ** (-1 / 5), floor)


def _subsample(samples: np.ndarray, limit: int = KDE_MAX_SAMPLES) -> np.ndarray:
    if samples.size <= limit:
        return samples
    return np.random.default_rng(0).choice(samples, size=limit, replace=False)


def _exact_kde(samples: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    density = np.zeros_like(grid, dtype=float)
    for chunk in np.array_split(samples, max(1, samples.size // 512)):
        z = (grid[:, None] - chunk[None, :]) / bandwidth
        density += np.exp(-0.5 * z * z).sum(axis=1)
    return density


def _binned_kde(samples: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray | None:
    """The kernel sums of `_exact_kde` on a uniform grid, by linear binning on a grid at
    least `KDE_BINS_PER_BANDWIDTH` times finer than the bandwidth and one convolution (the
    binning widens the kernel by a relative (spacing / bandwidth)^2 / 12 < 4e-4); None when
    that grid would exceed `KDE_MAX_BINS` points (then the exact sum is used)."""
    dx = (grid[-1] - grid[0]) / (grid.size - 1)
    refine = max(1, math.ceil(KDE_BINS_PER_BANDWIDTH * dx / bandwidth))
    dx /= refine
    half = math.ceil(KDE_REACH * bandwidth / dx)  # kernel steps either side
    size = (grid.size - 1) * refine + 1 + 2 * half
    if size > KDE_MAX_BINS:
        return None
    # positions on the fine grid padded by the kernel's reach; farther samples weigh < e^-32
    u = (samples - grid[0]) / dx + half
    u = u[(u >= 0) & (u <= size - 1)]
    left = np.minimum(np.floor(u).astype(np.int64), size - 2)
    frac = u - left
    counts = np.bincount(left, weights=1 - frac, minlength=size)
    counts += np.bincount(left + 1, weights=frac, minlength=size)
    steps = np.arange(-half, half + 1) * dx / bandwidth
    return np.convolve(counts, np.exp(-0.5 * steps * steps), mode="valid")[::refine]


def gaussian_kde(samples: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """Gaussian kernel density of `samples` evaluated at `grid` (integrates to 1).

    On a uniform grid the kernel sums come from linear binning and a convolution
    (`_binned_kde`), else from the exact sum over samples.
    """
    samples = _subsample(np.asarray(samples, dtype=float))
    grid = np.asarray(grid, dtype=float)
    norm = 1.0 / (samples.size * bandwidth * math.sqrt(2 * math.pi))
    uniform = grid.size > 2 and np.allclose(np.diff(grid), (grid[-1] - grid[0]) / (grid.size - 1))
    density = _binned_kde(samples, grid, bandwidth) if uniform else None
    if density is None:
        density = _exact_kde(samples, grid, bandwidth)
    return density * norm


def compare_distributions(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(overlapping area, KL divergence KL(a || b) in nats) of the KDEs of samples a and b.

    Both densities share one grid spanning the data plus five bandwidths. A set whose
    samples are all equal (no spread for Scott's rule) is smoothed with the other set's
    bandwidth, so that a point mass and a set holding that point 97 % of the time overlap
    97 %, not by the width of a spike; the floor (1e-3 of the data scale) is for two such
    sets. NaN, NaN when either sample set is empty.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if not a.size or not b.size:
        return math.nan, math.nan
    both = np.concatenate([a, b])
    scale = float(np.max(np.abs(both))) or 1.0
    floor = 1e-3 * scale
    h_a, h_b = _bandwidth(a, floor), _bandwidth(b, floor)
    if np.ptp(a) == 0:
        h_a = h_b
    if np.ptp(b) == 0:
        h_b = h_a
    reach = 5 * max(h_a, h_b)  # the tails beyond hold < 1e-6 of the mass
    grid = np.linspace(both.min() - reach, both.max() + reach, KDE_GRID_POINTS)
    dx = grid[1] - grid[0]
    p = gaussian_kde(a, grid, h_a)
    q = gaussian_kde(b, grid, h_b)
    overlap = float(np.minimum(p, q).sum() * dx)
    p_mass = p / p.sum()
    q_mass = np.maximum(q / q.sum(), 1e-12)
    nonzero = p_mass > 0
    kld = float(np.sum(p_mass[nonzero] * np.log(p_mass[nonzero] / q_mass[nonzero])))
    return min(overlap, 1.0), max(kld, 0.0)


def compare_feature(generated: Sequence[float], reference: Sequence[float]) -> dict[str, Any]:
    """Intra/inter-set distance summary, OA and KLD for one feature's sample values."""
    intra_gen = intra_set_distances(generated)
    intra_ref = intra_set_distances(reference)
    inter = inter_set_distances(generated, reference)
    oa, kld = compare_distributions(intra_ref, inter)
    oa_gen, kld_gen = compare_distributions(intra_gen, inter)

    def mean(x: np.ndarray) -> float:
        return float(x.mean()) if x.size else math.nan

    return {
        "intra_generated": mean(intra_gen),
        "intra_reference": mean(intra_ref),
        "inter": mean(inter),
        "oa": oa,
        "kld": kld,
        "oa_generated": oa_gen,
        "kld_generated": kld_gen,
    }
