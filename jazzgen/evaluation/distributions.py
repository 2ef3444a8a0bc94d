"""Feature histograms compared as distributions between a generated and a reference set.

Per piece, four histograms of counts (`HISTOGRAMS`, from `piece_histograms`):

- `onset_position`: onsets per grid position in the beat (a quarter note), 12 bins: 0,
  1/12, ..., 11/12 of the beat;
- `interval`: semitones between consecutive notes, 49 bins -24..24 (larger intervals are
  counted at -24 or 24);
- `ioi`: inter-onset intervals in grid steps of 1/12 quarter, 49 bins: 1..48 steps (up to
  a 4/4 bar), then one bin for longer ones (onsets on the same step are not counted);
- `articulation`: sounding length / inter-onset interval within phrases
  (`evaluation.rhythm`), 10 bins of 0.1 (1.0 falls in the last).

A set's distribution is the sum of its pieces' counts (so each note weighs the same),
normalised. `compare_histograms` gives the Jensen-Shannon divergence (base 2: 0 = same,
1 = disjoint) and the overlap sum(min(p, q)) (1 = same, 0 = disjoint: the histogram form
of Yang & Lerch's overlapping area), and, as the divergence's noise floor, the same JS
between two random halves of the reference pieces (seeded): by that feature, a generated
set is as close to the reference as the reference is to itself when its JS is near the
floor (the halves are smaller than the whole, so the floor errs on the high side).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from jazzgen.evaluation.metrics import MelodyArrays, NoteFeatures

MAX_INTERVAL = 24  # semitones; larger intervals are counted at +-24
MAX_IOI_STEPS = 48  # a 4/4 bar on the 1/12-quarter grid; longer IOIs share one bin
ARTICULATION_BINS = 10


def _position_labels() -> list[str]:
    return ["0"] + [str(Fraction(k, 12)) for k in range(1, 12)]


HISTOGRAMS: dict[str, tuple[str, list[str]]] = {
    "onset_position": ("onset position in the beat (of a quarter)", _position_labels()),
    "interval": (
        "interval between consecutive notes (semitones)",
        [str(k) for k in range(-MAX_INTERVAL, MAX_INTERVAL + 1)],
    ),
    "ioi": (
        "inter-onset interval (1/12 quarter steps)",
        [str(k) for k in range(1, MAX_IOI_STEPS + 1)] + [f">{MAX_IOI_STEPS}"],
    ),
    "articulation": (
        "sounding length / inter-onset interval within phrases",
        [f"{k / 10:.1f}-{(k + 1) / 10:.1f}" for k in range(ARTICULATION_BINS)],
    ),
}
"""name -> (description, bin labels)."""


def interval_histogram(pitches: np.ndarray) -> np.ndarray:
    """(49,) counts of consecutive intervals -24..24 (clipped)."""
    intervals = np.clip(np.diff(np.asarray(pitches, dtype=int)), -MAX_INTERVAL, MAX_INTERVAL)
    return np.bincount(intervals + MAX_INTERVAL, minlength=2 * MAX_INTERVAL + 1)


def ioi_histogram(onset_steps: np.ndarray) -> np.ndarray:
    """(49,) counts of inter-onset intervals of sorted onsets (grid steps): 1..48, > 48."""
    ioi = np.diff(np.asarray(onset_steps, dtype=np.int64))
    ioi = np.minimum(ioi[ioi > 0], MAX_IOI_STEPS + 1)
    return np.bincount(ioi - 1, minlength=MAX_IOI_STEPS + 1)


def position_histogram(positions: np.ndarray) -> np.ndarray:
    """(12,) counts of onsets per grid position 0..11 in the beat."""
    return np.bincount(np.asarray(positions, dtype=int), minlength=12)


def articulation_histogram(ratios: np.ndarray) -> np.ndarray:
    """(10,) counts of articulation ratios in [0, 1] (NaN skipped) in bins of 0.1."""
    ratios = np.asarray(ratios, dtype=float)
    ratios = ratios[np.isfinite(ratios)]
    bins = np.minimum((ratios * ARTICULATION_BINS).astype(int), ARTICULATION_BINS - 1)
    return np.bincount(bins, minlength=ARTICULATION_BINS)


def piece_histograms(m: MelodyArrays, notes: NoteFeatures) -> dict[str, np.ndarray]:
    """Every histogram in `HISTOGRAMS` for one measured piece (counts)."""
    return {
        "onset_position": position_histogram(m.position),
        "interval": interval_histogram(m.pitches),
        "ioi": ioi_histogram(m.onset_step),
        "articulation": articulation_histogram(notes.articulation),
    }


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence (bits, 0..1) of two histograms (normalised here); NaN
    when either is empty."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.sum() <= 0 or q.sum() <= 0:
        return math.nan
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        nonzero = a > 0
        return float(np.sum(a[nonzero] * np.log2(a[nonzero] / m[nonzero])))

    return min(max((kl(p) + kl(q)) / 2, 0.0), 1.0)


def histogram_overlap(p: np.ndarray, q: np.ndarray) -> float:
    """sum(min(p, q)) of two normalised histograms (1 = same); NaN when either is empty."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.sum() <= 0 or q.sum() <= 0:
        return math.nan
    return float(np.minimum(p / p.sum(), q / q.sum()).sum())


def shares(counts: np.ndarray) -> list[float]:
    """Counts as shares of their total (NaN each when the total is 0)."""
    total = counts.sum()
    return (counts / total).tolist() if total > 0 else [math.nan] * counts.size


def reference_split_js(pieces: Sequence[np.ndarray], rng: np.random.Generator) -> float:
    """JS divergence between the pooled counts of two random halves of `pieces` (NaN with
    fewer than two pieces)."""
    if len(pieces) < 2:
        return math.nan
    order = rng.permutation(len(pieces))
    half = len(pieces) // 2
    first = np.sum([pieces[i] for i in order[:half]], axis=0)
    second = np.sum([pieces[i] for i in order[half:]], axis=0)
    return js_divergence(first, second)


def compare_histograms(
    generated: Sequence[np.ndarray], reference: Sequence[np.ndarray], *, seed: int = 0
) -> dict[str, Any]:
    """One histogram feature of two sets of pieces (lists of per-piece counts): `{"js",
    "overlap", "js_reference_split", "generated": shares, "reference": shares}`."""
    gen = np.sum(generated, axis=0) if len(generated) else np.zeros(0)
    ref = np.sum(reference, axis=0) if len(reference) else np.zeros(0)
    if not gen.size or not ref.size:
        return {"js": math.nan, "overlap": math.nan, "js_reference_split": math.nan,
                "generated": [], "reference": []}  # fmt: skip
    return {
        "js": js_divergence(gen, ref),
        "overlap": histogram_overlap(gen, ref),
        "js_reference_split": reference_split_js(reference, np.random.default_rng(seed)),
        "generated": shares(gen),
        "reference": shares(ref),
    }
