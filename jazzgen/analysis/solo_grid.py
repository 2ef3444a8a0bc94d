"""A WJazzD solo's metric grid: its bar layout and its notes' positions on the 1/12 grid.

The first half of turning a solo into a lead sheet (`analysis.solo_sheet` is the rest):

- `bar_meters` + `bar_layout`: the meter of every WJazzD bar and the lead sheet's bars, with
  runs of 1/4 bars (free rhythm) regrouped into 4/4 bars (`Layout.regrouped` counts them);
- `NoteColumns.of(solo.notes)`: the melody rows as numpy columns;
- `place_notes`: each note at its exact metric position (bar start + (beat - 1 + (tatum -
  1) / division) beats, an exact fraction of grid steps) and its onset rounded to the grid
  (half steps up: a move of at most 1/24 quarter note), in metric order;
  `merge_same_step` keeps the later of two onsets on one step; `displacement` counts the
  moved notes and the largest move; `in_region` keeps the notes of a range of bars.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import ConfigError
from jazzgen.core.types import TimeSignature
from jazzgen.io.wjazzd import MelodyEvent, Solo

FREE_METER = (1, 4)
"""The meter WJazzD gives solos in free rhythm; runs of it are regrouped into 4/4."""

FREE_GROUP_BARS = 4
"""1/4 bars per regrouped bar."""

_HALF_STEP = 0.5 / GRID_STEPS_PER_QUARTER  # the largest move rounding to the grid can make


class LayoutBar(NamedTuple):
    number: int  # WJazzD bar number (the first one of a regrouped bar)
    start_step: int  # grid steps from the first bar of the solo
    numerator: int
    denominator: int


class NoteColumns(NamedTuple):
    """The solo's notes as columns, one entry per melody row (NULL durations are NaN)."""

    onset: np.ndarray  # seconds, float64
    pitch: np.ndarray  # int64
    duration: np.ndarray  # seconds, float64, NaN when NULL
    bar: np.ndarray  # int64, and beat, tatum, division alike
    beat: np.ndarray
    tatum: np.ndarray
    division: np.ndarray
    num: np.ndarray  # float64 (NaN when NULL), and denom alike
    denom: np.ndarray
    beatdur: np.ndarray  # seconds, float64, NaN when NULL
    loudness: np.ndarray  # dB (`loud_med`), float64, NaN when NULL or absent

    @classmethod
    def of(cls, notes: Sequence[MelodyEvent]) -> NoteColumns:
        columns = list(zip(*notes, strict=True)) if notes else [()] * len(cls._fields)
        kinds = (float, np.int64, float, np.int64, np.int64, np.int64, np.int64, float, float,
                 float, float)  # fmt: skip
        return cls(*(np.array(c, dtype=k) for c, k in zip(columns, kinds, strict=True)))


class Grid(NamedTuple):
    """Notes at their metric positions, in metric order: the exact onset is
    `exact_num / exact_den` grid steps, `step` the onset rounded to the grid."""

    rows: np.ndarray  # index of each note in the solo's columns
    exact_num: np.ndarray  # int64
    exact_den: np.ndarray  # int64
    step: np.ndarray  # int64, steps from the first bar of the solo
    beat_quarters: np.ndarray  # length of the note's beat in quarter notes (4 / denom)

    def take(self, which: np.ndarray) -> Grid:
        return Grid(*(column[which] for column in self))


# --- meter and bar layout ----------------------------------------------------------------------


def _meter(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        meter = TimeSignature.parse(text)
    except ConfigError:
        return None
    return meter.numerator, meter.denominator


def bar_range(solo: Solo, notes: NoteColumns) -> tuple[int, int]:
    """The solo's first and last WJazzD bar, of its notes and its beats ((0, -1): none)."""
    ends = [int(notes.bar.min()), int(notes.bar.max())] if len(notes.bar) else []
    if solo.beats:
        ends += [min(b.bar for b in solo.beats), max(b.bar for b in solo.beats)]
    return (min(ends), max(ends)) if ends else (0, -1)


def bar_meters(solo: Solo, notes: NoteColumns) -> dict[int, tuple[int, int]]:
    """The meter of every WJazzD bar from the solo's first to its last bar (notes or beats):
    the notes' num/denom, else the beats table's signature in force (its first signature
    for the bars before it), else solo_info.signature, else 4/4."""
    known = (notes.num > 0) & (notes.denom > 0)  # False for NaN
    bars, first = np.unique(notes.bar[known], return_index=True)
    meters_of_notes = zip(
        notes.num[known][first].astype(int).tolist(),
        notes.denom[known][first].astype(int).tolist(),
        strict=True,
    )
    from_notes = dict(zip(bars.tolist(), meters_of_notes, strict=True))
    changes = [(b.bar, m) for b in solo.beats if (m := _meter(b.signature)) is not None]
    default = _meter(solo.info.signature) or (4, 4)
    if not solo.beats and not len(notes.bar):
        return {}
    current = changes[0][1] if changes else default
    meters, k = {}, 0
    low, high = bar_range(solo, notes)
    for bar in range(low, high + 1):
        while k < len(changes) and changes[k][0] <= bar:
            current = changes[k][1]
            k += 1
        meters[bar] = from_notes.get(bar, current)
    return meters


def bar_steps(numerator: int, denominator: int) -> int:
    """Grid steps of a bar (TimeSignature.bar_steps without making one)."""
    return round(numerator * 4 * GRID_STEPS_PER_QUARTER / denominator)


class Layout(NamedTuple):
    bars: list[LayoutBar]
    # WJazzD bar number -> (index of its layout bar, steps from that bar's start, its meter)
    where: dict[int, tuple[int, int, tuple[int, int]]]
    regrouped: int  # 1/4 bars that became part of a longer bar
    starts: list[int]  # start step of every bar (for bisection)

    def bar_of(self, step: int) -> int:
        """Index of the bar holding grid step `step` (the last one starting at or before)."""
        return max(bisect.bisect_right(self.starts, step) - 1, 0)


def bar_layout(meters: dict[int, tuple[int, int]]) -> Layout:
    """The lead sheet's bars from the WJazzD bars' meters; runs of 1/4 bars are regrouped
    (module doc)."""
    numbers = sorted(meters)
    bars: list[LayoutBar] = []
    where: dict[int, tuple[int, int, tuple[int, int]]] = {}
    step = i = regrouped = 0
    while i < len(numbers):
        run = 1
        while (
            meters[numbers[i]] == FREE_METER
            and run < FREE_GROUP_BARS
            and i + run < len(numbers)
            and meters[numbers[i + run]] == FREE_METER
        ):
            run += 1
        group = numbers[i : i + run]
        offset = 0
        for number in group:
            where[number] = (len(bars), offset, meters[number])
            offset += bar_steps(*meters[number])
        numerator = sum(meters[n][0] for n in group)
        bars.append(LayoutBar(group[0], step, numerator, meters[group[0]][1]))
        regrouped += run if run > 1 else 0
        step += offset
        i += run
    # one more bar, for an onset rounded onto the end of the last bar
    last_meter = meters[numbers[-1]]
    bars.append(LayoutBar(numbers[-1] + 1, step, *last_meter))
    return Layout(bars, where, regrouped, [bar.start_step for bar in bars])


# --- notes on the grid -------------------------------------------------------------------------


def place_notes(notes: NoteColumns, layout: Layout) -> tuple[Grid, int]:
    """Every note at its exact metric position and its grid step (metric order, then
    onset), and how many notes lie outside their bar (beat > numerator, tatum > division:
    left out)."""
    lowest = min(layout.where)
    per_bar = np.zeros((max(layout.where) - lowest + 1, 3), dtype=np.int64)
    for number, (index, offset, (numerator, denominator)) in layout.where.items():
        per_bar[number - lowest] = (layout.bars[index].start_step + offset, numerator, denominator)
    base, numerator, denominator = per_bar[notes.bar - lowest].T
    division = notes.division
    inside = (notes.beat >= 1) & (notes.beat <= numerator)
    inside &= (notes.tatum >= 1) & (notes.tatum <= division)
    rows = np.flatnonzero(inside)
    exact_den = division[rows] * denominator[rows]
    within = (notes.beat[rows] - 1) * division[rows] + notes.tatum[rows] - 1
    exact_num = base[rows] * exact_den + within * 4 * GRID_STEPS_PER_QUARTER
    step = (2 * exact_num + exact_den) // (2 * exact_den)  # round half up
    grid = Grid(rows, exact_num, exact_den, step, 4.0 / denominator[rows])
    order = np.lexsort((notes.onset[rows], exact_num / exact_den))
    return grid.take(order), len(notes.onset) - len(rows)


def merge_same_step(grid: Grid) -> tuple[Grid, int]:
    """One note per grid step, the later one kept; and how many were left out."""
    keep = np.ones(len(grid.step), dtype=bool)
    keep[:-1] = grid.step[1:] != grid.step[:-1]
    return grid.take(keep), int(len(keep) - keep.sum())


def displacement(grid: Grid) -> tuple[int, float]:
    """(notes moved onto the grid, largest move in quarter notes)."""
    moves = np.abs(grid.step * grid.exact_den - grid.exact_num) / grid.exact_den
    largest = float(moves.max(initial=0.0)) / GRID_STEPS_PER_QUARTER
    return int(np.count_nonzero(moves)), min(largest, _HALF_STEP)


def bar_end(bars: Sequence[LayoutBar], index: int) -> int:
    bar = bars[index]
    return bar.start_step + bar_steps(bar.numerator, bar.denominator)


def beat_quarters(meters: dict[int, tuple[int, int]]) -> float:
    """Quarter notes per beat of the solo's most common meter denominator (1.0 in x/4)."""
    denominators = [denominator for _, denominator in meters.values()]
    return 4.0 / max(set(denominators), key=denominators.count) if denominators else 1.0


def in_region(grid: Grid, layout: Layout, first: int, last: int) -> tuple[Grid, int, int]:
    """Notes whose bar is in first..last; and the notes and bars left out."""
    inside = (grid.step >= layout.starts[first]) & (grid.step < bar_end(layout.bars, last))
    outside = grid.step[~inside]
    bars = np.searchsorted(layout.starts, outside, side="right") - 1
    return grid.take(inside), len(outside), len(np.unique(bars))
