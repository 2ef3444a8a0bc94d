"""`jazzgen evaluate --model BUNDLE`: how likely the reference solos are under a model.

Each reference lead sheet is encoded with the bundle's encoding settings (`tokens.encode`,
the bundle's `min_rest_steps`) and its vocabulary, then scored step by step with the numpy
inference engine (`generation.engines`, no TensorFlow), fed as generation feeds it: the
start token first (the rest nearest a bar, `generation.decode.start_token_id`), then each
token in turn, with the chord sounding at the onset of the token being predicted as the
chord input and, for a model with a context input, that onset's context
(`core.context.context_features`, form positions counted from the lead sheet's first bar
unless its bars carry their own, at the lead sheet's tempo, in the style its own tokens
have, `tokens.grammar.line_style`) and, for a model with a pitch
input, the last pitch before it (`core.pitch_context`, around the piece's median pitch),
as `corpus.dataset` builds training windows. The model's
probabilities are taken unmasked at temperature 1 (the distribution training fits;
decoding's bar-fit mask is not applied), floored at `MIN_SCORED_PROBABILITY` as
generation's scoring does.

- **Per token**: -log P(token | earlier tokens, chords), nats, averaged over the tokens in
  the bundle's vocabulary. A token outside it (OOV) has no probability under the model: it
  is **skipped** (not scored), counted (`oov_tokens`, `oov_rate`), and fed to the model as
  the nearest vocabulary token (as a primer is), so the following tokens keep their
  context. A model is only comparable with another on the same reference when their OOV
  rates are alike: a smaller vocabulary skips more of the hard tokens.
- **Per note of exact pitch and grid duration**: the token NLL plus the realizer's
  -log P(exact pitch | token, chord, previous pitch) (`tokens.realize.Realizer`; by
  default the bundle's learned realizer, `realizer.json`, as `jazzgen generate` draws
  with it, else `UniformRealizer`, the course's uniform draw: log(#candidate pitches);
  with a learned realizer the uniform draw's figures are reported too, as
  `uniform_nll_per_note` and `uniform_realizer_nll_per_note`, over the same notes).
  `nll_per_note` = (token NLL of the scored rests + token and realizer NLL of the
  scored notes) / scored notes: the NLL of the encoded melody (pitches, onsets on the
  1/12 grid, rests of a sixteenth or more) spread over its notes. `nll_per_event` spreads
  the same NLL over its notes and rests (`scored_notes` + `scored_rests`), as models that
  predict a rest as one more pitch value count it (MINGUS's pitch vocabulary has 'R').
  A note is scored when its token is in the vocabulary and the realizer can produce its
  pitch; the uniform realizer cannot when the pitch is outside `pitch_range` (default:
  `jazzgen generate`'s range for its default instrument) or, for the first note, farther
  than `FIRST_NOTE_REACH` from the range's middle: those are `unrealizable_notes`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.context import bar_frames, context_features
from jazzgen.core.errors import VocabError
from jazzgen.core.harmony import CHORD_FEATURES, Chord, chord_features
from jazzgen.core.pitch_context import chord_roots, line_centre, pitch_features, previous_pitches
from jazzgen.core.types import LeadSheet
from jazzgen.generation.bar_fit import VocabTables
from jazzgen.generation.decode import MIN_SCORED_PROBABILITY, engine_features, start_token_id
from jazzgen.generation.engines import Engine, make_engine
from jazzgen.generation.primer import nearest_vocab_id
from jazzgen.performance.realizer import load_realizer
from jazzgen.tokens.encode import encode_melody
from jazzgen.tokens.grammar import DEFAULT_MIN_REST_STEPS, Token, line_style
from jazzgen.tokens.realize import RealizeContext, Realizer, UniformRealizer
from jazzgen.tokens.vocab import Vocab
from jazzgen.training.bundle import Bundle

BATCH = 64  # pieces scored together (one engine step per token position)


@dataclass(frozen=True)
class ScoredTokens:
    """One reference piece encoded for a model: per token (T,) each.

    `ids`: vocabulary id, -1 when out of vocabulary; `fed`: the id fed to the model after
    the token (its own, or the nearest vocabulary token); `features` (T, 24): the chord
    input when predicting the token; `context` (T, CONTEXT_FEATURES) uint8: the context
    input then; `chords`, `pitches` (None for rests), `onsets` (absolute quarter notes) and
    `steps` (grid steps from the bar start) for the realizer.
    """

    source: str
    tokens: tuple[Token, ...]
    ids: np.ndarray
    fed: np.ndarray
    features: np.ndarray
    chords: tuple[Chord, ...]
    pitches: tuple[int | None, ...]
    onsets: tuple[float, ...]
    steps: tuple[int, ...] = ()
    context: np.ndarray | None = None
    pitch: np.ndarray | None = None  # (T, PITCH_FEATURES) uint8: the pitch input then


def encode_reference(
    sheet: LeadSheet,
    vocab: Vocab,
    tables: VocabTables,
    *,
    min_rest_steps: int = DEFAULT_MIN_REST_STEPS,
    nearest: dict[Token, int] | None = None,
) -> ScoredTokens:
    """Encode `sheet` for scoring (see `ScoredTokens`). `nearest` caches the nearest
    vocabulary id of OOV tokens across calls."""
    nearest = {} if nearest is None else nearest
    tokens, ids, fed, chords, pitches, onsets = [], [], [], [], [], []
    bar_index, steps = [], []
    encoded_bars = encode_melody(sheet.melody, sheet.bars, min_rest_steps=min_rest_steps)
    for b, (bar, encoded) in enumerate(zip(sheet.bars, encoded_bars, strict=True)):
        step = 0
        for token, pitch in zip(encoded.tokens, encoded.pitches, strict=True):
            bar_index.append(b)
            steps.append(step)
            onset = bar.start_beat + step / GRID_STEPS_PER_QUARTER
            step += token.duration
            try:
                token_id = vocab.id_of(token)
            except VocabError:
                token_id = -1
                if token not in nearest:
                    nearest[token] = nearest_vocab_id(token, tables)
            tokens.append(token)
            ids.append(token_id)
            fed.append(token_id if token_id >= 0 else nearest[token])
            chords.append(bar.chord_at(onset))
            pitches.append(pitch)
            onsets.append(onset)
    features = np.array([chord_features(c) for c in chords], np.float32)
    return ScoredTokens(
        source=sheet.source,
        tokens=tuple(tokens),
        ids=np.array(ids, np.int64),
        fed=np.array(fed, np.int64),
        features=features.reshape(len(tokens), CHORD_FEATURES),
        chords=tuple(chords),
        pitches=tuple(pitches),
        onsets=tuple(onsets),
        steps=tuple(steps),
        context=context_features(
            bar_frames(sheet.bars),
            np.array(bar_index),
            np.array(steps),
            sheet.qpm,
            line_style(tokens, sheet.qpm),
        ),
        pitch=pitch_features(previous_pitches(pitches), chord_roots(chords), line_centre(pitches)),
    )


def token_log_probs(
    engine: Engine, pieces: Sequence[ScoredTokens], start_id: int, *, batch: int = BATCH
) -> list[np.ndarray]:
    """Per piece, (T,) natural log P of each token under the model (NaN for OOV tokens)."""
    out: list[np.ndarray] = [np.full(len(p.ids), np.nan) for p in pieces]
    order = sorted(range(len(pieces)), key=lambda i: len(pieces[i].ids))
    for first in range(0, len(order), batch):
        members = order[first : first + batch]
        length = max(len(pieces[i].ids) for i in members)
        ids = np.full((len(members), length), -1, np.int64)
        fed = np.full((len(members), length + 1), start_id, np.int64)
        feats = np.zeros((len(members), length, engine.feature_width), np.float32)
        for row, i in enumerate(members):
            n = len(pieces[i].ids)
            ids[row, :n] = pieces[i].ids
            fed[row, 1 : n + 1] = pieces[i].fed
            feats[row, :n] = engine_features(
                engine, pieces[i].features, pieces[i].context, pieces[i].pitch
            )
        state = engine.initial_state(len(members))
        logp = np.full(ids.shape, np.nan)
        for t in range(length):
            step_feats = feats[:, t] if engine.feature_width else None
            probs, state = engine.step(fed[:, t], step_feats, state)
            known = ids[:, t] >= 0
            picked = probs[np.arange(len(members)), np.maximum(ids[:, t], 0)]
            logp[known, t] = np.log(np.maximum(picked[known], MIN_SCORED_PROBABILITY))
        for row, i in enumerate(members):
            out[i] = logp[row, : len(pieces[i].ids)]
    return out


def realizer_nll(
    piece: ScoredTokens, realizer: Realizer, pitch_range: tuple[int, int]
) -> np.ndarray:
    """Per token (T,): -log P(pitch) under `realizer` for notes (inf when it can never
    give the pitch), NaN for rests."""
    out = np.full(len(piece.tokens), np.nan)
    prev: int | None = None
    interval: int | None = None
    for k, (token, pitch) in enumerate(zip(piece.tokens, piece.pitches, strict=True)):
        if pitch is None:
            continue
        step = piece.steps[k] if piece.steps else 0
        context = RealizeContext(pitch_range, piece.onsets[k], step, interval)
        out[k] = -realizer.log_prob(token, piece.chords[k], prev, pitch, context)
        interval = None if prev is None else pitch - prev
        prev = pitch
    return out


@dataclass
class _Totals:
    """Running sums of one set (or piece) of scored references."""

    tokens: int = 0
    oov_tokens: int = 0
    token_nll: float = 0.0  # over in-vocabulary tokens
    notes: int = 0
    oov_notes: int = 0
    unrealizable_notes: int = 0
    scored_notes: int = 0
    scored_rests: int = 0  # in-vocabulary rest tokens
    note_nll: float = 0.0  # in-vocabulary rests + scored notes (token + realizer)
    realizer_nll: float = 0.0  # scored notes

    def add(self, piece: ScoredTokens, logp: np.ndarray, realizer: np.ndarray) -> None:
        is_note = np.array([p is not None for p in piece.pitches], bool)
        known = piece.ids >= 0
        scored = is_note & known & np.isfinite(realizer)
        self.tokens += len(piece.ids)
        self.oov_tokens += int((~known).sum())
        self.token_nll -= float(logp[known].sum())
        self.notes += int(is_note.sum())
        self.oov_notes += int((is_note & ~known).sum())
        self.unrealizable_notes += int((is_note & ~np.isfinite(realizer)).sum())
        self.scored_notes += int(scored.sum())
        self.scored_rests += int((known & ~is_note).sum())
        self.realizer_nll += float(realizer[scored].sum())
        self.note_nll += float(-logp[(known & ~is_note) | scored].sum() + realizer[scored].sum())

    def summary(self) -> dict[str, Any]:
        def per(total: float, count: int) -> float:
            return total / count if count else math.nan

        return {
            "nll_per_token": per(self.token_nll, self.tokens - self.oov_tokens),
            "nll_per_note": per(self.note_nll, self.scored_notes),
            "nll_per_event": per(self.note_nll, self.scored_notes + self.scored_rests),
            "realizer_nll_per_note": per(self.realizer_nll, self.scored_notes),
            "tokens": self.tokens,
            "oov_tokens": self.oov_tokens,
            "oov_rate": per(self.oov_tokens, self.tokens),
            "notes": self.notes,
            "scored_notes": self.scored_notes,
            "scored_rests": self.scored_rests,
            "oov_notes": self.oov_notes,
            "unrealizable_notes": self.unrealizable_notes,
        }


def _log_probs_by_start(
    engine: Engine, pieces: Sequence[ScoredTokens], start_ids: Sequence[int]
) -> list[np.ndarray]:
    """`token_log_probs` of every piece, pieces with the same start token in one run."""
    out: list[np.ndarray] = [np.zeros(0)] * len(pieces)
    for start in sorted(set(start_ids)):
        group = [i for i, s in enumerate(start_ids) if s == start]
        scored = token_log_probs(engine, [pieces[i] for i in group], start)
        for i, logp in zip(group, scored, strict=True):
            out[i] = logp
    return out


def model_likelihood(
    bundle: Bundle,
    sheets: Sequence[LeadSheet],
    *,
    pitch_range: tuple[int, int],
    realizer: Realizer | None = None,
    engine: Engine | None = None,
) -> dict[str, Any]:
    """NLL of the reference lead sheets under the bundle's model (module doc), in nats.

    `realizer` None: the bundle's learned realizer, else the uniform one. Returns
    `{"model", "realizer", "pitch_range", "nats": "nats", <the set's totals:
    nll_per_token, nll_per_note, realizer_nll_per_note, tokens, oov_tokens, oov_rate,
    notes, scored_notes, oov_notes, unrealizable_notes>, ["uniform_nll_per_note",
    "uniform_realizer_nll_per_note" when the realizer is not the uniform one], "pieces":
    [{"path", <the same per piece>}]}`.
    """
    realizer = realizer or load_realizer(bundle.path) or UniformRealizer()
    uniform = None if isinstance(realizer, UniformRealizer) else UniformRealizer()
    engine = engine or make_engine(bundle, "numpy")
    tables = VocabTables.of(bundle.vocab)
    min_rest = int(bundle.config.encode.get("min_rest_steps", DEFAULT_MIN_REST_STEPS))
    nearest: dict[Token, int] = {}
    pieces = [
        encode_reference(s, bundle.vocab, tables, min_rest_steps=min_rest, nearest=nearest)
        for s in sheets
    ]
    logps = _log_probs_by_start(
        engine, pieces, [start_token_id(tables, s.bars[0].steps) for s in sheets]
    )
    total, total_uniform, per_piece = _Totals(), _Totals(), []
    for piece, logp in zip(pieces, logps, strict=True):
        nll = realizer_nll(piece, realizer, pitch_range)
        total.add(piece, logp, nll)
        if uniform is not None:
            total_uniform.add(piece, logp, realizer_nll(piece, uniform, pitch_range))
        one = _Totals()
        one.add(piece, logp, nll)
        per_piece.append({"path": piece.source, **one.summary()})
    compared = {}
    if uniform is not None:
        summary = total_uniform.summary()
        compared = {
            "uniform_nll_per_note": summary["nll_per_note"],
            "uniform_realizer_nll_per_note": summary["realizer_nll_per_note"],
        }
    return {
        "model": str(bundle.path),
        "realizer": type(realizer).__name__,
        "pitch_range": list(pitch_range),
        "units": "nats",
        **total.summary(),
        **compared,
        "pieces": per_piece,
    }
