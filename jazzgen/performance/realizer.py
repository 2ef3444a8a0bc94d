"""The learned realizer: how players choose the exact pitch of a note token.

A conditional logit over the token's candidate pitches (`tokens.realize.candidate_pitches`,
the pool the uniform realizer draws from): candidate c gets the score
`sum of the weights of its active features + register weights . (z, z**2)` and
P(c) = exp(score_c) / sum over the candidates. Each candidate activates one feature of each
group:

| group | size | the feature of a candidate pitch p |
| --- | --- | --- |
| `interval` | 28 | interval from the previous pitch, -12..12, one each beyond; "no previous" |
| `degree` | 120 | (p - root) mod 12 x chord family (`FAMILIES`) x on a beat or not |
| `motion` | 8 | repeat; continue or reverse after a step (1-2), skip (3-4), leap (5+); none |
| `window` | 8 | p's place in the token's window, -3..3 from its centre; "no window" |

plus the dense `register` pair z = (p - middle of the pitch range) / half its width, and z².
The window's centre is the interval the token was encoded from (`tokens.encode`: a window is
the interval ± 3), so in the corpus it is always the played pitch.

Fitting (`fit_realizer`, maximum likelihood with an L2 penalty, L-BFGS; 100 s for the
155,000 notes of a performer split of the Weimar Jazz Database on 2 busy cores) goes in
two stages: first every group but `window`
(how players move inside a window of a type, as if its centre were unknown), then the
`window` weights with the others fixed (how strongly the token's own interval wins). So
when generation asks for a window whose centre has another type over the chord (the LSTM
does not know the absolute pitch), the first stage's preferences choose among the rest.
In the corpus a note's pitch range is its piece's lowest to highest pitch.

`LearnedRealizer` is a `tokens.realize.Realizer`; `realizer.json` in a model bundle holds it
(`to_dict`/`from_dict`, `save_realizer`/`load_realizer`; format in docs/formats.md).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jazzgen.core.errors import BundleError
from jazzgen.core.harmony import Chord, ChordQuality
from jazzgen.io.files import checked_format, read_bundle_json
from jazzgen.io.outputs import write_json_atomic
from jazzgen.performance.examples import NO_INTERVAL, NO_PITCH, NoteEvents
from jazzgen.performance.metric import STRONG_CLASSES, metric_classes
from jazzgen.tokens.grammar import Token
from jazzgen.tokens.realize import Candidates, RealizeContext, candidate_pitches

log = logging.getLogger(__name__)

REALIZER_FILE = "realizer.json"
REALIZER_FORMAT = 1

GROUPS: dict[str, int] = {"interval": 28, "degree": 120, "motion": 8, "window": 8}
"""One-hot feature groups and their sizes (module doc), in the order of the weight vector."""
DENSE = ("register", 2)
_OFFSETS = dict(zip(GROUPS, np.cumsum([0, *GROUPS.values()])[:-1].tolist(), strict=True))
N_ONE_HOT = sum(GROUPS.values())


def window_slice() -> slice:
    """Where the `window` group's weights lie in the weight vector."""
    return slice(_OFFSETS["window"], _OFFSETS["window"] + GROUPS["window"])


L2_PENALTY = 1.0
"""Weight of 1/2 sum(w**2) against the summed negative log-likelihood in nats: a prior that
keeps weights finite (the window centre always wins in the corpus)."""

MAX_ITERATIONS = 300
RELATIVE_TOLERANCE = 1e-7
"""L-BFGS stops when an iteration improves the objective by less than this fraction (on
the Weimar Jazz Database: within 0.5 nats, summed over 150,000 notes, of a 100x tighter
tolerance in half the iterations)."""

FAMILIES = ("major", "minor", "dominant", "diminished", "augmented")
_FAMILY_OF_BASIC = {
    ChordQuality.MAJOR: 0, ChordQuality.MAJOR7: 0, ChordQuality.MAJOR6: 0,
    ChordQuality.MINOR: 1, ChordQuality.MINOR7: 1, ChordQuality.MINOR6: 1,
    ChordQuality.MINOR_MAJOR7: 1,
    ChordQuality.DOMINANT7: 2, ChordQuality.DOMINANT7_SUS4: 2, ChordQuality.SUS4: 2,
    ChordQuality.HALF_DIMINISHED: 3, ChordQuality.DIMINISHED7: 3, ChordQuality.DIMINISHED: 3,
    ChordQuality.AUGMENTED: 4,
}  # fmt: skip


def chord_family(chord: Chord) -> int:
    """Index in FAMILIES of the chord's quality (altered chords: of the quality they alter)."""
    return _FAMILY_OF_BASIC.get(chord.quality.basic, 2)


# --- features ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteContext:
    """What the features of one note's candidates depend on; arrays (n,) over n notes."""

    prev_pitch: np.ndarray  # int64, NO_PITCH: none
    prev_interval: np.ndarray  # int64, NO_INTERVAL: none
    centre: np.ndarray  # float64 window centre (semitones from prev_pitch), NaN: no window
    root: np.ndarray  # int64 chord root
    family: np.ndarray  # int64 index in FAMILIES
    strong: np.ndarray  # bool: on a beat
    middle: np.ndarray  # float64 middle of the pitch range
    half_width: np.ndarray  # float64 half its width (> 0)


def candidate_features(
    pitches: np.ndarray, note: np.ndarray, context: NoteContext
) -> tuple[np.ndarray, np.ndarray]:
    """Features of candidate rows: `pitches` (m,) int and `note` (m,) the index of each
    row's note in `context`. Returns (m, 4) int active one-hot indices (one per group, into
    the weight vector) and (m, 2) float register values."""
    prev = context.prev_pitch[note]
    has_prev = prev != NO_PITCH
    interval = pitches - prev
    bins = np.where(interval < -12, 1, np.where(interval > 12, 27, interval + 14))
    interval_index = np.where(has_prev, bins, 0)
    degree = (pitches - context.root[note]) % 12
    degree_index = degree * 10 + context.family[note] * 2 + context.strong[note]
    motion_index = _motion(interval, context.prev_interval[note], has_prev)
    centre = context.centre[note]
    offset = np.clip(np.round(interval - np.nan_to_num(centre)), -3, 3).astype(np.int64)
    window_index = np.where(np.isnan(centre) | ~has_prev, 0, offset + 4)
    one_hot = np.stack(
        [
            interval_index + _OFFSETS["interval"],
            degree_index + _OFFSETS["degree"],
            motion_index + _OFFSETS["motion"],
            window_index + _OFFSETS["window"],
        ],
        axis=1,
    )
    z = (pitches - context.middle[note]) / context.half_width[note]
    return one_hot.astype(np.int64), np.stack([z, z * z], axis=1)


def _motion(interval: np.ndarray, prev_interval: np.ndarray, has_prev: np.ndarray) -> np.ndarray:
    """The `motion` feature (module doc): 0 no direction yet, 1 repeat, 2 + 2 * size class
    + (1 when reversing) otherwise."""
    known = has_prev & (prev_interval != NO_INTERVAL) & (prev_interval != 0)
    size = np.where(np.abs(prev_interval) <= 2, 0, np.where(np.abs(prev_interval) <= 4, 1, 2))
    reverse = np.sign(interval) != np.sign(prev_interval)
    moving = np.where(known, 2 + 2 * size + reverse, 0)
    return np.where(has_prev & (interval == 0), 1, moving)


# --- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnedRealizer:
    """A fitted conditional logit (module doc): `weights` (N_ONE_HOT,) and `register` (2,)."""

    weights: np.ndarray
    register: np.ndarray
    stats: Mapping[str, Any] = field(default_factory=dict)  # what fitting measured

    def probabilities(
        self,
        token: Token,
        chord: Chord,
        prev_pitch: int | None,
        candidates: Candidates,
        context: RealizeContext,
    ) -> np.ndarray:
        """(n,) probabilities of `candidates.pitches` (one pitch: 1)."""
        pitches = candidates.pitches.astype(np.int64)
        if candidates.nearest or len(pitches) == 1:
            return np.ones(len(pitches))
        notes = _one_note_context(token, chord, prev_pitch, context)
        one_hot, dense = candidate_features(pitches, np.zeros(len(pitches), np.int64), notes)
        scores = self.weights[one_hot].sum(axis=1) + dense @ self.register
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    def log_prob(
        self,
        token: Token,
        chord: Chord,
        prev_pitch: int | None,
        pitch: int,
        context: RealizeContext,
    ) -> float:
        candidates = candidate_pitches(token, chord, prev_pitch, context.pitch_range)
        where = np.flatnonzero(candidates.pitches == pitch)
        if not len(where):
            return -math.inf
        probs = self.probabilities(token, chord, prev_pitch, candidates, context)
        return float(np.log(probs[where[0]]))

    def to_dict(self) -> dict[str, Any]:
        """The `realizer.json` object (docs/formats.md)."""
        groups = {
            name: [round(float(w), 6) for w in self.weights[start : start + GROUPS[name]]]
            for name, start in _OFFSETS.items()
        }
        return {
            "format": REALIZER_FORMAT,
            "kind": "conditional-logit",
            "groups": groups,
            "register": [round(float(w), 6) for w in self.register],
            "stats": dict(self.stats),
        }

    @classmethod
    def from_dict(cls, data: object, where: str = REALIZER_FILE) -> LearnedRealizer:
        """Validate a `realizer.json` object; BundleError with one line when it is bad."""
        data = checked_format(data, REALIZER_FORMAT, "realizer", where)
        groups = data.get("groups")
        if not isinstance(groups, dict):
            raise BundleError(f"{where}: 'groups' must be an object of weight lists")
        weights = [
            _floats(groups.get(name), size, f"{where}: groups.{name}")
            for name, size in GROUPS.items()
        ]
        register = _floats(data.get("register"), DENSE[1], f"{where}: register")
        stats = data.get("stats", {})
        return cls(np.concatenate(weights), register, stats if isinstance(stats, dict) else {})


def _floats(value: object, size: int, what: str) -> np.ndarray:
    ok = isinstance(value, list) and len(value) == size
    if ok and isinstance(value, list):
        ok = all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        )
    if not ok:
        raise BundleError(f"{what} must be a list of {size} finite numbers, got {value!r:.60}")
    return np.array(value, dtype=np.float64)


def _one_note_context(
    token: Token, chord: Chord, prev_pitch: int | None, context: RealizeContext
) -> NoteContext:
    low, high = context.pitch_range
    centre = math.nan if token.window is None else (token.window[0] + token.window[1]) / 2
    interval = NO_INTERVAL if context.prev_interval is None else context.prev_interval
    strong = int(metric_classes(np.array([context.step_in_bar]))[0]) in STRONG_CLASSES
    return NoteContext(
        prev_pitch=np.array([NO_PITCH if prev_pitch is None else prev_pitch]),
        prev_interval=np.array([interval]),
        centre=np.array([centre]),
        root=np.array([chord.root]),
        family=np.array([chord_family(chord)]),
        strong=np.array([strong]),
        middle=np.array([(low + high) / 2]),
        half_width=np.array([max((high - low) / 2, 1.0)]),
    )


# --- fitting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RealizerTable:
    """The candidates of scored notes as rows: `one_hot` (m, 4), `dense` (m, 2), and per
    note `starts` (n,) its first row, `true_row` (n,) the row of its played pitch,
    `counts` (n,) its number of candidates. Notes whose pitch the realizer cannot give
    (outside the pool) are left out and counted in `skipped`."""

    one_hot: np.ndarray
    dense: np.ndarray
    starts: np.ndarray
    true_row: np.ndarray
    counts: np.ndarray
    skipped: int

    def __len__(self) -> int:
        return len(self.starts)


def realizer_table(events: NoteEvents) -> RealizerTable:
    """The candidate rows of every note of `events` with a known pitch (see RealizerTable).

    A note's pitch range is its piece's (`NoteEvents.low`..`high`); its candidates are
    `candidate_pitches` in that range after the previous pitch (none for a piece's first)."""
    known = np.flatnonzero((events.pitch != NO_PITCH) & (events.low != NO_PITCH))
    pools: list[np.ndarray] = []
    kept: list[int] = []
    skipped = 0
    for i in known.tolist():
        prev = int(events.prev_pitch[i])
        pool = candidate_pitches(
            events.tokens[i],
            events.chords[i],
            None if prev == NO_PITCH else prev,
            (int(events.low[i]), int(events.high[i])),
        )
        if pool.nearest or int(events.pitch[i]) not in pool.pitches:
            skipped += 1
            continue
        pools.append(pool.pitches)
        kept.append(i)
    index = np.array(kept, dtype=np.int64)
    counts = np.array([len(p) for p in pools], dtype=np.int64)
    pitches = np.concatenate(pools).astype(np.int64) if pools else np.zeros(0, np.int64)
    note = np.repeat(np.arange(len(index)), counts)
    starts = np.cumsum(counts) - counts
    true_row = starts + np.array(
        [int(np.flatnonzero(p == events.pitch[i])[0]) for p, i in zip(pools, kept, strict=True)],
        dtype=np.int64,
    )
    one_hot, dense = candidate_features(pitches, note, _events_context(events, index))
    return RealizerTable(one_hot, dense, starts, true_row, counts, skipped)


def _events_context(events: NoteEvents, index: np.ndarray) -> NoteContext:
    centres = np.array(
        [
            math.nan if (w := events.tokens[i].window) is None else (w[0] + w[1]) / 2
            for i in index.tolist()
        ],
        dtype=np.float64,
    )
    low, high = events.low[index], events.high[index]
    return NoteContext(
        prev_pitch=events.prev_pitch[index],
        prev_interval=events.prev_interval[index],
        centre=centres,
        root=np.array([events.chords[i].root for i in index.tolist()], dtype=np.int64),
        family=np.array([chord_family(events.chords[i]) for i in index.tolist()], np.int64),
        strong=np.isin(metric_classes(events.step_in_bar[index]), STRONG_CLASSES),
        middle=(low + high) / 2.0,
        half_width=np.maximum((high - low) / 2.0, 1.0),
    )


def table_nll(
    table: RealizerTable, weights: np.ndarray, register: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per note (n,) -log P(played pitch) in nats, and per row (m,) the probabilities."""
    scores = weights[table.one_hot].sum(axis=1) + table.dense @ register
    if not len(table):
        return np.zeros(0), np.zeros(0)
    top = np.maximum.reduceat(scores, table.starts)
    shifted = np.exp(scores - np.repeat(top, table.counts))
    sums = np.add.reduceat(shifted, table.starts)
    probs = shifted / np.repeat(sums, table.counts)
    nll = np.log(sums) + top - scores[table.true_row]
    return nll, probs


def _objective(
    free: np.ndarray, table: RealizerTable, fixed: np.ndarray, mask: np.ndarray, l2: float
) -> tuple[float, np.ndarray]:
    """Summed NLL + l2/2 |free|^2 and its gradient, over the parameters where `mask` is
    True (the vector of all parameters is the weights then the register pair)."""
    params = fixed.copy()
    params[mask] = free
    weights, register = params[:N_ONE_HOT], params[N_ONE_HOT:]
    nll, probs = table_nll(table, weights, register)
    residual = probs.copy()
    residual[table.true_row] -= 1.0
    grad_w = np.bincount(
        table.one_hot.ravel(), np.repeat(residual, table.one_hot.shape[1]), N_ONE_HOT
    )
    grad = np.concatenate([grad_w, table.dense.T @ residual])[mask] + l2 * free
    return float(nll.sum() + 0.5 * l2 * free @ free), grad


def _minimise(table: RealizerTable, params: np.ndarray, mask: np.ndarray, l2: float) -> np.ndarray:
    from scipy.optimize import minimize  # scikit-learn's dependency; only fitting needs it

    result = minimize(
        _objective,
        params[mask],
        args=(table, params, mask, l2),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": MAX_ITERATIONS, "ftol": RELATIVE_TOLERANCE},
    )
    if not result.success:
        log.info("realizer fit stopped early: %s", result.message)
    fitted = params.copy()
    fitted[mask] = result.x
    return fitted


def fit_realizer(events: NoteEvents, *, l2: float = L2_PENALTY) -> LearnedRealizer | None:
    """Fit the realizer on the notes of `events` in two stages (module doc); None when no
    note has a known pitch and more than one candidate."""
    table = realizer_table(events)
    several = table.counts > 1
    if not several.any():
        return None
    size = N_ONE_HOT + DENSE[1]
    window = np.zeros(size, dtype=bool)
    window[window_slice()] = True
    params = _minimise(table, np.zeros(size), ~window, l2)
    params = _minimise(table, params, window, l2)
    realizer = LearnedRealizer(params[:N_ONE_HOT], params[N_ONE_HOT:])
    stage_one = params.copy()
    stage_one[window] = 0.0
    stats = {
        "notes": len(table),
        "skipped_notes": table.skipped,
        **realizer_scores(table, realizer, prefix="train_"),
        "train_nll_without_window": round(
            float(table_nll(table, stage_one[:N_ONE_HOT], stage_one[N_ONE_HOT:])[0].mean()), 4
        ),
        "l2": l2,
    }
    return LearnedRealizer(realizer.weights, realizer.register, stats)


def realizer_scores(
    table: RealizerTable, realizer: LearnedRealizer, *, prefix: str = ""
) -> dict[str, float]:
    """Mean -log P(played pitch) per note, nats, under `realizer` and the uniform draw."""
    if not len(table):
        return {f"{prefix}nll": math.nan, f"{prefix}uniform_nll": math.nan}
    nll, _ = table_nll(table, realizer.weights, realizer.register)
    return {
        f"{prefix}nll": round(float(nll.mean()), 4),
        f"{prefix}uniform_nll": round(float(np.log(table.counts).mean()), 4),
    }


# --- the bundle file ---------------------------------------------------------------------------


def save_realizer(realizer: LearnedRealizer, directory: str | Path) -> Path:
    """Write `realizer.json` into `directory` (atomically: `io.outputs.write_json_atomic`)."""
    return write_json_atomic(Path(directory) / REALIZER_FILE, realizer.to_dict())


def load_realizer(directory: str | Path) -> LearnedRealizer | None:
    """The bundle's `realizer.json` (None when it has none: a uniform realizer); BundleError
    with one line when the file is unreadable or malformed."""
    path = Path(directory) / REALIZER_FILE
    if not path.is_file():
        return None
    data = read_bundle_json(path)
    return LearnedRealizer.from_dict(data, str(path))
