"""Chords, chord qualities, chord scales and the classification of pitches over a chord.

A `Chord` is a root pitch class (0 = C .. 11 = B), a `ChordQuality` and an optional slash
bass (the pitch class the bass part plays, `C7/E`). Qualities carry their chord tones
(intervals above the root) and the chord scale the grammar uses (chord-scale theory:
dominant -> Mixolydian, minor seventh -> Dorian, 7alt -> altered, 7#11 -> Lydian dominant,
...). The first 14 qualities are the ones chord inference finds in MIDI; the others come
from chord symbols whose alterations change what a player plays (see `ChordQuality`).
The tables are checked against music21 in tests (music21 is the reference for chord
symbols and scales; we keep small literal tables so the hot paths never import it).

Chord symbols as text are read by `jazzgen.core.chord_symbols.parse_chord_symbol`.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

PITCH_CLASS_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

MAJOR_KEY_NAMES = {
    -7: "Cb", -6: "Gb", -5: "Db", -4: "Ab", -3: "Eb", -2: "Bb", -1: "F", 0: "C",
    1: "G", 2: "D", 3: "A", 4: "E", 5: "B", 6: "F#", 7: "C#",
}  # fmt: skip
"""Major keys by the sharps (+) or flats (-) of their key signature (as mido names them)."""


class NoteType(enum.Enum):
    """Grammar class of a melody event relative to the sounding chord (priority order)."""

    CHORD = "C"  # pitch class is a chord tone
    SCALE = "S"  # in the chord scale, not a chord tone
    APPROACH = "A"  # a semitone from a chord tone, neither of the above
    OTHER = "X"  # anything else
    REST = "R"  # no pitch


# Chord scales as intervals above the chord root (the scale's mode, where it is one).
_IONIAN = (0, 2, 4, 5, 7, 9, 11)
_DORIAN = (0, 2, 3, 5, 7, 9, 10)
_PHRYGIAN = (0, 1, 3, 5, 7, 8, 10)
_LYDIAN = (0, 2, 4, 6, 7, 9, 11)
_MIXOLYDIAN = (0, 2, 4, 5, 7, 9, 10)
_LOCRIAN = (0, 1, 3, 5, 6, 8, 10)
_MELODIC_MINOR = (0, 2, 3, 5, 7, 9, 11)
_LYDIAN_AUGMENTED = (0, 2, 4, 6, 8, 9, 11)  # 3rd mode of melodic minor
_LYDIAN_DOMINANT = (0, 2, 4, 6, 7, 9, 10)  # 4th mode of melodic minor
_MIXOLYDIAN_FLAT13 = (0, 2, 4, 5, 7, 8, 10)  # 5th mode of melodic minor
_ALTERED = (0, 1, 3, 4, 6, 8, 10)  # 7th mode of melodic minor: 1 b9 #9 3 #11 b13 b7
_PHRYGIAN_DOMINANT = (0, 1, 4, 5, 7, 8, 10)  # 5th mode of harmonic minor
_WHOLE_HALF = (0, 2, 3, 5, 6, 8, 9, 11)  # diminished scale from a whole step
_HALF_WHOLE = (0, 1, 3, 4, 6, 7, 9, 10)  # diminished scale from a half step: 1 b9 #9 3 #11 5 13 b7
_WHOLE_TONE = (0, 2, 4, 6, 8, 10)


class ChordQuality(enum.Enum):
    """Chord quality: (symbol suffix, chord tones above the root, chord-scale intervals).

    The chord tones are listed root, third, fifth, seventh (or sixth), then tensions; they
    are what the model's chord input (`chord_features`) and the grammar's chord-tone class
    see. Natural extensions (9, 11, 13, 6/9) keep the quality of their seventh chord: they
    do not change the chord scale (C9 and C13 are C7: Mixolydian holds the 9th and 13th).
    Alterations do, so they have qualities of their own (the members after MINOR_MAJOR7):

    - 7b9: half-whole diminished (b9, #9, #11 and 13 over a dominant; the 5 stays)
    - 7#9: half-whole diminished too (the chord keeps its natural 5, which the altered
      scale lacks; `7#9b13` and `7#5#9` are 7alt)
    - 7#11: Lydian dominant; 7b13: Mixolydian b13; 7b9b13: Phrygian dominant (the V7 of a
      minor key); 7alt: altered (chord tones 1 3 b7 #9 b13, the usual alt voicing)
    - 7#5 (+7, aug7) and 7b5: whole tone
    - 7sus4b9 and m7b9: Phrygian (the "sus b9" and "Phrygian" chords of modal jazz)
    - maj7#11: Lydian; maj7#5 (+maj7): Lydian augmented
    - sus2: major (Ionian): a major chord with the 9th in place of the 3rd

    The first 14 keep the scales they always had: m7b5 Locrian, dim/dim7 whole-half
    diminished, aug whole tone, sus4/7sus4 Mixolydian, m6/mM7 melodic minor (chord
    inference uses exactly these 14, so the corpus does not change).
    """

    MAJOR = ("", (0, 4, 7), _IONIAN)
    MINOR = ("m", (0, 3, 7), _DORIAN)
    DOMINANT7 = ("7", (0, 4, 7, 10), _MIXOLYDIAN)
    MAJOR7 = ("maj7", (0, 4, 7, 11), _IONIAN)
    MINOR7 = ("m7", (0, 3, 7, 10), _DORIAN)
    HALF_DIMINISHED = ("m7b5", (0, 3, 6, 10), _LOCRIAN)
    DIMINISHED7 = ("dim7", (0, 3, 6, 9), _WHOLE_HALF)
    DIMINISHED = ("dim", (0, 3, 6), _WHOLE_HALF)
    AUGMENTED = ("aug", (0, 4, 8), _WHOLE_TONE)
    SUS4 = ("sus4", (0, 5, 7), _MIXOLYDIAN)
    DOMINANT7_SUS4 = ("7sus4", (0, 5, 7, 10), _MIXOLYDIAN)
    MAJOR6 = ("6", (0, 4, 7, 9), _IONIAN)
    MINOR6 = ("m6", (0, 3, 7, 9), _MELODIC_MINOR)
    MINOR_MAJOR7 = ("mM7", (0, 3, 7, 11), _MELODIC_MINOR)
    # qualities from chord symbols only (never inferred from MIDI)
    DOMINANT7_FLAT9 = ("7b9", (0, 4, 7, 10, 1), _HALF_WHOLE)
    DOMINANT7_SHARP9 = ("7#9", (0, 4, 7, 10, 3), _HALF_WHOLE)
    DOMINANT7_SHARP11 = ("7#11", (0, 4, 7, 10, 6), _LYDIAN_DOMINANT)
    DOMINANT7_FLAT13 = ("7b13", (0, 4, 7, 10, 8), _MIXOLYDIAN_FLAT13)
    DOMINANT7_FLAT9_FLAT13 = ("7b9b13", (0, 4, 7, 10, 1, 8), _PHRYGIAN_DOMINANT)
    ALTERED = ("7alt", (0, 4, 8, 10, 3), _ALTERED)
    DOMINANT7_SHARP5 = ("7#5", (0, 4, 8, 10), _WHOLE_TONE)
    DOMINANT7_FLAT5 = ("7b5", (0, 4, 6, 10), _WHOLE_TONE)
    DOMINANT7_SUS4_FLAT9 = ("7sus4b9", (0, 5, 7, 10, 1), _PHRYGIAN)
    MAJOR7_SHARP11 = ("maj7#11", (0, 4, 7, 11, 6), _LYDIAN)
    MAJOR7_SHARP5 = ("maj7#5", (0, 4, 8, 11), _LYDIAN_AUGMENTED)
    MINOR7_FLAT9 = ("m7b9", (0, 3, 7, 10, 1), _PHRYGIAN)
    SUS2 = ("sus2", (0, 2, 7), _IONIAN)

    @property
    def suffix(self) -> str:
        return self.value[0]

    @property
    def intervals(self) -> tuple[int, ...]:
        return self.value[1]

    @property
    def scale_intervals(self) -> tuple[int, ...]:
        return self.value[2]

    @property
    def basic(self) -> ChordQuality:
        """The plain quality (one of the first 14, which chord inference knows) that this
        one alters: 7b9 -> 7, maj7#11 -> maj7, m7b9 -> m7; the first 14 are their own."""
        return _BASIC.get(self, self)


_BASIC = {
    ChordQuality.DOMINANT7_FLAT9: ChordQuality.DOMINANT7,
    ChordQuality.DOMINANT7_SHARP9: ChordQuality.DOMINANT7,
    ChordQuality.DOMINANT7_SHARP11: ChordQuality.DOMINANT7,
    ChordQuality.DOMINANT7_FLAT13: ChordQuality.DOMINANT7,
    ChordQuality.DOMINANT7_FLAT9_FLAT13: ChordQuality.DOMINANT7,
    ChordQuality.ALTERED: ChordQuality.DOMINANT7,
    ChordQuality.DOMINANT7_SHARP5: ChordQuality.DOMINANT7,
    ChordQuality.DOMINANT7_FLAT5: ChordQuality.DOMINANT7,
    ChordQuality.DOMINANT7_SUS4_FLAT9: ChordQuality.DOMINANT7_SUS4,
    ChordQuality.MAJOR7_SHARP11: ChordQuality.MAJOR7,
    ChordQuality.MAJOR7_SHARP5: ChordQuality.MAJOR7,
    ChordQuality.MINOR7_FLAT9: ChordQuality.MINOR7,
    ChordQuality.SUS2: ChordQuality.SUS4,
}


@dataclass(frozen=True)
class Chord:
    """A chord: root pitch class 0..11, a quality, and an optional slash bass 0..11.

    `bass` is the note the bass part plays under the chord (`C7/E` -> 4); it does not
    change the chord tones or the chord scale. A bass equal to the root is no slash bass
    (stored as None), so `Chord(0, q, 0) == Chord(0, q)`.
    """

    root: int
    quality: ChordQuality
    bass: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.root <= 11:
            raise ValueError(f"chord root must be a pitch class in 0..11, got {self.root}")
        if self.bass is not None and not 0 <= self.bass <= 11:
            raise ValueError(f"chord bass must be a pitch class in 0..11 or None, got {self.bass}")
        if self.bass == self.root:
            object.__setattr__(self, "bass", None)

    @property
    def symbol(self) -> str:
        """Chord symbol text, e.g. 'Dm7', 'Bbmaj7', 'F#m7b5', 'G7alt', 'C7/E'."""
        slash = "" if self.bass is None else "/" + PITCH_CLASS_NAMES[self.bass]
        return PITCH_CLASS_NAMES[self.root] + self.quality.suffix + slash

    @property
    def bass_pitch_class(self) -> int:
        """The pitch class the bass plays on the chord: the slash bass, else the root."""
        return self.root if self.bass is None else self.bass

    @property
    def pitch_classes(self) -> frozenset[int]:
        return chord_pitch_classes(self)

    @property
    def scale_pitch_classes(self) -> frozenset[int]:
        return scale_pitch_classes(self)

    def transpose(self, semitones: int) -> Chord:
        bass = None if self.bass is None else (self.bass + semitones) % 12
        return Chord((self.root + semitones) % 12, self.quality, bass)

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


# --- model input ---------------------------------------------------------------------------


CHORD_FEATURES = 24
"""Length of `chord_features`: 12 chord-tone pitch-class bits + 12 one-hot root bits."""


@functools.cache
def chord_features(chord: Chord) -> tuple[float, ...]:
    """The per-step chord input of the model: 12 pitch-class bits, then a one-hot root.

    Every quality sets the bits of its chord tones (7alt: 1 3 #5 b7 #9); a slash bass is
    not part of the input (the model sees the chord above it).
    """
    pcs = chord_pitch_classes(chord)
    return tuple(1.0 if pc in pcs else 0.0 for pc in range(12)) + tuple(
        1.0 if pc == chord.root else 0.0 for pc in range(12)
    )
