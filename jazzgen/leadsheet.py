"""Cutting a `LeadSheet` out of a `Score`: melody choice, monophony, bars and chords.

`extract_leadsheet(score, ...)` does four things, each documented on its helper:
1. chooses the melody track (`choose_melody`), or takes the one the user named;
2. makes the melody monophonic (`monophonic`): top note of double stops;
3. cuts bars from the time signature(s) (`make_bars`), numbered from 1 in the file;
4. gives every bar its chords (`accompaniment` template matching, `melody` inference, or
   the lead sheet's own chord symbols).

Pure numpy on the MIDI path: no music21 import here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from jazzgen.errors import InputFileError
from jazzgen.midi_io import TempoMap
from jazzgen.music import Chord, ChordQuality
from jazzgen.score import (
    GRID_STEPS_PER_QUARTER,
    Bar,
    ChordSpan,
    LeadSheet,
    Note,
    Score,
    TimeSignature,
    Track,
)

EPS = 1e-6

# --- 1. melody choice ----------------------------------------------------------------------------

# General MIDI program families (0-based programs).
_MELODIC_FAMILIES = {
    range(24, 32): "guitar",
    range(40, 46): "solo strings",
    range(56, 61): "brass",
    range(64, 72): "reed",
    range(72, 80): "pipe",
    range(80, 88): "synth lead",
    range(8, 16): "chromatic percussion",
}
_CHORDAL_FAMILIES = {
    range(0, 8): "piano",
    range(16, 24): "organ",
    range(46, 56): "ensemble",
    range(61, 64): "brass section",
    range(88, 96): "synth pad",
}
BASS_PROGRAMS = range(32, 40)
BASS_MEAN_PITCH = 52  # mean pitch below E3: a bass line, not a melody

OVERLAP_TOLERANCE_BEATS = 1 / 12  # legato overlaps shorter than a grid step are not polyphony


def program_family(program: int) -> str:
    """General MIDI family name of a 0-based program ('guitar', 'reed', 'bass', ...)."""
    if program in BASS_PROGRAMS:
        return "bass"
    for families in (_MELODIC_FAMILIES, _CHORDAL_FAMILIES):
        for programs, name in families.items():
            if program in programs:
                return name
    return "other"


@dataclass(frozen=True)
class TrackStats:
    """Features of one track used to choose the melody (and shown by `jazzgen inspect`)."""

    index: int
    name: str
    program: int
    channel: int
    note_count: int
    polyphony: float  # share of notes starting while another note of the track sounds
    mean_pitch: float
    coverage: float  # share of the piece's bars in which the track plays
    is_drum: bool
    score: float  # melody likelihood (higher is better); -inf for drums

    @property
    def family(self) -> str:
        return "drums" if self.is_drum else program_family(self.program)


def _polyphony(notes: Sequence[Note]) -> float:
    if len(notes) < 2:
        return 0.0
    starts = np.fromiter((n.start_beat for n in notes), float, len(notes))
    ends = np.fromiter((n.end_beat for n in notes), float, len(notes))
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    running_end = np.maximum.accumulate(ends)
    overlapped = starts[1:] < running_end[:-1] - OVERLAP_TOLERANCE_BEATS
    return float(overlapped.mean())


def track_stats(score: Score) -> list[TrackStats]:
    """Per-track features and melody score, in track order.

    Score (for non-drum tracks) = 3 x monophony + 2 x coverage of the piece's bars
    + log10(notes) + register (mean pitch around C5 scores best) + program family
    (+1.5 melodic: guitar, brass, reed, pipe, synth lead, solo strings; -1 chordal:
    piano, organ, pads, ensembles; -3 bass) - 4 for a bass register. Drums: -inf.
    """
    bar_beats = score.time_signatures[0].bar_beats
    n_bars = max(1, math.ceil(score.length_beats / bar_beats))
    result = []
    for track in score.tracks:
        notes = track.notes
        count = len(notes)
        mean_pitch = float(np.mean([n.pitch for n in notes])) if notes else 0.0
        poly = _polyphony(notes)
        bars_played = {int(n.start_beat // bar_beats) for n in notes}
        coverage = len(bars_played) / n_bars
        if track.is_drum or count == 0:
            value = -math.inf
        else:
            family = program_family(track.program)
            value = 3.0 * (1.0 - poly) + 2.0 * coverage + math.log10(count)
            value -= abs(mean_pitch - 72) / 12.0
            if family == "bass":
                value -= 3.0
            elif any(track.program in r for r in _MELODIC_FAMILIES):
                value += 1.5
            elif any(track.program in r for r in _CHORDAL_FAMILIES):
                value -= 1.0
            if mean_pitch < BASS_MEAN_PITCH:
                value -= 4.0
        result.append(
            TrackStats(
                track.index,
                track.name,
                track.program,
                track.channel,
                count,
                poly,
                mean_pitch,
                coverage,
                track.is_drum,
                value,
            )
        )
    return result


def _track_label(track: Track | TrackStats) -> str:
    return f"{track.index} {track.name!r}" if track.name else str(track.index)


def choose_melody(score: Score, melody_track: int | str | None = None) -> tuple[Track, str]:
    """The melody track and a one-line reason.

    `melody_track` (index or exact/case-insensitive name) overrides the automatic choice;
    an unknown one raises InputFileError listing the tracks. Drum tracks are never chosen
    automatically; a file with only drums raises InputFileError.
    """
    tracks = score.tracks
    available = ", ".join(_track_label(t) for t in tracks)
    if melody_track is not None:
        chosen: Track | None = None
        text = str(melody_track).strip()
        if isinstance(melody_track, int) or text.lstrip("-").isdigit():
            index = int(text)
            if 0 <= index < len(tracks):
                chosen = tracks[index]
        else:
            matches = [t for t in tracks if t.name == text] or [
                t for t in tracks if t.name.lower() == text.lower()
            ]
            chosen = matches[0] if matches else None
        if chosen is None:
            raise InputFileError(
                score.path, f"no track {melody_track!r}; available tracks: {available}"
            )
        if not chosen.notes:
            raise InputFileError(score.path, f"track {_track_label(chosen)} has no notes")
        return chosen, f"track {_track_label(chosen)} chosen by the user"
    stats = [s for s in track_stats(score) if s.score > -math.inf]
    if not stats:
        raise InputFileError(score.path, "no melodic track: the file has only drum tracks")
    best = max(stats, key=lambda s: s.score)
    reason = (
        f"{best.note_count} notes, {100 * (1 - best.polyphony):.0f}% monophonic, "
        f"mean pitch {best.mean_pitch:.0f}, plays in {100 * best.coverage:.0f}% of bars, "
        f"{best.family} (program {best.program}); best of {len(stats)} non-drum tracks"
    )
    return tracks[best.index], reason


# --- 2. monophony ------------------------------------------------------------------------------


def monophonic(notes: Sequence[Note], tempo_map: TempoMap | None = None) -> tuple[list[Note], int]:
    """Make a line monophonic: "top note of double stops". Returns (notes, dropped count).

    Rule: onsets are compared on the token grid (1/12 quarter). Of the notes starting on the
    same grid step, only the highest is kept (the others are counted as dropped). Each kept
    note is then cut at the next kept onset, so a new onset always takes over, whether it is
    higher or lower. Notes shorter than 1e-6 beats after cutting cannot occur (onsets are
    distinct grid steps). Seconds of cut notes are recomputed with `tempo_map` when given.
    """
    if not notes:
        return [], 0
    # Highest pitch first within a step, so the first note seen per step is kept.
    ordered = sorted(notes, key=lambda n: (round(n.start_beat * GRID_STEPS_PER_QUARTER), -n.pitch))
    kept: list[Note] = []
    last_step = None
    for note in ordered:
        step = round(note.start_beat * GRID_STEPS_PER_QUARTER)
        if step == last_step:
            continue
        kept.append(note)
        last_step = step
    dropped = len(notes) - len(kept)
    result = []
    for i, note in enumerate(kept):
        if i + 1 < len(kept) and note.end_beat > kept[i + 1].start_beat:
            end_beat = kept[i + 1].start_beat
            end = tempo_map.seconds(end_beat) if tempo_map else note.end
            if end_beat <= note.start_beat:
                end_beat = note.start_beat + 1 / GRID_STEPS_PER_QUARTER / 2
            note = replace(note, end_beat=end_beat, end=end)
        result.append(note)
    return result, dropped


# --- 3. bars -----------------------------------------------------------------------------------


def make_bars_layout(
    time_signatures: Sequence[TimeSignature], end_beat: float
) -> list[tuple[int, float, TimeSignature]]:
    """(number, start_beat, time signature) of every bar from beat 0 up to `end_beat`.

    Bars count from 1. A time-signature change takes effect at its own beat when that is a
    bar line, else at the next bar line (a mid-bar change would make a bar of no meter).
    """
    sigs = sorted(time_signatures, key=lambda t: t.start_beat) or [TimeSignature(4, 4)]
    layout: list[tuple[int, float, TimeSignature]] = []
    beat = 0.0
    current = sigs[0]
    next_sig = 1
    number = 1
    end_beat = max(end_beat, EPS)
    while beat < end_beat - EPS:
        while next_sig < len(sigs) and sigs[next_sig].start_beat <= beat + EPS:
            current = sigs[next_sig]
            next_sig += 1
        layout.append((number, beat, TimeSignature(current.numerator, current.denominator, beat)))
        beat += current.bar_beats
        number += 1
    return layout


# --- 4. chords -----------------------------------------------------------------------------------

# Templates: all qualities x 12 roots. Row r*Q + q = root r, quality q.
_QUALITIES = tuple(ChordQuality)
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
POLYPHONIC_SHARE = 0.5  # a lone melody track with this many notes under its top line per
# line note is a self-accompanied part (e.g. solo piano): those notes give the chords.


def _is_bass_track(track: Track) -> bool:
    """A bass part: a GM bass program or a line whose mean pitch is below E3."""
    if track.program in BASS_PROGRAMS:
        return True
    return bool(track.notes) and float(np.mean([n.pitch for n in track.notes])) < BASS_MEAN_PITCH


def _span_histograms(
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


def _fill_gaps(chords: list[Chord | None]) -> list[Chord] | None:
    """Empty spans inherit the previous chord (leading empty spans take the first one)."""
    first = next((c for c in chords if c is not None), None)
    if first is None:
        return None
    filled, current = [], first
    for chord in chords:
        current = chord if chord is not None else current
        filled.append(current)
    return filled


def _span_bounds(
    layout: Sequence[tuple[int, float, TimeSignature]], span_beats: float
) -> tuple[np.ndarray, list[int]]:
    """Span boundaries over the bars (each bar split every `span_beats`) and each span's bar."""
    bounds: list[float] = []
    owner: list[int] = []
    for i, (_, start, ts) in enumerate(layout):
        offset = 0.0
        while offset < ts.bar_beats - EPS:
            bounds.append(start + offset)
            owner.append(i)
            offset += span_beats
    if layout:
        _, start, ts = layout[-1]
        bounds.append(start + ts.bar_beats)
    return np.array(bounds), owner


def _bars_from_span_chords(
    layout: Sequence[tuple[int, float, TimeSignature]],
    bounds: np.ndarray,
    owner: Sequence[int],
    chords: Sequence[Chord],
) -> list[Bar]:
    per_bar: list[list[ChordSpan]] = [[] for _ in layout]
    for k, chord in enumerate(chords):
        spans = per_bar[owner[k]]
        start, end = float(bounds[k]), float(bounds[k + 1])
        if spans and spans[-1].chord == chord:
            spans[-1] = ChordSpan(chord, spans[-1].start_beat, end)
        else:
            spans.append(ChordSpan(chord, start, end))
    return [
        Bar(i, number, start, ts, tuple(per_bar[i])) for i, (number, start, ts) in enumerate(layout)
    ]


def _bars_from_symbols(
    layout: Sequence[tuple[int, float, TimeSignature]], symbols: Sequence[ChordSpan]
) -> list[Bar]:
    """Bars whose chords come from lead-sheet chord symbols (clipped to each bar)."""
    symbols = sorted(symbols, key=lambda s: s.start_beat)
    starts = [s.start_beat for s in symbols]
    bars = []
    for i, (number, start, ts) in enumerate(layout):
        end = start + ts.bar_beats
        j = int(np.searchsorted(starts, start + EPS, side="right")) - 1
        current = symbols[max(j, 0)].chord
        spans = [ChordSpan(current, start, end)]
        for sym in symbols[max(j + 1, 0) :]:
            if sym.start_beat >= end - EPS:
                break
            if sym.start_beat <= start + EPS:
                continue
            if sym.chord == spans[-1].chord:
                continue
            spans[-1] = ChordSpan(spans[-1].chord, spans[-1].start_beat, sym.start_beat)
            spans.append(ChordSpan(sym.chord, sym.start_beat, end))
        bars.append(Bar(i, number, start, ts, tuple(spans)))
    return bars


# --- extraction ------------------------------------------------------------------------------


def extract_leadsheet(
    score: Score,
    *,
    melody_track: int | str | None = None,
    start_bar: int | None = None,
    end_bar: int | None = None,
    chord_span_beats: float = 2.0,
) -> LeadSheet:
    """Cut a lead sheet (monophonic melody over chords, in bars) out of `score`.

    - Melody: `choose_melody` (automatic with a reason, or `melody_track` index/name), made
      monophonic by `monophonic` (top note of double stops; `notes_dropped` counts the
      melody-track notes left out, in the selected bars).
      For lead sheets (MusicXML/ABC) the melody is their first part (`melody_track` is
      ignored and `LeadSheet.melody_track` is None).
    - Bars: from the time signature(s), numbered from 1. `start_bar`/`end_bar` are inclusive
      bar numbers (bars 120-137 of a 4/4 file = quarter notes 476-548). Without them the
      bars run from the first to the last bar in which the melody plays. Melody notes are
      kept when their onset lies inside the selected bars.
    - Chords, per span of `chord_span_beats` (each bar restarts the spans at its start):
      from the score's chord symbols (lead sheets) -> `chord_source="leadsheet"`; else by
      pitch-class template matching of all non-drum tracks except the melody
      (`"accompaniment"`; a lone polyphonic melody track, such as solo piano, is its own
      accompaniment: the notes under its top line), a bass track's notes weighted down,
      the bass note at each span start as the root candidate, and chord changes inside a
      bar costing more (`match_chords`, `BassWeights`); else, with no accompaniment in the
      selected bars, from the melody itself, one chord per bar (`"melody"`). Spans
      without notes inherit the previous chord; equal consecutive chords in a bar merge.
      Every bar has >= 1 chord, the first starting at the bar start.
    Raises InputFileError for a bad track choice, a bad bar range, or no melody notes.
    """
    if not 0 < chord_span_beats <= 64:
        raise InputFileError(
            score.path, f"chord span must be in 0..64 quarter notes, got {chord_span_beats}"
        )
    is_leadsheet = score.source_format != "midi"
    if is_leadsheet:
        track = score.tracks[0]
        reason = f"the first part of the {score.source_format} lead sheet"
    else:
        track, reason = choose_melody(score, melody_track)
    tempo_map = TempoMap(score.tempos)
    melody, _ = monophonic(track.notes, tempo_map)
    if not melody:
        raise InputFileError(score.path, f"melody track {_track_label(track)} has no notes")

    end_of_music = max(score.length_beats, max(n.end_beat for n in melody))
    layout = make_bars_layout(score.time_signatures, end_of_music)
    n_bars = len(layout)
    if start_bar is not None and not 1 <= start_bar <= n_bars:
        raise InputFileError(score.path, f"start bar must be in 1..{n_bars}, got {start_bar}")
    if end_bar is not None and not 1 <= end_bar <= n_bars:
        raise InputFileError(score.path, f"end bar must be in 1..{n_bars}, got {end_bar}")
    bar_starts = np.array([start for _, start, _ in layout])

    def bar_of(beat: float) -> int:  # 0-based index of the bar holding `beat`
        return int(np.searchsorted(bar_starts, beat + EPS, side="right")) - 1

    first = start_bar - 1 if start_bar is not None else bar_of(melody[0].start_beat)
    last = end_bar - 1 if end_bar is not None else bar_of(melody[-1].start_beat)
    if last < first:
        raise InputFileError(score.path, f"end bar {last + 1} is before start bar {first + 1}")
    layout = layout[first : last + 1]
    range_start = layout[0][1]
    range_end = layout[-1][1] + layout[-1][2].bar_beats

    def in_range(note: Note) -> bool:
        return range_start - EPS <= note.start_beat < range_end - EPS

    selected = [n for n in melody if in_range(n)]
    kept = {(n.pitch, n.start_beat) for n in selected}
    # Notes of the melody track left out of the line (lower notes of double stops).
    left_out = [n for n in track.notes if in_range(n) and (n.pitch, n.start_beat) not in kept]
    dropped = len(left_out)

    bounds, owner = _span_bounds(layout, chord_span_beats)
    bars: list[Bar] | None = None
    chord_source = ""
    if score.chords:
        bars = _bars_from_symbols(layout, score.chords)
        chord_source = "leadsheet"
    if bars is None:
        accompaniment = [
            n
            for t in score.tracks
            if not t.is_drum and t.index != track.index
            for n in t.notes
            if n.end_beat > range_start and n.start_beat < range_end
        ]
        if not accompaniment and len(left_out) >= POLYPHONIC_SHARE * len(selected):
            # A polyphonic melody track alone (solo piano, guitar chords under the line):
            # the notes under the top line are its accompaniment.
            accompaniment = left_out
        hist, bass, bass_weight = _span_histograms(accompaniment, bounds)
        bass_line = [
            n
            for t in score.tracks
            if not t.is_drum and t.index != track.index and _is_bass_track(t)
            for n in t.notes
            if n.end_beat > range_start and n.start_beat < range_end
        ]
        upper = None  # the pitch classes above the bass line (None: no bass track)
        if bass_line:  # passing and approach tones of a bass line must not outvote the comping
            line = _span_histograms(bass_line, bounds)[0]
            upper = np.maximum(hist - line, 0.0)  # max: float rounding
            hist = np.maximum(hist - (1.0 - BASS_LINE_WEIGHT) * line, 0.0)
        bar_start = np.isin(bounds[:-1], [start for _, start, _ in layout])
        chords = _fill_gaps(match_chords(hist, bass, bass_weight, bar_start=bar_start, upper=upper))
        if chords is not None:
            bars = _bars_from_span_chords(layout, bounds, owner, chords)
            chord_source = "accompaniment"
    if bars is None:
        # One chord per bar from the melody: fewer notes per span make shorter spans noisy.
        bar_bounds = np.array([start for _, start, _ in layout] + [range_end])
        hist, bass, _ = _span_histograms(selected, bar_bounds)
        chords = _fill_gaps(match_chords(hist, bass, weights=NO_BASS))
        if chords is None:
            chords = [Chord(0, ChordQuality.MAJOR)] * len(layout)  # silent range: C
        bars = _bars_from_span_chords(layout, bar_bounds, list(range(len(layout))), chords)
        chord_source = "melody"
    bars = [replace(bar, index=i) for i, bar in enumerate(bars)]
    return LeadSheet(
        source=score.path,
        melody=tuple(selected),
        bars=tuple(bars),
        qpm=_qpm_at(score, range_start),
        melody_track=None if is_leadsheet else track.index,
        melody_name=track.name,
        reason=reason,
        chord_source=chord_source,
        key_fifths=score.key_fifths,
        notes_dropped=dropped,
    )


def _qpm_at(score: Score, beat: float) -> float:
    """The tempo in force at `beat` (the last change at or before it)."""
    qpm = score.tempos[0].qpm
    for tempo in score.tempos:
        if tempo.start_beat <= beat + 1e-9:
            qpm = tempo.qpm
    return qpm
