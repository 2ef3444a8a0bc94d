"""Sampling one token id per candidate from the model's probabilities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jazzgen.core.errors import ConfigError


@dataclass(frozen=True)
class SamplingOptions:
    """temperature 0 = greedy (argmax); top_k 0 = off; top_p 1.0 = off."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.temperature <= 10.0:
            raise ConfigError(f"temperature must be in range 0..10, got {self.temperature}")
        if self.top_k < 0:
            raise ConfigError(f"top_k must be >= 0 (0 = off), got {self.top_k}")
        if not 0.0 < self.top_p <= 1.0:
            raise ConfigError(f"top_p must be in range (0, 1], got {self.top_p}")


def sample_ids(
    probs: np.ndarray,
    rng: np.random.Generator,
    options: SamplingOptions = SamplingOptions(),
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Draw one id per row of `probs (batch, n_values)`; `mask` (same shape, bool) limits
    the choice. Rows whose mask is all False return -1. Temperature 0 = argmax."""
    p = np.asarray(probs, np.float64)
    if mask is not None:
        p = np.where(mask, p, 0.0)
    allowed = p > 0 if mask is None else mask & (p >= 0)
    empty = ~allowed.any(axis=1)
    if options.temperature == 0.0:
        scores = np.where(allowed, p, -1.0)
        ids = scores.argmax(axis=1)
        ids[empty] = -1
        return ids
    logp = np.log(np.maximum(p, 1e-300)) / options.temperature
    logp = np.where(allowed, logp, -np.inf)
    logp -= np.where(empty[:, None], 0.0, logp.max(axis=1, keepdims=True))
    w = np.where(allowed, np.exp(logp), 0.0)
    if options.top_k > 0 and options.top_k < w.shape[1]:
        kth = -np.sort(-w, axis=1)[:, options.top_k - 1 : options.top_k]
        w = np.where(w >= kth, w, 0.0)
    if options.top_p < 1.0:
        order = np.argsort(-w, axis=1, kind="stable")
        sorted_w = np.take_along_axis(w, order, axis=1)
        total = sorted_w.sum(axis=1, keepdims=True)
        cum = np.cumsum(sorted_w, axis=1) / np.maximum(total, 1e-300)
        # keep the smallest prefix whose mass reaches top_p (always at least one token)
        keep_sorted = (cum - sorted_w / np.maximum(total, 1e-300)) < options.top_p
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=1)
        w = np.where(keep, w, 0.0)
    total = w.sum(axis=1)
    u = rng.random(len(w)) * total
    cum = np.cumsum(w, axis=1)
    ids = np.minimum((cum <= u[:, None]).sum(axis=1), w.shape[1] - 1)
    # never land on a zero-weight id because of rounding at the top end
    bad = w[np.arange(len(w)), ids] <= 0
    if bad.any():
        ids[bad] = w[bad].argmax(axis=1)
    ids[empty] = -1
    return ids
