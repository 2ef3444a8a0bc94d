"""Fitting the realizer and the articulation and dynamics at the end of `jazzgen train`.

`learn_performance(train, val, realizer=..., articulation=...)` fits what the training
config asks for on the training pieces only (`held_out_pieces` cuts them as the network's
split did), scores the realizer on the held-out ones, and returns the models with a
JSON-ready summary for metrics.json (`"performance"`):

    {"realizer": {"notes", "skipped_notes", "train_nll", "train_uniform_nll",
                  "train_nll_without_window", "val_nll", "val_uniform_nll",
                  "val_nll_without_window", "val_notes", "l2", "seconds"} | null,
     "articulation": {"articulation_notes", "mean_articulation",
                      "mean_articulation_before_a_note", "velocity_notes",
                      "velocity_pieces", "velocity_source", "correlation",
                      ["tie_candidates", "tie_rate", "mean_held_share"], "seconds"} | null}

(realizer NLLs: nats per note, -log P(played pitch | token, chord, previous pitch); the
uniform ones are the uniform draw's; "without_window": the first fitting stage alone.)
A corpus without pitches (an older one) gives no realizer, one without articulation no
articulation table, and the bundle then plays as the course does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from jazzgen.corpus.store import Piece
from jazzgen.performance.articulation import PerformanceModel, fit_performance
from jazzgen.performance.examples import note_events, tie_events
from jazzgen.performance.realizer import (
    N_ONE_HOT,
    LearnedRealizer,
    fit_realizer,
    realizer_scores,
    realizer_table,
    table_nll,
    window_slice,
)
from jazzgen.performance.ties import TieModel, fit_ties

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Learned:
    """What `learn_performance` fitted (None: not asked for, or no data) and its summary."""

    realizer: LearnedRealizer | None
    performance: PerformanceModel | None
    summary: dict[str, Any]


def held_out_pieces(
    pieces: Sequence[Piece], val_sources: set[str], train_tokens: int | None = None
) -> tuple[list[Piece], list[Piece]]:
    """(training pieces, held-out pieces): whole pieces by source, or, for one piece split
    by bars, its first bars holding `train_tokens` tokens and the rest."""
    if len(pieces) == 1 and train_tokens is not None and val_sources:
        piece = pieces[0]
        counts = np.cumsum([len(bar.tokens) for bar in piece.bars])
        cut = int(np.searchsorted(counts, train_tokens, side="right"))
        return [replace(piece, bars=piece.bars[:cut])], [replace(piece, bars=piece.bars[cut:])]
    train = [p for p in pieces if p.source not in val_sources]
    val = [p for p in pieces if p.source in val_sources]
    return train, val


def learn_performance(
    train: Sequence[Piece], val: Sequence[Piece], *, realizer: bool, articulation: bool
) -> Learned:
    """Fit the realizer (when `realizer`) and articulation and dynamics (when
    `articulation`) on `train`; the realizer is also scored on `val` (module doc)."""
    summary: dict[str, Any] = {"realizer": None, "articulation": None}
    if not (realizer or articulation):
        return Learned(None, None, summary)
    events = note_events(train)
    fitted = None
    if realizer:
        start = time.perf_counter()
        fitted = fit_realizer(events)
        if fitted is not None:
            stats = {**fitted.stats, **_val_scores(fitted, val)}
            summary["realizer"] = stats | {"seconds": round(time.perf_counter() - start, 2)}
            fitted = replace(fitted, stats=summary["realizer"])
        else:
            log.warning("no realizer learned: the corpus has no pitches (re-run preprocess)")
    model = None
    if articulation:
        start = time.perf_counter()
        model = fit_performance(events)
        if model is not None:
            ties = _fit_ties(train)
            model = replace(model, ties=ties)
            summary["articulation"] = dict(model.stats) | {
                "velocity_source": model.velocity_source,
                "correlation": round(model.correlation, 4),
                **(ties.stats if ties is not None else {}),
                "seconds": round(time.perf_counter() - start, 2),
            }
            model = replace(model, stats=summary["articulation"])
            if model.velocity_source == "default":
                log.warning(
                    "no note velocities in the corpus (a Weimar Jazz Database without "
                    "loudness, notated lead sheets): accents are the fixed DEFAULT_ACCENTS"
                )
        else:
            log.warning("no articulation learned: the corpus has none (re-run preprocess)")
    return Learned(fitted, model, summary)


def _fit_ties(train: Sequence[Piece]) -> TieModel | None:
    """`fit_ties` on `train`, with a warning when its bar lines record no held share (a
    corpus made before they were recorded)."""
    events = tie_events(train)
    ties = fit_ties(events)
    if ties is None and len(events):
        log.warning(
            "no notes held over the bar line learned: the corpus does not record them "
            "(made by an older jazzgen: re-run jazzgen preprocess)"
        )
    return ties


def _val_scores(realizer: LearnedRealizer, val: Sequence[Piece]) -> dict[str, Any]:
    table = realizer_table(note_events(val))
    if not len(table):
        return {"val_notes": 0}
    scores = realizer_scores(table, realizer, prefix="val_")
    weights = realizer.weights.copy()
    weights[window_slice()] = 0.0
    without = float(table_nll(table, weights[:N_ONE_HOT], realizer.register)[0].mean())
    return {**scores, "val_nll_without_window": round(without, 4), "val_notes": len(table)}
