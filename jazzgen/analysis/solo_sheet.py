"""A Weimar Jazz Database solo (`io.wjazzd.Solo`) into a `LeadSheet`, with counts.

`solo_leadsheet(solo, source)` -> `SoloSheet(leadsheet, stats)`; raises InputFileError
with a one-line reason for a solo that cannot become a lead sheet (no chords, no notes).
Every choice below is counted in `SoloStats`:

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
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np

from jazzgen.core.constants import DEFAULT_QPM, GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import ChordSymbolError, ConfigError, InputFileError
from jazzgen.core.harmony import Chord
from jazzgen.core.types import Bar, ChordSpan, LeadSheet, Note, TimeSignature
from jazzgen.io.wjazzd import MelodyEvent, Solo, wjazzd_chord

MAX_EDGE_BARS = 4
"""Bars kept before the first chord (pickups) and after a final NC (the ending)."""

FREE_METER = (1, 4)
"""The meter WJazzD gives solos in free rhythm; runs of it are regrouped into 4/4."""

FREE_GROUP_BARS = 4
"""1/4 bars per regrouped bar."""

MIN_NOTE_BEATS = 1.0 / 48.0
"""Shortest sounding length of a note (a quarter of a grid step), in quarter notes."""

END_TICKS_PER_QUARTER = 480
"""Note ends are kept at the resolution of the MIDI files jazzgen writes
(io.midi_writer.DEFAULT_TICKS_PER_QUARTER), so that a solo written by `jazzgen export` reads
back with the same ends, hence the same tokens (an end half a grid step from a rest
threshold would otherwise round either way)."""

_HALF_STEP = 0.5 / GRID_STEPS_PER_QUARTER  # the largest move rounding to the grid can make


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


class _LayoutBar(NamedTuple):
    number: int  # WJazzD bar number (the first one of a regrouped bar)
    start_step: int  # grid steps from the first bar of the solo
    numerator: int
    denominator: int


class _Columns(NamedTuple):
    """The solo's notes as columns, one entry per melody row (NULL durations are NaN)."""

    onset: np.ndarray  # seconds, float64
    pitch: np.ndarray  # int64
    duration: np.ndarray  # seconds, float64, NaN when NULL
    bar: np.ndarray  # int64, and beat, tatum, division alike
    beat: np.ndarray
    tatum: np.ndarray
    division: np.ndarray
    num: np.ndarray  # float64 (NaN when NULL), and denom alike
    denom: np.ndarray
    beatdur: np.ndarray  # seconds, float64, NaN when NULL

    @classmethod
    def of(cls, notes: Sequence[MelodyEvent]) -> _Columns:
        columns = list(zip(*notes, strict=True)) if notes else [()] * len(cls._fields)
        kinds = (float, np.int64, float, np.int64, np.int64, np.int64, np.int64, float, float,
                 float)  # fmt: skip
        return cls(*(np.array(c, dtype=k) for c, k in zip(columns, kinds, strict=True)))


class _Grid(NamedTuple):
    """Notes at their metric positions, in metric order: the exact onset is
    `exact_num / exact_den` grid steps, `step` the onset rounded to the grid."""

    rows: np.ndarray  # index of each note in the solo's columns
    exact_num: np.ndarray  # int64
    exact_den: np.ndarray  # int64
    step: np.ndarray  # int64, steps from the first bar of the solo
    beat_quarters: np.ndarray  # length of the note's beat in quarter notes (4 / denom)

    def take(self, which: np.ndarray) -> _Grid:
        return _Grid(*(column[which] for column in self))


# --- meter and bar layout ----------------------------------------------------------------------


def _meter(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        meter = TimeSignature.parse(text)
    except ConfigError:
        return None
    return meter.numerator, meter.denominator


def _bar_meters(solo: Solo, notes: _Columns) -> dict[int, tuple[int, int]]:
    """The meter of every WJazzD bar from the solo's first to its last bar (notes or beats):
    the notes' num/denom, else the beats table's signature in force (its first signature
    for the bars before it), else solo_info.signature, else 4/4."""
    known = (notes.num > 0) & (notes.denom > 0)  # False for NaN
    bars, first = np.unique(notes.bar[known], return_index=True)
    meters_of_notes = zip(
        notes.num[known][first].astype(int).tolist(),
        notes.denom[known][first].astype(int).tolist(),
        strict=True,
    )
    from_notes = dict(zip(bars.tolist(), meters_of_notes, strict=True))
    changes = [(b.bar, m) for b in solo.beats if (m := _meter(b.signature)) is not None]
    default = _meter(solo.info.signature) or (4, 4)
    ends = [b.bar for b in solo.beats[:1] + solo.beats[-1:]]
    if len(notes.bar):
        ends += [int(notes.bar.min()), int(notes.bar.max())]
    if not ends:
        return {}
    current = changes[0][1] if changes else default
    meters, k = {}, 0
    for bar in range(min(ends), max(ends) + 1):
        while k < len(changes) and changes[k][0] <= bar:
            current = changes[k][1]
            k += 1
        meters[bar] = from_notes.get(bar, current)
    return meters


def _bar_steps(numerator: int, denominator: int) -> int:
    """Grid steps of a bar (TimeSignature.bar_steps without making one)."""
    return round(numerator * 4 * GRID_STEPS_PER_QUARTER / denominator)


class _Layout(NamedTuple):
    bars: list[_LayoutBar]
    # WJazzD bar number -> (index of its layout bar, steps from that bar's start, its meter)
    where: dict[int, tuple[int, int, tuple[int, int]]]
    regrouped: int  # 1/4 bars that became part of a longer bar
    starts: list[int]  # start step of every bar (for bisection)

    def bar_of(self, step: int) -> int:
        """Index of the bar holding grid step `step` (the last one starting at or before)."""
        return max(bisect.bisect_right(self.starts, step) - 1, 0)


def _layout(meters: dict[int, tuple[int, int]]) -> _Layout:
    """The lead sheet's bars from the WJazzD bars' meters; runs of 1/4 bars are regrouped
    (module doc)."""
    numbers = sorted(meters)
    bars: list[_LayoutBar] = []
    where: dict[int, tuple[int, int, tuple[int, int]]] = {}
    step = i = regrouped = 0
    while i < len(numbers):
        run = 1
        while (
            meters[numbers[i]] == FREE_METER
            and run < FREE_GROUP_BARS
            and i + run < len(numbers)
            and meters[numbers[i + run]] == FREE_METER
        ):
            run += 1
        group = numbers[i : i + run]
        offset = 0
        for number in group:
            where[number] = (len(bars), offset, meters[number])
            offset += _bar_steps(*meters[number])
        numerator = sum(meters[n][0] for n in group)
        bars.append(_LayoutBar(group[0], step, numerator, meters[group[0]][1]))
        regrouped += run if run > 1 else 0
        step += offset
        i += run
    # one more bar, for an onset rounded onto the end of the last bar
    last_meter = meters[numbers[-1]]
    bars.append(_LayoutBar(numbers[-1] + 1, step, *last_meter))
    return _Layout(bars, where, regrouped, [bar.start_step for bar in bars])


# --- notes on the grid -------------------------------------------------------------------------


def _place_notes(notes: _Columns, layout: _Layout) -> tuple[_Grid, int]:
    """Every note at its exact metric position and its grid step (metric order, then
    onset), and how many notes lie outside their bar (beat > numerator, tatum > division:
    left out)."""
    lowest = min(layout.where)
    per_bar = np.zeros((max(layout.where) - lowest + 1, 3), dtype=np.int64)
    for number, (index, offset, (numerator, denominator)) in layout.where.items():
        per_bar[number - lowest] = (layout.bars[index].start_step + offset, numerator, denominator)
    base, numerator, denominator = per_bar[notes.bar - lowest].T
    division = notes.division
    inside = (notes.beat >= 1) & (notes.beat <= numerator)
    inside &= (notes.tatum >= 1) & (notes.tatum <= division)
    rows = np.flatnonzero(inside)
    exact_den = division[rows] * denominator[rows]
    within = (notes.beat[rows] - 1) * division[rows] + notes.tatum[rows] - 1
    exact_num = base[rows] * exact_den + within * 4 * GRID_STEPS_PER_QUARTER
    step = (2 * exact_num + exact_den) // (2 * exact_den)  # round half up
    grid = _Grid(rows, exact_num, exact_den, step, 4.0 / denominator[rows])
    order = np.lexsort((notes.onset[rows], exact_num / exact_den))
    return grid.take(order), len(notes.onset) - len(rows)


def _merge_same_step(grid: _Grid) -> tuple[_Grid, int]:
    """One note per grid step, the later one kept; and how many were left out."""
    keep = np.ones(len(grid.step), dtype=bool)
    keep[:-1] = grid.step[1:] != grid.step[:-1]
    return grid.take(keep), int(len(keep) - keep.sum())


def _displacement(grid: _Grid) -> tuple[int, float]:
    """(notes moved onto the grid, largest move in quarter notes)."""
    moves = np.abs(grid.step * grid.exact_den - grid.exact_num) / grid.exact_den
    largest = float(moves.max(initial=0.0)) / GRID_STEPS_PER_QUARTER
    return int(np.count_nonzero(moves)), min(largest, _HALF_STEP)


# --- chords ----------------------------------------------------------------------------------


class _Change(NamedTuple):
    step: int  # grid steps from the first bar
    label: str
    chord: Chord | None  # None: NC


def _chord_changes(solo: Solo, layout: _Layout, source: str) -> list[_Change]:
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


def _allowed_bars(layout: _Layout, harmony: _Harmony) -> tuple[int, int]:
    """First and last layout bar index kept: up to MAX_EDGE_BARS bars wholly before the
    first chord, and wholly after a final NC (module doc)."""
    first = layout.bar_of(harmony.first_step) - MAX_EDGE_BARS
    last = len(layout.bars) - 1
    if harmony.final_nc_step is not None:
        index = layout.bar_of(harmony.final_nc_step)
        starts_bar = layout.starts[index] == harmony.final_nc_step
        last = min(last, index + MAX_EDGE_BARS - (1 if starts_bar else 0))
    return max(first, 0), last


def _bar_end(bars: Sequence[_LayoutBar], index: int) -> int:
    bar = bars[index]
    return bar.start_step + _bar_steps(bar.numerator, bar.denominator)


def _sheet_bars(layout: _Layout, first: int, last: int, harmony: _Harmony) -> tuple[list[Bar], int]:
    """`Bar`s for layout bars first..last (beats from the first bar's start), and how many
    of them lie wholly before the first chord (pickups)."""
    origin = layout.bars[first].start_step
    bars: list[Bar] = []
    pickups = 0
    for index in range(first, last + 1):
        bar = layout.bars[index]
        start, end = bar.start_step, _bar_end(layout.bars, index)
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
        bars.append(Bar(len(bars), bar.number, start_beat, meter, chord_spans))
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


def _timing(solo: Solo, notes: _Columns, beat_quarters: float) -> _Timing:
    """Beat durations from the beats table and the tempo (module doc)."""
    local: dict[tuple[int, int], float] = {}
    for beat, following in zip(solo.beats, solo.beats[1:], strict=False):
        if following.onset > beat.onset:
            local[(beat.bar, beat.beat)] = following.onset - beat.onset
    durations = list(local.values()) or notes.beatdur[notes.beatdur > 0].tolist()
    median = statistics.median(durations) if durations else None
    if median is not None:
        qpm = 60.0 * beat_quarters / median
    elif solo.info.avgtempo and solo.info.avgtempo > 0:
        qpm = float(solo.info.avgtempo) * beat_quarters
    else:
        qpm = DEFAULT_QPM
    return _Timing(local, median, round(qpm, 3))


def _beat_seconds(notes: _Columns, rows: np.ndarray, timing: _Timing) -> np.ndarray:
    """Seconds of each note's beat: melody.beatdur, else the beats table, else the median
    (NaN when there is none)."""
    seconds = notes.beatdur[rows]
    for i in np.flatnonzero(~(seconds > 0)).tolist():
        key = (int(notes.bar[rows[i]]), int(notes.beat[rows[i]]))
        seconds[i] = timing.beat_seconds.get(key) or timing.median_seconds or np.nan
    return seconds


def _melody(
    notes: _Columns, grid: _Grid, origin: int, timing: _Timing
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
    columns = (notes.pitch[rows], start, end, onset, end_seconds)
    melody = tuple(
        Note(pitch, a, b, start=c, end=d)
        for pitch, a, b, c, d in zip(*(column.tolist() for column in columns), strict=True)
    )
    articulation = tuple(None if r != r else round(r, 4) for r in ratio.tolist())
    return melody, articulation


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


def _beat_quarters(meters: dict[int, tuple[int, int]]) -> float:
    """Quarter notes per beat of the solo's most common meter denominator (1.0 in x/4)."""
    denominators = [denominator for _, denominator in meters.values()]
    return 4.0 / max(set(denominators), key=denominators.count) if denominators else 1.0


def _in_region(grid: _Grid, layout: _Layout, first: int, last: int) -> tuple[_Grid, int, int]:
    """Notes whose bar is in first..last; and the notes and bars left out."""
    inside = (grid.step >= layout.starts[first]) & (grid.step < _bar_end(layout.bars, last))
    outside = grid.step[~inside]
    bars = np.searchsorted(layout.starts, outside, side="right") - 1
    return grid.take(inside), len(outside), len(np.unique(bars))


def solo_leadsheet(solo: Solo, source: str) -> SoloSheet:
    """The lead sheet of a WJazzD solo and its counts (module doc). `source` names it in
    the lead sheet and in errors (e.g. 'wjazzd.db#12').

    Raises InputFileError (one-line reason) for a solo without notes or without chords.
    """
    notes = _Columns.of(solo.notes)
    meters = _bar_meters(solo, notes)
    if not solo.notes or not meters:
        raise InputFileError(source, "no notes")
    layout = _layout(meters)
    placed, bad = _place_notes(notes, layout)
    harmony = _harmony(_chord_changes(solo, layout, source), source)
    first_allowed, last_allowed = _allowed_bars(layout, harmony)
    inside, dropped_notes, dropped_bars = _in_region(placed, layout, first_allowed, last_allowed)
    if not len(inside.step):
        raise InputFileError(source, "no notes in the bars with chords")
    moved, largest = _displacement(inside)
    kept, merged = _merge_same_step(inside)
    first, last = layout.bar_of(int(kept.step[0])), layout.bar_of(int(kept.step[-1]))
    bars, pickups = _sheet_bars(layout, first, last, harmony)
    origin = layout.bars[first].start_step
    timing = _timing(solo, notes, _beat_quarters(meters))
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
        nc_beats=_nc_beats(harmony, origin, _bar_end(layout.bars, last)),
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
    )
    return SoloSheet(leadsheet, stats)
