"""Lead-sheet bytes into the text music21 reads: `.mxl` unpacked within bounds, sizes checked.

music21 is slow on long lead sheets (minutes for a thousand bars of ABC) and trusts the
sizes an archive declares, so before it sees anything, `leadsheet_text` checks:
- an `.mxl` archive is unpacked here, reading at most `leadsheet-mb` of its score (a zip
  bomb stops there, whatever sizes it declares);
- the text is at most `leadsheet-mb` long, and has at most `leadsheet-bars` measures (bar
  lines of ABC, `<measure>` elements of MusicXML in all parts), counted without parsing.
The limits are those of `core.limits`.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from jazzgen.core import limits
from jazzgen.core.errors import InputFileError, InputLimitError

MAX_ARCHIVE_ENTRIES = 1000
"""Files in an `.mxl` archive (a real one holds a handful: the score, META-INF, images)."""

_ABC_HEADER_RE = re.compile(r"^[A-Za-z]:.*$", re.MULTILINE)
_ABC_NOISE_RE = re.compile(r'"[^"\n]*"|%[^\n]*|![^!\n]*!')  # chord/annotation text, comments
_ABC_BAR_RE = re.compile(r"[:\[]*\|+[:\]\d]*|::")
_XML_MEASURE_RE = re.compile(rb"<measure[\s/>]")


def leadsheet_text(path: Path, data: bytes) -> tuple[str, bytes]:
    """('abc' or 'musicxml', the text music21 should read) for the lead-sheet file `path`
    whose content is `data`. InputFileError / InputLimitError (one line) when the archive
    is broken or the text is longer than the limits allow."""
    suffix = path.suffix.lower()
    kind = "abc" if suffix == ".abc" else "musicxml"
    text = mxl_score(path, data) if suffix == ".mxl" else data
    max_bytes = limits.current().bytes("leadsheet_mb")
    if len(text) > max_bytes:
        found = f"{len(text) / 1024 / 1024:.1f} MB of {kind.upper()}"
        raise InputLimitError(path, limits.exceeded("leadsheet_mb", found))
    measures = count_measures(kind, text)
    if measures > limits.current().leadsheet_bars:
        found = f"about {measures} measures (all parts)"
        raise InputLimitError(path, limits.exceeded("leadsheet_bars", found))
    return kind, text


def count_measures(kind: str, text: bytes) -> int:
    """Measures of a lead sheet, counted from its text without parsing it: bar lines in the
    tune body of ABC (header fields, comments and quoted text left out), `<measure>`
    elements of MusicXML (in all parts)."""
    if kind == "musicxml":
        return len(_XML_MEASURE_RE.findall(text))
    body = _ABC_NOISE_RE.sub(" ", _ABC_HEADER_RE.sub("", text.decode("utf-8", "replace")))
    return len(_ABC_BAR_RE.findall(body))


def _is_score_name(name: str) -> bool:
    """Whether music21 would read the archive member `name` as the score: the first file
    outside META-INF ending in .musicxml, .xml or .mxl (or named just '.xml')."""
    if "META-INF" in name:
        return False
    return PurePosixPath(name).suffix in (".musicxml", ".xml", ".mxl") or name == ".xml"


def mxl_score(path: Path, data: bytes) -> bytes:
    """The score file of the `.mxl` (zip) archive `data`, unpacked reading at most
    `leadsheet-mb` bytes of it (so a zip bomb costs no more than that)."""
    max_bytes = limits.current().bytes("leadsheet_mb")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ARCHIVE_ENTRIES:
                raise InputFileError(
                    path, f".mxl archive has {len(members)} files (at most {MAX_ARCHIVE_ENTRIES})"
                )
            member = next((m for m in members if _is_score_name(m.filename)), None)
            if member is None:
                raise InputFileError(path, ".mxl archive holds no MusicXML score")
            with archive.open(member) as handle:
                text = handle.read(max_bytes + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(path, f"not a readable .mxl archive: {reason[:200]}") from None
    if len(text) > max_bytes:
        found = f"a score of more than {max_bytes / 1024 / 1024:.1f} MB unpacked"
        raise InputLimitError(path, limits.exceeded("leadsheet_mb", found))
    return text
