"""Reliability: an interrupted training run resumes exactly, or fails in one line.

A run stopped after an epoch and resumed gives the weights of the uninterrupted run, also
with dropout (the dropout layers' random-generator states are checkpointed); damaged
state.json, run.json or checkpoint files are one line; history rows interleaved by a
second run are dropped.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from attacks import one_line_error

from jazzgen.cli import run

pytest.importorskip("keras")
pytestmark = pytest.mark.reliability

EPOCHS = 4
ARGS = ["--tx", "8", "--units", "8", "--batch-size", "8", "--seed", "5", "--patience", "0"]
ARGS += ["--dropout", "0.3", "--chord-input", "--quiet", "--epochs", str(EPOCHS)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from jazzgen.corpus import dataset
    from jazzgen.corpus.store import save_corpus

    directory = tmp_path_factory.mktemp("corpus")
    save_corpus(directory, dataset.synthetic_pieces(3, bars=8, seed=1), {"files": [], "ok": 3})
    return directory


def _interrupt_after(monkeypatch, last_epoch: int) -> None:
    """Make training stop with Ctrl-C once epoch `last_epoch` is checkpointed."""
    from jazzgen.training import checkpoint

    real = checkpoint.RunCheckpoint.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        real(self, epoch, logs)
        if epoch == last_epoch:
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint.RunCheckpoint, "on_epoch_end", on_epoch_end)


def _interrupted(corpus: Path, out: Path, monkeypatch) -> Path:
    """The work directory of a run of `out` stopped (Ctrl-C) after its second epoch."""
    with monkeypatch.context() as patch:
        _interrupt_after(patch, 1)
        assert run(["train", str(corpus), "--out", str(out), *ARGS]) == 130
    work = out.with_name(out.name + ".partial")
    assert json.loads((work / "state.json").read_text())["epoch"] == 1
    return work


@pytest.fixture(scope="module")
def interrupted_work(corpus: Path, tmp_path_factory) -> Path:
    """The work directory of one interrupted run, copied by the tests that damage it."""
    with pytest.MonkeyPatch.context() as patch:
        return _interrupted(corpus, tmp_path_factory.mktemp("interrupted") / "bundle", patch)


def _copy_of_run(work: Path, out: Path) -> Path:
    """A copy of the interrupted run `work` as the work directory of bundle `out`."""
    return Path(shutil.copytree(work, out.with_name(out.name + ".partial")))


def _epochs(history: Path) -> list[int]:
    with history.open(newline="") as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


def test_a_resumed_run_with_dropout_equals_the_uninterrupted_run(
    corpus: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert run(["train", str(corpus), "--out", str(straight), *ARGS]) == 0
    _interrupted(corpus, resumed, monkeypatch)
    assert run(["train", str(corpus), "--out", str(resumed), *ARGS, "--resume"]) == 0
    a, b = np.load(straight / "weights.npz"), np.load(resumed / "weights.npz")
    assert a.files == b.files
    for name in a.files:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert (straight / "history.csv").read_text() == (resumed / "history.csv").read_text()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (("state.json", "[1, 2]"), "not a training state"),
        (("state.json", '{"epoch": "one", "checkpoint": "ckpt-1.npz"}'), "not a training state"),
        (("state.json", '{"epoch": 1, "checkpoint": "../../etc/passwd"}'), "not a training state"),
        (("state.json", "{not json"), "state.json: not readable"),
        (("run.json", '{"model": 5}'), "run.json: not a jazzgen run"),
        (("ckpt-1.npz", None), "the checkpoint file named by state.json is missing"),
        (("ckpt-1.npz", "garbage"), "the checkpoint file named by state.json is damaged"),
    ],
)
def test_damaged_run_files_are_one_line(
    corpus: Path, interrupted_work: Path, tmp_path: Path, capsys, damage, message
) -> None:
    out = tmp_path / "bundle"
    work = _copy_of_run(interrupted_work, out)
    name, text = damage
    if text is None:
        (work / name).unlink()
    else:
        (work / name).write_text(text)
    assert run(["train", str(corpus), "--out", str(out), *ARGS, "--resume"]) == 1
    assert message in one_line_error(capsys.readouterr().err)
    assert not out.exists()


def test_history_rows_of_another_run_are_dropped_on_resume(
    corpus: Path, interrupted_work: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    work = _copy_of_run(interrupted_work, out)
    with (work / "history.csv").open("a") as handle:  # two runs writing one history.csv
        handle.write("0,0.5,1.2\nep,och\n1,0.4,1.1,9,9,9\n\n7,0.1,0.2,0.3,0.4\n")
    assert run(["train", str(corpus), "--out", str(out), *ARGS, "--resume"]) == 0
    assert _epochs(out / "history.csv") == list(range(EPOCHS))
