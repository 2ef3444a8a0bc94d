"""Realization: tokens over chords into pitched notes, with counted fallbacks.

`candidate_pitches` is the one definition of which pitches a note token may become;
`realize_bars` draws among them, and `UniformRealizer` (a `Realizer`) gives the probability
of a given pitch under that draw, so a learned realizer can later take its place behind the
same `log_prob` interface (`jazzgen evaluate --model` scores reference pitches with it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from jazzgen.core.constants import DEFAULT_PITCH_RANGE, GRID_STEPS_PER_QUARTER
from jazzgen.core.harmony import Chord, NoteType, type_pitch_classes
from jazzgen.core.types import Bar, Note
from jazzgen.tokens.grammar import Token

FIRST_NOTE_REACH = 6
"""A note without a previous pitch (or window) starts within this many semitones of the
middle of the pitch range."""


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


@dataclass(frozen=True)
class Candidates:
    """The pitches a note token may become, as `realize_bars` draws them.

    `pitches` (n,) int, ascending: drawn uniformly, unless `nearest` (fallback 1: no pitch
    of the type in the window, so the single pitch in `pitches` is taken without a draw).
    `fallbacks` counts the fallbacks that fired (0, 1 or 2; see `Realization`).
    """

    pitches: np.ndarray
    nearest: bool
    fallbacks: int


_TYPE_FALLBACK_ORDER = (NoteType.OTHER, NoteType.APPROACH, NoteType.SCALE, NoteType.CHORD)


@functools.cache
def _type_mask(chord: Chord, note_type: NoteType) -> np.ndarray:
    """(12,) bool: the pitch classes of `note_type` over `chord`."""
    mask = np.zeros(12, dtype=bool)
    mask[sorted(type_pitch_classes(chord)[note_type])] = True
    mask.setflags(write=False)  # cached and shared
    return mask


def _of_type(chord: Chord, note_type: NoteType, low: int, high: int) -> np.ndarray:
    pitches = np.arange(low, high + 1)
    return pitches[_type_mask(chord, note_type)[pitches % 12]]


def candidate_pitches(
    token: Token,
    chord: Chord,
    prev_pitch: int | None,
    pitch_range: tuple[int, int] = DEFAULT_PITCH_RANGE,
) -> Candidates:
    """The pitches note `token` may become over `chord` after `prev_pitch` (None: none yet).

    A pitch whose class has the token's type over the chord (fallback 2 when the type has
    no class), inside the window around `prev_pitch` and inside `pitch_range` (inclusive);
    without a window or a previous pitch, within `FIRST_NOTE_REACH` of the range's middle.
    Raises ValueError for a rest.
    """
    if token.is_rest:
        raise ValueError("a rest token has no pitch")
    low, high = pitch_range
    fallbacks = 0
    note_type = token.type
    if not type_pitch_classes(chord)[note_type]:
        fallbacks += 1
        order = _TYPE_FALLBACK_ORDER[_TYPE_FALLBACK_ORDER.index(note_type) + 1 :]
        note_type = next(t for t in order if type_pitch_classes(chord)[t])
    if token.window is None or prev_pitch is None:
        centre = (low + high) // 2
        pool = _of_type(chord, note_type, centre - FIRST_NOTE_REACH, centre + FIRST_NOTE_REACH)
        return Candidates(pool, False, fallbacks)
    w_low = max(low, prev_pitch + token.window[0])
    w_high = min(high, prev_pitch + token.window[1])
    pool = _of_type(chord, note_type, w_low, w_high)
    if len(pool):
        return Candidates(pool, False, fallbacks)
    middle = prev_pitch + (token.window[0] + token.window[1]) / 2
    everywhere = _of_type(chord, note_type, low, high)
    nearest = everywhere[np.argmin(np.abs(everywhere - middle))]
    return Candidates(np.array([nearest]), True, fallbacks + 1)


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

    Each note token picks, uniformly with `rng`, one of its `candidate_pitches` (a pitch
    whose class has the token's type over the chord at its onset and whose interval from
    the previous pitch lies in the token's window, inside `pitch_range`, inclusive MIDI
    pitches). Notes last until the next event (legato); rests are silence. Times are
    absolute quarter notes.
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
            candidates = candidate_pitches(token, chord, prev_pitch, pitch_range)
            fallbacks += candidates.fallbacks
            if candidates.nearest:
                pitch = int(candidates.pitches[0])
            else:
                pitch = int(rng.choice(candidates.pitches))
            notes.append(Note(pitch, start_beat, end_beat, velocity))
            prev_pitch = pitch
    return Realization(tuple(notes), fallbacks)


# --- the probability of a pitch --------------------------------------------------------------


@dataclass(frozen=True)
class RealizeContext:
    """What a realizer may know besides the token, the chord and the previous pitch.

    `pitch_range`: the inclusive MIDI range it realizes in; `onset_beat`: the note's onset
    (absolute quarter notes; the uniform realizer ignores it).
    """

    pitch_range: tuple[int, int] = DEFAULT_PITCH_RANGE
    onset_beat: float = 0.0


class Realizer(Protocol):
    """A distribution over the pitch of a note token (what `realize_bars` samples from)."""

    def log_prob(
        self,
        token: Token,
        chord: Chord,
        prev_pitch: int | None,
        pitch: int,
        context: RealizeContext,
    ) -> float:
        """Natural log of P(pitch | token, chord, prev_pitch, context); -inf when the
        realizer can never produce `pitch`."""
        ...


def uniform_realizer_nll(
    token: Token,
    chord: Chord,
    prev_pitch: int | None,
    pitch: int,
    pitch_range: tuple[int, int] = DEFAULT_PITCH_RANGE,
) -> float:
    """-log P(pitch) under `realize_bars`' uniform draw, in nats: log(#candidates) when
    `pitch` is one of the `candidate_pitches`, 0 for the single pitch of fallback 1, and
    inf when the draw can never give `pitch` (outside the window or the range)."""
    candidates = candidate_pitches(token, chord, prev_pitch, pitch_range)
    if pitch not in candidates.pitches:
        return math.inf
    return math.log(len(candidates.pitches))


class UniformRealizer:
    """`realize_bars`' realizer as a `Realizer`: every candidate pitch equally likely."""

    def log_prob(
        self,
        token: Token,
        chord: Chord,
        prev_pitch: int | None,
        pitch: int,
        context: RealizeContext,
    ) -> float:
        return -uniform_realizer_nll(token, chord, prev_pitch, pitch, context.pitch_range)
