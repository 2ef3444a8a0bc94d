"""Silent solos of a README-tour model (not a test): train, then generate over many seeds.

Trains on original_metheny.mid (the guitar sits out for long stretches of it) with the
README's small settings (`--units 48 --tx 16 --dropout 0.4 --lr 0.005 --epochs 10`)
into a temporary directory, generates `--seeds` solos of 16 bars over
"Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7" and counts the silent ones (0 melody notes), the
degenerate ones (fewer notes per bar than `generate.DEGENERATE_FRACTION` x the training
data's) and those that needed resampling. Every command runs in a fresh process of this
checkout (`python -m jazzgen`); nothing trained here is kept.

    .venv/bin/python scripts/bench_silence.py [--seeds 20] [--check 0] [-- extra train flags]

`--check N` exits 1 when more than N solos are silent (issue 12: none should be). Extra
arguments after `--` go to `jazzgen train` (e.g. `-- --no-context-input --max-rest-bars 0`
for the model without this issue's changes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MIDI = ROOT.parent / "shared" / "data" / "original_metheny.mid"
CHORDS = "Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7"
SMALL = ["--units", "48", "--tx", "16", "--dropout", "0.4", "--lr", "0.005", "--epochs", "10"]


def jazzgen(*args: str) -> str:
    """Run `python -m jazzgen ARGS` in this checkout; its stdout (exit on failure)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "jazzgen", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"jazzgen {args[0]} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def solo_counts(model: Path, seeds: int, out_dir: Path) -> dict[str, object]:
    """Notes per solo over `seeds` seeds, and how many were silent / degenerate / resampled."""
    notes, degenerate, resampled = [], 0, 0
    for seed in range(1, seeds + 1):
        out = str(out_dir / f"s{seed}.mid")
        args = ["--chords", CHORDS, "--bars", "16", "--tempo", "160", "--seed", str(seed)]
        report = json.loads(
            jazzgen("generate", "--model", str(model), *args, "--json", "--force", "--out", out)
        )
        notes.append(report["notes"])
        chosen = report["scores"][report["chosen"]]
        degenerate += bool(chosen.get("degenerate", report["notes"] == 0))
        resampled += report.get("rounds", 1) > 1
    return {
        "seeds": seeds,
        "silent": sum(n == 0 for n in notes),
        "degenerate": degenerate,
        "resampled": resampled,
        "notes": notes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--midi", type=Path, default=DEFAULT_MIDI)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--check", type=int, default=None, help="max silent solos allowed")
    parser.add_argument("train_args", nargs="*", help="extra `jazzgen train` flags (after --)")
    args = parser.parse_args()
    if not args.midi.is_file():
        sys.exit(f"Error: {args.midi} not found")
    with tempfile.TemporaryDirectory(prefix="bench_silence_") as tmp:
        model = Path(tmp) / "small"
        jazzgen("train", str(args.midi), "--out", str(model), *SMALL, *args.train_args)
        metrics = json.loads((model / "metrics.json").read_text(encoding="utf-8"))
        config = json.loads((model / "config.json").read_text(encoding="utf-8"))
        result = {
            "train_args": SMALL + args.train_args,
            "val_nll": metrics.get("val_nll"),
            "silence_cut": metrics.get("silence_cut"),
            "training_notes_per_bar": config.get("notes_per_bar"),
            **solo_counts(model, args.seeds, Path(tmp)),
        }
    print(json.dumps(result))
    if args.check is not None and int(result["silent"]) > args.check:  # type: ignore[call-overload]
        sys.exit(
            f"Error: {result['silent']} of {args.seeds} solos are silent (allowed {args.check})"
        )


if __name__ == "__main__":
    main()
