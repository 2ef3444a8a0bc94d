"""Writing output files so that a crash or a full disk never leaves half a file.

`write_atomic(path, data)` writes to a temporary file in the same folder and renames it
over `path` in one step: readers see the old file or the new one, never a mixture, and a
failed write leaves the old file as it was (the temporary file is removed).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write `data` (bytes, or text as UTF-8) to `path` atomically; return the path.

    The file gets the usual permissions for a new file (0666 minus the umask). The folder
    must exist. OSError propagates (the caller turns it into a one-line error).
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it private; an output file is not
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
