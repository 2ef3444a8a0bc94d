"""The MIDI reader: standard MIDI file bytes into a `Score` (the only MIDI reader).
Kept (bench_preprocess.py, files/s/core): ours 165, mido 30 < 100 goal, symusic 3260 drops channels.

A small standard-MIDI-file parser. symusic is fast but merges MIDI channels away (its tracks
are split by program, and the channel is lost apart from `is_drum`), and mido builds one
Python object per event (0.2 s for a 90 KB file); we need the channel and the *first*
program of each track, so we walk the bytes ourselves. The parser handles SMF type 0 and 1,
any ticks per quarter, running status, note-on with velocity 0 as note-off, overlapping
same-pitch notes (paired first-in first-out), tempo and time-signature changes (seconds
come from the tempo map; beats are ticks / ticks_per_quarter). Each (MTrk chunk, channel)
pair with notes becomes one `Track` (so type 0 files are split per channel); `Track.index`
counts these from 0 in file order.

Every problem with the file raises `InputFileError(path, reason)` with a one-line reason;
no raw exception escapes for a bad file.
"""

from __future__ import annotations

import logging
import struct
from collections import deque
from pathlib import Path

from jazzgen.core.chord_symbols import parse_chord_label
from jazzgen.core.constants import DEFAULT_QPM
from jazzgen.core.errors import ChordSymbolError, InputFileError
from jazzgen.core.harmony import Chord
from jazzgen.core.timeline import TempoMap
from jazzgen.core.types import ChordSpan, Note, Score, Tempo, TimeSignature, Track

log = logging.getLogger(__name__)


QPM_RANGE = (10.0, 1000.0)
"""Tempos outside this range (quarter notes per minute) mark a broken file."""


# --- tempo map ------------------------------------------------------------------------------


# --- public entry point ----------------------------------------------------------------------


# --- MIDI -------------------------------------------------------------------------------------


class _Corrupt(Exception):
    """Internal: the byte stream is malformed; converted to InputFileError."""


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


class _TrackData:
    """Raw events collected from one MTrk chunk."""

    __slots__ = ("end_tick", "markers", "name", "notes", "programs")

    def __init__(self) -> None:
        self.name = ""
        self.markers: list[tuple[int, str]] = []  # (tick, text) of marker meta events
        self.programs: dict[int, int] = {}  # channel -> first program
        # channel -> list of (start_tick, end_tick, pitch, velocity)
        self.notes: dict[int, list[tuple[int, int, int, int]]] = {}
        self.end_tick = 0


def _parse_track(
    data: bytes,
    pos: int,
    end: int,
    tempos: list[tuple[int, int]],
    time_sigs: list[tuple[int, int, int]],
    keys: list[tuple[int, int]],
) -> _TrackData:
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
            if b < 0xF0:
                status = b
            elif b == 0xFF:
                meta_type = data[pos]
                length, pos = _varlen(data, pos + 1)
                payload = data[pos : pos + length]
                if len(payload) < length:
                    raise _Corrupt("meta event runs past the end of the track")
                pos += length
                if meta_type == 0x2F:  # end of track
                    break
                if meta_type == 0x51 and length == 3:
                    tempos.append((tick, int.from_bytes(payload, "big")))
                elif meta_type == 0x58 and length >= 2:
                    time_sigs.append((tick, payload[0], 2 ** payload[1]))
                elif meta_type == 0x59 and length >= 1:
                    keys.append((tick, struct.unpack("b", payload[:1])[0]))
                elif meta_type == 0x03 and not track.name:
                    track.name = payload.decode("latin-1").strip().strip("\x00")
                elif meta_type == 0x06:
                    track.markers.append((tick, payload.decode("latin-1").strip()))
                continue
            elif b in (0xF0, 0xF7):  # sysex
                length, pos = _varlen(data, pos)
                pos += length
                continue
            else:
                raise _Corrupt(f"unexpected status byte 0x{b:02X} at byte {pos - 1}")
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
    # Notes never switched off end with the track.
    for (channel, pitch), queue in open_notes.items():
        for start, vel in queue:
            if tick > start:
                notes.setdefault(channel, []).append((start, tick, pitch, vel))
    return track


def parse_midi_bytes(data: bytes, path: str | Path = "<bytes>") -> Score:
    """Parse standard MIDI file bytes into a `Score` (see the module docstring)."""
    if len(data) == 0:
        raise InputFileError(path, "empty file (0 bytes)")
    if data[:4] != b"MThd":
        if data[:4] == b"RIFF":
            raise InputFileError(path, "RIFF MIDI files are not supported; export a plain .mid")
        raise InputFileError(path, "not a MIDI file (no 'MThd' header)")
    if len(data) < 14:
        raise InputFileError(path, "truncated MIDI file (header incomplete)")
    header_len = int.from_bytes(data[4:8], "big")
    fmt, ntracks, division = struct.unpack(">HHH", data[8:14])
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
    tpq = division
    if tpq == 0:
        raise InputFileError(path, "corrupt MIDI header: 0 ticks per quarter note")
    tempos: list[tuple[int, int]] = []
    time_sigs: list[tuple[int, int, int]] = []
    keys: list[tuple[int, int]] = []
    tracks_raw: list[_TrackData] = []
    pos = 8 + header_len
    try:
        # Read the declared number of MTrk chunks; bytes after them (some writers append
        # junk) are ignored. Unknown chunk types are skipped, as the standard asks.
        while pos < len(data) and len(tracks_raw) < ntracks:
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
                        f"track {len(tracks_raw)} declares {length} bytes, "
                        f"only {len(data) - body} present"
                    )
                tracks_raw.append(_parse_track(data, body, end, tempos, time_sigs, keys))
            elif not chunk_type.isalnum():
                raise _Corrupt(f"garbage chunk type {chunk_type!r} at byte {pos}")
            pos = end
    except _Corrupt as exc:
        raise InputFileError(path, f"corrupt or truncated MIDI file: {exc}") from None
    except (IndexError, KeyError, struct.error):
        raise InputFileError(path, "corrupt or truncated MIDI file: an event is cut off") from None
    if not tracks_raw:
        raise InputFileError(path, "MIDI file has no tracks")
    if len(tracks_raw) < ntracks:
        log.warning("%s: header declares %d tracks, found %d", path, ntracks, len(tracks_raw))

    # Tempo map.
    tempo_list: list[Tempo] = []
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
        if tempo_list and tempo_list[-1].start_beat == beat:
            tempo_list[-1] = Tempo(qpm, beat)
        elif not tempo_list or tempo_list[-1].qpm != qpm:
            tempo_list.append(Tempo(qpm, beat))
    if not tempo_list or tempo_list[0].start_beat > 0:
        first_qpm = tempo_list[0].qpm if tempo_list else DEFAULT_QPM
        tempo_list.insert(0, Tempo(first_qpm, 0.0))
    tempo_map = TempoMap(tempo_list)

    # Time signatures (the last one at a given tick wins; repeats collapse).
    ts_list: list[TimeSignature] = []
    for tick, num, den in sorted(time_sigs, key=lambda t: t[0]):
        if num <= 0 or den <= 0 or den > 64:
            raise InputFileError(path, f"corrupt time signature {num}/{den}")
        beat = tick / tpq
        ts = TimeSignature(num, den, beat)
        if ts_list and ts_list[-1].start_beat == beat:
            ts_list[-1] = ts
        elif not ts_list or (ts_list[-1].numerator, ts_list[-1].denominator) != (num, den):
            ts_list.append(ts)
    if not ts_list or ts_list[0].start_beat > 0:
        first = ts_list[0] if ts_list else TimeSignature(4, 4)
        ts_list.insert(0, TimeSignature(first.numerator, first.denominator, 0.0))

    # Programs given in another track (some type 1 files put them in a setup track).
    global_programs: dict[int, int] = {}
    for raw in tracks_raw:
        for channel, program in raw.programs.items():
            global_programs.setdefault(channel, program)

    tracks: list[Track] = []
    max_tick = 0
    for raw in tracks_raw:
        channels = sorted(raw.notes)
        for channel in channels:
            events = sorted(raw.notes[channel])
            name = raw.name
            if len(channels) > 1:
                name = f"{raw.name or 'Track'} (ch {channel + 1})"
            notes = []
            seconds = tempo_map.seconds
            for start, end, pitch, vel in events:
                start_beat = start / tpq
                end_beat = end / tpq
                notes.append(
                    Note(pitch, start_beat, end_beat, vel, seconds(start_beat), seconds(end_beat))
                )
                if end > max_tick:
                    max_tick = end
            program = raw.programs.get(channel, global_programs.get(channel, 0))
            tracks.append(Track(len(tracks), name, program, channel, tuple(notes)))
    if not tracks:
        raise InputFileError(path, "MIDI file has no notes")
    key_fifths = None
    if keys:
        key_fifths = sorted(keys, key=lambda k: k[0])[0][1]
        if not -7 <= key_fifths <= 7:
            key_fifths = None
    return Score(
        path=str(path),
        tracks=tuple(tracks),
        ticks_per_quarter=tpq,
        tempos=tuple(tempo_list),
        time_signatures=tuple(ts_list),
        key_fifths=key_fifths,
        length_beats=max_tick / tpq,
        chords=marker_chords([m for raw in tracks_raw for m in raw.markers], tpq, max_tick),
    )


def marker_chords(markers: list[tuple[int, str]], tpq: int, end_tick: int) -> tuple[ChordSpan, ...]:
    """Chord spans from marker events (tick, text) when every marker is a chord symbol or
    N.C. (how `jazzgen export` writes the changes; `output.solo_export`); else none (markers
    name sections). A chord lasts until the next marker or `end_tick`; N.C. is no span."""
    labels: list[tuple[int, Chord | None]] = []
    for tick, text in sorted(markers, key=lambda m: m[0]):
        try:
            labels.append((tick, parse_chord_label(text)))
        except ChordSymbolError:
            return ()
    ends = [tick for tick, _ in labels[1:]] + [max(end_tick, labels[-1][0] + 1)] if labels else []
    return tuple(
        ChordSpan(chord, tick / tpq, end / tpq)
        for (tick, chord), end in zip(labels, ends, strict=True)
        if chord is not None
    )


# --- MusicXML / ABC via music21 -----------------------------------------------------------------
