"""Per-piece melody metrics: pure functions of notes and arrays, no file I/O.

Per piece (the melody of the lead sheet that `analysis.leadsheet.extract_leadsheet` cuts):

- MusPy definitions (Dong et al. 2020; same formulas, on the melody track only):
  `pitch_range`, `n_pitches_used`, `n_pitch_classes_used`, `pitch_entropy`,
  `pitch_class_entropy` (bits), `scale_consistency` (best of 12 major + 12 natural-minor
  scales), `empty_beat_rate` (a beat is occupied from the onset's beat up to and including
  the beat holding the note end, MusPy's convention), `groove_consistency` (1 - mean Hamming
  distance between adjacent bars' onset grids, divided by the grid size).
- Jazz Transformer (Wu & Yang 2020): `h1`, `h4` = pitch-class histogram entropy over
  windows of 1 and 4 bars (hop one bar, empty windows skipped, averaged); `gs` = grooving
  pattern similarity, the mean of 1 - XOR/Q over all pairs of bars (Q = grid steps per bar).
- Melodic/harmonic: `mean_abs_interval` (semitones), `mean_ioi_beats` (inter-onset
  interval, quarter notes), `notes_per_bar`, `chord_tone_ratio` (share of notes whose pitch
  class is a tone of the chord sounding at the onset), `strong_beat_chord_tone_ratio` (the
  same for notes on strong beats: beats 1 and 3 in 4/4, the downbeat and half bar in even
  meters, the downbeat otherwise), `repeated_pitch_rate` (share of consecutive note pairs
  with the same pitch), `leap_rate` (share of intervals larger than an octave).

Onset grids use the grammar's 1/12-quarter grid (48 steps per 4/4 bar, so Q = 48 where the
Jazz Transformer's REMI grid had 64).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER, ROUNDING_EPS
from jazzgen.core.harmony import chord_pitch_classes
from jazzgen.core.timeline import Timeline
from jazzgen.core.types import LeadSheet

SEGMENT_BARS = 4  # samples for the set comparison when a set has a single piece


LEAP_SEMITONES = 12  # "large leap": more than an octave


FEATURES: dict[str, str] = {
    "pitch_range": "highest - lowest pitch (semitones)",
    "n_pitches_used": "distinct MIDI pitches",
    "n_pitch_classes_used": "distinct pitch classes",
    "pitch_entropy": "entropy of the pitch histogram (bits)",
    "pitch_class_entropy": "entropy of the pitch-class histogram (bits)",
    "h1": "pitch-class entropy over 1-bar windows (bits)",
    "h4": "pitch-class entropy over 4-bar windows (bits)",
    "scale_consistency": "share of notes in the best major/minor scale",
    "mean_abs_interval": "mean |interval| between consecutive notes (semitones)",
    "leap_rate": "share of intervals larger than an octave",
    "repeated_pitch_rate": "share of consecutive notes with the same pitch",
    "mean_ioi_beats": "mean inter-onset interval (quarter notes)",
    "notes_per_bar": "note density",
    "empty_beat_rate": "share of beats without a sounding note",
    "groove_consistency": "1 - Hamming distance of adjacent bars' onsets",
    "gs": "grooving-pattern similarity over all bar pairs",
    "chord_tone_ratio": "share of notes that are chord tones",
    "strong_beat_chord_tone_ratio": "share of strong-beat notes that are chord tones",
}


_MAJOR = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], dtype=bool)


_MINOR = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0], dtype=bool)  # natural minor


SCALE_MASKS = np.array([np.roll(m, root) for m in (_MAJOR, _MINOR) for root in range(12)])
"""(24, 12) bool: 12 major then 12 natural-minor scales, row `root` (+12 for minor)."""


def _ints(values: Iterable[int] | np.ndarray) -> np.ndarray:
    return np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=int)


def histogram_entropy(counts: np.ndarray) -> float:
    """Shannon entropy (bits) of a histogram of counts; NaN for an empty histogram."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    if total <= 0:
        return math.nan
    prob = counts[counts > 0] / total
    return float(-(prob * np.log2(prob)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


def pitch_range(pitches: Sequence[int] | np.ndarray) -> int:
    """Highest minus lowest pitch; 0 without notes (as MusPy)."""
    p = _ints(pitches)
    return int(p.max() - p.min()) if p.size else 0


def n_pitches_used(pitches: Sequence[int] | np.ndarray) -> int:
    return len(np.unique(_ints(pitches)))


def n_pitch_classes_used(pitches: Sequence[int] | np.ndarray) -> int:
    return len(np.unique(_ints(pitches) % 12))


def pitch_entropy(pitches: Sequence[int] | np.ndarray) -> float:
    """Entropy (bits) of the 128-bin pitch histogram; NaN without notes."""
    return histogram_entropy(np.bincount(_ints(pitches), minlength=128))


def pitch_class_entropy(pitches: Sequence[int] | np.ndarray) -> float:
    """Entropy (bits) of the 12-bin pitch-class histogram; NaN without notes."""
    return histogram_entropy(np.bincount(_ints(pitches) % 12, minlength=12))


def scale_consistency(pitches: Sequence[int] | np.ndarray) -> float:
    """Largest share of notes inside one of the 24 major/natural-minor scales; NaN if empty."""
    p = _ints(pitches)
    if not p.size:
        return math.nan
    hist = np.bincount(p % 12, minlength=12)
    return float((SCALE_MASKS @ hist).max() / p.size)


def mean_abs_interval(pitches: Sequence[int] | np.ndarray) -> float:
    """Mean absolute interval between consecutive notes (semitones); NaN with < 2 notes."""
    p = _ints(pitches)
    return float(np.abs(np.diff(p)).mean()) if p.size >= 2 else math.nan


def leap_rate(pitches: Sequence[int] | np.ndarray, semitones: int = LEAP_SEMITONES) -> float:
    """Share of consecutive intervals larger than `semitones`; NaN with < 2 notes."""
    p = _ints(pitches)
    return float((np.abs(np.diff(p)) > semitones).mean()) if p.size >= 2 else math.nan


def repeated_pitch_rate(pitches: Sequence[int] | np.ndarray) -> float:
    """Share of consecutive note pairs that repeat the pitch; NaN with < 2 notes."""
    p = _ints(pitches)
    return float((np.diff(p) == 0).mean()) if p.size >= 2 else math.nan


def mean_ioi(onsets_beat: Sequence[float] | np.ndarray) -> float:
    """Mean inter-onset interval of sorted onsets (quarter notes); NaN with < 2 notes."""
    onsets = np.sort(np.asarray(onsets_beat, dtype=float))
    return float(np.diff(onsets).mean()) if onsets.size >= 2 else math.nan


def empty_beat_rate(
    starts_beat: Sequence[float] | np.ndarray,
    ends_beat: Sequence[float] | np.ndarray,
    n_beats: int | None = None,
) -> float:
    """Share of beats in which no note sounds (MusPy's definition, times in quarter notes).

    A note occupies beats floor(start) .. floor(end) inclusive. The piece has `n_beats`
    beats (default, as MusPy: floor(last note end) + 1). NaN for zero length.
    """
    starts = np.floor(np.asarray(starts_beat, dtype=float) + ROUNDING_EPS).astype(int)
    ends = np.floor(np.asarray(ends_beat, dtype=float) + ROUNDING_EPS).astype(int)
    if n_beats is None:
        n_beats = int(ends.max()) + 1 if ends.size else 0
    if n_beats <= 0:
        return math.nan
    occupied = np.zeros(n_beats + 1, dtype=int)
    np.add.at(occupied, np.clip(starts, 0, n_beats), 1)
    np.add.at(occupied, np.clip(ends + 1, 0, n_beats), -1)
    return float((np.cumsum(occupied)[:n_beats] == 0).mean())


def onset_grid(onset_steps: Sequence[int] | np.ndarray, bar_steps: int, n_bars: int) -> np.ndarray:
    """Binary onset grid `(n_bars, bar_steps)` from onsets in grid steps from the first bar.

    Onsets outside `0 .. n_bars * bar_steps` are ignored.
    """
    if bar_steps <= 0 or n_bars < 0:
        raise ValueError(f"bar_steps must be > 0 and n_bars >= 0, got {bar_steps}, {n_bars}")
    steps = _ints(onset_steps)
    steps = steps[(steps >= 0) & (steps < n_bars * bar_steps)]
    grid = np.zeros((n_bars, bar_steps), dtype=bool)
    grid[steps // bar_steps, steps % bar_steps] = True
    return grid


def groove_consistency(grid: np.ndarray) -> float:
    """1 - mean Hamming distance between adjacent bars of an onset grid / grid size (MusPy).

    `grid` is `(n_bars, steps_per_bar)` bool. NaN with fewer than two bars.
    """
    grid = np.asarray(grid, dtype=bool)
    if grid.shape[0] < 2:
        return math.nan
    hamming = np.count_nonzero(grid[:-1] != grid[1:])
    return float(1 - hamming / (grid.shape[1] * (grid.shape[0] - 1)))


def grooving_similarity(grid: np.ndarray) -> float:
    """GS (Jazz Transformer): mean of 1 - XOR(g_i, g_j)/Q over all pairs of bars i < j.

    `grid` is `(n_bars, Q)` bool. NaN with fewer than two bars.
    """
    grid = np.asarray(grid, dtype=bool)
    n = grid.shape[0]
    if n < 2:
        return math.nan
    g = grid.astype(np.int64)
    on = g.sum(axis=1)
    both = g @ g.T  # onsets shared by bars i and j
    xor = on[:, None] + on[None, :] - 2 * both
    upper = np.triu_indices(n, k=1)
    return float(1 - xor[upper].mean() / grid.shape[1])


def windowed_pitch_class_entropy(
    pitches: Sequence[int] | np.ndarray,
    bar_indices: Sequence[int] | np.ndarray,
    n_bars: int,
    window_bars: int,
) -> float:
    """H_n (Jazz Transformer): mean pitch-class entropy (bits) over `window_bars`-bar windows.

    Windows start at every bar (hop one bar); windows without notes are skipped; a window
    longer than the piece becomes the whole piece. NaN without notes.
    """
    p = _ints(pitches)
    bars = _ints(bar_indices)
    if n_bars <= 0 or not p.size:
        return math.nan
    window = min(window_bars, n_bars)
    # counts[b, pc]: cumulative over bars so each window is a difference of two rows.
    per_bar = np.zeros((n_bars, 12))
    inside = (bars >= 0) & (bars < n_bars)
    np.add.at(per_bar, (bars[inside], p[inside] % 12), 1)
    cumulative = np.vstack([np.zeros(12), np.cumsum(per_bar, axis=0)])
    entropies = []
    for start in range(n_bars - window + 1):
        counts = cumulative[start + window] - cumulative[start]
        if counts.sum() > 0:
            entropies.append(histogram_entropy(counts))
    return float(np.mean(entropies)) if entropies else math.nan


def chord_tone_ratio(
    pitches: Sequence[int] | np.ndarray, chord_pitch_class_sets: Sequence[Iterable[int]]
) -> float:
    """Share of notes whose pitch class is in the matching chord's pitch classes; NaN if empty."""
    p = _ints(pitches)
    if len(chord_pitch_class_sets) != p.size:
        raise ValueError(
            f"need one chord per note: {p.size} notes, {len(chord_pitch_class_sets)} chords"
        )
    if not p.size:
        return math.nan
    hits = sum(
        int(pitch) % 12 in set(pcs) for pitch, pcs in zip(p, chord_pitch_class_sets, strict=True)
    )
    return hits / p.size


@dataclass(frozen=True)
class MelodyArrays:
    """A lead sheet's melody as arrays, times relative to the first bar's start."""

    pitches: np.ndarray  # (n,) int
    starts_beat: np.ndarray  # (n,) float
    ends_beat: np.ndarray  # (n,) float
    bar_index: np.ndarray  # (n,) int, 0-based within the lead sheet
    onset_step_in_bar: np.ndarray  # (n,) int, on the 1/12-quarter grid
    strong: np.ndarray  # (n,) bool, onset on a strong beat
    chord_pcs: tuple[frozenset[int], ...]  # chord sounding at each onset
    n_bars: int
    bar_steps: int  # of the widest bar
    length_beats: float


def strong_steps(bar_steps: int, numerator: int) -> frozenset[int]:
    """Grid steps of the strong beats: the downbeat, plus the half bar in even meters."""
    if numerator % 2 == 0 and bar_steps % 2 == 0:
        return frozenset({0, bar_steps // 2})
    return frozenset({0})


def melody_arrays(sheet: LeadSheet) -> MelodyArrays:
    """Arrays of the melody notes whose onsets fall inside the lead sheet's bars."""
    bars = sheet.bars
    origin = bars[0].start_beat
    bar_at = Timeline.of(bars)
    pitches, starts, ends, indices, steps, strong, chords = [], [], [], [], [], [], []
    for note in sorted(sheet.melody, key=lambda n: (n.start_beat, n.pitch)):
        i = bar_at.index_at(note.start_beat)
        if i < 0 or note.start_beat >= bars[i].end_beat - ROUNDING_EPS:
            continue
        bar = bars[i]
        step = round((note.start_beat - bar.start_beat) * GRID_STEPS_PER_QUARTER)
        pitches.append(note.pitch)
        starts.append(note.start_beat - origin)
        ends.append(note.end_beat - origin)
        indices.append(i)
        steps.append(min(step, bar.steps - 1))
        strong.append(step in strong_steps(bar.steps, bar.time_signature.numerator))
        chords.append(chord_pitch_classes(bar.chord_at(note.start_beat)))
    return MelodyArrays(
        pitches=np.array(pitches, dtype=int),
        starts_beat=np.array(starts, dtype=float),
        ends_beat=np.array(ends, dtype=float),
        bar_index=np.array(indices, dtype=int),
        onset_step_in_bar=np.array(steps, dtype=int),
        strong=np.array(strong, dtype=bool),
        chord_pcs=tuple(chords),
        n_bars=len(bars),
        bar_steps=max(b.steps for b in bars),
        length_beats=bars[-1].end_beat - origin,
    )


def piece_metrics(sheet: LeadSheet) -> dict[str, float]:
    """Every feature in `FEATURES` for one lead sheet (NaN where undefined, e.g. no notes)."""
    m = melody_arrays(sheet)
    p = m.pitches
    grid = np.zeros((m.n_bars, m.bar_steps), dtype=bool)
    grid[m.bar_index, m.onset_step_in_bar] = True
    strong_pcs = [pcs for pcs, s in zip(m.chord_pcs, m.strong, strict=True) if s]
    n_beats = max(math.ceil(m.length_beats - ROUNDING_EPS), 1)
    return {
        "pitch_range": float(pitch_range(p)) if p.size else math.nan,
        "n_pitches_used": float(n_pitches_used(p)),
        "n_pitch_classes_used": float(n_pitch_classes_used(p)),
        "pitch_entropy": pitch_entropy(p),
        "pitch_class_entropy": pitch_class_entropy(p),
        "h1": windowed_pitch_class_entropy(p, m.bar_index, m.n_bars, 1),
        "h4": windowed_pitch_class_entropy(p, m.bar_index, m.n_bars, 4),
        "scale_consistency": scale_consistency(p),
        "mean_abs_interval": mean_abs_interval(p),
        "leap_rate": leap_rate(p),
        "repeated_pitch_rate": repeated_pitch_rate(p),
        "mean_ioi_beats": mean_ioi(m.starts_beat),
        "notes_per_bar": p.size / m.n_bars,
        "empty_beat_rate": empty_beat_rate(m.starts_beat, m.ends_beat, n_beats),
        "groove_consistency": groove_consistency(grid),
        "gs": grooving_similarity(grid),
        "chord_tone_ratio": chord_tone_ratio(p, m.chord_pcs),
        "strong_beat_chord_tone_ratio": chord_tone_ratio(p[m.strong], strong_pcs),
    }


def segment_leadsheet(sheet: LeadSheet, bars_per_segment: int = SEGMENT_BARS) -> list[LeadSheet]:
    """Cut a lead sheet into consecutive `bars_per_segment`-bar lead sheets (the last may be
    shorter). Segments without melody notes are dropped."""
    segments = []
    for first in range(0, len(sheet.bars), bars_per_segment):
        bars = sheet.bars[first : first + bars_per_segment]
        start, end = bars[0].start_beat, bars[-1].end_beat
        notes = tuple(
            n for n in sheet.melody if start - ROUNDING_EPS <= n.start_beat < end - ROUNDING_EPS
        )
        if notes:
            segments.append(replace(sheet, melody=notes, bars=bars, extra={}))
    return segments
