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
