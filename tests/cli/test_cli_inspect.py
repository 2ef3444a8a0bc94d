"""`jazzgen inspect`: text and JSON output, errors, and no TensorFlow import."""

from __future__ import annotations

import io
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
    assert (guitar["name"], guitar["program"], guitar["channel"]) == ("Guitar", 26, 6)
    assert info["bars_in_file"] == 217  # its last note-off rings 1/32 beat into bar 218
    assert info["key"] == "G" and info["length_seconds"] == pytest.approx(465.0, abs=0.1)
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
    assert "meter 4/4, no key signature, 120 qpm, 2 bars (0:04)" in out
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


def test_channels_agree_in_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "duo.mid"
    tracks = [
        note_track(scale_melody(2), name="Sax", program=66, channel=3),
        note_track([(36, 0.0, 8.0)], name="Bass", program=32, channel=9 - 8),
    ]
    path.write_bytes(make_midi(tracks))
    info = _json(["inspect", str(path), "--json"], capsys)
    assert [t["channel"] for t in info["tracks"]] == [4, 2]  # as DAWs number them
    assert run(["inspect", str(path)]) == 0
    rows = [
        line for line in capsys.readouterr().out.splitlines() if "Sax" in line or "Bass" in line
    ]
    assert [int(line.split()[-3]) for line in rows[:2]] == [4, 2]


def test_key_signature_in_text(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import mido

    midi = mido.MidiFile(file=io.BytesIO(make_midi([note_track(scale_melody(2))])))
    midi.tracks[0].insert(0, mido.MetaMessage("key_signature", key="Eb"))
    path = tmp_path / "eb.mid"
    midi.save(str(path))
    assert run(["inspect", str(path)]) == 0
    assert "meter 4/4, key Eb, 120 qpm" in capsys.readouterr().out
    assert _json(["inspect", str(path), "--json"], capsys)["key"] == "Eb"


def test_empty_tracks_are_listed_and_an_empty_melody_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "solo.mid"
    tracks = [
        note_track([], name="Melody", program=66, channel=0),
        note_track([(p, i * 2.0, 2.0) for i, p in enumerate([60, 64, 67, 65])], name="Chords",
                   program=0, channel=1),
    ]  # fmt: skip
    path.write_bytes(make_midi(tracks))
    assert run(["inspect", str(path)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"Error: {path}: the melody track 0 'Melody' has no notes "
        "(pass --melody-track to use another track)"
    )
    info = _json(["inspect", str(path), "--json", "--melody-track", "Chords"], capsys)
    assert [(t["name"], t["notes"]) for t in info["tracks"]] == [("Melody", 0), ("Chords", 4)]
    assert run(["inspect", str(path), "--melody-track", "1"]) == 0
    assert "    0  Melody " in capsys.readouterr().out


def test_bars_of_the_file_ignore_a_release_tail(tmp_path: Path, capsys) -> None:
    path = tmp_path / "tail.mid"
    notes = [(60, 0.0, 1.0), (62, 4.0, 1.0), (64, 7.0, 1.05)]  # rings 0.05 into bar 3
    path.write_bytes(make_midi([note_track(notes)]))
    assert _json(["inspect", str(path), "--json"], capsys)["bars_in_file"] == 2
    assert run(["inspect", str(path), "--start-bar", "3"]) == 1
    assert "--start-bar must be in 1..2 (the file's bars), got 3" in capsys.readouterr().err
    late = tmp_path / "late.mid"  # a note that starts in bar 3 makes bar 3, however short
    late.write_bytes(make_midi([note_track([*notes[:2], (64, 8.0, 0.05)])]))
    assert _json(["inspect", str(late), "--json"], capsys)["bars_in_file"] == 3
