"""The README's short tour runs as written (training lines excepted: they take minutes;
`--model models/mine` runs on the bundled model instead)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from jazzgen.cli import run
from jazzgen.generation.generate import default_model_dir
from jazzgen.output.audio import renderer_problem

ROOT = Path(__file__).resolve().parents[2]


def tour_commands() -> list[str]:
    """The `jazzgen ...` lines of the tour's shell block, continuation lines joined."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = text.split("## A short tour", 1)[1]
    block = re.search(r"```sh\n(.*?)```", tour, flags=re.DOTALL)
    assert block is not None
    lines = block.group(1).replace("\\\n", " ").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.startswith("jazzgen ")]


def test_the_tour_has_the_new_features() -> None:
    text = " ".join(tour_commands())
    for feature in ("--chords-file", "--tune", "--musicxml", "inspect", "preprocess", "train"):
        assert feature in text


@pytest.mark.slow
@pytest.mark.skipif(
    not (default_model_dir() / "weights.npz").is_file(), reason="models/default has no weights"
)
def test_the_tour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for name in ("data", "docs"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    ran = 0
    for line in tour_commands():
        argv = shlex.split(line)[1:]
        if argv[0] == "train" or any("wjazzd" in arg for arg in argv):
            continue  # minutes of training; the WJazzD file is a download
        if "--model" in argv:
            del argv[argv.index("--model") : argv.index("--model") + 2]
        if "--wav" in argv and renderer_problem() is not None:
            continue
        assert run(argv) == 0, (line, capsys.readouterr().err)
        ran += 1
    assert ran >= 7
