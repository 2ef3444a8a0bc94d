"""The roles of tracks: choosing the melody track, making it monophonic, finding the bass.

- `track_stats` / `choose_melody`: the non-drum track that is most monophonic, busiest,
  highest and most melodic by General MIDI program, with a one-line reason;
- `monophonic`: the top note of double stops, each note cut at the next onset;
- `is_bass_track`: a bass part (by program or register); `track_label`: a track in messages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import InputFileError
from jazzgen.core.timeline import TempoMap
from jazzgen.core.types import Note, Score, Track
from jazzgen.core.wording import plural

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


# Legato overlaps shorter than a grid step are not polyphony.
OVERLAP_TOLERANCE_BEATS = 1 / GRID_STEPS_PER_QUARTER


def program_family(program: int) -> str:
    """General MIDI family name of a 0-based program ('guitar', 'reed', 'bass', ...)."""
    if program in BASS_PROGRAMS:
        return "bass"
    for families in (_MELODIC_FAMILIES, _CHORDAL_FAMILIES):
        for programs, name in families.items():
            if program in programs:
                return name
    return "other"


def is_bass_track(track: Track) -> bool:
    """A bass part: a GM bass program or a line whose mean pitch is below E3."""
    if track.program in BASS_PROGRAMS:
        return True
    return bool(track.notes) and float(np.mean([n.pitch for n in track.notes])) < BASS_MEAN_PITCH


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


def track_label(track: Track | TrackStats) -> str:
    """How messages name a track: `2 'Tenor Sax'`, or just `2` when it has no name."""
    return f"{track.index} {track.name!r}" if track.name else str(track.index)


def choose_melody(score: Score, melody_track: int | str | None = None) -> tuple[Track, str]:
    """The melody track and a one-line reason.

    `melody_track` (index or exact/case-insensitive name) overrides the automatic choice;
    an unknown one raises InputFileError listing the tracks. Drum tracks are never chosen
    automatically; a file with only drums raises InputFileError.
    """
    tracks = score.tracks
    available = ", ".join(track_label(t) for t in tracks)
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
            raise InputFileError(score.path, f"track {track_label(chosen)} has no notes")
        return chosen, f"track {track_label(chosen)} chosen by the user"
    _refuse_empty_melody(score)
    stats = [s for s in track_stats(score) if s.score > -math.inf]
    if not stats:
        raise InputFileError(score.path, "no melodic track: the file has only drum tracks")
    best = max(stats, key=lambda s: s.score)
    reason = (
        f"{plural(best.note_count, 'note')}, {100 * (1 - best.polyphony):.0f}% monophonic, "
        f"mean pitch {best.mean_pitch:.0f}, plays in {100 * best.coverage:.0f}% of bars, "
        f"{best.family} (program {best.program}); best of {len(stats)} non-drum tracks"
    )
    return tracks[best.index], reason


MELODY_NAMES = ("melody", "solo", "lead")
"""Track names that say a track is the melody (jazzgen names its melody track "Melody")."""


def _refuse_empty_melody(score: Score) -> None:
    """InputFileError when the file's melody track is empty: a track named like a melody
    (`MELODY_NAMES`) has no notes and no other such track has any. Choosing another track
    would present the comping or the bass as the solo."""
    named = [t for t in score.tracks if t.name.strip().lower() in MELODY_NAMES and not t.is_drum]
    if named and not any(t.notes for t in named):
        raise InputFileError(
            score.path,
            f"the melody track {track_label(named[0])} has no notes "
            "(pass --melody-track to use another track)",
        )


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
