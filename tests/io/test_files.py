"""io.files.read_input_bytes: only regular files are read, never blocking, sizes bounded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jazzgen.core.errors import InputFileError, InputLimitError
from jazzgen.core.limits import Limits, use_limits
from jazzgen.io.files import file_sha256, read_input_bytes


def test_reads_regular_files_and_refuses_the_rest(tmp_path: Path) -> None:
    good = tmp_path / "a.mid"
    good.write_bytes(b"MThd")
    assert read_input_bytes(good) == b"MThd"
    assert len(file_sha256(good)) == 64
    fifo = tmp_path / "f.mid"
    os.mkfifo(fifo)
    cases = {
        fifo: "not a regular file: a FIFO (named pipe)",
        tmp_path: "not a regular file: a folder",
        tmp_path / "missing.mid": "file not found",
    }
    if Path("/dev/null").exists():
        cases[Path("/dev/null")] = "not a regular file: a character device"
    for path, reason in cases.items():
        with pytest.raises(InputFileError) as info:
            read_input_bytes(path)
        assert info.value.reason == reason


def test_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.mid"
    big.write_bytes(b"x" * (2 * 1024 * 1024))
    with use_limits(Limits(input_mb=1)), pytest.raises(InputLimitError, match="input-mb=1"):
        read_input_bytes(big)
    assert len(read_input_bytes(big)) == 2 * 1024 * 1024
