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
BASS_ROOT_BONUS = 0.25  # the lowest sounding pitch class is the likely root
POLYPHONIC_SHARE = 0.5  # a lone melody track with this many notes under its top line per
# line note is a self-accompanied part (e.g. solo piano): those notes give the chords.


def _span_histograms(notes: Sequence[Note], bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n_spans, 12) duration-weighted pitch-class histograms and (n_spans,) lowest pitch.

    `bounds` are the span boundaries (n_spans + 1,). The lowest pitch of a span counts only
    notes sounding for at least a quarter of the span; 128 where none does.
    """
    n_spans = len(bounds) - 1
    hist = np.zeros((n_spans, 12))
    lowest = np.full(n_spans, 128)
    if not notes or n_spans <= 0:
        return hist, lowest
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
        return hist, lowest
    counts = last - first + 1
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    span = np.repeat(first, counts) + (np.arange(counts.sum()) - offsets)
    s = np.repeat(starts, counts)
    e = np.repeat(ends, counts)
    p = np.repeat(pitches, counts)
    overlap = np.minimum(e, bounds[span + 1]) - np.maximum(s, bounds[span])
    keep = overlap > EPS
    span, p, overlap = span[keep], p[keep], overlap[keep]
    np.add.at(hist, (span, p % 12), overlap)
    span_len = bounds[1:] - bounds[:-1]
    long_enough = overlap >= 0.25 * span_len[span]
    np.minimum.at(lowest, span[long_enough], p[long_enough])
    return hist, lowest


def match_chords(hist: np.ndarray, lowest: np.ndarray, *, bass_bonus: float) -> list[Chord | None]:
    """Best template chord per row of `hist` (None for an empty row).

    Fit = cosine-like score of the normalised histogram against each template (chord tones
    +1, other tones -0.3, scaled by 1/sqrt(size)), plus `bass_bonus` when the template's root
    is the span's lowest pitch class, plus a small prior for common jazz qualities.
    """
    norms = np.linalg.norm(hist, axis=1)
    result: list[Chord | None] = [None] * len(hist)
    nonempty = norms > EPS
    if not nonempty.any():
        return result
    h = hist[nonempty] / norms[nonempty, None]
    scores = h @ _TEMPLATES.T + _TEMPLATE_PRIOR
    low = lowest[nonempty]
    has_bass = low < 128
    bass_match = _TEMPLATE_ROOTS[None, :] == (low % 12)[:, None]
    scores += bass_bonus * (bass_match & has_bass[:, None])
    best = scores.argmax(axis=1)
    for row, index in zip(np.flatnonzero(nonempty), best, strict=True):
        result[row] = _TEMPLATE_CHORDS[index]
    return result


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
      accompaniment: the notes under its top line); else, with no accompaniment in the
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
        hist, lowest = _span_histograms(accompaniment, bounds)
        chords = _fill_gaps(match_chords(hist, lowest, bass_bonus=BASS_ROOT_BONUS))
        if chords is not None:
            bars = _bars_from_span_chords(layout, bounds, owner, chords)
            chord_source = "accompaniment"
    if bars is None:
        # One chord per bar from the melody: fewer notes per span make shorter spans noisy.
        bar_bounds = np.array([start for _, start, _ in layout] + [range_end])
        hist, lowest = _span_histograms(selected, bar_bounds)
        chords = _fill_gaps(match_chords(hist, lowest, bass_bonus=0.0))
        if chords is None:
            chords = [Chord(0, ChordQuality.MAJOR)] * len(layout)  # silent range: C
        bars = _bars_from_span_chords(layout, bar_bounds, list(range(len(layout))), chords)
        chord_source = "melody"
    bars = [replace(bar, index=i) for i, bar in enumerate(bars)]
    return LeadSheet(
        source=score.path,
        melody=tuple(selected),
        bars=tuple(bars),
        qpm=score.qpm,
        melody_track=None if is_leadsheet else track.index,
        melody_name=track.name,
        reason=reason,
        chord_source=chord_source,
        key_fifths=score.key_fifths,
        notes_dropped=dropped,
    )
