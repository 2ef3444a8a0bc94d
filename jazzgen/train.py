"""Training: corpus pieces + configs -> a model bundle directory (see jazzgen.bundle).

The run works in `OUT.partial/` and only at the end renames a complete bundle to `OUT`:
- `run.json`      : the configs and vocabulary hash of the run (a resume must match them);
- `vocab.json`    : the vocabulary;
- `history.csv`   : one row per completed epoch (Keras CSVLogger, appended on resume);
- `ckpt-<epoch>.npz`, `best-<epoch>.npz`: all weights and optimizer variables after the
  last completed epoch, and the best weights so far (EarlyStopping);
- `state.json`    : written last each epoch: `{"epoch", "checkpoint", "early_stopping",
  "done"}`; it names the files that are complete, so a SIGKILL at any moment loses at most
  the epoch in progress.

`--resume` rebuilds the model from run.json and loads the checkpoint named by state.json
(weights + optimizer state, so the learning-rate schedule continues), truncates history.csv
to the epochs state.json vouches for (a row written just before a kill is dropped, then
re-run), restores EarlyStopping's
best/wait/best weights, and continues from the next epoch with the same per-epoch data
order (window shuffling is a function of (seed, epoch), see jazzgen.dataset).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from jazzgen import dataset
from jazzgen.bundle import BUNDLE_FORMAT, write_bundle_atomic, write_json
from jazzgen.config import ModelConfig, TrainConfig, from_dict
from jazzgen.corpus import Piece
from jazzgen.errors import BundleError, ConfigError, CorpusError, JazzgenError
from jazzgen.model import build_model, compile_model
from jazzgen.vocab import Vocab

log = logging.getLogger(__name__)

RESUMABLE_CHANGES = ("epochs", "patience")
"""TrainConfig fields a resumed run may change; everything else must match the run."""


def partial_dir(out: str | Path) -> Path:
    """The work directory of the run that will produce the bundle `out`."""
    out = Path(out)
    return out.with_name(out.name + ".partial")


def load_run(out: str | Path) -> tuple[ModelConfig, TrainConfig, dict[str, Any]]:
    """Configs of the interrupted run of `out` (for `--resume`). BundleError if none."""
    work = partial_dir(out)
    try:
        run = json.loads((work / "run.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(
            f"no interrupted run to resume: {work}/run.json not found (run without --resume)"
        ) from None
    except (OSError, ValueError) as exc:
        raise BundleError(f"{work}/run.json: not readable ({exc})") from None
    return from_dict(ModelConfig, run["model"]), from_dict(TrainConfig, run["train"]), run


def make_strategy(name: str):
    """tf.distribute strategy: default (one device), mirrored (all local GPUs, else all
    logical CPU devices), multiworker (MultiWorkerMirroredStrategy; cluster from TF_CONFIG)."""
    import tensorflow as tf

    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


# --- callbacks -----------------------------------------------------------------------------


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping whose wait/best/best weights can be restored when a run resumes."""

    def __init__(self, *args: Any, initial: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.initial = initial

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        if self.initial:
            self.wait = self.initial["wait"]
            self.best = self.initial["best"]
            self.best_epoch = self.initial["best_epoch"]
            self.best_weights = self.initial.get("best_weights")

    def state(self) -> dict[str, Any]:
        best = None if self.best is None else float(self.best)
        return {"wait": int(self.wait), "best": best, "best_epoch": int(self.best_epoch)}


def save_checkpoint(model: keras.Model, path: Path) -> None:
    """All model weights and optimizer variables (iteration, Adam moments) in one .npz.

    Much cheaper than `model.save` per epoch (6 ms vs 30 ms for the course model, x100
    epochs); the architecture is rebuilt from run.json on resume.
    """
    arrays = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    for i, var in enumerate(model.optimizer.variables):
        arrays[f"o{i}"] = np.asarray(var.numpy())
    with path.open("wb") as f:
        np.savez(f, **arrays)


def load_checkpoint(model: keras.Model, path: Path) -> None:
    """Inverse of `save_checkpoint` into a model built and compiled with the same configs."""
    model.optimizer.build(model.trainable_variables)
    with np.load(path) as data:
        n_weights = sum(1 for k in data.files if k.startswith("w"))
        n_opt = sum(1 for k in data.files if k.startswith("o"))
        if n_weights != len(model.weights) or n_opt != len(model.optimizer.variables):
            raise BundleError(f"{path}: checkpoint does not match the model of this run")
        model.set_weights([data[f"w{i}"] for i in range(n_weights)])
        for i, var in enumerate(model.optimizer.variables):
            var.assign(data[f"o{i}"])


class RunCheckpoint(keras.callbacks.Callback):
    """After each epoch: weights + optimizer state, best weights, then state.json.

    Files carry the epoch number and state.json is replaced last, so the state always
    names complete files (Keras' ModelCheckpoint overwrites its one file in place: a kill
    during the save would leave nothing to resume from).
    """

    def __init__(self, work: Path, early_stopping: ResumableEarlyStopping | None) -> None:
        super().__init__()
        self.work = work
        self.early_stopping = early_stopping

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        previous = read_state(self.work)
        ckpt = f"ckpt-{epoch}.npz"
        tmp = self.work / f".tmp-{ckpt}"
        save_checkpoint(self.model, tmp)
        os.replace(tmp, self.work / ckpt)
        state: dict[str, Any] = {"epoch": epoch, "checkpoint": ckpt, "done": False}
        best_file = previous.get("best_weights") if previous else None
        es = self.early_stopping
        if es is not None:
            if es.best_epoch == epoch:
                best_file = f"best-{epoch}.npz"
                tmp_best = self.work / f".tmp-{best_file}"
                with tmp_best.open("wb") as f:
                    np.savez(f, *self.model.get_weights())
                os.replace(tmp_best, self.work / best_file)
            state["early_stopping"] = es.state()
        state["best_weights"] = best_file
        write_json(self.work / "state.json", state)
        keep = {ckpt, best_file}
        for old in [*self.work.glob("ckpt-*.npz"), *self.work.glob("best-*.npz")]:
            if old.name not in keep:
                old.unlink(missing_ok=True)


class Timing(keras.callbacks.Callback):
    """Wall time from fit start to the first finished train step (graph build + 1 call)."""

    def __init__(self) -> None:
        super().__init__()
        self.begin = 0.0
        self.first_step: float | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.begin = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.first_step is None:
            self.first_step = time.perf_counter() - self.begin


def read_state(work: Path) -> dict[str, Any] | None:
    try:
        return json.loads((work / "state.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def read_history(path: Path) -> list[dict[str, float]]:
    """history.csv rows as dicts of floats (epoch as int)."""
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [
        {
            k: (int(v) if k == "epoch" else float(v))
            for k, v in row.items()
            if v not in ("", "NA", None)
        }
        for row in rows
    ]


def truncate_history(path: Path, last_epoch: int) -> None:
    """Keep only rows of epochs <= last_epoch (drops a row written before a kill)."""
    if not path.is_file():
        return
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return
    kept = [rows[0]] + [r for r in rows[1:] if r and int(r[0]) <= last_epoch]
    tmp = path.with_name(".history.csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(kept)
    os.replace(tmp, path)


# --- evaluation ----------------------------------------------------------------------------


def token_nll(
    model: keras.Model,
    segments: Sequence[dataset.Segment],
    *,
    tx: int,
    n_values: int,
    chord_input: bool,
    batch_size: int = 256,
) -> dict[str, float] | None:
    """Per-token NLL (nats), perplexity and accuracy, each token predicted exactly once.

    Every segment is tiled with windows at 0, Tx, 2Tx, ... plus one window ending at the
    segment's last token; targets already scored by an earlier window are masked. So every
    token but a segment's first is scored once, with 0..Tx-1 tokens of context.
    None when no segment has Tx + 1 tokens.
    """
    starts, masks = [], []
    flat = dataset.flatten(segments, tx)
    offset = 0
    for seg in segments:
        n = len(seg)
        if n >= tx + 1:
            local = list(range(0, n - tx, tx))
            for s in local:
                starts.append(offset + s)
                masks.append(np.ones(tx, bool))
            covered = local[-1] + tx  # last target position already scored
            if covered < n - 1:
                s = n - 1 - tx
                starts.append(offset + s)
                masks.append(np.arange(s + 1, s + 1 + tx) > covered)
        offset += n
    if not starts:
        return None
    starts_arr = np.asarray(starts, dtype=np.int64)
    mask = np.stack(masks)
    nll_sum, correct, count = 0.0, 0, 0
    for i in range(0, len(starts_arr), batch_size):
        x, y = dataset.windows_numpy(flat, tx, n_values, starts_arr[i : i + batch_size])
        if not chord_input:
            x = {"tokens": x["tokens"]}
        probs = np.asarray(model(x, training=False), dtype=np.float64)
        m = mask[i : i + batch_size]
        p_true = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]
        nll_sum += float(-np.log(np.clip(p_true, 1e-12, 1.0))[m].sum())
        correct += int((probs.argmax(-1) == y)[m].sum())
        count += int(m.sum())
    nll = nll_sum / count
    return {
        "nll": nll,
        "perplexity": math.exp(nll),
        "accuracy": correct / count,
        "tokens_scored": count,
    }


# --- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainResult:
    out: Path
    metrics: dict[str, Any]
    history: list[dict[str, float]]


def _summary(pieces: Sequence[Piece]) -> dict[str, Any]:
    signatures = Counter(str(p.time_signature) for p in pieces)
    main_sig = signatures.most_common(1)[0][0]
    sig = next(p.time_signature for p in pieces if str(p.time_signature) == main_sig)
    return {
        "time_signature": main_sig,
        "qpm": float(np.median([p.qpm for p in pieces])),
        "bar_steps": sig.bar_steps,
        "inputs": [{"path": p.source, "sha256": p.sha256} for p in pieces],
        "progressions": [
            [[chord.symbol for chord, _offset in bar.chords] for bar in p.bars] for p in pieces
        ],
    }


def _check_resume(
    run: dict[str, Any], model_config: ModelConfig, train_config: TrainConfig, vocab: Vocab
) -> None:
    if run["vocab_hash"] != vocab.hash:
        raise CorpusError(
            "the corpus vocabulary differs from the interrupted run's: resume with the same "
            "inputs, or start over with --force"
        )
    if asdict(model_config) != run["model"]:
        raise ConfigError(f"model options differ from the interrupted run's: {run['model']}")
    saved = {k: v for k, v in run["train"].items() if k not in RESUMABLE_CHANGES}
    given = {k: v for k, v in asdict(train_config).items() if k not in RESUMABLE_CHANGES}
    if saved != given:
        diff = sorted(k for k in saved if saved[k] != given.get(k))
        raise ConfigError(f"training options differ from the interrupted run's: {diff}")


def train(
    pieces: Sequence[Piece],
    vocab: Vocab,
    model_config: ModelConfig,
    train_config: TrainConfig,
    out: str | Path,
    *,
    force: bool = False,
    resume: bool = False,
    tensorboard: str | Path | None = None,
    verbose: int | str = "auto",
    encode: dict[str, Any] | None = None,
    extra_config: dict[str, Any] | None = None,
) -> TrainResult:
    """Train on `pieces` (tokens in `vocab`) and write the bundle `out`.

    `extra_config` is merged into config.json (e.g. the corpus hash of the default model).

    Raises BundleError if `out` exists without `force`, or an interrupted run is in the
    way without `resume`/`force`; CorpusError if the corpus is too small for Tx.
    """
    t_start = time.perf_counter()
    out = Path(out)
    if tensorboard is not None:
        try:
            import tensorboard as _tensorboard  # noqa: F401  (tf.summary needs it)
        except ImportError:
            raise ConfigError(
                "--tensorboard needs the tensorboard package (pip install tensorboard)"
            ) from None
    work = partial_dir(out)
    if out.exists() and not force:
        raise BundleError(f"{out} already exists: use --force to overwrite it")
    tx, n_values = model_config.tx, len(vocab)
    split = dataset.split_pieces(
        pieces, vocab, val_fraction=train_config.val_fraction, tx=tx, seed=train_config.seed
    )
    state = None
    if resume:
        _mc, _tc, run = load_run(out)
        _check_resume(run, model_config, train_config, vocab)
        state = read_state(work)
    elif work.exists():
        if not force:
            raise BundleError(
                f"{work} holds an interrupted run: continue it with --resume, "
                "or start over with --force"
            )
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    run_info = {
        "model": asdict(model_config),
        "train": asdict(train_config),
        "vocab_hash": vocab.hash,
        "n_values": n_values,
    }
    write_json(work / "run.json", run_info)
    vocab.save(work / "vocab.json")

    keras.utils.set_random_seed(train_config.seed)
    train_flat = dataset.flatten(split.train, tx)
    val_flat = dataset.flatten(split.val, tx) if split.val else None
    # Under Mirrored/MultiWorker strategies Keras 3.15 + TF 2.21 fail inside the multi-step
    # loop ("You must feed a value for placeholder tensor", seen on 2 logical CPUs) when
    # steps_per_execution > 1, so those strategies run one step per call.
    max_per_execution = train_config.steps_per_execution
    if train_config.strategy != "default":
        max_per_execution = 1
    epoch_windows = len(train_flat.starts)
    if train_config.windows_per_epoch:
        epoch_windows = min(epoch_windows, train_config.windows_per_epoch)
    steps, per_execution = dataset.epoch_plan(
        epoch_windows, train_config.batch_size, max_per_execution
    )
    initial_epoch = 0 if state is None else state["epoch"] + 1
    history_path = work / "history.csv"
    if state is None:
        history_path.unlink(missing_ok=True)
    else:
        truncate_history(history_path, state["epoch"])

    strategy = make_strategy(train_config.strategy)
    t_build = time.perf_counter()
    with strategy.scope():
        model = build_model(model_config, n_values)
        compile_model(model, train_config, per_execution)
        if state is not None:
            load_checkpoint(model, work / state["checkpoint"])
    build_seconds = time.perf_counter() - t_build

    es = None
    if train_config.patience > 0 and val_flat is not None:
        initial = None
        if state is not None and state.get("early_stopping"):
            initial = dict(state["early_stopping"])
            if state.get("best_weights"):
                with np.load(work / state["best_weights"]) as data:
                    initial["best_weights"] = [data[f"arr_{i}"] for i in range(len(data.files))]
        es = ResumableEarlyStopping(
            monitor="val_loss",
            patience=train_config.patience,
            restore_best_weights=True,
            initial=initial,
        )
    timing = Timing()
    callbacks: list[keras.callbacks.Callback] = [
        timing,
        keras.callbacks.CSVLogger(str(history_path), append=True),
    ]
    if es is not None:
        callbacks.append(es)
    callbacks.append(RunCheckpoint(work, es))
    if tensorboard is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(tensorboard)))

    shape = {
        "tx": tx,
        "n_values": n_values,
        "batch_size": train_config.batch_size,
        "chord_input": model_config.chord_input,
    }
    train_ds = dataset.make_dataset(
        train_flat,
        **shape,
        steps=steps,
        shuffle_seed=train_config.seed,
        first_epoch=initial_epoch,
        epochs=train_config.epochs,
        windows_per_epoch=train_config.windows_per_epoch or None,
    )
    val_ds = None
    if val_flat is not None:
        val_ds = dataset.make_dataset(val_flat, **shape)
    done = state is not None and state.get("done")
    t_fit = time.perf_counter()
    if not done and initial_epoch < train_config.epochs:
        model.fit(
            train_ds,
            epochs=train_config.epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps,
            validation_data=val_ds,
            callbacks=callbacks,
            verbose=verbose,
            shuffle=False,  # the pipeline shuffles per (seed, epoch)
        )
    elif es is not None and es.initial and es.initial.get("best_weights") is not None:
        model.set_weights(es.initial["best_weights"])
    fit_seconds = time.perf_counter() - t_fit
    final = read_state(work) or {}
    final["done"] = True
    write_json(work / "state.json", final)

    history = read_history(history_path)
    metrics = _metrics(
        model, split, history, es, model_config, train_config, n_values, vocab, train_flat
    )
    metrics.update(
        {
            "wall_seconds": time.perf_counter() - t_start,
            "build_seconds": build_seconds,
            "fit_seconds": fit_seconds,
            "first_step_seconds": timing.first_step,
            "resumed_from_epoch": initial_epoch if state is not None else None,
            "steps_per_epoch": steps,
            "steps_per_execution": per_execution,
        }
    )
    config = {
        "format": BUNDLE_FORMAT,
        "model": asdict(model_config),
        "train": asdict(train_config),
        "vocab_hash": vocab.hash,
        "n_values": n_values,
        **_summary(pieces),
        "encode": encode or {},
        "split": {"method": split.method, "warnings": list(split.warnings)},
        **(extra_config or {}),
    }

    def fill(tmp: Path) -> None:
        # An uncompiled copy: the bundle carries weights, not the optimizer's state
        # (a third of the size; resuming uses the run's own checkpoint instead).
        with strategy.scope():
            inference = build_model(model_config, n_values)
        inference.set_weights(model.get_weights())
        inference.save(tmp / "model.keras")
        vocab.save(tmp / "vocab.json")
        write_json(tmp / "config.json", config)
        shutil.copyfile(history_path, tmp / "history.csv")
        write_json(tmp / "metrics.json", metrics)
        if history:
            from jazzgen.render import training_curves_png

            try:
                training_curves_png(history_path, tmp / "curves.png")
            except JazzgenError as exc:  # matplotlib missing: the bundle is still complete
                log.warning("curves.png not written: %s", exc)

    write_bundle_atomic(out, fill, force=force)
    shutil.rmtree(work, ignore_errors=True)
    return TrainResult(out, metrics, history)


def _metrics(
    model: keras.Model,
    split: dataset.Split,
    history: list[dict[str, float]],
    es: ResumableEarlyStopping | None,
    model_config: ModelConfig,
    train_config: TrainConfig,
    n_values: int,
    vocab: Vocab,
    train_flat: dataset.FlatSegments,
) -> dict[str, Any]:
    kwargs = {"tx": model_config.tx, "n_values": n_values, "chord_input": model_config.chord_input}
    val = token_nll(model, split.val, **kwargs) if split.val else None
    trn = token_nll(model, split.train, **kwargs)
    last = history[-1] if history else {}
    val_losses = [(row["val_loss"], row["epoch"]) for row in history if "val_loss" in row]
    best = min(val_losses) if val_losses else None
    return {
        "epochs_run": len(history),
        "final_loss": last.get("loss"),
        "final_val_loss": last.get("val_loss"),
        "best_val_loss": best[0] if best else None,
        "best_epoch": best[1] if best else None,
        "restored_best_weights": es is not None and es.best_weights is not None,
        "val": val,
        "train": trn,
        "val_nll": val["nll"] if val else None,
        "val_perplexity": val["perplexity"] if val else None,
        "train_nll": trn["nll"] if trn else None,
        "n_values": n_values,
        "vocab_hash": vocab.hash,
        "split": split.method,
        "warnings": list(split.warnings),
        "train_tokens": split.train_tokens,
        "val_tokens": split.val_tokens,
        "train_windows": len(train_flat.starts),
        "val_windows": len(dataset.flatten(split.val, model_config.tx).starts),
    }
