"""`jazzgen render`: a MIDI file to a WAV (FluidSynth) and/or a piano-roll PNG."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from jazzgen.cli.common import fail, track_index_or_name, wav_written
from jazzgen.cli.options import (
    MelodyTrack,
    force_option,
    png_option,
    soundfont_option,
    wav_option,
)


@dataclass(frozen=True)
class RenderArgs:
    """Parameters of `jazzgen render`."""

    midi_file: Annotated[str, typer.Argument(help="MIDI file to render.")]
    wav: Annotated[str | None, wav_option("Write audio (FluidSynth).")] = None
    png: Annotated[str | None, png_option("Write a piano roll.")] = None
    soundfont: Annotated[
        str | None,
        soundfont_option("SoundFont (default: $JAZZGEN_SOUNDFONT, else a system GM SoundFont)."),
    ] = None
    melody_track: MelodyTrack = None
    force: Annotated[bool, force_option("Overwrite existing output files.")] = False


def render_command(args: RenderArgs) -> None:
    """Render a MIDI file to a WAV (FluidSynth + General MIDI SoundFont) and/or a piano roll.

    The WAV is 44.1 kHz 16-bit, peak-normalised to -1 dBFS and as long as the MIDI file
    (tempo honoured) plus a short reverb tail. The PNG shows the melody in bold over the
    backing tracks, with bar lines and chord symbols.

    \b
    Example:
      jazzgen render solo.mid --wav solo.wav --png solo.png
    """
    from jazzgen.io.outputs import output_locks

    if args.wav is None and args.png is None:
        fail("nothing to do: give --wav OUT.wav and/or --png OUT.png")
    if not Path(args.midi_file).is_file():
        fail(f"{args.midi_file}: no such file")
    _check_outputs(args)
    with output_locks([args.wav, args.png]):
        _check_outputs(args)  # again, holding the locks
        _render(args)


def _check_outputs(args: RenderArgs) -> None:
    """Fail on an output that exists without --force (or is not a file of ours), is a folder
    or lies under a file."""
    from jazzgen.io.outputs import check_output_file

    for option, out in (("--wav", args.wav), ("--png", args.png)):
        if out is None:
            continue
        if Path(out).exists() and not args.force:
            fail(f"{out} exists: pass --force to overwrite it")
        check_output_file(out, option=option, force=args.force)


def _render(args: RenderArgs) -> None:
    """Write --wav and/or --png of the MIDI file."""
    if args.wav is not None:
        from jazzgen.output import audio

        info = audio.render_wav(args.midi_file, args.wav, soundfont=args.soundfont)
        typer.echo(wav_written(info))
    if args.png is not None:
        from jazzgen.io.scores import read_score
        from jazzgen.output import pictures

        score = read_score(args.midi_file)
        track = track_index_or_name(args.melody_track)
        typer.echo(f"wrote {pictures.piano_roll_png(score, args.png, melody_track=track)}")
