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
    BarSlot,
    bars_from_chord_symbols,
    bars_from_span_chords,
    chord_span_bounds,
    music_layout,
)
from jazzgen.analysis.chord_inference import (
    BASS_LINE_WEIGHT,
    NO_BASS,
    fill_chord_gaps,
    match_chords,
    span_histograms,
)
from jazzgen.analysis.melody import choose_melody, is_bass_track, monophonic, track_label
from jazzgen.core.constants import EPS
from jazzgen.core.errors import ConfigError, InputFileError
from jazzgen.core.harmony import Chord, ChordQuality
from jazzgen.core.timeline import TempoMap, Timeline
from jazzgen.core.types import Bar, LeadSheet, Note, Score, Track
from jazzgen.io.scores import read_score

POLYPHONIC_SHARE = 0.5
"""A lone melody track with at least this many notes under its top line per line note is
a self-accompanied part (e.g. solo piano): those notes give the chords."""


@dataclass(frozen=True)
class _Cut:
    """The bars cut out of a score and the melody-track notes with onsets in them."""

    layout: list[BarSlot]
    start_beat: float  # of the first bar
    end_beat: float  # of the last bar
    melody: list[Note]  # the monophonic line
    left_out: list[Note]  # melody-track notes not in the line (lower notes of double stops)


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
      from the score's chord symbols (lead sheets -> `chord_source="leadsheet"`, MIDI chord
      markers -> `"markers"`); else by pitch-class template matching of all non-drum tracks
      except the melody (`"accompaniment"`; a lone polyphonic melody track, such as solo
      piano, is its own accompaniment: the notes under its top line), a bass track's notes
      weighted down, the bass note at each span start as the root candidate, and chord
      changes inside a bar costing more (`match_chords`, `BassWeights`); else, with no
      accompaniment in the selected bars, from the melody itself, one chord per bar
      (`"melody"`). Spans without notes inherit the previous chord; equal consecutive chords
      in a bar merge. Every bar has >= 1 chord, the first starting at the bar start.
    Raises InputFileError for a bad track choice, a bad bar range, or no melody notes.
    """
    if not 0 < chord_span_beats <= 64:
        raise InputFileError(
            score.path, f"chord span must be in 0..64 quarter notes, got {chord_span_beats}"
        )
    is_leadsheet = score.source_format != "midi"
    track, reason = _melody_track(score, melody_track)
    line, _ = monophonic(track.notes, TempoMap(score.tempos))
    if not line:
        raise InputFileError(score.path, f"melody track {track_label(track)} has no notes")
    cut = _cut_bars(score, track, line, start_bar, end_bar)
    bars, chord_source = _bars_with_chords(score, track, cut, chord_span_beats)
    return LeadSheet(
        source=score.path,
        melody=tuple(cut.melody),
        bars=tuple(replace(bar, index=i) for i, bar in enumerate(bars)),
        qpm=Timeline.of(score.tempos).at(cut.start_beat).qpm,
        melody_track=None if is_leadsheet else track.index,
        melody_name=track.name,
        reason=reason,
        chord_source=chord_source,
        key_fifths=score.key_fifths,
        notes_dropped=len(cut.left_out),
    )


def last_onset(score: Score) -> float:
    """The beat of the last note onset of any track (0 for a file without notes)."""
    return max((n.start_beat for t in score.tracks for n in t.notes), default=0.0)


def file_bars(score: Score) -> int:
    """How many bars the file's music has (`analysis.bars.music_layout`)."""
    return len(music_layout(score.time_signatures, score.length_beats, last_onset(score)))


def _melody_track(score: Score, melody_track: int | str | None) -> tuple[Track, str]:
    """The melody track and why: a lead sheet's first part, else `choose_melody`."""
    if score.source_format != "midi":
        return score.tracks[0], f"the first part of the {score.source_format} lead sheet"
    return choose_melody(score, melody_track)


def _cut_bars(
    score: Score,
    track: Track,
    line: list[Note],
    start_bar: int | None,
    end_bar: int | None,
) -> _Cut:
    """The bars `start_bar`..`end_bar` (default: those in which `line` starts and ends) and
    the notes of the melody `track` and of its monophonic `line` that start in them."""
    end_of_music = max(score.length_beats, max(n.end_beat for n in line))
    layout = music_layout(score.time_signatures, end_of_music, last_onset(score))
    n_bars = len(layout)
    if start_bar is not None and not 1 <= start_bar <= n_bars:
        raise InputFileError(
            score.path, f"--start-bar must be in 1..{n_bars} (the file's bars), got {start_bar}"
        )
    if end_bar is not None and not 1 <= end_bar <= n_bars:
        raise InputFileError(
            score.path, f"--end-bar must be in 1..{n_bars} (the file's bars), got {end_bar}"
        )
    bar_at = Timeline.of(layout, start=lambda slot: slot[1], tolerance=EPS)
    first = start_bar - 1 if start_bar is not None else bar_at.index_at(line[0].start_beat)
    last = end_bar - 1 if end_bar is not None else bar_at.index_at(line[-1].start_beat)
    if last < first:
        raise InputFileError(
            score.path, f"--end-bar ({last + 1}) is before the first bar used ({first + 1})"
        )
    layout = layout[first : last + 1]
    start_beat = layout[0][1]
    end_beat = layout[-1][1] + layout[-1][2].bar_beats

    def starts_inside(note: Note) -> bool:
        return start_beat - EPS <= note.start_beat < end_beat - EPS

    melody = [n for n in line if starts_inside(n)]
    kept = {(n.pitch, n.start_beat) for n in melody}
    left_out = [n for n in track.notes if starts_inside(n) and (n.pitch, n.start_beat) not in kept]
    return _Cut(layout, start_beat, end_beat, melody, left_out)


def _bars_with_chords(
    score: Score, track: Track, cut: _Cut, chord_span_beats: float
) -> tuple[list[Bar], str]:
    """The bars of `cut` with their chords, and where the chords came from: the score's
    chord symbols, else the accompaniment, else the melody."""
    if score.chords:
        source = "markers" if score.source_format == "midi" else "leadsheet"
        return bars_from_chord_symbols(cut.layout, score.chords), source
    bars = _bars_from_accompaniment(score, track, cut, chord_span_beats)
    if bars is not None:
        return bars, "accompaniment"
    return _bars_from_melody(cut), "melody"


def _sounding(tracks: list[Track], start_beat: float, end_beat: float) -> list[Note]:
    """The notes of `tracks` sounding between `start_beat` and `end_beat`, track by track."""
    return [
        n for t in tracks for n in t.notes if n.end_beat > start_beat and n.start_beat < end_beat
    ]


def _bars_from_accompaniment(
    score: Score, track: Track, cut: _Cut, chord_span_beats: float
) -> list[Bar] | None:
    """Chords per span from the non-drum tracks other than the melody `track` (None when
    nothing sounds there): a bass track counts `BASS_LINE_WEIGHT`, and the upper voices
    alone decide whether a chord changes inside a bar."""
    bounds, owner = chord_span_bounds(cut.layout, chord_span_beats)
    backing = [t for t in score.tracks if not t.is_drum and t.index != track.index]
    accompaniment = _sounding(backing, cut.start_beat, cut.end_beat)
    if not accompaniment and len(cut.left_out) >= POLYPHONIC_SHARE * len(cut.melody):
        # A polyphonic melody track alone (solo piano, guitar chords under the line):
        # the notes under the top line are its accompaniment.
        accompaniment = cut.left_out
    hist, bass, bass_weight = span_histograms(accompaniment, bounds)
    bass_line = _sounding([t for t in backing if is_bass_track(t)], cut.start_beat, cut.end_beat)
    upper = None  # the pitch classes above the bass line (None: no bass track)
    if bass_line:  # passing and approach tones of a bass line must not outvote the comping
        line = span_histograms(bass_line, bounds)[0]
        upper = np.maximum(hist - line, 0.0)  # max: float rounding
        hist = np.maximum(hist - (1.0 - BASS_LINE_WEIGHT) * line, 0.0)
    bar_start = np.isin(bounds[:-1], [start for _, start, _ in cut.layout])
    chords = fill_chord_gaps(
        match_chords(hist, bass, bass_weight, bar_start=bar_start, upper=upper)
    )
    if chords is None:
        return None
    return bars_from_span_chords(cut.layout, bounds, owner, chords)


def _bars_from_melody(cut: _Cut) -> list[Bar]:
    """One chord per bar from the melody notes (fewer notes per span make shorter spans
    noisy); C major for a range without notes."""
    bar_bounds = np.array([start for _, start, _ in cut.layout] + [cut.end_beat])
    hist, bass, _ = span_histograms(cut.melody, bar_bounds)
    chords = fill_chord_gaps(match_chords(hist, bass, weights=NO_BASS))
    if chords is None:
        chords = [Chord(0, ChordQuality.MAJOR)] * len(cut.layout)  # silent range: C
    return bars_from_span_chords(cut.layout, bar_bounds, list(range(len(cut.layout))), chords)


@dataclass(frozen=True)
class SheetOptions:
    """What to cut out of a file: the melody track, the bars and the chord span."""

    melody_track: int | str | None = None  # index or name; None = choose automatically
    start_bar: int | None = None  # first bar (inclusive, counting from 1); None = first played
    end_bar: int | None = None  # last bar (inclusive); None = last played
    chord_span_beats: float = 2.0  # at most one chord change per this many quarter notes

    def __post_init__(self) -> None:
        if self.start_bar is not None and self.start_bar < 1:
            raise ConfigError(f"--start-bar must be >= 1, got {self.start_bar}")
        if self.end_bar is not None and self.end_bar < 1:
            raise ConfigError(f"--end-bar must be >= 1, got {self.end_bar}")
        if (
            self.start_bar is not None
            and self.end_bar is not None
            and self.end_bar < self.start_bar
        ):
            raise ConfigError(
                f"--end-bar must be >= --start-bar ({self.start_bar}), got {self.end_bar}"
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
