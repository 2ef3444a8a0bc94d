"""Benchmark jazzgen on the Weimar Jazz Database (not a test; `scripts/bench.py` runs it too).

Prints one JSON line per measurement and a summary:

1. `preprocess`: `jazzgen preprocess wjazzd.db --out DIR --jobs 2` over the whole database,
   in a fresh process (interpreter start, imports and writing the corpus included), wall
   time measured from outside; min and median of `--repeat` runs. Goal: at most 5 s.
2. `train`: `training.train.train` on that corpus, a small model (Tx 16, 64 LSTM units,
   chord input), `--batches` batches of 16 windows per epoch, 3 epochs: the tokens per
   second of every epoch, as metrics.json reports them (`epoch_tokens_per_second`).
3. `pipeline_overhead`: the same small model fitted side by side in this process, on the
   training pipeline (`corpus.dataset.make_dataset`: tf.data gathers the windows and
   one-hot encodes them per batch) and with a bare `model.fit` on the same number of
   windows materialised as numpy arrays in memory (the same batch size and steps per
   execution), one epoch each in turn after a warm-up epoch. The overhead is
   fastest(pipeline) / fastest(arrays) - 1 (the medians are reported too). Goal: <= 10%.

Skipped (one JSON line says so) when ../shared/data/wjazzd/wjazzd.db is absent. Wall times
depend on the machine's load: each line carries the 1-minute load average.

    .venv/bin/python scripts/bench_wjazzd.py [--repeat 3] [--batches 300] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WJAZZD = ROOT.parent / "shared" / "data" / "wjazzd" / "wjazzd.db"
JAZZGEN = Path(sys.executable).with_name("jazzgen")
PREPROCESS_GOAL_SECONDS = 5.0
OVERHEAD_GOAL = 0.10
TX, UNITS, BATCH = 16, 64, 16


def emit(measure: str, **fields: Any) -> dict[str, Any]:
    """Print one JSON line (floats rounded, load average added) and return its fields."""
    line = {"measure": measure}
    for key, value in fields.items():
        line[key] = round(value, 4) if isinstance(value, float) else value
    line["load1"] = round(os.getloadavg()[0], 2)
    print(json.dumps(line), flush=True)
    return line


def preprocess_runs(db: Path, repeat: int, tmp: Path) -> dict[str, Any]:
    """Measurement 1: fresh-process `jazzgen preprocess` of the whole database."""
    walls = []
    out = tmp / "corpus"
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = subprocess.run(
            [str(JAZZGEN), "preprocess", str(db), "--out", str(out), "--jobs", "2", "--force"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        walls.append(time.perf_counter() - t0)
        if done.returncode != 0:
            return emit("preprocess", error=done.stderr.strip()[-300:])
    report = json.loads((out / "report.json").read_text())
    return emit(
        "preprocess", database=str(db), runs=repeat, min_seconds=min(walls),
        median_seconds=statistics.median(walls), goal_seconds=PREPROCESS_GOAL_SECONDS,
        ok=report["ok"], skipped=report["skipped"], corpus=str(out),
        summary=done.stdout.strip().splitlines()[0],
    )  # fmt: skip


def small_configs(batches: int, epochs: int = 3):
    from jazzgen.training.config import ModelConfig, TrainConfig

    model = ModelConfig(tx=TX, units=UNITS, chord_input=True)
    train = TrainConfig(
        epochs=epochs, batch_size=BATCH, lr=0.003, lr_decay=0.0, val_fraction=0.0, patience=0,
        windows_per_epoch=batches * BATCH,
    )  # fmt: skip
    return model, train


def train_rates(corpus: Path, batches: int, tmp: Path) -> dict[str, Any]:
    """Measurement 2: tokens per second per epoch of `train()` on the corpus."""
    from jazzgen.corpus.store import load_corpus, load_vocab
    from jazzgen.training.train import train

    pieces = load_corpus(corpus)
    vocab = load_vocab(corpus)
    model_config, train_config = small_configs(batches)
    result = train(pieces, vocab, model_config, train_config, tmp / "bundle", verbose=0)
    m = result.metrics
    return emit(
        "train", pieces=len(pieces), tokens=sum(p.token_count for p in pieces),
        n_values=len(vocab), tx=TX, units=UNITS, batch_size=BATCH,
        batches_per_epoch=m["steps_per_epoch"], tokens_per_epoch=m["tokens_per_epoch"],
        epoch_tokens_per_second=list(m["epoch_tokens_per_second"]),
    )  # fmt: skip


class _EpochTimes:
    """A Keras callback collecting each epoch's wall time (made once Keras is imported)."""

    @staticmethod
    def make():
        import keras

        class EpochTimes(keras.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.seconds: list[float] = []
                self.begin = 0.0

            def on_epoch_begin(self, epoch, logs=None) -> None:
                self.begin = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None) -> None:
                self.seconds.append(time.perf_counter() - self.begin)

        return EpochTimes()


def pipeline_overhead(corpus: Path, batches: int, rounds: int = 5) -> dict[str, Any]:
    """Measurement 3: the training pipeline vs a bare fit on arrays, same model and data.

    Two identical models; after one warm-up epoch each (graph building), `rounds` rounds of
    one epoch on the pipeline then one on the arrays, interleaved so that both see the same
    machine load. The figures are the fastest epoch of each (the least disturbed by other
    processes) and the medians.
    """
    import keras
    import numpy as np

    from jazzgen.corpus import dataset
    from jazzgen.corpus.store import load_corpus, load_vocab
    from jazzgen.training.model import build_model, compile_model

    pieces, vocab = load_corpus(corpus), load_vocab(corpus)
    model_config, train_config = small_configs(batches, rounds + 1)
    split = dataset.split_pieces(pieces, vocab, val_fraction=0.0, tx=TX)
    flat = dataset.flatten(split.train, TX)
    windows = batches * BATCH
    steps, per_execution = dataset.epoch_plan(windows, BATCH, train_config.steps_per_execution)
    pipeline = dataset.make_dataset(
        flat, tx=TX, n_values=len(vocab), batch_size=BATCH, chord_input=True, steps=steps,
        shuffle_seed=0, windows_per_epoch=windows,
    )  # fmt: skip
    starts = np.random.default_rng(0).choice(flat.starts, size=windows, replace=False)
    x, y = dataset.windows_numpy(flat, TX, len(vocab), starts)
    fits = {
        "pipeline": lambda model, epoch: model.fit(
            pipeline, epochs=epoch + 1, initial_epoch=epoch, steps_per_epoch=steps,
            callbacks=[timers["pipeline"]], verbose=0, shuffle=False,
        ),
        "arrays": lambda model, epoch: model.fit(
            x, y, batch_size=BATCH, epochs=epoch + 1, initial_epoch=epoch,
            callbacks=[timers["arrays"]], verbose=0, shuffle=False,
        ),
    }  # fmt: skip
    timers = {name: _EpochTimes.make() for name in fits}
    models = {}
    for name in fits:
        keras.utils.set_random_seed(0)
        models[name] = build_model(model_config, len(vocab))
        compile_model(models[name], train_config, per_execution)
    for epoch in range(rounds + 1):  # epoch 0 builds the graphs
        for name, fit in fits.items():
            fit(models[name], epoch)
    seconds = {name: timer.seconds[1:] for name, timer in timers.items()}
    fastest = {name: min(values) for name, values in seconds.items()}
    median = {name: statistics.median(values) for name, values in seconds.items()}
    tokens = windows * TX
    return emit(
        "pipeline_overhead", batches_per_epoch=steps, batch_size=BATCH, tx=TX, units=UNITS,
        rounds=rounds, array_bytes=int(x["tokens"].nbytes + x["chords"].nbytes),
        pipeline_epoch_seconds=seconds["pipeline"], arrays_epoch_seconds=seconds["arrays"],
        pipeline_tokens_per_second=tokens / fastest["pipeline"],
        arrays_tokens_per_second=tokens / fastest["arrays"],
        overhead=fastest["pipeline"] / fastest["arrays"] - 1.0,
        median_overhead=median["pipeline"] / median["arrays"] - 1.0, goal=OVERHEAD_GOAL,
    )  # fmt: skip


def run_all(db: Path, repeat: int, batches: int, tmp: Path) -> list[str]:
    """The three measurements; returns summary lines (for scripts/bench.py)."""
    if not db.is_file():
        emit("wjazzd", skipped=f"{db} not found (download wjazzd.db, see README)")
        return []
    pre = preprocess_runs(db, repeat, tmp)
    if "error" in pre:
        return [f"wjazzd preprocess failed: {pre['error']}"]
    corpus = Path(pre["corpus"])
    rates = train_rates(corpus, batches, tmp)["epoch_tokens_per_second"]
    over = pipeline_overhead(corpus, batches)
    return [
        f"wjazzd preprocess {pre['min_seconds']:.1f} s min / {pre['median_seconds']:.1f} s "
        f"median of {repeat} ({pre['ok']} solos ok, {pre['skipped']} skipped; goal "
        f"{PREPROCESS_GOAL_SECONDS:g} s)",
        "wjazzd train tokens/s per epoch " + ", ".join(f"{r:,.0f}" for r in rates),
        f"wjazzd input pipeline overhead {100 * over['overhead']:+.1f}% vs bare fit on arrays "
        f"({over['pipeline_tokens_per_second']:,.0f} vs {over['arrays_tokens_per_second']:,.0f}"
        f" tokens/s; goal <= {100 * OVERHEAD_GOAL:.0f}%)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, default=WJAZZD, help="the wjazzd.db file")
    parser.add_argument("--repeat", type=int, default=3, help="fresh preprocess runs (3)")
    parser.add_argument("--batches", type=int, default=300, help="batches per epoch (300)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jazzgen-bench-wjazzd-") as tmp:
        for line in run_all(args.db, args.repeat, args.batches, Path(tmp)):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
