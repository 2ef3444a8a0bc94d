"""io.leadsheet_text: .mxl unpacking within bounds, measure counts, and reading from text."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from jazzgen.core.errors import InputFileError, InputLimitError
from jazzgen.core.limits import Limits, use_limits
from jazzgen.io.leadsheet_text import count_measures, leadsheet_text, mxl_score
from jazzgen.io.scores import read_score

ABC = 'X:1\nT:t\nM:4/4\nL:1/8\nK:C\n"Dm7"d2 f2 a2 c2 | "G7"B8 |1 c8 :|2 "C"c8 |]\n'


def _musicxml(tmp_path: Path) -> Path:
    from music21 import harmony, meter, note, stream

    part = stream.Part()
    part.append(meter.TimeSignature("3/4"))
    part.append(harmony.ChordSymbol("Dm7"))
    for pitch in ("D4", "F4", "A4", "C5", "B4", "G4"):
        part.append(note.Note(pitch, quarterLength=1.0))
    path = tmp_path / "lead.musicxml"
    stream.Score([part]).write("musicxml", fp=str(path))
    return path


def test_count_measures_of_abc_and_musicxml(tmp_path: Path) -> None:
    assert count_measures("abc", ABC.encode()) == 4
    assert count_measures("musicxml", _musicxml(tmp_path).read_bytes()) == 2


def test_an_mxl_archive_reads_like_its_musicxml(tmp_path: Path) -> None:
    xml = _musicxml(tmp_path)
    mxl = tmp_path / "lead.mxl"
    with zipfile.ZipFile(mxl, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/container.xml", "<container/>")
        archive.writestr("lead.xml", xml.read_bytes())
    a, b = read_score(xml), read_score(mxl)
    assert a.tracks[0].notes == b.tracks[0].notes and a.chords == b.chords
    assert str(b.time_signatures[0]) == "3/4" and b.source_format == "musicxml"


def test_broken_and_oversized_archives(tmp_path: Path) -> None:
    path = tmp_path / "x.mxl"
    with pytest.raises(InputFileError, match=r"not a readable \.mxl archive"):
        mxl_score(path, b"PK\x03\x04 not really")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/container.xml", "<container/>")
    with pytest.raises(InputFileError, match="holds no MusicXML score"):
        mxl_score(path, buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("score.xml", b"<a/>" * 600_000)  # 2.4 MB unpacked
    with use_limits(Limits(leadsheet_mb=1)), pytest.raises(InputLimitError, match="leadsheet-mb=1"):
        mxl_score(path, buffer.getvalue())


def test_long_text_is_refused_before_music21(tmp_path: Path) -> None:
    with use_limits(Limits(leadsheet_bars=3)), pytest.raises(InputLimitError, match="about 4"):
        leadsheet_text(tmp_path / "t.abc", ABC.encode())
    assert leadsheet_text(tmp_path / "t.abc", ABC.encode()) == ("abc", ABC.encode())
