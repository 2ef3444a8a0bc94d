"""`jazzgen render`: a MIDI file to a WAV (FluidSynth) and/or a piano-roll PNG."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from jazzgen.cli.common import (
    check_musicxml_parts,
    check_suffixes,
    fail,
    track_index_or_name,
    wav_written,
)
from jazzgen.cli.options import (
    MelodyTrack,
    MusicxmlParts,
    force_option,
    musicxml_option,
    png_option,
    soundfont_option,
    wav_option,
)
from jazzgen.core.errors import FILE_NOT_FOUND, overwrite_refused


@dataclass(frozen=True)
class RenderArgs:
    """Parameters of `jazzgen render`."""

    file: Annotated[str, typer.Argument(metavar="FILE", help="MIDI file to render.")]
    wav: Annotated[str | None, wav_option("Write audio (FluidSynth).")] = None
    png: Annotated[str | None, png_option("Write a piano roll.")] = None
    soundfont: Annotated[
        str | None,
        soundfont_option("SoundFont (default: $JAZZGEN_SOUNDFONT, else a system GM SoundFont)."),
    ] = None
    musicxml: Annotated[
        str | None, musicxml_option("Write notation (MusicXML: MuseScore, Finale...).")
    ] = None
    musicxml_parts: MusicxmlParts = "melody"
    melody_track: MelodyTrack = None
    force: Annotated[bool, force_option("Overwrite existing output files.")] = False


def render_command(args: RenderArgs) -> None:
    """Render a MIDI file to a WAV (FluidSynth + General MIDI SoundFont), a piano roll
    and/or notation (MusicXML).

    The WAV is 44.1 kHz 16-bit, peak-normalised to -1 dBFS and as long as the MIDI file
    (tempo honoured) plus a short reverb tail. The PNG shows the melody in bold over the
    backing tracks, with bar lines and chord symbols. The MusicXML has the melody (chosen
    as `jazzgen inspect` chooses it; --musicxml-parts all adds the other pitched tracks)
    with its chord symbols, key, meter and tempo, on a readable rhythm grid (sixteenths,
    triplets), in concert pitch: open it in MuseScore.

    \b
    Example:
      jazzgen render solo.mid --wav solo.wav --png solo.png
      jazzgen render solo.mid --musicxml solo.musicxml
    """
    if args.wav is None and args.png is None and args.musicxml is None:
        fail("nothing to do: give --wav OUT.wav, --png OUT.png and/or --musicxml OUT.musicxml")
    if not Path(args.file).is_file():
        fail(f"{args.file}: {FILE_NOT_FOUND}")
    check_suffixes(("--wav", args.wav), ("--png", args.png), ("--musicxml", args.musicxml))
    check_musicxml_parts(args.musicxml_parts)
    for out in (args.wav, args.png, args.musicxml):
        if out is not None and Path(out).exists() and not args.force:
            fail(overwrite_refused(out))
    if args.wav is not None:
        from jazzgen.output import audio

        info = audio.render_wav(args.file, args.wav, soundfont=args.soundfont)
        typer.echo(wav_written(info))
    if args.png is None and args.musicxml is None:
        return
    from jazzgen.io.scores import read_score

    score = read_score(args.file)
    track = track_index_or_name(args.melody_track)
    if args.png is not None:
        from jazzgen.output import pictures

        typer.echo(f"wrote {pictures.piano_roll_png(score, args.png, melody_track=track)}")
    if args.musicxml is not None:
        from jazzgen.io.outputs import write_atomic
        from jazzgen.output.notation import musicxml_bytes, sheet_from_score

        title = Path(args.file).stem
        sheet = sheet_from_score(score, melody_track=track, title=title, which=args.musicxml_parts)
        Path(args.musicxml).parent.mkdir(parents=True, exist_ok=True)
        typer.echo(f"wrote {write_atomic(args.musicxml, musicxml_bytes(sheet))}")
