"""Reproduce the course assignment end to end, with jazzgen, and time every stage.

The course ("Improvise a Jazz Solo with an LSTM Network") trained on the melody of
original_metheny.mid between quarter-note offsets 476 and 548 (bars 120-137 in 4/4) with
n_a 64, Tx 30, Adam lr 0.01 / decay 0.01, batch 32, 100 epochs, then generated a solo over
that section's chords. Here: preprocess (melody chosen automatically, bars 120-137) ->
train (`--preset course`, the fused LSTM) -> generate over the section's chords
(numpy engine) -> post-process -> write MIDI. The course's own script took 74-88 s on this
machine (preprocess 4.6 s, fit 55 s, generate 10 s); the summary prints our ratio against
74 s, its fastest run.

Outputs go to a fresh temporary directory (or --out DIR), never into the repository.

Example:
    python scripts/reproduce_course.py                       # ../shared/data/original_metheny.mid
    python scripts/reproduce_course.py my.mid --start-bar 1 --end-bar 16 --out /tmp/course
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # before the heavy imports: they are part of the end-to-end time

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MIDI = ROOT.parent / "shared" / "data" / "original_metheny.mid"
COURSE_SECONDS = (74.0, 88.0)  # the course's whole script on this machine (DESIGN.md)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("midi", nargs="?", type=Path, default=DEFAULT_MIDI)
    parser.add_argument("--start-bar", type=int, default=120)
    parser.add_argument("--end-bar", type=int, default=137)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: temp)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None, help="override the course's 100")
    parser.add_argument("--arch", choices=("fused", "course"), default="fused")
    args = parser.parse_args(argv)

    if not args.midi.is_file():
        print(f"Error: {args.midi}: file not found", file=sys.stderr)
        return 1
    out = args.out or Path(tempfile.mkdtemp(prefix="jazzgen-course-"))
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve().is_relative_to(ROOT):
        print(f"Error: {out} is inside the repository: choose a folder outside it", file=sys.stderr)
        return 1

    from jazzgen.core.errors import JazzgenError

    try:
        return _run(args, out)
    except JazzgenError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, out: Path) -> int:
    timings: dict[str, float] = {}

    t = time.perf_counter()
    from jazzgen.corpus.preprocess import EncodeOptions, encode_file
    from jazzgen.tokens.vocab import Vocab

    piece = encode_file(args.midi, EncodeOptions(start_bar=args.start_bar, end_bar=args.end_bar))
    vocab = Vocab.from_tokens(t for bar in piece.bars for t in bar.tokens)
    timings["preprocess"] = time.perf_counter() - t
    _line("preprocess", seconds=timings["preprocess"], bars=len(piece.bars),
          tokens=piece.token_count, n_values=len(vocab))  # fmt: skip

    t = time.perf_counter()
    from jazzgen.training.config import override, preset
    from jazzgen.training.train import train

    timings["import_tensorflow"] = time.perf_counter() - t
    model_config, train_config = preset("course")
    model_config = override(model_config, arch=args.arch)
    train_config = override(train_config, seed=args.seed, epochs=args.epochs)
    t = time.perf_counter()
    result = train([piece], vocab, model_config, train_config, out / "model", force=True, verbose=0)
    timings["train"] = time.perf_counter() - t
    history = result.history
    m = result.metrics
    _line("train", seconds=timings["train"], fit_seconds=m["fit_seconds"],
          epochs=len(history), first_loss=history[0]["loss"], final_loss=history[-1]["loss"],
          train_nll=m["train_nll"], val_nll=m["val_nll"], split=m["split"])  # fmt: skip

    t = time.perf_counter()
    from jazzgen.generation.generate import GenerateOptions, generate

    chords = " | ".join(" ".join(c.symbol for c, _ in bar.chords) for bar in piece.bars)
    options = GenerateOptions(
        model=out / "model", chords=chords, bars=len(piece.bars), seed=args.seed,
        tempo=piece.qpm, candidates=1,
    )  # fmt: skip
    generated = generate(options)
    solo = out / "course_solo.mid"
    solo.write_bytes(generated.midi)
    timings["generate"] = time.perf_counter() - t
    report = generated.report
    _line("generate", seconds=timings["generate"], path=str(solo), bars=report["bars"],
          notes=report["notes"], postprocess_edits=len(generated.edits),
          edit_counts=report["edit_counts"])  # fmt: skip

    total = time.perf_counter() - T0
    _line("total", seconds=total, **{k: round(v, 3) for k, v in timings.items()})
    print(
        f"course reproduction end to end: {total:.1f} s (course script {COURSE_SECONDS[0]:.0f}-"
        f"{COURSE_SECONDS[1]:.0f} s): {COURSE_SECONDS[0] / total:.1f}x faster than its fastest "
        f"run; train loss {history[0]['loss']:.3f} -> {history[-1]['loss']:.3f}; "
        f"wrote {solo}"
    )
    return 0


def _line(stage: str, **fields: object) -> None:
    def clean(v: object) -> object:
        return round(v, 4) if isinstance(v, float) else v

    print(json.dumps({"stage": stage, **{k: clean(v) for k, v in fields.items()}}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
