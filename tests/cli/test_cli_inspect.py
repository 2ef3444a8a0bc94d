"""`jazzgen inspect`: text and JSON output, errors, and no TensorFlow import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_midi, note_track, scale_melody

from jazzgen.cli import run
from jazzgen.tokens.grammar import token_from_text


def _json(argv: list[str], capsys: pytest.CaptureFixture) -> dict:
    assert run(argv) == 0
    return json.loads(capsys.readouterr().out)


def _assert_bars_sum(info: dict, beats: float = 4.0) -> None:
    assert info["bars"]
    for bar in info["bars"]:
        total = sum(token_from_text(t).quarter_length for t in bar["tokens"])
        assert abs(total - beats) < 0.01, bar
        assert bar["chords"]


def test_inspect_metheny_json(metheny_path: Path, capsys: pytest.CaptureFixture) -> None:
    info = _json(["inspect", str(metheny_path), "--json"], capsys)
    assert info["melody"]["name"] == "Guitar"
    assert info["melody"]["track"] == 5
    assert info["melody"]["reason"]
    assert info["time_signature"] == "4/4"
    assert info["qpm"] == pytest.approx(112.0)
    assert len(info["tracks"]) == 19
    guitar = info["tracks"][5]
    assert (guitar["name"], guitar["program"], guitar["channel"]) == ("Guitar", 26, 5)
    _assert_bars_sum(info)


def test_inspect_metheny_course_window(metheny_path: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["inspect", str(metheny_path), "--json", "--start-bar", "120", "--end-bar", "137"]
    info = _json(argv, capsys)
    assert [b["number"] for b in info["bars"]] == list(range(120, 138))
    assert info["bars"][0]["start_beat"] == 476.0
    _assert_bars_sum(info)


def test_inspect_melody_only_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "lead.mid"
    path.write_bytes(make_midi([note_track(scale_melody(4), name="Lead")], tpq=96))
    info = _json(["inspect", str(path), "--json"], capsys)
    assert info["melody"] == {
        "track": 0,
        "name": "Lead",
        "reason": info["melody"]["reason"],
        "notes": 32,
        "notes_dropped": 0,
    }
    assert info["chord_source"] == "melody"
    assert len(info["bars"]) == 4
    _assert_bars_sum(info)


def test_inspect_text(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "lead.mid"
    path.write_bytes(make_midi([note_track(scale_melody(2), name="Lead")]))
    assert run(["inspect", str(path), "--melody-track", "Lead"]) == 0
    out = capsys.readouterr().out
    assert "melody: track 0 'Lead'" in out
    assert "meter 4/4, 120 qpm" in out
    assert "chords: from melody" in out


def test_inspect_help_has_example(capsys: pytest.CaptureFixture) -> None:
    assert run(["inspect", "--help"]) == 0
    assert "jazzgen inspect tune.mid" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "file not found"), ("text", "not a MIDI file"), (b"", "empty file")],
)
def test_inspect_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture, content: object, message: str
) -> None:
    path = tmp_path / "bad.mid"
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    assert run(["inspect", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and message in err
    assert "Traceback" not in err


def test_inspect_bad_track(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "lead.mid"
    path.write_bytes(make_midi([note_track(scale_melody(2), name="Lead")]))
    assert run(["inspect", str(path), "--melody-track", "Piano"]) == 1
    assert "available tracks: 0 'Lead'" in capsys.readouterr().err


@pytest.mark.slow
def test_inspect_does_not_import_tensorflow(tmp_path: Path) -> None:
    path = tmp_path / "lead.mid"
    path.write_bytes(make_midi([note_track(scale_melody(2), name="Lead")]))
    code = (
        "import sys\n"
        "from jazzgen.cli import run\n"
        f"rc = run(['inspect', {str(path)!r}, '--json'])\n"
        "assert rc == 0, rc\n"
        "assert 'tensorflow' not in sys.modules\n"
        "assert 'music21' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
