"""Tempo and meter as the readers find them, tidied into the form a `Score` holds.

Both readers (`io.midi_reader`, `io.leadsheet_reader`) check tempos against `QPM_RANGE`
and hand their time signatures, in file order, to `meter_changes`.
"""

from __future__ import annotations

from collections.abc import Iterable

from jazzgen.core.types import TimeSignature

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
