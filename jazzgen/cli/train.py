"""`jazzgen train`: train a model on MIDI files (or a corpus) and write a model bundle."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    force_option,
    jobs_option,
    options_from,
    seed_option,
    shared_fields,
)
from jazzgen.core.errors import overwrite_refused
from jazzgen.core.wording import plural

if TYPE_CHECKING:
    from collections.abc import Sequence

    from jazzgen.corpus.preprocess import EncodeOptions
    from jazzgen.corpus.store import Piece
    from jazzgen.training.config import ModelConfig, TrainConfig
    from jazzgen.training.train import TrainResult


# Fields named like a ModelConfig or TrainConfig field override it (None = keep it); the
# melody track and bar range go to EncodeOptions; the rest is about this run.
@dataclass(frozen=True)
class TrainArgs:
    """Parameters of `jazzgen train`."""

    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT",
            help="MIDI/MusicXML/ABC files or folders, one `jazzgen preprocess` directory, "
            "or one WJazzD database.",
        ),
    ]
    out: Annotated[str, typer.Option("--out", "-o", metavar="BUNDLE", help="Bundle dir to write.")]
    preset: Annotated[
        str, typer.Option("--preset", metavar="course|default", help="Starting settings.")
    ] = "default"
    epochs: Annotated[int | None, typer.Option("--epochs", help="Training epochs.")] = None
    tx: Annotated[int | None, typer.Option("--tx", help="Window length Tx in tokens.")] = None
    units: Annotated[
        int | None, typer.Option("--units", help="Units per recurrent layer (n_a).")
    ] = None
    layers: Annotated[int | None, typer.Option("--layers", help="Stacked recurrent layers.")] = None
    dropout: Annotated[
        float | None, typer.Option("--dropout", help="Dropout after each layer.")
    ] = None
    cell: Annotated[
        str | None, typer.Option("--cell", metavar="lstm|gru", help="Recurrent cell.")
    ] = None
    chord_input: Annotated[
        bool | None,
        typer.Option("--chord-input/--no-chord-input", help="Feed the chord of each step."),
    ] = None
    context_input: Annotated[
        bool | None,
        typer.Option(
            "--context-input/--no-context-input",
            help="Feed where each step starts in the beat, bar and form, and the next chord.",
        ),
    ] = None
    pitch_input: Annotated[
        bool | None,
        typer.Option(
            "--pitch-input/--no-pitch-input",
            help="Feed where the line's last pitch sits over the chord and in its register.",
        ),
    ] = None
    tempo_input: Annotated[
        bool | None,
        typer.Option(
            "--tempo-input/--no-tempo-input",
            help="Feed the piece's tempo with the context (needs --context-input).",
        ),
    ] = None
    style_input: Annotated[
        bool | None,
        typer.Option(
            "--style-input/--no-style-input",
            help="Feed the piece's style (density for its tempo, how far outside the chord "
            "scales) after the tempo (needs --tempo-input).",
        ),
    ] = None
    factored: Annotated[
        bool | None,
        typer.Option(
            "--factored/--no-factored",
            help="Read and predict each token through its duration and its shape.",
        ),
    ] = None
    max_rest_bars: Annotated[
        int | None,
        typer.Option(
            "--max-rest-bars",
            help="Cut runs of more than N all-rest bars out of the windows (0 = keep all).",
        ),
    ] = None
    calibration_rounds: Annotated[
        int | None,
        typer.Option(
            "--calibration-rounds",
            metavar="N",
            help="After training, N rounds of matching the token classes the model plays on "
            "its own to its training data (calibration.json; 0 = none).",
        ),
    ] = None
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="Windows per batch.")] = (
        None
    )
    lr: Annotated[float | None, typer.Option("--lr", help="Adam learning rate.")] = None
    val_fraction: Annotated[
        float | None,
        typer.Option("--val-fraction", help="Held-out share of pieces (or bars of one piece)."),
    ] = None
    val_by: Annotated[
        str | None,
        typer.Option(
            "--val-by", help="piece | performer: hold out whole pieces or whole performers."
        ),
    ] = None
    patience: Annotated[
        int | None, typer.Option("--patience", help="Early stopping patience (0=off).")
    ] = None
    realizer: Annotated[
        str | None,
        typer.Option(
            "--realizer", help="learned | uniform: how pitches are chosen (course: uniform)."
        ),
    ] = None
    articulation: Annotated[
        str | None,
        typer.Option(
            "--articulation",
            help="learned | legato: articulation and accents from the data (course: legato).",
        ),
    ] = None
    windows_per_epoch: Annotated[
        int | None,
        typer.Option("--windows-per-epoch", help="Windows drawn per epoch (0 = all; course: 60)."),
    ] = None
    seed: Annotated[int | None, seed_option("Random seed.")] = None
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the run in BUNDLE.partial.")
    ] = False
    arch: Annotated[
        str | None,
        typer.Option(
            "--arch", metavar="fused|course", help="fused, or the course's unrolled baseline."
        ),
    ] = None
    strategy: Annotated[
        str | None,
        typer.Option(
            "--strategy",
            metavar="default|mirrored|multiworker",
            help="tf.distribute strategy.",
        ),
    ] = None
    tensorboard: Annotated[
        str | None, typer.Option("--tensorboard", metavar="DIR", help="Log dir.")
    ] = None
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False
    force: Annotated[bool, force_option("Overwrite BUNDLE / restart a run.")] = False
    melody_track: MelodyTrack = None
    start_bar: StartBar = None
    end_bar: EndBar = None
    jobs: Annotated[int | None, jobs_option("Encoding processes (default: CPUs).", "-j")] = None
    performer: Performers = None
    instrument: Instruments = None
    style: Styles = None
    rhythmfeel: RhythmFeels = None
    solo: Solos = None


def train_command(args: TrainArgs) -> None:
    """Train a model on MIDI files (or a preprocessed corpus) and write a model bundle.

    The bundle directory holds model.keras, vocab.json, config.json, history.csv,
    metrics.json and, with the default preset, realizer.json (how players choose each
    pitch) and performance.json (articulation, accents), learned from the corpus after the
    network (--realizer uniform / --articulation legato: as the course preset). Training
    runs in BUNDLE.partial/ (checkpoint after every epoch); --resume continues it. The
    bundle appears only when training is complete; an existing one is replaced only with
    --force. Options override the preset (with --resume, the interrupted run's settings).

    A Weimar Jazz Database (wjazzd.db) trains on its solos (--performer, --instrument,
    --style, --rhythmfeel, --solo narrow them); --val-by performer holds out whole
    performers instead of whole solos.

    \b
    Example:
      jazzgen train my_midi_folder/ --out models/mine
      jazzgen train tune.mid --start-bar 120 --end-bar 137 --preset course --out models/c
      jazzgen train wjazzd.db --style BEBOP --val-by performer --out models/bebop
    """
    from jazzgen.io.outputs import output_lock, restore_interrupted

    _check_out(args)
    with output_lock(args.out):  # one run per bundle (and its BUNDLE.partial)
        restore_interrupted(Path(args.out))
        _check_out(args)  # again, holding the lock
        _train(args)


def _check_out(args: TrainArgs) -> None:
    """Fail unless BUNDLE may be written: absent, or (with --force) a bundle or an empty
    folder; never a folder of other files, never one of the inputs."""
    from jazzgen.io.outputs import check_not_input
    from jazzgen.training.bundle import bundle_dir_problem

    out = Path(args.out)
    if out.exists() and not args.force:
        fail(overwrite_refused(args.out))
    check_not_input(out, args.inputs, "--out")
    problem = bundle_dir_problem(out)
    if problem is not None:
        fail(f"--out {args.out}: {problem}: refusing to replace it, even with --force")


def _train(args: TrainArgs) -> None:
    """Read or encode the inputs, train, print the result (see `train_command`)."""
    from jazzgen.corpus.preprocess import EncodeOptions
    from jazzgen.training.config import preset

    options = options_from(EncodeOptions, args)
    if not args.resume:  # bad option values fail before any encoding or TensorFlow start-up
        model_config, train_config = train_configs(preset(args.preset), args)
    pieces, vocab, encode, skipped = _training_corpus(args, options)
    from jazzgen.training import train as training  # loads TensorFlow (quietly)
    from jazzgen.training.checkpoint import load_run

    if args.resume:
        model_config, train_config = train_configs(load_run(args.out)[:2], args)
    for item in skipped:
        typer.echo(f"skipped {item['path']}: {item['reason']}", err=True)
    model_config = _without_pitches(model_config, pieces, asked=args.pitch_input is not None)
    if not args.quiet:
        tokens = sum(p.token_count for p in pieces)
        typer.echo(
            f"training on {plural(len(pieces), 'piece')}, {plural(tokens, 'token')}, "
            f"{plural(len(vocab), 'token type')} "
            f"({model_config.arch} {model_config.cell} x{model_config.layers}, "
            f"{model_config.units} units, Tx {model_config.tx})"
        )
    result = training.train(
        pieces,
        vocab,
        model_config,
        train_config,
        args.out,
        force=args.force,
        resume=args.resume,
        tensorboard=args.tensorboard,
        verbose=keras_verbosity(args.quiet, sys.stdout.isatty()),
        encode=encode,
    )
    _print_result(result)


def _without_pitches(config: ModelConfig, pieces: Sequence[Piece], *, asked: bool) -> ModelConfig:
    """`config` without the pitch input, with a warning, when the preset (not the user)
    asked for it and the corpus keeps no pitches (a corpus of an older jazzgen); an
    explicit --pitch-input is left for `training.train` to refuse in one line."""
    from dataclasses import replace

    if asked or not config.pitch_input or any(b.pitches for p in pieces for b in p.bars):
        return config
    typer.echo(
        "warning: the corpus keeps no pitches (made by an older jazzgen): training without "
        "the pitch input; re-run jazzgen preprocess to have it",
        err=True,
    )
    return replace(config, pitch_input=False)


def keras_verbosity(quiet: bool, terminal: bool) -> int | str:
    """Keras' `verbose` for fit: nothing with --quiet, the progress bar on a terminal, one
    plain line per epoch when the output goes to a file or pipe (the bar's carriage
    returns and escape codes would fill a log)."""
    if quiet:
        return 0
    return "auto" if terminal else 2


def _training_corpus(args: TrainArgs, options: EncodeOptions) -> tuple:
    """Pieces, vocabulary, encode settings and skipped inputs: from a WJazzD database (with
    the solo filters), or from MIDI/lead-sheet files, folders or a corpus directory."""
    from jazzgen.corpus.preprocess import EncodeOptions, load_training_corpus

    database, solo_filter = wjazzd_input(args.inputs, args)
    if database is None:
        return load_training_corpus(args.inputs, options=options, jobs=args.jobs)
    from jazzgen.corpus.wjazzd import load_wjazzd_training_corpus

    if options != EncodeOptions():
        fail("--melody-track/--start-bar/--end-bar do not apply to a WJazzD database")
    return load_wjazzd_training_corpus(
        database, solo_filter=solo_filter, options=options, jobs=args.jobs
    )


def train_configs(
    base: tuple[ModelConfig, TrainConfig], args: TrainArgs
) -> tuple[ModelConfig, TrainConfig]:
    """`base` (a preset, or the interrupted run's configs) with the options given in `args`."""
    from jazzgen.training.config import ModelConfig, TrainConfig, override

    base_model, base_train = base
    model_fields = shared_fields(ModelConfig, args)
    if args.context_input is False and args.tempo_input is None:
        model_fields["tempo_input"] = False  # the tempo is part of the context input
    if model_fields.get("tempo_input") is False and args.style_input is None:
        model_fields["style_input"] = False  # the style follows the tempo
    return (
        override(base_model, **model_fields),
        override(base_train, **shared_fields(TrainConfig, args)),
    )


def _print_result(result: TrainResult) -> None:
    """Warnings on stderr, then one summary line: epochs, time, validation (or training) NLL."""
    m = result.metrics
    for warning in m["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
    summary = f"wrote {result.out}: {plural(m['epochs_run'], 'epoch')} in {m['wall_seconds']:.1f} s"
    if m["val_nll"] is not None:
        summary += f", validation NLL {m['val_nll']:.3f} nats/token"
        summary += f" (perplexity {m['val_perplexity']:.2f})"
    elif m["train_nll"] is not None:
        summary += f", training NLL {m['train_nll']:.3f} nats/token (no validation)"
    cut = m.get("silence_cut") or {}
    if cut.get("runs"):
        summary += (
            f", cut {cut['runs']} silences of more than {cut['max_rest_bars']} rest bar(s) "
            f"({cut['bars']} bars, {cut['tokens']} targets)"
        )
    rates = m.get("epoch_tokens_per_second") or []
    if rates:  # the first epoch builds the graph: the median of the others when there are
        steady = sorted(rates[1:] or rates)
        summary += f", {steady[len(steady) // 2]:,.0f} tokens/s per epoch"
    calibration = m.get("calibration")
    if calibration:
        moved = calibration["total_variation"]
        summary += (
            f"; decoding calibrated in {calibration['seconds']:.0f} s (token classes off "
            f"their training shares by {moved[0]:.2f} -> {moved[-1]:.2f})"
        )
    typer.echo(summary)
