"""Shared test fixtures: tiny MIDI files built in memory with mido, and the shared data file.

Use the fixtures (`make_midi`, `midi_file`, `metheny_path`) or import the helpers directly
(`from conftest import make_midi, note_track`).

`make_midi(tracks=[...], tpq=480, tempo=120.0, time_sig=(4, 4), fmt=1) -> bytes`
- a track is a dict: {"name": str, "program": int, "channel": int (0-based, 9 = drums),
  "notes": [(pitch, start_beat, duration_beats[, velocity]), ...]};
- `tempo`: a qpm, or a list of (beat, qpm) changes;
- `time_sig`: (numerator, denominator), or a list of (beat, numerator, denominator);
- `fmt=0` merges everything into one MTrk (type 0), `fmt=1` writes a conductor track
  (tempo/meter) plus one MTrk per track.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import mido
import pytest

METHENY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "original_metheny.mid"
WJAZZD = METHENY.parent / "wjazzd" / "wjazzd.db"


def note_track(
    notes: Sequence[tuple],
    *,
    name: str = "Melody",
    program: int = 65,
    channel: int = 0,
) -> dict[str, Any]:
    """A track spec for `make_midi` (default: alto sax on channel 1)."""
    return {"name": name, "program": program, "channel": channel, "notes": list(notes)}


def block_chords(
    symbols_pitches: Sequence[Sequence[int]], *, beats: float = 4.0, start: float = 0.0
) -> list[tuple]:
    """Notes of block chords, one per `beats`: [[50, 53, 57, 60], ...] -> note tuples."""
    notes = []
    for i, pitches in enumerate(symbols_pitches):
        for pitch in pitches:
            notes.append((pitch, start + i * beats, beats, 70))
    return notes


def _meta_events(tpq: int, tempo: Any, time_sig: Any) -> list[tuple[int, mido.MetaMessage]]:
    tempos = [(0.0, float(tempo))] if isinstance(tempo, (int, float)) else list(tempo)
    sigs = [(0.0, *time_sig)] if isinstance(time_sig[0], int) else list(time_sig)
    events = []
    for beat, qpm in tempos:
        events.append(
            (round(beat * tpq), mido.MetaMessage("set_tempo", tempo=round(60_000_000 / qpm)))
        )
    for beat, num, den in sigs:
        events.append(
            (
                round(beat * tpq),
                mido.MetaMessage("time_signature", numerator=num, denominator=den),
            )
        )
    return events


def _track_events(spec: dict[str, Any], tpq: int) -> list[tuple[int, Any]]:
    channel = spec.get("channel", 0)
    events: list[tuple[int, Any]] = []
    if spec.get("program") is not None:
        events.append((0, mido.Message("program_change", channel=channel, program=spec["program"])))
    for item in spec.get("notes", []):
        pitch, start, duration = item[:3]
        velocity = item[3] if len(item) > 3 else 90
        on, off = round(start * tpq), round((start + duration) * tpq)
        events.append((on, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
        events.append((off, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
    return events


def _to_track(events: list[tuple[int, Any]], name: str | None) -> mido.MidiTrack:
    track = mido.MidiTrack()
    if name:
        track.append(mido.MetaMessage("track_name", name=name))
    # note_off before note_on at the same tick (so repeated notes do not overlap).
    order = {"note_off": 0, "set_tempo": -2, "time_signature": -2, "program_change": -1}
    now = 0
    for tick, msg in sorted(events, key=lambda e: (e[0], order.get(e[1].type, 1))):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def make_midi(
    tracks: Sequence[dict[str, Any]] = (),
    *,
    tpq: int = 480,
    tempo: float | Sequence[tuple[float, float]] = 120.0,
    time_sig: tuple[int, int] | Sequence[tuple[float, int, int]] = (4, 4),
    fmt: int = 1,
) -> bytes:
    """Standard MIDI file bytes (see the module docstring for the arguments)."""
    mf = mido.MidiFile(type=fmt, ticks_per_beat=tpq)
    meta = _meta_events(tpq, tempo, time_sig)
    if fmt == 0:
        events = list(meta)
        for spec in tracks:
            events += _track_events(spec, tpq)
        names = [s.get("name") for s in tracks if s.get("name")]
        mf.tracks.append(_to_track(events, names[0] if names else None))
    else:
        mf.tracks.append(_to_track(meta, "Conductor"))
        for spec in tracks:
            mf.tracks.append(_to_track(_track_events(spec, tpq), spec.get("name")))
    buffer = io.BytesIO()
    mf.save(file=buffer)
    return buffer.getvalue()


def scale_melody(bars: int = 4, *, start_pitch: int = 67, step_beats: float = 0.5) -> list[tuple]:
    """A simple melody of eighth notes moving up and down a C major scale, `bars` bars of 4/4."""
    scale = [0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2]
    count = round(bars * 4 / step_beats)
    return [
        (start_pitch - 7 + scale[i % len(scale)], i * step_beats, step_beats * 0.9)
        for i in range(count)
    ]


@pytest.fixture
def midi_file(tmp_path: Path) -> Callable[..., Path]:
    """Factory: midi_file("name.mid", tracks=[...], ...) writes make_midi(...) to tmp_path."""

    def write(name: str = "song.mid", **kwargs: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make_midi(**kwargs))
        return path

    return write


@pytest.fixture(name="make_midi")
def make_midi_fixture() -> Callable[..., bytes]:
    return make_midi


@pytest.fixture
def metheny_path() -> Path:
    """/work/shared/data/original_metheny.mid (skips the test when it is absent)."""
    if not METHENY.is_file():
        pytest.skip(f"shared data file not found: {METHENY}")
    return METHENY


@pytest.fixture(scope="session")
def wjazzd_path() -> Path:
    """../shared/data/wjazzd/wjazzd.db, the Weimar Jazz Database (skips the test when it is
    absent: it is downloaded by users, never part of the repository)."""
    if not WJAZZD.is_file():
        pytest.skip(f"Weimar Jazz Database not found: {WJAZZD} (see README: download wjazzd.db)")
    return WJAZZD
