"""The commands on a WJazzD file: inspect (list, filters, one solo), preprocess, export
and its MIDI round trip, train with a performer split; on tiny databases in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wjazzd_db import make_wjazzd, tiny_solos

from jazzgen.cli import run
from jazzgen.core.types import TimeSignature
from jazzgen.corpus.store import load_corpus
from jazzgen.io.midi_reader import parse_midi_bytes


@pytest.fixture
def tiny_db(tmp_path: Path) -> Path:
    return make_wjazzd(tmp_path / "tiny.db", tiny_solos())


def test_inspect_lists_solos_with_filters(tiny_db: Path, capsys) -> None:
    assert run(["inspect", str(tiny_db)]) == 0
    out = capsys.readouterr().out
    assert "6 solos" in out and "Ornette Coleman" in out and "Chet Baker" in out
    assert run(["inspect", str(tiny_db), "--performer", "art pepper", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [s["melid"] for s in listing["solos"]] == [1, 2]
    assert listing["solos"][1]["signature"] == "3/4"
    assert run(["inspect", str(tiny_db), "--instrument", "tp", "--style", "bebop", "--json"]) == 0
    assert [s["melid"] for s in json.loads(capsys.readouterr().out)["solos"]] == [3]


def test_unknown_filter_values_and_misplaced_filters_are_one_error_line(
    tiny_db: Path, tmp_path: Path, capsys
) -> None:
    assert run(["inspect", str(tiny_db), "--rhythmfeel", "waltz"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: unknown --rhythmfeel 'waltz': valid values are SWING")
    assert len(err.strip().splitlines()) == 1
    assert run(["inspect", str(tiny_db), "--solo", "99"]) == 1
    assert "unknown --solo 99" in capsys.readouterr().err
    midi = tmp_path / "t.mid"
    midi.write_bytes(b"")
    assert run(["inspect", str(midi), "--performer", "Art Pepper"]) == 1
    assert "need a WJazzD database input" in capsys.readouterr().err
    not_db = tmp_path / "other.db"
    not_db.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert run(["inspect", str(not_db)]) == 1
    assert capsys.readouterr().err.startswith(f"Error: {not_db}: not ")


def test_inspect_one_solo_like_a_midi_file(tiny_db: Path, capsys) -> None:
    assert run(["inspect", str(tiny_db), "--solo", "6"]) == 0
    out = capsys.readouterr().out
    assert "solo 6: Test Player - Tune" in out
    assert "4 notes moved (at most 0.0333 beat), 0 merged; 1 pickup bars" in out
    assert run(["inspect", str(tiny_db), "--solo", "2", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["time_signature"] == "3/4" and info["qpm"] == 150.0
    for bar in info["bars"]:
        assert sum(round(float(t.split(",")[1]) * 12) for t in bar["tokens"]) == 36
    assert info["bars"][3]["chords"] == ["Cm7", "F7"] and info["bars"][3]["chord_offsets"] == [
        0.0,
        2.0,
    ]


def test_preprocess_reports_every_solo_and_keeps_performers(tiny_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    assert run(["preprocess", str(tiny_db), "--out", str(out), "--jobs", "2"]) == 0
    report = json.loads((out / "report.json").read_text())
    status = {f["melid"]: (f["status"], f["reason"]) for f in report["files"]}
    assert status[5] == ("skipped", "no chords (NC throughout): a free solo")
    assert {m for m, (s, _) in status.items() if s == "ok"} == {1, 2, 3, 4, 6}
    assert report["wjazzd"]["skipped_by_reason"] == {"no chords (NC throughout): a free solo": 1}
    assert report["wjazzd"]["totals"]["moved"] == 4 and "Bo7" in report["wjazzd"]["chord_labels"]
    pieces = load_corpus(out)
    assert [p.performer for p in pieces] == [
        "Art Pepper",
        "Art Pepper",
        "Chet Baker",
        "Lee Konitz",
        "Test Player",
    ]
    assert pieces[1].time_signature == TimeSignature(3, 4)
    for piece in pieces:
        for bar in piece.bars:
            meter = bar.time_signature or piece.time_signature
            assert sum(t.duration for t in bar.tokens) == meter.bar_steps
    assert '"performer": "Chet Baker"' in (out / "corpus.jsonl").read_text().replace(":", ": ")


def test_export_round_trip_gives_back_tokens_and_chords(tiny_db: Path, tmp_path: Path, capsys):
    for melid in (2, 6):
        out = tmp_path / f"{melid}.mid"
        assert run(["export", str(tiny_db), "--solo", str(melid), "--out", str(out)]) == 0
        assert f"wrote {out}: solo {melid}" in capsys.readouterr().out
        assert run(["inspect", str(tiny_db), "--solo", str(melid), "--json"]) == 0
        solo = json.loads(capsys.readouterr().out)
        assert run(["inspect", str(out), "--json"]) == 0
        midi = json.loads(capsys.readouterr().out)
        assert midi["chord_source"] == "markers" and midi["melody"]["name"] == "Melody"
        assert [b["tokens"] for b in midi["bars"]] == [b["tokens"] for b in solo["bars"]]
        assert [b["chords"] for b in midi["bars"]] == [b["chords"] for b in solo["bars"]]
        assert [b["time_signature"] for b in midi["bars"]] == [
            b["time_signature"] for b in solo["bars"]
        ]
    score = parse_midi_bytes((tmp_path / "6.mid").read_bytes())
    assert [t.name for t in score.tracks] == ["Melody", "Chords", "Bass", "Drums"]
    assert score.tracks[0].program == 66  # tenor sax
    assert score.qpm == pytest.approx(120.0)
    # transcribed articulation: the first note sounds half a beat, not legato to the next
    first, second = score.tracks[0].notes[:2]
    assert (first.end_beat - first.start_beat, second.start_beat - first.start_beat) == (0.5, 1.0)
    assert run(["export", str(tiny_db), "--solo", "6", "--out", str(tmp_path / "6.mid")]) == 1
    assert "pass --force" in capsys.readouterr().err
    assert run(["export", str(tiny_db), "--solo", "5", "--out", str(tmp_path / "5.mid")]) == 1
    assert "no chords" in capsys.readouterr().err


def test_train_on_a_database_with_a_performer_split(tiny_db: Path, tmp_path: Path, capsys):
    bundle = tmp_path / "bundle"
    args = ["train", str(tiny_db), "--out", str(bundle), "--preset", "course", "--epochs", "1",
            "--units", "8", "--tx", "8", "--val-by", "performer", "--val-fraction", "0.3",
            "--style", "BEBOP", "--quiet", "--jobs", "1"]  # fmt: skip
    assert run(args) == 0, capsys.readouterr().err
    config = json.loads((bundle / "config.json").read_text())
    assert config["train"]["val_by"] == "performer"
    assert config["split"]["method"] == "performers"
    assert len(config["inputs"]) == 5 and config["inputs"][0]["path"].endswith("tiny.db#1")
    assert not any(i["path"].endswith("#5") for i in config["inputs"])  # FREE, not BEBOP
