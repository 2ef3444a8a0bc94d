"""Quality of the default preset against the course preset, on one held-out split.

Trains `--preset course` and `--preset default` on the same corpus with the same split
(`val_fraction` and seed forced equal; one piece: its last bars are held out; several
pieces: whole pieces are held out, see jazzgen.dataset.split_pieces), then:

1. held-out per-token NLL (nats) of each bundle, from its metrics.json (`val_nll`; the
   script checks that both bundles report the same split and scored the same tokens);
2. generates `--seeds` solos per model over the held-out bars' chords (same bars, tempo
   and seeds for both models) and compares each generated set with the held-out real bars
   (their lead sheet, cut from the source file) using jazzgen.evaluate, with 4-bar
   segments of both sets as the samples: overlapping area (OA, higher is better) and KL
   divergence (KLD, lower is better) per feature;
3. prints a table and a verdict for the goals: default NLL <= 0.8x the course preset's,
   and default OA >= course OA on every feature (the failing features are named).

Outputs (bundles, generated MIDI, quality.json) go to a temporary folder or --out DIR,
never into the repository.

On the Weimar Jazz Database (players held out, real solos as the reference; see
scripts/quality_wjazzd.py): `--wjazzd DB --ours BUNDLE --course BUNDLE`.

Example:
    python scripts/quality_report.py                      # ../shared/data/original_metheny.mid
    python scripts/quality_report.py --wjazzd ../shared/data/wjazzd/wjazzd.db \
        --course /tmp/default-work/course --seeds 2
    python scripts/quality_report.py --corpus data/midi --quick
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "original_metheny.mid"
NLL_GOAL = 0.8  # default NLL must be <= this times the course preset's
PRESETS = ("course", "default")
OA_TIE = 1e-6  # OAs this close are equal (e.g. a feature that is 0 in every sample)


def held_out_units(pieces, val_fraction: float, seed: int) -> list[tuple[Any, int, int]]:
    """(piece, first bar index, end bar index) of the held-out part, as split_pieces cuts it:
    one piece -> its last max(1, round(bars * f)) bars; several -> the first
    max(1, round(n * f)) pieces (at most n - 1) of a permutation seeded with `seed`."""
    import numpy as np

    if len(pieces) == 1:
        n_bars = len(pieces[0].bars)
        n_val = max(1, round(n_bars * val_fraction))
        return [(pieces[0], n_bars - n_val, n_bars)]
    n_val = min(len(pieces) - 1, max(1, round(len(pieces) * val_fraction)))
    order = np.random.default_rng(seed).permutation(len(pieces))
    return [(pieces[i], 0, len(pieces[i].bars)) for i in sorted(order[:n_val].tolist())]


def reference_sheet(piece, first: int, end: int, melody_track):
    """The real lead sheet of bars [first, end) of `piece` (read again from its source)."""
    from jazzgen.analysis.leadsheet import extract_leadsheet
    from jazzgen.io.scores import read_score

    sheet = extract_leadsheet(read_score(piece.source), melody_track=melody_track)
    if len(sheet.bars) != len(piece.bars):
        raise SystemExit(f"Error: {piece.source}: lead sheet bars differ from the encoded ones")
    bars = sheet.bars[first:end]
    start, stop = bars[0].start_beat, bars[-1].end_beat
    melody = tuple(n for n in sheet.melody if start - 1e-9 <= n.start_beat < stop - 1e-9)
    return replace(sheet, melody=melody, bars=bars, extra={})


def chords_text(piece, first: int, end: int) -> str:
    return " | ".join(" ".join(c.symbol for c, _ in bar.chords) for bar in piece.bars[first:end])


def train_preset(name, pieces, vocab, encode, out: Path, args) -> dict[str, Any]:
    from jazzgen.training.config import override, preset
    from jazzgen.training.train import train

    model_config, train_config = preset(name)
    epochs = max(1, round(train_config.epochs * args.epochs_scale))
    train_config = override(
        train_config, epochs=epochs, seed=args.seed, val_fraction=args.val_fraction
    )
    t0 = time.perf_counter()
    train(pieces, vocab, model_config, train_config, out, verbose=0, encode=encode)
    wall = time.perf_counter() - t0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    line = {
        "preset": name,
        "wall_seconds": round(wall, 1),
        "epochs": epochs,
        "epochs_run": metrics["epochs_run"],
        "best_epoch": metrics["best_epoch"],
        "val_nll": metrics["val_nll"],
        "train_nll": metrics["train_nll"],
        "split": metrics["split"],
        "val_tokens": metrics["val_tokens"],
        "tokens_scored": (metrics["val"] or {}).get("tokens_scored"),
        "val_fraction": config["train"]["val_fraction"],
        "seed": config["train"]["seed"],
    }
    print(json.dumps({"measure": "train", **line}), flush=True)
    return line


def generate_set(bundle_dir: Path, units, seeds: int, folder: Path) -> list[Path]:
    from jazzgen.generation.generate import GenerateOptions, generate
    from jazzgen.training.bundle import load_bundle

    bundle = load_bundle(bundle_dir)
    folder.mkdir(parents=True)
    paths = []
    for seed in range(seeds):
        for index, (piece, first, end) in enumerate(units):
            options = GenerateOptions(
                model=bundle_dir, chords=chords_text(piece, first, end), bars=end - first,
                seed=seed, tempo=piece.qpm, backing="chords",
            )  # fmt: skip
            path = folder / f"unit{index:02d}_seed{seed:02d}.mid"
            path.write_bytes(generate(options, bundle=bundle).midi)
            paths.append(path)
    return paths


def wjazzd_report(args: argparse.Namespace) -> int:
    """`--wjazzd DB`: the report on real solos of held-out players (scripts/quality_wjazzd.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import quality_wjazzd

    if not args.wjazzd.is_file() or args.course is None or not args.course.is_dir():
        print("Error: --wjazzd needs the database and --course BUNDLE (see "
              "scripts/train_default_model.py, which trains both)", file=sys.stderr)  # fmt: skip
        return 1
    out = args.out or Path(tempfile.mkdtemp(prefix="jazzgen-quality-"))
    out.mkdir(parents=True, exist_ok=True)
    bundles = {"ours": args.ours.resolve(), "course": args.course.resolve()}
    return quality_wjazzd.report(args.wjazzd.resolve(), bundles, out, args.seeds, args.solos)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="MIDI file/folder")
    parser.add_argument("--melody-track", default=None, help="index or name (default: auto)")
    parser.add_argument("--seeds", type=int, default=8, help="solos per model (8)")
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="x preset epochs")
    parser.add_argument("--quick", action="store_true", help="--epochs-scale 0.25 --seeds 4")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="held out (0.1)")
    parser.add_argument("--seed", type=int, default=0, help="training/split seed")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: temp)")
    parser.add_argument(
        "--wjazzd",
        type=Path,
        default=None,
        help="report on this WJazzD database, players held out (with --ours, --course)",
    )
    parser.add_argument(
        "--ours",
        type=Path,
        default=ROOT / "models" / "default",
        help="--wjazzd: our bundle (default models/default)",
    )
    parser.add_argument(
        "--course",
        type=Path,
        default=None,
        help="--wjazzd: the course preset's bundle trained on the same split",
    )
    parser.add_argument("--solos", type=int, default=0, help="--wjazzd: at most N held-out solos")
    args = parser.parse_args(argv)
    if args.wjazzd is not None:
        return wjazzd_report(args)
    if args.quick:
        args.epochs_scale, args.seeds = min(args.epochs_scale, 0.25), min(args.seeds, 4)
    melody_track = args.melody_track
    if melody_track is not None and melody_track.isdigit():
        melody_track = int(melody_track)
    if not args.corpus.exists():
        print(f"Error: {args.corpus}: not found (skipping the quality report)", file=sys.stderr)
        return 1
    out = args.out or Path(tempfile.mkdtemp(prefix="jazzgen-quality-"))
    if out.resolve().is_relative_to(ROOT):
        print(f"Error: {out} is inside the repository: choose a folder outside it", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)

    from jazzgen.core.errors import JazzgenError
    from jazzgen.corpus.preprocess import EncodeOptions, load_training_corpus
    from jazzgen.evaluation.metrics import FEATURES, SEGMENT_BARS, segment_leadsheet
    from jazzgen.evaluation.report import evaluate_leadsheets, load_leadsheets

    t0 = time.perf_counter()
    try:
        pieces, vocab, encode, skipped = load_training_corpus(
            [args.corpus], options=EncodeOptions(melody_track=melody_track), jobs=1
        )
        units = held_out_units(pieces, args.val_fraction, args.seed)
        n_bars = sum(end - first for _, first, end in units)
        print(json.dumps({
            "measure": "corpus", "path": str(args.corpus), "pieces": len(pieces),
            "skipped": len(skipped), "tokens": sum(p.token_count for p in pieces),
            "held_out_units": len(units), "held_out_bars": n_bars, "out": str(out),
            "epochs_scale": args.epochs_scale, "seeds": args.seeds,
        }), flush=True)  # fmt: skip
        trained = {
            name: train_preset(name, pieces, vocab, encode, out / name, args) for name in PRESETS
        }
        # 4-bar segments are the samples on both sides, whatever the number of held-out
        # pieces: two held-out pieces would give the reference one intra-set distance.
        references = [
            segment
            for p, first, end in units
            for segment in segment_leadsheet(reference_sheet(p, first, end, melody_track))
        ]
        comparisons = {}
        for name in PRESETS:
            paths = generate_set(out / name, units, args.seeds, out / f"generated-{name}")
            sheets, gen_skipped = load_leadsheets(paths, melody_track="Melody")
            segments = [segment for sheet in sheets for segment in segment_leadsheet(sheet)]
            result = evaluate_leadsheets(segments, references)
            comparisons[name] = result["comparison"]
            comparisons[name]["skipped"] = gen_skipped
    except JazzgenError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1

    course, ours = trained["course"], trained["default"]
    same_split = all(course[k] == ours[k] for k in ("split", "val_tokens", "tokens_scored"))
    print(
        f"\nheld-out split: {course['split']} ({n_bars} bars, {course['val_tokens']} tokens; "
        f"tokens scored course {course['tokens_scored']}, default {ours['tokens_scored']}"
        f"{'' if same_split else '; WARNING: the two runs did NOT use the same split'})"
    )
    for line in (course, ours):
        print(
            f"  {line['preset']:<8} val NLL {line['val_nll']:.3f} nats/token  train NLL "
            f"{line['train_nll']:.3f}  epochs {line['epochs_run']}/{line['epochs']} "
            f"(best {line['best_epoch']})  {line['wall_seconds']:.0f} s"
        )
    ratio = ours["val_nll"] / course["val_nll"]
    comp = comparisons["default"]
    print(
        f"\nOA (higher = closer to the held-out bars) and KLD (lower = closer), over "
        f"{SEGMENT_BARS}-bar segments: {comp['n_generated']} generated per model vs "
        f"{comp['n_reference']} held-out"
    )
    print(f"  {'feature':<29}{'OA course':>10}{'OA ours':>10}{'KLD course':>12}"
          f"{'KLD ours':>10}  OA goal")  # fmt: skip
    failing = []
    rows = {}
    for feature in FEATURES:
        c = comparisons["course"]["features"][feature]
        d = comparisons["default"]["features"][feature]
        known = c["oa"] is not None and d["oa"] is not None
        tie = known and abs(d["oa"] - c["oa"]) <= OA_TIE
        ok = known and (tie or d["oa"] >= c["oa"])
        if not ok:
            failing.append(feature)
        rows[feature] = {"course": c, "default": d, "pass": ok, "tie": tie}

        def fmt(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.3f}"

        print(
            f"  {feature:<29}{fmt(c['oa']):>10}{fmt(d['oa']):>10}{fmt(c['kld']):>12}"
            f"{fmt(d['kld']):>10}  {'tie' if tie else 'pass' if ok else 'FAIL'}"
        )
    nll_ok = ratio <= NLL_GOAL
    (out / "quality.json").write_text(
        json.dumps({"train": trained, "comparison": comparisons, "features": rows,
                    "nll_ratio": ratio, "same_split": same_split}, indent=1),
        encoding="utf-8",
    )  # fmt: skip
    n_pass = len(FEATURES) - len(failing)
    reduced = f", reduced: epochs x{args.epochs_scale:g}" if args.epochs_scale != 1 else ""
    print(
        f"\nverdict ({args.seeds} seeds{reduced}, {time.perf_counter() - t0:.0f} s, {out}): "
        f"NLL default/course = {ratio:.2f} ({'PASS' if nll_ok else 'FAIL'} goal <= "
        f"{NLL_GOAL}); OA default >= course on {n_pass}/{len(FEATURES)} features "
        f"({'PASS' if not failing else 'FAIL: ' + ', '.join(failing)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
