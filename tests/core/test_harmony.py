"""Chord qualities, chord scales and the `Chord` value, checked against music21."""

from __future__ import annotations

import pytest

from jazzgen.core.harmony import (
    CHORD_FEATURES,
    PITCH_CLASS_NAMES,
    Chord,
    ChordQuality,
    NoteType,
    chord_features,
    type_pitch_classes,
)

Q = ChordQuality

# music21's scale for each quality's chord scale: (class, tonic above the root, mode).
# Melodic-minor and harmonic-minor modes are those scales from another tonic: the altered
# scale is melodic minor a half step up, Lydian dominant melodic minor a fifth up, ...
M21_SCALES = {
    Q.MAJOR: ("MajorScale", 0, None),
    Q.MINOR: ("DorianScale", 0, None),
    Q.DOMINANT7: ("MixolydianScale", 0, None),
    Q.MAJOR7: ("MajorScale", 0, None),
    Q.MINOR7: ("DorianScale", 0, None),
    Q.HALF_DIMINISHED: ("LocrianScale", 0, None),
    Q.DIMINISHED7: ("OctatonicScale", 0, None),  # whole-half
    Q.DIMINISHED: ("OctatonicScale", 0, None),
    Q.AUGMENTED: ("WholeToneScale", 0, None),
    Q.SUS4: ("MixolydianScale", 0, None),
    Q.DOMINANT7_SUS4: ("MixolydianScale", 0, None),
    Q.MAJOR6: ("MajorScale", 0, None),
    Q.MINOR6: ("MelodicMinorScale", 0, None),
    Q.MINOR_MAJOR7: ("MelodicMinorScale", 0, None),
    Q.DOMINANT7_FLAT9: ("OctatonicScale", 0, 1),  # half-whole
    Q.DOMINANT7_SHARP9: ("OctatonicScale", 0, 1),
    Q.DOMINANT7_SHARP11: ("MelodicMinorScale", 7, None),  # Lydian dominant
    Q.DOMINANT7_FLAT13: ("MelodicMinorScale", 5, None),  # Mixolydian b13
    Q.DOMINANT7_FLAT9_FLAT13: ("HarmonicMinorScale", 5, None),  # Phrygian dominant
    Q.ALTERED: ("MelodicMinorScale", 1, None),  # altered
    Q.DOMINANT7_SHARP5: ("WholeToneScale", 0, None),
    Q.DOMINANT7_FLAT5: ("WholeToneScale", 0, None),
    Q.DOMINANT7_SUS4_FLAT9: ("PhrygianScale", 0, None),
    Q.MAJOR7_SHARP11: ("LydianScale", 0, None),
    Q.MAJOR7_SHARP5: ("MelodicMinorScale", 9, None),  # Lydian augmented
    Q.MINOR7_FLAT9: ("PhrygianScale", 0, None),
    Q.SUS2: ("MajorScale", 0, None),
}

# music21 does not know 'alt': its tones are those of C7#5#9.
M21_SUFFIX = {Q.ALTERED: "7#5#9"}

ORIGINAL_14 = (
    "MAJOR", "MINOR", "DOMINANT7", "MAJOR7", "MINOR7", "HALF_DIMINISHED", "DIMINISHED7",
    "DIMINISHED", "AUGMENTED", "SUS4", "DOMINANT7_SUS4", "MAJOR6", "MINOR6", "MINOR_MAJOR7",
)  # fmt: skip


@pytest.mark.parametrize("quality", list(ChordQuality))
def test_chord_tones_match_music21(quality: ChordQuality) -> None:
    harmony = pytest.importorskip("music21.harmony")
    for root in (0, 3, 10):
        suffix = M21_SUFFIX.get(quality, quality.suffix)
        name = PITCH_CLASS_NAMES[root].replace("b", "-") + suffix
        m21 = {p.pitchClass for p in harmony.ChordSymbol(name).pitches}
        assert m21 == set(Chord(root, quality).pitch_classes), name


@pytest.mark.parametrize("quality", list(ChordQuality))
def test_chord_scales_match_music21(quality: ChordQuality) -> None:
    scale = pytest.importorskip("music21.scale")
    name, tonic, mode = M21_SCALES[quality]
    cls = getattr(scale, name)
    tonic_name = PITCH_CLASS_NAMES[tonic].replace("b", "-")
    built = cls(tonic_name) if mode is None else cls(tonic_name, mode=mode)
    pitches = built.getPitches(f"{tonic_name}4", f"{tonic_name}5")
    assert {p.pitchClass for p in pitches} == set(quality.scale_intervals)


@pytest.mark.parametrize("quality", list(ChordQuality))
def test_quality_tables(quality: ChordQuality) -> None:
    """Root first, the 3rd (or sus tone), 5th and 7th/6th in their places (the comping
    voicings index them), no repeats, every chord tone in the chord scale."""
    tones = quality.intervals
    assert tones[0] == 0 and len(set(tones)) == len(tones)
    assert tones[1] in (2, 3, 4, 5) and tones[2] in (6, 7, 8)
    assert set(tones) <= set(quality.scale_intervals)
    assert quality.scale_intervals == tuple(sorted(quality.scale_intervals))
    assert quality.basic.name in ORIGINAL_14


def test_the_first_14_qualities_are_unchanged_and_inferable() -> None:
    from jazzgen.analysis import chord_inference

    assert tuple(q.name for q in ChordQuality)[:14] == ORIGINAL_14
    assert tuple(q.name for q in chord_inference.INFERABLE_QUALITIES) == ORIGINAL_14
    inferred = {chord.quality for chord in chord_inference._TEMPLATE_CHORDS}
    assert inferred == set(chord_inference.INFERABLE_QUALITIES)
    assert all(q.basic is q for q in chord_inference.INFERABLE_QUALITIES)


@pytest.mark.parametrize("chord", [Chord(r, q) for r in (0, 7) for q in ChordQuality])
def test_types_partition_the_octave(chord: Chord) -> None:
    parts = type_pitch_classes(chord)
    union = set().union(*parts.values())
    assert union == set(range(12))
    assert sum(len(p) for p in parts.values()) == 12
    assert parts[NoteType.CHORD] == chord.pitch_classes


def test_chord_features() -> None:
    features = chord_features(Chord(2, Q.MINOR7))
    assert len(features) == CHORD_FEATURES == 24
    assert [i for i in range(12) if features[i]] == [0, 2, 5, 9]
    assert [i for i in range(12) if features[12 + i]] == [2]


@pytest.mark.parametrize("quality", list(ChordQuality))
def test_chord_features_of_every_quality(quality: ChordQuality) -> None:
    """24 numbers for every quality: its tones, then the root; the slash bass is not in it."""
    chord = Chord(7, quality)
    features = chord_features(chord)
    assert len(features) == CHORD_FEATURES
    assert {i for i in range(12) if features[i]} == chord.pitch_classes
    assert [i for i in range(12) if features[12 + i]] == [7]
    assert chord_features(Chord(7, quality, 11)) == features


def test_altered_qualities_set_their_tones() -> None:
    g = 7
    assert Chord(g, Q.DOMINANT7_FLAT9).pitch_classes == {7, 11, 2, 5, 8}  # G B D F Ab
    assert Chord(g, Q.ALTERED).pitch_classes == {7, 11, 3, 5, 10}  # G B D# F A#
    assert Chord(g, Q.ALTERED).scale_pitch_classes == {7, 8, 10, 11, 1, 3, 5}


def test_chord_with_slash_bass() -> None:
    chord = Chord(0, Q.DOMINANT7, 4)
    assert chord.symbol == str(chord) == "C7/E"
    assert chord.bass_pitch_class == 4 and Chord(0, Q.DOMINANT7).bass_pitch_class == 0
    assert chord.pitch_classes == Chord(0, Q.DOMINANT7).pitch_classes
    assert chord.transpose(3) == Chord(3, Q.DOMINANT7, 7)
    assert chord.transpose(3).symbol == "Eb7/G"
    assert Chord(0, Q.MAJOR, 0) == Chord(0, Q.MAJOR) and Chord(0, Q.MAJOR, 0).bass is None
    assert chord != Chord(0, Q.DOMINANT7)
    with pytest.raises(ValueError, match=r"bass must be a pitch class in 0\.\.11 or None, got 12"):
        Chord(0, Q.MAJOR, 12)
    with pytest.raises(ValueError, match=r"root must be a pitch class in 0\.\.11, got -1"):
        Chord(-1, Q.MAJOR)
