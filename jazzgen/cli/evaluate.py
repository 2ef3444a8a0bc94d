"""`jazzgen evaluate`: compare generated melodies with reference ones on objective metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

from jazzgen.cli.common import fail, track_index_or_name
from jazzgen.cli.options import MelodyTrack, jobs_option, json_option, seed_option


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
    as_json: Annotated[bool, json_option("Print one JSON object instead of tables.")] = False
    melody_track: MelodyTrack = None
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="BUNDLE",
            help="Also score the reference solos under this model bundle: negative "
            "log-likelihood per token and per note (exact pitch and grid duration).",
        ),
    ] = None
    pitch_range: Annotated[
        str | None,
        typer.Option(
            "--range",
            metavar="LOW-HIGH",
            help="With --model: the realizer's MIDI range (default: generate's default).",
        ),
    ] = None
    seed: Annotated[
        int, seed_option("Seed of the classifier and of the random reference splits.")
    ] = 0
    jobs: Annotated[
        int | None, jobs_option("Worker processes reading the files (default: all cores).")
    ] = None
    no_classifier: Annotated[
        bool,
        typer.Option(
            "--no-classifier", help="Skip the classifier two-sample test (the slow part)."
        ),
    ] = False


def evaluate_command(args: EvaluateArgs) -> None:
    """Compare generated melodies with reference ones on objective metrics.

    Per piece: pitch range/entropy, scale consistency, intervals, rhythm density, empty
    beats, groove consistency, chord-tone ratios, 1- and 4-bar pitch-class entropy (H1, H4),
    grooving similarity (GS), off-grid onsets, syncopation, phrase and rest lengths,
    articulation. Per feature, intra-set and inter-set distance distributions are compared
    (Yang & Lerch 2018): OA (overlap, 1 = alike) and KLD. Histograms of onset positions in
    the beat, intervals, inter-onset intervals and articulation are compared as
    distributions (Jensen-Shannon divergence). Per set: chord and scale tones as MINGUS
    counts them, and how well a random forest tells 4-bar segments of the two sets apart
    (0.5 = it cannot). With --model: how likely the reference solos are under a model.

    \b
    Example:
      jazzgen evaluate out/solo1.mid out/solo2.mid --reference data/midi
      jazzgen evaluate out/ --reference data/midi --model models/default
      jazzgen evaluate out/ --reference data/midi --json > metrics.json
    """
    from jazzgen.evaluation.report import evaluate_sets

    if args.jobs is not None and args.jobs < 1:
        fail(f"--jobs must be >= 1, got {args.jobs}")
    pitch_range = None
    if args.pitch_range is not None:
        from jazzgen.generation.generate import parse_range

        pitch_range = parse_range(args.pitch_range)
    result = evaluate_sets(
        args.generated,
        args.reference,
        melody_track=track_index_or_name(args.melody_track),
        seed=args.seed,
        classifier=not args.no_classifier,
        model=args.model,
        pitch_range=pitch_range,
        jobs=args.jobs,
    )
    if args.as_json:
        import json

        typer.echo(json.dumps(result, indent=2, allow_nan=False))
        return
    from rich.console import Console

    from jazzgen.evaluation.report import report_tables

    console = Console(width=max(Console().width, 132))  # the tables are ~130 columns wide
    for table in report_tables(result):
        console.print(table)
    for name in ("generated", "reference"):
        for skipped in result[name]["skipped"]:
            console.print(f"skipped ({name}) {skipped['path']}: {skipped['reason']}")
