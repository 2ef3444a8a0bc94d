"""Chord qualities, chord scales and symbol parsing, checked against music21."""

from __future__ import annotations

import pytest

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.harmony import (
    PITCH_CLASS_NAMES,
    Chord,
    ChordQuality,
    NoteType,
    chord_features,
    type_pitch_classes,
)
from jazzgen.io.charts import parse_progression

# music21's chord-scale classes for each quality (what the literal tables must equal).
M21_SCALES = {
    ChordQuality.MAJOR: "MajorScale",
    ChordQuality.MINOR: "DorianScale",
    ChordQuality.DOMINANT7: "MixolydianScale",
    ChordQuality.MAJOR7: "MajorScale",
    ChordQuality.MINOR7: "DorianScale",
    ChordQuality.HALF_DIMINISHED: "LocrianScale",
    ChordQuality.DIMINISHED7: "OctatonicScale",
    ChordQuality.DIMINISHED: "OctatonicScale",
    ChordQuality.AUGMENTED: "WholeToneScale",
    ChordQuality.SUS4: "MixolydianScale",
    ChordQuality.DOMINANT7_SUS4: "MixolydianScale",
    ChordQuality.MAJOR6: "MajorScale",
    ChordQuality.MINOR6: "MelodicMinorScale",
    ChordQuality.MINOR_MAJOR7: "MelodicMinorScale",
}


@pytest.mark.parametrize("quality", list(ChordQuality))
def test_chord_tones_match_music21(quality: ChordQuality) -> None:
    from music21 import harmony

    for root in (0, 3, 10):
        name = PITCH_CLASS_NAMES[root].replace("b", "-") + quality.suffix
        m21 = {p.pitchClass for p in harmony.ChordSymbol(name).pitches}
        assert m21 == set(Chord(root, quality).pitch_classes), name


@pytest.mark.parametrize("quality", list(ChordQuality))
def test_chord_scales_match_music21(quality: ChordQuality) -> None:
    from music21 import scale

    cls = getattr(scale, M21_SCALES[quality])
    pitches = cls("C").getPitches("C4", "B4")
    assert {p.pitchClass for p in pitches} == set(quality.scale_intervals)


@pytest.mark.parametrize("chord", [Chord(r, q) for r in (0, 7) for q in ChordQuality])
def test_types_partition_the_octave(chord: Chord) -> None:
    parts = type_pitch_classes(chord)
    union = set().union(*parts.values())
    assert union == set(range(12))
    assert sum(len(p) for p in parts.values()) == 12
    assert parts[NoteType.CHORD] == chord.pitch_classes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dm7", "Dm7"),
        ("G7", "G7"),
        ("Bbmaj7", "Bbmaj7"),
        ("F#m7b5", "F#m7b5"),
        ("Ebdim7", "Ebdim7"),
        ("C6", "C6"),
        ("G13", "G7"),
        ("Abm9", "Abm7"),
        ("C7/E", "C7"),
        ("Bb-7", "Bbm7"),
        ("CM7", "Cmaj7"),
        ("C7b9", "C7"),
        ("Cadd9", "C"),
    ],
)
def test_parse_chord_symbol(text: str, expected: str) -> None:
    assert parse_chord_symbol(text).symbol == expected


@pytest.mark.parametrize("bad", ["H7", "X", "", "Cxyz", "7"])
def test_bad_chord_symbols(bad: str) -> None:
    with pytest.raises(ChordSymbolError, match="chord symbol"):
        parse_chord_symbol(bad)


def test_parse_progression() -> None:
    bars = parse_progression("Dm7 G7 | Cmaj7 | % | A7")
    assert [[c.symbol for c in bar] for bar in bars] == [
        ["Dm7", "G7"],
        ["Cmaj7"],
        ["Cmaj7"],
        ["A7"],
    ]
    with pytest.raises(ChordSymbolError):
        parse_progression("H7 | X")
    with pytest.raises(ChordSymbolError):
        parse_progression("   ")


def test_chord_features() -> None:
    features = chord_features(Chord(2, ChordQuality.MINOR7))
    assert len(features) == 24
    assert [i for i in range(12) if features[i]] == [0, 2, 5, 9]
    assert [i for i in range(12) if features[12 + i]] == [2]


def test_quick_suffixes_agree_with_music21() -> None:
    """The no-music21 fast path must give what the music21 path gives, where it parses."""
    from music21 import harmony

    from jazzgen.core.chord_symbols import _QUICK_SUFFIXES, _quality_from_pitch_classes

    checked = 0
    for suffix, quality in _QUICK_SUFFIXES.items():
        if suffix == "69" or suffix.startswith("-"):
            continue  # music21 reads C69 as C D A (ours: C6), and C- as C-flat (ours: Cm)
        try:
            pcs = {p.pitchClass for p in harmony.ChordSymbol("C" + suffix).pitches}
        except Exception:  # music21 does not know this spelling (alt, 9sus4, ø, -7...)
            continue
        if not pcs:
            continue
        assert _quality_from_pitch_classes(0, pcs) is quality, suffix
        checked += 1
    assert checked >= 25
