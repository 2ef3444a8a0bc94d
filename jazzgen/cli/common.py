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
