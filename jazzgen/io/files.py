"""Input files: which files jazzgen reads, finding them in folders, and hashing them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from jazzgen.core.errors import FILE_NOT_FOUND, InputFileError, not_found

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


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file's content; InputFileError when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise InputFileError(path, FILE_NOT_FOUND) from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read file: {exc.strerror or exc}") from None


def source_files_hash(directory: str | Path) -> str:
    """sha256 over the music files under `directory` (relative path + content, sorted).

    The bundled default model records this for `data/`, and a test recomputes it, so the
    model never silently goes stale when the corpus changes.
    """
    root = Path(directory)
    digest = hashlib.sha256()
    for path in collect_inputs([root]):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
