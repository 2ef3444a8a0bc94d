"""Realization: tokens over chords into pitched notes, with counted fallbacks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jazzgen.core.constants import DEFAULT_PITCH_RANGE, GRID_STEPS_PER_QUARTER
from jazzgen.core.harmony import Chord, NoteType, type_pitch_classes
from jazzgen.core.types import Bar, Note
from jazzgen.tokens.grammar import Token


@dataclass(frozen=True)
class Realization:
    """Notes realized from tokens, and how often a documented fallback fired.

    Fallbacks (each counted in `fallbacks`):
    1. no pitch of the token's type lies inside its window and the pitch range: take the
       pitch of that type in range nearest to the window's centre;
    2. the type has no pitch class at all over this chord (e.g. no X tones over a
       diminished chord): treat the token as an approach tone, then a scale tone, then a
       chord tone (the first class that exists).
    A note token with no window (first note) starts near the middle of the range and is
    not a fallback.
    """

    notes: tuple[Note, ...]
    fallbacks: int


_TYPE_FALLBACK_ORDER = (NoteType.OTHER, NoteType.APPROACH, NoteType.SCALE, NoteType.CHORD)


def _candidates(chord: Chord, note_type: NoteType, low: int, high: int) -> np.ndarray:
    pcs = type_pitch_classes(chord)[note_type]
    pitches = np.arange(low, high + 1)
    return pitches[np.isin(pitches % 12, list(pcs))]


def realize_bars(
    bars_tokens: Sequence[Sequence[Token]],
    bars: Sequence[Bar],
    rng: np.random.Generator,
    *,
    prev_pitch: int | None = None,
    pitch_range: tuple[int, int] = DEFAULT_PITCH_RANGE,
    velocity: int = 90,
) -> Realization:
    """Turn tokens into notes over the bars' chords. Never raises for valid tokens.

    Each note token picks, uniformly with `rng`, a pitch whose class has the token's type
    over the chord at its onset and whose interval from the previous pitch lies in the
    token's window, inside `pitch_range` (inclusive MIDI pitches). Notes last until the
    next event (legato); rests are silence. Times are absolute quarter notes.
    """
    low, high = pitch_range
    if high - low < 12:
        raise ValueError(f"pitch_range must span at least an octave, got {pitch_range}")
    notes: list[Note] = []
    fallbacks = 0
    for bar, tokens in zip(bars, bars_tokens, strict=True):
        step = 0
        for token in tokens:
            start_beat = bar.start_beat + step / GRID_STEPS_PER_QUARTER
            step += token.duration
            if token.is_rest:
                continue
            end_beat = bar.start_beat + step / GRID_STEPS_PER_QUARTER
            chord = bar.chord_at(start_beat)
            note_type = token.type
            if not type_pitch_classes(chord)[note_type]:
                fallbacks += 1
                order = _TYPE_FALLBACK_ORDER[_TYPE_FALLBACK_ORDER.index(note_type) + 1 :]
                note_type = next(t for t in order if type_pitch_classes(chord)[t])
            if token.window is None or prev_pitch is None:
                centre = (low + high) // 2
                pool = _candidates(chord, note_type, centre - 6, centre + 6)
                pitch = int(rng.choice(pool))
            else:
                w_low = max(low, prev_pitch + token.window[0])
                w_high = min(high, prev_pitch + token.window[1])
                pool = _candidates(chord, note_type, w_low, w_high)
                if len(pool):
                    pitch = int(rng.choice(pool))
                else:
                    fallbacks += 1
                    middle = prev_pitch + (token.window[0] + token.window[1]) / 2
                    everywhere = _candidates(chord, note_type, low, high)
                    pitch = int(everywhere[np.argmin(np.abs(everywhere - middle))])
            notes.append(Note(pitch, start_beat, end_beat, velocity))
            prev_pitch = pitch
    return Realization(tuple(notes), fallbacks)
