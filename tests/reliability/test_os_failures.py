"""Reliability: failures of the system are one line, and nothing is lost.

Full disks and read-only folders (small tmpfs mounts; skipped with the reason when not
root), outputs that are folders or lie under files, `--force` over things that are not
ours, a second run on the same output, and a corpus replaced while being killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from attacks import ROOT, fill, one_line_error, read_only, run_bounded, tmpfs
from conftest import make_midi, note_track, scale_melody

from jazzgen.cli import run
from jazzgen.corpus import store
from jazzgen.corpus.store import load_corpus, load_vocab
from jazzgen.io.outputs import output_lock

pytestmark = pytest.mark.reliability

MODEL = str(ROOT / "models" / "default")
GENERATE = ["generate", "--model", MODEL, "--bars", "4", "--seed", "1"]
TINY_TRAIN = ["--epochs", "1", "--tx", "8", "--units", "8", "--batch-size", "16", "--quiet"]


def _midi_folder(folder: Path, count: int = 3) -> Path:
    """`count` small MIDI files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        notes = scale_melody(4, start_pitch=62 + i)
        (folder / f"tune{i}.mid").write_bytes(make_midi([note_track(notes)]))
    return folder


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_generate_force_on_a_full_disk_keeps_the_old_file(tmp_path: Path, capsys) -> None:
    with tmpfs(tmp_path / "disk") as disk:
        solo = disk / "solo.mid"
        assert run([*GENERATE, "--out", str(solo)]) == 0
        good = solo.read_bytes()
        fill(disk)
        capsys.readouterr()
        assert run([*GENERATE, "--seed", "2", "--out", str(solo), "--force"]) == 1
        line = one_line_error(capsys.readouterr().err)
        assert line == f"Error: cannot write {solo}: No space left on device"
        assert solo.read_bytes() == good
        assert _listing(disk) == ["filler", "solo.mid"]  # no temporary or lock file left


def test_preprocess_on_a_full_disk_keeps_the_old_corpus(tmp_path: Path, capsys) -> None:
    inputs = _midi_folder(tmp_path / "in")
    with tmpfs(tmp_path / "disk") as disk:
        corpus = disk / "corpus"
        assert run(["preprocess", str(inputs), "--out", str(corpus), "--jobs", "1"]) == 0
        before = {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()}
        _midi_folder(inputs, 6)  # new inputs: their cache entries must be written
        fill(disk)
        capsys.readouterr()
        args = ["preprocess", str(inputs), "--out", str(corpus), "--jobs", "1", "--force"]
        assert run(args) == 1
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert "Traceback" not in err and len(lines) <= 2, err  # a cache warning, the error
        assert lines[-1].startswith("Error: cannot write") and "No space left" in lines[-1]
        assert {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()} == before
        assert _listing(disk) == ["corpus", "filler"]
        assert len(load_vocab(corpus, load_corpus(corpus))) > 0


def test_train_on_a_full_disk_is_one_line(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    assert run(["preprocess", str(_midi_folder(tmp_path / "in")), "--out", str(corpus)]) == 0
    with tmpfs(tmp_path / "disk") as disk:
        fill(disk)
        capsys.readouterr()
        assert run(["train", str(corpus), "--out", str(disk / "b"), *TINY_TRAIN]) == 1
        line = one_line_error(capsys.readouterr().err)
        assert "No space left on device" in line
        assert not (disk / "b").exists()
        assert not [p for p in disk.rglob("*") if p.name.endswith(".tmp")]


def test_read_only_folders_are_one_line(tmp_path: Path, capsys) -> None:
    inputs = _midi_folder(tmp_path / "in", 2)
    midi = inputs / "tune0.mid"
    with tmpfs(tmp_path / "ro") as folder:
        read_only(folder)
        commands = [
            [*GENERATE, "--out", str(folder / "s.mid")],
            ["preprocess", str(inputs), "--out", str(folder / "c"), "--jobs", "1"],
            ["train", str(inputs), "--out", str(folder / "b"), *TINY_TRAIN],
            ["render", str(midi), "--png", str(folder / "r.png")],
        ]
        for args in commands:
            assert run(args) == 1
            assert "Read-only file system" in one_line_error(capsys.readouterr().err)
        assert _listing(folder) == []


def _unprivileged() -> list[str]:
    """A command prefix that runs as a user whom file permissions apply to: nothing when
    not root, else `setpriv` as nobody (skips when that is not possible here)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root ignores file permissions and setpriv is missing to drop them")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_permissions_are_one_line() -> None:
    prefix = _unprivileged()
    folder = Path(tempfile.mkdtemp(prefix="jazzgen-perm-"))  # reachable by nobody
    try:
        folder.chmod(0o755)
        secret = folder / "secret.mid"
        secret.write_bytes(make_midi([note_track(scale_melody(2))]))
        secret.chmod(0o000)
        closed = folder / "closed"
        closed.mkdir(mode=0o555)
        env = {"HOME": str(folder), "MPLCONFIGDIR": str(folder)}
        inspect = run_bounded(["inspect", str(secret)], prefix=prefix, env=env)
        assert "cannot read file: Permission denied" in one_line_error(inspect.err)
        generate = [*GENERATE, "--out", str(closed / "s.mid")]
        outcome = run_bounded(generate, prefix=prefix, env=env)
        assert "Permission denied" in one_line_error(outcome.err)
        assert list(closed.iterdir()) == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_outputs_that_are_folders_or_under_files(tmp_path: Path, capsys) -> None:
    midi = _midi_folder(tmp_path / "in", 1) / "tune0.mid"
    (tmp_path / "dir.mid").mkdir()
    (tmp_path / "file").write_text("a file")
    under = tmp_path / "file" / "x"
    cases = [
        ([*GENERATE, "--out", str(tmp_path / "dir.mid")], "is a folder"),
        ([*GENERATE, "--out", f"{under}.mid"], "is a file, not a folder"),
        (["render", str(midi), "--png", f"{under}.png"], "is a file, not a folder"),
        (["preprocess", str(midi), "--out", str(tmp_path / "file")], "is a file, not a folder"),
        (["preprocess", str(midi), "--out", str(under)], "file is a file, not a folder"),
        (["train", str(midi), "--out", str(under), *TINY_TRAIN], "file is a file, not a folder"),
    ]
    for args, reason in cases:
        assert run(args) == 1, args
        assert reason in one_line_error(capsys.readouterr().err), args


def test_force_replaces_a_bundle_with_learned_files(tmp_path: Path, capsys) -> None:
    """A bundle that holds what training learned (realizer.json, performance.json,
    calibration.json) is a bundle: --force retrains over it (it was refused before)."""
    from jazzgen.training.bundle import bundle_dir_problem

    tunes = _midi_folder(tmp_path / "tunes")
    out = tmp_path / "mine"
    out.mkdir()
    for name in ("config.json", "model.keras", "realizer.json", "performance.json",
                 "calibration.json"):  # fmt: skip
        (out / name).write_text("{}")
    assert bundle_dir_problem(out) is None
    assert run(["train", str(tunes), "--out", str(out), "--force", *TINY_TRAIN]) == 0
    for name in ("config.json", "calibration.json"):  # written anew (the default preset
        assert (out / name).read_text() != "{}", name  # calibrates)
    (out / "NOTES.md").write_text("mine")
    assert "not part of a model bundle (NOTES.md)" in str(bundle_dir_problem(out))


def test_force_never_replaces_user_files_nor_inputs(tmp_path: Path, capsys) -> None:
    tunes = _midi_folder(tmp_path / "tunes")
    (tunes / "notes.txt").write_text("my notes")
    before = {p.name: p.read_bytes() for p in tunes.iterdir()}
    assert run(["train", str(tunes), "--out", str(tunes), "--force", *TINY_TRAIN]) == 1
    assert "would replace the input" in one_line_error(capsys.readouterr().err)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.tex").write_text("precious")
    assert run(["train", str(tunes), "--out", str(docs), "--force", *TINY_TRAIN]) == 1
    assert "not part of a model bundle (thesis.tex)" in one_line_error(capsys.readouterr().err)
    assert {p.name: p.read_bytes() for p in tunes.iterdir()} == before
    assert _listing(docs) == ["thesis.tex"]
    primer = tunes / "tune0.mid"
    assert run([*GENERATE, "--primer", str(primer), "--out", str(primer), "--force"]) == 1
    assert "would replace the input" in one_line_error(capsys.readouterr().err)
    text = tmp_path / "letter.mid"
    text.write_text("Dear friend, ...")
    assert run([*GENERATE, "--out", str(text), "--force"]) == 1
    assert "is not a .mid file jazzgen wrote" in one_line_error(capsys.readouterr().err)
    assert {p.name: p.read_bytes() for p in tunes.iterdir()} == before


def test_a_second_run_on_the_same_output_is_refused(tmp_path: Path, capsys) -> None:
    inputs = _midi_folder(tmp_path / "in", 2)
    outputs = {
        "bundle": ["train", str(inputs), "--force", *TINY_TRAIN, "--out"],
        "corpus": ["preprocess", str(inputs), "--force", "--out"],
        "solo.mid": [*GENERATE, "--force", "--out"],
    }
    for name, args in outputs.items():
        with output_lock(tmp_path / name):
            assert run([*args, str(tmp_path / name)]) == 1
            line = one_line_error(capsys.readouterr().err)
            assert f"is being written by another jazzgen run (pid {os.getpid()})" in line
        assert not (tmp_path / name).exists()
    assert _listing(tmp_path) == ["in"]  # lock files are removed


def _corpus_consistent(corpus: Path) -> int:
    """Pieces in `corpus` after checking its vocabulary covers them (a torn corpus fails)."""
    pieces = load_corpus(corpus)
    load_vocab(corpus, pieces)
    return len(pieces)


def test_a_corpus_is_replaced_as_a_whole(tmp_path: Path, monkeypatch, capsys) -> None:
    old_inputs = _midi_folder(tmp_path / "old", 2)
    new_inputs = _midi_folder(tmp_path / "new", 5)
    for i in range(5):  # other music: another vocabulary
        notes = [(70 + (k % 7) * (i + 1) % 12, k * 0.75, 0.7) for k in range(40)]
        (new_inputs / f"tune{i}.mid").write_bytes(make_midi([note_track(notes)]))
    corpus = tmp_path / "corpus"
    assert run(["preprocess", str(old_inputs), "--out", str(corpus), "--jobs", "1"]) == 0
    old = {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()}

    class Killed(BaseException):
        pass

    real_write, calls = store.write_atomic, []

    def dying_write(path, data):
        calls.append(path)
        if len(calls) == 2:  # vocab.json written, corpus.jsonl not yet
            raise Killed
        return real_write(path, data)

    monkeypatch.setattr(store, "write_atomic", dying_write)
    with pytest.raises(Killed):
        run(["preprocess", str(new_inputs), "--out", str(corpus), "--jobs", "1", "--force"])
    monkeypatch.setattr(store, "write_atomic", real_write)
    monkeypatch.setattr(store, "replace_dir", lambda new, target: (_ for _ in ()).throw(Killed))
    with pytest.raises(Killed):
        run(["preprocess", str(new_inputs), "--out", str(corpus), "--jobs", "1", "--force"])
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()} == old
    assert _corpus_consistent(corpus) == 2
    capsys.readouterr()
    assert run(["preprocess", str(new_inputs), "--out", str(corpus), "--jobs", "1", "--force"]) == 0
    assert _corpus_consistent(corpus) == 5
    assert _listing(tmp_path) == ["corpus", "new", "old"]  # leftovers were tidied


def test_sigkill_during_preprocess_force_never_tears_the_corpus(tmp_path: Path) -> None:
    inputs = _midi_folder(tmp_path / "in", 24)
    corpus = tmp_path / "corpus"
    args = [sys.executable, "-m", "jazzgen", "preprocess", str(inputs), "--out", str(corpus)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert subprocess.run([*args, "--jobs", "1"], env=env, capture_output=True).returncode == 0
    counts = {_corpus_consistent(corpus)}
    for delay in (0.4, 0.6, 0.8, 1.0, 1.2):
        shutil.rmtree(corpus / "cache", ignore_errors=True)  # every file encoded again
        proc = subprocess.Popen([*args, "--jobs", "1", "--force"], env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        counts.add(_corpus_consistent(corpus))  # old or new corpus, never a mixture
    assert counts == {24}
