"""What training reports: per-token NLL of held-out pieces, metrics.json, corpus summary.

metrics.json is one flat object, `TrainMetrics.to_dict()` then `RunStats` (see
`metrics_json`):

    {"epochs_run", "final_loss", "final_val_loss", "best_val_loss", "best_epoch" (from 0),
     "restored_best_weights", "val": TokenScore | null, "train": TokenScore | null,
     "val_nll", "val_perplexity", "train_nll", "n_values", "vocab_hash", "split",
     "warnings", "train_tokens", "val_tokens", "train_windows", "val_windows",
     "silence_cut": {"max_rest_bars", "runs", "bars", "tokens"}, "wall_seconds",
     "build_seconds", "fit_seconds", "first_step_seconds",
     "resumed_from_epoch", "steps_per_epoch", "steps_per_execution", "tokens_per_epoch",
     "epoch_tokens_per_second": [per epoch run by this call]}

Losses are nats per token (mean sparse categorical cross-entropy over steps and batch).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from jazzgen.core.types import TimeSignature
from jazzgen.corpus import dataset
from jazzgen.corpus.store import Piece
from jazzgen.training.bundle_config import InputFile
from jazzgen.training.config import ModelConfig
from jazzgen.training.history import History

if TYPE_CHECKING:
    import keras

    from jazzgen.tokens.vocab import Vocab


@dataclass(frozen=True)
class TokenScore:
    """Per-token scores of a model on some segments, every token predicted once."""

    nll: float  # mean negative log-likelihood, nats per token
    perplexity: float  # exp(nll)
    accuracy: float  # share of tokens whose likeliest prediction is right, 0..1
    tokens_scored: int


def token_nll(
    model: keras.Model,
    segments: Sequence[dataset.Segment],
    *,
    tx: int,
    n_values: int,
    chord_input: bool,
    context_input: bool = False,
    pitch_input: bool = False,
    batch_size: int = 256,
) -> TokenScore | None:
    """Per-token NLL (nats), perplexity and accuracy, each token predicted exactly once.

    Every segment is tiled with windows at 0, Tx, 2Tx, ... plus one window ending at the
    segment's last token; targets already scored by an earlier window are masked. So every
    token but a segment's first is scored once, with 0..Tx-1 tokens of context.
    None when no segment has Tx + 1 tokens.
    """
    starts, mask = _scoring_windows(segments, tx)
    if starts.size == 0:
        return None
    flat = dataset.flatten(segments, tx)
    nll_sum, correct, count = 0.0, 0, 0
    for i in range(0, len(starts), batch_size):
        x, y = dataset.windows_numpy(flat, tx, n_values, starts[i : i + batch_size])
        x = dataset.model_inputs(
            x, chord_input=chord_input, context_input=context_input, pitch_input=pitch_input
        )
        probs = np.asarray(model(x, training=False), dtype=np.float64)
        m = mask[i : i + batch_size]
        p_true = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]
        nll_sum += float(-np.log(np.clip(p_true, 1e-12, 1.0))[m].sum())
        correct += int((probs.argmax(-1) == y)[m].sum())
        count += int(m.sum())
    nll = nll_sum / count
    return TokenScore(nll, math.exp(nll), correct / count, count)


def _scoring_windows(segments: Sequence[dataset.Segment], tx: int) -> tuple[np.ndarray, np.ndarray]:
    """Window starts (W,) in the flattened segments and target masks (W, Tx) of `token_nll`."""
    starts: list[int] = []
    masks: list[np.ndarray] = []
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
    mask = np.stack(masks) if masks else np.zeros((0, tx), bool)
    return np.asarray(starts, dtype=np.int64), mask


@dataclass(frozen=True)
class CorpusSummary:
    """What a bundle records about its training pieces (see training.bundle_config)."""

    time_signature: TimeSignature  # the meter of most pieces
    qpm: float  # median tempo, quarter notes per minute
    bar_steps: int  # grid steps per bar of that meter
    inputs: tuple[InputFile, ...]
    progressions: tuple[tuple[tuple[str, ...], ...], ...]  # per piece, bars of chord symbols
    notes_per_bar: float = 0.0  # mean, bars of cut silences not counted (dataset.notes_per_bar)


def corpus_summary(pieces: Sequence[Piece], max_rest_bars: int = 0) -> CorpusSummary:
    """Meter (the most common), median tempo, sources, chord progressions and note density
    of `pieces` (`max_rest_bars`: as the windows cut silences)."""
    signatures = Counter(str(p.time_signature) for p in pieces)
    main_sig = signatures.most_common(1)[0][0]
    sig = next(p.time_signature for p in pieces if str(p.time_signature) == main_sig)
    return CorpusSummary(
        time_signature=sig,
        qpm=float(np.median([p.qpm for p in pieces])),
        bar_steps=sig.bar_steps,
        inputs=tuple(InputFile(p.source, p.sha256) for p in pieces),
        progressions=tuple(
            tuple(tuple(chord.symbol for chord, _offset in bar.chords) for bar in p.bars)
            for p in pieces
        ),
        notes_per_bar=round(dataset.notes_per_bar(pieces, max_rest_bars), 4),
    )


@dataclass(frozen=True)
class TrainMetrics:
    """How well the trained model does, and on what data (the first keys of metrics.json)."""

    epochs_run: int
    final_loss: float | None  # training loss of the last epoch
    final_val_loss: float | None
    best_val_loss: float | None
    best_epoch: int | None  # epoch of best_val_loss, from 0
    restored_best_weights: bool  # EarlyStopping put the best epoch's weights back
    val: TokenScore | None  # held-out pieces (None without validation)
    train: TokenScore | None
    n_values: int
    vocab_hash: str
    split: str  # "pieces", "bars" or "none" (dataset.Split.method)
    warnings: tuple[str, ...]
    train_tokens: int
    val_tokens: int
    train_windows: int
    val_windows: int
    silence: dataset.SilenceCut = field(
        default_factory=dataset.SilenceCut
    )  # long silences cut from the windows

    def to_dict(self) -> dict[str, Any]:
        """These fields as metrics.json has them, in file order (the NLLs repeated flat)."""
        return {
            "epochs_run": self.epochs_run,
            "final_loss": self.final_loss,
            "final_val_loss": self.final_val_loss,
            "best_val_loss": self.best_val_loss,
            "best_epoch": self.best_epoch,
            "restored_best_weights": self.restored_best_weights,
            "val": None if self.val is None else asdict(self.val),
            "train": None if self.train is None else asdict(self.train),
            "val_nll": None if self.val is None else self.val.nll,
            "val_perplexity": None if self.val is None else self.val.perplexity,
            "train_nll": None if self.train is None else self.train.nll,
            "n_values": self.n_values,
            "vocab_hash": self.vocab_hash,
            "split": self.split,
            "warnings": list(self.warnings),
            "train_tokens": self.train_tokens,
            "val_tokens": self.val_tokens,
            "train_windows": self.train_windows,
            "val_windows": self.val_windows,
            "silence_cut": asdict(self.silence),
        }


def train_metrics(
    model: keras.Model,
    split: dataset.Split,
    history: History,
    *,
    model_config: ModelConfig,
    vocab: Vocab,
    restored_best_weights: bool,
) -> TrainMetrics:
    """Score `model` on the split's train and validation segments; losses from `history`."""

    def score(segments: Sequence[dataset.Segment]) -> TokenScore | None:
        return token_nll(
            model,
            segments,
            tx=model_config.tx,
            n_values=len(vocab),
            chord_input=model_config.chord_input,
            context_input=model_config.context_input,
            pitch_input=model_config.pitch_input,
        )

    val = score(split.val) if split.val else None
    trn = score(split.train)
    last = history[-1] if history else {}
    val_losses = [(row["val_loss"], row["epoch"]) for row in history if "val_loss" in row]
    best = min(val_losses) if val_losses else None
    return TrainMetrics(
        epochs_run=len(history),
        final_loss=last.get("loss"),
        final_val_loss=last.get("val_loss"),
        best_val_loss=best[0] if best else None,
        best_epoch=int(best[1]) if best else None,
        restored_best_weights=restored_best_weights,
        val=val,
        train=trn,
        n_values=len(vocab),
        vocab_hash=vocab.hash,
        split=split.method,
        warnings=split.warnings,
        train_tokens=split.train_tokens,
        val_tokens=split.val_tokens,
        train_windows=_window_count(split.train, model_config.tx),
        val_windows=_window_count(split.val, model_config.tx),
        silence=split.silence,
    )


def _window_count(segments: Sequence[dataset.Segment], tx: int) -> int:
    """Training windows of `segments` (the length of `dataset.flatten(segments, tx).starts`)."""
    return sum(max(0, len(seg) - tx) for seg in segments)


@dataclass(frozen=True)
class RunStats:
    """How the run went: timings (seconds), resume point and the epoch plan."""

    wall_seconds: float  # the whole train() call
    build_seconds: float  # building and compiling the model (and loading a checkpoint)
    fit_seconds: float  # model.fit (about 0 when a resumed run had no epochs left)
    first_step_seconds: float | None  # fit start to the first finished batch (graph build)
    resumed_from_epoch: int | None  # first epoch run by this call when resumed, else None
    steps_per_epoch: int
    steps_per_execution: int
    tokens_per_epoch: int = 0  # training windows per epoch x Tx (the tokens predicted)
    # per epoch run by this call: tokens_per_epoch / the epoch's training wall time (the
    # first epoch includes building the graph; validation excluded)
    epoch_tokens_per_second: tuple[float, ...] = ()


def metrics_json(metrics: TrainMetrics, stats: RunStats) -> dict[str, Any]:
    """The metrics.json object (see the module docstring)."""
    return {**metrics.to_dict(), **asdict(stats)}
