"""The chord changes to solo over: planned from a chord chart, a lead sheet or the bundle.

A `ProgressionPlan` holds bars of chords with offsets, the meter, tempo and key where the
source has them (`plan_from_chords` for a chart or an iReal Pro link, `plan_from_chart_file`,
`plan_from_leadsheet` for a lead sheet file or a WJazzD solo, `plan_from_bundle`);
`make_bars` repeats or truncates it into `Bar`s (each repetition of the progression a
section of the form); `guess_key_fifths` picks a key signature from the chords;
`step_features` gives the model's chord input at every grid step, `step_context` its
context input (`core.context`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.context import bar_frames, context_features, every_step
from jazzgen.core.errors import (
    FILE_NOT_FOUND,
    BundleError,
    ChordSymbolError,
    ConfigError,
    InputFileError,
)
from jazzgen.core.harmony import CHORD_FEATURES, Chord, chord_features
from jazzgen.core.style import Style
from jazzgen.core.types import Bar, ChordSpan, LeadSheet, TimeSignature
from jazzgen.io.charts import fill_no_chords, parse_chart_file_text, parse_progression
from jazzgen.io.ireal import IrealBar, IrealTune, is_ireal, read_ireal, select_tune
from jazzgen.training.bundle import Bundle

log = logging.getLogger(__name__)

DEFAULT_DRAWN_BARS = 16

_PITCH_CLASS_FIFTHS = {pc: ((pc * 7) % 12) - (12 if (pc * 7) % 12 > 6 else 0) for pc in range(12)}


BarChords = list[tuple[Chord, float]]  # chords of one bar with offsets (quarter notes)


def even_offsets(n: int, bar_beats: float) -> list[float]:
    """Offsets of `n` chords sharing a bar evenly, on whole beats when possible."""
    beats = round(bar_beats)
    if n <= beats and abs(beats - bar_beats) < 1e-9:
        return [float(round(i * beats / n)) for i in range(n)]
    return [i * bar_beats / n for i in range(n)]


def split_bar(chords: Sequence[Chord], bar_beats: float) -> BarChords:
    """Chords of one bar at evenly split offsets, on whole beats when possible."""
    return list(zip(chords, even_offsets(len(chords), bar_beats), strict=True))


def make_bars(
    progression: Sequence[BarChords],
    time_signature: TimeSignature,
    n_bars: int,
    *,
    first_index: int = 0,
    start_beat: float = 0.0,
) -> list[Bar]:
    """`n_bars` bars from `progression`, repeated or truncated."""
    bar_beats = time_signature.bar_beats
    bars = []
    for i in range(n_bars):
        # chords past the bar end (a lead sheet bar of another meter) are dropped
        chords = [(c, off) for c, off in progression[i % len(progression)] if off < bar_beats]
        start = start_beat + i * bar_beats
        offsets = [off for _, off in chords] + [bar_beats]
        spans = tuple(
            ChordSpan(chord, start + offsets[k], start + offsets[k + 1])
            for k, (chord, _) in enumerate(chords)
        )
        index = first_index + i
        form = ("", i % len(progression))  # a repetition of the changes is a section
        bars.append(Bar(index, index + 1, start, time_signature, spans, form))
    return bars


ROOT_WEIGHT = 1.5  # per beat of a chord, for the key on its root (see guess_key_fifths)


def guess_key_fifths(bars: Sequence[Bar]) -> int:
    """Sharps (+) / flats (-) of the major key that best fits the chords.

    Each chord votes, weighted by its length, for the keys whose major scale holds its
    tones, and adds `ROOT_WEIGHT` to the key on its own root: home chords sound longest,
    so a blues in F (F7 Bb7 ...) gets one flat rather than the two that its F7's Eb
    alone would suggest.
    """
    major = (0, 2, 4, 5, 7, 9, 11)
    scores = np.zeros(12)
    for bar in bars:
        for span in bar.chords:
            weight = span.end_beat - span.start_beat
            pcs = span.chord.pitch_classes
            for tonic in range(12):
                scale = {(tonic + i) % 12 for i in major}
                scores[tonic] += weight * sum(pc in scale for pc in pcs)
            scores[span.chord.root] += ROOT_WEIGHT * weight
    best = max(range(12), key=lambda k: (scores[k], -abs(_PITCH_CLASS_FIFTHS[k])))
    return _PITCH_CLASS_FIFTHS[best]


@dataclass(frozen=True)
class ProgressionPlan:
    """The changes to solo over, before they are laid out in bars (`make_bars`)."""

    progression: list[BarChords]  # one entry per bar of the source
    time_signature: TimeSignature
    qpm: float | None  # the source's tempo, if it has one
    key_fifths: int | None  # the source's key signature, if it has one
    source: str  # where the chords come from, for the report
    default_bars: int  # bars to generate when the user gives no --bars
    melody_program: int | None = None  # the instrument of a WJazzD solo (GM program)


def plan_from_chords(
    text: str, time_signature: TimeSignature, *, tune: str | None = None
) -> ProgressionPlan:
    """A chord chart 'Dm7 G7 | Cmaj7' in `time_signature` (chords of a bar split evenly),
    or the tune `tune` of the iReal Pro link(s) in `text` (see `plan_from_ireal`)."""
    if is_ireal(text):
        return plan_from_ireal(select_tune(read_ireal(text), tune))
    _no_tune(tune)
    bars = parse_progression(text)
    prog = [split_bar(chords, time_signature.bar_beats) for chords in bars]
    return ProgressionPlan(prog, time_signature, None, None, "chords", len(prog))


def _no_tune(tune: str | None) -> None:
    if tune is not None:
        raise ConfigError("--tune picks a tune of an iReal Pro link, and the chart has none")


def plan_from_chart_file(
    path: str | Path, time_signature: TimeSignature, *, tune: str | None = None
) -> ProgressionPlan:
    """The chart in a text file (the --chords syntax over lines, `#` comments; see
    `io.charts.parse_chart_file_text`), or an iReal Pro link / HTML export in it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(path, FILE_NOT_FOUND) from None
    except UnicodeDecodeError:
        raise InputFileError(path, "not a text file (a chord chart is UTF-8 text)") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read file: {exc.strerror or exc}") from None
    if is_ireal(text):
        return plan_from_chords(text, time_signature, tune=tune)
    _no_tune(tune)
    bars = fill_no_chords(parse_chart_file_text(text), str(path))
    prog = [split_bar(chords, time_signature.bar_beats) for chords in bars]
    return ProgressionPlan(prog, time_signature, None, None, f"chart {path}", len(prog))


def ireal_bar_offsets(bar: IrealBar, bar_beats: float) -> list[float]:
    """Where the chords of an iReal bar start, in quarter notes: on the beat of their cell
    when the bar has a cell per beat (4 cells in 4/4), else evenly (`split_bar`)."""
    beats = round(bar_beats)
    if bar.cells == beats and abs(beats - bar_beats) < 1e-9:
        return [float(cell) for cell in bar.cell]
    return even_offsets(len(bar.chords), bar_beats)


def plan_from_ireal(tune: IrealTune) -> ProgressionPlan:
    """The changes of an iReal Pro tune: its form played out, its meter, tempo and key.

    N.C. continues the chord before it (as in charts); a bar whose first chord starts after
    its first beat (`p` slashes, empty cells) begins with the chord sounding before it.
    """
    bar_beats = tune.time_signature.bar_beats
    chords = fill_no_chords([list(bar.chords) for bar in tune.bars], tune.title)
    prog: list[BarChords] = []
    for bar, bar_chords in zip(tune.bars, chords, strict=True):
        offsets = ireal_bar_offsets(bar, bar_beats)
        entries = list(zip(bar_chords, offsets, strict=True))
        if entries[0][1] > 0 and prog:
            entries.insert(0, (prog[-1][-1][0], 0.0))
        elif entries[0][1] > 0:  # the tune's first chord starts its first bar
            entries[0] = (entries[0][0], 0.0)
        prog.append(entries)
    source = f"ireal {tune.title}"
    return ProgressionPlan(prog, tune.time_signature, tune.qpm, tune.key_fifths, source, len(prog))


def read_leadsheet_file(path: str | Path, solo: int | None = None) -> LeadSheet:
    """The lead sheet (melody, bars of chords, tempo, key) of a MIDI/MusicXML/ABC file, or
    of the solo `solo` (its melid) of a Weimar Jazz Database file (`analysis.solo_sheet`)."""
    return _read_leadsheet_and_program(path, solo)[0]


def _read_leadsheet_and_program(path: str | Path, solo: int | None) -> tuple[LeadSheet, int | None]:
    """`read_leadsheet_file`, and the GM program of a WJazzD solo's instrument (None for
    a file, or an instrument without one)."""
    from jazzgen.io.wjazzd import instrument_program, is_database_path  # only when read

    if is_database_path(path):
        if solo is None:
            raise ConfigError(
                f"{path} is a Weimar Jazz Database: pick a solo with --solo MELID "
                f"(`jazzgen inspect {path}` lists the solos and their melids)"
            )
        from jazzgen.analysis.solo_sheet import solo_leadsheet
        from jazzgen.io.wjazzd import read_solos

        (record,) = read_solos(path, [solo])
        program = instrument_program(record.info.instrument)
        return solo_leadsheet(record, f"{path}#{solo}").leadsheet, program
    if solo is not None:
        raise ConfigError(f"--solo picks a solo of a WJazzD database, and {path} is not one")
    from jazzgen.analysis.leadsheet import read_leadsheet

    return read_leadsheet(path)[1], None


def plan_from_leadsheet(path: str | Path, *, solo: int | None = None) -> ProgressionPlan:
    """The chords, meter, tempo and key of a lead sheet file, or of a WJazzD solo's changes
    (`solo`: its melid; a solo that changes meter is planned in its first bar's meter; its
    instrument's GM program goes with the plan, for the melody)."""
    sheet, program = _read_leadsheet_and_program(path, solo)
    prog = [[(s.chord, s.start_beat - bar.start_beat) for s in bar.chords] for bar in sheet.bars]
    ts = sheet.time_signature
    source = f"leadsheet {path}" + (f" solo {solo}" if solo is not None else "")
    return ProgressionPlan(prog, ts, sheet.qpm, sheet.key_fifths, source, len(prog), program)


def plan_from_bundle(bundle: Bundle, rng: np.random.Generator) -> ProgressionPlan:
    """One of the bundle's training progressions drawn with `rng`, in the bundle's meter
    (a ii-V-I cadence when the bundle has none)."""
    ts = bundle.time_signature
    pieces = [p for p in bundle.progressions if p and all(p)]
    if not pieces:
        cadence = "Dm7 G7 | Cmaj7 | Dm7 G7 | Cmaj7"
        log.warning("bundle has no progressions: using %r", cadence)
        return replace(plan_from_chords(cadence, ts), source="default cadence")
    index = int(rng.integers(len(pieces)))
    try:
        prog = [
            split_bar([parse_chord_symbol(s) for s in bar], ts.bar_beats) for bar in pieces[index]
        ]
    except ChordSymbolError as exc:
        raise BundleError(f"{bundle.path}: bad chord in config progressions: {exc}") from None
    return ProgressionPlan(prog, ts, None, None, f"bundle progression {index}", DEFAULT_DRAWN_BARS)


def step_features(bars: Sequence[Bar]) -> np.ndarray:
    """`(sum of bar steps, 24)`: chord features of the chord at every grid step."""
    rows = []
    for bar in bars:
        for step in range(bar.steps):
            rows.append(
                chord_features(bar.chord_at(bar.start_beat + step / GRID_STEPS_PER_QUARTER))
            )
    return np.asarray(rows, np.float32).reshape(-1, CHORD_FEATURES)


def step_context(bars: Sequence[Bar], qpm: float, style: Style) -> np.ndarray:
    """`(sum of bar steps, CONTEXT_FEATURES)` uint8: the context input (`core.context`) of
    an onset at every grid step of `bars` played at `qpm` in `style` (form positions from
    each bar's `form`, counted on where it is None)."""
    frames = bar_frames(bars)
    bar_index, step = every_step(frames)
    return context_features(frames, bar_index, step, qpm, style)
