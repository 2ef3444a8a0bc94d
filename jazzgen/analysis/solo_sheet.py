"""A Weimar Jazz Database solo (`io.wjazzd.Solo`) into a `LeadSheet`, with counts.

`solo_leadsheet(solo, source)` -> `SoloSheet(leadsheet, stats)`; raises InputFileError
with a one-line reason for a solo that cannot become a lead sheet (no chords, no notes).
The bar layout and the notes' grid positions come from `analysis.solo_grid`; the chords,
the tempo and the articulation are made here. Every choice below is counted in `SoloStats`:

- **Positions are metric**, never from seconds: a note at bar b, beat k, tatum t of
  `division` tatums lies at bar b's start + (k - 1 + (t - 1) / division) beats. Onsets
  are rounded to the grammar's grid (1/12 quarter note, half steps up), so a note moves
  by at most 1/24 quarter note: `moved` counts the notes that were not on the grid
  (quintuplets, septuplets, 32nd notes...), `max_displacement_beats` is the largest move.
  When two onsets land on one grid step the later note is kept (the grammar's rule):
  `merged` counts the notes left out.
- **Bars** keep their meter (each `Bar` has its `TimeSignature`) and their WJazzD number
  (`Bar.number`: pickups are 0, -1...). Consecutive 1/4 bars (how WJazzD writes solos in
  free rhythm, without meter) are regrouped into 4/4 bars, the last of a run holding what
  is left (`regrouped_bars` counts the 1/4 bars); a lone 1/4 bar stays. The lead sheet
  runs from the bar of its first note to the bar of its last, bars without notes are
  whole-bar rests.
- **Chords** come from `beats.chord`, carried forward (a label is written only where it
  changes), read by `io.wjazzd.wjazzd_chord`. 'NC' (no chord) inside the solo lets the
  chord before it continue (a break or stop-time: the harmony goes on), counted in
  `nc_beats`. Bars before the first chord are pickups: the last `MAX_EDGE_BARS` of them
  are kept and sound over the first chord (`pickup_bars`); bars after a final NC are kept
  with the last chord, `MAX_EDGE_BARS` of them. Bars further out are a free intro or
  ending without harmony: they are dropped with their notes (`dropped_bars`,
  `dropped_notes`). A solo without any chord (free solos: NC throughout) is skipped.
- **Form**: `beats.form` labels the bar where a section starts (`A1`, `B1`, `I1` for an
  intro...); each bar gets its section's label and its index in it (`Bar.form`), for the
  model's phrase position (core.context); None before the first label.
- **Tempo** (`qpm`): the median beat-to-beat time of the `beats` table (robust to
  ritardandi, fermatas and a missing beat), else of `melody.beatdur`, else the solo's
  `avgtempo`, else 120.
- **Articulation is kept**: a note's `end_beat` is its (grid) onset plus its sounding
  `duration` in beats of its local beat duration (`melody.beatdur`, else the beats table),
  cut at the next onset (the line is monophonic), at least `MIN_NOTE_BEATS` long, on a
  1/480-quarter resolution (`END_TICKS_PER_QUARTER`).
  `LeadSheet.articulation[i]` is note i's duration / inter-onset interval, both in
  seconds from the recording (None for the last note or a NULL duration), and
  `Note.start`/`Note.end` are the recording's seconds.
- **Dynamics, where the database has them**: when every note of the solo has a loudness
  (`melody.loud_med`, dB; NULL in some copies of the file), a note's velocity is
  `REFERENCE_VELOCITY * 10 ** ((loudness - the solo's median loudness) / 40)`, clamped to
  1..127: the General MIDI 2 velocity curve (gain in dB = 40 log10(velocity / 127)) read
  backwards, so a note 6 dB above the solo's median is played about 1.4x as hard, and
  `LeadSheet.performed_velocities` is True. Otherwise every note keeps velocity
  `REFERENCE_VELOCITY` and the flag is False (training then learns no accents from it).
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np

from jazzgen.analysis.solo_grid import (
    Grid,
    Layout,
    NoteColumns,
    bar_end,
    bar_layout,
    bar_meters,
    bar_range,
    beat_quarters,
    displacement,
    in_region,
    merge_same_step,
    place_notes,
)
from jazzgen.core import limits
from jazzgen.core.constants import DEFAULT_QPM, GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import ChordSymbolError, InputFileError, InputLimitError
from jazzgen.core.harmony import Chord
from jazzgen.core.types import Bar, ChordSpan, LeadSheet, Note, TimeSignature, meter_problem
from jazzgen.io.wjazzd import Solo, wjazzd_chord

MAX_EDGE_BARS = 4
"""Bars kept before the first chord (pickups) and after a final NC (the ending)."""

MIN_NOTE_BEATS = 1.0 / 48.0
"""Shortest sounding length of a note (a quarter of a grid step), in quarter notes."""

REFERENCE_VELOCITY = 90
"""Velocity of a note at its solo's median loudness (and of every note without loudness)."""

DB_PER_VELOCITY_DECADE = 40.0
"""General MIDI 2's velocity curve: gain in dB = 40 log10(velocity / 127)."""

END_TICKS_PER_QUARTER = 480
"""Note ends are kept at the resolution of the MIDI files jazzgen writes
(io.midi_writer.DEFAULT_TICKS_PER_QUARTER), so that a solo written by `jazzgen export` reads
back with the same ends, hence the same tokens (an end half a grid step from a rest
threshold would otherwise round either way)."""


@dataclass(frozen=True)
class SoloStats:
    """What turning one solo into a lead sheet did (see the module doc)."""

    notes: int = 0  # notes in the lead sheet
    moved: int = 0  # onsets moved onto the 1/12-quarter grid
    merged: int = 0  # notes left out: a later onset landed on the same grid step
    max_displacement_beats: float = 0.0  # largest onset move, quarter notes (<= 1/24)
    pickup_bars: int = 0  # bars before the first chord kept over the first chord
    dropped_bars: int = 0  # bars with notes dropped: too far before/after the chords
    dropped_notes: int = 0  # notes in those bars
    null_notes: int = 0  # melody rows with a NULL pitch or position (left out by the reader)
    bad_notes: int = 0  # notes whose beat or tatum lies outside its bar (left out)
    nc_beats: float = 0.0  # quarter notes of NC inside the solo filled with the chord before
    regrouped_bars: int = 0  # 1/4 bars (free rhythm) regrouped into 4/4 bars
    chord_labels: tuple[str, ...] = ()  # distinct WJazzD chord labels read

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["max_displacement_beats"] = round(self.max_displacement_beats, 6)
        data["nc_beats"] = round(self.nc_beats, 6)
        data["chord_labels"] = list(self.chord_labels)
        return data


@dataclass(frozen=True)
class SoloSheet:
    """A solo's lead sheet and the counts of what was changed to make it."""

    leadsheet: LeadSheet
    stats: SoloStats


# --- chords ----------------------------------------------------------------------------------


class _Change(NamedTuple):
    step: int  # grid steps from the first bar
    label: str
    chord: Chord | None  # None: NC


def _chord_changes(solo: Solo, layout: Layout, source: str) -> list[_Change]:
    """The chord labels of the beats table at their grid steps (repeats dropped)."""
    changes: list[_Change] = []
    for beat in solo.beats:
        if beat.chord is None or (changes and changes[-1].label == beat.chord):
            continue
        index, offset, (numerator, denominator) = layout.where[beat.bar]
        if not 1 <= beat.beat <= numerator:
            continue
        step = layout.bars[index].start_step + offset
        step += (beat.beat - 1) * 4 * GRID_STEPS_PER_QUARTER // denominator
        try:
            chord = wjazzd_chord(beat.chord)
        except ChordSymbolError:
            raise InputFileError(
                source, f"unknown chord label {beat.chord!r} in bar {beat.bar}"
            ) from None
        changes.append(_Change(step, beat.chord, chord))
    return changes


class _Harmony(NamedTuple):
    """The chords the lead sheet uses: real chords only, NC filled (module doc)."""

    timeline: list[tuple[int, Chord]]  # (step, chord); the first one also covers before it
    first_step: int  # where the first chord starts
    final_nc_step: int | None  # where an NC after the last chord starts (None: no such NC)
    nc_spans: list[tuple[int, int]]  # [start, end) steps of NC between the two
    steps: list[int]  # the timeline's steps (for bisection)


def _harmony(changes: Sequence[_Change], source: str) -> _Harmony:
    real = [i for i, c in enumerate(changes) if c.chord is not None]
    if not real:
        what = "NC throughout" if changes else "no chord labels"
        raise InputFileError(source, f"no chords ({what}): a free solo")
    timeline = [(c.step, c.chord) for c in changes if c.chord is not None]
    after = [c.step for c in changes[real[-1] + 1 :] if c.chord is None]
    final_nc = after[0] if after else None
    nc_spans = [
        (c.step, changes[i + 1].step)
        for i, c in enumerate(changes[: real[-1]])
        if c.chord is None and i > real[0]
    ]
    steps = [step for step, _ in timeline]
    return _Harmony(timeline, changes[real[0]].step, final_nc, nc_spans, steps)


def _chord_at(harmony: _Harmony, step: int) -> Chord:
    """The chord in force at `step` (the first chord before it starts)."""
    return harmony.timeline[max(bisect.bisect_right(harmony.steps, step) - 1, 0)][1]


# --- the region with chords ------------------------------------------------------------------


def _allowed_bars(layout: Layout, harmony: _Harmony) -> tuple[int, int]:
    """First and last layout bar index kept: up to MAX_EDGE_BARS bars wholly before the
    first chord, and wholly after a final NC (module doc)."""
    first = layout.bar_of(harmony.first_step) - MAX_EDGE_BARS
    last = len(layout.bars) - 1
    if harmony.final_nc_step is not None:
        index = layout.bar_of(harmony.final_nc_step)
        starts_bar = layout.starts[index] == harmony.final_nc_step
        last = min(last, index + MAX_EDGE_BARS - (1 if starts_bar else 0))
    return max(first, 0), last


def form_positions(solo: Solo, layout: Layout) -> list[tuple[str, int] | None]:
    """Per layout bar, its place in the form from `beats.form`: the label of the last
    section starting in or before it and the bar's index in that section; None before
    the first label (and everywhere in a file without form labels)."""
    starts: dict[int, str] = {}
    for beat in solo.beats:
        if beat.form and beat.bar in layout.where:
            starts.setdefault(layout.where[beat.bar][0], beat.form)
    out: list[tuple[str, int] | None] = []
    current: tuple[str, int] | None = None
    for index in range(len(layout.bars)):
        if index in starts:
            current = (starts[index], index)
        out.append(None if current is None else (current[0], index - current[1]))
    return out


def _sheet_bars(
    layout: Layout,
    first: int,
    last: int,
    harmony: _Harmony,
    forms: Sequence[tuple[str, int] | None],
) -> tuple[list[Bar], int]:
    """`Bar`s for layout bars first..last (beats from the first bar's start, with their
    place in the form), and how many of them lie wholly before the first chord (pickups)."""
    origin = layout.bars[first].start_step
    bars: list[Bar] = []
    pickups = 0
    for index in range(first, last + 1):
        bar = layout.bars[index]
        start, end = bar.start_step, bar_end(layout.bars, index)
        pickups += end <= harmony.first_step
        cuts = [(start, _chord_at(harmony, start))]
        k = bisect.bisect_right(harmony.steps, start)
        while k < len(harmony.steps) and harmony.steps[k] < end:
            if harmony.timeline[k][1] != cuts[-1][1]:
                cuts.append(harmony.timeline[k])
            k += 1
        ends = [step for step, _ in cuts[1:]] + [end]
        start_beat = (start - origin) / GRID_STEPS_PER_QUARTER
        meter = TimeSignature(bar.numerator, bar.denominator, start_beat)
        chord_spans = tuple(
            ChordSpan(
                chord, (a - origin) / GRID_STEPS_PER_QUARTER, (b - origin) / GRID_STEPS_PER_QUARTER
            )
            for (a, chord), b in zip(cuts, ends, strict=True)
        )
        bars.append(Bar(len(bars), bar.number, start_beat, meter, chord_spans, forms[index]))
    return bars, pickups


def _nc_beats(harmony: _Harmony, start: int, end: int) -> float:
    """Quarter notes of NC inside the solo that lie in [start, end) steps."""
    steps = sum(max(0, min(b, end) - max(a, start)) for a, b in harmony.nc_spans)
    return steps / GRID_STEPS_PER_QUARTER


# --- tempo and articulation --------------------------------------------------------------------


class _Timing(NamedTuple):
    beat_seconds: dict[tuple[int, int], float]  # (bar, beat) -> seconds to the next beat
    median_seconds: float | None  # median beat duration
    qpm: float


def _timing(solo: Solo, notes: NoteColumns, quarters_per_beat: float) -> _Timing:
    """Beat durations from the beats table and the tempo (module doc)."""
    local: dict[tuple[int, int], float] = {}
    for beat, following in zip(solo.beats, solo.beats[1:], strict=False):
        if following.onset > beat.onset:
            local[(beat.bar, beat.beat)] = following.onset - beat.onset
    durations = list(local.values()) or notes.beatdur[notes.beatdur > 0].tolist()
    median = statistics.median(durations) if durations else None
    if median is not None:
        qpm = 60.0 * quarters_per_beat / median
    elif solo.info.avgtempo and solo.info.avgtempo > 0:
        qpm = float(solo.info.avgtempo) * quarters_per_beat
    else:
        qpm = DEFAULT_QPM
    return _Timing(local, median, round(qpm, 3))


def _beat_seconds(notes: NoteColumns, rows: np.ndarray, timing: _Timing) -> np.ndarray:
    """Seconds of each note's beat: melody.beatdur, else the beats table, else the median
    (NaN when there is none)."""
    seconds = notes.beatdur[rows]
    for i in np.flatnonzero(~(seconds > 0)).tolist():
        key = (int(notes.bar[rows[i]]), int(notes.beat[rows[i]]))
        seconds[i] = timing.beat_seconds.get(key) or timing.median_seconds or np.nan
    return seconds


def _melody(
    notes: NoteColumns, grid: Grid, origin: int, timing: _Timing
) -> tuple[tuple[Note, ...], tuple[float | None, ...]]:
    """Notes (grid onsets, sounding ends) and their articulation (module doc)."""
    rows = grid.rows
    start = (grid.step - origin) / GRID_STEPS_PER_QUARTER
    duration, onset = notes.duration[rows], notes.onset[rows]
    sounding = duration / _beat_seconds(notes, rows, timing) * grid.beat_quarters
    end = start + np.where(np.isnan(sounding), grid.beat_quarters, sounding)
    following = np.append(start[1:], np.inf)
    # monophonic: cut at the next onset; a NULL duration is legato
    end = np.where((end > following) | np.isnan(duration), np.minimum(following, end), end)
    end = np.where(np.isnan(duration) & np.isfinite(following), following, end)
    end = np.maximum(end, start + MIN_NOTE_BEATS)
    end = np.round(end * END_TICKS_PER_QUARTER) / END_TICKS_PER_QUARTER
    ioi = np.append(onset[1:] - onset[:-1], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(ioi > 0, duration / ioi, np.nan)
    end_seconds = onset + np.nan_to_num(duration)
    columns = (notes.pitch[rows], start, end, _velocities(notes.loudness[rows]), onset, end_seconds)
    melody = tuple(
        Note(pitch, a, b, v, start=c, end=d)
        for pitch, a, b, v, c, d in zip(*(column.tolist() for column in columns), strict=True)
    )
    articulation = tuple(None if r != r else round(r, 4) for r in ratio.tolist())
    return melody, articulation


def _velocities(loudness: np.ndarray) -> np.ndarray:
    """(n,) int velocities from the notes' loudness in dB (module doc); all
    `REFERENCE_VELOCITY` unless every note has a loudness."""
    if not len(loudness) or np.isnan(loudness).any():
        return np.full(len(loudness), REFERENCE_VELOCITY, np.int64)
    gain = (loudness - np.median(loudness)) / DB_PER_VELOCITY_DECADE
    return np.clip(np.round(REFERENCE_VELOCITY * 10.0**gain), 1, 127).astype(np.int64)


# --- key -----------------------------------------------------------------------------------------

_LETTER_FIFTHS = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}
_MODE_FIFTHS = {"maj": 0, "": 0, "blues": 0, "min": -3, "dor": -2, "mix": -1}


def key_fifths(key: str) -> int | None:
    """Key signature (sharps > 0, flats < 0) of a WJazzD key: 'Bb-maj' -> -2, 'C-min' -> -3
    (its relative major), 'D-dor' -> 0; None for '' and 'X-chrom' (no key)."""
    root, _, mode = key.strip().partition("-")
    if not root or root[0] not in _LETTER_FIFTHS or mode not in _MODE_FIFTHS:
        return None
    accidentals = root[1:]
    if accidentals not in ("", "#", "b"):
        return None
    fifths = _LETTER_FIFTHS[root[0]] + 7 * (accidentals == "#") - 7 * (accidentals == "b")
    fifths += _MODE_FIFTHS[mode]
    while fifths > 7:
        fifths -= 12
    while fifths < -7:
        fifths += 12
    return fifths


# --- the solo --------------------------------------------------------------------------------


def _check_bounds(solo: Solo, notes: NoteColumns, source: str) -> None:
    """Refuse a solo whose bars (first to last, of notes and beats) are more than the
    `bars` limit, with a pitch outside 0..127, or whose notes give a meter that
    `core.types.meter_problem` refuses, before a bar layout is made for it."""
    low, high = bar_range(solo, notes)
    if high - low + 1 > limits.current().bars:
        found = f"bars {low}..{high} ({high - low + 1} bars)"
        raise InputLimitError(source, limits.exceeded("bars", found))
    if len(notes.pitch) and not 0 <= int(notes.pitch.min()) <= int(notes.pitch.max()) <= 127:
        pitch = int(notes.pitch.min()) if notes.pitch.min() < 0 else int(notes.pitch.max())
        raise InputFileError(source, f"pitch must be in range 0..127, got {pitch}")
    known = (notes.num > 0) & (notes.denom > 0)  # False for NaN
    for numerator, denominator in set(zip(notes.num[known], notes.denom[known], strict=True)):
        meter = (int(numerator), int(denominator))
        problem = meter_problem(*meter) if meter == (numerator, denominator) else "not whole"
        if problem is not None:
            raise InputFileError(source, f"meter {numerator:g}/{denominator:g}: {problem}")


def solo_leadsheet(solo: Solo, source: str) -> SoloSheet:
    """The lead sheet of a WJazzD solo and its counts (module doc). `source` names it in
    the lead sheet and in errors (e.g. 'wjazzd.db#12').

    Raises InputFileError (one-line reason) for a solo without notes or without chords,
    with a meter jazzgen cannot use, or (InputLimitError) spanning more bars than the
    `bars` limit.
    """
    notes = NoteColumns.of(solo.notes)
    _check_bounds(solo, notes, source)
    meters = bar_meters(solo, notes)
    if not solo.notes or not meters:
        raise InputFileError(source, "no notes")
    layout = bar_layout(meters)
    placed, bad = place_notes(notes, layout)
    harmony = _harmony(_chord_changes(solo, layout, source), source)
    first_allowed, last_allowed = _allowed_bars(layout, harmony)
    inside, dropped_notes, dropped_bars = in_region(placed, layout, first_allowed, last_allowed)
    if not len(inside.step):
        raise InputFileError(source, "no notes in the bars with chords")
    moved, largest = displacement(inside)
    kept, merged = merge_same_step(inside)
    first, last = layout.bar_of(int(kept.step[0])), layout.bar_of(int(kept.step[-1]))
    bars, pickups = _sheet_bars(layout, first, last, harmony, form_positions(solo, layout))
    origin = layout.bars[first].start_step
    timing = _timing(solo, notes, beat_quarters(meters))
    melody, articulation = _melody(notes, kept, origin, timing)
    stats = SoloStats(
        notes=len(melody),
        moved=moved,
        merged=merged,
        max_displacement_beats=largest,
        pickup_bars=pickups,
        dropped_bars=dropped_bars,
        dropped_notes=dropped_notes,
        null_notes=solo.null_notes,
        bad_notes=bad,
        nc_beats=_nc_beats(harmony, origin, bar_end(layout.bars, last)),
        regrouped_bars=layout.regrouped,
        chord_labels=tuple(sorted({b.chord for b in solo.beats if b.chord})),
    )
    info = solo.info
    leadsheet = LeadSheet(
        source=source,
        melody=melody,
        bars=tuple(bars),
        qpm=timing.qpm,
        melody_name=f"{info.performer} ({info.instrument})" if info.instrument else info.performer,
        reason=f"WJazzD solo {info.melid}: {info.performer}, {info.title}",
        chord_source="wjazzd",
        key_fifths=key_fifths(info.key),
        notes_dropped=merged,
        extra={"melid": info.melid, "performer": info.performer, "title": info.title},
        articulation=articulation,
        performed_ends=True,
        performed_velocities=bool(len(kept.rows)) and not np.isnan(notes.loudness[kept.rows]).any(),
    )
    return SoloSheet(leadsheet, stats)
