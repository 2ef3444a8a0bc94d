"""What is in force at a time: `Timeline` and the tempo map built on it.

- `Timeline[V]`: values that each take over at a time and hold until the next change; the
  one lookup behind every "what holds at beat t" question (the chord sounding at a beat,
  the tempo or meter in force, the bar a position falls in, the chord symbol at a bar line).
- `TempoMap`: quarter-note positions to seconds through a list of tempo changes.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, Protocol, TypeVar

from jazzgen.core.constants import DEFAULT_QPM, ROUNDING_EPS

V = TypeVar("V")

_start_beat: Callable[[object], float] = operator.attrgetter("start_beat")


class Timeline(Generic[V]):
    """Values that each take over at a time and hold until the next change (immutable).

    `at(t)` is the value of the last change at or before `t`; a change up to `tolerance`
    after `t` counts as at `t` (float rounding). Of several changes at the same time, the
    one given last wins. Before the first change, the first value holds. Changes are sorted
    by time on construction (a stable sort, so equal times keep their order); lookups take
    O(log n). Times are quarter notes wherever jazzgen uses one, but any unit works.
    """

    __slots__ = ("_times", "_tolerance", "_values")

    def __init__(
        self, changes: Iterable[tuple[float, V]], *, tolerance: float = ROUNDING_EPS
    ) -> None:
        ordered = sorted(changes, key=operator.itemgetter(0))
        if not ordered:
            raise ValueError("a Timeline needs at least one change, got none")
        times, values = zip(*ordered, strict=True)
        self._set(times, values, tolerance)

    @classmethod
    def of(
        cls,
        items: Iterable[V],
        start: Callable[[V], float] = _start_beat,
        *,
        tolerance: float = ROUNDING_EPS,
    ) -> Timeline[V]:
        """The timeline of `items`, each taking over at `start(item)` (default: its
        `start_beat`), e.g. `Timeline.of(bar.chords).at(beat).chord`."""
        values = sorted(items, key=start)
        if not values:
            raise ValueError("a Timeline needs at least one change, got none")
        timeline = cls.__new__(cls)
        timeline._set(tuple(map(start, values)), tuple(values), tolerance)
        return timeline

    def _set(self, times: tuple[float, ...], values: tuple[V, ...], tolerance: float) -> None:
        # One constructor body for both ways in; `of` skips building (time, value) pairs,
        # as bars build a timeline of their chords each (once per bar while encoding).
        if not tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0, got {tolerance}")
        self._times = times
        self._values = values
        self._tolerance = tolerance

    @property
    def times(self) -> tuple[float, ...]:
        """Times of the changes, ascending."""
        return self._times

    @property
    def values(self) -> tuple[V, ...]:
        """Values of the changes, in the order of `times`."""
        return self._values

    @property
    def tolerance(self) -> float:
        """How far after a time a change may be and still count as at that time."""
        return self._tolerance

    def __len__(self) -> int:
        return len(self._times)

    def __repr__(self) -> str:
        pairs = ", ".join(f"({t!r}, {v!r})" for t, v in zip(self._times, self._values, strict=True))
        return f"Timeline([{pairs}], tolerance={self._tolerance!r})"

    def index_at(self, time: float) -> int:
        """Index (into `times`/`values`) of the change in force at `time`; -1 before the first."""
        return bisect.bisect_right(self._times, time + self._tolerance) - 1

    def at(self, time: float) -> V:
        """The value in force at `time` (the first value before the first change)."""
        # index_at inlined: this runs once per note when encoding
        index = bisect.bisect_right(self._times, time + self._tolerance) - 1
        return self._values[index if index > 0 else 0]


class TempoChange(Protocol):
    """A tempo change as `TempoMap` reads it (`core.types.Tempo` is one)."""

    @property
    def qpm(self) -> float: ...  # quarter notes per minute

    @property
    def start_beat(self) -> float: ...


class TempoMap:
    """Converts quarter-note positions to seconds through a list of tempo changes.

    No tempo means `DEFAULT_QPM`; the first tempo also holds before its own start. A change
    takes over exactly at its beat (no tolerance: seconds are continuous there anyway).
    """

    def __init__(self, tempos: Sequence[TempoChange]) -> None:
        changes = sorted(((t.start_beat, 60.0 / t.qpm) for t in tempos), key=operator.itemgetter(0))
        changes = changes or [(0.0, 60.0 / DEFAULT_QPM)]
        if changes[0][0] > 0:
            changes.insert(0, (0.0, changes[0][1]))
        # Per change: (start beat, seconds at that beat, seconds per beat from there on).
        segments = [(changes[0][0], 0.0, changes[0][1])]
        for beat, seconds_per_beat in changes[1:]:
            start, seconds, previous_spb = segments[-1]
            segments.append((beat, seconds + (beat - start) * previous_spb, seconds_per_beat))
        self._single_spb = segments[0][2] if len(segments) == 1 else None
        self._segments = Timeline(((s[0], s) for s in segments), tolerance=0.0)

    def seconds(self, beat: float) -> float:
        """Seconds from the start of the file at quarter-note position `beat`."""
        if self._single_spb is not None:  # the common case: one tempo
            return beat * self._single_spb
        start, seconds, seconds_per_beat = self._segments.at(beat)
        return seconds + (beat - start) * seconds_per_beat
