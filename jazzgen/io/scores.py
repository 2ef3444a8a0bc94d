"""`read_score(path)`: any input file into a `Score`, by its extension.

`.mid`/`.midi` go to `io.midi_reader`, `.xml`/`.mxl`/`.musicxml`/`.abc` to
`io.leadsheet_reader`. A missing, unreadable or unsupported file raises `InputFileError`.
"""

from __future__ import annotations

from pathlib import Path

from jazzgen.core.errors import FILE_NOT_FOUND, InputFileError
from jazzgen.core.types import Score
from jazzgen.io.files import MIDI_EXTENSIONS, SUPPORTED_EXTENSIONS
from jazzgen.io.leadsheet_reader import read_leadsheet_score
from jazzgen.io.midi_reader import parse_midi_bytes


def read_score(path: str | Path) -> Score:
    """Read a MIDI file or a MusicXML/ABC lead sheet into a `Score`.

    Raises InputFileError (one-line `reason`) for a missing, unreadable, corrupt or empty file,
    an unsupported extension, SMPTE time division, or an absurd tempo.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise InputFileError(
            path,
            f"unsupported file type {suffix or '(none)'!r}: use one of "
            + ", ".join(SUPPORTED_EXTENSIONS),
        )
    if not path.exists():
        raise InputFileError(path, FILE_NOT_FOUND)
    if not path.is_file():
        raise InputFileError(path, "not a file")
    if suffix in MIDI_EXTENSIONS:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(path, f"cannot read file: {exc.strerror or exc}") from None
        return parse_midi_bytes(data, path)
    return read_leadsheet_score(path)
