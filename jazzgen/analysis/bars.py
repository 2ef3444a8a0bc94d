"""Bars of a piece: the bar layout from its time signatures, and bars with chords.

- `make_bars_layout`: (number, start beat, meter) of every bar, counting from 1; a meter
  change takes effect at the next bar line. `music_layout`: the bars of a piece's music
  (a release that rings a little past the last bar line makes no bar).
- `chord_span_bounds`: the chord spans of each bar (a bar split every `span_beats`).
- `bars_from_span_chords` / `bars_from_chord_symbols`: `Bar`s whose chords come from chord
  inference per span, or from a lead sheet's chord symbols (clipped to each bar).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jazzgen.core.constants import EPS
from jazzgen.core.harmony import Chord
from jazzgen.core.timeline import Timeline
from jazzgen.core.types import (
    Bar,
    ChordSpan,
    TimeSignature,
)

BarSlot = tuple[int, float, TimeSignature]
"""(number counting from 1, start beat, time signature) of one bar of a layout."""


def make_bars_layout(time_signatures: Sequence[TimeSignature], end_beat: float) -> list[BarSlot]:
    """(number, start_beat, time signature) of every bar from beat 0 up to `end_beat`.

    Bars count from 1. A time-signature change takes effect at its own beat when that is a
    bar line, else at the next bar line (a mid-bar change would make a bar of no meter).
    """
    meters = Timeline.of(time_signatures or [TimeSignature(4, 4)], tolerance=EPS)
    layout: list[BarSlot] = []
    beat = 0.0
    number = 1
    end_beat = max(end_beat, EPS)
    while beat < end_beat - EPS:
        current = meters.at(beat)
        layout.append((number, beat, TimeSignature(current.numerator, current.denominator, beat)))
        beat += current.bar_beats
        number += 1
    return layout


RELEASE_TAIL_BEATS = 0.25
"""Notes that end at most this far (a sixteenth) past a bar line, with nothing starting
after it, are a release tail: the bar they ring into is not a bar of the piece."""


def music_layout(
    time_signatures: Sequence[TimeSignature], end_beat: float, last_onset_beat: float
) -> list[BarSlot]:
    """The bars of music that ends at `end_beat` (`make_bars_layout`), without a last bar
    in which no note starts (the last onset is at `last_onset_beat`) and that only a
    release tail reaches into (`RELEASE_TAIL_BEATS`): a 217-bar solo whose last note-off
    lands a few ticks after the final bar line has 217 bars, not 218."""
    layout = make_bars_layout(time_signatures, end_beat)
    last_start = layout[-1][1]
    if (
        len(layout) > 1
        and end_beat - last_start <= RELEASE_TAIL_BEATS + EPS
        and last_onset_beat < last_start - EPS
    ):
        layout.pop()
    return layout


def chord_span_bounds(layout: Sequence[BarSlot], span_beats: float) -> tuple[np.ndarray, list[int]]:
    """Boundaries `(n_spans + 1,)` of the chord spans over the bars (each bar split every
    `span_beats` from its start) and, per span, the index in `layout` of its bar."""
    bounds: list[float] = []
    owner: list[int] = []
    for i, (_, start, ts) in enumerate(layout):
        offset = 0.0
        while offset < ts.bar_beats - EPS:
            bounds.append(start + offset)
            owner.append(i)
            offset += span_beats
    if layout:
        _, start, ts = layout[-1]
        bounds.append(start + ts.bar_beats)
    return np.array(bounds), owner


def bars_from_span_chords(
    layout: Sequence[BarSlot],
    bounds: np.ndarray,
    owner: Sequence[int],
    chords: Sequence[Chord],
) -> list[Bar]:
    """Bars whose chords are one chord per span (`bounds`, `owner` as `chord_span_bounds`
    gives them); equal consecutive chords in a bar merge into one span."""
    per_bar: list[list[ChordSpan]] = [[] for _ in layout]
    for k, chord in enumerate(chords):
        spans = per_bar[owner[k]]
        start, end = float(bounds[k]), float(bounds[k + 1])
        if spans and spans[-1].chord == chord:
            spans[-1] = ChordSpan(chord, spans[-1].start_beat, end)
        else:
            spans.append(ChordSpan(chord, start, end))
    return [
        Bar(i, number, start, ts, tuple(per_bar[i])) for i, (number, start, ts) in enumerate(layout)
    ]


def bars_from_chord_symbols(layout: Sequence[BarSlot], symbols: Sequence[ChordSpan]) -> list[Bar]:
    """Bars whose chords come from lead-sheet chord symbols (clipped to each bar): the symbol
    in force at the bar line, then every change inside the bar."""
    timeline = Timeline.of(symbols, tolerance=EPS)
    bars = []
    for i, (number, start, ts) in enumerate(layout):
        end = start + ts.bar_beats
        spans = [ChordSpan(timeline.at(start).chord, start, end)]
        for sym in timeline.values[timeline.index_at(start) + 1 :]:
            if sym.start_beat >= end - EPS:
                break
            if sym.start_beat <= start + EPS:
                continue
            if sym.chord == spans[-1].chord:
                continue
            spans[-1] = ChordSpan(spans[-1].chord, spans[-1].start_beat, sym.start_beat)
            spans.append(ChordSpan(sym.chord, sym.start_beat, end))
        bars.append(Bar(i, number, start, ts, tuple(spans)))
    return bars
