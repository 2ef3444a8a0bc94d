"""Which token ids may come next so that every bar is filled exactly.

A token is allowed at a position when its duration fits in what is left of the bar AND the
remainder after it can still be filled by tokens of the vocabulary (a table of fillable
remainders is precomputed). When no remainder is fillable (a vocabulary without short
tokens), any token that fits is allowed; when none fits, the decoder closes the bar with a
rest (see generation.decode). Windowless note tokens (the first note of a piece) are
allowed only while no note has sounded yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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
class BarFit:
    """The allowed next ids for bars of up to `max_steps` grid steps (see module doc)."""

    fillable: np.ndarray  # (2, max_steps + 1, V): fits and leaves a fillable remainder
    fitting: np.ndarray  # (2, max_steps + 1, V): fits

    @classmethod
    def of(cls, tables: VocabTables, max_steps: int) -> BarFit:
        return cls(
            mask_table(tables, max_steps),
            mask_table(tables, max_steps, require_fillable=False),
        )

    def allowed(self, has_note: np.ndarray, remaining: np.ndarray) -> np.ndarray:
        """`(batch, V)` bool for candidates with `remaining (batch,)` steps left in the bar
        (0 = finished: nothing allowed) and `has_note (batch,)` (a note has sounded)."""
        phase = has_note.astype(np.int64)
        mask = self.fillable[phase, remaining]
        # a remainder that no token sequence fills (a vocabulary without short tokens):
        # take any token that fits; the bar is closed by a forced rest when none does
        stuck = ~mask.any(axis=1)
        if stuck.any():
            mask[stuck] = self.fitting[phase[stuck], remaining[stuck]]
        return mask
