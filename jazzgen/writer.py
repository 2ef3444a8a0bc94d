"""The MIDI writer (mido): a clean, DAW-ready type 1 file from named parts.

Interface (implemented in this module):
    Part(name, program, channel, notes, volume)
    write_midi(path, parts, *, qpm, time_signature, key_fifths=0, ticks_per_quarter=480,
               swing=None, seed=0) -> None
    midi_bytes(parts, ...) -> bytes
"""

from __future__ import annotations

from dataclasses import dataclass

from jazzgen.score import Note


@dataclass(frozen=True)
class Part:
    """One output track: `name` ("Melody", "Chords", "Bass", "Drums"), GM `program` 0..127,
    0-based `channel` (9 = drums), notes in absolute quarter notes, `volume` CC7 0..127."""

    name: str
    program: int
    channel: int
    notes: tuple[Note, ...]
    volume: int = 100
