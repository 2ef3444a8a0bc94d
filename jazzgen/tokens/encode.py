"""Encoding: a monophonic melody over bars into grammar tokens (deterministic and total).

See `tokens.grammar` for the token and its rules: onset-to-onset durations on the 1/12
grid, the later note kept when two onsets share a step, a note cut at the bar line, a
silence of at least `min_rest_steps` is a rest, and the interval window taken from the
previous sounding pitch.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.harmony import Chord, NoteType, classify_pitch
from jazzgen.core.types import Bar, Note
from jazzgen.tokens.grammar import (
    DEFAULT_MIN_REST_STEPS,
    WINDOW_HALF_WIDTH,
    Token,
)


@dataclass(frozen=True)
class EncodedBar:
    """Tokens of one bar plus, for notes, the pitches they came from (for tests/inspect)."""

    tokens: tuple[Token, ...]
    pitches: tuple[int | None, ...]


def _step(beat: float) -> int:
    return round(beat * GRID_STEPS_PER_QUARTER)


_TYPES = {note_type.value: note_type for note_type in NoteType}


@functools.lru_cache(maxsize=65536)
def _token(code: str, steps: int, window: tuple[int, int] | None = None) -> Token:
    """The token of type `code` ('C', 'S', 'A', 'X', 'R'). Tokens are immutable and a corpus
    has a few thousand distinct ones, so equal tokens are one object: cheaper to make than
    a new Token, and to pickle between processes (keys of plain values hash fast)."""
    return Token(_TYPES[code], steps, window)


@functools.lru_cache(maxsize=4096)
def type_table(chord: Chord) -> tuple[str, ...]:
    """`classify_pitch` over `chord` as a table: the type code ('C', 'S', 'A' or 'X') of
    pitch classes 0..11."""
    return tuple(classify_pitch(pc, chord).value for pc in range(12))


def encode_melody(
    melody: Sequence[Note],
    bars: Sequence[Bar],
    *,
    min_rest_steps: int = DEFAULT_MIN_REST_STEPS,
    prev_pitch: int | None = None,
) -> list[EncodedBar]:
    """Encode a monophonic melody over bars into tokens (deterministic and total).

    `melody` notes are in absolute quarter notes; notes outside every bar are ignored.
    `prev_pitch` is the sounding pitch before the first bar (None: first note unwindowed).
    Every returned bar's token durations sum to `bar.steps`.
    """
    if not bars:
        return []
    notes = sorted(melody, key=lambda n: (n.start_beat, n.end_beat))
    # (onset step, end step, pitch) of every note, computed once (`_step` inlined)
    grid = GRID_STEPS_PER_QUARTER
    steps = [(round(n.start_beat * grid), round(n.end_beat * grid), n.pitch) for n in notes]
    result: list[EncodedBar] = []
    note_index = 0
    for bar in bars:
        bar_start = _step(bar.start_beat)
        while note_index < len(steps) and steps[note_index][0] < bar_start:
            note_index += 1
        events = _bar_events(steps, note_index, bar_start, bar.steps)
        encoded, prev_pitch = _encode_bar(bar, bar_start, events, min_rest_steps, prev_pitch)
        result.append(encoded)
    return result


def _bar_events(
    steps: Sequence[tuple[int, int, int]], first: int, bar_start: int, bar_steps: int
) -> dict[int, tuple[int, int]]:
    """Onset step -> (end step, pitch) of the sorted notes' `steps` (onset step, end step,
    pitch) from index `first` on that start in the bar, steps relative to the bar start;
    ends are clipped to the bar and are at least one step after the onset. A later note on
    the same step replaces."""
    events: dict[int, tuple[int, int]] = {}
    for index in range(first, len(steps)):
        start, end, pitch = steps[index]
        onset = start - bar_start
        if onset >= bar_steps:
            break
        events[onset] = (min(max(end - bar_start, onset + 1), bar_steps), pitch)
    return events


def _encode_bar(
    bar: Bar,
    bar_start: int,
    events: dict[int, tuple[int, int]],
    min_rest_steps: int,
    prev_pitch: int | None,
) -> tuple[EncodedBar, int | None]:
    """The tokens of one bar from its `events` (see `_bar_events`), and the sounding pitch
    after it. `prev_pitch` is the one before the bar (None: the first note is unwindowed)."""
    bar_steps = bar.steps
    # one chord in the bar (most bars): no lookup per note
    only = bar.chords[0] if len(bar.chords) == 1 else None
    tables: dict[int, tuple[str, ...]] = {}  # type table of each chord span, by id
    onsets = sorted(events)
    tokens: list[Token] = []
    pitches: list[int | None] = []
    # Leading silence (including a note held over from the previous bar) is a rest.
    first = onsets[0] if onsets else bar_steps
    if first > 0:
        tokens.append(_token("R", first))
        pitches.append(None)
    for i, onset in enumerate(onsets):
        end, pitch = events[onset]
        next_onset = onsets[i + 1] if i + 1 < len(onsets) else bar_steps
        silence = next_onset - end
        note_steps = next_onset - onset
        if silence >= min_rest_steps and end > onset:
            note_steps = end - onset
        span = only or bar.chord_timeline.at((bar_start + onset) / GRID_STEPS_PER_QUARTER)
        table = tables.get(id(span))
        if table is None:
            table = tables[id(span)] = type_table(span.chord)
        window = None
        if prev_pitch is not None:
            interval = pitch - prev_pitch
            window = (interval - WINDOW_HALF_WIDTH, interval + WINDOW_HALF_WIDTH)
        tokens.append(_token(table[pitch % 12], note_steps, window))
        pitches.append(pitch)
        if note_steps < next_onset - onset:
            tokens.append(_token("R", next_onset - onset - note_steps))
            pitches.append(None)
        prev_pitch = pitch
    return EncodedBar(tuple(tokens), tuple(pitches)), prev_pitch
