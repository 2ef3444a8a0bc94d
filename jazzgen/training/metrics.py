"""What training reports: per-token NLL of held-out pieces, and the bundle's summary."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from jazzgen.corpus import dataset
from jazzgen.corpus.store import Piece
from jazzgen.tokens.vocab import Vocab
from jazzgen.training.checkpoint import (
    ResumableEarlyStopping,
)
from jazzgen.training.config import ModelConfig, TrainConfig


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
