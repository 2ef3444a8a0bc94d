"""Preprocessing: encode_file, build_corpus (parallel + cache), the corpus files, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import block_chords, make_midi, note_track, scale_melody

from jazzgen.cli import run
from jazzgen.core.errors import ConfigError, InputFileError
from jazzgen.corpus.preprocess import EncodeOptions, build_corpus, encode_file
from jazzgen.corpus.store import load_corpus, load_vocab, piece_from_dict, piece_to_dict
from jazzgen.io.files import collect_inputs

II_V_I = [[38, 53, 57, 60, 65], [43, 53, 59, 62, 65], [36, 52, 55, 59, 64], [36, 52, 55, 59, 64]]


def _good(bars: int = 4, pitch: int = 67) -> bytes:
    return make_midi(
        [
            note_track(scale_melody(bars, start_pitch=pitch), name="Sax"),
            note_track(block_chords(II_V_I * (bars // 4)), name="Piano", program=0, channel=1),
        ]
    )


def _make_folder(root: Path) -> dict[str, str]:
    """Good and bad files; returns expected status per file name."""
    (root / "sub").mkdir(parents=True)
    (root / "a.mid").write_bytes(_good())
    (root / "sub" / "b.midi").write_bytes(_good(8, 70))
    (root / "text.mid").write_text("hello")
    (root / "empty.mid").write_bytes(b"")
    (root / "drums.mid").write_bytes(
        make_midi([note_track([(36, i, 0.5) for i in range(8)], channel=9)])
    )
    (root / "short.mid").write_bytes(make_midi([note_track([(60, 0, 1), (62, 1, 1)])]))
    (root / "cut.mid").write_bytes(_good()[:60])
    (root / "notes.txt").write_text("ignored: not a supported extension")
    return {
        "a.mid": "ok",
        "b.midi": "ok",
        "text.mid": "not a MIDI file",
        "empty.mid": "empty",
        "drums.mid": "no melodic track",
        "short.mid": "too short",
        "cut.mid": "truncated",
    }


def test_encode_file_bars_sum(tmp_path: Path) -> None:
    path = tmp_path / "a.mid"
    path.write_bytes(_good(8))
    piece = encode_file(path)
    assert len(piece.bars) == 8
    assert str(piece.time_signature) == "4/4"
    assert piece.qpm == 120.0
    assert len(piece.sha256) == 64
    assert all(sum(t.duration for t in b.tokens) == 48 for b in piece.bars)
    assert [c.symbol for c, _ in piece.bars[1].chords] == ["G7"]
    assert piece_from_dict(json.loads(json.dumps(piece_to_dict(piece)))) == piece


def test_options_validation() -> None:
    with pytest.raises(ConfigError, match="--end-bar must be >= --start-bar"):
        EncodeOptions(start_bar=4, end_bar=2)
    with pytest.raises(ConfigError, match="chord_span_beats"):
        EncodeOptions(chord_span_beats=0)
    assert EncodeOptions().key == EncodeOptions().key != EncodeOptions(start_bar=2).key


def test_collect_inputs(tmp_path: Path) -> None:
    _make_folder(tmp_path)
    names = sorted(p.name for p in collect_inputs([tmp_path, tmp_path / "a.mid"]))
    assert "notes.txt" not in names
    assert names.count("a.mid") == 1
    with pytest.raises(InputFileError, match="not found"):
        collect_inputs([tmp_path / "missing"])


@pytest.mark.parametrize("jobs", [1, 2])
def test_build_corpus_statuses_and_cache(tmp_path: Path, jobs: int) -> None:
    expected = _make_folder(tmp_path / "in")
    paths = collect_inputs([tmp_path / "in"])
    cache = tmp_path / "cache"
    pieces, report = build_corpus(paths, jobs=jobs, cache_dir=cache)
    statuses = {Path(f["path"]).name: f for f in report["files"]}
    assert set(statuses) == set(expected)
    for name, want in expected.items():
        entry = statuses[name]
        if want == "ok":
            assert entry["status"] == "ok" and entry["reason"] == "" and entry["bars"] > 0
        else:
            assert entry["status"] == "skipped"
            assert want in entry["reason"], entry
    assert report["ok"] == 2 and report["skipped"] == 5 and report["cached"] == 0
    assert len(pieces) == 2
    again, report2 = build_corpus(paths, jobs=jobs, cache_dir=cache)
    assert report2["cached"] == 7
    assert again == pieces
    assert report2["files"] == report["files"]


def test_cli_preprocess_writes_corpus(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    expected = _make_folder(tmp_path / "in")
    out = tmp_path / "corpus"
    assert run(["preprocess", str(tmp_path / "in"), "--out", str(out), "--jobs", "2"]) == 0
    captured = capsys.readouterr()
    assert "2 files ok, 5 skipped" in captured.out
    assert "skipped" in captured.err and "text.mid: not a MIDI file" in captured.err
    report = json.loads((out / "report.json").read_text())
    assert report["ok"] == 2 and report["skipped"] == 5
    assert {Path(f["path"]).name: f["status"] for f in report["files"]} == {
        name: ("ok" if want == "ok" else "skipped") for name, want in expected.items()
    }
    lines = (out / "corpus.jsonl").read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {"source", "sha256", "time_signature", "qpm", "bars"}
    assert first["bars"][0]["chords"] == [["Dm7", 0.0]]
    pieces = load_corpus(out)
    vocab = load_vocab(out, pieces)
    assert len(vocab) > 0
    # A rerun never replaces the corpus silently; with --force it is answered from the cache.
    assert run(["preprocess", str(tmp_path / "in"), "--out", str(out), "--jobs", "1"]) == 1
    assert "holds a jazzgen corpus: pass --force to replace it" in capsys.readouterr().err
    args = ["preprocess", str(tmp_path / "in"), "--out", str(out), "--jobs", "1", "--force"]
    assert run(args) == 0
    assert "(7 from cache)" in capsys.readouterr().out


def test_cli_preprocess_no_usable_input(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_text("nope")
    assert run(["preprocess", str(bad), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "Error: no usable input" in err
    assert not (tmp_path / "out" / "corpus.jsonl").exists()


def test_cli_preprocess_refuses_foreign_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "a.mid").write_bytes(_good())
    out = tmp_path / "docs"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    args = ["preprocess", str(tmp_path / "a.mid"), "--out", str(out), "--jobs", "1"]
    assert run(args) == 1
    assert "exists and is not a jazzgen corpus: pass --force" in capsys.readouterr().err
    assert run([*args, "--force"]) == 0
    assert (out / "thesis.tex").read_text() == "precious"
    assert (out / "corpus.jsonl").is_file()


def test_cli_preprocess_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(["preprocess", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 1
    assert "Error:" in capsys.readouterr().err


def test_damaged_cache_entry_is_re_encoded(tmp_path: Path) -> None:
    _make_folder(tmp_path / "in")
    paths = collect_inputs([tmp_path / "in"])
    cache = tmp_path / "cache"
    pieces, _ = build_corpus(paths, jobs=1, cache_dir=cache, options=EncodeOptions())
    for entry in cache.glob("*.json"):
        data = json.loads(entry.read_text())
        if data.get("piece"):
            data["piece"]["bars"][0]["tokens"] = ["not a token"]
            entry.write_text(json.dumps(data))
    again, report = build_corpus(paths, jobs=1, cache_dir=cache, options=EncodeOptions())
    assert [p.bars for p in again] == [p.bars for p in pieces]
    assert report["ok"] == len(pieces)


def test_failed_preprocess_leaves_nothing_that_refuses_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_text("not midi")
    out = tmp_path / "c3"
    assert run(["preprocess", str(bad), "--out", str(out), "--jobs", "1"]) == 1
    assert "no usable input (1 file skipped)" in capsys.readouterr().err
    assert not out.exists()  # no cache/ left behind
    existing = tmp_path / "mine"
    existing.mkdir()
    assert run(["preprocess", str(bad), "--out", str(existing), "--jobs", "1"]) == 1
    assert existing.is_dir() and not any(existing.iterdir())  # the user's folder stays
    good = tmp_path / "good.mid"
    good.write_bytes(make_midi([note_track(scale_melody(4))]))
    assert run(["preprocess", str(good), "--out", str(out), "--jobs", "1"]) == 0
    capsys.readouterr()


def test_a_folder_with_only_a_cache_is_reused(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.mid"
    good.write_bytes(make_midi([note_track(scale_melody(4))]))
    out = tmp_path / "c"
    (out / "cache").mkdir(parents=True)
    assert run(["preprocess", str(good), "--out", str(out), "--jobs", "1"]) == 0
    assert "1 file ok" in capsys.readouterr().out
