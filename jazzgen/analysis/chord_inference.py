"""Chord inference: the chord of every span from the notes that sound in it.

Pitch-class template matching (every `ChordQuality` that the templates know x 12 roots),
weighted by the bass note at the span start (`BassWeights`), with a cost for changing the
chord inside a bar, solved for the best chord sequence by dynamic programming (`_viterbi`).
`match_chords` is the entry point; `span_histograms` turns notes into its inputs and
`fill_chord_gaps` gives spans without notes the chord before them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jazzgen.core.constants import EPS
from jazzgen.core.harmony import Chord, ChordQuality
from jazzgen.core.types import Note

# The qualities inference can find, in this order (ties go to the earlier one). Exactly the
# original 14: the altered qualities (7b9, 7alt, maj7#11...) come from chord symbols only;
# templates for them would change what the corpus' MIDI files are read as.
INFERABLE_QUALITIES = (
    ChordQuality.MAJOR,
    ChordQuality.MINOR,
    ChordQuality.DOMINANT7,
    ChordQuality.MAJOR7,
    ChordQuality.MINOR7,
    ChordQuality.HALF_DIMINISHED,
    ChordQuality.DIMINISHED7,
    ChordQuality.DIMINISHED,
    ChordQuality.AUGMENTED,
    ChordQuality.SUS4,
    ChordQuality.DOMINANT7_SUS4,
    ChordQuality.MAJOR6,
    ChordQuality.MINOR6,
    ChordQuality.MINOR_MAJOR7,
)

# Templates: inferable qualities x 12 roots. Row r*Q + q = root r, quality q.
_QUALITIES = INFERABLE_QUALITIES


# A small prior so that, for equal pitch content, the common jazz reading wins
# (Dm7 over F6, C7 over the rarer qualities). Values are fractions of the fit score.
_PRIOR = {
    ChordQuality.DOMINANT7: 0.03,
    ChordQuality.MINOR7: 0.03,
    ChordQuality.MAJOR7: 0.03,
    ChordQuality.MAJOR: 0.02,
    ChordQuality.MINOR: 0.02,
    ChordQuality.HALF_DIMINISHED: 0.01,
}


def _templates() -> tuple[np.ndarray, np.ndarray, list[Chord]]:
    rows, prior, chords = [], [], []
    for root in range(12):
        for quality in _QUALITIES:
            row = np.full(12, -0.3)  # tones outside the chord count against it
            for interval in quality.intervals:
                row[(root + interval) % 12] = 1.0
            rows.append(row / np.sqrt(len(quality.intervals)))
            prior.append(_PRIOR.get(quality, 0.0))
            chords.append(Chord(root, quality))
    return np.array(rows), np.array(prior), chords


_TEMPLATES, _TEMPLATE_PRIOR, _TEMPLATE_CHORDS = _templates()


_TEMPLATE_ROOTS = np.array([c.root for c in _TEMPLATE_CHORDS])


# (n_templates, 12): True where the pitch class is a chord tone of the template
_TEMPLATE_TONES = np.array(
    [[pc in c.pitch_classes for pc in range(12)] for c in _TEMPLATE_CHORDS], dtype=bool
)


@dataclass(frozen=True)
class BassWeights:
    """How much the bass (lowest sounding note) says about the chord, and what a chord
    change costs. Fit scores of the pitch-class histogram are on a 0..1 scale (1 = exactly
    the template's tones), so these are fractions of a perfect fit.

    Jazz accompaniment often leaves the root out of the voicing (rootless voicings: Cmaj7
    voiced E G B D is Em7 by its pitch classes) and gives it to the bass on the chord's
    first beat; a walking bass plays chord tones on strong beats, passing and approach
    tones in between, and not always the root on beat 3. Hence the bass note at a span's
    start counts `tone` for every chord that contains it and against every chord that does
    not, and `root` for the chords it is the root of (`root` x `root_in_bar` for a span
    inside a bar). Changing chord costs `change_at_bar` at a bar line and, inside a bar,
    from `change_in_bar_new` (the span sounds new pitch classes) up to `change_in_bar`
    (the upper voices repeat the previous span's pitch classes; see SIMILARITY_POWER), so
    a bass tone alone under an unchanged voicing does not change the chord. The best chord
    sequence under these scores is found by dynamic programming (Viterbi) over the spans.
    Measured with scripts/bench_chords.py (generated trio and chords-only files, and the
    corpus' block chords against its ABC chord symbols).
    """

    root: float = 0.3
    root_in_bar: float = 0.5
    tone: float = 0.3
    change_in_bar: float = 0.9
    change_in_bar_new: float = 0.2
    change_at_bar: float = 0.05


ACCOMPANIMENT_BASS = BassWeights()


NO_BASS = BassWeights(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)  # best fit per span (melody inference)


SIMILARITY_POWER = 8  # only (nearly) the same pitch classes again make a change expensive


BASS_LINE_WEIGHT = 0.25  # weight of a bass track's notes in the pitch-class histograms


BASS_ONSET_TOLERANCE = 0.25  # quarter notes: a bass note starting this late still counts


FALLBACK_BASS_WEIGHT = 0.5  # bass evidence without a note at the span start counts half


def span_histograms(
    notes: Sequence[Note], bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per span: `(n_spans, 12)` duration-weighted pitch-class histograms, `(n_spans,)` bass
    pitch (128 = none) and `(n_spans,)` bass weight (0, `FALLBACK_BASS_WEIGHT` or 1).

    `bounds` are the span boundaries (n_spans + 1,). The bass of a span is the lowest note
    sounding at its start (onsets up to `BASS_ONSET_TOLERANCE` late count; weight 1), else
    the lowest note sounding for at least a quarter of the span (weight 0.5).
    """
    n_spans = len(bounds) - 1
    hist = np.zeros((n_spans, 12))
    bass = np.full(max(n_spans, 0), 128)
    weight = np.zeros(max(n_spans, 0))
    if not notes or n_spans <= 0:
        return hist, bass, weight
    starts = np.fromiter((n.start_beat for n in notes), float, len(notes))
    ends = np.fromiter((n.end_beat for n in notes), float, len(notes))
    pitches = np.fromiter((n.pitch for n in notes), int, len(notes))
    first = np.searchsorted(bounds, starts, side="right") - 1
    last = np.searchsorted(bounds, ends, side="left") - 1
    first = np.clip(first, 0, n_spans - 1)
    last = np.clip(last, 0, n_spans - 1)
    inside = (ends > bounds[0]) & (starts < bounds[-1]) & (last >= first)
    first, last, starts, ends, pitches = (a[inside] for a in (first, last, starts, ends, pitches))
    if len(first) == 0:
        return hist, bass, weight
    counts = last - first + 1
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    span = np.repeat(first, counts) + (np.arange(counts.sum()) - offsets)
    s = np.repeat(starts, counts)
    e = np.repeat(ends, counts)
    p = np.repeat(pitches, counts)
    overlap = np.minimum(e, bounds[span + 1]) - np.maximum(s, bounds[span])
    keep = overlap > EPS
    span, s, e, p, overlap = span[keep], s[keep], e[keep], p[keep], overlap[keep]
    np.add.at(hist, (span, p % 12), overlap)
    span_len = bounds[1:] - bounds[:-1]
    lowest = np.full(n_spans, 128)
    long_enough = overlap >= 0.25 * span_len[span]
    np.minimum.at(lowest, span[long_enough], p[long_enough])
    probe = bounds[span] + np.minimum(BASS_ONSET_TOLERANCE, 0.25 * span_len[span])
    at_start = (s <= probe) & (e > probe)
    np.minimum.at(bass, span[at_start], p[at_start])
    weight[bass < 128] = 1.0
    fallback = (bass == 128) & (lowest < 128)
    bass[fallback] = lowest[fallback]
    weight[fallback] = FALLBACK_BASS_WEIGHT
    return hist, bass, weight


def match_chords(
    hist: np.ndarray,
    bass: np.ndarray,
    bass_weight: np.ndarray | None = None,
    *,
    weights: BassWeights = ACCOMPANIMENT_BASS,
    bar_start: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> list[Chord | None]:
    """The chord of every span (row of `hist`), None for a span without notes.

    `hist` `(n_spans, 12)`: duration-weighted pitch classes; `bass` `(n_spans,)`: the bass
    pitch per span (128 = none) and `bass_weight` `(n_spans,)` its weight 0..1 (default 1
    where there is a bass); `bar_start` `(n_spans,)` bool: the span starts a bar (default
    all). Fit = cosine-like score of the normalised histogram against each template (chord
    tones +1, other tones -0.3, scaled by 1/sqrt(size)) plus a small prior for common jazz
    qualities, plus the bass terms of `weights` (see `BassWeights`); the chord sequence with
    the best total is returned. With `NO_BASS` every span gets its own best fit.
    """
    n_spans = len(hist)
    norms = np.linalg.norm(hist, axis=1)
    result: list[Chord | None] = [None] * n_spans
    nonempty = np.flatnonzero(norms > EPS)
    if len(nonempty) == 0:
        return result
    h = hist[nonempty] / norms[nonempty, None]
    emission = h @ _TEMPLATES.T + _TEMPLATE_PRIOR
    bass_pc = np.asarray(bass)[nonempty]
    has_bass = bass_pc < 128
    w = np.where(has_bass, 1.0, 0.0)
    if bass_weight is not None:
        w = w * np.asarray(bass_weight, float)[nonempty]
    pcs = np.where(has_bass, bass_pc % 12, 0)
    in_chord = _TEMPLATE_TONES[:, pcs].T  # (spans, templates)
    emission += (weights.tone * w)[:, None] * np.where(in_chord, 1.0, -1.0)
    flags = np.ones(n_spans, bool) if bar_start is None else np.asarray(bar_start, bool)
    root_w = weights.root * w * np.where(flags[nonempty], 1.0, weights.root_in_bar)
    emission += root_w[:, None] * (_TEMPLATE_ROOTS[None, :] == pcs[:, None])
    # a change counts as "at a bar line" when a bar starts at or after the last non-empty
    # span (empty spans in between inherit the chord)
    since = np.maximum.accumulate(np.where(flags, np.arange(n_spans), -1))
    starts_bar = since[nonempty] > np.concatenate(([-1], nonempty[:-1]))
    # inside a bar, a change costs more the more the span sounds like the one before
    in_bar = (
        weights.change_in_bar_new
        + (weights.change_in_bar - weights.change_in_bar_new)
        * _similarity(hist if upper is None else upper, nonempty) ** SIMILARITY_POWER
    )
    penalty = np.where(starts_bar, weights.change_at_bar, in_bar)
    if weights.change_in_bar == weights.change_in_bar_new == weights.change_at_bar == 0:
        best = emission.argmax(axis=1)
    else:
        best = _viterbi(emission, penalty)
    for row, index in zip(nonempty, best, strict=True):
        result[row] = _TEMPLATE_CHORDS[index]
    return result


def _similarity(upper: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`(len(rows),)` cosine similarity of each row of `upper` to the previous one in
    `rows`: 1 when the row has no notes (nothing new sounds), 0 for the first row."""
    norms = np.linalg.norm(upper[rows], axis=1)
    u = upper[rows] / np.maximum(norms, EPS)[:, None]
    sim = np.concatenate(([0.0], np.einsum("ij,ij->i", u[1:], u[:-1])))
    sim[norms <= EPS] = 1.0
    return np.clip(sim, 0.0, 1.0)


def _viterbi(emission: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """Best state path: the sum of `emission[k, state]` minus `penalty[k]` at every change
    of state into span k. Shapes `(n, n_states)` and `(n,)`; returns the `(n,)` state
    indices (ties keep the state). O(n x n_states)."""
    n, n_states = emission.shape
    states = np.arange(n_states)
    value = emission[0].copy()
    back = np.empty((n, n_states), dtype=np.intp)
    back[0] = states
    for k in range(1, n):
        best = int(value.argmax())
        change = value[best] - penalty[k]
        take = change > value  # the best state itself never "changes"
        back[k] = np.where(take, best, states)
        value = np.where(take, change, value) + emission[k]
    path = np.empty(n, dtype=np.intp)
    path[-1] = int(value.argmax())
    for k in range(n - 1, 0, -1):
        path[k - 1] = back[k, path[k]]
    return path


def fill_chord_gaps(chords: list[Chord | None]) -> list[Chord] | None:
    """Empty spans inherit the previous chord (leading empty spans take the first one)."""
    first = next((c for c in chords if c is not None), None)
    if first is None:
        return None
    filled, current = [], first
    for chord in chords:
        current = chord if chord is not None else current
        filled.append(current)
    return filled
