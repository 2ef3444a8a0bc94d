"""Small helpers that several commands share: usage failures and repeated messages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
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
