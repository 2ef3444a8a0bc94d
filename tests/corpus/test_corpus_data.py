"""The committed corpus in data/: lead sheets validate, and data/midi/ matches them.

Runs the validation of scripts/build_corpus.py (no MIDI is written) and reads the committed
MIDI renderings with mido.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import mido
import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


def _load_build_corpus():
    spec = importlib.util.spec_from_file_location("build_corpus", REPO / "scripts/build_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_corpus"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


build_corpus = _load_build_corpus()


@pytest.fixture(scope="module")
def report():
    return build_corpus.validate_corpus(DATA)


def test_corpus_validates_without_errors(report):
    assert report.errors == []


def test_corpus_is_large_and_varied(report):
    assert report.total_bars >= 400
    assert len(report.bars_per_progression) >= 10
    meters = {str(sheet.time_signature) for sheet in report.sheets}
    assert {"4/4", "3/4"} <= meters


def test_every_sheet_has_melody_chords_and_tempo(report):
    for sheet in report.sheets:
        assert sheet.melody, sheet.name
        assert sheet.chords and sheet.chords[0].start_beat == 0.0, sheet.name
        assert 40 <= sheet.qpm <= 320, sheet.name
        end = sheet.bars * sheet.time_signature.bar_beats
        assert sheet.chords[-1].end_beat == pytest.approx(end), sheet.name


def test_midi_dir_has_one_file_per_lead_sheet(report):
    names = {sheet.name for sheet in report.sheets}
    midi_names = {p.stem for p in (DATA / "midi").glob("*.mid")}
    assert midi_names == names


def test_midi_files_have_melody_and_chords_tracks(report):
    for sheet in report.sheets:
        midi = mido.MidiFile(DATA / "midi" / f"{sheet.name}.mid")
        assert midi.type == 1
        tracks = {track.name: track for track in midi.tracks}
        assert {"Melody", "Chords"} <= set(tracks), sheet.name
        melody_onsets = sum(1 for m in tracks["Melody"] if m.type == "note_on" and m.velocity > 0)
        assert melody_onsets == len(sheet.melody), sheet.name
        chord_onsets = sum(1 for m in tracks["Chords"] if m.type == "note_on" and m.velocity > 0)
        assert chord_onsets >= len(sheet.chords) * 3, sheet.name


def test_validation_reports_file_and_bar(tmp_path):
    (tmp_path / "bad_01.abc").write_text(
        "X:1\nT:Bad\nM:4/4\nL:1/8\nQ:1/4=120\nK:C\n"
        '"Dm7" A B c d e f g | "Xyz7" c8 | "G7" C,8 | "Cmaj7" c8 |]\n',
        encoding="utf-8",
    )
    errors = build_corpus.validate_corpus(tmp_path).errors
    assert any("bad_01.abc: bar 1 lasts 3.5" in e for e in errors)
    assert any("bad_01.abc: bar 2" in e and "Xyz7" in e for e in errors)
    assert any("bad_01.abc: bar 3" in e and "outside the range" in e for e in errors)


def test_check_mode_writes_nothing(tmp_path, capsys):
    (tmp_path / "tiny_01.abc").write_text(
        "X:1\nT:Tiny\n% progression: tiny\nM:4/4\nL:1/8\nQ:1/4=120\nK:F\n"
        '"F7" A2 c2 e2 d2 | "Bb7" d8 |]\n',
        encoding="utf-8",
    )
    code = build_corpus.main(["--data", str(tmp_path), "--check", "--min-bars", "1",
                              "--min-progressions", "1"])  # fmt: skip
    assert code == 0
    assert not (tmp_path / "midi").exists()
    out = capsys.readouterr().out
    assert "total bars: 2" in out and "progressions: 1" in out


def test_too_small_corpus_fails_with_error_lines(tmp_path, capsys):
    (tmp_path / "tiny_01.abc").write_text(
        'X:1\nT:Tiny\nM:4/4\nL:1/8\nQ:1/4=120\nK:F\n"F7" A2 c2 e2 d2 |]\n', encoding="utf-8"
    )
    assert build_corpus.main(["--data", str(tmp_path), "--check"]) == 1
    err = capsys.readouterr().err
    assert "Error: the corpus has 1 bars, at least 400 needed" in err
