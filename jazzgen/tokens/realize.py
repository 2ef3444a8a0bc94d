"""Realization: tokens over chords into pitched notes, with counted fallbacks.

`candidate_pitches` is the one definition of which pitches a note token may become;
`realize_bars` draws among them: uniformly (the course's realizer, `UniformRealizer`), or
with the probabilities of a `Realizer` such as the learned one of a model bundle
(`performance.realizer.LearnedRealizer`). A `Realizer` also gives the probability of a
given pitch (`log_prob`), with which `jazzgen evaluate --model` scores reference pitches.
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


class LineRealizer:
    """Realizes a line token by token (what `realize_bars` does, one token at a time, so
    decoding can feed each realized pitch back to a model with a pitch input).

    `add(token, bar, step)` draws the pitch of a note token with `rng` (see
    `realize_bars`) and returns its note (None for a rest); `notes`, `fallbacks` and
    `prev_pitch` (the last pitch, or the one given before the line) are what is realized.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        *,
        prev_pitch: int | None = None,
        pitch_range: tuple[int, int] = DEFAULT_PITCH_RANGE,
        velocity: int = 90,
        realizer: Realizer | None = None,
    ) -> None:
        low, high = pitch_range
        if high - low < 12:
            raise ValueError(f"pitch_range must span at least an octave, got {pitch_range}")
        self.rng, self.pitch_range, self.velocity = rng, pitch_range, velocity
        self.realizer = realizer
        self.prev_pitch = prev_pitch
        self.prev_interval: int | None = None
        self.notes: list[Note] = []
        self.fallbacks = 0

    def add(self, token: Token, bar: Bar, step: int) -> Note | None:
        """Realize `token` starting `step` grid steps into `bar`; its note, None for a rest."""
        if token.is_rest:
            return None
        start_beat = bar.start_beat + step / GRID_STEPS_PER_QUARTER
        end_beat = bar.start_beat + (step + token.duration) / GRID_STEPS_PER_QUARTER
        chord = bar.chord_at(start_beat)
        prev_pitch = self.prev_pitch
        candidates = candidate_pitches(token, chord, prev_pitch, self.pitch_range)
        self.fallbacks += candidates.fallbacks
        if candidates.nearest:
            pitch = int(candidates.pitches[0])
        elif self.realizer is None:
            pitch = int(self.rng.choice(candidates.pitches))
        else:
            context = RealizeContext(self.pitch_range, start_beat, step, self.prev_interval)
            probs = self.realizer.probabilities(token, chord, prev_pitch, candidates, context)
            pitch = int(candidates.pitches[self.rng.choice(len(probs), p=probs)])
        note = Note(pitch, start_beat, end_beat, self.velocity)
        self.notes.append(note)
        self.prev_interval = None if prev_pitch is None else pitch - prev_pitch
        self.prev_pitch = pitch
        return note

    def realization(self) -> Realization:
        return Realization(tuple(self.notes), self.fallbacks)


def realize_bars(
    bars_tokens: Sequence[Sequence[Token]],
    bars: Sequence[Bar],
    rng: np.random.Generator,
    *,
    prev_pitch: int | None = None,
    pitch_range: tuple[int, int] = DEFAULT_PITCH_RANGE,
    velocity: int = 90,
    realizer: Realizer | None = None,
) -> Realization:
    """Turn tokens into notes over the bars' chords. Never raises for valid tokens.

    Each note token picks with `rng` one of its `candidate_pitches` (a pitch whose class
    has the token's type over the chord at its onset and whose interval from the previous
    pitch lies in the token's window, inside `pitch_range`, inclusive MIDI pitches):
    uniformly without a `realizer` (the course's draw), else with the realizer's
    `probabilities`. Notes last until the next event (legato); rests are silence. Times
    are absolute quarter notes.
    """
    line = LineRealizer(
        rng, prev_pitch=prev_pitch, pitch_range=pitch_range, velocity=velocity, realizer=realizer
    )
    for bar, tokens in zip(bars, bars_tokens, strict=True):
        step = 0
        for token in tokens:
            line.add(token, bar, step)
            step += token.duration
    return line.realization()


# --- the probability of a pitch --------------------------------------------------------------


@dataclass(frozen=True)
class RealizeContext:
    """What a realizer may know besides the token, the chord and the previous pitch.

    `pitch_range`: the inclusive MIDI range it realizes in; `onset_beat`: the note's onset
    (absolute quarter notes); `step_in_bar`: the onset in grid steps from its bar's start;
    `prev_interval`: the previous pitch minus the one before it (None: fewer than two notes
    so far). The uniform realizer uses only the range.
    """

    pitch_range: tuple[int, int] = DEFAULT_PITCH_RANGE
    onset_beat: float = 0.0
    step_in_bar: int = 0
    prev_interval: int | None = None


class Realizer(Protocol):
    """A distribution over the pitch of a note token (what `realize_bars` samples from)."""

    def probabilities(
        self,
        token: Token,
        chord: Chord,
        prev_pitch: int | None,
        candidates: Candidates,
        context: RealizeContext,
    ) -> np.ndarray:
        """(n,) probabilities (summing to 1) of `candidates.pitches`, the token's
        `candidate_pitches` after `prev_pitch`."""
        ...

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

    def probabilities(
        self,
        token: Token,
        chord: Chord,
        prev_pitch: int | None,
        candidates: Candidates,
        context: RealizeContext,
    ) -> np.ndarray:
        return np.full(len(candidates.pitches), 1.0 / len(candidates.pitches))

    def log_prob(
        self,
        token: Token,
        chord: Chord,
        prev_pitch: int | None,
        pitch: int,
        context: RealizeContext,
    ) -> float:
        return -uniform_realizer_nll(token, chord, prev_pitch, pitch, context.pitch_range)
