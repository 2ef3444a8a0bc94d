"""Training: corpus pieces + configs -> a model bundle directory (see training.bundle).

The run works in `OUT.partial/` and only at the end renames a complete bundle to `OUT`:
- `run.json`      : the configs and vocabulary hash of the run (a resume must match them);
- `vocab.json`    : the vocabulary;
- `history.csv`   : one row per completed epoch (Keras CSVLogger, appended on resume);
- `ckpt-<epoch>.npz`, `best-<epoch>.npz`: all weights and optimizer variables after the
  last completed epoch, and the best weights so far (EarlyStopping);
- `state.json`    : written last each epoch (`checkpoint.RunState`: epoch, checkpoint,
  early_stopping, best_weights, done); it names the files that are complete, so a SIGKILL
  at any moment loses at most the epoch in progress.

`--resume` rebuilds the model from run.json and loads the checkpoint named by state.json
(weights + optimizer state, so the learning-rate schedule continues), truncates history.csv
to the epochs state.json vouches for (a row written just before a kill is dropped, then
re-run), restores EarlyStopping's best/wait/best weights, and continues from the next epoch
with the same per-epoch data order (window shuffling is a function of (seed, epoch), see
corpus.dataset).

`train` runs these steps in order: open the run (`_open_run`), describe the bundle
(`_bundle_config`), plan the data (`_plan_data`), build the model (`_build_model`), make the
callbacks (`_early_stopping`, `_callbacks`), fit (`_fit`), measure (training.metrics), fit
how tokens are played when the config asks for it (`_learn_performance`: the learned
realizer, articulation and dynamics, on the training pieces only; seconds) and write the
bundle (`_write_bundle`).

Importing this module imports Keras quietly (training.tf_runtime).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from jazzgen.core.errors import (
    BundleError,
    ConfigError,
    CorpusError,
    JazzgenError,
    OutputError,
    overwrite_refused,
)
from jazzgen.core.style import style_counts
from jazzgen.corpus import dataset
from jazzgen.corpus.store import Piece
from jazzgen.io.outputs import make_folder, write_atomic, write_json_atomic
from jazzgen.performance.articulation import save_performance
from jazzgen.performance.learn import Learned, held_out_pieces, learn_performance
from jazzgen.performance.realizer import save_realizer
from jazzgen.tokens.vocab import Vocab, token_parts
from jazzgen.training.bundle import bundle_dir_problem, write_bundle_atomic
from jazzgen.training.bundle_config import BundleConfig, SplitInfo
from jazzgen.training.checkpoint import (
    RUN_FILE,
    ResumableEarlyStopping,
    RunCheckpoint,
    RunState,
    load_checkpoint,
    load_run,
    load_weights_list,
    partial_dir,
    partial_dir_problem,
    read_state,
    write_state,
)
from jazzgen.training.config import ModelConfig, TrainConfig
from jazzgen.training.history import History, read_history, truncate_history
from jazzgen.training.metrics import RunStats, corpus_summary, metrics_json, train_metrics
from jazzgen.training.model import build_model, compile_model, fold_factored
from jazzgen.training.tf_runtime import import_tensorflow, keras
from jazzgen.training.weights import WEIGHTS_FILE, save_weights

log = logging.getLogger(__name__)

RESUMABLE_CHANGES = ("epochs", "patience")
"""TrainConfig fields a resumed run may change; everything else must match the run."""

HISTORY_FILE = "history.csv"


def make_strategy(name: str) -> Any:
    """tf.distribute strategy: default (one device), mirrored (all local GPUs, else all
    logical CPU devices), multiworker (MultiWorkerMirroredStrategy; cluster from TF_CONFIG)."""
    tf = import_tensorflow()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


class Timing(keras.callbacks.Callback):
    """Wall time from fit start to the first finished train step (graph build + 1 call),
    and the training wall time of every epoch (its batches, validation excluded)."""

    def __init__(self) -> None:
        super().__init__()
        self.begin = 0.0
        self.first_step: float | None = None
        self.epoch_begin = 0.0
        self.train_end: float | None = None  # when the epoch's validation started
        self.epoch_seconds: list[float] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.begin = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch_begin = time.perf_counter()
        self.train_end = None

    def on_test_begin(self, logs: dict | None = None) -> None:
        if self.train_end is None:  # fit runs validation with the same callbacks
            self.train_end = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        end = self.train_end if self.train_end is not None else time.perf_counter()
        self.epoch_seconds.append(end - self.epoch_begin)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.first_step is None:
            self.first_step = time.perf_counter() - self.begin


@dataclass(frozen=True)
class TrainResult:
    """What `train` wrote: the bundle directory, its metrics.json object (and
    "calibration": `calibration.json`'s stats, or None) and its history."""

    out: Path
    metrics: dict[str, Any]  # as in metrics.json (see training.metrics)
    history: History


@dataclass(frozen=True)
class _Run:
    """The work directory of a run and the state it resumes from (None: from scratch)."""

    work: Path
    state: RunState | None

    @property
    def initial_epoch(self) -> int:
        return 0 if self.state is None else self.state.epoch + 1

    @property
    def history_path(self) -> Path:
        return self.work / HISTORY_FILE


@dataclass(frozen=True)
class _Data:
    """The tf.data pipelines of a run and its epoch plan (see dataset.epoch_plan)."""

    train: Any  # tf.data.Dataset, endless: epochs of `steps` batches
    val: Any | None  # tf.data.Dataset, one pass; None without validation
    steps: int  # batches per epoch
    per_execution: int  # batches per compiled call
    windows: int  # training windows per epoch (each of Tx predicted tokens)


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
    way without `resume`/`force`; CorpusError if the corpus is too small for Tx or has no
    pitches for a model with a pitch input;
    ConfigError for a missing tensorboard package or `extra_config` keys of the bundle's own.
    """
    t_start = time.perf_counter()
    out = Path(out)
    _check_arguments(out, force=force, tensorboard=tensorboard)
    _check_pitches(pieces, model_config)
    split = dataset.split_pieces(
        pieces, vocab, val_fraction=train_config.val_fraction, tx=model_config.tx,
        seed=train_config.seed, by=train_config.val_by,
        max_rest_bars=train_config.max_rest_bars,
    ).with_context_width(model_config.context_width)  # fmt: skip
    config = _bundle_config(pieces, vocab, model_config, train_config, split, encode, extra_config)
    run = _open_run(out, model_config, train_config, vocab, resume=resume, force=force)

    keras.utils.set_random_seed(train_config.seed)
    data = _plan_data(split, model_config, train_config, len(vocab), run.initial_epoch)
    strategy = make_strategy(train_config.strategy)
    model, build_seconds = _build_model(strategy, config, vocab, data.per_execution, run)
    es = _early_stopping(train_config, has_val=data.val is not None, run=run)
    timing = Timing()
    callbacks = _callbacks(run, timing, es, tensorboard)
    fit_seconds = _fit(model, data, run, train_config, es, callbacks, verbose)

    history = read_history(run.history_path)
    restored = es is not None and es.best_weights is not None
    metrics = train_metrics(
        model, split, history, model_config=model_config, vocab=vocab,
        restored_best_weights=restored,
    )  # fmt: skip
    learned = _learn_performance(pieces, split, train_config)
    stats = _run_stats(t_start, build_seconds, fit_seconds, timing, run, data, model_config.tx)
    report = metrics_json(metrics, stats) | {"performance": learned.summary}
    _write_bundle(out, model, strategy, config, vocab, run, report, history, learned, force=force)
    shutil.rmtree(run.work, ignore_errors=True)
    calibration = _calibrate(out, pieces, split, vocab, train_config.calibration_rounds)
    return TrainResult(out, report | {"calibration": calibration}, history)


def _check_pitches(pieces: Sequence[Piece], model_config: ModelConfig) -> None:
    """CorpusError when a model with the pitch input meets a corpus without pitches."""
    if model_config.pitch_input and not any(b.pitches for p in pieces for b in p.bars):
        raise CorpusError(
            "--pitch-input needs the notes' pitches, which this corpus does not keep "
            "(made by an older jazzgen): re-run jazzgen preprocess, or train on the files"
        )


def _calibrate(
    out: Path, pieces: Sequence[Piece], split: dataset.Split, vocab: Vocab, rounds: int
) -> dict[str, Any] | None:
    """Fit the written bundle's decoding calibration (`generation.calibration`: the token
    classes of its training segments as the target, its training pieces' tempi), add
    `calibration.json` to it and return its stats; nothing when `rounds` is 0."""
    if not rounds:
        return None
    from jazzgen.generation.calibration import (
        CALIBRATION_BARS,
        CALIBRATION_SOLOS,
        class_shares,
        fit_calibration,
        save_calibration,
    )
    from jazzgen.generation.generate import calibration_player
    from jazzgen.training.bundle import load_bundle

    sources = {segment.source for segment in split.train}
    tempi = [p.qpm for p in pieces if p.source in sources] or [p.qpm for p in pieces]
    target = class_shares([vocab.token_of(int(i)) for s in split.train for i in s.ids])
    start = time.perf_counter()
    play = calibration_player(load_bundle(out), tempi, CALIBRATION_SOLOS, CALIBRATION_BARS)
    fitted = fit_calibration(target, play, rounds)
    fitted = replace(
        fitted, stats={**fitted.stats, "seconds": round(time.perf_counter() - start, 1)}
    )
    save_calibration(fitted, out)
    return fitted.stats


def _run_stats(
    t_start: float,
    build_seconds: float,
    fit_seconds: float,
    timing: Timing,
    run: _Run,
    data: _Data,
    tx: int,
) -> RunStats:
    """How the run went (metrics.json), with the tokens per second of every epoch."""
    tokens = data.windows * tx
    return RunStats(
        wall_seconds=time.perf_counter() - t_start,
        build_seconds=build_seconds,
        fit_seconds=fit_seconds,
        first_step_seconds=timing.first_step,
        resumed_from_epoch=run.initial_epoch if run.state is not None else None,
        steps_per_epoch=data.steps,
        steps_per_execution=data.per_execution,
        tokens_per_epoch=tokens,
        epoch_tokens_per_second=tuple(
            round(tokens / seconds, 1) for seconds in timing.epoch_seconds if seconds > 0
        ),
    )


# --- the steps of train(), in order --------------------------------------------------------


def _check_arguments(out: Path, *, force: bool, tensorboard: str | Path | None) -> None:
    """Fail before any work: no tensorboard package, an existing bundle without `force`."""
    if tensorboard is not None:
        try:
            import tensorboard as _tensorboard  # noqa: F401  (tf.summary needs it)
        except ImportError:
            raise ConfigError(
                "--tensorboard needs the tensorboard package (pip install tensorboard)"
            ) from None
    if out.exists() and not force:
        raise BundleError(overwrite_refused(out))
    problem = bundle_dir_problem(out)
    if problem is not None:
        raise OutputError(f"{out}: {problem}: refusing to replace it, even with --force")


def _bundle_config(
    pieces: Sequence[Piece],
    vocab: Vocab,
    model_config: ModelConfig,
    train_config: TrainConfig,
    split: dataset.Split,
    encode: dict[str, Any] | None,
    extra_config: dict[str, Any] | None,
) -> BundleConfig:
    """The bundle's config.json as a value, made before training so a clash fails early."""
    extra = dict(extra_config or {})
    own = sorted(set(extra) & {f.name for f in fields(BundleConfig)})
    if own:
        raise ConfigError(f"extra_config may not set the bundle's own keys, got {own}")
    summary = corpus_summary(pieces, train_config.max_rest_bars)
    return BundleConfig(
        model=model_config,
        train=train_config,
        vocab_hash=vocab.hash,
        n_values=len(vocab),
        time_signature=summary.time_signature,
        qpm=summary.qpm,
        bar_steps=summary.bar_steps,
        inputs=summary.inputs,
        progressions=summary.progressions,
        encode=dict(encode or {}),
        split=SplitInfo(split.method, split.warnings),
        notes_per_bar=summary.notes_per_bar,
        styles=_training_styles(pieces, split) if model_config.style_input else None,
        extra=extra,
    )


def _training_styles(pieces: Sequence[Piece], split: dataset.Split) -> tuple[int, ...]:
    """How many training pieces have each style (`core.style.style_counts`)."""
    sources = {segment.source for segment in split.train}
    return style_counts([dataset.piece_style(p) for p in pieces if p.source in sources])


def _open_run(
    out: Path,
    model_config: ModelConfig,
    train_config: TrainConfig,
    vocab: Vocab,
    *,
    resume: bool,
    force: bool,
) -> _Run:
    """Create (or, with `resume`, reopen) the work directory and its run.json/vocab.json.

    Resuming checks the configs and vocabulary against the interrupted run's, reads its
    state and truncates history.csv to it. Otherwise a leftover work directory is refused
    without `force`, and removed with it.
    """
    work = partial_dir(out)
    state = None
    if resume:
        _model, _train, run_info = load_run(out)
        _check_resume(run_info, model_config, train_config, vocab)
        state = read_state(work)
    elif work.exists() or work.is_symlink():
        if not force:
            raise BundleError(
                f"{work} holds an interrupted run: continue it with --resume, "
                "or start over with --force"
            )
        problem = partial_dir_problem(work)
        if problem is not None:
            raise OutputError(f"{work}: {problem}: refusing to remove it, even with --force")
        shutil.rmtree(work)
    make_folder(work)
    run_info = {
        "model": asdict(model_config),
        "train": asdict(train_config),
        "vocab_hash": vocab.hash,
        "n_values": len(vocab),
    }
    write_json_atomic(work / RUN_FILE, run_info)
    write_atomic(work / "vocab.json", vocab.to_json() + "\n")
    run = _Run(work, state)
    if state is None:
        run.history_path.unlink(missing_ok=True)
    else:
        truncate_history(run.history_path, state.epoch)
    return run


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


def _plan_data(
    split: dataset.Split,
    model_config: ModelConfig,
    train_config: TrainConfig,
    n_values: int,
    first_epoch: int,
) -> _Data:
    """Batches per epoch and the pipelines; training data starts at `first_epoch`'s order."""
    train_flat = dataset.flatten(split.train, model_config.tx)
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
    tx, batch_size = model_config.tx, train_config.batch_size
    inputs = {
        "chord_input": model_config.chord_input,
        "context_input": model_config.context_input,
        "pitch_input": model_config.pitch_input,
    }
    train_ds = dataset.make_dataset(
        train_flat, tx=tx, n_values=n_values, batch_size=batch_size, **inputs,
        steps=steps, shuffle_seed=train_config.seed,
        first_epoch=first_epoch, epochs=train_config.epochs,
        windows_per_epoch=train_config.windows_per_epoch or None,
    )  # fmt: skip
    val_ds = None
    if split.val:
        # Validation loss per epoch from windows Tx apart: each held-out token is a target
        # about once (not Tx times), at 1/Tx of the cost of every window. (Not under the
        # distributed strategies: their replicas need the batches they were tested with.)
        val_flat = dataset.flatten(split.val, tx)
        stride = tx if train_config.strategy == "default" else 1
        val_ds = dataset.make_dataset(
            replace(val_flat, starts=val_flat.starts[::stride]),
            tx=tx,
            n_values=n_values,
            batch_size=batch_size,
            **inputs,
        )
    return _Data(train_ds, val_ds, steps, per_execution, epoch_windows)


def _build_model(
    strategy: Any, config: BundleConfig, vocab: Vocab, per_execution: int, run: _Run
) -> tuple[keras.Model, float]:
    """The compiled model (from the run's checkpoint when resuming) and the seconds it took."""
    t_build = time.perf_counter()
    with strategy.scope():
        parts = token_parts(vocab) if config.model.factored else None
        model = build_model(config.model, config.n_values, parts)
        compile_model(model, config.train, per_execution)
        if run.state is not None:
            load_checkpoint(model, run.work / run.state.checkpoint)
    return model, time.perf_counter() - t_build


def _early_stopping(
    train_config: TrainConfig, *, has_val: bool, run: _Run
) -> ResumableEarlyStopping | None:
    """EarlyStopping on val_loss keeping the best weights (with the run's progress so far)."""
    if train_config.patience <= 0 or not has_val:
        return None
    state = run.state
    initial = state.early_stopping if state is not None else None
    best_weights = None
    if state is not None and initial is not None and state.best_weights:
        best_weights = load_weights_list(run.work / state.best_weights)
    return ResumableEarlyStopping(
        monitor="val_loss",
        patience=train_config.patience,
        restore_best_weights=True,
        initial=initial,
        initial_best_weights=best_weights,
    )


def _callbacks(
    run: _Run,
    timing: Timing,
    es: ResumableEarlyStopping | None,
    tensorboard: str | Path | None,
) -> list[keras.callbacks.Callback]:
    """In order: timing, history.csv, EarlyStopping, the checkpoint (reads EarlyStopping)."""
    callbacks: list[keras.callbacks.Callback] = [
        timing,
        keras.callbacks.CSVLogger(str(run.history_path), append=True),
    ]
    if es is not None:
        callbacks.append(es)
    callbacks.append(RunCheckpoint(run.work, es))
    if tensorboard is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(tensorboard)))
    return callbacks


def _fit(
    model: keras.Model,
    data: _Data,
    run: _Run,
    train_config: TrainConfig,
    es: ResumableEarlyStopping | None,
    callbacks: list[keras.callbacks.Callback],
    verbose: int | str,
) -> float:
    """Fit the epochs left (none when a resumed run had finished: then put the best weights
    back, as EarlyStopping did), mark the run done and return the seconds fit took."""
    t_fit = time.perf_counter()
    done = run.state is not None and run.state.done
    if not done and run.initial_epoch < train_config.epochs:
        model.fit(
            data.train,
            epochs=train_config.epochs,
            initial_epoch=run.initial_epoch,
            steps_per_epoch=data.steps,
            validation_data=data.val,
            callbacks=callbacks,
            verbose=verbose,
            shuffle=False,  # the pipeline shuffles per (seed, epoch)
        )
    elif es is not None and es.initial_best_weights is not None:
        model.set_weights(es.initial_best_weights)
    fit_seconds = time.perf_counter() - t_fit
    final = read_state(run.work)
    if final is not None:
        write_state(run.work, replace(final, done=True))
    return fit_seconds


def _learn_performance(
    pieces: Sequence[Piece], split: dataset.Split, train_config: TrainConfig
) -> Learned:
    """The learned realizer, articulation and dynamics the config asks for, fitted on the
    split's training pieces (jazzgen.performance.learn)."""
    train_tokens = sum(len(s) for s in split.train) if split.method == "bars" else None
    train_pieces, val_pieces = held_out_pieces(
        pieces, {segment.source for segment in split.val}, train_tokens
    )
    return learn_performance(
        train_pieces,
        val_pieces,
        realizer=train_config.realizer == "learned",
        articulation=train_config.articulation == "learned",
    )


def _write_bundle(
    out: Path,
    model: keras.Model,
    strategy: Any,
    config: BundleConfig,
    vocab: Vocab,
    run: _Run,
    metrics: dict[str, Any],
    history: History,
    learned: Learned,
    *,
    force: bool,
) -> None:
    """Write the bundle `out` atomically (see training.bundle for its files)."""

    def fill(tmp: Path) -> None:
        # An uncompiled copy: the bundle carries weights, not the optimizer's state
        # (a third of the size; resuming uses the run's own checkpoint instead).
        with strategy.scope():
            inference = build_model(replace(config.model, factored=False), config.n_values)
        if config.model.factored:
            fold_factored(model, inference, config.model)
        else:
            inference.set_weights(model.get_weights())
        inference.save(tmp / "model.keras")
        save_weights(inference, config.model.layers, tmp / WEIGHTS_FILE)
        write_atomic(tmp / "vocab.json", vocab.to_json() + "\n")
        write_json_atomic(tmp / "config.json", config.to_dict())
        shutil.copyfile(run.history_path, tmp / HISTORY_FILE)
        write_json_atomic(tmp / "metrics.json", metrics)
        if learned.realizer is not None:
            save_realizer(learned.realizer, tmp)
        if learned.performance is not None:
            save_performance(learned.performance, tmp)
        if history:
            from jazzgen.output.pictures import training_curves_png

            try:
                title = f"training curves ({out.name})"  # not the work folder's .partial
                training_curves_png(run.history_path, tmp / "curves.png", title=title)
            except JazzgenError as exc:  # matplotlib missing: the bundle is still complete
                log.warning("curves.png not written: %s", exc)

    write_bundle_atomic(out, fill, force=force)
