"""`jazzgen export`: a transcribed WJazzD solo as our DAW-ready MIDI (+ WAV, PNG)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from jazzgen.cli.common import fail, wav_written
from jazzgen.cli.options import (
    OneSolo,
    force_option,
    png_option,
    seed_option,
    soundfont_option,
    wav_option,
)
from jazzgen.core.errors import overwrite_refused


@dataclass(frozen=True)
class ExportArgs:
    """Parameters of `jazzgen export`."""

    database: Annotated[str, typer.Argument(help="A Weimar Jazz Database file (wjazzd.db).")]
    solo: OneSolo
    out: Annotated[str, typer.Option("--out", "-o", metavar="OUT.mid", help="MIDI file to write.")]
    backing: Annotated[
        str,
        typer.Option(
            "--backing", metavar="none|chords|trio", help="Backing parts (trio: + bass, drums)."
        ),
    ] = "trio"
    seed: Annotated[int, seed_option("Seed of the backing parts.")] = 0
    wav: Annotated[str | None, wav_option("Also write audio (FluidSynth).")] = None
    png: Annotated[str | None, png_option("Also write a piano roll.")] = None
    soundfont: Annotated[
        str | None,
        soundfont_option("SoundFont (default: $JAZZGEN_SOUNDFONT, else a system GM SoundFont)."),
    ] = None
    force: Annotated[bool, force_option("Overwrite existing output files.")] = False


def export_command(args: ExportArgs) -> None:
    """Write a transcribed solo of the Weimar Jazz Database as a DAW-ready MIDI file.

    The Melody track has the solo's notes on the 1/12-beat grid with their transcribed
    lengths (the performer's articulation, not legato), on the instrument's General MIDI
    program; Chords, Bass and Drums are the backing `jazzgen generate` plays, over the
    solo's changes (also written as markers), at the solo's tempo and meter. So a
    generated solo and the real one can be compared over the same changes.

    \b
    Example:
      jazzgen export wjazzd.db --solo 42 --out parker.mid --png parker.png
      jazzgen generate --leadsheet parker.mid --out mine.mid
    """
    from jazzgen.analysis.solo_sheet import solo_leadsheet
    from jazzgen.io.outputs import write_atomic
    from jazzgen.io.wjazzd import read_solos
    from jazzgen.output.solo_export import solo_midi

    if Path(args.out).suffix.lower() not in (".mid", ".midi"):
        fail(f"--out must end with .mid or .midi, got {args.out}")
    for out in (args.out, args.wav, args.png):
        if out is not None and Path(out).exists() and not args.force:
            fail(overwrite_refused(out))
    (solo,) = read_solos(args.database, [args.solo])
    sheet = solo_leadsheet(solo, f"{args.database}#{args.solo}")
    info = solo.info
    title = f"WJazzD {info.melid}: {info.performer} - {info.title}"
    data = solo_midi(
        sheet.leadsheet,
        instrument=info.instrument,
        backing=args.backing,
        seed=args.seed,
        title=title,
    )
    try:
        write_atomic(args.out, data)
    except OSError as exc:
        fail(f"cannot write {args.out}: {exc}")
    leadsheet = sheet.leadsheet
    typer.echo(
        f"wrote {args.out}: solo {info.melid} ({info.performer}, {info.title}), "
        f"{len(leadsheet.bars)} bars, {len(leadsheet.melody)} notes, {leadsheet.qpm:g} qpm, "
        f"{leadsheet.time_signature}, backing {args.backing}"
    )
    _render(args)


def _render(args: ExportArgs) -> None:
    """--wav and --png of the written file, as `jazzgen render` makes them."""
    if args.wav is not None:
        from jazzgen.output import audio

        typer.echo(wav_written(audio.render_wav(args.out, args.wav, soundfont=args.soundfont)))
    if args.png is not None:
        from jazzgen.io.scores import read_score
        from jazzgen.output import pictures

        score = read_score(args.out)
        typer.echo(f"wrote {pictures.piano_roll_png(score, args.png, melody_track='Melody')}")
