"""Input files: which files jazzgen reads, finding them in folders, reading and hashing them.

Every input file is read by `read_input_bytes`: it refuses what is not a regular file
(folders, FIFOs, devices, sockets) before opening it for reading, never blocks on a FIFO,
and refuses a file larger than the `input-mb` limit (core.limits) before reading it. A
file that another library opens itself (the SQLite file of the Weimar Jazz Database) is
checked the same way by `check_input_file` first.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from jazzgen.core import limits
from jazzgen.core.errors import (
    FILE_NOT_FOUND,
    BundleError,
    InputFileError,
    InputLimitError,
    not_found,
    os_reason,
)

MIDI_EXTENSIONS = (".mid", ".midi")


LEADSHEET_EXTENSIONS = (".xml", ".mxl", ".musicxml", ".abc")


SUPPORTED_EXTENSIONS = MIDI_EXTENSIONS + LEADSHEET_EXTENSIONS


def collect_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into supported input files.

    Explicitly named files are kept whatever their extension (so a bad one is reported);
    folders contribute files with a supported extension, sorted. Duplicates are removed.
    A missing input raises InputFileError.
    """
    result: list[Path] = []
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS
            )
            if not found:
                raise InputFileError(path, f"folder has no {'/'.join(SUPPORTED_EXTENSIONS)} files")
        elif path.exists():
            found = [path]
        else:
            raise InputFileError(path, not_found(path))
        for p in found:
            resolved = p.resolve()
            if resolved not in seen:
                seen.add(resolved)
                result.append(p)
    return result


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    """Why a file of this `st_mode` is not read ("not a regular file: a FIFO..."), or None."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"not a regular file: {kind}"


def _check_stat(path: Path, info: os.stat_result, max_bytes: int, limit: str = "input_mb") -> None:
    """InputFileError unless `info` is a regular file of at most `max_bytes` (the limit
    named `limit`)."""
    problem = _not_regular(info.st_mode)
    if problem is not None:
        raise InputFileError(path, problem)
    if info.st_size > max_bytes:
        megabytes = info.st_size / 1024 / 1024
        raise InputLimitError(path, limits.exceeded(limit, f"file of {megabytes:.1f} MB"))


def check_input_file(path: str | Path, limit: str = "input_mb") -> None:
    """InputFileError (one line) unless `path` is a regular file within the size limit
    `limit` (a field of `core.limits.Limits` in MB), for a file that another library opens
    itself (SQLite): checked with stat, so a FIFO or a device is never opened.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputFileError(path, FILE_NOT_FOUND) from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read file: {os_reason(exc)}") from None
    _check_stat(path, info, limits.current().bytes(limit), limit)
    if not os.access(path, os.R_OK):
        raise InputFileError(path, "cannot read file: permission denied")


def read_input_bytes(path: str | Path, max_bytes: int | None = None) -> bytes:
    """The content of the input file `path`; InputFileError with a one-line reason when it
    is missing, not a regular file, unreadable, or larger than `max_bytes` (default: the
    `input-mb` limit).

    The file is checked with stat before it is opened (a device is never opened), opened
    without blocking (a FIFO swapped in meanwhile does not hang) and checked again.
    """
    path = Path(path)
    max_bytes = limits.current().bytes("input_mb") if max_bytes is None else max_bytes
    try:
        _check_stat(path, path.stat(), max_bytes)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read file: {os_reason(exc)}") from None
    try:
        with os.fdopen(fd, "rb") as handle:
            _check_stat(path, os.fstat(handle.fileno()), max_bytes)
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        if exc.errno == errno.EAGAIN:
            raise InputFileError(path, "not a regular file") from None
        raise InputFileError(path, f"cannot read file: {os_reason(exc)}") from None
    if len(data) > max_bytes:  # the file grew while it was read
        raise InputLimitError(path, limits.exceeded("input_mb", "file still growing"))
    return data


def file_head(path: str | Path, size: int) -> bytes | None:
    """The first `size` bytes of `path`, None when it is not a regular file that can be
    read (checked before it is opened, and opened without blocking, as in
    `read_input_bytes`)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        with os.fdopen(os.open(path, flags), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            return handle.read(size)
    except OSError:
        return None


def read_bundle_json(path: Path) -> object:
    """The parsed JSON of a bundle file; BundleError with one line when it is unreadable or
    not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{path}: not readable JSON ({exc})") from None


def checked_format(data: object, expected: int, what: str, where: str) -> dict:
    """`data` (a bundle file's JSON) when it is an object of `"format"` `expected`;
    BundleError naming `what` ('realizer') otherwise."""
    if not isinstance(data, dict) or data.get("format") != expected:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise BundleError(f"{where}: {what} format must be {expected}, got {found!r}")
    return data


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file's content; InputFileError when it cannot be read."""
    return hashlib.sha256(read_input_bytes(path)).hexdigest()


def source_files_hash(directory: str | Path) -> str:
    """sha256 over the music files under `directory` (relative path + content, sorted).

    The bundled default model records this for `data/`, and a test recomputes it, so the
    model never silently goes stale when the corpus changes.
    """
    root = Path(directory)
    digest = hashlib.sha256()
    for path in collect_inputs([root]):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(read_input_bytes(path)).digest())
    return digest.hexdigest()
