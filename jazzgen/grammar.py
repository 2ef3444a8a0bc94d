"""The melody grammar: typed tokens, their one text codec, encoding and realization.

A `Token` is one melody event of a bar: a `NoteType` (C chord tone, S scale tone,
A approach tone, X other, R rest), a duration in grid steps of 1/12 quarter note, and for
notes after the first an interval window `(lower, upper)` in semitones around the interval
from the previous sounding pitch (widened by a minor third each way).

Rules (see README "Token grammar"):
- Durations are onset-to-onset: a token lasts until the next event's onset or the bar
  end, so every bar's token durations sum exactly to the bar length (in steps).
- Onsets are quantized to the 1/12-quarter grid. If two onsets fall on the same step the
  later-starting note is kept (grace notes vanish).
- A note is assigned to the bar of its onset and cut at the bar line; time in the next bar
  before its first onset is a rest.
- A silence of at least `min_rest_steps` (default 3 = a sixteenth) between a note's end
  and the next onset becomes a rest token; shorter gaps count as articulation.
- The interval window is taken from the previous *sounding* pitch, across rests and bars;
  the first note of a piece has no window.

Text form (the course's): `C,0.250,<m2,P-4>` = type, duration in quarter notes with three
decimals, `<upper,lower>` as directed interval names. `token_to_text`/`token_from_text` are
the only codec.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jazzgen.errors import VocabError
from jazzgen.music import Chord, NoteType, classify_pitch, type_pitch_classes
from jazzgen.score import GRID_STEPS_PER_QUARTER, Bar, Note

WINDOW_HALF_WIDTH = 3
"""A window reaches a minor third (3 semitones) either side of the actual interval."""

DEFAULT_MIN_REST_STEPS = 3
DEFAULT_PITCH_RANGE = (48, 84)  # C3..C6: realized melodies stay inside this by default


@dataclass(frozen=True)
class Token:
    """One grammar event. `duration` in grid steps (> 0); `window` = (lower, upper) semitones.

    Rests and the first note of a piece have `window=None`.
    """

    type: NoteType
    duration: int
    window: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise ValueError(f"token duration must be > 0 grid steps, got {self.duration}")
        if self.type is NoteType.REST and self.window is not None:
            raise ValueError("a rest token has no interval window")
        if self.window is not None and self.window[0] > self.window[1]:
            raise ValueError(f"window lower must be <= upper, got {self.window}")

    @property
    def is_rest(self) -> bool:
        return self.type is NoteType.REST

    @property
    def quarter_length(self) -> float:
        return self.duration / GRID_STEPS_PER_QUARTER

    def __str__(self) -> str:
        return token_to_text(self)


# --- text codec ----------------------------------------------------------------------------

_SIMPLE_NAMES = ("P1", "m2", "M2", "m3", "M3", "P4", "A4", "P5", "m6", "M6", "m7", "M7")
_BASE_SEMITONES = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11}
_PERFECT_NUMBERS = {1, 4, 5}
_INTERVAL_RE = re.compile(r"^(P|M|m|A+|d+)(-?)(\d+)$")
_TOKEN_RE = re.compile(r"^([CSAXR]),(\d+(?:\.\d+)?)(?:,<([^,<>]+),([^,<>]+)>)?$")


def interval_name(semitones: int) -> str:
    """Directed interval name of a semitone count, music21 style: 1 -> 'm2', -5 -> 'P-4'."""
    size = abs(semitones)
    octaves, simple = divmod(size, 12)
    name = _SIMPLE_NAMES[simple]
    number = int(name[1:]) + 7 * octaves
    direction = "-" if semitones < 0 else ""
    return f"{name[0]}{direction}{number}"


def interval_semitones(name: str) -> int:
    """Inverse of `interval_name`; also accepts d/A/dd/AA spellings ('d5' -> 6, 'A-2' -> -3)."""
    match = _INTERVAL_RE.match(name.strip())
    if match is None:
        raise VocabError(f"bad interval name {name!r}: expected e.g. 'm2', 'P-4', 'M10'")
    quality, direction, number_text = match.groups()
    number = int(number_text)
    if number < 1:
        raise VocabError(f"bad interval name {name!r}: the number must be >= 1")
    octaves, simple_index = divmod(number - 1, 7)
    simple = simple_index + 1
    base = _BASE_SEMITONES[simple] + 12 * octaves
    perfect = simple in _PERFECT_NUMBERS
    if quality == "P":
        if not perfect:
            raise VocabError(f"bad interval name {name!r}: only 1, 4, 5 (and octaves) are perfect")
        offset = 0
    elif quality in ("M", "m"):
        if perfect:
            raise VocabError(f"bad interval name {name!r}: 1, 4, 5 are perfect, not major/minor")
        offset = 0 if quality == "M" else -1
    elif quality.startswith("A"):
        offset = len(quality)
    else:  # diminished
        offset = -len(quality) - (0 if perfect else 1)
    semitones = base + offset
    return -semitones if direction == "-" else semitones


def token_to_text(token: Token) -> str:
    """The course text form: 'C,0.250,<m2,P-4>' (upper first), 'R,0.500', 'S,1.000'."""
    text = f"{token.type.value},{token.duration / GRID_STEPS_PER_QUARTER:.3f}"
    if token.window is not None:
        lower, upper = token.window
        text += f",<{interval_name(upper)},{interval_name(lower)}>"
    return text


def token_from_text(text: str) -> Token:
    """Parse the course text form; durations snap to the 1/12 grid (0.333 -> 4 steps)."""
    compact = text.replace(" ", "")
    match = _TOKEN_RE.match(compact)
    if match is None:
        raise VocabError(f"bad token {text!r}: expected e.g. 'C,0.250,<m2,P-4>' or 'R,0.500'")
    type_text, duration_text, upper_text, lower_text = match.groups()
    steps = round(float(duration_text) * GRID_STEPS_PER_QUARTER)
    if steps <= 0:
        raise VocabError(f"bad token {text!r}: duration rounds to 0 on the 1/12 grid")
    window = None
    if upper_text is not None:
        upper, lower = interval_semitones(upper_text), interval_semitones(lower_text)
        if lower > upper:
            lower, upper = upper, lower
        window = (lower, upper)
    note_type = NoteType(type_text)
    if note_type is NoteType.REST and window is not None:
        raise VocabError(f"bad token {text!r}: a rest has no interval window")
    return Token(note_type, steps, window)


# --- encoding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncodedBar:
    """Tokens of one bar plus, for notes, the pitches they came from (for tests/inspect)."""

    tokens: tuple[Token, ...]
    pitches: tuple[int | None, ...]


def _step(beat: float) -> int:
    return round(beat * GRID_STEPS_PER_QUARTER)


def encode_bars(
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
    result: list[EncodedBar] = []
    note_index = 0
    for bar in bars:
        bar_start = _step(bar.start_beat)
        bar_steps = bar.steps
        # (onset step relative to bar, end step relative to bar (clipped), pitch)
        events: dict[int, tuple[int, int]] = {}
        while note_index < len(notes) and _step(notes[note_index].start_beat) < bar_start:
            note_index += 1
        scan = note_index
        while scan < len(notes) and _step(notes[scan].start_beat) < bar_start + bar_steps:
            note = notes[scan]
            onset = _step(note.start_beat) - bar_start
            end = min(max(_step(note.end_beat) - bar_start, onset + 1), bar_steps)
            events[onset] = (end, note.pitch)  # a later note on the same step replaces
            scan += 1
        onsets = sorted(events)
        tokens: list[Token] = []
        pitches: list[int | None] = []
        # Leading silence (including a note held over from the previous bar) is a rest.
        first = onsets[0] if onsets else bar_steps
        if first > 0:
            tokens.append(Token(NoteType.REST, first))
            pitches.append(None)
        for i, onset in enumerate(onsets):
            end, pitch = events[onset]
            next_onset = onsets[i + 1] if i + 1 < len(onsets) else bar_steps
            silence = next_onset - end
            note_steps = next_onset - onset
            if silence >= min_rest_steps and end > onset:
                note_steps = end - onset
            chord = bar.chord_at((bar_start + onset) / GRID_STEPS_PER_QUARTER)
            note_type = classify_pitch(pitch, chord)
            window = None
            if prev_pitch is not None:
                interval = pitch - prev_pitch
                window = (interval - WINDOW_HALF_WIDTH, interval + WINDOW_HALF_WIDTH)
            tokens.append(Token(note_type, note_steps, window))
            pitches.append(pitch)
            if note_steps < next_onset - onset:
                tokens.append(Token(NoteType.REST, next_onset - onset - note_steps))
                pitches.append(None)
            prev_pitch = pitch
        result.append(EncodedBar(tuple(tokens), tuple(pitches)))
    return result


# --- realization ---------------------------------------------------------------------------


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
                pool = _candidates(chord, note_type, w_low, w_high) if w_low <= w_high else []
                if len(pool):
                    pitch = int(rng.choice(pool))
                else:
                    fallbacks += 1
                    centre = prev_pitch + (token.window[0] + token.window[1]) / 2
                    everywhere = _candidates(chord, note_type, low, high)
                    pitch = int(everywhere[np.argmin(np.abs(everywhere - centre))])
            notes.append(Note(pitch, start_beat, end_beat, velocity))
            prev_pitch = pitch
    return Realization(tuple(notes), fallbacks)
