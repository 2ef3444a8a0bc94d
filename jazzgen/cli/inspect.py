"""`jazzgen inspect`: what jazzgen reads in one file (tracks, melody, meter, chords, tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import typer

from jazzgen.cli.options import EndBar, MelodyTrack, StartBar, json_option, options_from
from jazzgen.core.wording import plural


@dataclass(frozen=True)
class InspectArgs:
    """Parameters of `jazzgen inspect`."""

    file: Annotated[
        str, typer.Argument(metavar="FILE", help="MIDI (.mid/.midi), MusicXML or ABC file.")
    ]
    as_json: Annotated[bool, json_option("Print one JSON object instead of text.")] = False
    melody_track: MelodyTrack = None
    start_bar: StartBar = None
    end_bar: EndBar = None


def inspect_command(args: InspectArgs) -> None:
    """Show what jazzgen reads in a file: tracks, chosen melody, meter, chords and tokens.

    Per bar it prints the chords (from the accompaniment, the melody or the lead sheet's
    chord symbols) and the melody tokens in the course text form (type,duration,<window>);
    every bar's token durations add up to the bar length.

    \b
    Example:
      jazzgen inspect tune.mid
      jazzgen inspect tune.mid --melody-track Guitar --start-bar 120 --end-bar 137 --json
    """
    import json

    from jazzgen.analysis.inspect import describe_file
    from jazzgen.corpus.preprocess import EncodeOptions

    options = options_from(EncodeOptions, args)
    info = describe_file(args.file, options, min_rest_steps=options.min_rest_steps)
    if args.as_json:
        typer.echo(json.dumps(info))
        return
    _print_header(info)
    _print_bars(info["bars"])


def _print_header(info: dict[str, Any]) -> None:
    """File, meter and tempo, the track table (melody marked *), and why that melody."""
    melody = info["melody"]
    typer.echo(f"file: {info['file']}")
    meters = len(info["time_signatures"])
    minutes, seconds = divmod(round(info["length_seconds"]), 60)
    typer.echo(
        f"meter {info['time_signature']}"
        + (f" ({meters} meters)" if meters > 1 else "")
        + (f", key {info['key']}" if info["key"] else ", no key signature")
        + f", {info['qpm']:g} qpm"
        + (f" ({plural(info['tempo_changes'], 'tempo change')})" if info["tempo_changes"] else "")
        + f", {plural(info['bars_in_file'], 'bar')} ({minutes}:{seconds:02d})"
    )
    typer.echo("tracks:")
    typer.echo("    #  name                  prog family                ch  notes  poly")
    for t in info["tracks"]:
        mark = "*" if t["index"] == melody["track"] else " "
        typer.echo(
            f"  {mark}{t['index']:2d}  {t['name'][:20]:20s}  {t['program']:3d}  "
            f"{t['family'][:20]:20s}  {t['channel']:2d}  {t['notes']:5d}  "
            f"{100 * t['polyphony']:3.0f}%"
        )
    where = "" if melody["track"] is None else f"track {melody['track']} "
    typer.echo(f"melody: {where}{melody['name']!r}: {melody['reason']}")
    if melody["notes_dropped"]:
        dropped = plural(melody["notes_dropped"], "double-stop note")
        typer.echo(f"  {dropped} dropped (top note kept)")
    bars = info["bars"]
    typer.echo(
        f"chords: from {info['chord_source']}; "
        f"bars {bars[0]['number']}-{bars[-1]['number']} ({plural(len(bars), 'bar')})"
    )


def _print_bars(bars: list[dict[str, Any]]) -> None:
    """One line per bar: number | chords (with beat offsets after the first) | tokens."""
    for bar in bars:
        chords = " ".join(
            sym if off == 0 else f"{sym}@{off:g}"
            for sym, off in zip(bar["chords"], bar["chord_offsets"], strict=True)
        )
        typer.echo(f"  {bar['number']:4d} | {chords:18s} | {' '.join(bar['tokens'])}")
