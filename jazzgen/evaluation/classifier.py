"""Classifier two-sample test: can a random forest tell generated segments from reference ones?

Every piece is cut into consecutive segments of `SEGMENT_BARS` bars (a last, shorter one
and segments without notes are dropped); each segment becomes a vector of
`SEGMENT_FEATURES` (`segment_features`). A random forest (scikit-learn) is trained and
tested with cross-validation **by piece** (`StratifiedGroupKFold`: no piece has segments in
both the training and the test folds, class shares kept alike across folds), on balanced
classes (the larger set's segments are subsampled, seeded, to the smaller's count, at
most `MAX_SEGMENTS_PER_CLASS` each). The
score is the balanced accuracy on the test folds (the mean of the two classes' recalls):
0.5 means the forest cannot tell them apart, 1.0 that every segment gives itself away.
It is reported with its spread over the folds and the features the forest leaned on most
(mean impurity importance).

The same test runs once more without the articulation features (`ARTICULATION_FEATURES`):
what the notes are and when they start, apart from how long they sound.

The sanity baseline runs the same test on the reference set against itself: its pieces
split at random (seeded) into two halves. It should land near 0.5 (up to ~0.6 when a few
pieces differ a lot; with a few dozen segments cross-validation scatters it, below 0.5
too); a generated set is as convincing as this test can see when its accuracy is near the
baseline's. On 397 WJazzD solos: 0.50 +- 0.03.

Lopez-Paz & Oquab (2017), "Revisiting Classifier Two-Sample Tests", ICLR.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from jazzgen.evaluation.metrics import SEGMENT_BARS, PieceAnalysis
from jazzgen.evaluation.rhythm import BEAT_STEPS, MIN_REST_BEATS, STACCATO_RATIO

FOLDS = 5
TREES = 100
MAX_SEGMENTS_PER_CLASS = 1000  # subsample beyond this (seeded): keeps the test fast
MISSING = -999.0  # stands for an undefined feature (no interval, no on-beat note...)
TOP_FEATURES = 5

SEGMENT_FEATURES: tuple[str, ...] = (
    "notes_per_bar",
    "mean_abs_interval",
    "interval_sd",
    "mean_interval",
    "repeat_share",
    "step_share",  # 1-2 semitones
    "skip_share",  # 3-4 semitones
    "leap_share",  # 5 or more
    "direction_changes",  # share of consecutive moves that turn around (contour)
    "pitch_mean",
    "pitch_sd",
    "pitch_range",
    *(f"position_{k}" for k in range(BEAT_STEPS)),  # onset shares per position in the beat
    "ioi_mean",
    "ioi_sd",
    "chord_tone_on_beat",  # chord-tone share of onsets on a beat
    "chord_tone_off_beat",  # ... and of the others
    "scale_tone_share",
    "rests_per_bar",
    "rest_beats",
    "articulation",
    "staccato_share",
    "off_grid_share",
    "syncopation",
)


ARTICULATION_FEATURES = ("articulation", "staccato_share")
"""How the notes are played rather than which notes and when: `jazzgen generate` writes
every note legato, so these alone can give its solos away; the report also runs the test
without them."""


def _mean(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if flags.size else math.nan


def _interval_features(pitches: np.ndarray) -> list[float]:
    """mean |interval|, sd, mean (signed), repeat/step/skip/leap shares, direction changes."""
    iv = np.diff(pitches)
    moves = np.sign(iv[iv != 0])
    turns = _share(moves[1:] != moves[:-1]) if moves.size >= 2 else math.nan
    if not iv.size:
        return [math.nan] * 7 + [turns]
    size = np.abs(iv)
    return [
        float(size.mean()),
        float(iv.std()),
        float(iv.mean()),
        _share(size == 0),
        _share((size >= 1) & (size <= 2)),
        _share((size >= 3) & (size <= 4)),
        _share(size >= 5),
        turns,
    ]


def _one_segment(piece: PieceAnalysis, notes: np.ndarray, n_bars: int) -> list[float]:
    """The `SEGMENT_FEATURES` of the notes `notes` (indices, in order) of a piece."""
    m, nf = piece.arrays, piece.notes
    pitches = m.pitches[notes]
    on_beat = m.position[notes] == 0
    chord_tone = nf.chord_tone[notes]
    silence = nf.silence_after[notes]
    rests = silence[np.isfinite(silence) & (silence >= MIN_REST_BEATS)]
    articulation = nf.articulation[notes]
    articulated = articulation[np.isfinite(articulation)]
    ioi = np.diff(m.starts_beat[notes])
    return [
        notes.size / n_bars,
        *_interval_features(pitches),
        float(pitches.mean()),
        float(pitches.std()),
        float(pitches.max() - pitches.min()),
        *(np.bincount(m.position[notes], minlength=BEAT_STEPS) / notes.size).tolist(),
        float(ioi.mean()) if ioi.size else math.nan,
        float(ioi.std()) if ioi.size else math.nan,
        _share(chord_tone[on_beat]),
        _share(chord_tone[~on_beat]),
        _share(nf.scale_tone[notes]),
        rests.size / n_bars,
        float(rests.mean()) if rests.size else 0.0,
        float(articulated.mean()) if articulated.size else math.nan,
        _share(articulated < STACCATO_RATIO),
        _share(nf.off_grid[notes]),
        _mean(nf.syncopation[notes]),
    ]


def segment_features(piece: PieceAnalysis, bars_per_segment: int = SEGMENT_BARS) -> np.ndarray:
    """(segments, len(SEGMENT_FEATURES)) float: one row per full segment with notes (NaN
    where a feature is undefined)."""
    m = piece.arrays
    rows = []
    segment = m.bar_index // bars_per_segment
    bounds = np.searchsorted(segment, np.arange(m.n_bars // bars_per_segment + 1))
    for k in range(m.n_bars // bars_per_segment):
        notes = np.arange(bounds[k], bounds[k + 1])
        if notes.size:
            rows.append(_one_segment(piece, notes, bars_per_segment))
    return np.array(rows, dtype=float).reshape(len(rows), len(SEGMENT_FEATURES))


def _balanced(
    a: np.ndarray, groups_a: np.ndarray, b: np.ndarray, groups_b: np.ndarray, rng, limit: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X, y (0 = a, 1 = b) and groups with the same number of rows of each class."""
    n = min(len(a), len(b), limit)
    pick_a = np.sort(rng.choice(len(a), size=n, replace=False))
    pick_b = np.sort(rng.choice(len(b), size=n, replace=False))
    x = np.vstack([a[pick_a], b[pick_b]])
    y = np.concatenate([np.zeros(n, int), np.ones(n, int)])
    # group ids of the two sets must not collide: b's are shifted past a's
    groups = np.concatenate([groups_a[pick_a], groups_b[pick_b] + groups_a.max() + 1])
    return np.nan_to_num(x, nan=MISSING), y, groups


def two_sample_test(
    a: np.ndarray,
    groups_a: Sequence[int] | np.ndarray,
    b: np.ndarray,
    groups_b: Sequence[int] | np.ndarray,
    *,
    seed: int = 0,
    folds: int = FOLDS,
    trees: int = TREES,
    max_per_class: int = MAX_SEGMENTS_PER_CLASS,
    feature_names: Sequence[str] = SEGMENT_FEATURES,
) -> dict[str, Any]:
    """Balanced accuracy of a random forest telling rows of `a` from rows of `b` (module
    doc), cross-validated by group (`groups_*`: the piece of each row, ids >= 0).

    Returns `{"accuracy", "accuracy_sd", "folds": [per-fold balanced accuracy],
    "n_per_class", "n_splits", "pieces": [a's, b's pieces among the rows used],
    "top_features": [{"name", "importance"}], "reason"}`; accuracy NaN and a `reason` when
    a set has fewer than two pieces.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedGroupKFold

    a, b = np.asarray(a, float), np.asarray(b, float)
    groups_a, groups_b = np.asarray(groups_a, int), np.asarray(groups_b, int)
    result: dict[str, Any] = {"accuracy": math.nan, "accuracy_sd": math.nan, "folds": [],
                              "n_per_class": 0, "n_splits": 0, "pieces": [0, 0],
                              "top_features": [], "reason": ""}  # fmt: skip
    if len(a) and len(b):
        x, y, groups = _balanced(
            a, groups_a, b, groups_b, np.random.default_rng(seed), max_per_class
        )
        # the pieces left after subsampling: every fold needs some of each set
        result["pieces"] = [len(np.unique(groups[y == k])) for k in (0, 1)]
    n_splits = min(folds, *result["pieces"])
    if n_splits < 2:
        result["reason"] = (
            f"needs at least 2 pieces with a full segment per set, got {result['pieces']}"
        )
        return result
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    scores, importances = [], np.zeros(x.shape[1])
    for train, test in splitter.split(x, y, groups):
        forest = RandomForestClassifier(n_estimators=trees, random_state=seed, n_jobs=2)
        forest.fit(x[train], y[train])
        scores.append(float(balanced_accuracy_score(y[test], forest.predict(x[test]))))
        importances += forest.feature_importances_ / n_splits
    order = np.argsort(importances)[::-1][:TOP_FEATURES]
    result.update(
        accuracy=float(np.mean(scores)),
        accuracy_sd=float(np.std(scores)),
        folds=scores,
        n_per_class=int(len(y) // 2),
        n_splits=n_splits,
        top_features=[
            {"name": feature_names[i], "importance": float(importances[i])} for i in order
        ],
    )
    return result


def _stack(pieces: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of every piece's segment features and the piece number of each row."""
    rows = [f for f in pieces if len(f)]
    if not rows:
        return np.zeros((0, len(SEGMENT_FEATURES))), np.zeros(0, int)
    groups = np.concatenate([np.full(len(f), i) for i, f in enumerate(pieces) if len(f)])
    return np.vstack(rows), groups


def classifier_report(
    generated: Sequence[np.ndarray], reference: Sequence[np.ndarray], *, seed: int = 0
) -> dict[str, Any]:
    """The two-sample test of generated vs reference segments, the same without the
    articulation features, and the baseline of the reference against itself (its pieces
    split in two at random, seeded).

    `generated`/`reference`: per piece, its `segment_features`. Returns
    `{"generated_vs_reference": two_sample_test result, "without_articulation": the same
    test on every feature but `ARTICULATION_FEATURES`, "reference_split": the baseline,
    "segment_bars"}`.
    """
    gen_x, gen_groups = _stack(generated)
    ref_x, ref_groups = _stack(reference)
    keep = [i for i, name in enumerate(SEGMENT_FEATURES) if name not in ARTICULATION_FEATURES]
    order = np.random.default_rng(seed).permutation(len(reference))
    half = set(order[: len(reference) // 2].tolist())
    first = [f for i, f in enumerate(reference) if i in half]
    second = [f for i, f in enumerate(reference) if i not in half]
    return {
        "generated_vs_reference": two_sample_test(gen_x, gen_groups, ref_x, ref_groups, seed=seed),
        "without_articulation": two_sample_test(
            gen_x[:, keep],
            gen_groups,
            ref_x[:, keep],
            ref_groups,
            seed=seed,
            feature_names=[SEGMENT_FEATURES[i] for i in keep],
        ),
        "reference_split": two_sample_test(*_stack(first), *_stack(second), seed=seed),
        "segment_bars": SEGMENT_BARS,
    }
