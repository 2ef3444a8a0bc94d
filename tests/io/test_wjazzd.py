"""io.wjazzd: reading a Weimar Jazz Database file (schema check, read-only, counts,
filters, the chord dialect) and io.conductor's chord markers; tiny databases in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from wjazzd_db import PICKUP, TinySolo, make_wjazzd

from jazzgen.core.errors import ChordSymbolError, ConfigError, InputFileError
from jazzgen.io.conductor import marker_chords
from jazzgen.io.wjazzd import SoloFilter, is_database_path, list_solos, read_solos, wjazzd_chord


def test_missing_tables_and_columns_are_listed(tmp_path: Path) -> None:
    path = make_wjazzd(
        tmp_path / "a.db",
        [PICKUP],
        drop_columns={"melody": ["division", "tatum"]},
        drop_tables=("beats",),
    )
    with pytest.raises(InputFileError) as info:
        list_solos(path)
    message = str(info.value)
    assert "not a Weimar Jazz Database file" in message and "\n" not in message
    assert "missing table(s) beats" in message
    assert "missing column(s) melody.tatum, melody.division" in message
    text = tmp_path / "text.db"
    text.write_text("hello")
    with pytest.raises(InputFileError, match="not an SQLite database"):
        list_solos(text)
    with pytest.raises(InputFileError, match="file not found"):
        list_solos(tmp_path / "missing.db")


def test_the_file_is_opened_read_only(tmp_path: Path) -> None:
    path = make_wjazzd(tmp_path / "w.db", [PICKUP])
    path.chmod(0o444)
    assert [s.melid for s in list_solos(path)] == [1]


def test_list_solos_counts_bars_and_notes(tmp_path: Path) -> None:
    path = make_wjazzd(tmp_path / "w.db", [PICKUP, TinySolo(2, notes=[(1, 1, 1, 1, 60)])])
    first, second = list_solos(path)
    assert (first.melid, first.bars, first.notes, first.performer) == (1, 3, 14, "Test Player")
    assert (second.bars, second.notes, second.signature) == (1, 1, "4/4")
    assert first.to_dict()["instrument"] == "ts"
    assert is_database_path(path) and not is_database_path(tmp_path / "x.mid")


def test_filters_are_case_insensitive_and_list_valid_values(tmp_path: Path) -> None:
    solos = [
        TinySolo(1, notes=[(1, 1, 1, 1, 60)], performer="Art Pepper", instrument="as"),
        TinySolo(2, notes=[(1, 1, 1, 1, 60)], performer="Chet Baker", instrument="tp"),
        TinySolo(3, notes=[(1, 1, 1, 1, 60)], performer="Chet Baker", style="COOL"),
    ]
    infos = list_solos(make_wjazzd(tmp_path / "w.db", solos))
    assert [i.melid for i in SoloFilter(performer=["chet baker"]).select(infos)] == [2, 3]
    assert [i.melid for i in SoloFilter(instrument=("TP", "as")).select(infos)] == [1, 2]
    assert [i.melid for i in SoloFilter(style=["cool"], solo=[3]).select(infos)] == [3]
    with pytest.raises(ConfigError, match="unknown --performer 'Bird': valid values are Art"):
        SoloFilter(performer=["Bird"]).select(infos)
    with pytest.raises(ConfigError, match="unknown --solo 9: the database has 3 solos"):
        SoloFilter(solo=[9]).select(infos)
    with pytest.raises(ConfigError, match="no solo with melid 9"):
        read_solos(tmp_path / "w.db", [9])


@pytest.mark.parametrize(
    ("label", "symbol"),
    [
        ("C-7", "Cm7"),
        ("Ebj7", "Ebmaj7"),
        ("C79b", "C7b9"),
        ("Fsus7913", "F7sus4"),
        ("Bb/D", "Bb/D"),
        ("Am7b5", "Am7b5"),
        ("Bbo7", "Bbdim7"),
        ("G7alt", "G7alt"),
        ("A7911#", "A7#11"),
        ("C-69", "Cm6"),
        ("D-j7", "DmM7"),
    ],
)
def test_wjazzd_chord_labels(label: str, symbol: str) -> None:
    chord = wjazzd_chord(label)
    assert chord is not None and chord.symbol == symbol


def test_nc_is_no_chord_and_unknown_labels_fail() -> None:
    assert wjazzd_chord("NC") is None
    with pytest.raises(ChordSymbolError, match="'H7'"):
        wjazzd_chord("H7")


def test_section_markers_are_not_chords() -> None:
    assert marker_chords([(0, "Intro"), (960, "F7")], 480, 1920) == ()
    spans = marker_chords([(0, "F7"), (960, "N.C."), (1440, "Bb7")], 480, 1920)
    assert [(s.chord.symbol, s.start_beat, s.end_beat) for s in spans] == [
        ("F7", 0.0, 2.0),
        ("Bb7", 3.0, 4.0),
    ]
