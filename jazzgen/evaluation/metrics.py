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

- Harmonic coherence as MINGUS counts it (Madaghiele, Lisena & Troncy 2021, "MINGUS:
  Melodic Improvisation Neural Generator Using Seq2seq", ISMIR; their
  `eval_funct.HarmonicCoherence`): every note (rests excluded) over the chord of the beat
  holding its onset, here the chord sounding at the onset (the same thing when chords change
  on beats); `chord_tone_ratio` is their chord coherence and `scale_tone_ratio` their scale
  coherence; over a set they pool all notes (`report` gives the pooled figures too). The
  pitch sets differ: ours are `core.harmony`'s chord tones and chord scale (chord-scale
  theory, with the chord tones). MINGUS reads each WJazzD label with music21 after cutting
  it after its 7 (so m7b5 -> m7, 7b9 -> 7, alt -> +7, 6 chords -> triads), adds a major 7th
  to triads, takes as "scale" the chord plus the major scale on its root (music21's
  `add 2..8`: 8-10 pitch classes for minor chords), and compares scale tones as spelled
  names with the melody spelled from MIDI (so Db, Gb, Ab, Bbb in flat chords never
  match). On this project's 408-solo copy of WJazzD, their recipe gives 49.7 % chord /
  72.6 % scale (the paper: 49.2 % / 72.2 % on all 456 solos), 81.5 % scale by pitch
  class; ours gives 49.7 % / 77.7 %.
- Rhythm and articulation (definitions and citations in `evaluation.rhythm`):
  `off_grid_share`, `syncopation` (Longuet-Higgins & Lee, mean per note), `phrase_notes`,
  `phrase_beats`, `rest_beats`, `rests_per_bar`, `articulation`, `staccato_share`,
  `legato_share`.

Onset grids use the grammar's 1/12-quarter grid (48 steps per 4/4 bar, so Q = 48 where the
Jazz Transformer's REMI grid had 64).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER, ROUNDING_EPS
from jazzgen.core.harmony import chord_pitch_classes, scale_pitch_classes
from jazzgen.core.types import Bar, ChordSpan, LeadSheet
from jazzgen.evaluation import rhythm
from jazzgen.evaluation.rhythm import BEAT_STEPS

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
    "scale_tone_ratio": "share of notes in the chord's scale (MINGUS scale coherence)",
    "off_grid_share": "share of onsets off their beat's subdivision",
    "syncopation": "mean Longuet-Higgins & Lee syncopation per note",
    "phrase_notes": "mean notes per phrase (phrases end at silences >= a beat)",
    "phrase_beats": "mean phrase length, first onset to last end (quarter notes)",
    "rest_beats": "mean rest length (silences >= a sixteenth, quarter notes)",
    "rests_per_bar": "rests (silences >= a sixteenth) per bar",
    "articulation": "mean sounding length / inter-onset interval within phrases",
    "staccato_share": "share of articulated notes below 0.5 (staccato)",
    "legato_share": "share of articulated notes at 0.9 or above (legato)",
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
    counts = cumulative[window:] - cumulative[: n_bars - window + 1]  # (windows, 12)
    counts = counts[counts.sum(axis=1) > 0]
    if not counts.size:
        return math.nan
    prob = counts / counts.sum(axis=1, keepdims=True)
    logs = np.log2(np.where(prob > 0, prob, 1.0))
    return float(np.mean(-(prob * logs).sum(axis=1))) + 0.0


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


def scale_tone_ratio(
    pitches: Sequence[int] | np.ndarray, scale_pitch_class_sets: Sequence[Iterable[int]]
) -> float:
    """Share of notes whose pitch class is in the matching chord scale; NaN if empty."""
    return chord_tone_ratio(pitches, scale_pitch_class_sets)


BEAT_ID_STRIDE = 1024  # beat ids: bar index * stride + beat in the bar (bars < 1024 beats)


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
    scale_pcs: tuple[frozenset[int], ...]  # chord scale at each onset
    bar_start_step: np.ndarray  # (n_bars + 1,) int: each bar's first grid step, then the end
    numerators: tuple[int, ...]  # time signature numerator of each bar

    @property
    def onset_step(self) -> np.ndarray:
        """(n,) int: onsets in grid steps from the first bar's start."""
        return self.bar_start_step[self.bar_index] + self.onset_step_in_bar

    @property
    def position(self) -> np.ndarray:
        """(n,) int: grid step 0..11 of each onset in its beat (beats from the bar start)."""
        return self.onset_step_in_bar % BEAT_STEPS

    @property
    def beat_id(self) -> np.ndarray:
        """(n,) int: the same number for onsets in the same beat of the same bar."""
        return self.bar_index * BEAT_ID_STRIDE + self.onset_step_in_bar // BEAT_STEPS


def strong_steps(bar_steps: int, numerator: int) -> frozenset[int]:
    """Grid steps of the strong beats: the downbeat, plus the half bar in even meters."""
    if numerator % 2 == 0 and bar_steps % 2 == 0:
        return frozenset({0, bar_steps // 2})
    return frozenset({0})


def _chord_indices(bars: Sequence[Bar], bar_index: np.ndarray, starts: np.ndarray):
    """The chord span sounding at each absolute onset `starts` (n,) in bar `bar_index` (n,),
    as `Bar.chord_at` finds it: (spans of all bars in order, (n,) index into them)."""
    spans: list[ChordSpan] = []
    first = np.zeros(len(bars), dtype=int)
    for i, bar in enumerate(bars):
        first[i] = len(spans)
        spans.extend(sorted(bar.chords, key=lambda span: span.start_beat))  # stable
    span_starts = np.array([span.start_beat for span in spans])
    found = np.searchsorted(span_starts, starts + ROUNDING_EPS, side="right") - 1
    return spans, np.maximum(found, first[bar_index])


def melody_arrays(sheet: LeadSheet) -> MelodyArrays:
    """Arrays of the melody notes whose onsets fall inside the lead sheet's bars."""
    bars = sheet.bars
    origin = bars[0].start_beat
    bar_starts = np.array([b.start_beat for b in bars])
    bar_steps = np.array([b.steps for b in bars], dtype=int)
    numerators = tuple(b.time_signature.numerator for b in bars)
    notes = sorted(sheet.melody, key=lambda n: (n.start_beat, n.pitch))
    starts = np.array([n.start_beat for n in notes], dtype=float)
    index = np.searchsorted(bar_starts, starts + ROUNDING_EPS, side="right") - 1
    bar_ends = np.array([b.end_beat for b in bars])
    inside = (index >= 0) & (starts < bar_ends[np.maximum(index, 0)] - ROUNDING_EPS)
    index, starts = index[inside], starts[inside]
    kept = [n for n, ok in zip(notes, inside, strict=True) if ok]
    step = np.rint((starts - bar_starts[index]) * GRID_STEPS_PER_QUARTER).astype(int)
    steps = bar_steps[index]
    even = (np.array(numerators, dtype=int)[index] % 2 == 0) & (steps % 2 == 0)
    spans, chord_index = _chord_indices(bars, index, starts)
    span_chord_pcs = [chord_pitch_classes(span.chord) for span in spans]
    span_scale_pcs = [scale_pitch_classes(span.chord) for span in spans]
    return MelodyArrays(
        pitches=np.array([n.pitch for n in kept], dtype=int),
        starts_beat=starts - origin,
        ends_beat=np.array([n.end_beat for n in kept], dtype=float) - origin,
        bar_index=index,
        onset_step_in_bar=np.minimum(step, steps - 1),
        strong=(step == 0) | (even & (step == steps // 2)),  # as `strong_steps`
        chord_pcs=tuple(span_chord_pcs[k] for k in chord_index),
        n_bars=len(bars),
        bar_steps=int(bar_steps.max()),
        length_beats=bars[-1].end_beat - origin,
        scale_pcs=tuple(span_scale_pcs[k] for k in chord_index),
        bar_start_step=np.concatenate([[0], np.cumsum(bar_steps)]).astype(int),
        numerators=numerators,
    )


@dataclass(frozen=True)
class NoteFeatures:
    """Per-note values derived from `MelodyArrays` (each (n,); see `evaluation.rhythm`)."""

    off_grid: np.ndarray  # bool
    syncopation: np.ndarray  # float, NaN for the last note
    silence_after: np.ndarray  # quarter notes, NaN for the last note
    phrase: np.ndarray  # int, phrase number
    articulation: np.ndarray  # float in [0, 1], NaN where not within a phrase
    chord_tone: np.ndarray  # bool
    scale_tone: np.ndarray  # bool


def _in_sets(pitches: np.ndarray, sets: Sequence[frozenset[int]]) -> np.ndarray:
    return np.array([int(p) % 12 in pcs for p, pcs in zip(pitches, sets, strict=True)], bool)


def note_features(m: MelodyArrays) -> NoteFeatures:
    """The per-note rhythm, articulation and harmony values of a melody."""
    weights = rhythm.metrical_weights(np.diff(m.bar_start_step).tolist(), m.numerators)
    silence = rhythm.silences_after(m.starts_beat, m.ends_beat)
    phrases = rhythm.phrase_ids(silence)
    return NoteFeatures(
        off_grid=rhythm.off_grid(m.position, m.beat_id),
        syncopation=rhythm.lhl_syncopation(m.onset_step, weights),
        silence_after=silence,
        phrase=phrases,
        articulation=rhythm.articulation_ratios(m.starts_beat, m.ends_beat, phrases),
        chord_tone=_in_sets(m.pitches, m.chord_pcs),
        scale_tone=_in_sets(m.pitches, m.scale_pcs),
    )


def _mean(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def rhythm_metrics(m: MelodyArrays, notes: NoteFeatures) -> dict[str, float]:
    """The rhythm and articulation features of `FEATURES` (module doc), NaN where undefined."""
    n = m.pitches.size
    phrase_notes, phrase_beats = rhythm.phrase_lengths(m.starts_beat, m.ends_beat, notes.phrase)
    rests = rhythm.rest_lengths(notes.silence_after)
    articulated = notes.articulation[np.isfinite(notes.articulation)]
    return {
        "off_grid_share": float(notes.off_grid.mean()) if n else math.nan,
        "syncopation": _mean(notes.syncopation),
        "phrase_notes": _mean(phrase_notes),
        "phrase_beats": _mean(phrase_beats),
        "rest_beats": _mean(rests),
        "rests_per_bar": rests.size / m.n_bars,
        "articulation": _mean(articulated),
        "staccato_share": _mean(articulated < rhythm.STACCATO_RATIO),
        "legato_share": _mean(articulated >= rhythm.LEGATO_RATIO),
    }


@dataclass(frozen=True)
class PieceAnalysis:
    """One lead sheet measured: its arrays, per-note values and `FEATURES` values."""

    arrays: MelodyArrays
    notes: NoteFeatures
    metrics: dict[str, float]


def analyse_piece(sheet: LeadSheet) -> PieceAnalysis:
    """Measure one lead sheet (every feature in `FEATURES`, NaN where undefined)."""
    m = melody_arrays(sheet)
    notes = note_features(m)
    p = m.pitches
    grid = np.zeros((m.n_bars, m.bar_steps), dtype=bool)
    grid[m.bar_index, m.onset_step_in_bar] = True
    strong_pcs = [pcs for pcs, s in zip(m.chord_pcs, m.strong, strict=True) if s]
    n_beats = max(math.ceil(m.length_beats - ROUNDING_EPS), 1)
    values = {
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
        "chord_tone_ratio": float(notes.chord_tone.mean()) if p.size else math.nan,
        "strong_beat_chord_tone_ratio": chord_tone_ratio(p[m.strong], strong_pcs),
        "scale_tone_ratio": float(notes.scale_tone.mean()) if p.size else math.nan,
        **rhythm_metrics(m, notes),
    }
    return PieceAnalysis(m, notes, values)


def piece_metrics(sheet: LeadSheet) -> dict[str, float]:
    """Every feature in `FEATURES` for one lead sheet (NaN where undefined, e.g. no notes)."""
    return analyse_piece(sheet).metrics


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
