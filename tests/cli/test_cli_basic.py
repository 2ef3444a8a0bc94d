"""CLI basics: version, help, usage errors, and what `--help` must not import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jazzgen import __version__
from jazzgen.cli import run


def test_version(capsys) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"jazzgen {__version__}"


def test_unknown_option_is_one_error_line(capsys) -> None:
    assert run(["--no-such-option"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Error: ")


def test_unknown_command(capsys) -> None:
    assert run(["frobnicate"]) == 1
    assert capsys.readouterr().err.startswith("Error: ")


@pytest.mark.parametrize(
    "args", [["--help"], ["inspect", "--help"], ["preprocess", "--help"], ["export", "--help"]]
)
def test_help_is_light(args: list[str]) -> None:
    """`--help` (and inspect/preprocess) must not import TensorFlow, music21 or matplotlib."""
    heavy = ("tensorflow", "keras", "music21", "matplotlib")
    code = (
        f"import sys; from jazzgen.cli import run; rc = run({args!r}); "
        f"print('HEAVY', [m for m in {heavy!r} if m in sys.modules]); sys.exit(rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
    assert "Example" in proc.stdout or args == ["--help"]


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "jazzgen", "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"jazzgen {__version__}"


def test_generate_command_imports_no_tensorflow(tmp_path) -> None:
    """`jazzgen generate` (numpy engine) starts without TensorFlow, Keras or music21."""
    from jazzgen.generation.generate import default_model_dir

    if not (default_model_dir() / "weights.npz").is_file():
        pytest.skip("models/default has no weights.npz")
    heavy = ("tensorflow", "keras", "music21")
    args = ["generate", "--bars", "2", "--out", str(tmp_path / "s.mid")]
    code = (
        f"import sys; from jazzgen.cli import run; rc = run({args!r}); "
        f"print('HEAVY', [m for m in {heavy!r} if m in sys.modules]); sys.exit(rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
    assert (tmp_path / "s.mid").is_file()
