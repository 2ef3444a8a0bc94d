"""Benchmark `jazzgen train` (not a test): fused vs course arch, course vs default preset.

1. Same data (original_metheny.mid bars 120-137, the course's excerpt, melody auto-selected),
   course preset: the fused LSTM vs the course's unrolled shared cell (`--arch course`).
   Prints wall time (graph build included) and final training loss of each, and the ratio.
2. Whole original_metheny.mid, one split (last 10% of bars held out): per-token validation
   NLL of the course preset vs the default preset.

Falls back to synthetic pieces when the shared MIDI file or preprocessing is unavailable.

    .venv/bin/python scripts/bench_train.py [--midi PATH] [--skip-arch] [--skip-presets]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_MIDI = ROOT.parent / "shared" / "data" / "original_metheny.mid"


def load_pieces(midi: Path, start_bar: int | None, end_bar: int | None):
    """Pieces of `midi` (bars start..end), else synthetic ones; and a description."""
    from jazzgen.corpus import dataset

    try:
        from jazzgen.corpus.preprocess import EncodeOptions, encode_file

        piece = encode_file(midi, EncodeOptions(start_bar=start_bar, end_bar=end_bar))
        where = f"{midi.name} bars {start_bar or 'first'}-{end_bar or 'last'}"
        return [piece], f"{where}: {len(piece.bars)} bars, {piece.token_count} tokens"
    except Exception as exc:  # any failure: benchmark on synthetic data instead
        bars = 18 if start_bar else 200
        pieces = dataset.synthetic_pieces(1, bars=bars)
        return pieces, f"SYNTHETIC ({bars} bars; {midi} unusable: {exc})"


def run(pieces, model_config, train_config, label: str):
    from jazzgen.tokens.vocab import Vocab
    from jazzgen.training.train import train

    vocab = Vocab.from_tokens(t for p in pieces for b in p.bars for t in b.tokens)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = train(pieces, vocab, model_config, train_config, Path(tmp) / "b", verbose=0)
        wall = time.perf_counter() - t0
    m = result.metrics
    print(
        f"  {label:<28} wall {wall:6.1f} s (first step {m['first_step_seconds']:.1f} s) "
        f"epochs {m['epochs_run']:3d}  final loss {m['final_loss']:.3f}  "
        f"train NLL {m['train_nll']:.3f}"
        + (f"  val NLL {m['val_nll']:.3f} (ppl {m['val_perplexity']:.1f})" if m["val"] else ""),
        flush=True,
    )
    return wall, m


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--midi", type=Path, default=DEFAULT_MIDI)
    parser.add_argument("--skip-arch", action="store_true")
    parser.add_argument("--skip-presets", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from jazzgen.training.config import override, preset

    t0 = time.perf_counter()
    import tensorflow as tf  # noqa: F401  (import time is not part of any figure below)

    print(f"import tensorflow: {time.perf_counter() - t0:.1f} s")
    if not args.skip_arch:
        pieces, what = load_pieces(args.midi, 120, 137)
        print(f"\n1. course preset, fused vs --arch course, on {what}")
        model_config, train_config = preset("course")
        train_config = override(train_config, val_fraction=0.0, seed=args.seed)
        fused_wall, fused = run(pieces, model_config, train_config, "fused LSTM")
        run(pieces, override(model_config, unroll=True), train_config, "fused LSTM, unroll=True")
        course_wall, course = run(
            pieces, override(model_config, arch="course"), train_config, "course (unrolled cell)"
        )
        print(
            f"  => fused is {course_wall / fused_wall:.1f}x faster; final loss fused "
            f"{fused['final_loss']:.3f} vs course {course['final_loss']:.3f}"
        )
    if not args.skip_presets:
        pieces, what = load_pieces(args.midi, None, None)
        print(f"\n2. held-out per-token NLL, course vs default preset, on {what}")
        results = {}
        for name in ("course", "default"):
            model_config, train_config = preset(name)
            train_config = override(train_config, seed=args.seed)
            results[name] = run(pieces, model_config, train_config, f"preset {name}")
        course_nll = results["course"][1]["val_nll"]
        default_nll = results["default"][1]["val_nll"]
        print(
            f"  => validation NLL default/course = {default_nll / course_nll:.2f} "
            f"({default_nll:.3f} vs {course_nll:.3f} nats/token; "
            f"{results['default'][1]['val']['tokens_scored']} vs "
            f"{results['course'][1]['val']['tokens_scored']} tokens scored)"
        )


if __name__ == "__main__":
    main()
