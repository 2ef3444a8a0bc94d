"""`jazzgen inspect`: what jazzgen reads in one file (tracks, melody, meter, chords, tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jazzgen.cli.common import fail, wjazzd_input
from jazzgen.cli.options import (
    EndBar,
    Instruments,
    MelodyTrack,
    Performers,
    RhythmFeels,
    Solos,
    StartBar,
    Styles,
    json_option,
    options_from,
)
from jazzgen.core.wording import plural

if TYPE_CHECKING:
    from jazzgen.io.wjazzd import SoloFilter


@dataclass(frozen=True)
class InspectArgs:
    """Parameters of `jazzgen inspect`."""

    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="MIDI (.mid/.midi), MusicXML or ABC file, or a WJazzD database.",
        ),
    ]
    as_json: Annotated[bool, json_option("Print one JSON object instead of text.")] = False
    melody_track: MelodyTrack = None
    start_bar: StartBar = None
    end_bar: EndBar = None
    performer: Performers = None
    instrument: Instruments = None
    style: Styles = None
    rhythmfeel: RhythmFeels = None
    solo: Solos = None


def inspect_command(args: InspectArgs) -> None:
    """Show what jazzgen reads in a file: tracks, chosen melody, meter, chords and tokens.

    Per bar it prints the chords (from the accompaniment, the melody or the lead sheet's
    chord symbols) and the melody tokens in the course text form (type,duration,<window>);
    every bar's token durations add up to the bar length.

    A Weimar Jazz Database file (wjazzd.db) lists its solos (narrowed by --performer,
    --instrument, --style, --rhythmfeel); with --solo MELID it shows that solo like a MIDI
    file, with the counts of its quantisation to the token grid.

    \b
    Example:
      jazzgen inspect tune.mid
      jazzgen inspect tune.mid --melody-track Guitar --start-bar 120 --end-bar 137 --json
      jazzgen inspect wjazzd.db --performer "Charlie Parker"
      jazzgen inspect wjazzd.db --solo 42
    """
    import json

    from jazzgen.analysis.inspect import describe_file
    from jazzgen.corpus.preprocess import EncodeOptions

    options = options_from(EncodeOptions, args)
    database, solo_filter = wjazzd_input([args.file], args)
    if database is not None:
        if options != EncodeOptions():
            fail("--melody-track/--start-bar/--end-bar do not apply to a WJazzD database")
        _inspect_wjazzd(database, solo_filter, args.as_json)
        return
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


def _inspect_wjazzd(database: str, solo_filter: SoloFilter, as_json: bool) -> None:
    """The solo table, or with --solo each chosen solo in detail."""
    import json

    from jazzgen.analysis.inspect_wjazzd import describe_solo, solo_table

    table = solo_table(database, solo_filter)  # checks every filter value
    if solo_filter.solo:
        solos = [describe_solo(database, row["melid"]) for row in table]
        if as_json:
            typer.echo(json.dumps(solos[0] if len(solos) == 1 else solos))
            return
        for info in solos:
            _print_solo_header(info)
            _print_bars(info["bars"])
        return
    if as_json:
        typer.echo(json.dumps({"file": database, "solos": table}))
        return
    typer.echo(f"file: {database}: {len(table)} solos")
    typer.echo("  melid  performer             title                     inst  style       bars "
               " notes  key       tempo")  # fmt: skip
    for row in table:
        tempo = "" if row["avgtempo"] is None else f"{row['avgtempo']:.0f}"
        typer.echo(
            f"  {row['melid']:5d}  {row['performer'][:20]:20s}  {row['title'][:24]:24s}  "
            f"{row['instrument'][:4]:4s}  {row['style'][:10]:10s}  {row['bars']:4d}  "
            f"{row['notes']:5d}  {row['key'][:8]:8s}  {tempo:>5s}"
        )


def _print_solo_header(info: dict[str, Any]) -> None:
    """The solo, its meter and tempo, and what quantising it did."""
    solo, stats = info["solo"], info["stats"]
    typer.echo(f"solo {solo['melid']}: {solo['performer']} - {solo['title']} ({info['file']})")
    typer.echo(
        f"{solo['instrument']}, {solo['style']}, {solo['rhythmfeel']}, key {solo['key'] or '?'}"
    )
    meters = ", ".join(m["time_signature"] for m in info["time_signatures"])
    bars = info["bars"]
    typer.echo(
        f"meter {meters}, {info['qpm']:g} qpm (median beat), bars {bars[0]['number']}.."
        f"{bars[-1]['number']} ({len(bars)} bars), {info['notes']} notes"
    )
    typer.echo(
        f"quantised to 1/12 beat: {stats['moved']} notes moved (at most "
        f"{stats['max_displacement_beats']:.4f} beat), {stats['merged']} merged; "
        f"{stats['pickup_bars']} pickup bars, {stats['dropped_bars']} bars dropped, "
        f"{stats['nc_beats']:g} NC beats filled, {stats['regrouped_bars']} 1/4 bars regrouped"
    )
