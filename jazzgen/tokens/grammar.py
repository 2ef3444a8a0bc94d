"""The melody grammar: typed tokens and their one text codec (encoding: `tokens.encode`).

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

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import VocabError
from jazzgen.core.harmony import NoteType
from jazzgen.core.style import Style

WINDOW_HALF_WIDTH = 3
"""A window reaches a minor third (3 semitones) either side of the actual interval."""

MAX_DURATION_STEPS = 64 * 4 * GRID_STEPS_PER_QUARTER
"""Longest token: the longest bar of any meter (64/1 = 256 quarter notes)."""

MAX_WINDOW_SEMITONES = 127 + WINDOW_HALF_WIDTH
"""Widest interval a window may reach: the MIDI range and the window's widening."""

MAX_TOKEN_CHARS = 64
"""Longest token text (the longest real one, 'X,10.667,<AA-17,dd-12>', has 22 characters)."""

DEFAULT_MIN_REST_STEPS = 3


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


def line_style(tokens: Iterable[Token], qpm: float) -> Style:
    """The style (`core.style`) of a line of tokens played at `qpm`: its notes per beat
    and its share of approach and other notes."""
    notes = outside = steps = 0
    for token in tokens:
        steps += token.duration
        if not token.is_rest:
            notes += 1
            outside += token.type in (NoteType.APPROACH, NoteType.OTHER)
    return Style.measure(notes, outside, steps / GRID_STEPS_PER_QUARTER, qpm)


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


@functools.lru_cache(maxsize=65536)  # a corpus repeats a few thousand tokens many times
def token_to_text(token: Token) -> str:
    """The course text form: 'C,0.250,<m2,P-4>' (upper first), 'R,0.500', 'S,1.000'."""
    text = f"{token.type.value},{token.duration / GRID_STEPS_PER_QUARTER:.3f}"
    if token.window is not None:
        lower, upper = token.window
        text += f",<{interval_name(upper)},{interval_name(lower)}>"
    return text


def token_from_text(text: str) -> Token:
    """Parse the course text form; durations snap to the 1/12 grid (0.333 -> 4 steps).

    VocabError for anything else (also for absurd durations, windows or lengths)."""
    if not isinstance(text, str) or len(text) > MAX_TOKEN_CHARS:
        shown = repr(text)[:40]
        raise VocabError(
            f"bad token {shown}: expected a text of at most {MAX_TOKEN_CHARS} characters"
        )
    compact = text.replace(" ", "")
    match = _TOKEN_RE.match(compact)
    if match is None:
        raise VocabError(f"bad token {text!r}: expected e.g. 'C,0.250,<m2,P-4>' or 'R,0.500'")
    type_text, duration_text, upper_text, lower_text = match.groups()
    quarters = float(duration_text)  # digits only: never NaN, inf for absurd lengths
    if not quarters * GRID_STEPS_PER_QUARTER <= MAX_DURATION_STEPS + 0.5:
        raise VocabError(
            f"bad token {text[:40]!r}: duration must be at most "
            f"{MAX_DURATION_STEPS // GRID_STEPS_PER_QUARTER} quarter notes"
        )
    steps = round(quarters * GRID_STEPS_PER_QUARTER)
    if steps <= 0:
        raise VocabError(f"bad token {text!r}: duration rounds to 0 on the 1/12 grid")
    window = None
    if upper_text is not None:
        upper, lower = interval_semitones(upper_text), interval_semitones(lower_text)
        if lower > upper:
            lower, upper = upper, lower
        if max(-lower, upper) > MAX_WINDOW_SEMITONES:
            raise VocabError(
                f"bad token {text[:40]!r}: an interval window reaches at most "
                f"{MAX_WINDOW_SEMITONES} semitones"
            )
        window = (lower, upper)
    note_type = NoteType(type_text)
    if note_type is NoteType.REST and window is not None:
        raise VocabError(f"bad token {text!r}: a rest has no interval window")
    return Token(note_type, steps, window)
