"""Choosing one token id per candidate from the model's probabilities.

Decoding rules are small score processors applied in a list (as Hugging Face's
`logits_process.py` does): each takes the scores `(batch, n_values)` and returns new ones.
Scores are float64 log-weights; only differences within a row matter and `-inf` means the
id may not be chosen. `sample_ids(probs, rng, processors)` turns probabilities into scores,
applies the processors in order and draws one id per row (or takes the best with
`greedy=True`).

Processors: `AllowedIds` (a boolean mask, e.g. the bar-fit mask of generation.bar_fit),
`Temperature`, `TopK` and `TopP`. `SamplingOptions.processors()` gives the last three for
the CLI's options, in that order (top-k and top-p see the tempered weights).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from jazzgen.core.errors import ConfigError

MIN_PROBABILITY = 1e-300  # floor before the log: an allowed id of probability 0 stays drawable


class ScoreProcessor(Protocol):
    """One decoding rule: scores `(batch, n_values)` float64 -> new scores (same shape)."""

    def __call__(self, scores: np.ndarray) -> np.ndarray: ...


def log_scores(probs: np.ndarray) -> np.ndarray:
    """`(batch, n_values)` probabilities -> float64 log scores (`-inf` where not >= 0)."""
    p = np.asarray(probs, np.float64)
    return np.where(p >= 0, np.log(np.maximum(p, MIN_PROBABILITY)), -np.inf)


def relative_weights(scores: np.ndarray) -> np.ndarray:
    """Unnormalised weights `exp(scores - row max)`: 1 for the best id, 0 where `-inf`
    (rows without any allowed id are all 0)."""
    best = scores.max(axis=1, keepdims=True)
    return np.exp(scores - np.where(best == -np.inf, 0.0, best))


def _no_choice(scores: np.ndarray) -> np.ndarray:
    """`(batch,)` bool: rows where every id is ruled out."""
    return np.asarray(~(scores > -np.inf).any(axis=1))


@dataclass(frozen=True)
class AllowedIds:
    """Only the ids where `mask (batch, n_values)` is True may be chosen."""

    mask: np.ndarray

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return np.where(self.mask, scores, -np.inf)


@dataclass(frozen=True)
class Temperature:
    """Divide the log-probabilities by `temperature` (> 0): < 1 sharpens, > 1 flattens."""

    temperature: float

    def __post_init__(self) -> None:
        if not self.temperature > 0.0:
            raise ConfigError(
                f"temperature of a processor must be > 0 (0 = greedy), got {self.temperature}"
            )

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return scores / self.temperature


@dataclass(frozen=True)
class TopK:
    """Keep the `k` (>= 1) ids of largest weight (and every id tied with the k-th)."""

    k: int

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        if self.k >= scores.shape[1]:
            return scores
        w = relative_weights(scores)
        kth = -np.sort(-w, axis=1)[:, self.k - 1 : self.k]
        return np.where(w >= kth, scores, -np.inf)


@dataclass(frozen=True)
class TopP:
    """Keep the smallest set of most likely ids whose mass reaches `p` (nucleus sampling);
    the most likely id is always kept."""

    p: float

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        w = relative_weights(scores)
        order = np.argsort(-w, axis=1, kind="stable")
        sorted_w = np.take_along_axis(w, order, axis=1)
        total = np.maximum(sorted_w.sum(axis=1, keepdims=True), MIN_PROBABILITY)
        mass_before = np.cumsum(sorted_w, axis=1) / total - sorted_w / total
        keep = np.zeros(w.shape, bool)
        np.put_along_axis(keep, order, mass_before < self.p, axis=1)
        return np.where(keep, scores, -np.inf)


@dataclass(frozen=True, eq=False)
class LogitBias:
    """Add `bias (n_values,)` to every row's log scores (a bundle's decoding calibration,
    `generation.calibration`); ids ruled out stay ruled out."""

    bias: np.ndarray

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return scores + self.bias[None, :]


TEMPERATURE_RANGE = (0.05, 5.0)
"""Temperatures that make music: below, sampling is greedy in all but name (and, near 0,
dividing the log-probabilities overflows: every token would be ruled out); above, the
model is drowned out (nearly every token that fits the bar equally likely)."""


@dataclass(frozen=True)
class SamplingOptions:
    """temperature 0 = greedy (argmax), else in `TEMPERATURE_RANGE`; top_k 0 = off;
    top_p 1.0 = off."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    def __post_init__(self) -> None:
        low, high = TEMPERATURE_RANGE
        if not (self.temperature == 0.0 or low <= self.temperature <= high):
            raise ConfigError(
                f"--temperature must be 0 (greedy) or in range {low:g}..{high:g}, "
                f"got {self.temperature}"
            )
        if isinstance(self.top_k, bool) or not isinstance(self.top_k, int) or self.top_k < 0:
            raise ConfigError(f"--top-k must be >= 0 (0 = off), got {self.top_k}")
        if not 0.0 < self.top_p <= 1.0:  # also refuses NaN
            raise ConfigError(f"--top-p must be in range (0, 1], got {self.top_p}")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def processors(self) -> list[ScoreProcessor]:
        """Temperature, top-k, top-p (those switched on, in that order); none when greedy."""
        if self.greedy:
            return []
        found: list[ScoreProcessor] = []
        if self.temperature != 1.0:  # dividing by 1 changes nothing
            found.append(Temperature(self.temperature))
        if self.top_k > 0:
            found.append(TopK(self.top_k))
        if self.top_p < 1.0:
            found.append(TopP(self.top_p))
        return found


def sample_ids(
    probs: np.ndarray,
    rng: np.random.Generator,
    processors: Sequence[ScoreProcessor] = (),
    *,
    greedy: bool = False,
) -> np.ndarray:
    """One id per row of `probs (batch, n_values)` after `processors`, -1 for rows where
    every id is ruled out.

    Draws in proportion to the processed weights with one `rng.random` per row; `greedy`
    takes the best-scoring id instead (the first of ties) and does not use `rng`. Every id
    of probability >= 0 starts allowed; give `AllowedIds(probs > 0)` to exclude ids the
    model gives probability 0.
    """
    scores = log_scores(probs)
    for process in processors:
        scores = process(scores)
    empty = _no_choice(scores)
    ids = scores.argmax(axis=1) if greedy else _draw(relative_weights(scores), rng)
    ids[empty] = -1
    return ids


def _draw(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One id per row of the weights `w (batch, n_values)`, in proportion to them."""
    u = rng.random(len(w)) * w.sum(axis=1)
    ids = np.minimum((np.cumsum(w, axis=1) <= u[:, None]).sum(axis=1), w.shape[1] - 1)
    # never land on a zero-weight id because of rounding at the top end
    bad = w[np.arange(len(w)), ids] <= 0
    if bad.any():
        ids[bad] = w[bad].argmax(axis=1)
    return ids
