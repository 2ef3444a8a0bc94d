"""Bars of a piece: the bar layout from its time signatures, and bars with chords.

- `make_bars_layout`: (number, start beat, meter) of every bar, counting from 1; a meter
  change takes effect at the next bar line.
- `_span_bounds`: the chord spans of each bar (a bar split every `span_beats`).
- `_bars_from_span_chords` / `_bars_from_symbols`: `Bar`s whose chords come from chord
  inference per span, or from a lead sheet's chord symbols (clipped to each bar).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jazzgen.core.constants import EPS
from jazzgen.core.harmony import Chord
from jazzgen.core.types import (
    Bar,
    ChordSpan,
    TimeSignature,
)


def make_bars_layout(
    time_signatures: Sequence[TimeSignature], end_beat: float
) -> list[tuple[int, float, TimeSignature]]:
    """(number, start_beat, time signature) of every bar from beat 0 up to `end_beat`.

    Bars count from 1. A time-signature change takes effect at its own beat when that is a
    bar line, else at the next bar line (a mid-bar change would make a bar of no meter).
    """
    sigs = sorted(time_signatures, key=lambda t: t.start_beat) or [TimeSignature(4, 4)]
    layout: list[tuple[int, float, TimeSignature]] = []
    beat = 0.0
    current = sigs[0]
    next_sig = 1
    number = 1
    end_beat = max(end_beat, EPS)
    while beat < end_beat - EPS:
        while next_sig < len(sigs) and sigs[next_sig].start_beat <= beat + EPS:
            current = sigs[next_sig]
            next_sig += 1
        layout.append((number, beat, TimeSignature(current.numerator, current.denominator, beat)))
        beat += current.bar_beats
        number += 1
    return layout


def _span_bounds(
    layout: Sequence[tuple[int, float, TimeSignature]], span_beats: float
) -> tuple[np.ndarray, list[int]]:
    """Span boundaries over the bars (each bar split every `span_beats`) and each span's bar."""
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


def _bars_from_span_chords(
    layout: Sequence[tuple[int, float, TimeSignature]],
    bounds: np.ndarray,
    owner: Sequence[int],
    chords: Sequence[Chord],
) -> list[Bar]:
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


def _bars_from_symbols(
    layout: Sequence[tuple[int, float, TimeSignature]], symbols: Sequence[ChordSpan]
) -> list[Bar]:
    """Bars whose chords come from lead-sheet chord symbols (clipped to each bar)."""
    symbols = sorted(symbols, key=lambda s: s.start_beat)
    starts = [s.start_beat for s in symbols]
    bars = []
    for i, (number, start, ts) in enumerate(layout):
        end = start + ts.bar_beats
        j = int(np.searchsorted(starts, start + EPS, side="right")) - 1
        current = symbols[max(j, 0)].chord
        spans = [ChordSpan(current, start, end)]
        for sym in symbols[max(j + 1, 0) :]:
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
