"""`jazzgen generate`: a solo over chord changes as a MIDI file (and optional WAV, PNG).

The numpy engine needs no TensorFlow, and nothing here imports it: `generate` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jazzgen.cli.common import fail, wav_written
from jazzgen.cli.options import (
    force_option,
    json_option,
    options_from,
    png_option,
    seed_option,
    soundfont_option,
    wav_option,
)

if TYPE_CHECKING:
    from jazzgen.generation.generate import GenerateOptions, GenerateResult


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
        typer.Option("--chords", help='Chord progression, bars split by |: "Dm7 G7 | Cmaj7 | A7".'),
    ] = None
    leadsheet: Annotated[
        str | None,
        typer.Option(
            "--leadsheet", metavar="FILE", help="Take chords, meter, tempo from this file."
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
        float | None, typer.Option("--tempo", help="Quarter notes per minute (default 120).")
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
    seed: Annotated[int, seed_option("Random seed (same seed, same file).")] = 0
    engine: Annotated[str, typer.Option("--engine", help="numpy (fast start) | keras.")] = "numpy"
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
    swing: Annotated[
        float | None,
        typer.Option("--swing", help="Delay straight off-beat eighths, e.g. 0.6 (default off)."),
    ] = None
    melody_program: Annotated[
        int,
        typer.Option("--melody-program", help="GM program 0-127 of the melody (66 tenor sax)."),
    ] = 66
    chords_program: Annotated[
        int, typer.Option("--chords-program", help="GM program 0-127 of the comping (0 piano).")
    ] = 0
    backing: Annotated[
        str, typer.Option("--backing", help="none | chords | trio (+bass, drums).")
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

    Chords come from --chords, from a --leadsheet file (MIDI/MusicXML/ABC), or are drawn
    (with --seed) from the training progressions stored in the model bundle (16 bars by
    default). Every bar is filled exactly; N candidates (--candidates) are decoded in one
    batch and the best is kept (model likelihood per beat minus post-processor edits); a
    nearly silent solo is resampled, and a warning says if one is still kept. The file has
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
    # Check every output and the renderer before generating, so nobody waits for nothing.
    _check_outputs(args)
    soundfont = _find_renderer(args.soundfont) if args.wav is not None else None
    from jazzgen.generation.generate import generate
    from jazzgen.io.outputs import write_atomic

    result = generate(generate_options(args))
    out_path = Path(args.out)
    if out_path.parent != Path():
        out_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out_path, result.midi)
    outputs: dict[str, object] = {"out": str(out_path)}
    lines = [result.summary(out_path)]
    if args.wav is not None:
        outputs["wav"], line = _write_wav(out_path, args.wav, soundfont)
        lines.append(line)
    if args.png is not None:
        outputs["png"] = _write_png(result, args.png, args.seed)
        lines.append(f"wrote {outputs['png']}")
    if args.as_json:
        import json

        typer.echo(json.dumps({**outputs, **result.report}))
        return
    typer.echo("\n".join(lines))


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
    """Fail on a wrong suffix of --out/--wav/--png, or an existing file without --force."""
    if Path(args.out).suffix.lower() not in (".mid", ".midi"):
        fail(f"--out must end with .mid or .midi, got {args.out}")
    for option, path, suffix in (("--wav", args.wav, ".wav"), ("--png", args.png, ".png")):
        if path is not None and Path(path).suffix.lower() != suffix:
            fail(f"{option} must end with {suffix}, got {path}")
    for path in (args.out, args.wav, args.png):
        if path is not None and Path(path).exists() and not args.force:
            fail(f"{path} exists (use --force to overwrite)")


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
