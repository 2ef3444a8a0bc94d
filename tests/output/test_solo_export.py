"""output.solo_export: a transcribed solo as our MIDI file (meters, chord markers, the
instrument's program, the transcribed lengths)."""

from __future__ import annotations

from pathlib import Path

from wjazzd_db import PICKUP, TinySolo, make_wjazzd

from jazzgen.analysis.solo_sheet import solo_leadsheet
from jazzgen.io.midi_reader import parse_midi_bytes
from jazzgen.io.wjazzd import INSTRUMENT_PROGRAMS, read_solos
from jazzgen.output.solo_export import solo_midi


def _sheet(path: Path, solo: TinySolo):
    (read,) = read_solos(make_wjazzd(path, [solo]))
    return solo_leadsheet(read, f"{path}#{solo.melid}").leadsheet


def test_meter_changes_and_chords_are_in_the_file(tmp_path: Path) -> None:
    solo = TinySolo(
        1,
        notes=[(1, 1, 1, 1, 60), (2, 2, 1, 1, 62), (3, 4, 1, 1, 64)],
        chords={(1, 1): "F7", (3, 1): "Bb7"},
        meters={1: "3/4", 3: "4/4"},
    )
    score = parse_midi_bytes(solo_midi(_sheet(tmp_path / "m.db", solo), backing="none"))
    assert [(str(t), t.start_beat) for t in score.time_signatures] == [("3/4", 0.0), ("4/4", 6.0)]
    assert [(s.chord.symbol, s.start_beat) for s in score.chords] == [("F7", 0.0), ("Bb7", 6.0)]
    assert [t.name for t in score.tracks] == ["Melody"]


def test_the_melody_keeps_its_lengths_and_the_instrument(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path / "p.db", PICKUP)
    score = parse_midi_bytes(solo_midi(sheet, instrument="tp", seed=3))
    melody = score.tracks[0]
    assert (melody.name, melody.program) == ("Melody", INSTRUMENT_PROGRAMS["tp"])
    assert [t.name for t in score.tracks] == ["Melody", "Chords", "Bass", "Drums"]
    assert [(n.start_beat, n.end_beat) for n in melody.notes] == [
        (n.start_beat, n.end_beat) for n in sheet.melody
    ]
    assert score.qpm == 120.0 and score.key_fifths == 0
    assert solo_midi(sheet, instrument="tp", seed=3) == solo_midi(sheet, instrument="tp", seed=3)
