"""Small helpers that several commands share: usage failures and repeated messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from jazzgen.io.wjazzd import SoloFilter
    from jazzgen.output.audio import WavInfo


def fail(message: str) -> NoReturn:
    """Print `Error: message` on stderr and exit with code 1 (a misuse the library can't see)."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(1)


SUFFIXES = {"--wav": (".wav",), "--png": (".png",), "--musicxml": (".musicxml", ".xml")}
"""What each rendering option's file name must end with."""


def check_suffixes(*options: tuple[str, str | None]) -> None:
    """Fail unless every given (option, path) ends with its suffix (`SUFFIXES`)."""
    for option, path in options:
        suffixes = SUFFIXES[option]
        if path is not None and Path(path).suffix.lower() not in suffixes:
            fail(f"{option} must end with {' or '.join(suffixes)}, got {path}")


def check_musicxml_parts(which: str) -> None:
    """Fail unless --musicxml-parts is melody or all."""
    if which not in ("melody", "all"):
        fail(f"--musicxml-parts must be melody or all, got {which!r}")


def track_index_or_name(melody_track: str | None) -> int | str | None:
    """`--melody-track` as the renderers take it: '3' -> 3 (an index), else the name."""
    return int(melody_track) if melody_track and melody_track.isdigit() else melody_track


def wav_written(info: WavInfo) -> str:
    """The line that reports a rendered WAV."""
    return (
        f"wrote {info.path} ({info.seconds:.1f} s, {info.sample_rate} Hz, "
        f"SoundFont {Path(info.soundfont).name})"
    )


def wjazzd_input(inputs: Sequence[str], args: object) -> tuple[str | None, SoloFilter]:
    """The Weimar Jazz Database among `inputs` (None: there is none) and the solo filter
    that `args`' --performer/--instrument/--style/--rhythmfeel/--solo give.

    Fails (usage error) when a database comes with other inputs, or when filters are given
    without a database.
    """
    from jazzgen.cli.options import options_from
    from jazzgen.io.wjazzd import SoloFilter, is_database_path

    solo_filter = options_from(SoloFilter, args)
    databases = [item for item in inputs if is_database_path(item)]
    if not databases:
        if not solo_filter.is_empty:
            fail(
                "--performer/--instrument/--style/--rhythmfeel/--solo need a WJazzD database input"
            )
        return None, solo_filter
    if len(inputs) > 1:
        fail(f"{databases[0]} is a Weimar Jazz Database: give it alone, without other inputs")
    return databases[0], solo_filter
