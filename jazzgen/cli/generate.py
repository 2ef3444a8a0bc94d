"""`jazzgen generate`: a solo over chord changes as a MIDI file (and optional WAV, PNG).

The numpy engine needs no TensorFlow, and nothing here imports it: `generate` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jazzgen.cli.common import check_musicxml_parts, check_suffixes, fail, wav_written
from jazzgen.cli.options import (
    MusicxmlParts,
    force_option,
    json_option,
    musicxml_option,
    options_from,
    png_option,
    seed_option,
    soundfont_option,
    wav_option,
)

if TYPE_CHECKING:
    from jazzgen.generation.generate import GenerateOptions, GenerateResult

RANDOM_SEEDS = 100_000
"""A seed drawn for a run without --seed is below this (five digits to type again)."""


# Fields named like a GenerateOptions field go to it; `no_postprocess` and `pitch_range`
# are converted (see `generate_options`); `out` to `as_json` are about the output files.
@dataclass(frozen=True)
class GenerateArgs:
    """Parameters of `jazzgen generate`."""

    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            metavar="BUNDLE",
            help="Model bundle dir (default: models/default).",
        ),
    ] = None
    chords: Annotated[
        str | None,
        typer.Option(
            "--chords",
            metavar="TEXT",
            help='Chord chart, bars split by |: "Dm7 G7 | Cmaj7 | A7", or an iReal Pro link.',
        ),
    ] = None
    chords_file: Annotated[
        str | None,
        typer.Option(
            "--chords-file",
            metavar="FILE",
            help="Chart file (--chords syntax, # comments), or iReal Pro links/HTML export.",
        ),
    ] = None
    tune: Annotated[
        str | None,
        typer.Option(
            "--tune", metavar="NAME|N", help="The tune of an iReal Pro playlist (title or number)."
        ),
    ] = None
    leadsheet: Annotated[
        str | None,
        typer.Option(
            "--leadsheet",
            metavar="FILE",
            help="Take chords, meter, tempo from this file (MIDI, MusicXML, ABC, wjazzd.db).",
        ),
    ] = None
    solo: Annotated[
        int | None,
        typer.Option(
            "--solo",
            metavar="MELID",
            help="With --leadsheet wjazzd.db: the solo whose changes to play over.",
        ),
    ] = None
    bars: Annotated[
        int | None, typer.Option("--bars", help="Bars to generate (repeats/cuts the chords).")
    ] = None
    primer: Annotated[
        str | None,
        typer.Option(
            "--primer", metavar="FILE", help="Start from this melody (kept in the output)."
        ),
    ] = None
    tempo: Annotated[
        float | None,
        typer.Option(
            "--tempo",
            metavar="QPM",
            help="Quarter notes per minute (default: the lead sheet's, else 120); "
            "a model with the tempo input plays to it.",
        ),
    ] = None
    density: Annotated[
        str | None,
        typer.Option(
            "--density",
            metavar="sparse|medium|dense",
            help="How densely to play for the tempo (a model with the style input; "
            "default: drawn from its training solos).",
        ),
    ] = None
    outside: Annotated[
        str | None,
        typer.Option(
            "--outside",
            metavar="inside|medium|outside",
            help="How far outside the chord scales (a model with the style input; "
            "default: drawn from its training solos).",
        ),
    ] = None
    temperature: Annotated[
        float, typer.Option("--temperature", help="0 = greedy; higher = wilder.")
    ] = 1.0
    top_k: Annotated[
        int, typer.Option("--top-k", help="Sample from the k likeliest tokens (0 = off).")
    ] = 0
    top_p: Annotated[float, typer.Option("--top-p", help="Nucleus sampling mass (1 = off).")] = 1.0
    candidates: Annotated[
        int, typer.Option("--candidates", "-n", help="Decode N solos, keep the best.")
    ] = 1
    seed: Annotated[
        int | None,
        seed_option("Random seed: same seed and options, same file (default: a fresh one)."),
    ] = None
    engine: Annotated[
        str,
        typer.Option(
            "--engine", metavar="numpy|keras", help="numpy: fast start; keras: same tokens."
        ),
    ] = "numpy"
    max_repeats: Annotated[
        int, typer.Option("--max-repeats", help="Max same-pitch onsets in a row.")
    ] = 2
    max_leap: Annotated[
        int, typer.Option("--max-leap", help="Max leap between notes, semitones.")
    ] = 12
    no_postprocess: Annotated[
        bool, typer.Option("--no-postprocess", help="Keep the realized melody as is.")
    ] = False
    pitch_range: Annotated[
        str | None,
        typer.Option(
            "--range", metavar="LOW-HIGH", help="Melody MIDI range (default: instrument's)."
        ),
    ] = None
    legato: Annotated[
        bool,
        typer.Option(
            "--legato", help="Every note legato at one velocity (ignore learned articulation)."
        ),
    ] = False
    uniform_realizer: Annotated[
        bool,
        typer.Option(
            "--uniform-realizer",
            help="Draw pitches uniformly in each token's window (ignore the learned realizer).",
        ),
    ] = False
    uncalibrated: Annotated[
        bool,
        typer.Option(
            "--uncalibrated",
            help="Draw tokens as the network gives them (ignore the decoding calibration).",
        ),
    ] = False
    swing: Annotated[
        float | None,
        typer.Option("--swing", help="Delay straight off-beat eighths, e.g. 0.6 (default off)."),
    ] = None
    melody_program: Annotated[
        int | None,
        typer.Option(
            "--melody-program",
            metavar="PROGRAM",
            help="GM program 0-127 of the melody (66 tenor sax; a WJazzD solo's instrument).",
        ),
    ] = None
    chords_program: Annotated[
        int,
        typer.Option(
            "--chords-program", metavar="PROGRAM", help="GM program 0-127 of the comping (0 piano)."
        ),
    ] = 0
    backing: Annotated[
        str,
        typer.Option(
            "--backing", metavar="none|chords|trio", help="Backing parts (trio: + bass, drums)."
        ),
    ] = "trio"
    count_in_bars: Annotated[
        int,
        typer.Option(
            "--count-in", metavar="BARS", help="Bars of hi-hat before the solo (trio; 0 = off)."
        ),
    ] = 0
    out: Annotated[str, typer.Option("--out", "-o", metavar="FILE", help="MIDI file to write.")] = (
        "solo.mid"
    )
    wav: Annotated[str | None, wav_option("Also render audio (FluidSynth).")] = None
    png: Annotated[str | None, png_option("Also draw a piano roll.")] = None
    musicxml: Annotated[
        str | None, musicxml_option("Also write notation (MusicXML: MuseScore, Finale...).")
    ] = None
    musicxml_parts: MusicxmlParts = "melody"
    soundfont: Annotated[
        str | None,
        soundfont_option(
            "SoundFont for --wav (default: $JAZZGEN_SOUNDFONT, else a system GM SoundFont)."
        ),
    ] = None
    force: Annotated[bool, force_option("Overwrite output files that exist.")] = False
    as_json: Annotated[bool, json_option("Print one JSON object (with edits).")] = False


def generate_command(args: GenerateArgs) -> None:
    """Generate a solo over chord changes and write it as a type 1 MIDI file.

    Chords come from --chords (a chart such as "Dm7 G7 | Cmaj7", or an iReal Pro link), from
    a --chords-file (a chart over several lines with # comments, or iReal Pro links or an
    iReal HTML export; --tune picks a tune of a playlist), from a --leadsheet file
    (MIDI/MusicXML/ABC, or a Weimar Jazz Database with --solo MELID), or are drawn from the
    training progressions stored in the model bundle (16 bars by default). Every bar is
    filled exactly; N candidates (--candidates) are decoded in one batch and the best is
    kept (model likelihood per beat minus post-processor edits); a nearly silent solo is
    resampled, and a warning says if one is still kept. The file has tracks Melody, Chords
    (rootless voicings under the solo; with --backing chords the piano's left hand adds the
    roots) and, with --backing trio, Bass and Drums (channel 10), and the chord symbols as
    markers; --count-in N puts N bars of hi-hat before the solo. --wav and --png also render
    the file to audio (FluidSynth + a General MIDI SoundFont) and a piano roll with bar
    lines and chord names. --out defaults to solo.mid in the current folder; no output file
    is overwritten without --force. The numpy engine does not load TensorFlow; --engine
    keras gives the same tokens. Without --seed every run writes a fresh solo and prints its
    seed; the same model, options and --seed give the same bytes. A model trained with the
    default preset also learned how players choose each pitch, articulate and accent:
    --uniform-realizer and --legato play as the course does (uniform pitches in each
    token's window; every note legato at one velocity). A model trained with
    --style-input plays each solo in a style drawn from its training solos (printed), or
    in the one --density and --outside ask for.

    \b
    Example:
      jazzgen generate --model models/mine --chords "Dm7 G7 | Cmaj7 | Cmaj7 | A7" \\
          --bars 32 --candidates 8 --seed 3 --out solo.mid
      jazzgen generate --chords-file standards.html --tune "Blue Bossa" --out bb.mid
      jazzgen generate --leadsheet wjazzd.db --solo 52 --out over52.mid
      jazzgen generate --seed 3 --out s.mid --wav s.wav --png s.png
      jazzgen generate --model models/styled --density sparse --out ballad.mid
    """
    given_seed = args.seed is not None
    args = replace(args, seed=args.seed if given_seed else draw_seed())
    from jazzgen.io.outputs import output_locks

    # Check every output and the renderer before generating, so nobody waits for nothing.
    _check_outputs(args)
    soundfont = _find_renderer(args.soundfont) if args.wav is not None else None
    with output_locks([args.out, args.wav, args.png, args.musicxml]):
        _check_outputs(args)  # again, holding the locks: another run may have written them
        _generate_and_write(args, soundfont, given_seed)


def _generate_and_write(args: GenerateArgs, soundfont: str | None, given_seed: bool) -> None:
    """Generate, write --out (then --wav, --png) and print the report."""
    from jazzgen.generation.generate import generate

    result = generate(generate_options(args))
    outputs, lines = _write_outputs(args, result, soundfont)
    if args.as_json:
        import json

        typer.echo(json.dumps({**outputs, **result.report, "random_seed": not given_seed}))
        return
    if not given_seed:
        lines.append(f"seed {args.seed} - pass --seed {args.seed} to get this solo again")
    typer.echo("\n".join(lines))


def draw_seed() -> int:
    """A fresh seed from the operating system's entropy, short enough to type again."""
    import secrets

    return secrets.randbelow(RANDOM_SEEDS)


def _write_outputs(
    args: GenerateArgs, result: GenerateResult, soundfont: str | None
) -> tuple[dict[str, object], list[str]]:
    """Write the MIDI file and the asked-for renderings; their JSON entries and report lines."""
    from jazzgen.io.outputs import make_folder, write_atomic

    out_path = Path(args.out)
    make_folder(out_path.parent if str(out_path.parent) else Path("."))
    write_atomic(out_path, result.midi)
    outputs: dict[str, object] = {"out": str(out_path)}
    lines = [result.summary(out_path)]
    if args.wav is not None:
        outputs["wav"], line = _write_wav(out_path, args.wav, soundfont)
        lines.append(line)
    if args.png is not None:
        outputs["png"] = _write_png(result, args.png, result.report["seed"])
        lines.append(f"wrote {outputs['png']}")
    if args.musicxml is not None:
        outputs["musicxml"] = _write_musicxml(result, args.musicxml, args.musicxml_parts)
        lines.append(f"wrote {outputs['musicxml']}")
    return outputs, lines


def _write_musicxml(result: GenerateResult, path: str, which: str) -> str:
    """The solo's notation (`output.notation`) written to `path`; return the path."""
    from jazzgen.io.outputs import write_atomic
    from jazzgen.output.notation import musicxml_bytes, sheet_from_parts

    r = result.report
    sheet = sheet_from_parts(
        result.parts,
        result.bars,
        qpm=result.qpm,
        key_fifths=r["key_fifths"],
        title=f"jazzgen solo over {r['progression_source']} (seed {r['seed']})",
        which=which,
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return str(write_atomic(path, musicxml_bytes(sheet)))


def generate_options(args: GenerateArgs) -> GenerateOptions:
    """The library's options: the fields named alike, plus the two that need converting."""
    from jazzgen.generation.generate import GenerateOptions, parse_range

    return options_from(
        GenerateOptions,
        args,
        postprocess=not args.no_postprocess,
        pitch_range=parse_range(args.pitch_range) if args.pitch_range is not None else None,
    )


def _check_outputs(args: GenerateArgs) -> None:
    """Fail on a wrong suffix of --out/--wav/--png, an output that is a folder or under a
    file, an existing file without --force (or not a file of ours), or an output that is
    an input (--primer, --leadsheet)."""
    from jazzgen.io.outputs import check_not_input, check_output_file

    if Path(args.out).suffix.lower() not in (".mid", ".midi"):
        fail(f"--out must end with .mid or .midi, got {args.out}")
    check_suffixes(("--wav", args.wav), ("--png", args.png), ("--musicxml", args.musicxml))
    check_musicxml_parts(args.musicxml_parts)
    inputs = [p for p in (args.primer, args.leadsheet) if p is not None]
    outputs = (("--out", args.out), ("--wav", args.wav), ("--png", args.png),
               ("--musicxml", args.musicxml))  # fmt: skip
    for option, path in outputs:
        if path is not None:
            check_output_file(path, option=option, force=args.force)
            check_not_input(path, inputs, option)


def _find_renderer(soundfont: str | None) -> str:
    """The SoundFont --wav will use; fails (RenderError) without FluidSynth or SoundFont."""
    from jazzgen.output import audio

    audio.find_fluidsynth()
    return str(audio.find_soundfont(soundfont))


def _write_wav(midi_path: Path, wav: str, soundfont: str | None) -> tuple[dict[str, Any], str]:
    """Render `midi_path` to `wav`; return its JSON entry and its report line."""
    from jazzgen.output import audio

    info = audio.render_wav(midi_path, wav, soundfont=soundfont)
    entry = {
        "path": info.path,
        "seconds": round(info.seconds, 3),
        "sample_rate": info.sample_rate,
        "soundfont": info.soundfont,
    }
    return entry, wav_written(info)


def _write_png(result: GenerateResult, png: str, seed: int) -> str:
    """Draw the generated parts as a piano roll with bar lines and chords; return its path."""
    from jazzgen.output import pictures
    from jazzgen.output.arrange import spans_of

    written = pictures.piano_roll_png(
        result.parts,
        png,
        chords=spans_of(result.bars),
        bar_beats=result.bars[0].time_signature.bar_beats,
        title=f"jazzgen solo (seed {seed})",
    )
    return str(written)
