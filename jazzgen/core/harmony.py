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
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

PITCH_CLASS_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


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


CHORD_FEATURES = 24
"""Length of `chord_features`: 12 chord-tone pitch-class bits + 12 one-hot root bits."""


@functools.cache
def chord_features(chord: Chord) -> tuple[float, ...]:
    """The per-step chord input of the model: 12 pitch-class bits, then a one-hot root."""
    pcs = chord_pitch_classes(chord)
    return tuple(1.0 if pc in pcs else 0.0 for pc in range(12)) + tuple(
        1.0 if pc == chord.root else 0.0 for pc in range(12)
    )
