"""Writing output files and folders: atomic, one run at a time, replacing only what is ours.

- `write_atomic(path, data)` writes to a temporary file in the same folder and renames it
  over `path` in one step: readers see the old file or the new one, never a mixture, and a
  failed write (disk full, read-only folder) leaves the old file as it was and no
  temporary file behind.
- `replace_dir(new, target)` puts a finished folder in the place of another in one step
  (Linux: `renameat2(RENAME_EXCHANGE)`; elsewhere two renames) and removes the old one.
- `output_lock(path)` lets one jazzgen run at a time write `path`: a lock file
  `.NAME.lock` beside it, held with `flock` (released when the process ends, even by
  kill -9); a second run fails at once with an `OutputError`.
- `check_output_file`, `check_not_input`, `make_folder`: the checks made before any work, so
  that a run never fails at its end for a reason known at its start.

Every OSError becomes an `OutputError` with one line: `cannot write PATH: REASON`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from jazzgen.core.errors import OutputError, os_reason, overwrite_refused

# What a file jazzgen writes starts with, by suffix: --force replaces only such files.
OUR_FILE_HEADERS: dict[str, tuple[bytes, ...]] = {
    ".mid": (b"MThd",),
    ".midi": (b"MThd",),
    ".wav": (b"RIFF",),
    ".png": (b"\x89PNG",),
    ".musicxml": (b"<?xml",),
    ".xml": (b"<?xml",),
    ".mxl": (b"PK",),
}


def cannot_write(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    """The OutputError of a failed write: `cannot write PATH: REASON`."""
    return OutputError(f"cannot write {os.fspath(path)}: {os_reason(exc)}")


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write `data` (bytes, or text as UTF-8) to `path` atomically; return the path.

    The file gets the usual permissions for a new file (0666 minus the umask). The folder
    must exist. OutputError (one line) when the file cannot be written; the old file, if
    any, is then unchanged and no temporary file is left.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp made it private; an output file is not
        os.replace(tmp, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> Path:
    """`data` as indented JSON (and a newline), written with `write_atomic`."""
    return write_atomic(path, json.dumps(data, indent=1) + "\n")


def write_with(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Atomic write by a function that writes a file itself (`write(tmp_path)`, e.g.
    Keras' `model.save` or numpy): into a temporary name in the same folder, then renamed."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def make_folder(folder: str | os.PathLike[str]) -> Path:
    """Create `folder` (and its parents) if missing; OutputError when that is impossible
    (a file in the way, a read-only file system, no permission)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in (folder, *folder.parents) if p.is_file()), folder)
        raise OutputError(f"cannot write {folder}: {blocker} is a file, not a folder") from None
    except OSError as exc:
        raise cannot_write(folder, exc) from None
    return folder


def temporary_folder_beside(target: Path) -> Path:
    """A new empty folder next to `target` (same file system, so a rename can move it into
    place), with the permissions of an ordinary new folder."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700
    except OSError as exc:
        raise cannot_write(target, exc) from None
    return tmp


def _exchange(a: Path, b: Path) -> bool:
    """Swap folders `a` and `b` in one step (Linux renameat2 RENAME_EXCHANGE); False where
    the system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


def replace_dir(new: Path, target: Path) -> None:
    """Put the finished folder `new` in the place of `target` (absent, or a folder) and
    remove the old folder. Readers see the old folder or the new one, never a mixture
    (without RENAME_EXCHANGE, `target` is missing for the moment between two renames; the
    old folder then waits as `.NAME.old-PID` until the next `restore_interrupted`)."""
    try:
        if not target.exists():
            os.replace(new, target)
        elif _exchange(new, target):
            shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old folder
        else:
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(new, target)
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise cannot_write(target, exc) from None


def restore_interrupted(target: Path) -> None:
    """Tidy up after a run that writing `target` was killed in (call it holding
    `output_lock(target)`, so no other run is at work): put the old folder back when a kill
    came between the two renames of `replace_dir`, and remove the temporary folders and
    files it left beside `target`."""
    if not target.parent.is_dir():
        return
    waiting = sorted(target.parent.glob(f".{target.name}.old-*"), key=os.path.getmtime)
    if waiting and not target.exists():
        with contextlib.suppress(OSError):
            os.replace(waiting.pop(), target)
    leftovers = [*waiting, *target.parent.glob(f".{target.name}.tmp-*")]
    leftovers += target.parent.glob(f".{target.name}.*.tmp")
    for leftover in leftovers:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                leftover.unlink()


def _lock_path(path: Path) -> Path:
    absolute = Path(os.path.abspath(path))
    return absolute.with_name(f".{absolute.name}.lock")


def _holder(fd: int) -> str:
    """' (pid N)' of the process holding the lock file `fd`, if it wrote its pid."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode("ascii").strip())
        return f" (pid {pid})"
    return ""


def _acquire(lock: Path, path: Path) -> int:
    """The fd of `lock`, locked by this process; OutputError when another process holds it."""
    import fcntl

    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise cannot_write(lock.parent, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise OutputError(
                f"{path} is being written by another jazzgen run{holder}: wait for it to "
                "finish, or choose another output"
            ) from None
        try:  # the previous holder may have removed the file between our open and flock
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


@contextlib.contextmanager
def output_lock(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the lock of output `path` (a file or a folder) inside the `with` block.

    The lock file `.NAME.lock` is made beside `path` (its folder is created if missing) and
    removed at the end. OutputError when another run holds it, or when the folder cannot be
    written (read-only, not a folder...). Without `fcntl` (Windows) there is no lock.
    """
    path = Path(path)
    try:
        import fcntl  # noqa: F401  (POSIX only)
    except ImportError:  # pragma: no cover - Windows
        yield path
        return
    lock = _lock_path(path)
    make_folder(lock.parent)
    fd = _acquire(lock, path)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError:
        pass  # the pid only makes the message of a refused run more helpful
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


@contextlib.contextmanager
def output_locks(paths: Iterable[str | os.PathLike[str] | None]) -> Iterator[None]:
    """`output_lock` of each of `paths` (None entries skipped), all held together."""
    with contextlib.ExitStack() as stack:
        for path in paths:
            if path is not None:
                stack.enter_context(output_lock(path))
        yield


def is_our_file(path: Path) -> bool:
    """Whether the existing file `path` is a file of the kind jazzgen writes under its name
    (by suffix: a MIDI file for .mid, a WAV for .wav...) or empty: what --force may replace."""
    headers = OUR_FILE_HEADERS.get(path.suffix.lower())
    if headers is None or not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            start = handle.read(8)
    except OSError:
        return False
    return not start or start.startswith(headers)


def check_output_file(path: str | os.PathLike[str], *, option: str, force: bool) -> Path:
    """Fail (OutputError) unless `path` can take an output file: not a folder, not under a
    file, and, when it exists, replaceable (`force`) and a file of ours (`is_our_file`).
    Creates nothing."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder: give a file name")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise OutputError(f"{option} {path}: {ancestor} is a file, not a folder")
    if path.exists() or path.is_symlink():
        if not force:
            raise OutputError(overwrite_refused(path))
        if not path.is_file() or not is_our_file(path):
            raise OutputError(
                f"{option} {path} exists and is not a {path.suffix or 'jazzgen'} file "
                "jazzgen wrote: refusing to replace it, even with --force"
            )
    return path


def check_not_input(
    out: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]], option: str
) -> None:
    """OutputError when the output `out` is one of `inputs`, or a folder holding one:
    replacing it would destroy what is being read."""
    target = Path(os.path.abspath(out)).resolve()
    for item in inputs:
        source = Path(os.path.abspath(item)).resolve()
        if source == target or target in source.parents:
            raise OutputError(
                f"{option} {out} would replace the input {item}: choose another {option}"
            )
