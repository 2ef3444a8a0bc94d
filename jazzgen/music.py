"""Chords, chord qualities, chord scales and the classification of pitches over a chord.

A `Chord` is a root pitch class (0 = C .. 11 = B) and a `ChordQuality`. Qualities carry
their intervals above the root and the chord scale used by the grammar (chord-scale
theory: dominant -> Mixolydian, minor seventh -> Dorian, half-diminished -> Locrian, ...).
The interval tables are checked against music21 in tests (music21 is the reference for
chord symbols and scales; we keep small literal tables so the hot paths never import it).

User-written chord symbols are parsed with `music21.harmony.ChordSymbol`
(`parse_chord_symbol`), imported lazily.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from jazzgen.errors import ChordSymbolError

PITCH_CLASS_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

_NOTE_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


class NoteType(enum.Enum):
    """Grammar class of a melody event relative to the sounding chord (priority order)."""

    CHORD = "C"  # pitch class is a chord tone
    SCALE = "S"  # in the chord scale, not a chord tone
    APPROACH = "A"  # a semitone from a chord tone, neither of the above
    OTHER = "X"  # anything else
    REST = "R"  # no pitch


class ChordQuality(enum.Enum):
    """Chord quality: (symbol suffix, intervals above the root, chord-scale intervals)."""

    MAJOR = ("", (0, 4, 7), (0, 2, 4, 5, 7, 9, 11))
    MINOR = ("m", (0, 3, 7), (0, 2, 3, 5, 7, 9, 10))
    DOMINANT7 = ("7", (0, 4, 7, 10), (0, 2, 4, 5, 7, 9, 10))
    MAJOR7 = ("maj7", (0, 4, 7, 11), (0, 2, 4, 5, 7, 9, 11))
    MINOR7 = ("m7", (0, 3, 7, 10), (0, 2, 3, 5, 7, 9, 10))
    HALF_DIMINISHED = ("m7b5", (0, 3, 6, 10), (0, 1, 3, 5, 6, 8, 10))
    DIMINISHED7 = ("dim7", (0, 3, 6, 9), (0, 2, 3, 5, 6, 8, 9, 11))
    DIMINISHED = ("dim", (0, 3, 6), (0, 2, 3, 5, 6, 8, 9, 11))
    AUGMENTED = ("aug", (0, 4, 8), (0, 2, 4, 6, 8, 10))
    SUS4 = ("sus4", (0, 5, 7), (0, 2, 4, 5, 7, 9, 10))
    DOMINANT7_SUS4 = ("7sus4", (0, 5, 7, 10), (0, 2, 4, 5, 7, 9, 10))
    MAJOR6 = ("6", (0, 4, 7, 9), (0, 2, 4, 5, 7, 9, 11))
    MINOR6 = ("m6", (0, 3, 7, 9), (0, 2, 3, 5, 7, 9, 11))
    MINOR_MAJOR7 = ("mM7", (0, 3, 7, 11), (0, 2, 3, 5, 7, 9, 11))

    @property
    def suffix(self) -> str:
        return self.value[0]

    @property
    def intervals(self) -> tuple[int, ...]:
        return self.value[1]

    @property
    def scale_intervals(self) -> tuple[int, ...]:
        return self.value[2]


@dataclass(frozen=True)
class Chord:
    """A chord: root pitch class 0..11 and a quality. Slash basses are not kept."""

    root: int
    quality: ChordQuality

    def __post_init__(self) -> None:
        if not 0 <= self.root <= 11:
            raise ValueError(f"chord root must be a pitch class in 0..11, got {self.root}")

    @property
    def symbol(self) -> str:
        """Chord symbol text, e.g. 'Dm7', 'Bbmaj7', 'F#m7b5'."""
        return PITCH_CLASS_NAMES[self.root] + self.quality.suffix

    @property
    def pitch_classes(self) -> frozenset[int]:
        return chord_pitch_classes(self)

    @property
    def scale_pitch_classes(self) -> frozenset[int]:
        return scale_pitch_classes(self)

    def transpose(self, semitones: int) -> Chord:
        return Chord((self.root + semitones) % 12, self.quality)

    def __str__(self) -> str:
        return self.symbol


@functools.cache
def chord_pitch_classes(chord: Chord) -> frozenset[int]:
    """Pitch classes of the chord's tones."""
    return frozenset((chord.root + i) % 12 for i in chord.quality.intervals)


@functools.cache
def scale_pitch_classes(chord: Chord) -> frozenset[int]:
    """Pitch classes of the chord scale (always includes the chord tones)."""
    scale = {(chord.root + i) % 12 for i in chord.quality.scale_intervals}
    return frozenset(scale | chord_pitch_classes(chord))


@functools.cache
def type_pitch_classes(chord: Chord) -> Mapping[NoteType, frozenset[int]]:
    """Partition of the 12 pitch classes by grammar type over `chord` (priority C>S>A>X)."""
    chord_pcs = chord_pitch_classes(chord)
    scale_pcs = scale_pitch_classes(chord) - chord_pcs
    approach = {(pc + d) % 12 for pc in chord_pcs for d in (-1, 1)} - chord_pcs - scale_pcs
    other = frozenset(range(12)) - chord_pcs - scale_pcs - approach
    return MappingProxyType(
        {
            NoteType.CHORD: chord_pcs,
            NoteType.SCALE: frozenset(scale_pcs),
            NoteType.APPROACH: frozenset(approach),
            NoteType.OTHER: frozenset(other),
        }
    )  # read-only: the cached value is shared by every caller


def classify_pitch(pitch: int, chord: Chord) -> NoteType:
    """Grammar type of a MIDI pitch over a chord: C, S, A or X (never R)."""
    pc = pitch % 12
    for note_type, pcs in type_pitch_classes(chord).items():
        if pc in pcs:
            return note_type
    raise AssertionError("type_pitch_classes partitions all 12 pitch classes")  # unreachable


# --- chord symbols -------------------------------------------------------------------------

_ROOT_RE = re.compile(r"^([A-Ga-g])([#b]*)")


def _quality_from_pitch_classes(root: int, pcs: set[int]) -> ChordQuality:
    """The quality whose tones best match `pcs` (relative to `root`)."""
    rel = {(pc - root) % 12 for pc in pcs}
    for quality in ChordQuality:
        if set(quality.intervals) == rel:
            return quality
    # Extensions (9ths, 13ths, altered): the quality sharing the most tones, fewest extra.
    return max(
        ChordQuality,
        key=lambda q: (
            len(rel & set(q.intervals)) - len(set(q.intervals) - rel),
            -len(q.intervals),
        ),
    )


@functools.lru_cache(maxsize=1024)
def parse_chord_symbol(text: str) -> Chord:
    """Parse a chord symbol such as 'Dm7', 'G7', 'Bbmaj7', 'F#m7b5', 'C6', 'Ebdim7'.

    music21's harmony.ChordSymbol does the parsing; its pitch classes are then mapped to
    the nearest `ChordQuality` (exact set first, else the best overlap, so 'G13' -> G7).
    A slash bass ('C7/E') is dropped. Raises ChordSymbolError with the offending text.
    """
    symbol = text.strip()
    match = _ROOT_RE.match(symbol)
    if not symbol or match is None:
        raise ChordSymbolError(f"cannot parse chord symbol {text!r}: it must start with A-G")
    letter, accidentals = match.group(1).upper(), match.group(2)
    root = _NOTE_LETTER_PC[letter] + sum(1 if a == "#" else -1 for a in accidentals)
    root %= 12
    rest = symbol[match.end() :].split("/")[0]
    # music21 spells flats "-"; in jazz text "-" after the root means minor (Bb-7 = Bbm7).
    m21_text = letter + accidentals.replace("b", "-") + rest
    quick = _QUICK_SUFFIXES.get(rest)
    if quick is not None:
        return Chord(root, quick)
    try:
        from music21 import harmony

        cs = harmony.ChordSymbol(m21_text)
        pcs = {p.pitchClass for p in cs.pitches}
    except Exception as exc:  # music21 raises many exception types for bad symbols
        raise ChordSymbolError(f"cannot parse chord symbol {text!r}: {exc}") from None
    if not pcs or cs.chordKind in (None, "none"):
        raise ChordSymbolError(f"cannot parse chord symbol {text!r}: no chord kind recognised")
    return Chord(root, _quality_from_pitch_classes(root, pcs))


# Common spellings resolved without importing music21 (checked against music21 in tests).
_QUICK_SUFFIXES: dict[str, ChordQuality] = {
    **{q.suffix: q for q in ChordQuality},
    "M": ChordQuality.MAJOR,
    "maj": ChordQuality.MAJOR,
    "min": ChordQuality.MINOR,
    "-": ChordQuality.MINOR,
    "M7": ChordQuality.MAJOR7,
    "Maj7": ChordQuality.MAJOR7,
    "^7": ChordQuality.MAJOR7,
    "min7": ChordQuality.MINOR7,
    "-7": ChordQuality.MINOR7,
    "ø": ChordQuality.HALF_DIMINISHED,
    "ø7": ChordQuality.HALF_DIMINISHED,
    "m7-5": ChordQuality.HALF_DIMINISHED,
    "o7": ChordQuality.DIMINISHED7,
    "o": ChordQuality.DIMINISHED,
    "+": ChordQuality.AUGMENTED,
    "sus": ChordQuality.SUS4,
    "7sus": ChordQuality.DOMINANT7_SUS4,
    "9": ChordQuality.DOMINANT7,
    "13": ChordQuality.DOMINANT7,
    "m9": ChordQuality.MINOR7,
    "maj9": ChordQuality.MAJOR7,
    "69": ChordQuality.MAJOR6,
    "m6": ChordQuality.MINOR6,
    # Extensions and alterations keep their basic quality (what music21's tones map to).
    "7b9": ChordQuality.DOMINANT7,
    "7#9": ChordQuality.DOMINANT7,
    "7#11": ChordQuality.DOMINANT7,
    "7b13": ChordQuality.DOMINANT7,
    "7b5": ChordQuality.DOMINANT7,
    "7alt": ChordQuality.DOMINANT7,  # music21 does not know 'alt'
    "alt": ChordQuality.DOMINANT7,
    "11": ChordQuality.DOMINANT7,
    "9sus4": ChordQuality.DOMINANT7_SUS4,
    "13sus4": ChordQuality.DOMINANT7_SUS4,
    "9sus": ChordQuality.DOMINANT7_SUS4,
    "13sus": ChordQuality.DOMINANT7_SUS4,
    "m11": ChordQuality.MINOR7,
    "m7b9": ChordQuality.MINOR7,
    "maj7#11": ChordQuality.MAJOR7,
    "add9": ChordQuality.MAJOR,
    "7#5": ChordQuality.AUGMENTED,
    "aug7": ChordQuality.AUGMENTED,
    "+7": ChordQuality.AUGMENTED,
    "mMaj7": ChordQuality.MINOR_MAJOR7,
    "m(maj7)": ChordQuality.MINOR_MAJOR7,
    "mmaj7": ChordQuality.MINOR_MAJOR7,
}


def parse_progression(text: str) -> list[list[Chord]]:
    """Parse 'Dm7 G7 | Cmaj7 | Cmaj7 | A7' into bars of chords (several per bar allowed).

    Empty bars, or a bar of only '%', repeat the previous bar's last chord.
    """
    if not text.strip():
        raise ChordSymbolError("chord progression is empty: write e.g. 'Dm7 G7 | Cmaj7'")
    bars: list[list[Chord]] = []
    for bar_text in text.split("|"):
        symbols = bar_text.split()
        if not symbols or symbols == ["%"]:
            if not bars:
                if not symbols:
                    continue
                raise ChordSymbolError("chord progression cannot start with a repeat '%'")
            bars.append([bars[-1][-1]])
            continue
        bars.append([parse_chord_symbol(s) for s in symbols])
    if not bars:
        raise ChordSymbolError(f"chord progression {text!r} has no chords")
    return bars


CHORD_FEATURES = 24
"""Length of `chord_features`: 12 chord-tone pitch-class bits + 12 one-hot root bits."""


@functools.cache
def chord_features(chord: Chord) -> tuple[float, ...]:
    """The per-step chord input of the model: 12 pitch-class bits, then a one-hot root."""
    pcs = chord_pitch_classes(chord)
    return tuple(1.0 if pc in pcs else 0.0 for pc in range(12)) + tuple(
        1.0 if pc == chord.root else 0.0 for pc in range(12)
    )
