"""analysis.solo_sheet: WJazzD solos into lead sheets (positions on the grid, bars and
meters, chords, pickups, NC, tempo, articulation), checked exactly on tiny databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from wjazzd_db import PICKUP, TinySolo, make_wjazzd

from jazzgen.analysis.solo_sheet import SoloSheet, key_fifths, solo_leadsheet
from jazzgen.core.errors import InputFileError
from jazzgen.io.wjazzd import read_solos
from jazzgen.tokens.encode import encode_melody
from jazzgen.tokens.grammar import token_to_text


def _sheet(tmp_path: Path, solo: TinySolo, **db_options) -> SoloSheet:
    path = make_wjazzd(tmp_path / f"w{solo.melid}.db", [solo], **db_options)
    (read,) = read_solos(path, [solo.melid])
    return solo_leadsheet(read, f"w.db#{solo.melid}")


def _chords(sheet: SoloSheet) -> list[list[tuple[str, float]]]:
    return [
        [(s.chord.symbol, s.start_beat - bar.start_beat) for s in bar.chords]
        for bar in sheet.leadsheet.bars
    ]


def test_pickup_triplets_quintuplet_and_a_chord_change_mid_bar(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path, PICKUP)
    sheet_bars = sheet.leadsheet.bars
    assert [b.number for b in sheet_bars] == [0, 1, 2]
    assert [b.start_beat for b in sheet_bars] == [0.0, 4.0, 8.0]
    assert all(str(b.time_signature) == "4/4" for b in sheet_bars)
    # the pickup bar sounds over the first chord; F7 starts on beat 3 of bar 1
    assert _chords(sheet) == [[("Cm7", 0.0)], [("Cm7", 0.0), ("F7", 2.0)], [("Bbmaj7", 0.0)]]
    steps = [round(n.start_beat * 12, 9) for n in sheet.leadsheet.melody]
    assert steps == [24, 36, 42, 48, 60, 64, 68, 72, 96, 98, 101, 103, 106, 120]
    stats = sheet.stats
    assert (stats.notes, stats.moved, stats.merged, stats.pickup_bars) == (14, 4, 0, 1)
    assert stats.max_displacement_beats == pytest.approx(0.4 / 12)
    assert (stats.dropped_bars, stats.dropped_notes, stats.nc_beats) == (0, 0, 0.0)
    assert stats.chord_labels == ("Bbj7", "C-7", "F7", "NC")
    assert sheet.leadsheet.qpm == pytest.approx(120.0)
    assert sheet.leadsheet.key_fifths == 0
    assert sheet.leadsheet.chord_source == "wjazzd"


def test_articulation_and_sounding_lengths_are_kept(tmp_path: Path) -> None:
    melody = _sheet(tmp_path, PICKUP).leadsheet
    notes = melody.melody
    # 0.5-beat notes a beat apart: half their inter-onset interval, ends from seconds
    assert notes[0].end_beat - notes[0].start_beat == pytest.approx(0.5)
    assert melody.articulation[0] == pytest.approx(0.5)
    # an eighth-note pair 0.5 beats apart, each sounding 0.5 beats: legato
    assert melody.articulation[1] == pytest.approx(1.0)
    # the last note's articulation is unknown; its sounding length is kept
    assert melody.articulation[-1] is None
    assert notes[-1].end_beat - notes[-1].start_beat == pytest.approx(1.0)
    # a note longer than its inter-onset interval is cut at the next onset
    assert notes[3].end_beat == pytest.approx(notes[4].start_beat)
    assert melody.articulation[3] == pytest.approx(1.0 / 1.0)
    assert notes[0].start == pytest.approx(1.0)  # seconds from the recording (bar 0 beat 3)
    assert len(melody.articulation) == len(notes)


def test_every_bar_encodes_to_its_length(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path, PICKUP).leadsheet
    encoded = encode_melody(sheet.melody, sheet.bars)
    for bar, enc in zip(sheet.bars, encoded, strict=True):
        assert sum(t.duration for t in enc.tokens) == bar.steps
    # the transcribed staccato shows: a half-beat note, then a half-beat rest
    assert [token_to_text(t) for t in encoded[0].tokens][:3] == ["R,2.000", "C,0.500", "R,0.500"]


def test_onsets_on_one_grid_step_are_merged_later_note_kept(tmp_path: Path) -> None:
    # 64th notes (division 16): tatums 3 and 4 (1.5 and 2.25 steps) both round to step 2
    solo = TinySolo(
        2,
        notes=[(1, 1, t, 16, 60 + t, 0.05) for t in (1, 2, 3, 4)] + [(1, 3, 1, 1, 72)],
        chords={(1, 1): "Bb7"},
    )
    sheet = _sheet(tmp_path, solo)
    assert [n.pitch for n in sheet.leadsheet.melody] == [61, 62, 64, 72]
    assert [round(n.start_beat * 12) for n in sheet.leadsheet.melody] == [0, 1, 2, 24]
    assert (sheet.stats.merged, sheet.stats.moved) == (1, 3)
    assert sheet.leadsheet.notes_dropped == 1


def test_nc_inside_the_solo_continues_the_chord_before(tmp_path: Path) -> None:
    solo = TinySolo(
        3,
        notes=[(bar, 1, 1, 1, 60, 3.0) for bar in (1, 2, 3)],
        chords={(1, 1): "D-7", (2, 1): "NC", (2, 3): "G7", (3, 1): "Cj7"},
    )
    sheet = _sheet(tmp_path, solo)
    assert _chords(sheet) == [[("Dm7", 0.0)], [("Dm7", 0.0), ("G7", 2.0)], [("Cmaj7", 0.0)]]
    assert sheet.stats.nc_beats == 2.0


def test_three_four_and_a_meter_change(tmp_path: Path) -> None:
    solo = TinySolo(
        4,
        notes=[(1, 1, 1, 1, 60), (1, 3, 2, 2, 62), (2, 3, 1, 1, 64), (3, 4, 1, 1, 65)],
        chords={(1, 1): "F7"},
        meters={1: "3/4", 3: "4/4"},
    )
    sheet = _sheet(tmp_path, solo).leadsheet
    assert [str(b.time_signature) for b in sheet.bars] == ["3/4", "3/4", "4/4"]
    assert [b.start_beat for b in sheet.bars] == [0.0, 3.0, 6.0]
    assert [n.start_beat for n in sheet.melody] == [0.0, 2.5, 5.0, 9.0]
    assert sheet.bars[0].time_signature.start_beat == 0.0
    encoded = encode_melody(sheet.melody, sheet.bars)
    assert [sum(t.duration for t in e.tokens) for e in encoded] == [36, 36, 48]


def test_free_rhythm_one_four_bars_are_regrouped(tmp_path: Path) -> None:
    solo = TinySolo(
        5,
        notes=[(bar, 1, 1, 1, 60 + bar) for bar in range(1, 7)],
        chords={(1, 1): "E-7"},
        meters={1: "1/4"},
    )
    sheet = _sheet(tmp_path, solo)
    assert [str(b.time_signature) for b in sheet.leadsheet.bars] == ["4/4", "2/4"]
    assert [b.number for b in sheet.leadsheet.bars] == [1, 5]
    assert [n.start_beat for n in sheet.leadsheet.melody] == [0, 1, 2, 3, 4, 5]
    assert sheet.stats.regrouped_bars == 6


def test_a_solo_without_chords_is_refused_with_a_reason(tmp_path: Path) -> None:
    solo = TinySolo(6, notes=[(1, 1, 1, 1, 60), (1, 2, 1, 1, 62)], chords={(1, 1): "NC"})
    with pytest.raises(InputFileError, match=r"no chords \(NC throughout\)"):
        _sheet(tmp_path, solo)
    bare = TinySolo(7, notes=[(1, 1, 1, 1, 60)])
    with pytest.raises(InputFileError, match="no chord labels"):
        _sheet(tmp_path, bare)


def test_a_long_intro_before_the_first_chord_is_dropped(tmp_path: Path) -> None:
    intro = [(bar, 1, 1, 1, 60) for bar in range(-7, 1)]  # 8 bars before the first chord
    solo = TinySolo(8, notes=[*intro, (1, 1, 1, 1, 62)], chords={(-7, 1): "NC", (1, 1): "A7"})
    sheet = _sheet(tmp_path, solo)
    assert [b.number for b in sheet.leadsheet.bars] == [-3, -2, -1, 0, 1]
    assert (sheet.stats.pickup_bars, sheet.stats.dropped_bars, sheet.stats.dropped_notes) == (
        4,
        4,
        4,
    )
    assert {s.chord.symbol for b in sheet.leadsheet.bars for s in b.chords} == {"A7"}


def test_null_rows_and_a_missing_optional_column_are_tolerated(tmp_path: Path) -> None:
    solo = TinySolo(9, notes=PICKUP.notes, chords=PICKUP.chords, null_pitch_rows=2)
    sheet = _sheet(tmp_path, solo, drop_columns={"melody": ["beatdur"]})
    assert sheet.stats.null_notes == 2
    assert len(sheet.leadsheet.melody) == 14
    # without melody.beatdur the beats table gives the beat durations: same lengths
    first = sheet.leadsheet.melody[0]
    assert first.end_beat - first.start_beat == pytest.approx(0.5)


def test_null_durations_make_legato_notes(tmp_path: Path) -> None:
    path = make_wjazzd(tmp_path / "w.db", [PICKUP])
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE melody SET duration = NULL")
    (solo,) = read_solos(path)
    sheet = solo_leadsheet(solo, "w.db#1").leadsheet
    assert sheet.melody[0].end_beat == sheet.melody[1].start_beat
    assert set(sheet.articulation) == {None}


# --- reading, checking and filtering ---------------------------------------------------------


def test_key_fifths() -> None:
    assert [key_fifths(k) for k in ("Bb-maj", "C-min", "D-dor", "Ab-mix", "C#-maj", "")] == [
        -2,
        -3,
        0,
        -5,
        7,
        None,
    ]
    assert key_fifths("C-chrom") is None


def test_note_ends_have_the_resolution_of_our_midi_files() -> None:
    from jazzgen.analysis.solo_sheet import END_TICKS_PER_QUARTER
    from jazzgen.io.midi_writer import DEFAULT_TICKS_PER_QUARTER

    assert END_TICKS_PER_QUARTER == DEFAULT_TICKS_PER_QUARTER
