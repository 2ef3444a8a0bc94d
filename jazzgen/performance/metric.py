"""Metric position classes of an onset and duration buckets: the learned models' contexts.

An onset's class comes from its grid step in its bar (1/12 quarter note, counted from the
bar start), quarter-note beats in every meter:

| class | index | onsets |
| --- | --- | --- |
| `downbeat` | 0 | the bar's first step |
| `beat` | 1 | another quarter-note beat |
| `offbeat` | 2 | the straight or swung "and" of a beat (1/2, 2/3 of it) |
| `subdivision` | 3 | a sixteenth or a triplet (1/4, 3/4, 1/3 of a beat) |
| `offgrid` | 4 | anything finer (1/12, 1/6, 5/12, ... of a beat) |
"""

from __future__ import annotations

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import BundleError

METRIC_CLASSES = ("downbeat", "beat", "offbeat", "subdivision", "offgrid")
"""Names of the classes, by index."""

STRONG_CLASSES = (0, 1)
"""The classes on a beat (the realizer's chord-degree features tell them from the rest)."""

# class of each position in the beat (grid steps 0..11), the bar's first step aside
_IN_BEAT = np.array([1, 4, 4, 3, 3, 4, 2, 4, 2, 3, 4, 4], dtype=np.int64)


def metric_class(step_in_bar: int) -> int:
    """The class index (module doc) of an onset `step_in_bar` grid steps after its bar's start."""
    if step_in_bar == 0:
        return 0
    return int(_IN_BEAT[step_in_bar % GRID_STEPS_PER_QUARTER])


def metric_classes(steps_in_bar: np.ndarray) -> np.ndarray:
    """`metric_class` of each onset: (n,) int steps from the bar start -> (n,) int classes."""
    steps = np.asarray(steps_in_bar, dtype=np.int64)
    classes = _IN_BEAT[steps % GRID_STEPS_PER_QUARTER]
    return np.where(steps == 0, 0, classes)


DURATION_EDGES = (3, 5, 7, 11, 23)
"""Upper bounds (grid steps) of the duration buckets: <=3 (a sixteenth), 4-5 (a triplet
eighth), 6-7 (an eighth), 8-11 (a long swung eighth), 12-23 (a quarter), 24+."""
N_DURATIONS = len(DURATION_EDGES) + 1
QUANTILES = tuple(round(q, 2) for q in np.linspace(0.0, 1.0, 21).tolist())
"""Where the learned distributions are kept (articulation ratios, held shares)."""


def duration_buckets(steps: np.ndarray) -> np.ndarray:
    """(n,) bucket index (DURATION_EDGES) of durations in grid steps."""
    return np.searchsorted(np.array(DURATION_EDGES), np.asarray(steps), side="left")


def checked_numbers(value: object, shape: tuple[int, ...], what: str) -> np.ndarray:
    """`value` (from a bundle's JSON) as float64 of `shape`; BundleError naming `what`
    when it is not finite numbers of that shape."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.zeros(0)
    if array.shape != shape or not np.isfinite(array).all():
        raise BundleError(f"{what} must be finite numbers of shape {shape}, got {value!r:.60}")
    return array


def checked_quantiles(value: object, shape: tuple[int, ...], what: str, kind: str) -> np.ndarray:
    """`checked_numbers`, and each last-axis row ascending values (`kind`) in 0..1."""
    table = checked_numbers(value, shape, what)
    if (table < 0).any() or (table > 1).any() or (np.diff(table, axis=-1) < 0).any():
        raise BundleError(f"{what} must hold ascending {kind} in 0..1")
    return table
