"""Notation (MusicXML): rhythm on readable grids, spelling, chord symbols, and round trips
through music21 (our lead-sheet reader) and MuseScore."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import make_midi, note_track

from jazzgen.cli import run
from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.types import ChordSpan, Note, TimeSignature
from jazzgen.generation.generate import GenerateOptions, default_model_dir, generate
from jazzgen.io.scores import read_score
from jazzgen.output.notation import (
    Sheet,
    SheetPart,
    musicxml_bytes,
    part_grids,
    rhythm,
    sheet_from_parts,
    spell,
)

HAS_MODEL = (default_model_dir() / "weights.npz").is_file()
CHART = "CΔ7 | C°7 | Cø7 | C-7 F7 | Ebj7 | F/A | C7alt | Bbmaj7#5"


def _events(notes: list[tuple[int, float, float]], end: float = 4.0, chordal: bool = False):
    part = SheetPart("M", tuple(Note(p, s, e) for p, s, e in notes), chordal=chordal)
    return rhythm(part, end, part_grids(part, int(end)))


def _values(events) -> list[tuple[tuple[int, ...], Fraction, bool]]:
    return [(e.pitches, e.length, e.tie) for e in events]


def test_swung_eighths_are_triplets_and_sixteenths_stay_sixteenths() -> None:
    swung = _events([(60, 0, 2 / 3), (62, 2 / 3, 1), (64, 1, 1.25), (65, 1.25, 1.5), (67, 1.5, 2)])
    assert _values(swung) == [
        ((60,), Fraction(2, 3), False), ((62,), Fraction(1, 3), False),
        ((64,), Fraction(1, 4), False), ((65,), Fraction(1, 4), False),
        ((67,), Fraction(1, 2), False), ((), Fraction(2), False),
    ]  # fmt: skip


def test_sixteenth_triplets_and_a_note_across_beats_is_tied() -> None:
    events = _events([(60, 0, 1 / 6), (62, 1 / 6, 1 / 3), (64, 1 / 3, 1.5)], end=2.0)
    assert _values(events) == [
        ((60,), Fraction(1, 6), False), ((62,), Fraction(1, 6), False),
        ((64,), Fraction(2, 3), True), ((64,), Fraction(1, 2), False),  # 2/3 + 1/2, tied
        ((), Fraction(1, 2), False),
    ]  # fmt: skip


def test_whole_beats_are_one_value_and_lengths_add_up() -> None:
    events = _events([(60, 0, 3), (62, 3.5, 4)], end=4.0)
    assert _values(events) == [
        ((60,), Fraction(3), False), ((), Fraction(1, 2), False), ((62,), Fraction(1, 2), False)
    ]  # fmt: skip
    starts = [e.start for e in events]
    assert starts == [0, 3, Fraction(7, 2)]


def test_played_timing_is_snapped_to_a_readable_grid() -> None:
    # onsets a little off the grid: 16ths in beat 0, triplets in beat 1, a collision in beat 2
    events = _events([(60, 0.02, 0.24), (62, 0.27, 0.5), (64, 1.01, 1.3), (65, 1.35, 1.68),
                      (67, 1.66, 2.0), (69, 2.49, 2.6), (71, 2.51, 3.0)])  # fmt: skip
    sounding = [(e.pitches, e.start) for e in events if e.pitches]
    assert sounding == [
        ((60,), 0), ((62,), Fraction(1, 4)), ((64,), 1), ((65,), Fraction(4, 3)),
        ((67,), Fraction(5, 3)), ((71,), Fraction(5, 2)),  # 69 and 71 land together: 71 kept
    ]  # fmt: skip
    assert sum(e.length for e in events) == 4


def test_chordal_parts_keep_their_chords() -> None:
    events = _events([(60, 0, 1), (64, 0, 1), (67, 0, 1), (62, 2, 3)], chordal=True)
    assert [e.pitches for e in events if e.pitches] == [(60, 64, 67), (62,)]


@pytest.mark.parametrize(
    ("pitch_class", "chord", "fifths", "name"),
    [
        (6, "D7", -1, "F#"),  # F# over D7 in F
        (8, "Bb7", 0, "Ab"),
        (1, "A7", 0, "C#"),
        (3, "C7alt", 0, "D#"),  # the #9 of C7alt
        (8, "C7alt", 0, "G#"),  # its #5
        (6, "C7alt", 0, "F#"),  # its #11
        (4, "C7alt", 0, "E"),
        (3, "C7", 0, "Eb"),  # the blue third
        (6, "C7", 0, "Gb"),  # the blue fifth
        (6, "Cmaj7#11", 0, "F#"),
        (6, "Cm7b5", 0, "Gb"),
        (9, "Cdim7", 0, "A"),
        (8, "Cm7", 0, "Ab"),
        (1, "Bb7", -2, "Db"),  # the blue third over Bb7
        (8, "E7", 4, "G#"),
        (10, None, -3, "Bb"),
        (10, None, 4, "A#"),
        (1, None, 0, "Db"),
    ],
)
def test_spelling(pitch_class: int, chord: str | None, fifths: int, name: str) -> None:
    assert spell(pitch_class, parse_chord_symbol(chord) if chord else None, fifths) == name


def _read_back(data: bytes, tmp_path: Path):
    path = tmp_path / "s.musicxml"
    path.write_bytes(data)
    return read_score(path)


def _snap(beat: float) -> float:
    """An onset on the nearer of the sixteenth and the eighth-triplet grids."""
    return min(round(beat * 4) / 4, round(beat * 3) / 3, key=lambda g: abs(g - beat))


def _notes(notes) -> list[tuple[int, float, float]]:
    return [(n.pitch, round(n.start_beat, 6), round(n.end_beat, 6)) for n in notes]


def test_hand_made_sheet_round_trip(tmp_path: Path) -> None:
    melody = [Note(62, 0, 2 / 3), Note(65, 2 / 3, 1), Note(69, 1, 3), Note(72, 3.5, 6)]
    chords = (
        ChordSpan(parse_chord_symbol("Dm7"), 0, 2), ChordSpan(parse_chord_symbol("G7b9"), 2, 4),
        ChordSpan(parse_chord_symbol("F/A"), 4, 8),
    )  # fmt: skip
    sheet = Sheet("t", (SheetPart("Melody", tuple(melody), 66),), chords,
                  TimeSignature(4, 4), 140.0, -1, 8.0)  # fmt: skip
    score = _read_back(musicxml_bytes(sheet), tmp_path)
    assert _notes(score.tracks[0].notes) == _notes(melody)  # the tie over the bar line too
    assert [(s.chord.symbol, s.start_beat) for s in score.chords] == [
        ("Dm7", 0.0), ("G7b9", 2.0), ("F/A", 4.0)
    ]  # fmt: skip
    assert (score.key_fifths, str(score.time_signatures[0]), score.qpm) == (-1, "4/4", 140.0)


def test_a_note_tied_inside_a_bar_reads_back_as_one_note(tmp_path: Path) -> None:
    """A triplet eighth tied to a sixteenth (5/3 .. 9/4): the tie is started on the first
    value and stopped on the second, so readers join them (a tie only started read back
    as two notes)."""
    melody = [Note(60, 0, 5 / 3), Note(64, 5 / 3, 9 / 4), Note(67, 9 / 4, 4)]
    events = _events([(n.pitch, n.start_beat, n.end_beat) for n in melody], end=4.0)
    tied = [(e.tie, e.tied_from) for e in events if e.pitches == (64,)]
    assert tied == [(True, False), (False, True)]
    sheet = Sheet("t", (SheetPart("Melody", tuple(melody), 66),), (), TimeSignature(4, 4),
                  120.0, 0, 4.0)  # fmt: skip
    score = _read_back(musicxml_bytes(sheet), tmp_path)
    assert [n.pitch for n in score.tracks[0].notes] == [60, 64, 67]
    assert _notes(score.tracks[0].notes)[1] == (64, round(5 / 3, 6), 2.25)


def test_three_four_with_triplets(tmp_path: Path) -> None:
    melody = [Note(67, 0, 1 / 3), Note(69, 1 / 3, 2 / 3), Note(71, 2 / 3, 3), Note(72, 3, 6)]
    sheet = Sheet(
        "w",
        (SheetPart("Melody", tuple(melody)),),
        (ChordSpan(parse_chord_symbol("G"), 0, 6),),
        TimeSignature(3, 4),
        180.0,
        1,
        6.0,
    )
    score = _read_back(musicxml_bytes(sheet), tmp_path)
    assert _notes(score.tracks[0].notes) == _notes(melody)
    assert str(score.time_signatures[0]) == "3/4"


@pytest.mark.skipif(not HAS_MODEL, reason="models/default has no weights.npz")
@pytest.mark.parametrize("which", ["melody", "all"])
def test_generated_solo_round_trip(which: str, tmp_path: Path) -> None:
    # legato: the notes as written (learned articulation shortens them off the grid)
    result = generate(GenerateOptions(chords=CHART, bars=8, seed=3, legato=True))
    sheet = sheet_from_parts(
        result.parts,
        result.bars,
        qpm=result.qpm,
        key_fifths=result.report["key_fifths"],
        title="t",
        which=which,
    )
    score = _read_back(musicxml_bytes(sheet), tmp_path)
    # The notation grid holds sixteenths and triplets; a model trained on real solos also
    # plays other 1/12-beat values (5/12...), which the notation snaps: pitches and onsets
    # (to a sixteenth or a triplet) survive, note for note but the rare merged one.
    written = Counter((n.pitch, _snap(n.start_beat)) for n in score.tracks[0].notes)
    played = Counter((n.pitch, _snap(n.start_beat)) for n in result.parts[0].notes)
    assert sum((written & played).values()) >= 0.95 * sum(played.values())
    assert sum(written.values()) <= sum(played.values())
    assert [s.chord.symbol for s in score.chords] == [
        "Cmaj7", "Cdim7", "Cm7b5", "Cm7", "F7", "Ebmaj7", "F/A", "C7alt", "Bbmaj7#5"
    ]  # fmt: skip
    import music21

    parsed = music21.converter.parse(str(tmp_path / "s.musicxml"))
    names = [p.partName for p in parsed.parts]
    assert names == (["Melody"] if which == "melody" else ["Melody", "Chords", "Bass"])
    figures = [cs.figure for cs in parsed.recurse().getElementsByClass("ChordSymbol")]
    assert "F/A" in figures


MSCORE = shutil.which("mscore3") or shutil.which("musescore3") or shutil.which("mscore")


@pytest.mark.slow
@pytest.mark.skipif(MSCORE is None, reason="MuseScore (mscore3) is not installed")
@pytest.mark.skipif(not HAS_MODEL, reason="models/default has no weights.npz")
def test_musescore_imports_it(tmp_path: Path, capsys) -> None:
    xml = tmp_path / "solo.musicxml"
    args = [
        "generate",
        "--chords",
        CHART,
        "--bars",
        "8",
        "--seed",
        "5",
        "--out",
        str(tmp_path / "solo.mid"),
        "--musicxml",
        str(xml),
        "--musicxml-parts",
        "all",
    ]
    assert run(args) == 0
    assert f"wrote {xml}" in capsys.readouterr().out
    pdf = tmp_path / "solo.pdf"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([str(MSCORE), "-o", str(pdf), str(xml)], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")


def test_render_musicxml_of_a_midi_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tune.mid"
    notes = [(67, 0.0, 0.66), (69, 0.67, 0.32), (71, 1.0, 1.0), (72, 2.02, 1.9)]
    chords = [(p, 0.0, 4.0, 60) for p in (55, 59, 62, 65)]
    path.write_bytes(
        make_midi(
            [
                note_track(notes, name="Sax", program=66),
                note_track(chords, name="Piano", program=0, channel=1),
            ]
        )
    )
    out = tmp_path / "tune.xml"
    assert run(["render", str(path), "--musicxml", str(out), "--musicxml-parts", "all"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    score = read_score(out)
    assert [n.pitch for n in score.tracks[0].notes] == [67, 69, 71, 72]
    assert [round(n.start_beat, 3) for n in score.tracks[0].notes] == [0, 0.667, 1, 2]
    assert score.chords and score.chords[0].chord.symbol == "G7"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--musicxml", "{tmp}/s.pdf"], "--musicxml must end with .musicxml or .xml, got"),
        (["--musicxml", "{tmp}/s.xml", "--musicxml-parts", "drums"], "--musicxml-parts must be"),
    ],
)
def test_musicxml_option_errors(extra: list[str], message: str, tmp_path: Path, capsys) -> None:
    argv = ["generate", "--bars", "1", "--out", str(tmp_path / "s.mid")]
    assert run([*argv, *(a.replace("{tmp}", str(tmp_path)) for a in extra)]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "s.mid").exists()  # checked before generating
