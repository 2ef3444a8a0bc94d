"""Command-line interface: thin wrappers that parse options, call the library, print.

Every command's docstring is its `--help` (with an example). Library errors
(`JazzgenError`) and usage errors become one line `Error: ...` on stderr and exit code 1,
never a traceback. Heavy modules (TensorFlow, music21, matplotlib) are imported inside the
commands that need them, so `jazzgen --help`, `inspect` and `preprocess` start fast.
"""

from __future__ import annotations

import sys

import typer
from typer.exceptions import TyperException

from jazzgen import __version__
from jazzgen.core.errors import JazzgenError

app = typer.Typer(
    name="jazzgen",
    help="Learn jazz improvisation from MIDI with an LSTM and write new solos as MIDI files.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"jazzgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """jazzgen: learn jazz solos from MIDI, generate new ones over chord changes.

    \b
    Typical use:
      jazzgen inspect tune.mid
      jazzgen train my_midi_folder/ --out models/mine
      jazzgen generate --model models/mine --chords "Dm7 G7 | Cmaj7" --out solo.mid
    """


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(1)


# Options shared by several commands (a fresh OptionInfo per use).
def _melody_track_option():
    return typer.Option(
        None, "--melody-track", help="Melody track index (from 0) or name (default: automatic)."
    )


def _start_bar_option():
    return typer.Option(None, "--start-bar", help="First bar used (counting from 1).")


def _end_bar_option():
    return typer.Option(None, "--end-bar", help="Last bar used (inclusive).")


# Commands are defined below, one function each; their bodies import what they need.
# (inspect, preprocess, train, generate, render, evaluate)


@app.command("inspect")
def inspect_command(
    file: str = typer.Argument(..., help="MIDI (.mid/.midi), MusicXML or ABC file."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
    melody_track: str = _melody_track_option(),
    start_bar: int = _start_bar_option(),
    end_bar: int = _end_bar_option(),
) -> None:
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

    options = EncodeOptions(melody_track=melody_track, start_bar=start_bar, end_bar=end_bar)
    info = describe_file(file, options)
    if as_json:
        typer.echo(json.dumps(info))
        return
    melody = info["melody"]
    typer.echo(f"file: {info['file']}")
    typer.echo(
        f"meter {info['time_signature']}"
        + (f" ({len(info['time_signatures'])} meters)" if len(info["time_signatures"]) > 1 else "")
        + f", {info['qpm']:g} qpm"
        + (f" ({info['tempo_changes']} tempo changes)" if info["tempo_changes"] else "")
        + f", {info['length_beats']:g} quarter notes"
    )
    typer.echo("tracks:")
    typer.echo("    #  name                  prog family                ch  notes  poly")
    for t in info["tracks"]:
        mark = "*" if t["index"] == melody["track"] else " "
        typer.echo(
            f"  {mark}{t['index']:2d}  {t['name'][:20]:20s}  {t['program']:3d}  "
            f"{t['family'][:20]:20s}  {t['channel'] + 1:2d}  {t['notes']:5d}  "
            f"{100 * t['polyphony']:3.0f}%"
        )
    where = "" if melody["track"] is None else f"track {melody['track']} "
    typer.echo(f"melody: {where}{melody['name']!r}: {melody['reason']}")
    if melody["notes_dropped"]:
        typer.echo(f"  {melody['notes_dropped']} double-stop notes dropped (top note kept)")
    bars = info["bars"]
    typer.echo(
        f"chords: from {info['chord_source']}; "
        f"bars {bars[0]['number']}-{bars[-1]['number']} ({len(bars)} bars)"
    )
    for bar in bars:
        chords = " ".join(
            sym if off == 0 else f"{sym}@{off:g}"
            for sym, off in zip(bar["chords"], bar["chord_offsets"], strict=True)
        )
        typer.echo(f"  {bar['number']:4d} | {chords:18s} | {' '.join(bar['tokens'])}")


@app.command("preprocess")
def preprocess_command(
    inputs: list[str] = typer.Argument(..., help="MIDI/MusicXML/ABC files or folders."),
    out: str = typer.Option(..., "--out", help="Corpus directory to write."),
    jobs: int = typer.Option(None, "--jobs", help="Worker processes (default: all cores)."),
    melody_track: str = _melody_track_option(),
    start_bar: int = _start_bar_option(),
    end_bar: int = _end_bar_option(),
    force: bool = typer.Option(
        False, "--force", help="Write into a non-empty folder that is not a corpus."
    ),
) -> None:
    """Encode MIDI/lead-sheet files into a corpus folder for `jazzgen train`.

    Folders are searched recursively for .mid .midi .xml .mxl .musicxml .abc files. Files
    are encoded in parallel; results are cached by file content in OUT/cache, so a rerun
    (with --force to replace the corpus) only encodes new or changed files. Writes
    OUT/vocab.json, OUT/corpus.jsonl and OUT/report.json. Unusable files are skipped with
    a reason; the exit code is 1 only when no file is usable.

    \b
    Example:
      jazzgen preprocess my_midi/ extra/tune.mid --out data/corpus --jobs 2
    """
    from pathlib import Path

    from jazzgen.corpus.preprocess import EncodeOptions, build_corpus
    from jazzgen.corpus.store import CACHE_DIR, is_corpus_dir, save_corpus
    from jazzgen.io.files import collect_inputs

    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        _fail(f"--out {out} is a file, not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        if is_corpus_dir(out_dir):
            _fail(f"--out {out} already holds a corpus: pass --force to replace it")
        _fail(f"--out {out} is not empty and not a jazzgen corpus: pass --force to write there")
    if jobs is not None and jobs < 1:
        _fail(f"--jobs must be >= 1, got {jobs}")
    options = EncodeOptions(melody_track=melody_track, start_bar=start_bar, end_bar=end_bar)
    paths = collect_inputs(inputs)
    if not paths:
        _fail("no input files found (looked for .mid .midi .xml .mxl .musicxml .abc)")
    cache_dir = out_dir / CACHE_DIR
    if sys.stderr.isatty():
        with typer.progressbar(length=len(paths), label="encoding", file=sys.stderr) as bar:
            pieces, report = build_corpus(
                paths, jobs=jobs, cache_dir=cache_dir, options=options, progress=bar.update
            )
    else:
        pieces, report = build_corpus(paths, jobs=jobs, cache_dir=cache_dir, options=options)
    for entry in report["files"]:
        if entry["status"] != "ok":
            typer.echo(f"skipped {entry['path']}: {entry['reason']}", err=True)
    if not pieces:
        _fail(f"no usable input ({report['skipped']} files skipped)")
    vocab = save_corpus(out_dir, pieces, report)
    bars = sum(len(p.bars) for p in pieces)
    tokens = sum(p.token_count for p in pieces)
    typer.echo(
        f"{report['ok']} files ok, {report['skipped']} skipped ({report['cached']} from cache): "
        f"{bars} bars, {tokens} tokens, vocabulary {len(vocab)} -> {out_dir}"
    )


@app.command("render")
def render_command(
    midi_file: str = typer.Argument(..., help="MIDI file to render."),
    wav: str = typer.Option(None, "--wav", metavar="OUT.wav", help="Write audio (FluidSynth)."),
    png: str = typer.Option(None, "--png", metavar="OUT.png", help="Write a piano roll."),
    soundfont: str = typer.Option(
        None,
        "--soundfont",
        metavar="SF2",
        help="SoundFont (default: $JAZZGEN_SOUNDFONT, else a system GM SoundFont).",
    ),
    melody_track: str = _melody_track_option(),
    force: bool = typer.Option(False, "--force", help="Overwrite existing output files."),
) -> None:
    """Render a MIDI file to a WAV (FluidSynth + General MIDI SoundFont) and/or a piano roll.

    The WAV is 44.1 kHz 16-bit, peak-normalised to -1 dBFS and as long as the MIDI file
    (tempo honoured) plus a short reverb tail. The PNG shows the melody in bold over the
    backing tracks, with bar lines and chord symbols.

    \b
    Example:
      jazzgen render solo.mid --wav solo.wav --png solo.png
    """
    from pathlib import Path

    if wav is None and png is None:
        _fail("nothing to do: give --wav OUT.wav and/or --png OUT.png")
    if not Path(midi_file).is_file():
        _fail(f"{midi_file}: no such file")
    for out in (wav, png):
        if out is not None and Path(out).exists() and not force:
            _fail(f"{out} exists: pass --force to overwrite it")
    from jazzgen.output import audio as render

    if wav is not None:
        info = render.render_wav(midi_file, wav, soundfont=soundfont)
        typer.echo(
            f"wrote {info.path} ({info.seconds:.1f} s, {info.sample_rate} Hz, "
            f"SoundFont {Path(info.soundfont).name})"
        )
    if png is not None:
        from jazzgen.io.scores import read_score

        track = int(melody_track) if melody_track and melody_track.isdigit() else melody_track
        score = read_score(midi_file)
        from jazzgen.output import pictures

        typer.echo(f"wrote {pictures.piano_roll_png(score, png, melody_track=track)}")


@app.command("evaluate")
def evaluate_command(
    generated: list[str] = typer.Argument(..., help="Generated MIDI/lead-sheet files or folders."),
    reference: list[str] = typer.Option(
        ...,
        "--reference",
        metavar="INPUT",
        help="Reference file or folder; repeat the option for several (--reference a.mid "
        "--reference b/).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
    melody_track: str = _melody_track_option(),
) -> None:
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

    track = int(melody_track) if melody_track and melody_track.isdigit() else melody_track
    result = evaluate_sets(generated, reference, melody_track=track)
    if as_json:
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


@app.command("train")
def train_command(
    inputs: list[str] = typer.Argument(
        ...,
        metavar="INPUT",
        help="MIDI/MusicXML/ABC files or folders, or one `jazzgen preprocess` directory.",
    ),
    out: str = typer.Option(..., "--out", "-o", metavar="BUNDLE", help="Bundle dir to write."),
    preset: str = typer.Option("default", "--preset", help="course | default."),
    epochs: int = typer.Option(None, "--epochs", help="Training epochs."),
    tx: int = typer.Option(None, "--tx", help="Window length Tx in tokens."),
    units: int = typer.Option(None, "--units", help="Units per recurrent layer (n_a)."),
    layers: int = typer.Option(None, "--layers", help="Stacked recurrent layers."),
    dropout: float = typer.Option(None, "--dropout", help="Dropout after each layer."),
    cell: str = typer.Option(None, "--cell", help="lstm | gru."),
    chord_input: bool = typer.Option(
        None, "--chord-input/--no-chord-input", help="Feed the chord of each step."
    ),
    batch_size: int = typer.Option(None, "--batch-size", help="Windows per batch."),
    lr: float = typer.Option(None, "--lr", help="Adam learning rate."),
    val_fraction: float = typer.Option(
        None, "--val-fraction", help="Held-out share of pieces (or bars of one piece)."
    ),
    patience: int = typer.Option(None, "--patience", help="Early stopping patience (0=off)."),
    windows_per_epoch: int = typer.Option(
        None, "--windows-per-epoch", help="Windows drawn per epoch (0 = all; course: 60)."
    ),
    seed: int = typer.Option(None, "--seed", help="Random seed."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in BUNDLE.partial."),
    arch: str = typer.Option(None, "--arch", help="fused | course (unrolled baseline)."),
    strategy: str = typer.Option(None, "--strategy", help="default | mirrored | multiworker."),
    tensorboard: str = typer.Option(None, "--tensorboard", metavar="DIR", help="Log dir."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    force: bool = typer.Option(False, "--force", help="Overwrite BUNDLE / restart a run."),
    melody_track: str = _melody_track_option(),
    start_bar: int = _start_bar_option(),
    end_bar: int = _end_bar_option(),
    jobs: int = typer.Option(None, "--jobs", "-j", help="Encoding processes (default: CPUs)."),
) -> None:
    """Train a model on MIDI files (or a preprocessed corpus) and write a model bundle.

    The bundle directory holds model.keras, vocab.json, config.json, history.csv and
    metrics.json. Training runs in BUNDLE.partial/ (checkpoint after every epoch); an
    interrupted run continues with --resume. The bundle appears only when training is
    complete; an existing one is replaced only with --force. Options override the preset
    (with --resume, they override the interrupted run's settings; --preset is ignored).

    \b
    Example:
      jazzgen train my_midi_folder/ --out models/mine
      jazzgen train tune.mid --start-bar 120 --end-bar 137 --preset course --out models/c
    """
    from pathlib import Path

    from jazzgen.training.config import override
    from jazzgen.training.config import preset as get_preset

    if Path(out).exists() and not force:
        _fail(f"{out} already exists: use --force to overwrite it")

    model_changes = dict(
        tx=tx, units=units, layers=layers, dropout=dropout, cell=cell, arch=arch,
        chord_input=chord_input,
    )  # fmt: skip
    train_changes = dict(
        epochs=epochs, batch_size=batch_size, lr=lr, val_fraction=val_fraction,
        patience=patience, seed=seed, strategy=strategy, windows_per_epoch=windows_per_epoch,
    )  # fmt: skip
    from jazzgen.corpus.preprocess import EncodeOptions, load_training_corpus

    options = EncodeOptions(melody_track=melody_track, start_bar=start_bar, end_bar=end_bar)
    if not resume:  # bad option values fail before any encoding or TensorFlow start-up
        model_config = override(get_preset(preset)[0], **model_changes)
        train_config = override(get_preset(preset)[1], **train_changes)
    pieces, vocab, encode, skipped = load_training_corpus(inputs, options=options, jobs=jobs)
    from jazzgen.training.tf_runtime import import_tensorflow

    import_tensorflow()  # before jazzgen.train imports Keras: hides TensorFlow's C++ chatter
    from jazzgen.training import train as training

    if resume:
        base_model, base_train, _run = training.load_run(out)
        model_config = override(base_model, **model_changes)
        train_config = override(base_train, **train_changes)
    for item in skipped:
        typer.echo(f"skipped {item['path']}: {item['reason']}", err=True)
    if not quiet:
        tokens = sum(p.token_count for p in pieces)
        typer.echo(
            f"training on {len(pieces)} piece(s), {tokens} tokens, {len(vocab)} token types "
            f"({model_config.arch} {model_config.cell} x{model_config.layers}, "
            f"{model_config.units} units, Tx {model_config.tx})"
        )
    result = training.train(
        pieces,
        vocab,
        model_config,
        train_config,
        out,
        force=force,
        resume=resume,
        tensorboard=tensorboard,
        verbose=0 if quiet else "auto",
        encode=encode,
    )
    m = result.metrics
    for warning in m["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
    summary = f"wrote {result.out}: {m['epochs_run']} epochs in {m['wall_seconds']:.1f} s"
    if m["val_nll"] is not None:
        summary += f", validation NLL {m['val_nll']:.3f} nats/token"
        summary += f" (perplexity {m['val_perplexity']:.2f})"
    elif m["train_nll"] is not None:
        summary += f", training NLL {m['train_nll']:.3f} nats/token (no validation)"
    typer.echo(summary)


@app.command("generate")
def generate_command(
    model: str = typer.Option(
        None, "--model", "-m", metavar="BUNDLE", help="Model bundle dir (default: models/default)."
    ),
    chords: str = typer.Option(
        None, "--chords", help='Chord progression, bars split by |: "Dm7 G7 | Cmaj7 | A7".'
    ),
    leadsheet: str = typer.Option(
        None, "--leadsheet", metavar="FILE", help="Take chords, meter, tempo from this file."
    ),
    bars: int = typer.Option(None, "--bars", help="Bars to generate (repeats/cuts the chords)."),
    primer: str = typer.Option(
        None, "--primer", metavar="FILE", help="Start from this melody (kept in the output)."
    ),
    tempo: float = typer.Option(None, "--tempo", help="Quarter notes per minute (default 120)."),
    temperature: float = typer.Option(1.0, "--temperature", help="0 = greedy; higher = wilder."),
    top_k: int = typer.Option(0, "--top-k", help="Sample from the k likeliest tokens (0 = off)."),
    top_p: float = typer.Option(1.0, "--top-p", help="Nucleus sampling mass (1 = off)."),
    candidates: int = typer.Option(1, "--candidates", "-n", help="Decode N solos, keep the best."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same file)."),
    engine: str = typer.Option("numpy", "--engine", help="numpy (fast start) | keras."),
    max_repeats: int = typer.Option(2, "--max-repeats", help="Max same-pitch onsets in a row."),
    max_leap: int = typer.Option(12, "--max-leap", help="Max leap between notes, semitones."),
    no_postprocess: bool = typer.Option(
        False, "--no-postprocess", help="Keep the realized melody as is."
    ),
    pitch_range: str = typer.Option(
        None, "--range", metavar="LOW-HIGH", help="Melody MIDI range (default: instrument's)."
    ),
    swing: float = typer.Option(
        None, "--swing", help="Delay straight off-beat eighths, e.g. 0.6 (default off)."
    ),
    melody_program: int = typer.Option(
        66, "--melody-program", help="GM program 0-127 of the melody (66 tenor sax)."
    ),
    chords_program: int = typer.Option(
        0, "--chords-program", help="GM program 0-127 of the comping (0 piano)."
    ),
    backing: str = typer.Option("trio", "--backing", help="none | chords | trio (+bass, drums)."),
    count_in: int = typer.Option(
        0, "--count-in", metavar="BARS", help="Bars of hi-hat before the solo (trio; 0 = off)."
    ),
    out: str = typer.Option("solo.mid", "--out", "-o", metavar="FILE", help="MIDI file to write."),
    wav: str = typer.Option(
        None, "--wav", metavar="OUT.wav", help="Also render audio (FluidSynth)."
    ),
    png: str = typer.Option(None, "--png", metavar="OUT.png", help="Also draw a piano roll."),
    soundfont: str = typer.Option(
        None,
        "--soundfont",
        metavar="SF2",
        help="SoundFont for --wav (default: $JAZZGEN_SOUNDFONT, else a system GM SoundFont).",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite output files that exist."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (with edits)."),
) -> None:
    """Generate a solo over chord changes and write it as a type 1 MIDI file.

    Chords come from --chords, from a --leadsheet file (MIDI/MusicXML/ABC), or are drawn
    (with --seed) from the training progressions stored in the model bundle (16 bars by
    default). Every bar is filled exactly; N candidates (--candidates) are decoded in one
    batch and the best is kept (model likelihood minus post-processor edits). The file has
    tracks Melody, Chords (rootless voicings; with --backing chords the piano's left hand
    adds the roots) and, with --backing trio, Bass and Drums (channel 10); --count-in N
    puts N bars of hi-hat before the solo. --wav and --png also render the file to audio
    (FluidSynth + a General MIDI SoundFont) and a piano roll with bar lines and chord names.
    --out defaults to solo.mid in the current folder; no output file is overwritten without
    --force. The numpy engine does not load TensorFlow; --engine keras gives the same
    tokens. Same model, options and --seed give the same bytes.

    \b
    Example:
      jazzgen generate --model models/mine --chords "Dm7 G7 | Cmaj7 | Cmaj7 | A7" \\
          --bars 32 --candidates 8 --seed 3 --out solo.mid
      jazzgen generate --seed 3 --out s.mid --wav s.wav --png s.png
    """
    from pathlib import Path

    out_path = Path(out)
    if out_path.suffix.lower() not in (".mid", ".midi"):
        _fail(f"--out must end with .mid or .midi, got {out}")
    for option, path, suffix in (("--wav", wav, ".wav"), ("--png", png, ".png")):
        if path is not None and Path(path).suffix.lower() != suffix:
            _fail(f"{option} must end with {suffix}, got {path}")
    # Check every output and the renderer before generating, so nobody waits for nothing.
    for path in (out, wav, png):
        if path is not None and Path(path).exists() and not force:
            _fail(f"{path} exists (use --force to overwrite)")
    if wav is not None:
        from jazzgen.output import audio as render

        render.find_fluidsynth()
        soundfont = str(render.find_soundfont(soundfont))
    from jazzgen.generation.generate import GenerateOptions, generate, parse_range

    options = GenerateOptions(
        model=model,
        chords=chords,
        leadsheet=leadsheet,
        bars=bars,
        primer=primer,
        tempo=tempo,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        candidates=candidates,
        seed=seed,
        engine=engine,
        postprocess=not no_postprocess,
        max_repeats=max_repeats,
        max_leap=max_leap,
        pitch_range=parse_range(pitch_range) if pitch_range is not None else None,
        swing=swing,
        melody_program=melody_program,
        chords_program=chords_program,
        backing=backing,
        count_in_bars=count_in,
    )
    result = generate(options)
    if out_path.parent != Path():
        out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(result.midi)
    outputs: dict[str, object] = {"out": str(out_path)}
    lines = [result.summary(out_path)]
    if wav is not None:
        from jazzgen.output import audio as render

        info = render.render_wav(out_path, wav, soundfont=soundfont)
        outputs["wav"] = {
            "path": info.path,
            "seconds": round(info.seconds, 3),
            "sample_rate": info.sample_rate,
            "soundfont": info.soundfont,
        }
        lines.append(
            f"wrote {info.path} ({info.seconds:.1f} s, {info.sample_rate} Hz, "
            f"SoundFont {Path(info.soundfont).name})"
        )
    if png is not None:
        from jazzgen.output import pictures
        from jazzgen.output.arrange import spans_of

        parts = result.parts
        title = f"jazzgen solo (seed {seed})"
        written = pictures.piano_roll_png(
            parts,
            png,
            chords=spans_of(result.bars),
            bar_beats=result.bars[0].time_signature.bar_beats,
            title=title,
        )
        outputs["png"] = str(written)
        lines.append(f"wrote {written}")
    if as_json:
        import json

        typer.echo(json.dumps({**outputs, **result.report}))
        return
    typer.echo("\n".join(lines))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI with `argv` (default sys.argv[1:]); return the exit code."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="jazzgen", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("Error: aborted", err=True)
        return 1
    except TyperException as exc:  # usage errors: unknown option, bad value...
        typer.echo(f"Error: {exc.format_message()}", err=True)
        return 1
    except JazzgenError as exc:
        typer.echo(f"Error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("Error: interrupted", err=True)
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
