"""Bar-exact constrained decoding of token sequences from an inference engine.

Every bar's token durations sum exactly to the bar length. A token is allowed at a
position when its duration fits in what is left of the bar AND the remainder after it can
still be filled by tokens of the vocabulary (a table of fillable remainders is
precomputed). When no remainder is fillable (a vocabulary without short tokens), any token
that fits is allowed; when none fits, the bar is closed with a rest of exactly the
remaining length; that rest is kept in the output even when it is not in the vocabulary
(it is always a valid grammar token) and the model is fed the vocabulary rest of nearest
duration instead. Windowless note tokens (the first note of a piece) are allowed only
while no note has sounded yet. Onset-to-onset durations make overlapping melodic lines
impossible by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jazzgen.core.errors import ConfigError
from jazzgen.core.harmony import CHORD_FEATURES, NoteType
from jazzgen.generation.engines import (
    KerasEngine,
    NumpyEngine,
)
from jazzgen.generation.sampling import SamplingOptions, sample_ids
from jazzgen.tokens.grammar import Token
from jazzgen.tokens.vocab import Vocab


@dataclass(frozen=True)
class VocabTables:
    """Per-id facts of a vocabulary used by the decoding masks."""

    durations: np.ndarray  # (V,) grid steps
    is_rest: np.ndarray  # (V,) bool
    windowless: np.ndarray  # (V,) bool: note tokens without interval window
    tokens: tuple[Token, ...]

    @classmethod
    def of(cls, vocab: Vocab) -> VocabTables:
        tokens = tuple(vocab.tokens())
        return cls(
            np.array([t.duration for t in tokens], np.int64),
            np.array([t.is_rest for t in tokens], bool),
            np.array([(not t.is_rest) and t.window is None for t in tokens], bool),
            tokens,
        )

    def nearest_rest(self, steps: int) -> int:
        """Id of the rest of nearest duration (any token if the vocabulary has no rest)."""
        candidates = np.flatnonzero(self.is_rest)
        if not len(candidates):
            candidates = np.arange(len(self.tokens))
        return int(candidates[np.argmin(np.abs(self.durations[candidates] - steps))])


def fillable_remainders(durations: Sequence[int], max_steps: int) -> np.ndarray:
    """`ok[r]` is True when `r` steps can be filled exactly by a sum of `durations`."""
    ok = np.zeros(max_steps + 1, bool)
    ok[0] = True
    unique = sorted({int(d) for d in durations if 0 < d <= max_steps})
    for r in range(1, max_steps + 1):
        ok[r] = any(ok[r - d] for d in unique if d <= r)
    return ok


def mask_table(tables: VocabTables, max_steps: int, *, require_fillable: bool = True) -> np.ndarray:
    """`(2, max_steps + 1, V)` bool: [phase, remaining steps] -> allowed ids.

    Phase 0: no note has sounded yet (windowless first-note tokens allowed); phase 1: after
    the first note (windowless tokens forbidden). Remainders are judged fillable by the
    tokens allowed in phase 1, the phase every later token is decoded in
    (`require_fillable=False`: every token that fits is allowed).
    """
    later = ~tables.windowless
    ok = fillable_remainders(tables.durations[later], max_steps)
    if not require_fillable:
        ok[:] = True
    durations = tables.durations
    table = np.zeros((2, max_steps + 1, len(durations)), bool)
    for remaining in range(1, max_steps + 1):
        after = remaining - durations
        fits = (after >= 0) & ok[np.clip(after, 0, max_steps)]
        table[0, remaining] = fits
        table[1, remaining] = fits & later
    return table


@dataclass(frozen=True)
class Decoded:
    """Decoded token bars per candidate, with model log-likelihoods.

    `bars[c][b]` is the token tuple of bar b of candidate c. `log_likelihood[c]` is the sum
    of the model's (unmasked, temperature 1) log-probabilities of the sampled tokens,
    `scored_tokens[c]` how many tokens it covers (forced rests are not scored), and
    `forced_rests[c]` how many bars were closed with a forced rest.
    """

    bars: list[list[tuple[Token, ...]]]
    log_likelihood: np.ndarray
    scored_tokens: np.ndarray
    forced_rests: np.ndarray

    def mean_log_likelihood(self) -> np.ndarray:
        return self.log_likelihood / np.maximum(self.scored_tokens, 1)


def start_token_id(tables: VocabTables, bar_steps: int) -> int:
    """The seed fed before the first generated token: the rest nearest a whole bar (pieces
    in the corpus usually start with a rest or a pickup), any token if there is no rest."""
    return tables.nearest_rest(bar_steps)


def decode(
    engine: NumpyEngine | KerasEngine,
    vocab: Vocab,
    bar_steps: Sequence[int],
    chord_features: np.ndarray,
    *,
    rng: np.random.Generator,
    candidates: int = 1,
    sampling: SamplingOptions = SamplingOptions(),
    primer_ids: Sequence[int] = (),
    primer_chord_features: np.ndarray | None = None,
    primer_has_note: bool = False,
    tables: VocabTables | None = None,
) -> Decoded:
    """Decode `candidates` solos together, bar-exact, over bars of `bar_steps` grid steps.

    `chord_features (sum(bar_steps), 24)`: model chord input for an onset at each absolute
    step of the generated bars. `primer_ids` are fed first to warm the state (their
    `primer_chord_features (len(primer_ids), 24)` = features at the onset of the token that
    follows each; the last row is not used: the first generated onset's chord is); without
    a primer a rest is fed as the start token. The primer's last
    token is the input that predicts the first generated token.
    """
    if candidates < 1:
        raise ConfigError(f"candidates must be >= 1, got {candidates}")
    tables = tables or VocabTables.of(vocab)
    bar_steps = [int(s) for s in bar_steps]
    total = sum(bar_steps)
    if total <= 0:
        raise ConfigError("nothing to generate: 0 bars")
    feats = np.asarray(chord_features, np.float32)
    if feats.shape != (total, CHORD_FEATURES):
        raise ValueError(f"chord_features must be ({total}, 24), got {feats.shape}")
    bar_end = np.repeat(np.cumsum(bar_steps), bar_steps)  # absolute end step per step
    bar_of = np.repeat(np.arange(len(bar_steps)), bar_steps)
    table = mask_table(tables, max(bar_steps))
    fit_table = mask_table(tables, max(bar_steps), require_fillable=False)
    n = candidates
    state = engine.initial_state(n)
    chord_in = engine.chord_input
    if len(primer_ids):
        pf = np.asarray(primer_chord_features, np.float32)
        # all but the last primer token warm the state; the last one is the first input of
        # the decoding loop (with the chord of the first generated onset)
        for k, token_id in enumerate(primer_ids[:-1]):
            ids = np.full(n, token_id)
            feat = np.repeat(pf[k : k + 1], n, axis=0) if chord_in else None
            _, state = engine.step(ids, feat, state)
        last = int(primer_ids[-1])
    else:
        last = start_token_id(tables, bar_steps[0])
    ids = np.full(n, last)
    pos = np.zeros(n, np.int64)
    has_note = np.full(n, bool(primer_has_note))
    loglik = np.zeros(n)
    scored = np.zeros(n, np.int64)
    forced = np.zeros(n, np.int64)
    out: list[list[list[Token]]] = [[[] for _ in bar_steps] for _ in range(n)]
    while True:
        active = pos < total
        if not active.any():
            break
        p_idx = np.minimum(pos, total - 1)
        feat = feats[p_idx] if chord_in else None
        probs, new_state = engine.step(ids, feat, state)
        # finished candidates keep their state (their outputs are ignored)
        state = [
            [np.where(active[:, None], ns, s) for ns, s in zip(nl, sl, strict=True)]
            for nl, sl in zip(new_state, state, strict=True)
        ]
        remaining = np.where(active, bar_end[p_idx] - pos, 0)
        phase = has_note.astype(np.int64)
        mask = table[phase, remaining]
        # a remainder that no token sequence fills (a vocabulary without short tokens):
        # take any token that fits; the bar is closed by a forced rest when none does
        stuck = active & ~mask.any(axis=1)
        if stuck.any():
            mask[stuck] = fit_table[phase[stuck], remaining[stuck]]
        choice = sample_ids(probs, rng, sampling, mask)
        for c in np.flatnonzero(active):
            bar = int(bar_of[pos[c]])
            if choice[c] < 0:
                token = Token(NoteType.REST, int(remaining[c]))
                ids[c] = tables.nearest_rest(token.duration)
                forced[c] += 1
            else:
                token = tables.tokens[choice[c]]
                ids[c] = choice[c]
                loglik[c] += float(np.log(max(probs[c, choice[c]], 1e-30)))
                scored[c] += 1
                if not token.is_rest:
                    has_note[c] = True
            out[c][bar].append(token)
            pos[c] += token.duration
    bars = [[tuple(b) for b in cand] for cand in out]
    return Decoded(bars, loglik, scored, forced)
