"""`make demo` as a new user sees it: quiet, says what is missing, names the WAV last;
pyproject.toml's license in the SPDX form setuptools asks for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)


def _make_demo(tmp_path: Path, path: str) -> subprocess.CompletedProcess[str]:
    """`make demo` with this environment's venv (its install step not rerun)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    if not (VENV / "bin" / "jazzgen").is_file():
        pytest.skip("jazzgen is not installed in this environment's venv")
    args = ["make", "-s", "-C", str(ROOT), "demo", f"VENV={VENV}", f"OUT={tmp_path}",
            "-o", f"{VENV}/.installed", "-o", f"{VENV}/bin/python"]  # fmt: skip
    env = {**os.environ, "PATH": path}
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.slow
def test_demo_without_fluidsynth_says_so(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("make", "sh", "mkdir", "cat", "python3"):
        found = shutil.which(tool)
        if found:
            (bare / tool).symlink_to(found)
    proc = _make_demo(tmp_path, str(bare))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("no WAV this time: FluidSynth is not installed: install it with")
    assert lines[-1].startswith(f"Your solo: {tmp_path}/demo.mid") and "no WAV" in lines[-1]
    assert any(line.startswith("seed ") for line in lines)  # a fresh solo each run
    assert len(lines) <= 8 and "pip" not in proc.stdout
    assert (tmp_path / "demo.mid").is_file() and not (tmp_path / "demo.wav").exists()


@pytest.mark.slow
def test_demo_names_the_wav_last(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from jazzgen.output.audio import renderer_problem

    if renderer_problem() is not None:
        pytest.skip(f"no WAV rendering here: {renderer_problem()}")
    proc = _make_demo(tmp_path, os.environ["PATH"])
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last == (
        f"Your solo: {tmp_path}/demo.mid (open it in a DAW), listen: {tmp_path}/demo.wav, "
        f"look: {tmp_path}/demo.png"
    )
    assert (tmp_path / "demo.wav").stat().st_size > 1000


def test_license_is_an_spdx_expression_with_its_file() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"  # not the deprecated {text = ...} table
    for pattern in project["project"]["license-files"]:
        assert list(ROOT.glob(pattern)), pattern
    requires = project["build-system"]["requires"]
    assert any(r.startswith("setuptools>=") and int(r.split(">=")[1]) >= 77 for r in requires)
    assert "live" in project["project"]["optional-dependencies"]
