"""Benchmark `jazzgen generate` in fresh processes (not a test).

    python scripts/bench_generate.py [--model BUNDLE] [--bars 32] [--repeat 5]

Without --model it uses models/default when present, else builds a bundle of the default
preset's size (2 x LSTM 128 units, chord input, Tx 64) with untrained weights over a
300-token vocabulary in a temporary directory (building it imports TensorFlow once).
Prints fresh-process wall times (min / median of --repeat runs) of:
  - `jazzgen generate --bars N` with the numpy engine (target <= 1.5 s),
  - the same with `--engine keras`,
  - `python -c "import tensorflow"` for reference,
and the slowest imports of the numpy path (`python -X importtime`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_bundle(root: Path) -> Path:
    """A default-preset-sized bundle with untrained weights (follows the bundle contract)."""
    from jazzgen.core.harmony import NoteType
    from jazzgen.tokens.grammar import Token
    from jazzgen.tokens.vocab import Vocab
    from jazzgen.training.config import preset, to_dict
    from jazzgen.training.model import build_model

    model_config, train_config = preset("default")
    tokens = [Token(NoteType.REST, d) for d in (2, 3, 4, 6, 8, 12, 16, 24, 36, 48)]
    for note_type in (NoteType.CHORD, NoteType.SCALE, NoteType.APPROACH, NoteType.OTHER):
        tokens.append(Token(note_type, 12))
        for duration in (2, 3, 4, 6, 8, 12, 24):
            for centre in range(-12, 13, 3):
                tokens.append(Token(note_type, duration, (centre - 3, centre + 3)))
    vocab = Vocab.from_tokens(tokens)
    model = build_model(model_config, len(vocab))
    root.mkdir(parents=True)
    model.save(root / "model.keras")
    vocab.save(root / "vocab.json")
    progressions = [[["Dm7", "G7"], ["Cmaj7"], ["Cmaj7"], ["A7"]] * 8]
    config = {
        "format": 1,
        "model": to_dict(model_config),
        "train": to_dict(train_config),
        "vocab_hash": vocab.hash,
        "n_values": len(vocab),
        "progressions": progressions,
        "encode": {},
        "bar_steps": 48,
    }
    (root / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return root


def wall(cmd: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def show(label: str, times: list[float]) -> None:
    print(f"{label:44s} min {min(times):6.3f} s  median {statistics.median(times):6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--bars", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            default = ROOT / "models" / "default"
            model = default if default.is_dir() else build_bundle(Path(tmp) / "bundle")
        out = Path(tmp) / "solo.mid"
        base = [sys.executable, "-m", "jazzgen", "generate", "--model", str(model),
                "--bars", str(args.bars), "--candidates", str(args.candidates),
                "--out", str(out), "--force"]  # fmt: skip
        print(f"model {model}, {args.bars} bars, {args.candidates} candidate(s)")
        show("jazzgen generate (numpy engine)", wall(base, args.repeat))
        show("jazzgen generate --engine keras", wall([*base, "--engine", "keras"], args.repeat))
        show('python -c "import tensorflow"', wall([sys.executable, "-c", "import tensorflow"], 3))
        show("python -c pass", wall([sys.executable, "-c", "pass"], 3))
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "jazzgen", *base[3:]],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        rows = []
        for line in done.stderr.splitlines():
            if line.startswith("import time:") and "|" in line:
                _, cumulative, name = (part.strip() for part in line[12:].split("|"))
                if cumulative.isdigit() and not name.startswith(" "):
                    rows.append((int(cumulative), name))
        top = sorted((r for r in rows if "." not in r[1]), reverse=True)[:8]
        print("slowest top-level imports (numpy path):")
        for micros, name in top:
            print(f"  {micros / 1e6:6.3f} s  {name}")


if __name__ == "__main__":
    main()
