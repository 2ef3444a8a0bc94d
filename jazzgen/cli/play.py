"""`jazzgen play`: a MIDI file live to a DAW or synth through a MIDI output port."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from jazzgen.cli.common import fail
from jazzgen.core.errors import FILE_NOT_FOUND


@dataclass(frozen=True)
class PlayArgs:
    """Parameters of `jazzgen play`."""

    file: Annotated[
        str | None, typer.Argument(metavar="FILE", help="MIDI file to play.", show_default=False)
    ] = None
    port: Annotated[
        str | None,
        typer.Option(
            "--port", "-p", metavar="NAME", help="MIDI output port (or part of its name)."
        ),
    ] = None
    list_ports: Annotated[
        bool, typer.Option("--list-ports", help="List the MIDI output ports and exit.")
    ] = False


def play_command(args: PlayArgs) -> None:
    """Play a MIDI file live to a DAW or a synth through a MIDI output port.

    Each part goes out on its own channel (Melody 1, Chords 2, Bass 3, Drums 10 in
    jazzgen's files), in time, at the file's tempo (tempo changes honoured). Ctrl-C stops
    and silences every channel (note-offs and All Notes Off). Needs the optional extra
    live: pip install -e '.[live]' in the jazzgen folder. In the DAW, record-arm a MIDI
    track listening to the port (a virtual port: IAC Driver on macOS, loopMIDI on Windows,
    ALSA on Linux).

    \b
    Example:
      jazzgen play --list-ports
      jazzgen play solo.mid --port "IAC Driver Bus 1"
    """
    from jazzgen.output import live

    if args.list_ports:
        names = live.output_names()
        typer.echo("\n".join(names) if names else "no MIDI output ports")
        return
    if args.file is None or args.port is None:
        fail("give a FILE and --port NAME (jazzgen play --list-ports shows the ports)")
    path = Path(args.file)
    if not path.is_file():
        fail(f"{args.file}: {FILE_NOT_FOUND}")
    cues = live.schedule(path.read_bytes(), str(path))
    port = live.open_output(args.port)
    try:
        minutes, seconds = divmod(round(cues[-1].seconds if cues else 0.0), 60)
        typer.echo(f"playing {path} to {port.name} ({minutes}:{seconds:02d}); Ctrl-C stops")
        played = live.play(cues, port)
    finally:
        port.close()
    typer.echo(f"played {played:.1f} s")
