"""The MIDI writer (mido): a clean, DAW-ready type 1 file from named parts.

    Part(name, program, channel, notes, volume)
    write_midi(path, parts, *, qpm, time_signature, key_fifths=0, ticks_per_quarter=480,
               swing=None, seed=0) -> None
    midi_bytes(parts, ...) -> bytes

File layout: track 0 is the conductor track (name, tempo, time signature and key signature
at tick 0, later meters, and chord symbols as marker events at each change); then one track
per part with its name, program change and volume (CC 7) at tick 0 and its notes.
Guarantees: every note-on has a note-off, no zero-length notes (a note shorter than a tick
lasts one tick), no overlapping notes of one pitch on a channel (the earlier note ends where
the next one starts), note-offs sort before note-ons on the same tick, every track ends with
end_of_track. Output bytes depend only on the arguments.

`swing` (0.5..0.75, None = off): off-beat eighths that sit exactly on the straight "and"
(x.5 beats) move to `x + swing` (0.6 = the first eighth takes 60% of the beat); times in
between are stretched linearly, so note order never changes. Generated melodies are
already triplet-swung by the grammar, so the default is off.

Velocity variation: each note's velocity moves by a seeded random amount in
-`velocity_jitter`..+`velocity_jitter` (default 6), clamped to 1..127.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np

from jazzgen.core.constants import EPS, ROUNDING_EPS
from jazzgen.core.errors import ConfigError
from jazzgen.core.harmony import MAJOR_KEY_NAMES
from jazzgen.core.types import Note, TimeSignature

DEFAULT_TICKS_PER_QUARTER = 480


@dataclass(frozen=True)
class Part:
    """One output track: `name` ("Melody", "Chords", "Bass", "Drums"), GM `program` 0..127,
    0-based `channel` (9 = drums), notes in absolute quarter notes, `volume` CC7 0..127."""

    name: str
    program: int
    channel: int
    notes: tuple[Note, ...]
    volume: int = 100

    def __post_init__(self) -> None:
        if not 0 <= self.program <= 127:
            raise ConfigError(f"program must be in range 0..127, got {self.program}")
        if not 0 <= self.channel <= 15:
            raise ConfigError(f"channel must be in range 0..15, got {self.channel}")
        if not 0 <= self.volume <= 127:
            raise ConfigError(f"volume must be in range 0..127, got {self.volume}")


def key_name(key_fifths: int) -> str:
    """mido key name of a major key given by sharps (+) / flats (-): 2 -> 'D', -3 -> 'Eb'."""
    if key_fifths not in MAJOR_KEY_NAMES:
        raise ConfigError(f"key_fifths must be in range -7..7, got {key_fifths}")
    return MAJOR_KEY_NAMES[key_fifths]


def swing_beat(beat: float, ratio: float) -> float:
    """Swing a time in quarter notes: a straight off-beat eighth (x.5) moves to x + `ratio`.

    Every other position stays, so lines that are already triplet-swung (onsets at 2/3 of
    the beat, as the grammar keeps them) and the comping's triplet off-beats are not swung
    twice. Note ends on an off-beat move with it, so the note before it stays legato.
    """
    whole = np.floor(beat + ROUNDING_EPS)
    if abs(beat - whole - 0.5) < EPS:
        return float(whole + ratio)
    return float(beat)


def _note_events(
    part: Part,
    ticks_per_quarter: int,
    swing: float | None,
    rng: np.random.Generator,
    velocity_jitter: int,
) -> list[tuple[int, int, mido.Message]]:
    """(tick, order, message) for the part's notes, cleaned (see module doc)."""
    spans: list[tuple[int, int, int, int]] = []  # start, end, pitch, velocity
    for note in sorted(part.notes, key=lambda n: (n.start_beat, n.pitch, n.end_beat)):
        start_beat, end_beat = note.start_beat, note.end_beat
        if swing is not None:
            start_beat, end_beat = swing_beat(start_beat, swing), swing_beat(end_beat, swing)
        start = max(0, round(start_beat * ticks_per_quarter))
        end = max(start + 1, round(end_beat * ticks_per_quarter))
        jitter = int(rng.integers(-velocity_jitter, velocity_jitter + 1)) if velocity_jitter else 0
        velocity = int(min(127, max(1, note.velocity + jitter)))
        if not 0 <= note.pitch <= 127:
            raise ConfigError(f"note pitch must be in range 0..127, got {note.pitch}")
        spans.append((start, end, note.pitch, velocity))
    # no overlapping notes of one pitch: cut the earlier one where the next one starts
    by_pitch: dict[int, list[list[int]]] = {}
    for start, end, pitch, velocity in spans:
        same = by_pitch.setdefault(pitch, [])
        if same and same[-1][1] > start:
            if same[-1][0] >= start:  # same onset: keep one note, the longer
                same[-1][1] = max(same[-1][1], end)
                same[-1][2] = max(same[-1][2], velocity)
                continue
            same[-1][1] = start
        same.append([start, end, velocity])
    events: list[tuple[int, int, mido.Message]] = []
    ch = part.channel
    for pitch, notes in by_pitch.items():
        for start, end, velocity in notes:
            events.append(
                (start, 1, mido.Message("note_on", channel=ch, note=pitch, velocity=velocity))
            )
            events.append((end, 0, mido.Message("note_off", channel=ch, note=pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1], e[2].note))
    return events


def _track(name: str, head: Sequence[mido.Message | mido.MetaMessage], events) -> mido.MidiTrack:
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=name, time=0))
    for message in head:
        track.append(message.copy(time=0))
    now = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def _conductor_events(
    meter_changes: Sequence[TimeSignature],
    chord_markers: Sequence[tuple[float, str]],
    ticks_per_quarter: int,
) -> list[tuple[int, int, mido.MetaMessage]]:
    """(tick, order, message) of the later meters and the chord markers."""
    events: list[tuple[int, int, mido.MetaMessage]] = []
    for meter in meter_changes:
        if meter.denominator < 1 or meter.denominator & (meter.denominator - 1):
            raise ConfigError(
                f"time signature denominator must be a power of 2, got {meter.denominator}"
            )
        message = mido.MetaMessage(
            "time_signature", numerator=meter.numerator, denominator=meter.denominator
        )
        events.append((round(meter.start_beat * ticks_per_quarter), 0, message))
    for beat, symbol in chord_markers:
        message = mido.MetaMessage("marker", text=symbol)
        events.append((round(beat * ticks_per_quarter), 1, message))
    events.sort(key=lambda event: (event[0], event[1]))
    return events


def build_midi(
    parts: Sequence[Part],
    *,
    qpm: float,
    time_signature: TimeSignature = TimeSignature(4, 4),
    key_fifths: int = 0,
    ticks_per_quarter: int = DEFAULT_TICKS_PER_QUARTER,
    swing: float | None = None,
    seed: int = 0,
    velocity_jitter: int = 6,
    title: str = "jazzgen",
    meter_changes: Sequence[TimeSignature] = (),
    chord_markers: Sequence[tuple[float, str]] = (),
) -> mido.MidiFile:
    """A type 1 `mido.MidiFile` of `parts` (see module doc).

    `meter_changes`: later time signatures, each at its `start_beat` (a bar line);
    `chord_markers`: (beat, chord symbol) written as marker events on the conductor track,
    so a DAW shows the changes and `jazzgen inspect` reads them back (io.midi_reader).
    """
    if not 1.0 <= qpm <= 1000.0:
        raise ConfigError(f"tempo must be in range 1..1000 quarter notes per minute, got {qpm}")
    if swing is not None and not 0.5 <= swing <= 0.75:
        raise ConfigError(f"swing must be in range 0.5..0.75, got {swing}")
    denominator = time_signature.denominator
    if denominator < 1 or denominator & (denominator - 1):
        raise ConfigError(f"time signature denominator must be a power of 2, got {denominator}")
    channels = [p.channel for p in parts]
    if len(set(channels)) != len(channels):
        raise ConfigError(f"each part needs its own MIDI channel, got {channels}")
    midi = mido.MidiFile(type=1, ticks_per_beat=ticks_per_quarter)
    conductor = [
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(qpm)),
        mido.MetaMessage(
            "time_signature", numerator=time_signature.numerator, denominator=denominator
        ),
        mido.MetaMessage("key_signature", key=key_name(key_fifths)),
    ]
    midi.tracks.append(
        _track(title, conductor, _conductor_events(meter_changes, chord_markers, ticks_per_quarter))
    )
    rng = np.random.default_rng(seed)
    for part in parts:
        head = [
            mido.Message("program_change", channel=part.channel, program=part.program),
            mido.Message("control_change", channel=part.channel, control=7, value=part.volume),
        ]
        events = _note_events(part, ticks_per_quarter, swing, rng, velocity_jitter)
        midi.tracks.append(_track(part.name, head, events))
    return midi


def midi_bytes(parts: Sequence[Part], **kwargs) -> bytes:
    """The bytes of the file `build_midi(parts, **kwargs)` describes."""
    buffer = io.BytesIO()
    build_midi(parts, **kwargs).save(file=buffer)
    return buffer.getvalue()


def write_midi(path: str | Path, parts: Sequence[Part], **kwargs) -> None:
    """Write `build_midi(parts, **kwargs)` to `path` (overwrites; callers check first)."""
    Path(path).write_bytes(midi_bytes(parts, **kwargs))
