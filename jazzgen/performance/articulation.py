"""Articulation and dynamics learned from the corpus, applied to a generated melody.

**Articulation**: how long a note sounds relative to its token's duration (onset to the next
event: to the next note, or to a rest when one follows). Learned per context = (duration
bucket of the token, whether a note or a rest follows, metric class of the onset
(`performance.metric`)) as an empirical distribution: its quantiles at 0, 0.05, ..., 1. A
context with fewer than `MIN_CONTEXT_NOTES` notes takes the distribution of (duration
bucket, next event), then of (next event), then of every note. Consecutive notes of real
lines are articulated alike (a legato run, a detached passage), so the quantile each note
is drawn at is not independent: normal scores z_i = rho z_(i-1) + sqrt(1 - rho^2) e_i, with
rho the correlation of the normal scores of consecutive notes' ranks in their contexts, as
measured on the corpus, and the quantile is Phi(z_i).

**Dynamics**: a velocity offset per metric class, the mean over the corpus's notes of
(velocity - the mean velocity of its piece), shrunk toward 0 by n / (n + `SHRINK_NOTES`),
from the pieces whose melody velocities vary (MIDI files; Weimar Jazz Database solos when
the file has loudness, `analysis.solo_sheet`). Without such pieces (our copy of the
database has no loudness) the offsets are `DEFAULT_ACCENTS` (`velocity.source` "default").

**Ties**: a note the grammar cut at the bar line may be held over it into the rest that
follows (`performance.ties`, fitted with the rest).

`PerformanceModel.apply(notes, bars, rng)` gives each note its sounding length (at least
`MIN_SOUNDING_BEATS`; a held note sounds past the bar line) and velocity `BASE_VELOCITY` +
offset. `performance.json` in a model bundle holds the model (format in docs/formats.md);
a bundle without it, the course preset and `jazzgen generate --legato` keep notes legato
at one velocity.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER, ROUNDING_EPS
from jazzgen.core.errors import BundleError
from jazzgen.core.types import Bar, Note
from jazzgen.io.files import checked_format, read_bundle_json
from jazzgen.io.outputs import write_json_atomic
from jazzgen.performance.examples import NoteEvents
from jazzgen.performance.metric import (
    DURATION_EDGES,
    METRIC_CLASSES,
    N_DURATIONS,
    QUANTILES,
    checked_numbers,
    checked_quantiles,
    duration_buckets,
    metric_class,
    metric_classes,
)
from jazzgen.performance.ties import TieModel

PERFORMANCE_FILE = "performance.json"
PERFORMANCE_FORMAT = 1

NEXT_EVENTS = ("note", "rest")
MIN_CONTEXT_NOTES = 50
SHRINK_NOTES = 20
MIN_VELOCITY_SPREAD = 1.0
"""A piece whose melody velocities have a smaller standard deviation has no dynamics."""
BASE_VELOCITY = 90
MIN_SOUNDING_BEATS = 1.0 / 48.0

DEFAULT_ACCENTS = (2.0, 0.0, 4.0, -4.0, -6.0)
"""Velocity offsets per metric class (downbeat, beat, offbeat, subdivision, offgrid) when
the corpus has no dynamics: not measured, chosen by ear on WJazzD-trained solos after the
swing-phrasing habit of leaning on the off-beat eighths and playing fast subdivisions
lighter, within the +-6 of the MIDI writer's random velocity spread."""


@dataclass(frozen=True)
class PerformanceModel:
    """Articulation quantiles `table` (N_DURATIONS, 2, 5, len(QUANTILES)) indexed by
    (duration bucket, next event, metric class), or None (legato); the `correlation` of
    consecutive notes; velocity `offsets` (5,) and where they came from; the notes held
    over the bar line (`performance.ties`; None: none held, as older bundles play)."""

    table: np.ndarray | None
    correlation: float
    offsets: np.ndarray
    velocity_source: str  # "learned" or "default"
    stats: Mapping[str, Any] = field(default_factory=dict)
    ties: TieModel | None = None

    def apply(
        self, notes: Sequence[Note], bars: Sequence[Bar], rng: np.random.Generator
    ) -> tuple[Note, ...]:
        """`notes` (sorted, monophonic) with sounding lengths and velocities (module doc).
        A note's token duration is taken as its length as given (onset to the next event)."""
        starts = [bar.start_beat for bar in bars]
        z = float(rng.standard_normal())
        out = []
        for i, note in enumerate(notes):
            bar = bars[max(bisect.bisect_right(starts, note.start_beat + ROUNDING_EPS) - 1, 0)]
            step = round((note.start_beat - bar.start_beat) * GRID_STEPS_PER_QUARTER)
            metric = metric_class(max(step, 0))
            velocity = int(np.clip(round(BASE_VELOCITY + self.offsets[metric]), 1, 127))
            length = note.end_beat - note.start_beat
            if self.table is not None:
                following = notes[i + 1] if i + 1 < len(notes) else None
                next_note = following is not None and (
                    abs(following.start_beat - note.end_beat) < ROUNDING_EPS * 1e3
                )
                if i:
                    z = self.correlation * z + math.sqrt(1 - self.correlation**2) * float(
                        rng.standard_normal()
                    )
                quantile = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
                bucket = int(
                    duration_buckets(np.array([round(length * GRID_STEPS_PER_QUARTER)]))[0]
                )
                values = self.table[bucket, 0 if next_note else 1, metric]
                length = max(
                    float(np.interp(quantile, QUANTILES, values)) * length, MIN_SOUNDING_BEATS
                )
            out.append(replace(note, end_beat=note.start_beat + length, velocity=velocity))
        if self.ties is not None:
            return self.ties.hold(out, notes, bars, rng)
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """The `performance.json` object (docs/formats.md)."""
        table = None if self.table is None else np.round(self.table, 4).tolist()
        return {
            "format": PERFORMANCE_FORMAT,
            "metric_classes": list(METRIC_CLASSES),
            "articulation": None
            if table is None
            else {
                "duration_edges": list(DURATION_EDGES),
                "next_events": list(NEXT_EVENTS),
                "quantiles": list(QUANTILES),
                "table": table,
                "correlation": round(self.correlation, 4),
            },
            "velocity": {
                "base": BASE_VELOCITY,
                "offsets": [round(float(v), 3) for v in self.offsets],
                "source": self.velocity_source,
            },
            "ties": None if self.ties is None else self.ties.to_dict(),
            "stats": dict(self.stats),
        }

    @classmethod
    def from_dict(cls, data: object, where: str = PERFORMANCE_FILE) -> PerformanceModel:
        """Validate a `performance.json` object; BundleError with one line when it is bad."""
        data = checked_format(data, PERFORMANCE_FORMAT, "performance", where)
        table, correlation = _articulation_from(data.get("articulation"), where)
        velocity = data.get("velocity")
        if not isinstance(velocity, dict) or velocity.get("source") not in ("learned", "default"):
            raise BundleError(f"{where}: 'velocity' must be {{base, offsets, source}}")
        offsets = checked_numbers(
            velocity.get("offsets"), (len(METRIC_CLASSES),), f"{where}: velocity.offsets"
        )
        stats = data.get("stats", {})
        return cls(
            table,
            correlation,
            offsets,
            velocity["source"],
            stats if isinstance(stats, dict) else {},
            TieModel.from_dict(data.get("ties"), where),
        )


def _articulation_from(value: object, where: str) -> tuple[np.ndarray | None, float]:
    if value is None:
        return None, 0.0
    if not isinstance(value, dict) or list(value.get("duration_edges", ())) != list(DURATION_EDGES):
        raise BundleError(
            f"{where}: 'articulation' must be null or an object with duration_edges "
            f"{list(DURATION_EDGES)}"
        )
    shape = (N_DURATIONS, len(NEXT_EVENTS), len(METRIC_CLASSES), len(QUANTILES))
    table = checked_quantiles(value.get("table"), shape, f"{where}: articulation.table", "ratios")
    correlation = checked_numbers(
        value.get("correlation"), (), f"{where}: articulation.correlation"
    )
    if not -1 < float(correlation) < 1:
        raise BundleError(f"{where}: articulation.correlation must be in -1..1 (exclusive)")
    return table, float(correlation)


# --- fitting ------------------------------------------------------------------------------------


def _contexts(events: NoteEvents, known: np.ndarray) -> tuple[np.ndarray, ...]:
    """(duration bucket, next event 0 note / 1 rest, metric class) of the `known` notes."""
    return (
        duration_buckets(events.duration[known]),
        (~events.next_note[known]).astype(np.int64),
        metric_classes(events.step_in_bar[known]),
    )


def _articulation_table(
    ratio: np.ndarray, bucket: np.ndarray, following: np.ndarray, metric: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The quantile table (module doc) and, per note, the context group it was drawn from
    (an id: the finest level with enough notes)."""
    levels = (
        np.zeros(len(ratio), np.int64),  # every note
        1 + following,  # next event
        3 + following * N_DURATIONS + bucket,  # (duration, next)
        100 + (bucket * 2 + following) * len(METRIC_CLASSES) + metric,  # all three
    )
    quantiles = np.array(QUANTILES)
    table = np.empty((N_DURATIONS, 2, len(METRIC_CLASSES), len(quantiles)))
    group = levels[0].copy()
    for b in range(N_DURATIONS):
        for n in range(2):
            for m in range(len(METRIC_CLASSES)):
                keys = (0, 1 + n, 3 + n * N_DURATIONS + b, 100 + (b * 2 + n) * 5 + m)
                for level, key in reversed(list(enumerate(keys))):
                    members = levels[level] == key
                    if members.sum() >= MIN_CONTEXT_NOTES or level == 0:
                        break
                table[b, n, m] = np.quantile(ratio[members], quantiles) if members.any() else 1.0
                mine = (bucket == b) & (following == n) & (metric == m)
                group[mine] = 1000 * level + key
    return table, group


def _correlation(ratio: np.ndarray, group: np.ndarray, piece: np.ndarray) -> float:
    """Correlation of the normal scores of consecutive notes' mid-ranks in their groups."""
    from scipy.special import ndtri
    from scipy.stats import rankdata

    u = np.empty(len(ratio))
    for key in np.unique(group):
        members = group == key
        u[members] = (rankdata(ratio[members]) - 0.5) / members.sum()
    z = ndtri(u)
    same = piece[1:] == piece[:-1]
    if same.sum() < 3 or np.std(z) == 0:
        return 0.0
    value = float(np.corrcoef(z[:-1][same], z[1:][same])[0, 1])
    return 0.0 if not math.isfinite(value) else float(np.clip(value, -0.95, 0.95))


def _velocity_offsets(events: NoteEvents) -> tuple[np.ndarray, str, dict[str, int]]:
    """Offsets per metric class, their source and counts (module doc)."""
    known = ~np.isnan(events.velocity)
    centred = np.full(len(events), np.nan)
    pieces = 0
    for piece in np.unique(events.piece[known]):
        members = known & (events.piece == piece)
        values = events.velocity[members]
        if values.std() >= MIN_VELOCITY_SPREAD:
            centred[members] = values - values.mean()
            pieces += 1
    use = ~np.isnan(centred)
    if not use.any():
        return np.array(DEFAULT_ACCENTS), "default", {"velocity_notes": 0, "velocity_pieces": 0}
    classes = metric_classes(events.step_in_bar[use])
    sums = np.bincount(classes, centred[use], len(METRIC_CLASSES))
    counts = np.bincount(classes, None, len(METRIC_CLASSES))
    offsets = sums / (counts + SHRINK_NOTES)
    return offsets, "learned", {"velocity_notes": int(use.sum()), "velocity_pieces": pieces}


def fit_performance(events: NoteEvents) -> PerformanceModel | None:
    """Articulation and dynamics of the notes of `events` (module doc); None when the
    corpus records neither (an older corpus, notated lead sheets: legato at one velocity)."""
    known = ~np.isnan(events.articulation)
    if not known.any() and np.isnan(events.velocity).all():
        return None
    stats: dict[str, Any] = {"articulation_notes": int(known.sum())}
    table, correlation = None, 0.0
    if known.any():
        ratio = events.articulation[known]
        table, group = _articulation_table(ratio, *_contexts(events, known))
        correlation = _correlation(ratio, group, events.piece[known])
        stats["mean_articulation"] = round(float(ratio.mean()), 4)
        following = events.next_note[known]
        if following.any():
            stats["mean_articulation_before_a_note"] = round(float(ratio[following].mean()), 4)
    offsets, source, counts = _velocity_offsets(events)
    return PerformanceModel(table, correlation, offsets, source, {**stats, **counts})


# --- the bundle file ---------------------------------------------------------------------------


def save_performance(model: PerformanceModel, directory: str | Path) -> Path:
    """Write `performance.json` into `directory` (atomically: `io.outputs.write_json_atomic`)."""
    return write_json_atomic(Path(directory) / PERFORMANCE_FILE, model.to_dict())


def load_performance(directory: str | Path) -> PerformanceModel | None:
    """The bundle's `performance.json` (None without one: legato at one velocity);
    BundleError with one line when the file is unreadable or malformed."""
    path = Path(directory) / PERFORMANCE_FILE
    if not path.is_file():
        return None
    data = read_bundle_json(path)
    return PerformanceModel.from_dict(data, str(path))
