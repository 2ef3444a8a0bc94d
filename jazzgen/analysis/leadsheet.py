"""Cutting a `LeadSheet` out of a `Score`: melody choice, monophony, bars and chords.

`extract_leadsheet(score, ...)` does four things, each documented on its helper:
1. chooses the melody track (`analysis.melody.choose_melody`), or takes the one the user
   named;
2. makes the melody monophonic (`analysis.melody.monophonic`): top note of double stops;
3. cuts bars from the time signature(s) (`analysis.bars`), numbered from 1 in the file;
4. gives every bar its chords (`analysis.chord_inference` on the accompaniment or the
   melody, or the lead sheet's own chord symbols).
`read_leadsheet(path, SheetOptions(...))` reads a file and does all that.

Pure numpy on the MIDI path: no music21 import here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from jazzgen.analysis.bars import (
    _bars_from_span_chords,
    _bars_from_symbols,
    _span_bounds,
    make_bars_layout,
)
from jazzgen.analysis.chord_inference import (
    BASS_LINE_WEIGHT,
    NO_BASS,
    POLYPHONIC_SHARE,
    _fill_gaps,
    _is_bass_track,
    _span_histograms,
    match_chords,
)
from jazzgen.analysis.melody import (
    _track_label,
    choose_melody,
    monophonic,
)
from jazzgen.core.constants import EPS
from jazzgen.core.errors import ConfigError, InputFileError
from jazzgen.core.harmony import Chord, ChordQuality
from jazzgen.core.timeline import TempoMap
from jazzgen.core.types import (
    Bar,
    LeadSheet,
    Note,
    Score,
)
from jazzgen.io.scores import read_score

# --- 1. melody choice ----------------------------------------------------------------------------


# --- 2. monophony ------------------------------------------------------------------------------


# --- 3. bars -----------------------------------------------------------------------------------


# --- 4. chords -----------------------------------------------------------------------------------


# line note is a self-accompanied part (e.g. solo piano): those notes give the chords.


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


@dataclass(frozen=True)
class SheetOptions:
    """What to cut out of a file: the melody track, the bars and the chord span."""

    melody_track: int | str | None = None  # index or name; None = choose automatically
    start_bar: int | None = None  # first bar (inclusive, counting from 1); None = first played
    end_bar: int | None = None  # last bar (inclusive); None = last played
    chord_span_beats: float = 2.0  # at most one chord change per this many quarter notes

    def __post_init__(self) -> None:
        if self.start_bar is not None and self.start_bar < 1:
            raise ConfigError(f"start_bar must be >= 1, got {self.start_bar}")
        if self.end_bar is not None and self.end_bar < 1:
            raise ConfigError(f"end_bar must be >= 1, got {self.end_bar}")
        if (
            self.start_bar is not None
            and self.end_bar is not None
            and self.end_bar < self.start_bar
        ):
            raise ConfigError(
                f"end_bar must be >= start_bar ({self.start_bar}), got {self.end_bar}"
            )
        if not 0.25 <= self.chord_span_beats <= 64:
            raise ConfigError(
                f"chord_span_beats must be in range 0.25..64, got {self.chord_span_beats}"
            )


def read_leadsheet(
    path: str | Path, options: SheetOptions = SheetOptions()
) -> tuple[Score, LeadSheet]:
    """Read `path` and cut its lead sheet with `options` (melody track, bar range, chords)."""
    score = read_score(path)
    leadsheet = extract_leadsheet(
        score,
        melody_track=options.melody_track,
        start_bar=options.start_bar,
        end_bar=options.end_bar,
        chord_span_beats=options.chord_span_beats,
    )
    return score, leadsheet
