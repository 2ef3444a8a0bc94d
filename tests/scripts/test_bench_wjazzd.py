"""scripts/bench_wjazzd.py documents itself, skips without the database, and measures the
preprocessing of a (tiny) database in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from wjazzd_db import make_wjazzd, tiny_solos

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _bench():
    sys.path.insert(0, str(SCRIPTS))
    try:
        import bench_wjazzd
    finally:
        sys.path.remove(str(SCRIPTS))
    return bench_wjazzd


def test_help_exits_zero() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "bench_wjazzd.py"), "--help"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "--batches" in done.stdout and "pipeline_overhead" in done.stdout


def test_skips_without_the_database(tmp_path: Path, capsys) -> None:
    assert _bench().run_all(tmp_path / "missing.db", 1, 10, tmp_path) == []
    line = json.loads(capsys.readouterr().out)
    assert line["measure"] == "wjazzd" and "not found" in line["skipped"]


def test_preprocess_measurement_on_a_tiny_database(tmp_path: Path, capsys) -> None:
    db = make_wjazzd(tmp_path / "tiny.db", tiny_solos())
    line = _bench().preprocess_runs(db, 1, tmp_path)
    assert (line["ok"], line["skipped"], line["runs"]) == (5, 1, 1)
    assert line["min_seconds"] > 0 and line["goal_seconds"] == 5.0
