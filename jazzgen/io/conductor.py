"""Tempo, meter and chord markers as the readers find them, in the form a `Score` holds.

Both readers (`io.midi_reader`, `io.leadsheet_reader`) check tempos against `QPM_RANGE`
and hand their time signatures, in file order, to `meter_changes`; the MIDI reader hands
its marker events to `marker_chords`.
"""

from __future__ import annotations

from collections.abc import Iterable

from jazzgen.core.chord_symbols import parse_chord_label
from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.harmony import Chord
from jazzgen.core.types import ChordSpan, TimeSignature

QPM_RANGE = (10.0, 1000.0)
"""Tempos outside this range (quarter notes per minute) mark a broken file."""


def meter_changes(signatures: Iterable[TimeSignature]) -> list[TimeSignature]:
    """`Score.time_signatures` from the time signatures of a file, ordered by start beat.

    Of several at the same beat the last wins; a repeat of the meter in force is dropped;
    the first meter also holds from beat 0 (4/4 when the file has none).
    """
    changes: list[TimeSignature] = []
    for signature in signatures:
        if changes and changes[-1].start_beat == signature.start_beat:
            changes[-1] = signature
        elif not changes or _meter(changes[-1]) != _meter(signature):
            changes.append(signature)
    if not changes or changes[0].start_beat > 0:
        first = changes[0] if changes else TimeSignature(4, 4)
        changes.insert(0, TimeSignature(first.numerator, first.denominator, 0.0))
    return changes


def _meter(signature: TimeSignature) -> tuple[int, int]:
    return signature.numerator, signature.denominator


def marker_chords(
    markers: Iterable[tuple[int, str]], ticks_per_quarter: int, end_tick: int
) -> tuple[ChordSpan, ...]:
    """`Score.chords` from a MIDI file's marker events (tick, text), when every marker is a
    chord symbol or N.C. (how `jazzgen generate` and `jazzgen export` write the changes);
    none when any marker is something else (markers usually name sections). A chord lasts
    until the next marker, the last one until `end_tick`; N.C. makes no span."""
    labels: list[tuple[int, Chord | None]] = []
    for tick, text in sorted(markers, key=lambda marker: marker[0]):
        try:
            labels.append((tick, parse_chord_label(text)))
        except ChordSymbolError:
            return ()
    if not labels:
        return ()
    ends = [tick for tick, _ in labels[1:]] + [max(end_tick, labels[-1][0] + 1)]
    return tuple(
        ChordSpan(chord, tick / ticks_per_quarter, end / ticks_per_quarter)
        for (tick, chord), end in zip(labels, ends, strict=True)
        if chord is not None
    )
