"""Notes held over the bar line, learned from the corpus and applied to a generated melody.

The grammar cuts a note at the bar line (`tokens.encode`), so a note a player held over it
(an anticipation on the "and" of 4, a long tone into the next chord) comes back from the
tokens as a note that stops at the bar line and a rest that starts the next bar. On the
Weimar Jazz Database a bar that starts with a rest after a bar that ends with a note (28 %
of bars) is such a held note 70 % of the time; played literally, every one of them
becomes a gap, and the solo rests more often and more briefly than players do.

`fit_ties(events)` learns, per context = (duration bucket of the rest, duration bucket of
the note; `performance.articulation.DURATION_EDGES`), the distribution of the *share* of
the rest the note still sounds (0 = released at the bar line, 1 = held to the next onset):
its quantiles at 0, 0.05, ..., 1. A context with fewer than `MIN_CONTEXT_TIES` examples
takes the rest's bucket alone, then every example. `TieModel.hold(...)` draws a share for
each such bar line of a generated melody and holds the note that long past the line when
that is at least one grid step.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER, ROUNDING_EPS
from jazzgen.core.errors import BundleError
from jazzgen.core.types import Bar, Note
from jazzgen.performance.examples import TieEvents
from jazzgen.performance.metric import (
    DURATION_EDGES,
    N_DURATIONS,
    QUANTILES,
    checked_quantiles,
    duration_buckets,
)

MIN_CONTEXT_TIES = 50


@dataclass(frozen=True)
class TieModel:
    """Share quantiles `table` (N_DURATIONS rest buckets, N_DURATIONS note buckets,
    len(QUANTILES)) and the fitting figures `stats`."""

    table: np.ndarray
    stats: dict[str, Any]

    def hold(
        self,
        played: Sequence[Note],
        written: Sequence[Note],
        bars: Sequence[Bar],
        rng: np.random.Generator,
    ) -> tuple[Note, ...]:
        """`played` (the `written` notes as articulated) with each note whose written end
        is a bar line that a rest follows held into that rest by a drawn share."""
        lines = [bar.start_beat for bar in bars] + ([bars[-1].end_beat] if bars else [])
        out = list(played)
        for i, note in enumerate(written):
            k = bisect.bisect_left(lines, note.end_beat - ROUNDING_EPS)
            if k >= len(lines) or abs(lines[k] - note.end_beat) > ROUNDING_EPS or k == 0:
                continue
            following = written[i + 1].start_beat if i + 1 < len(written) else None
            limit = lines[k + 1] if k + 1 < len(lines) else note.end_beat
            rest_end = min(following, limit) if following is not None else limit
            rest = rest_end - note.end_beat
            if rest <= ROUNDING_EPS:  # a note follows at the bar line: nothing to hold
                continue
            held = self._share(rest, note, float(rng.random())) * rest
            if held * GRID_STEPS_PER_QUARTER >= 1.0 - ROUNDING_EPS:
                out[i] = replace(out[i], end_beat=note.end_beat + held)
        return tuple(out)

    def _share(self, rest_beats: float, note: Note, u: float) -> float:
        beats = np.array([rest_beats, note.end_beat - note.start_beat])
        rest, length = duration_buckets(np.round(beats * GRID_STEPS_PER_QUARTER)).tolist()
        return float(np.interp(u, QUANTILES, self.table[rest, length]))

    def to_dict(self) -> dict[str, Any]:
        """The `"ties"` object of `performance.json` (docs/formats.md)."""
        return {
            "duration_edges": list(DURATION_EDGES),
            "quantiles": list(QUANTILES),
            "table": np.round(self.table, 4).tolist(),
            "stats": dict(self.stats),
        }

    @classmethod
    def from_dict(cls, value: object, where: str) -> TieModel | None:
        """None for null or an absent key (older bundles: notes stop at the bar line);
        BundleError with one line when the object is bad."""
        if value is None:
            return None
        if not isinstance(value, dict) or list(value.get("duration_edges", ())) != list(
            DURATION_EDGES
        ):
            raise BundleError(
                f"{where}: 'ties' must be null or an object with duration_edges "
                f"{list(DURATION_EDGES)}"
            )
        shape = (N_DURATIONS, N_DURATIONS, len(QUANTILES))
        table = checked_quantiles(value.get("table"), shape, f"{where}: ties.table", "shares")
        stats = value.get("stats", {})
        return cls(table, stats if isinstance(stats, dict) else {})


def fit_ties(events: TieEvents) -> TieModel | None:
    """The tie model of `events` (module doc); None when no share is known (a corpus made
    before ties were recorded, or without performed note ends)."""
    known = ~np.isnan(events.share)
    if not known.any():
        return None
    share = events.share[known]
    rest = duration_buckets(events.rest_duration[known])
    note = duration_buckets(events.note_duration[known])
    table = np.empty((N_DURATIONS, N_DURATIONS, len(QUANTILES)))
    for r in range(N_DURATIONS):
        for n in range(N_DURATIONS):
            for members in ((rest == r) & (note == n), rest == r, np.ones(len(share), bool)):
                if members.sum() >= MIN_CONTEXT_TIES:
                    break
            table[r, n] = np.quantile(share[members], QUANTILES)
    held = share * events.rest_duration[known] >= 1.0
    stats = {
        "tie_candidates": int(known.sum()),
        "tie_rate": round(float(held.mean()), 4),
        "mean_held_share": round(float(share.mean()), 4),
    }
    return TieModel(table, stats)
