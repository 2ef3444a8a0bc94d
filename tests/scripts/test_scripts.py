"""The benchmark and report scripts start and document themselves (no training here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.mark.parametrize("script", ["bench.py", "quality_report.py"])
def test_help_exits_zero(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
    assert "--quick" in done.stdout


def test_architecture_doc_shows_the_current_tree() -> None:
    """docs/architecture.md's tree is the code's (`python scripts/module_tree.py --write`)."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        import module_tree
    finally:
        sys.path.remove(str(SCRIPTS))
    assert module_tree.documented_tree() == module_tree.tree(), (
        "docs/architecture.md is out of date: run `python scripts/module_tree.py --write`"
    )
    assert "(no docstring)" not in module_tree.tree()


def test_train_default_model_refuses_a_missing_database(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "train_default_model.py"), "--wjazzd",
         str(tmp_path / "none.db"), "--out", str(tmp_path / "b")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().startswith("Error: ") and "\n" not in done.stderr.strip()
    assert not (tmp_path / "b").exists()


def test_quality_report_wjazzd_needs_the_course_bundle(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    db.write_bytes(b"")
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "quality_report.py"), "--wjazzd", str(db)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "--course BUNDLE" in done.stderr
