"""Atomic output writes: the old file survives a failed write, no temporary file is left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jazzgen.core.errors import OutputError
from jazzgen.io import outputs


def test_write_atomic_replaces_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "solo.mid"
    outputs.write_atomic(target, b"old")
    outputs.write_atomic(target, "new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solo.mid"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "solo.mid"
    target.write_bytes(b"good")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", full_disk)
    with pytest.raises(OutputError, match=r"cannot write .*solo\.mid: No space left on device"):
        outputs.write_atomic(target, b"truncated")
    assert target.read_bytes() == b"good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solo.mid"]


def test_a_second_lock_on_one_output_is_refused_and_the_lock_file_goes(tmp_path: Path) -> None:
    target = tmp_path / "out" / "bundle"
    with outputs.output_lock(target):
        assert (tmp_path / "out" / ".bundle.lock").read_text().strip() == str(os.getpid())
        refused = pytest.raises(OutputError, match=r"another jazzgen run \(pid \d+\)")
        with refused, outputs.output_lock(target):
            pass
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []
    with outputs.output_lock(target):  # free again
        pass


def test_replace_dir_swaps_folders_and_restore_tidies_up(tmp_path: Path) -> None:
    target, new = tmp_path / "corpus", tmp_path / ".corpus.tmp-1"
    target.mkdir()
    (target / "a").write_text("old")
    new.mkdir()
    (new / "a").write_text("new")
    outputs.replace_dir(new, target)
    assert (target / "a").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]
    # a run killed between the two renames of the fallback: the old folder comes back
    target.rename(tmp_path / ".corpus.old-123")
    (tmp_path / ".corpus.tmp-2").mkdir()
    (tmp_path / ".corpus.x1.tmp").write_text("half")
    outputs.restore_interrupted(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]
    assert (target / "a").read_text() == "new"


def test_check_output_file_replaces_only_files_of_ours(tmp_path: Path) -> None:
    midi, text = tmp_path / "a.mid", tmp_path / "b.mid"
    midi.write_bytes(b"MThd\x00\x00\x00\x06")
    text.write_text("not music")
    with pytest.raises(OutputError, match="pass --force"):
        outputs.check_output_file(midi, option="--out", force=False)
    assert outputs.check_output_file(midi, option="--out", force=True) == midi
    with pytest.raises(OutputError, match=r"not a \.mid file jazzgen wrote"):
        outputs.check_output_file(text, option="--out", force=True)
    with pytest.raises(OutputError, match="is a folder"):
        outputs.check_output_file(tmp_path, option="--out", force=True)
    with pytest.raises(OutputError, match="is a file, not a folder"):
        outputs.check_output_file(midi / "c.mid", option="--out", force=True)


def test_check_not_input(tmp_path: Path) -> None:
    outputs.check_not_input(tmp_path / "out", [tmp_path / "in"], "--out")
    for out in (tmp_path / "in", tmp_path):
        with pytest.raises(OutputError, match="would replace the input"):
            outputs.check_not_input(out, [tmp_path / "in" / "a.mid"], "--out")
