"""Train the bundled default model (models/default) on the Weimar Jazz Database.

The model learns from the solos of `wjazzd.db` (the official SQLite file, or the copy in
../shared/data/wjazzd) through the same path users take (`jazzgen train wjazzd.db`), with
whole performers held out (`--val-by performer`), so its held-out NLL is the honest
"players it never heard" figure. data/ (our CC0 lead sheets) is not added: 3,166 tokens of
rule-made lines next to 212,878 tokens of real solos would only teach the rules' rhythm.

Steps:
1. `--sweep`: train each setting of SWEEP for the same budget (windows seen) on the same
   performer split and print the held-out NLL of each (nats/token); the best is used.
   Without --sweep the settings chosen by the last sweep (CHOSEN) are used.
2. Train the chosen setting for the full budget into --out.
3. Baselines on the same split, written into the bundle's metrics.json ("baselines"):
   a unigram model of the training tokens (add-one smoothed) and the course preset
   (`--preset course`, trained as the course trains).
4. The bundle gets a NOTICE (ODbL attribution) and config.json records the database's
   sha256 ("corpus"), checked by tests/training/test_default_model.py.

Training is deterministic for a given seed on CPU. Bundles of the sweep and the course
baseline go to --work (a temporary folder by default), never into the repository.

Example:
    python scripts/train_default_model.py --wjazzd ../shared/data/wjazzd/wjazzd.db --force
    python scripts/train_default_model.py --sweep --work /tmp/sweep --out /tmp/default
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT.parent / "shared" / "data" / "wjazzd" / "wjazzd.db"
WJAZZD_SHA256 = "0f350bb47948a45da0113981136a63510237ea9665c9796e1bc4c5b2f07db9d9"
SEED = 1
VAL_FRACTION = 0.1
MAX_REST_BARS = 1  # silences cut the same way for every model, so all score the same tokens
SWEEP_WINDOWS = 10_000  # windows per epoch in the sweep (a fresh random subset each epoch)
SWEEP_EPOCHS = 3
FINAL_WINDOWS = 20_000
FINAL_EPOCHS = 6  # the best epoch is kept (held-out NLL rose after the 3rd or 4th)
NOTICE = """\
This model was trained on the Weimar Jazz Database (WJazzD), Jazzomat Research Project,
Hochschule fuer Musik Franz Liszt Weimar.

The Weimar Jazz Database is made available under the Open Database License (ODbL 1.0).
Any rights in individual contents of the database are licensed under the Database
Contents License (DbCL 1.0).

Cite: Martin Pfleiderer, Klaus Frieler, Jakob Abesser, Wolf-Georg Zaddach & Benjamin
Burkhart (eds.), "Inside the Jazzomat - New Perspectives for Jazz Research",
Schott Campus, 2017.

Database file: wjazzd.db, sha256 {sha256}
(recorded in config.json -> "corpus"). The database itself is not distributed here.
"""


@dataclass(frozen=True)
class Setting:
    """One point of the sweep: options of `jazzgen train`."""

    units: int
    tx: int
    dropout: float
    lr: float
    batch_size: int = 32
    pitch_input: bool = True  # the pitch input (core.pitch_context)
    factored: bool = False  # tokens read and predicted through their parts (training.model)
    tempo_input: bool = False  # the piece's tempo with the context input (core.context)
    style_input: bool = False  # then the piece's style (core.style)

    @property
    def name(self) -> str:
        pitch = "-pitch" if self.pitch_input else ""
        factored = "-factored" if self.factored else ""
        tempo = "-tempo" if self.tempo_input else ""
        style = "-style" if self.style_input else ""
        return (
            f"u{self.units}-tx{self.tx}-d{self.dropout}-lr{self.lr}-b{self.batch_size}"
            f"{pitch}{factored}{tempo}{style}"
        )

    def options(self) -> list[str]:
        return [
            "--units", str(self.units), "--tx", str(self.tx), "--dropout", str(self.dropout),
            "--lr", str(self.lr), "--batch-size", str(self.batch_size),
            "--pitch-input" if self.pitch_input else "--no-pitch-input",
            "--factored" if self.factored else "--no-factored",
            "--tempo-input" if self.tempo_input else "--no-tempo-input",
            "--style-input" if self.style_input else "--no-style-input",
        ]  # fmt: skip


SWEEP = (
    Setting(64, 32, 0.1, 0.01, pitch_input=False),
    Setting(64, 32, 0.1, 0.01),
    Setting(64, 32, 0.2, 0.01),
    Setting(64, 48, 0.1, 0.01),
    Setting(64, 64, 0.1, 0.01),
    Setting(64, 64, 0.1, 0.01, factored=True),
    Setting(64, 64, 0.1, 0.01, factored=True, tempo_input=True),
    Setting(64, 64, 0.1, 0.01, factored=True, tempo_input=True, style_input=True),
)
CHOSEN = Setting(64, 64, 0.1, 0.01, factored=True, tempo_input=True)  # the sweep (README)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def jazzgen(*args: str, capture: bool = False) -> str:
    """Run one jazzgen command in a child process (TensorFlow state never shared); its
    standard output when `capture`."""
    code = "from jazzgen.cli import run; import sys; sys.exit(run(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=capture, text=True
    )
    return done.stdout if capture else ""


def train_bundle(db: Path, out: Path, options: list[str], *, epochs: int, windows: int) -> dict:
    """Train into `out` on the performer split; its metrics.json."""
    jazzgen(
        "train", str(db), "--out", str(out), "--force", "--quiet",
        "--val-by", "performer", "--val-fraction", str(VAL_FRACTION), "--seed", str(SEED),
        "--max-rest-bars", str(MAX_REST_BARS),
        "--epochs", str(epochs), "--windows-per-epoch", str(windows), *options,
    )  # fmt: skip
    return json.loads((out / "metrics.json").read_text())


def sweep(db: Path, work: Path) -> Setting:
    """Train every setting for the same budget; print the table; the lowest held-out NLL."""
    rows = []
    for setting in SWEEP:
        t0 = time.perf_counter()
        metrics = train_bundle(
            db, work / setting.name, setting.options(), epochs=SWEEP_EPOCHS, windows=SWEEP_WINDOWS
        )
        rows.append((metrics["val_nll"], setting, time.perf_counter() - t0))
        print(f"sweep {setting.name}: held-out {metrics['val_nll']:.3f} nats/token", flush=True)
    print(f"\nsweep ({SWEEP_EPOCHS} epochs x {SWEEP_WINDOWS:,} windows, performer split):")
    print("| units | Tx | dropout | lr | batch | pitch input | factored | tempo | style | "
          "held-out NLL (nats/token) | seconds |")  # fmt: skip
    print("| ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- | ---: | ---: |")
    for nll, s, seconds in rows:
        cells = (s.units, s.tx, s.dropout, s.lr, s.batch_size, _yes(s.pitch_input),
                 _yes(s.factored), _yes(s.tempo_input), _yes(s.style_input), f"{nll:.3f}",
                 f"{seconds:.0f}")  # fmt: skip
        print("| " + " | ".join(str(c) for c in cells) + " |")
    best = min(rows, key=lambda row: row[0])[1]
    (work / "sweep.json").write_text(
        json.dumps([{"setting": s.name, "val_nll": n, "seconds": t} for n, s, t in rows], indent=1)
    )
    print(f"best: {best.name}")
    return best


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def bundle_split(db: Path, bundle: Path) -> tuple[Any, Any]:
    """The train/validation split (`corpus.dataset.Split`) a bundle trained on `db` used
    (its config's split settings), and the vocabulary of the whole database."""
    from jazzgen.corpus import dataset
    from jazzgen.corpus.wjazzd import load_wjazzd_training_corpus

    config = json.loads((bundle / "config.json").read_text())
    pieces, vocab, _encode, _skipped = load_wjazzd_training_corpus(db)
    train = config["train"]
    cut = {"max_rest_bars": train["max_rest_bars"]} if "max_rest_bars" in train else {}
    split = dataset.split_pieces(
        pieces, vocab, val_fraction=train["val_fraction"], tx=config["model"]["tx"],
        seed=train["seed"], by=train.get("val_by", "piece"), **cut,
    )  # fmt: skip
    return split, vocab


def unigram_nll(db: Path, bundle: Path) -> float:
    """Held-out NLL per token of an add-one unigram model of the training tokens, on the
    bundle's split (every segment's first token unscored, as training scores them)."""
    split, vocab = bundle_split(db, bundle)
    counts = Counter(int(i) for s in split.train for i in s.ids[1:])
    total = sum(counts.values()) + len(vocab)
    scored = [int(i) for s in split.val for i in s.ids[1:]]
    return -sum(math.log((counts[i] + 1) / total) for i in scored) / len(scored)


def write_baselines(out: Path, unigram: float, course: dict) -> dict:
    """Add the baselines to the bundle's metrics.json (same split, same tokens scored)."""
    metrics = json.loads((out / "metrics.json").read_text())
    metrics["baselines"] = {
        "split": "performers",
        "unigram_nll": unigram,
        "course_preset_nll": course["val_nll"],
        "course_preset_tokens_scored": course["val"]["tokens_scored"],
        "ratio_to_course": metrics["val_nll"] / course["val_nll"],
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    return metrics


def record_corpus(out: Path, db: Path, sha256: str) -> None:
    """config.json -> "corpus": what the model learned from; the NOTICE beside it."""
    config = json.loads((out / "config.json").read_text())
    config["corpus"] = {"name": "Weimar Jazz Database", "file": db.name, "sha256": sha256,
                        "licence": "ODbL 1.0 / DbCL 1.0", "val_by": "performer"}  # fmt: skip
    config["inputs"] = [{"path": db.name, "sha256": sha256}]
    (out / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    (out / "NOTICE").write_text(NOTICE.format(sha256=sha256))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--wjazzd", type=Path, default=DEFAULT_DB, help="wjazzd.db")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--work", type=Path, default=None, help="sweep and baseline bundles")
    parser.add_argument("--sweep", action="store_true", help="choose the setting by a sweep")
    parser.add_argument("--epochs", type=int, default=FINAL_EPOCHS)
    parser.add_argument("--force", action="store_true", help="replace an existing bundle")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    db, out = args.wjazzd.resolve(), args.out.resolve()
    if not db.is_file():
        print(f"Error: {db}: file not found (pass --wjazzd PATH)", file=sys.stderr)
        return 1
    if out.exists() and not args.force:
        print(f"Error: {out} exists: pass --force to overwrite it", file=sys.stderr)
        return 1
    sha256 = sha256_of(db)
    if sha256 != WJAZZD_SHA256:
        print(f"note: {db} is not the copy the bundled model was trained on ({sha256[:12]})")
    work = args.work or Path(tempfile.mkdtemp(prefix="jazzgen-default-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    setting = sweep(db, work) if args.sweep else CHOSEN
    course_dir = work / "course"  # the course preset's bundle in --work is reused
    if (course_dir / "metrics.json").is_file():
        course = json.loads((course_dir / "metrics.json").read_text())
    else:
        course = train_bundle(db, course_dir, ["--preset", "course"], epochs=100, windows=60)
    train_bundle(db, out, setting.options(), epochs=args.epochs, windows=FINAL_WINDOWS)
    record_corpus(out, db, sha256)
    metrics = write_baselines(out, unigram_nll(db, out), course)
    base = metrics["baselines"]
    print(
        f"{out}: held-out {metrics['val_nll']:.3f} nats/token (performer split), unigram "
        f"{base['unigram_nll']:.3f}, course preset {base['course_preset_nll']:.3f} "
        f"(ratio {base['ratio_to_course']:.2f}); {time.perf_counter() - t0:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
