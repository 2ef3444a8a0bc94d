"""`jazzgen evaluate`: compare generated melodies with reference ones on objective metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

from jazzgen.cli.common import track_index_or_name
from jazzgen.cli.options import MelodyTrack, json_option


@dataclass(frozen=True)
class EvaluateArgs:
    """Parameters of `jazzgen evaluate`."""

    generated: Annotated[
        list[str],
        typer.Argument(metavar="INPUT", help="Generated MIDI/lead-sheet files or folders."),
    ]
    reference: Annotated[
        list[str],
        typer.Option(
            "--reference",
            metavar="INPUT",
            help="Reference file or folder; repeat the option for several (--reference a.mid "
            "--reference b/).",
        ),
    ]
    as_json: Annotated[bool, json_option("Print one JSON object instead of a table.")] = False
    melody_track: MelodyTrack = None


def evaluate_command(args: EvaluateArgs) -> None:
    """Compare generated melodies with reference ones on objective metrics.

    Per piece: pitch range/entropy, scale consistency, intervals, rhythm density, empty
    beats, groove consistency, chord-tone ratios, 1- and 4-bar pitch-class entropy (H1, H4)
    and grooving similarity (GS). Per feature, intra-set and inter-set distance
    distributions are compared (Yang & Lerch 2018): OA (overlap, 1 = alike) and KLD.

    \b
    Example:
      jazzgen evaluate out/solo1.mid out/solo2.mid --reference data/midi
      jazzgen evaluate out/ --reference data/midi --json > metrics.json
    """
    from jazzgen.evaluation.report import evaluate_sets

    track = track_index_or_name(args.melody_track)
    result = evaluate_sets(args.generated, args.reference, melody_track=track)
    if args.as_json:
        import json

        typer.echo(json.dumps(result, indent=2, allow_nan=False))
        return
    from rich.console import Console

    from jazzgen.evaluation.report import report_table

    console = Console(width=max(Console().width, 132))  # the table is ~130 columns wide
    console.print(report_table(result))
    for name in ("generated", "reference"):
        for skipped in result[name]["skipped"]:
            console.print(f"skipped ({name}) {skipped['path']}: {skipped['reason']}")
