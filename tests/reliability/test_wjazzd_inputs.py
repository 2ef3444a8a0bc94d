"""Reliability: a hostile or broken Weimar Jazz Database file fails in one line, quickly.

The SQLite file is opened by sqlite3, not read whole, so it is checked first
(`io.files.check_input_file`: a FIFO or device is never opened, the `database-mb` limit);
a solo's rows are read up to the `notes` limit; a solo whose bars, meters or pitches are
absurd is refused before a bar layout is made (`export`/`inspect`: one `Error:` line,
`preprocess`: the solo skipped with the reason). Tiny databases from `wjazzd_db`.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from attacks import assert_bounded, one_line_error, run_bounded
from wjazzd_db import make_wjazzd, tiny_solos

from jazzgen.cli import run

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_wjazzd(tmp_path_factory.mktemp("wjazzd") / "tiny.db", tiny_solos())


def _variant(tiny_db: Path, folder: Path, sql: str) -> Path:
    """A copy of the tiny database with `sql` applied."""
    path = folder / "hostile.db"
    shutil.copy(tiny_db, path)
    with sqlite3.connect(path) as connection:
        connection.executescript(sql)
    return path


def test_a_fifo_named_like_a_database_is_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "wjazzd.db"
    os.mkfifo(fifo)
    for args in (
        ["inspect", str(fifo)],
        ["export", str(fifo), "--solo", "1", "--out", str(tmp_path / "s.mid")],
        ["preprocess", str(fifo), "--out", str(tmp_path / "c"), "--jobs", "1"],
    ):
        outcome = run_bounded(args, timeout=20)
        assert outcome.code == 1
        assert "not a regular file: a FIFO (named pipe)" in one_line_error(outcome.err)
        assert_bounded(outcome)
    assert not (tmp_path / "s.mid").exists() and not (tmp_path / "c").exists()


def test_the_database_size_limit(tiny_db: Path, capsys) -> None:
    assert run(["--limit", "database-mb=0.01", "inspect", str(tiny_db)]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "more than the limit database-mb=0.01" in line
    assert run(["inspect", str(tiny_db)]) == 0


def test_a_solo_with_more_rows_than_the_notes_limit(tiny_db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "s.mid"
    assert (
        run(["--limit", "notes=10", "export", str(tiny_db), "--solo", "1", "--out", str(out)]) == 1
    )
    line = one_line_error(capsys.readouterr().err)
    assert f"{tiny_db}#1: a solo of over 10 melody rows, more than the limit notes=10" in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("UPDATE melody SET bar = -1000000000 WHERE eventid = 1", "more than the limit bars="),
        ("UPDATE beats SET bar = 1000000000 WHERE beatid = 5", "more than the limit bars="),
        ("UPDATE melody SET num = 100000, denom = 1 WHERE melid = 1", "meter 100000/1"),
        ("UPDATE melody SET pitch = 1e30 WHERE eventid = 2", "pitch must be in range 0..127"),
    ],
    ids=["bar -1e9", "beats bar 1e9", "meter 100000/1", "pitch 1e30"],
)
def test_absurd_solos_are_refused_in_one_line(
    tiny_db: Path, tmp_path: Path, sql: str, reason: str
) -> None:
    database = _variant(tiny_db, tmp_path, sql)
    out = tmp_path / "s.mid"
    outcome = run_bounded(["export", str(database), "--solo", "1", "--out", str(out)])
    assert outcome.code == 1
    assert reason in one_line_error(outcome.err)
    assert_bounded(outcome)
    assert not out.exists()


def test_preprocess_skips_an_absurd_solo_and_keeps_the_others(
    tiny_db: Path, tmp_path: Path, capsys
) -> None:
    database = _variant(tiny_db, tmp_path, "UPDATE melody SET bar = 1000000000 WHERE melid = 1")
    corpus = tmp_path / "corpus"
    assert run(["preprocess", str(database), "--out", str(corpus), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "skipped solo 1: bars" in err and "more than the limit bars=10000" in err
    assert (corpus / "corpus.jsonl").is_file()


def test_preprocess_skips_a_solo_over_the_notes_limit(
    tiny_db: Path, tmp_path: Path, capsys
) -> None:
    corpus = tmp_path / "corpus"
    args = ["--limit", "notes=60", "preprocess", str(tiny_db), "--out", str(corpus), "--jobs", "1"]
    assert run(args) == 0
    err = capsys.readouterr().err
    assert "skipped solo 1: a solo of over 60 melody rows, more than the limit notes=60" in err
    report = json.loads((corpus / "report.json").read_text())
    assert [entry["melid"] for entry in report["files"]] == sorted(
        entry["melid"] for entry in report["files"]
    )
    assert report["files"][0]["performer"] == "Art Pepper"
