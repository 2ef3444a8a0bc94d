"""The chord-symbol parser: chart spellings, the Weimar Jazz Database dialect, music21."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jazzgen.core.chord_symbols import (
    ACCEPTED_FORMS,
    is_no_chord,
    nearest_quality,
    parse_chord_label,
    parse_chord_symbol,
    quality_from_pitch_classes,
    spell_chord_symbol,
)
from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.harmony import PITCH_CLASS_NAMES, Chord, ChordQuality

Q = ChordQuality
ROOT = Path(__file__).resolve().parents[2]

# Pitch classes of written note names, independent of the parser.
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _pc(name: str) -> int:
    return (_LETTER[name[0]] + name.count("#") - name.count("b")) % 12


# --- spellings musicians write -------------------------------------------------------------

SPELLINGS = [
    # major seventh: maj M j ^ Δ (Δ, ^ and j alone are maj7)
    ("CΔ7", "Cmaj7"),
    ("C^7", "Cmaj7"),
    ("Cmaj7", "Cmaj7"),
    ("CM7", "Cmaj7"),
    ("Cj7", "Cmaj7"),
    ("CΔ", "Cmaj7"),
    ("C^", "Cmaj7"),
    ("CMaj7", "Cmaj7"),
    ("Cma7", "Cmaj7"),
    ("Cmaj9", "Cmaj7"),
    ("Cmaj13", "Cmaj7"),
    ("Cmaj", "C"),
    ("CM", "C"),
    # minor: - m min mi
    ("C-7", "Cm7"),
    ("Cm7", "Cm7"),
    ("Cmin7", "Cm7"),
    ("Cmi7", "Cm7"),
    ("C-", "Cm"),
    ("Cmin", "Cm"),
    ("Cm9", "Cm7"),
    ("Cm11", "Cm7"),
    ("Cm13", "Cm7"),
    ("Bb-7", "Bbm7"),
    # half-diminished
    ("Cø", "Cm7b5"),
    ("Cø7", "Cm7b5"),
    ("Cm7b5", "Cm7b5"),
    ("C-7b5", "Cm7b5"),
    ("Cm7-5", "Cm7b5"),
    ("Cmi7b5", "Cm7b5"),
    # diminished
    ("C°7", "Cdim7"),
    ("Co7", "Cdim7"),
    ("Cdim7", "Cdim7"),
    ("Cdim", "Cdim"),
    ("Co", "Cdim"),
    ("C°", "Cdim"),
    # augmented
    ("C+", "Caug"),
    ("Caug", "Caug"),
    ("C#5", "Caug"),  # no power chords: C#5 is C(#5), not C-sharp 5
    ("C(#5)", "Caug"),
    ("C+7", "C7#5"),
    ("Caug7", "C7#5"),
    ("C7+", "C7#5"),
    ("C7#5", "C7#5"),
    ("C9#5", "C7#5"),
    ("C+j7", "Cmaj7#5"),
    ("Cmaj7#5", "Cmaj7#5"),
    ("CΔ#5", "Cmaj7#5"),
    # suspended
    ("Csus", "Csus4"),
    ("Csus4", "Csus4"),
    ("Csus2", "Csus2"),
    ("C7sus4", "C7sus4"),
    ("C7sus", "C7sus4"),
    ("C9sus4", "C7sus4"),
    ("C13sus4", "C7sus4"),
    ("C7sus4b9", "C7sus4b9"),
    ("Csus(b9)", "C7sus4b9"),
    # sixths
    ("C6", "C6"),
    ("C6/9", "C6"),
    ("C69", "C6"),
    ("Cm6", "Cm6"),
    ("Cm6/9", "Cm6"),
    ("CM6", "C6"),
    ("Cadd13", "C6"),
    # extensions keep the seventh chord's quality
    ("C7", "C7"),
    ("C9", "C7"),
    ("C11", "C7"),
    ("C13", "C7"),
    ("Cadd9", "C"),
    ("C(add9)", "C"),
    ("Cmadd9", "Cm"),
    # alterations
    ("C7b9", "C7b9"),
    ("C7(b9)", "C7b9"),
    ("C7-9", "C7b9"),
    ("C13b9", "C7b9"),
    ("C7b9#11", "C7b9"),
    ("C7(b9,#11)", "C7b9"),
    ("C7(b9 #11)", "C7b9"),
    ("C7b9#9", "C7b9"),
    ("C(b9)", "C7b9"),
    ("C7#9", "C7#9"),
    ("C7+9", "C7#9"),
    ("C7#9#11", "C7#9"),
    ("C7#11", "C7#11"),
    ("C9#11", "C7#11"),
    ("C13#11", "C7#11"),
    ("C7(#11)", "C7#11"),
    ("C7b13", "C7b13"),
    ("C9b13", "C7b13"),
    ("C7b9b13", "C7b9b13"),
    ("C7(b9,b13)", "C7b9b13"),
    ("C7b5", "C7b5"),
    ("C9b5", "C7b5"),
    ("C7alt", "C7alt"),
    ("Calt", "C7alt"),
    ("C7#9b13", "C7alt"),
    ("C7#5#9", "C7alt"),
    ("C7#5b9", "C7alt"),
    ("C7b5b9", "C7alt"),
    ("Cmaj7#11", "Cmaj7#11"),
    ("Cmaj9#11", "Cmaj7#11"),
    ("CΔ7#11", "Cmaj7#11"),
    ("Cmaj7(#11)", "Cmaj7#11"),
    ("Cm7b9", "Cm7b9"),
    ("Cm(maj7)", "CmM7"),
    ("CmM7", "CmM7"),
    ("CmMaj7", "CmM7"),
    ("C-Δ7", "CmM7"),
    ("C-^7", "CmM7"),
    ("Cm(maj9)", "CmM7"),
    # slash basses
    ("C7/E", "C7/E"),
    ("F/A", "F/A"),
    ("Bb/D", "Bb/D"),
    ("Cm7/Bb", "Cm7/Bb"),
    ("D/C", "D/C"),
    ("C7/b9", "C7b9"),  # '/b9' is no bass (roots and basses are capitals)
    ("C/C", "C"),
    # roots and Unicode accidentals
    ("F#m7b5", "F#m7b5"),
    ("C#7", "Db7"),
    ("Cb", "B"),
    ("Fb7", "E7"),
    ("E♭maj7", "Ebmaj7"),
    ("F♯m7", "F#m7"),
    ("B♭−7", "Bbm7"),
    (" G7 ", "G7"),
]


@pytest.mark.parametrize(("text", "expected"), SPELLINGS)
def test_spellings(text: str, expected: str) -> None:
    assert parse_chord_symbol(text).symbol == expected


def test_slash_bass_is_kept_and_shown() -> None:
    chord = parse_chord_symbol("F/A")
    assert (chord.root, chord.quality, chord.bass) == (5, Q.MAJOR, 9)
    assert chord.symbol == "F/A" and chord.bass_pitch_class == 9
    assert chord.pitch_classes == parse_chord_symbol("F").pitch_classes
    assert parse_chord_symbol("C").bass is None and parse_chord_symbol("C").bass_pitch_class == 0


@pytest.mark.parametrize("text", ["N.C.", "NC", "N.C", "n.c.", "N/C", " NC "])
def test_no_chord(text: str) -> None:
    assert is_no_chord(text)
    assert parse_chord_label(text) is None
    with pytest.raises(ChordSymbolError, match="no chord"):
        parse_chord_symbol(text)


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("H7", "must start with a root A-G"),
        ("X", "must start with a root A-G"),
        ("7", "must start with a root A-G"),
        ("", "empty"),
        ("Cxyz", "'xyz' is not understood"),
        ("C5", "'5' is not understood"),
        ("c7", "must start with a root A-G"),
        ("C7b11", "b11 is not an alteration"),
        ("Dm7,G7,Cmaj7", "'G7,Cmaj7' is not understood"),  # several chords: a chart's job
    ],
)
def test_errors_name_the_symbol_and_the_accepted_forms(bad: str, problem: str) -> None:
    with pytest.raises(ChordSymbolError) as info:
        parse_chord_symbol(bad)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"cannot parse chord symbol {bad!r}: ")
    assert problem in message and ACCEPTED_FORMS in message


def test_spelling_shows_what_the_symbol_names() -> None:
    spelling = spell_chord_symbol("Bb13b9/D")
    assert (spelling.root, spelling.bass) == (10, 2)
    assert spelling.intervals == {0, 1, 4, 7, 9, 10}
    assert spelling.quality is Q.DOMINANT7_FLAT9 and spelling.left_out == frozenset()
    # no major-seventh quality has a #9: read as maj7, the #9 is reported as left out
    assert spell_chord_symbol("Ej79#").left_out == {3}


@given(
    st.integers(0, 11),
    st.sampled_from(list(ChordQuality)),
    st.one_of(st.none(), st.integers(0, 11)),
)
def test_symbol_round_trip(root: int, quality: ChordQuality, bass: int | None) -> None:
    """parse(chord.symbol) == chord for every root, quality and bass."""
    chord = Chord(root, quality, bass)
    assert parse_chord_symbol(chord.symbol) == chord


def test_every_root_reads_the_same_quality() -> None:
    """The suffix alone decides the quality: each spelling above over all 12 roots."""
    root_re = re.compile(r"^\s*([A-G][#b♯♭]*)")
    for text, _ in SPELLINGS:
        chord = parse_chord_symbol(text)
        written = root_re.match(text).group(1).replace("♯", "#").replace("♭", "b")
        if _pc(written) != chord.root:
            continue  # C#5 is C(#5): its root is not what the regex sees
        for root in PITCH_CLASS_NAMES:
            moved = parse_chord_symbol(root_re.sub(root, text))
            assert (moved.root, moved.quality) == (_pc(root), chord.quality), (text, root)


@pytest.mark.parametrize("quality", list(ChordQuality))
def test_pitch_classes_give_back_their_quality(quality: ChordQuality) -> None:
    """The lead-sheet fallback: a quality's own tones, over any root, read as that quality."""
    for root in (0, 5, 11):
        pcs = {(root + i) % 12 for i in quality.intervals}
        assert quality_from_pitch_classes(root, pcs) is quality


def test_nearest_quality_rules() -> None:
    # the same third and seventh first: C7sus2 is a sus chord, not C7
    assert nearest_quality(frozenset({0, 2, 7, 10})) is Q.DOMINANT7_SUS4
    # an altered fifth rules out qualities with a natural one
    assert nearest_quality(frozenset({0, 4, 8, 10, 1}), fifth_altered=True) is Q.ALTERED
    assert nearest_quality(frozenset({0, 4, 8, 10, 1})) is Q.DOMINANT7_FLAT9_FLAT13
    # Cm(b13): no quality with a b5 the symbol does not name
    assert nearest_quality(frozenset({0, 3, 7, 8})) is Q.MINOR


# --- music21 agrees on the pitch classes where it reads the spelling -----------------------

M21_AGREES = (
    "C", "Cm", "C7", "Cmaj7", "CM7", "Cm7", "Cmin7", "Cmin", "Cm7b5", "Cdim", "Cdim7", "Co",
    "Co7", "Cø7", "Caug", "C+", "Caug7", "C+7", "C7+", "C7#5", "Csus", "Csus4", "Csus2",
    "C7sus4", "C7sus", "C6", "Cm6", "C9", "C11", "CM9", "Cm9", "Cm11", "CmM7", "C7b9", "C7#9",
    "C7#11", "C7b13", "C7b5", "C9#11", "C7b9b13", "C7#9b13", "C7b9#11", "C7#5#9", "C7#5b9",
    "Cmaj7#11", "Cmaj7#5", "Cadd9", "Cmadd9", "Cadd2", "Cadd4", "Cadd11", "C7/E", "F/A",
    "Bb/D", "C7/Bb", "Cm7/Bb", "D/C", "Cm7b9", "C7sus4b9", "C9b13", "C9b5", "C7b9#9", "Eb7",
    "Abm7", "F#m7b5", "Dbmaj7", "Bbdim7", "Ebm6",
)  # fmt: skip
# Where music21 reads a spelling otherwise (not compared):
#   C-7 C- C-7b5: music21 reads '-' as a flat (C-flat); in jazz it is minor
#   C69: music21 reads C D A; it is C6 with the 9th
#   C13 Cm13 C13#11 C13b9: music21 adds the 11th and drops #11/b9; a 13 chord leaves the
#     11th out (it clashes with the 3rd) and keeps its alterations
#   C79b C7913 C7913b C79#13: the Weimar Jazz Database's dialect, music21 does not know it
#   Csus(b9): we read the 7th an altered 9th implies (C7sus4b9)
#   C7alt CΔ7 C^7 Cj7 Cø C°7 C6/9 Cmaj9 C7(b9) ...: music21 cannot read them at all


def _music21_text(text: str) -> str:
    """Our spelling in music21's: flats are '-' in the root and the bass."""
    text = re.sub(r"^([A-G])b", r"\1-", text)
    return re.sub(r"/([A-G])b$", r"/\1-", text)


@pytest.mark.parametrize("text", M21_AGREES)
def test_pitch_classes_match_music21(text: str) -> None:
    harmony = pytest.importorskip("music21.harmony")
    ours = spell_chord_symbol(text)
    expected = {p.pitchClass for p in harmony.ChordSymbol(_music21_text(text)).pitches}
    assert set(ours.pitch_classes) | ({ours.bass} - {None}) == expected


# --- the Weimar Jazz Database's chord labels -----------------------------------------------

# Every distinct label of `beats.chord` in wjazzd.db: (label, root, quality, bass); the
# root and bass as written (A# = Bb). None, None, None: no chord.
WJAZZD_LABELS = (
    ("A", "A", Q.MAJOR, None),
    ("A#-7", "A#", Q.MINOR7, None),
    ("A#79b", "A#", Q.DOMINANT7_FLAT9, None),
    ("A+7", "A", Q.DOMINANT7_SHARP5, None),
    ("A+79#", "A", Q.ALTERED, None),
    ("A-", "A", Q.MINOR, None),
    ("A-/G", "A", Q.MINOR, "G"),
    ("A-6", "A", Q.MINOR6, None),
    ("A-7", "A", Q.MINOR7, None),
    ("A-7/D", "A", Q.MINOR7, "D"),
    ("A-79", "A", Q.MINOR7, None),
    ("A-7911", "A", Q.MINOR7, None),
    ("A/B", "A", Q.MAJOR, "B"),
    ("A/C", "A", Q.MAJOR, "C"),
    ("A/G", "A", Q.MAJOR, "G"),
    ("A6", "A", Q.MAJOR6, None),
    ("A7", "A", Q.DOMINANT7, None),
    ("A79", "A", Q.DOMINANT7, None),
    ("A79#", "A", Q.DOMINANT7_SHARP9, None),
    ("A7911#", "A", Q.DOMINANT7_SHARP11, None),
    ("A7913b", "A", Q.DOMINANT7_FLAT13, None),
    ("A79b", "A", Q.DOMINANT7_FLAT9, None),
    ("A79b13", "A", Q.DOMINANT7_FLAT9, None),
    ("A7alt", "A", Q.ALTERED, None),
    ("Ab", "Ab", Q.MAJOR, None),
    ("Ab+", "Ab", Q.AUGMENTED, None),
    ("Ab+7", "Ab", Q.DOMINANT7_SHARP5, None),
    ("Ab+79b", "Ab", Q.ALTERED, None),
    ("Ab+j7", "Ab", Q.MAJOR7_SHARP5, None),
    ("Ab+j7/C", "Ab", Q.MAJOR7_SHARP5, "C"),
    ("Ab-", "Ab", Q.MINOR, None),
    ("Ab-6", "Ab", Q.MINOR6, None),
    ("Ab-6/Eb", "Ab", Q.MINOR6, "Eb"),
    ("Ab-7", "Ab", Q.MINOR7, None),
    ("Ab-79", "Ab", Q.MINOR7, None),
    ("Ab/C", "Ab", Q.MAJOR, "C"),
    ("Ab6", "Ab", Q.MAJOR6, None),
    ("Ab69", "Ab", Q.MAJOR6, None),
    ("Ab7", "Ab", Q.DOMINANT7, None),
    ("Ab7/D", "Ab", Q.DOMINANT7, "D"),
    ("Ab79", "Ab", Q.DOMINANT7, None),
    ("Ab79#", "Ab", Q.DOMINANT7_SHARP9, None),
    ("Ab79/C", "Ab", Q.DOMINANT7, "C"),
    ("Ab7911", "Ab", Q.DOMINANT7, None),
    ("Ab7911#", "Ab", Q.DOMINANT7_SHARP11, None),
    ("Ab7913", "Ab", Q.DOMINANT7, None),
    ("Ab79b", "Ab", Q.DOMINANT7_FLAT9, None),
    ("Ab79b13", "Ab", Q.DOMINANT7_FLAT9, None),
    ("Ab7alt", "Ab", Q.ALTERED, None),
    ("Abj7", "Ab", Q.MAJOR7, None),
    ("Abj79", "Ab", Q.MAJOR7, None),
    ("Abm7b5", "Ab", Q.HALF_DIMINISHED, None),
    ("Abo", "Ab", Q.DIMINISHED, None),
    ("Abo7", "Ab", Q.DIMINISHED7, None),
    ("Absus", "Ab", Q.SUS4, None),
    ("Absus7", "Ab", Q.DOMINANT7_SUS4, None),
    ("Aj7", "A", Q.MAJOR7, None),
    ("Aj7911#/Ab", "A", Q.MAJOR7_SHARP11, "Ab"),
    ("Am7b5", "A", Q.HALF_DIMINISHED, None),
    ("Ao", "A", Q.DIMINISHED, None),
    ("Ao7", "A", Q.DIMINISHED7, None),
    ("Asus7", "A", Q.DOMINANT7_SUS4, None),
    ("B+7", "B", Q.DOMINANT7_SHARP5, None),
    ("B+79#", "B", Q.ALTERED, None),
    ("B-", "B", Q.MINOR, None),
    ("B-7", "B", Q.MINOR7, None),
    ("B/C", "B", Q.MAJOR, "C"),
    ("B/G", "B", Q.MAJOR, "G"),
    ("B7", "B", Q.DOMINANT7, None),
    ("B79", "B", Q.DOMINANT7, None),
    ("B7911#", "B", Q.DOMINANT7_SHARP11, None),
    ("B7913", "B", Q.DOMINANT7, None),
    ("B79b", "B", Q.DOMINANT7_FLAT9, None),
    ("B7alt", "B", Q.ALTERED, None),
    ("Bb", "Bb", Q.MAJOR, None),
    ("Bb+7", "Bb", Q.DOMINANT7_SHARP5, None),
    ("Bb-", "Bb", Q.MINOR, None),
    ("Bb-/Db", "Bb", Q.MINOR, "Db"),
    ("Bb-6", "Bb", Q.MINOR6, None),
    ("Bb-7", "Bb", Q.MINOR7, None),
    ("Bb-7/Eb", "Bb", Q.MINOR7, "Eb"),
    ("Bb-79", "Bb", Q.MINOR7, None),
    ("Bb-7911", "Bb", Q.MINOR7, None),
    ("Bb-7913", "Bb", Q.MINOR7, None),
    ("Bb/Ab", "Bb", Q.MAJOR, "Ab"),
    ("Bb/F", "Bb", Q.MAJOR, "F"),
    ("Bb6", "Bb", Q.MAJOR6, None),
    ("Bb69", "Bb", Q.MAJOR6, None),
    ("Bb7", "Bb", Q.DOMINANT7, None),
    ("Bb7/Ab", "Bb", Q.DOMINANT7, "Ab"),
    ("Bb7/D", "Bb", Q.DOMINANT7, "D"),
    ("Bb79", "Bb", Q.DOMINANT7, None),
    ("Bb79#", "Bb", Q.DOMINANT7_SHARP9, None),
    ("Bb79#13", "Bb", Q.DOMINANT7_SHARP9, None),
    ("Bb7911#", "Bb", Q.DOMINANT7_SHARP11, None),
    ("Bb7913", "Bb", Q.DOMINANT7, None),
    ("Bb79b", "Bb", Q.DOMINANT7_FLAT9, None),
    ("Bb79b13b", "Bb", Q.DOMINANT7_FLAT9_FLAT13, None),
    ("Bb7alt", "Bb", Q.ALTERED, None),
    ("Bbj7", "Bb", Q.MAJOR7, None),
    ("Bbj79", "Bb", Q.MAJOR7, None),
    ("Bbj7911#", "Bb", Q.MAJOR7_SHARP11, None),
    ("Bbm7b5", "Bb", Q.HALF_DIMINISHED, None),
    ("Bbo", "Bb", Q.DIMINISHED, None),
    ("Bbo7", "Bb", Q.DIMINISHED7, None),
    ("Bbsus", "Bb", Q.SUS4, None),
    ("Bbsus7", "Bb", Q.DOMINANT7_SUS4, None),
    ("Bbsus79", "Bb", Q.DOMINANT7_SUS4, None),
    ("Bj7", "B", Q.MAJOR7, None),
    ("Bj7/A#", "B", Q.MAJOR7, "A#"),
    ("Bj7911#", "B", Q.MAJOR7_SHARP11, None),
    ("Bm7b5", "B", Q.HALF_DIMINISHED, None),
    ("Bo", "B", Q.DIMINISHED, None),
    ("Bo7", "B", Q.DIMINISHED7, None),
    ("Bsus", "B", Q.SUS4, None),
    ("Bsus7", "B", Q.DOMINANT7_SUS4, None),
    ("C", "C", Q.MAJOR, None),
    ("C#-7", "C#", Q.MINOR7, None),
    ("C#7", "C#", Q.DOMINANT7, None),
    ("C#j7", "C#", Q.MAJOR7, None),
    ("C#o", "C#", Q.DIMINISHED, None),
    ("C#o7", "C#", Q.DIMINISHED7, None),
    ("C#sus79", "C#", Q.DOMINANT7_SUS4, None),
    ("C+7", "C", Q.DOMINANT7_SHARP5, None),
    ("C+79#", "C", Q.ALTERED, None),
    ("C-", "C", Q.MINOR, None),
    ("C-/Bb", "C", Q.MINOR, "Bb"),
    ("C-6", "C", Q.MINOR6, None),
    ("C-6/Eb", "C", Q.MINOR6, "Eb"),
    ("C-69", "C", Q.MINOR6, None),
    ("C-7", "C", Q.MINOR7, None),
    ("C-79", "C", Q.MINOR7, None),
    ("C-7911", "C", Q.MINOR7, None),
    ("C-j7911#", "C", Q.MINOR_MAJOR7, None),
    ("C-j7913", "C", Q.MINOR_MAJOR7, None),
    ("C/Ab", "C", Q.MAJOR, "Ab"),
    ("C/E", "C", Q.MAJOR, "E"),
    ("C/F", "C", Q.MAJOR, "F"),
    ("C/G", "C", Q.MAJOR, "G"),
    ("C6", "C", Q.MAJOR6, None),
    ("C69", "C", Q.MAJOR6, None),
    ("C7", "C", Q.DOMINANT7, None),
    ("C7/E", "C", Q.DOMINANT7, "E"),
    ("C7/G", "C", Q.DOMINANT7, "G"),
    ("C79", "C", Q.DOMINANT7, None),
    ("C79#", "C", Q.DOMINANT7_SHARP9, None),
    ("C7911#", "C", Q.DOMINANT7_SHARP11, None),
    ("C7913", "C", Q.DOMINANT7, None),
    ("C79b", "C", Q.DOMINANT7_FLAT9, None),
    ("C7alt", "C", Q.ALTERED, None),
    ("Cbj7", "Cb", Q.MAJOR7, None),
    ("Cj7", "C", Q.MAJOR7, None),
    ("Cj7911#", "C", Q.MAJOR7_SHARP11, None),
    ("Cm7b5", "C", Q.HALF_DIMINISHED, None),
    ("Co", "C", Q.DIMINISHED, None),
    ("Csus", "C", Q.SUS4, None),
    ("Csus7", "C", Q.DOMINANT7_SUS4, None),
    ("Csus79", "C", Q.DOMINANT7_SUS4, None),
    ("Csus7913", "C", Q.DOMINANT7_SUS4, None),
    ("D", "D", Q.MAJOR, None),
    ("D#-7", "D#", Q.MINOR7, None),
    ("D#7", "D#", Q.DOMINANT7, None),
    ("D#7913", "D#", Q.DOMINANT7, None),
    ("D#o", "D#", Q.DIMINISHED, None),
    ("D+7", "D", Q.DOMINANT7_SHARP5, None),
    ("D+79#", "D", Q.ALTERED, None),
    ("D-", "D", Q.MINOR, None),
    ("D-/C", "D", Q.MINOR, "C"),
    ("D-/C#", "D", Q.MINOR, "C#"),
    ("D-/G", "D", Q.MINOR, "G"),
    ("D-6", "D", Q.MINOR6, None),
    ("D-7", "D", Q.MINOR7, None),
    ("D-7/C", "D", Q.MINOR7, "C"),
    ("D-7/F", "D", Q.MINOR7, "F"),
    ("D-79", "D", Q.MINOR7, None),
    ("D-7911", "D", Q.MINOR7, None),
    ("D-j7", "D", Q.MINOR_MAJOR7, None),
    ("D/C", "D", Q.MAJOR, "C"),
    ("D/Eb", "D", Q.MAJOR, "Eb"),
    ("D/F#", "D", Q.MAJOR, "F#"),
    ("D6", "D", Q.MAJOR6, None),
    ("D7", "D", Q.DOMINANT7, None),
    ("D7/F#", "D", Q.DOMINANT7, "F#"),
    ("D79", "D", Q.DOMINANT7, None),
    ("D79#", "D", Q.DOMINANT7_SHARP9, None),
    ("D79#11#", "D", Q.DOMINANT7_SHARP9, None),
    ("D7911#", "D", Q.DOMINANT7_SHARP11, None),
    ("D79b", "D", Q.DOMINANT7_FLAT9, None),
    ("D7alt", "D", Q.ALTERED, None),
    ("Db", "Db", Q.MAJOR, None),
    ("Db+/C", "Db", Q.AUGMENTED, "C"),
    ("Db+7", "Db", Q.DOMINANT7_SHARP5, None),
    ("Db+79#", "Db", Q.ALTERED, None),
    ("Db-", "Db", Q.MINOR, None),
    ("Db-6", "Db", Q.MINOR6, None),
    ("Db-69/Ab", "Db", Q.MINOR6, "Ab"),
    ("Db-69/Db", "Db", Q.MINOR6, None),  # a slash bass on the root is no slash bass
    ("Db-7", "Db", Q.MINOR7, None),
    ("Db-7/Gb", "Db", Q.MINOR7, "Gb"),
    ("Db/Ab", "Db", Q.MAJOR, "Ab"),
    ("Db/C", "Db", Q.MAJOR, "C"),
    ("Db/D", "Db", Q.MAJOR, "D"),
    ("Db/F", "Db", Q.MAJOR, "F"),
    ("Db6", "Db", Q.MAJOR6, None),
    ("Db69", "Db", Q.MAJOR6, None),
    ("Db7", "Db", Q.DOMINANT7, None),
    ("Db79", "Db", Q.DOMINANT7, None),
    ("Db79#11#", "Db", Q.DOMINANT7_SHARP9, None),
    ("Db79/Ab", "Db", Q.DOMINANT7, "Ab"),
    ("Db7911#", "Db", Q.DOMINANT7_SHARP11, None),
    ("Db7913", "Db", Q.DOMINANT7, None),
    ("Db79b", "Db", Q.DOMINANT7_FLAT9, None),
    ("Db7alt", "Db", Q.ALTERED, None),
    ("Dbj7", "Db", Q.MAJOR7, None),
    ("Dbj7911#/C", "Db", Q.MAJOR7_SHARP11, "C"),
    ("Dbm7b5", "Db", Q.HALF_DIMINISHED, None),
    ("Dbo", "Db", Q.DIMINISHED, None),
    ("Dbo7", "Db", Q.DIMINISHED7, None),
    ("Dbsus7", "Db", Q.DOMINANT7_SUS4, None),
    ("Dbsus7913", "Db", Q.DOMINANT7_SUS4, None),
    ("Dj7", "D", Q.MAJOR7, None),
    ("Dj7911#", "D", Q.MAJOR7_SHARP11, None),
    ("Dm7b5", "D", Q.HALF_DIMINISHED, None),
    ("Do", "D", Q.DIMINISHED, None),
    ("Do7", "D", Q.DIMINISHED7, None),
    ("Dsus7", "D", Q.DOMINANT7_SUS4, None),
    ("E+7", "E", Q.DOMINANT7_SHARP5, None),
    ("E-", "E", Q.MINOR, None),
    ("E-7", "E", Q.MINOR7, None),
    ("E-79", "E", Q.MINOR7, None),
    ("E-7911", "E", Q.MINOR7, None),
    ("E/B", "E", Q.MAJOR, "B"),
    ("E/Eb", "E", Q.MAJOR, "Eb"),
    ("E/G", "E", Q.MAJOR, "G"),
    ("E7", "E", Q.DOMINANT7, None),
    ("E7/F#", "E", Q.DOMINANT7, "F#"),
    ("E79", "E", Q.DOMINANT7, None),
    ("E79#", "E", Q.DOMINANT7_SHARP9, None),
    ("E7911#", "E", Q.DOMINANT7_SHARP11, None),
    ("E7913", "E", Q.DOMINANT7, None),
    ("E79b", "E", Q.DOMINANT7_FLAT9, None),
    ("E7alt", "E", Q.ALTERED, None),
    ("Eb", "Eb", Q.MAJOR, None),
    ("Eb+7", "Eb", Q.DOMINANT7_SHARP5, None),
    ("Eb-", "Eb", Q.MINOR, None),
    ("Eb-/Ab", "Eb", Q.MINOR, "Ab"),
    ("Eb-6", "Eb", Q.MINOR6, None),
    ("Eb-7", "Eb", Q.MINOR7, None),
    ("Eb-79/Ab", "Eb", Q.MINOR7, "Ab"),
    ("Eb-7911", "Eb", Q.MINOR7, None),
    ("Eb-j7", "Eb", Q.MINOR_MAJOR7, None),
    ("Eb/Bb", "Eb", Q.MAJOR, "Bb"),
    ("Eb/C", "Eb", Q.MAJOR, "C"),
    ("Eb/E", "Eb", Q.MAJOR, "E"),
    ("Eb/G", "Eb", Q.MAJOR, "G"),
    ("Eb6", "Eb", Q.MAJOR6, None),
    ("Eb6/Bb", "Eb", Q.MAJOR6, "Bb"),
    ("Eb6/G", "Eb", Q.MAJOR6, "G"),
    ("Eb69", "Eb", Q.MAJOR6, None),
    ("Eb7", "Eb", Q.DOMINANT7, None),
    ("Eb7/G", "Eb", Q.DOMINANT7, "G"),
    ("Eb79", "Eb", Q.DOMINANT7, None),
    ("Eb79#", "Eb", Q.DOMINANT7_SHARP9, None),
    ("Eb7911#", "Eb", Q.DOMINANT7_SHARP11, None),
    ("Eb7913", "Eb", Q.DOMINANT7, None),
    ("Eb79b", "Eb", Q.DOMINANT7_FLAT9, None),
    ("Eb7alt", "Eb", Q.ALTERED, None),
    ("Ebj7", "Eb", Q.MAJOR7, None),
    ("Ebj7911#", "Eb", Q.MAJOR7_SHARP11, None),
    ("Ebo", "Eb", Q.DIMINISHED, None),
    ("Ebo7", "Eb", Q.DIMINISHED7, None),
    ("Ebsus", "Eb", Q.SUS4, None),
    ("Ebsus7", "Eb", Q.DOMINANT7_SUS4, None),
    ("Ebsus79", "Eb", Q.DOMINANT7_SUS4, None),
    ("Ej7", "E", Q.MAJOR7, None),
    ("Ej7/D#", "E", Q.MAJOR7, "D#"),
    ("Ej79#", "E", Q.MAJOR7, None),
    ("Ej7911#", "E", Q.MAJOR7_SHARP11, None),
    ("Em7b5", "E", Q.HALF_DIMINISHED, None),
    ("Eo", "E", Q.DIMINISHED, None),
    ("Eo7", "E", Q.DIMINISHED7, None),
    ("Esus7/A", "E", Q.DOMINANT7_SUS4, "A"),
    ("Esus79", "E", Q.DOMINANT7_SUS4, None),
    ("F", "F", Q.MAJOR, None),
    ("F#", "F#", Q.MAJOR, None),
    ("F#-", "F#", Q.MINOR, None),
    ("F#-7", "F#", Q.MINOR7, None),
    ("F#7", "F#", Q.DOMINANT7, None),
    ("F#7913", "F#", Q.DOMINANT7, None),
    ("F#j7", "F#", Q.MAJOR7, None),
    ("F#m7b5", "F#", Q.HALF_DIMINISHED, None),
    ("F#o", "F#", Q.DIMINISHED, None),
    ("F#o7", "F#", Q.DIMINISHED7, None),
    ("F+/Ab", "F", Q.AUGMENTED, "Ab"),
    ("F+7", "F", Q.DOMINANT7_SHARP5, None),
    ("F+7911#", "F", Q.DOMINANT7_SHARP5, None),
    ("F+j7", "F", Q.MAJOR7_SHARP5, None),
    ("F-", "F", Q.MINOR, None),
    ("F-/Ab", "F", Q.MINOR, "Ab"),
    ("F-/C", "F", Q.MINOR, "C"),
    ("F-/Eb", "F", Q.MINOR, "Eb"),
    ("F-6", "F", Q.MINOR6, None),
    ("F-7", "F", Q.MINOR7, None),
    ("F-7/Ab", "F", Q.MINOR7, "Ab"),
    ("F-7/Bb", "F", Q.MINOR7, "Bb"),
    ("F-79", "F", Q.MINOR7, None),
    ("F-7911", "F", Q.MINOR7, None),
    ("F-j7", "F", Q.MINOR_MAJOR7, None),
    ("F/A", "F", Q.MAJOR, "A"),
    ("F/C", "F", Q.MAJOR, "C"),
    ("F6", "F", Q.MAJOR6, None),
    ("F6/A", "F", Q.MAJOR6, "A"),
    ("F6/C", "F", Q.MAJOR6, "C"),
    ("F69", "F", Q.MAJOR6, None),
    ("F7", "F", Q.DOMINANT7, None),
    ("F7/A", "F", Q.DOMINANT7, "A"),
    ("F7/B", "F", Q.DOMINANT7, "B"),
    ("F7/C", "F", Q.DOMINANT7, "C"),
    ("F7/Eb", "F", Q.DOMINANT7, "Eb"),
    ("F7/G", "F", Q.DOMINANT7, "G"),
    ("F79", "F", Q.DOMINANT7, None),
    ("F79#", "F", Q.DOMINANT7_SHARP9, None),
    ("F7913", "F", Q.DOMINANT7, None),
    ("F79b", "F", Q.DOMINANT7_FLAT9, None),
    ("F79b13b", "F", Q.DOMINANT7_FLAT9_FLAT13, None),
    ("F7alt", "F", Q.ALTERED, None),
    ("Fb-7", "Fb", Q.MINOR7, None),
    ("Fj7", "F", Q.MAJOR7, None),
    ("Fj7/A", "F", Q.MAJOR7, "A"),
    ("Fj7/B", "F", Q.MAJOR7, "B"),
    ("Fm7b5", "F", Q.HALF_DIMINISHED, None),
    ("Fo", "F", Q.DIMINISHED, None),
    ("Fo7", "F", Q.DIMINISHED7, None),
    ("Fsus", "F", Q.SUS4, None),
    ("Fsus7", "F", Q.DOMINANT7_SUS4, None),
    ("Fsus79", "F", Q.DOMINANT7_SUS4, None),
    ("G", "G", Q.MAJOR, None),
    ("G#7", "G#", Q.DOMINANT7, None),
    ("G#7/D#", "G#", Q.DOMINANT7, "D#"),
    ("G#79", "G#", Q.DOMINANT7, None),
    ("G#m7b5", "G#", Q.HALF_DIMINISHED, None),
    ("G#o", "G#", Q.DIMINISHED, None),
    ("G#o7", "G#", Q.DIMINISHED7, None),
    ("G+/Ab", "G", Q.AUGMENTED, "Ab"),
    ("G+7", "G", Q.DOMINANT7_SHARP5, None),
    ("G+79", "G", Q.DOMINANT7_SHARP5, None),
    ("G+79#", "G", Q.ALTERED, None),
    ("G-", "G", Q.MINOR, None),
    ("G-/F", "G", Q.MINOR, "F"),
    ("G-6", "G", Q.MINOR6, None),
    ("G-6/C", "G", Q.MINOR6, "C"),
    ("G-69", "G", Q.MINOR6, None),
    ("G-7", "G", Q.MINOR7, None),
    ("G-7/F", "G", Q.MINOR7, "F"),
    ("G-79", "G", Q.MINOR7, None),
    ("G-7911", "G", Q.MINOR7, None),
    ("G-79b", "G", Q.MINOR7_FLAT9, None),
    ("G-j7", "G", Q.MINOR_MAJOR7, None),
    ("G/B", "G", Q.MAJOR, "B"),
    ("G/D", "G", Q.MAJOR, "D"),
    ("G6", "G", Q.MAJOR6, None),
    ("G6/D", "G", Q.MAJOR6, "D"),
    ("G7", "G", Q.DOMINANT7, None),
    ("G7/B", "G", Q.DOMINANT7, "B"),
    ("G7/D", "G", Q.DOMINANT7, "D"),
    ("G79", "G", Q.DOMINANT7, None),
    ("G79#", "G", Q.DOMINANT7_SHARP9, None),
    ("G79#13", "G", Q.DOMINANT7_SHARP9, None),
    ("G7911#", "G", Q.DOMINANT7_SHARP11, None),
    ("G7913", "G", Q.DOMINANT7, None),
    ("G79b", "G", Q.DOMINANT7_FLAT9, None),
    ("G79b/B", "G", Q.DOMINANT7_FLAT9, "B"),
    ("G7alt", "G", Q.ALTERED, None),
    ("Gb", "Gb", Q.MAJOR, None),
    ("Gb-", "Gb", Q.MINOR, None),
    ("Gb-6", "Gb", Q.MINOR6, None),
    ("Gb-7", "Gb", Q.MINOR7, None),
    ("Gb/A", "Gb", Q.MAJOR, "A"),
    ("Gb/Bb", "Gb", Q.MAJOR, "Bb"),
    ("Gb/F", "Gb", Q.MAJOR, "F"),
    ("Gb7", "Gb", Q.DOMINANT7, None),
    ("Gb79", "Gb", Q.DOMINANT7, None),
    ("Gb7911#", "Gb", Q.DOMINANT7_SHARP11, None),
    ("Gbj7", "Gb", Q.MAJOR7, None),
    ("Gbj79", "Gb", Q.MAJOR7, None),
    ("Gbj7911#", "Gb", Q.MAJOR7_SHARP11, None),
    ("Gbm7b5", "Gb", Q.HALF_DIMINISHED, None),
    ("Gbo", "Gb", Q.DIMINISHED, None),
    ("Gbo7", "Gb", Q.DIMINISHED7, None),
    ("Gbsus7913", "Gb", Q.DOMINANT7_SUS4, None),
    ("Gj7", "G", Q.MAJOR7, None),
    ("Gj7911#", "G", Q.MAJOR7_SHARP11, None),
    ("Gm7b5", "G", Q.HALF_DIMINISHED, None),
    ("Go", "G", Q.DIMINISHED, None),
    ("Go7", "G", Q.DIMINISHED7, None),
    ("Gsus", "G", Q.SUS4, None),
    ("Gsus/A", "G", Q.SUS4, "A"),
    ("Gsus7", "G", Q.DOMINANT7_SUS4, None),
    ("Gsus79", "G", Q.DOMINANT7_SUS4, None),
    ("NC", None, None, None),
)


@pytest.mark.parametrize(("label", "root", "quality", "bass"), WJAZZD_LABELS)
def test_wjazzd_label(
    label: str, root: str | None, quality: ChordQuality | None, bass: str | None
) -> None:
    chord = parse_chord_label(label)
    if root is None:
        assert chord is None
        return
    assert chord is not None
    assert (chord.root, chord.quality, chord.bass) == (
        _pc(root),
        quality,
        None if bass is None else _pc(bass),
    )


def test_wjazzd_list_covers_every_quality_family() -> None:
    qualities = {quality for _, _, quality, _ in WJAZZD_LABELS}
    assert {Q.ALTERED, Q.DOMINANT7_FLAT9, Q.MAJOR7_SHARP11, Q.DOMINANT7_SHARP5} <= qualities
    assert len({label for label, *_ in WJAZZD_LABELS}) == len(WJAZZD_LABELS)


def _wjazzd_db() -> Path | None:
    """wjazzd.db: $JAZZGEN_WJAZZD_DB, else shared/data/wjazzd/wjazzd.db beside the checkout
    or one of its parent folders (a worktree lives deeper than the main checkout)."""
    if os.environ.get("JAZZGEN_WJAZZD_DB"):
        return Path(os.environ["JAZZGEN_WJAZZD_DB"])
    for folder in ROOT.parents:
        path = folder / "shared" / "data" / "wjazzd" / "wjazzd.db"
        if path.is_file():
            return path
    return None


def test_every_wjazzd_label_is_read_and_listed() -> None:
    """With the database at hand: no label the parser rejects, none missing above."""
    path = _wjazzd_db()
    if path is None or not path.is_file():
        where = path or "shared/data/wjazzd/ beside the checkout or its parent folders"
        pytest.skip(f"wjazzd.db not found ({where}); set JAZZGEN_WJAZZD_DB to its path")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT DISTINCT chord FROM beats WHERE chord IS NOT NULL").fetchall()
    labels = {row[0].strip() for row in rows if row[0] and row[0].strip()}
    rejected = []
    for label in sorted(labels):
        try:
            parse_chord_label(label)
        except ChordSymbolError as exc:
            rejected.append(f"{label}: {exc}")
    assert rejected == []
    assert labels - {label for label, *_ in WJAZZD_LABELS} == set()
