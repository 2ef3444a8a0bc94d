"""Training: corpus pieces + configs -> a model bundle directory (see training.bundle).

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
order (window shuffling is a function of (seed, epoch), see corpus.dataset).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from jazzgen.core.errors import BundleError, ConfigError, CorpusError, JazzgenError
from jazzgen.corpus import dataset
from jazzgen.corpus.store import Piece
from jazzgen.tokens.vocab import Vocab
from jazzgen.training.bundle import write_bundle_atomic, write_json
from jazzgen.training.bundle_config import BUNDLE_FORMAT
from jazzgen.training.checkpoint import (
    ResumableEarlyStopping,
    RunCheckpoint,
    load_checkpoint,
    load_run,
    partial_dir,
    read_state,
)
from jazzgen.training.config import ModelConfig, TrainConfig
from jazzgen.training.history import read_history, truncate_history
from jazzgen.training.metrics import _metrics, _summary
from jazzgen.training.model import build_model, compile_model

log = logging.getLogger(__name__)

RESUMABLE_CHANGES = ("epochs", "patience")
"""TrainConfig fields a resumed run may change; everything else must match the run."""


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


# --- evaluation ----------------------------------------------------------------------------


# --- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainResult:
    out: Path
    metrics: dict[str, Any]
    history: list[dict[str, float]]


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
        pieces,
        vocab,
        val_fraction=train_config.val_fraction,
        tx=tx,
        seed=train_config.seed,
        by=train_config.val_by,
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
            from jazzgen.output.pictures import training_curves_png

            try:
                training_curves_png(history_path, tmp / "curves.png")
            except JazzgenError as exc:  # matplotlib missing: the bundle is still complete
                log.warning("curves.png not written: %s", exc)

    write_bundle_atomic(out, fill, force=force)
    shutil.rmtree(work, ignore_errors=True)
    return TrainResult(out, metrics, history)
