"""Reliability: hostile and broken input files fail in one line, quickly, in little memory.

Cases of issue 14's attack run: a planted music21 pickle, a lead sheet changed with an
older time stamp, a note 268M ticks long, an .mxl zip bomb, ABC lead sheets of thousands
of bars, a 1/64 meter, FIFOs and devices named like music files, chord charts of 10,000
bars, and the `--limit` option that raises a limit.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from attacks import (
    ROOT,
    abc_tune,
    assert_bounded,
    long_note_midi,
    one_line_error,
    run_bounded,
    zip_bomb_mxl,
)
from conftest import make_midi, note_track, scale_melody

from jazzgen.cli import run

pytestmark = pytest.mark.reliability


class _Payload:
    """Unpickling this runs a shell command: what a planted cache file could do."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def _plant_pickle(abc: Path, scratch: Path, marker: Path) -> Path:
    """Plant a music21 cache entry for `abc` (newer than it) that touches `marker`."""
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(ROOT)}
    code = (
        "import sys, music21.converter as c, music21.environment as e;"
        "print(c.PickleFilter(sys.argv[1]).getPickleFp("
        "e.Environment().getRootTempDir(), zipType='gz'))"
    )
    where = subprocess.run(
        [sys.executable, "-c", code, str(abc)], env=env, capture_output=True, text=True
    )
    target = Path(where.stdout.strip())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(zlib.compress(pickle.dumps(_Payload(f"touch {marker}"))))
    past = time.time() - 3600
    os.utime(abc, (past, past))
    return target


def test_a_planted_music21_pickle_cannot_run_code(tmp_path: Path) -> None:
    abc = tmp_path / "tune.abc"
    abc.write_text(abc_tune(8))
    scratch, marker = tmp_path / "scratch", tmp_path / "pwned"
    scratch.mkdir()
    _plant_pickle(abc, scratch, marker)
    # control: music21 reading the path itself does unpickle the planted file
    env = {**os.environ, "TMPDIR": str(scratch)}
    code = "import sys, music21; music21.converter.parse(sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, str(abc)], env=env, capture_output=True)
    assert marker.exists(), "the planted pickle is not where music21 looks: fix the test"
    marker.unlink()

    outcome = run_bounded(["inspect", str(abc)], env={"TMPDIR": str(scratch)})
    assert outcome.code == 0, outcome.err
    assert not marker.exists()
    assert "meter 4/4" in outcome.out


def test_a_changed_lead_sheet_is_always_read_again(tmp_path: Path, capsys) -> None:
    abc = tmp_path / "tune.abc"
    abc.write_text(abc_tune(8, "4/4"))
    assert run(["inspect", str(abc), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["time_signature"] == "4/4"
    abc.write_text(abc_tune(8, "3/4").replace("2 ", " "))  # 3/4 bars
    past = time.time() - 3600
    os.utime(abc, (past, past))  # older than anything a cache could hold
    assert run(["inspect", str(abc), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["time_signature"] == "3/4"


def test_a_note_268m_ticks_long_is_refused_at_once(tmp_path: Path, capsys) -> None:
    midi = tmp_path / "long.mid"
    midi.write_bytes(long_note_midi())
    outcome = run_bounded(["inspect", str(midi)])
    assert outcome.code == 1
    assert "hours of music, more than the limit hours=3" in one_line_error(outcome.err)
    assert_bounded(outcome)
    assert run(["preprocess", str(midi), "--out", str(tmp_path / "c"), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "skipped" in err and "limit hours=3" in err and "Error: no usable input" in err


def test_a_note_longer_than_the_limit_and_raising_the_limit(tmp_path: Path, capsys) -> None:
    notes = [*scale_melody(2), (60, 8.0, 4 * 70)]  # a note of 70 bars
    midi = tmp_path / "drone.mid"
    midi.write_bytes(make_midi([note_track(notes)]))
    assert run(["inspect", str(midi)]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "a note 70 bars long" in line and "jazzgen --limit note-bars=N" in line
    assert run(["--limit", "note-bars=100", "inspect", str(midi)]) == 0
    capsys.readouterr()
    assert run(["inspect", str(midi)]) == 1  # the raised limit was for that run only


def test_an_mxl_zip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.mxl"
    bomb.write_bytes(zip_bomb_mxl(200))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    outcome = run_bounded(["inspect", str(bomb)])
    assert outcome.code == 1
    assert "more than the limit leadsheet-mb=4" in one_line_error(outcome.err)
    assert_bounded(outcome)


@pytest.mark.parametrize("bars", [1_000, 10_000])
def test_abc_lead_sheets_of_thousands_of_bars(tmp_path: Path, bars: int) -> None:
    abc = tmp_path / "long.abc"
    abc.write_text(abc_tune(bars))
    outcome = run_bounded(["inspect", str(abc)])
    assert outcome.code == 1
    line = one_line_error(outcome.err)
    assert f"about {bars} measures" in line and "limit leadsheet-bars=500" in line
    assert_bounded(outcome)


def test_music21_has_a_time_budget(tmp_path: Path) -> None:
    abc = tmp_path / "slow.abc"
    abc.write_text(abc_tune(400))  # under the measure limit, many seconds for music21
    outcome = run_bounded(["--limit", "leadsheet-seconds=1", "inspect", str(abc)])
    assert outcome.code == 1
    assert "music21 took more than 1 s" in one_line_error(outcome.err)
    assert_bounded(outcome)


def test_a_lead_sheet_in_1_64_is_refused(tmp_path: Path, capsys) -> None:
    abc = tmp_path / "tiny.abc"
    abc.write_text("X:1\nT:t\nM:1/64\nL:1/64\nK:C\n" + " | ".join('"C"c' for _ in range(121)))
    assert run(["inspect", str(abc)]) == 1
    assert "unusable time signature 1/64" in one_line_error(capsys.readouterr().err)
    out = tmp_path / "solo.mid"
    assert run(["generate", "--leadsheet", str(abc), "--out", str(out)]) == 1
    assert "unusable time signature 1/64" in one_line_error(capsys.readouterr().err)
    assert not out.exists()


def test_fifos_and_devices_are_refused_before_any_read(tmp_path: Path) -> None:
    fifo = tmp_path / "x.mid"
    os.mkfifo(fifo)
    for args in (
        ["inspect", str(fifo)],
        ["preprocess", str(fifo), "--out", str(tmp_path / "c"), "--jobs", "1"],
        ["train", str(fifo), "--out", str(tmp_path / "b"), "--quiet"],
    ):
        outcome = run_bounded(args, timeout=20)
        assert outcome.code == 1, outcome.err
        assert "not a regular file: a FIFO (named pipe)" in outcome.err
        assert "Traceback" not in outcome.err
        assert outcome.seconds < 10
    device = tmp_path / "zero.mid"
    device.symlink_to("/dev/zero")
    outcome = run_bounded(["inspect", str(device)])
    assert "not a regular file: a character device" in one_line_error(outcome.err)


def test_a_chord_chart_of_10000_bars_is_refused_at_once(tmp_path: Path, capsys) -> None:
    start = time.monotonic()
    chart = " | ".join(["Dm7 G7", "Cmaj7"] * 5000)
    assert run(["generate", "--chords", chart, "--out", str(tmp_path / "s.mid")]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "a chord chart of 10000 bars, more than the limit solo-bars=4096" in line
    assert time.monotonic() - start < 10
