"""The MIDI reader: standard MIDI file bytes into a `Score` (the only MIDI reader).
Kept (bench_preprocess.py, files/s/core): ours 165, mido 30 < 100 goal, symusic 3260 drops channels.

A small standard-MIDI-file parser. symusic is fast but merges MIDI channels away (its tracks
are split by program, and the channel is lost apart from `is_drum`), and mido builds one
Python object per event (0.2 s for a 90 KB file); we need the channel and the *first*
program of each track, so we walk the bytes ourselves. The parser handles SMF type 0 and 1,
any ticks per quarter, running status, note-on with velocity 0 as note-off, overlapping
same-pitch notes (paired first-in first-out), tempo and time-signature changes (seconds
come from the tempo map; beats are ticks / ticks_per_quarter). Each (MTrk chunk, channel)
pair with notes becomes one `Track` (so type 0 files are split per channel), and so does an
MTrk chunk without notes that sets a program (a part left empty, such as a solo's empty
Melody track; chunks of only text and tempo events are no track); `Track.index` counts
these from 0 in file order.

Every problem with the file raises `InputFileError(path, reason)` with a one-line reason;
no raw exception escapes for a bad file.
"""

from __future__ import annotations

import logging
import struct
from collections import deque
from pathlib import Path

from jazzgen.core.constants import DEFAULT_QPM
from jazzgen.core.errors import InputFileError
from jazzgen.core.timeline import TempoMap
from jazzgen.core.types import Note, Score, Tempo, TimeSignature, Track
from jazzgen.io.conductor import QPM_RANGE, marker_chords, meter_changes

log = logging.getLogger(__name__)


def parse_midi_bytes(data: bytes, path: str | Path = "<bytes>") -> Score:
    """Parse standard MIDI file bytes into a `Score` (see the module docstring)."""
    n_tracks, tpq, pos = _read_header(data, path)
    conductor = _Conductor()
    chunks = _read_track_chunks(data, pos, n_tracks, conductor, path)
    tempos = _tempo_changes(conductor.tempos, tpq, path)
    time_signatures = meter_changes(_time_signatures(conductor.time_signatures, tpq, path))
    tracks, end_tick = _tracks_from_chunks(chunks, tpq, TempoMap(tempos))
    if not any(track.notes for track in tracks):
        raise InputFileError(path, "MIDI file has no notes")
    return Score(
        path=str(path),
        tracks=tuple(tracks),
        ticks_per_quarter=tpq,
        tempos=tuple(tempos),
        time_signatures=tuple(time_signatures),
        key_fifths=_key_fifths(conductor.keys),
        length_beats=end_tick / tpq,
        chords=marker_chords(conductor.markers, tpq, end_tick),
    )


# --- header and chunks --------------------------------------------------------------------------


def _read_header(data: bytes, path: str | Path) -> tuple[int, int, int]:
    """(declared number of tracks, ticks per quarter, byte after the header) of an SMF
    type 0 or 1 file; InputFileError saying what is wrong with any other file."""
    if len(data) == 0:
        raise InputFileError(path, "empty file (0 bytes)")
    if data[:4] != b"MThd":
        if data[:4] == b"RIFF":
            raise InputFileError(path, "RIFF MIDI files are not supported; export a plain .mid")
        raise InputFileError(path, "not a MIDI file (no 'MThd' header)")
    if len(data) < 14:
        raise InputFileError(path, "truncated MIDI file (header incomplete)")
    header_len = int.from_bytes(data[4:8], "big")
    fmt, n_tracks, division = struct.unpack(">HHH", data[8:14])
    if header_len < 6:
        raise InputFileError(path, f"corrupt MIDI header (length {header_len}, expected 6)")
    if fmt == 2:
        raise InputFileError(
            path, "MIDI format 2 (independent sequences) is not supported: export type 0 or 1"
        )
    if fmt > 2:
        raise InputFileError(path, f"unknown MIDI file format {fmt} (expected 0 or 1)")
    if division & 0x8000:
        raise InputFileError(
            path, "SMPTE time division is not supported (need ticks per quarter note)"
        )
    if division == 0:
        raise InputFileError(path, "corrupt MIDI header: 0 ticks per quarter note")
    return n_tracks, division, 8 + header_len


class _Corrupt(Exception):
    """Internal: the byte stream is malformed; converted to InputFileError."""


class _Conductor:
    """Tempo, meter, key and marker events of all tracks, in ticks, in file order."""

    __slots__ = ("keys", "markers", "tempos", "time_signatures")

    def __init__(self) -> None:
        self.tempos: list[tuple[int, int]] = []  # (tick, microseconds per quarter)
        self.time_signatures: list[tuple[int, int, int]] = []  # (tick, numerator, denominator)
        self.keys: list[tuple[int, int]] = []  # (tick, sharps (+) or flats (-))
        self.markers: list[tuple[int, str]] = []  # (tick, text) of marker events


class _TrackData:
    """Raw events collected from one MTrk chunk."""

    __slots__ = ("end_tick", "name", "notes", "programs")

    def __init__(self) -> None:
        self.name = ""
        self.programs: dict[int, int] = {}  # channel -> first program
        # channel -> list of (start_tick, end_tick, pitch, velocity)
        self.notes: dict[int, list[tuple[int, int, int, int]]] = {}
        self.end_tick = 0


def _read_track_chunks(
    data: bytes, pos: int, n_tracks: int, conductor: _Conductor, path: str | Path
) -> list[_TrackData]:
    """The declared number of MTrk chunks from byte `pos` on. Bytes after them (some writers
    append junk) are ignored; unknown chunk types are skipped, as the standard asks."""
    chunks: list[_TrackData] = []
    try:
        while pos < len(data) and len(chunks) < n_tracks:
            if len(data) - pos < 8:
                if data[pos:].strip(b"\x00") == b"":
                    break  # zero padding at the end of the file
                raise _Corrupt("truncated chunk header")
            chunk_type = data[pos : pos + 4]
            length = int.from_bytes(data[pos + 4 : pos + 8], "big")
            body = pos + 8
            end = body + length
            if chunk_type == b"MTrk":
                if end > len(data):
                    raise _Corrupt(
                        f"track {len(chunks)} declares {length} bytes, "
                        f"only {len(data) - body} present"
                    )
                chunks.append(_parse_track(data, body, end, conductor))
            elif not chunk_type.isalnum():
                raise _Corrupt(f"garbage chunk type {chunk_type!r} at byte {pos}")
            pos = end
    except _Corrupt as exc:
        raise InputFileError(path, f"corrupt or truncated MIDI file: {exc}") from None
    except (IndexError, KeyError, struct.error):
        raise InputFileError(path, "corrupt or truncated MIDI file: an event is cut off") from None
    if not chunks:
        raise InputFileError(path, "MIDI file has no tracks")
    if len(chunks) < n_tracks:
        log.warning("%s: header declares %d tracks, found %d", path, n_tracks, len(chunks))
    return chunks


# --- events of one track ------------------------------------------------------------------------


def _varlen(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        b = data[pos]
        pos += 1
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            return value, pos
    raise _Corrupt("variable-length quantity longer than 4 bytes")


# Data bytes following a channel status, by high nibble.
_DATA_LEN = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}


def _parse_track(data: bytes, pos: int, end: int, conductor: _Conductor) -> _TrackData:
    """Notes per channel, first programs and name of the MTrk chunk `data[pos:end]`; its
    tempo, meter and key events go to `conductor`. The loop is the parser's hot path: note
    and channel events are handled inline, the rare system events by `_system_event`."""
    track = _TrackData()
    tick = 0
    status = 0
    # (channel, pitch) -> FIFO of (start_tick, velocity): overlapping same-pitch notes are
    # paired first-in first-out, as most sequencers and pretty_midi do.
    open_notes: dict[tuple[int, int], deque[tuple[int, int]]] = {}
    notes = track.notes
    while pos < end:
        delta = data[pos]
        if delta < 0x80:  # most deltas fit in one byte
            pos += 1
        else:
            delta, pos = _varlen(data, pos)
        tick += delta
        b = data[pos]
        if b & 0x80:
            pos += 1
            if b >= 0xF0:  # meta or sysex: no running status, no channel
                pos, end_of_track = _system_event(data, pos, b, tick, track, conductor)
                if end_of_track:
                    break
                continue
            status = b
        elif status == 0:
            raise _Corrupt(f"data byte without a status (running status) at byte {pos}")
        hi = status & 0xF0
        channel = status & 0x0F
        if hi == 0x90 or hi == 0x80:
            pitch = data[pos]
            velocity = data[pos + 1]
            pos += 2
            key = (channel, pitch)
            if hi == 0x90 and velocity > 0:
                queue = open_notes.get(key)
                if queue is None:
                    queue = open_notes[key] = deque()
                queue.append((tick, velocity))
            else:
                queue = open_notes.get(key)
                if queue:
                    start, vel = queue.popleft()
                    if tick > start:
                        notes.setdefault(channel, []).append((start, tick, pitch, vel))
        elif hi == 0xC0:
            if channel not in track.programs:
                track.programs[channel] = data[pos] & 0x7F
            pos += 1
        else:
            pos += _DATA_LEN[hi]
    if pos > end:
        raise _Corrupt("event runs past the end of the track")
    track.end_tick = tick
    _end_open_notes(open_notes, tick, notes)
    return track


def _system_event(
    data: bytes, pos: int, status: int, tick: int, track: _TrackData, conductor: _Conductor
) -> tuple[int, bool]:
    """Read the meta or sysex event whose `status` byte precedes `pos`: (the byte after it,
    whether it ends the track). Keeps the track name and conductor events."""
    if status == 0xFF:
        meta_type = data[pos]
        length, pos = _varlen(data, pos + 1)
        payload = data[pos : pos + length]
        if len(payload) < length:
            raise _Corrupt("meta event runs past the end of the track")
        pos += length
        if meta_type == 0x2F:  # end of track
            return pos, True
        if meta_type == 0x51 and length == 3:
            conductor.tempos.append((tick, int.from_bytes(payload, "big")))
        elif meta_type == 0x58 and length >= 2:
            conductor.time_signatures.append((tick, payload[0], 2 ** payload[1]))
        elif meta_type == 0x59 and length >= 1:
            conductor.keys.append((tick, struct.unpack("b", payload[:1])[0]))
        elif meta_type == 0x03 and not track.name:
            track.name = payload.decode("latin-1").strip().strip("\x00")
        elif meta_type == 0x06:
            conductor.markers.append((tick, payload.decode("latin-1").strip()))
        return pos, False
    if status in (0xF0, 0xF7):  # sysex
        length, pos = _varlen(data, pos)
        return pos + length, False
    raise _Corrupt(f"unexpected status byte 0x{status:02X} at byte {pos - 1}")


def _end_open_notes(
    open_notes: dict[tuple[int, int], deque[tuple[int, int]]],
    tick: int,
    notes: dict[int, list[tuple[int, int, int, int]]],
) -> None:
    """Notes never switched off end at `tick`, the end of their track."""
    for (channel, pitch), queue in open_notes.items():
        for start, vel in queue:
            if tick > start:
                notes.setdefault(channel, []).append((start, tick, pitch, vel))


# --- from ticks to the Score ------------------------------------------------------------------


def _tempo_changes(tempos: list[tuple[int, int]], tpq: int, path: str | Path) -> list[Tempo]:
    """`Score.tempos` from (tick, microseconds per quarter) events: checked against
    `QPM_RANGE`; the last of one tick wins, repeats collapse, the first holds from beat 0."""
    changes: list[Tempo] = []
    for tick, us_per_quarter in sorted(tempos, key=lambda t: t[0]):
        if us_per_quarter <= 0:
            raise InputFileError(path, "absurd tempo: 0 microseconds per quarter note")
        qpm = 60_000_000 / us_per_quarter
        if not QPM_RANGE[0] <= qpm <= QPM_RANGE[1]:
            raise InputFileError(
                path,
                f"absurd tempo {qpm:.1f} qpm at beat {tick / tpq:g} "
                f"(allowed {QPM_RANGE[0]:g}..{QPM_RANGE[1]:g})",
            )
        beat = tick / tpq
        if changes and changes[-1].start_beat == beat:
            changes[-1] = Tempo(qpm, beat)
        elif not changes or changes[-1].qpm != qpm:
            changes.append(Tempo(qpm, beat))
    if not changes or changes[0].start_beat > 0:
        changes.insert(0, Tempo(changes[0].qpm if changes else DEFAULT_QPM, 0.0))
    return changes


def _time_signatures(
    events: list[tuple[int, int, int]], tpq: int, path: str | Path
) -> list[TimeSignature]:
    """Time signatures from (tick, numerator, denominator) events, ordered by tick."""
    signatures = []
    for tick, numerator, denominator in sorted(events, key=lambda t: t[0]):
        if numerator <= 0 or denominator <= 0 or denominator > 64:
            raise InputFileError(path, f"corrupt time signature {numerator}/{denominator}")
        signatures.append(TimeSignature(numerator, denominator, tick / tpq))
    return signatures


def _tracks_from_chunks(
    chunks: list[_TrackData], tpq: int, tempo_map: TempoMap
) -> tuple[list[Track], int]:
    """One `Track` per (chunk, channel) with notes, in file order, and the last note-off
    tick. A channel without a program change of its own takes the first one given for the
    channel in any track (some type 1 files put them in a setup track), else 0."""
    global_programs: dict[int, int] = {}
    for chunk in chunks:
        for channel, program in chunk.programs.items():
            global_programs.setdefault(channel, program)
    seconds = tempo_map.seconds
    tracks: list[Track] = []
    end_tick = 0
    for chunk in chunks:
        channels = sorted(chunk.notes)
        if not channels and chunk.programs:  # a part without notes: listed, never chosen
            channel = min(chunk.programs)
            tracks.append(Track(len(tracks), chunk.name, chunk.programs[channel], channel, ()))
            continue
        for channel in channels:
            name = chunk.name
            if len(channels) > 1:
                name = f"{chunk.name or 'Track'} (ch {channel + 1})"
            notes = []
            for start, end, pitch, vel in sorted(chunk.notes[channel]):
                start_beat = start / tpq
                end_beat = end / tpq
                notes.append(
                    Note(pitch, start_beat, end_beat, vel, seconds(start_beat), seconds(end_beat))
                )
                if end > end_tick:
                    end_tick = end
            program = chunk.programs.get(channel, global_programs.get(channel, 0))
            tracks.append(Track(len(tracks), name, program, channel, tuple(notes)))
    return tracks, end_tick


def _key_fifths(keys: list[tuple[int, int]]) -> int | None:
    """The file's first key signature (sharps, -7..7), None without a valid one."""
    if not keys:
        return None
    key_fifths = sorted(keys, key=lambda k: k[0])[0][1]
    return key_fifths if -7 <= key_fifths <= 7 else None
