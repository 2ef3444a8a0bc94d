"""`read_score(path)`: any input file into a `Score`, by its extension.

`.mid`/`.midi` go to `io.midi_reader`, `.xml`/`.mxl`/`.musicxml`/`.abc` to
`io.leadsheet_reader`. A missing, unreadable or unsupported file raises `InputFileError`;
a score longer than the limits allow (`check_score_limits`) raises `InputLimitError`.
"""

from __future__ import annotations

import math
from pathlib import Path

from jazzgen.core import limits
from jazzgen.core.errors import InputFileError, InputLimitError
from jazzgen.core.timeline import TempoMap
from jazzgen.core.types import Score
from jazzgen.io.files import MIDI_EXTENSIONS, SUPPORTED_EXTENSIONS, read_input_bytes
from jazzgen.io.leadsheet_reader import read_leadsheet_score
from jazzgen.io.midi_reader import parse_midi_bytes


def read_score(path: str | Path) -> Score:
    """Read a MIDI file or a MusicXML/ABC lead sheet into a `Score`.

    Raises InputFileError (one-line `reason`) for a missing, unreadable, corrupt or empty file,
    an unsupported extension, SMPTE time division, or an absurd tempo.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise InputFileError(
            path,
            f"unsupported file type {suffix or '(none)'!r}: use one of "
            + ", ".join(SUPPORTED_EXTENSIONS),
        )
    data = read_input_bytes(path)
    if suffix in MIDI_EXTENSIONS:
        score = parse_midi_bytes(data, path)
    else:
        score = read_leadsheet_score(path, data)
    check_score_limits(score)
    return score


def approximate_bars(score: Score) -> int:
    """How many bars `score` lasts: its length cut by the bar length of each meter."""
    meters = sorted(score.time_signatures, key=lambda ts: ts.start_beat)
    total = 0.0
    for i, meter in enumerate(meters):
        end = meters[i + 1].start_beat if i + 1 < len(meters) else score.length_beats
        span = min(end, score.length_beats) - meter.start_beat
        total += max(span, 0.0) / meter.bar_beats
    return math.ceil(total)


def check_score_limits(score: Score) -> None:
    """InputLimitError when `score` is longer than the `hours`, `bars`, `notes` or
    `note-bars` limits allow (core.limits): such a file would cost minutes and gigabytes."""
    current = limits.current()
    path = score.path
    notes = sum(len(track.notes) for track in score.tracks)
    if notes > current.notes:
        raise InputLimitError(path, limits.exceeded("notes", f"{notes} notes"))
    hours = TempoMap(score.tempos).seconds(score.length_beats) / 3600
    if hours > current.hours:
        raise InputLimitError(path, limits.exceeded("hours", f"{hours:.1f} hours of music"))
    bars = approximate_bars(score)
    if bars > current.bars:
        raise InputLimitError(path, limits.exceeded("bars", f"{bars} bars"))
    longest = max((n.end_beat - n.start_beat for t in score.tracks for n in t.notes), default=0)
    if longest > 4 * current.note_bars:
        note = max(
            (n for t in score.tracks for n in t.notes), key=lambda n: n.end_beat - n.start_beat
        )
        found = f"a note {longest / 4:.0f} bars long (4/4) at quarter note {note.start_beat:g}"
        raise InputLimitError(path, limits.exceeded("note_bars", found))
