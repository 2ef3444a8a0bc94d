"""WJazzD through the commands: inspect, preprocess, export (and its round trip), train, and
the split by performer; on tiny databases in tmp_path."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from test_wjazzd import PICKUP
from wjazzd_db import TinySolo, make_wjazzd

from jazzgen.cli import run
from jazzgen.core.types import TimeSignature
from jazzgen.corpus.dataset import split_pieces, synthetic_pieces
from jazzgen.corpus.store import load_corpus, piece_from_dict, piece_to_dict
from jazzgen.corpus.wjazzd import build_wjazzd_corpus
from jazzgen.io.midi_reader import parse_midi_bytes
from jazzgen.tokens.vocab import Vocab


def _blues(melid: int, performer: str, *, meter: str = "4/4", instrument: str = "as") -> TinySolo:
    """Eight bars of a line over F7 | Bb7 | F7 | C-7 F7 | ..., eighths and triplets."""
    beats = int(meter.split("/")[0])
    notes = []
    for bar in range(1, 9):
        for beat in range(1, beats + 1):
            if beat % 2:
                notes += [(bar, beat, 1, 2, 60 + (bar + beat) % 12), (bar, beat, 2, 2, 62, 0.25)]
            else:
                notes += [(bar, beat, t, 3, 64 + t, 0.3) for t in (1, 2, 3)]
    chords = {(1, 1): "F7", (2, 1): "Bb7", (3, 1): "F7", (4, 1): "C-7", (4, 3): "F7",
              (5, 1): "Bb7", (6, 1): "Bo7", (7, 1): "F7", (8, 1): "NC"}  # fmt: skip
    return TinySolo(
        melid, notes=notes, chords=chords, meters={1: meter}, performer=performer,
        instrument=instrument, qpm=150.0,
    )  # fmt: skip


@pytest.fixture
def tiny_db(tmp_path: Path) -> Path:
    solos = [
        _blues(1, "Art Pepper"),
        _blues(2, "Art Pepper", meter="3/4"),
        _blues(3, "Chet Baker", instrument="tp"),
        _blues(4, "Lee Konitz"),
        TinySolo(
            5,
            notes=[(1, 1, 1, 1, 60), (1, 2, 1, 1, 62)],
            chords={(1, 1): "NC"},
            performer="Ornette Coleman",
            style="FREE",
        ),
        replace(PICKUP, melid=6),
    ]
    return make_wjazzd(tmp_path / "tiny.db", solos)


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


def test_one_process_and_two_give_the_same_corpus(tiny_db: Path) -> None:
    one = build_wjazzd_corpus(tiny_db, jobs=1)
    two = build_wjazzd_corpus(tiny_db, jobs=2)
    assert one[0] == two[0] and one[1] == two[1]


def test_a_corpus_line_without_performer_still_loads() -> None:
    (piece,) = synthetic_pieces(1, bars=2)
    data = piece_to_dict(piece)
    assert "performer" not in data
    assert piece_from_dict(data).performer == ""


def test_export_round_trip_gives_back_tokens_and_chords(tiny_db: Path, tmp_path: Path, capsys):
    for melid in (2, 6):
        out = tmp_path / f"{melid}.mid"
        assert run(["export", str(tiny_db), "--solo", str(melid), "--out", str(out)]) == 0
        assert f"wrote {out}: solo {melid}" in capsys.readouterr().out
        assert run(["inspect", str(tiny_db), "--solo", str(melid), "--json"]) == 0
        solo = json.loads(capsys.readouterr().out)
        assert run(["inspect", str(out), "--json"]) == 0
        midi = json.loads(capsys.readouterr().out)
        assert midi["chord_source"] == "leadsheet" and midi["melody"]["name"] == "Melody"
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


def test_export_meter_changes_are_in_the_file(tmp_path: Path, capsys) -> None:
    solo = TinySolo(
        1,
        notes=[(1, 1, 1, 1, 60), (2, 2, 1, 1, 62), (3, 4, 1, 1, 64)],
        chords={(1, 1): "F7", (3, 1): "Bb7"},
        meters={1: "3/4", 3: "4/4"},
    )
    db = make_wjazzd(tmp_path / "m.db", [solo])
    out = tmp_path / "m.mid"
    assert run(["export", str(db), "--solo", "1", "--out", str(out), "--backing", "none"]) == 0
    score = parse_midi_bytes(out.read_bytes())
    assert [(str(t), t.start_beat) for t in score.time_signatures] == [("3/4", 0.0), ("4/4", 6.0)]
    assert [(s.chord.symbol, s.start_beat) for s in score.chords] == [("F7", 0.0), ("Bb7", 6.0)]


def test_section_markers_are_not_chords() -> None:
    from jazzgen.io.midi_reader import marker_chords

    assert marker_chords([(0, "Intro"), (960, "F7")], 480, 1920) == ()
    spans = marker_chords([(0, "F7"), (960, "N.C."), (1440, "Bb7")], 480, 1920)
    assert [(s.chord.symbol, s.start_beat, s.end_beat) for s in spans] == [
        ("F7", 0.0, 2.0),
        ("Bb7", 3.0, 4.0),
    ]


def test_split_by_performer_never_shares_a_performer(tiny_db: Path) -> None:
    pieces, _ = build_wjazzd_corpus(tiny_db, jobs=1)
    vocab = Vocab.from_tokens(t for p in pieces for b in p.bars for t in b.tokens)
    for seed in range(6):
        split = split_pieces(pieces, vocab, val_fraction=0.3, tx=4, seed=seed, by="performer")
        assert split.method == "performers"
        train = {p.performer for p in pieces if p.source in {s.source for s in split.train}}
        val = {p.performer for p in pieces if p.source in {s.source for s in split.val}}
        assert train and val and not train & val
    by_piece = split_pieces(pieces, vocab, val_fraction=0.3, tx=4, seed=1)
    assert by_piece.method == "pieces" and len(by_piece.val) == 2
    same = [p.__class__(**{**p.__dict__, "performer": "X"}) for p in pieces]
    split = split_pieces(same, vocab, val_fraction=0.3, tx=4, seed=1, by="performer")
    assert split.method == "pieces" and "fewer than two performers" in split.warnings[0]


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
