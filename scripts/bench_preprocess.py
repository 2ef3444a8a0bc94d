"""Benchmark preprocessing: files per second per core for encode_file and build_corpus.

Generates a seeded, varied set of jazz-sized MIDI files (melody + comping chords + bass,
sometimes drums; 32-64 bars; 3/4 or 4/4; straight, swung and triplet lines; tpq 96/480/960;
type 0 and 1) in a temporary folder, adds ../shared/data/original_metheny.mid when present,
then times:
1. `encode_file` in this process (one core);
2. `build_corpus(jobs=2)` without a cache (two worker processes; per core = total / 2).
Goal: >= 100 files/s per core.

First, side by side in the same run, the MIDI readers that could do the reading step
(`compare_readers`): the files of data/midi/ plus original_metheny.mid when present are
read into memory, then only parsing is timed (CPU seconds of this process, so files/s per
core) up to what a `Score` needs (notes with their channel, the program of each track, the
tempo map) with
- ours: `jazzgen.io.midi_reader.parse_midi_bytes` (the whole `Score`, seconds included);
- mido: `mido.MidiFile(file=BytesIO(data))` and a walk over the messages collecting notes
  per (track, channel), the first program per (track, channel) and the tempo changes;
- symusic: `symusic.Score.from_midi(data)` and every track's notes as numpy arrays.
Each is also checked on a small crafted file (two channels and a program change in one
track) for whether it keeps the channel of every note and the first program of each track,
and `encode_file` is timed on the same files to estimate the whole preprocessing rate with
each reader in place of ours (encode time - our parse time + that reader's parse time).

    .venv/bin/python scripts/bench_preprocess.py [--files 200] [--seed 0] [--jobs 2]
    .venv/bin/python scripts/bench_preprocess.py --readers-only
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mido
import numpy as np

from jazzgen.corpus.preprocess import EncodeOptions, build_corpus, encode_file
from jazzgen.io.midi_reader import parse_midi_bytes

REPO = Path(__file__).resolve().parents[1]
METHENY = REPO.parent / "shared" / "data" / "original_metheny.mid"
CORPUS_MIDI = REPO / "data" / "midi"
GOAL_FILES_PER_CORE = 100.0  # the preprocessing goal (whole encode_file), files/s per core

# (intervals of a seventh chord, root offset) for a ii-V-I-VI cycle in a key.
_CYCLE = [((0, 3, 7, 10), 2), ((0, 4, 7, 10), 7), ((0, 4, 7, 11), 0), ((0, 4, 7, 10), 9)]


def synthetic_midi(rng: np.random.Generator) -> bytes:
    """One random jazz-like MIDI file (bytes)."""
    tpq = int(rng.choice([96, 480, 960]))
    bars = int(rng.integers(32, 65))
    beats_per_bar = 3 if rng.random() < 0.2 else 4
    qpm = float(rng.uniform(80, 240))
    key = int(rng.integers(0, 12))
    feel = rng.choice(["straight", "swing", "triplet"])
    events: dict[int, list[tuple[int, mido.Message]]] = {0: [], 1: [], 2: [], 3: []}

    def add(track: int, channel: int, pitch: int, start: float, length: float, vel: int) -> None:
        on, off = round(start * tpq), round((start + length) * tpq)
        if off <= on:
            return
        events[track].append(
            (on, mido.Message("note_on", channel=channel, note=pitch, velocity=vel))
        )
        events[track].append((off, mido.Message("note_off", channel=channel, note=pitch)))

    pitch = 60 + key % 12
    for bar in range(bars):
        bar_start = bar * beats_per_bar
        quality, root_offset = _CYCLE[bar % len(_CYCLE)]
        root = (key + root_offset) % 12
        chord = [48 + root + i for i in quality]
        add(1, 1, chord[0] - 12, bar_start, beats_per_bar * 0.95, 70)  # piano comp
        for p in chord[1:]:
            add(1, 1, p + 12 if p < 55 else p, bar_start, beats_per_bar * 0.9, 60)
        for beat in range(beats_per_bar):  # walking bass
            add(2, 2, 36 + (root + int(rng.choice([0, 4, 7, 10]))) % 12, bar_start + beat, 0.9, 80)
        beat = 0.0
        while beat < beats_per_bar - 1e-9:
            if feel == "triplet":
                length = float(rng.choice([1 / 3, 2 / 3, 1.0]))
            elif feel == "swing":
                length = 2 / 3 if (beat % 1) < 1e-9 else 1 / 3
                length = float(rng.choice([length, 1.0]))
            else:
                length = float(rng.choice([0.25, 0.5, 0.5, 1.0]))
            length = min(length, beats_per_bar - beat)
            if rng.random() < 0.1:
                beat += length  # rest
                continue
            pitch = int(np.clip(pitch + rng.integers(-4, 5), 55, 84))
            add(0, 0, pitch, bar_start + beat, length * float(rng.uniform(0.6, 1.0)), 90)
            if rng.random() < 0.03:  # an occasional double stop
                add(0, 0, pitch - 3, bar_start + beat, length * 0.8, 80)
            beat += length
        if rng.random() < 0.5:
            for b in range(beats_per_bar * 2):  # ride eighths
                add(3, 9, 51, bar_start + b / 2, 0.1, 70)
    mf = mido.MidiFile(type=int(rng.choice([0, 1])), ticks_per_beat=tpq)
    meta = [
        (0, mido.MetaMessage("set_tempo", tempo=round(60_000_000 / qpm))),
        (0, mido.MetaMessage("time_signature", numerator=beats_per_bar, denominator=4)),
    ]
    programs = {0: (0, 66, "Tenor Sax"), 1: (1, 0, "Piano"), 2: (2, 32, "Bass"), 3: (9, 0, "Drums")}
    tracks: list[list[tuple[int, mido.Message]]] = []
    if mf.type == 0:
        merged = list(meta)
        for index, evs in events.items():
            channel, program, _ = programs[index]
            merged.append((0, mido.Message("program_change", channel=channel, program=program)))
            merged += evs
        tracks.append(merged)
    else:
        tracks.append(list(meta))
        for index, evs in events.items():
            if not evs:
                continue
            channel, program, name = programs[index]
            head = [
                (0, mido.MetaMessage("track_name", name=name)),
                (0, mido.Message("program_change", channel=channel, program=program)),
            ]
            tracks.append(head + evs)
    for evs in tracks:
        track = mido.MidiTrack()
        now = 0
        for tick, msg in sorted(evs, key=lambda e: (e[0], e[1].type != "note_off")):
            track.append(msg.copy(time=tick - now))
            now = tick
        mf.tracks.append(track)
    buffer = io.BytesIO()
    mf.save(file=buffer)
    return buffer.getvalue()


# --- the MIDI readers side by side ------------------------------------------------------------

# What each reader gives back for the checks below: (pitch, start_tick) of every note ->
# (its channel, or None when the reader does not keep it; the program the reader gives it).
NoteInfo = dict[tuple[int, int], tuple["int | None", int]]


def read_ours(data: bytes) -> object:
    return parse_midi_bytes(data)


def notes_ours(data: bytes) -> NoteInfo:
    score = parse_midi_bytes(data)
    tpq = score.ticks_per_quarter
    return {
        (n.pitch, round(n.start_beat * tpq)): (t.channel, t.program)
        for t in score.tracks
        for n in t.notes
    }


def read_mido(data: bytes) -> tuple[dict, dict, list]:
    """What a mido-based reader must do: parse, then walk every message of every track."""
    midi = mido.MidiFile(file=io.BytesIO(data))
    notes: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}
    programs: dict[tuple[int, int], int] = {}
    tempos: list[tuple[int, int]] = []
    for index, track in enumerate(midi.tracks):
        tick = 0
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for msg in track:
            tick += msg.time
            kind = msg.type
            if kind == "note_on" and msg.velocity > 0:
                open_notes.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
            elif kind == "note_off" or kind == "note_on":
                queue = open_notes.get((msg.channel, msg.note))
                if queue:
                    start, velocity = queue.pop(0)
                    notes.setdefault((index, msg.channel), []).append(
                        (start, tick, msg.note, velocity)
                    )
            elif kind == "program_change":
                programs.setdefault((index, msg.channel), msg.program)
            elif kind == "set_tempo":
                tempos.append((tick, msg.tempo))
    return notes, programs, tempos


def notes_mido(data: bytes) -> NoteInfo:
    notes, programs, _ = read_mido(data)
    return {
        (pitch, start): (channel, programs.get((index, channel), 0))
        for (index, channel), events in notes.items()
        for start, _, pitch, _ in events
    }


def _symusic() -> Any:
    """The symusic module (imported here so that scripts/bench.py does not need it)."""
    try:
        import symusic
    except ImportError:
        raise SystemExit(
            "bench_preprocess.py compares our reader with symusic: pip install -e '.[dev]'"
        ) from None
    return symusic


def read_symusic(data: bytes) -> object:
    """symusic's parse plus every track's notes as numpy arrays (the cheapest use of it)."""
    score = _symusic().Score.from_midi(data)
    for track in score.tracks:
        track.notes.numpy()
    score.tempos.numpy()
    return score


def notes_symusic(data: bytes) -> NoteInfo:
    # symusic's tracks have a program and `is_drum` but no channel attribute.
    score = _symusic().Score.from_midi(data)
    return {
        (note.pitch, note.time): (getattr(track, "channel", None), track.program)
        for track in score.tracks
        for note in track.notes
    }


READERS = {
    "ours": (read_ours, notes_ours, "jazzgen.io.midi_reader.parse_midi_bytes"),
    "mido": (read_mido, notes_mido, "mido.MidiFile + a walk over the messages"),
    "symusic": (read_symusic, notes_symusic, "symusic.Score.from_midi + notes.numpy()"),
}


def crafted_midi() -> tuple[bytes, NoteInfo]:
    """A type 1 file whose MTrk 1 holds two channels (0: sax, 1: piano) and changes channel
    0's program after its first note; MTrk 2 holds a bass on channel 2. Returns the bytes
    and, per note, the channel and the first program of its (MTrk, channel)."""
    tpq = 480
    band = [
        mido.MetaMessage("track_name", name="Band", time=0),
        mido.Message("program_change", channel=0, program=66, time=0),
        mido.Message("program_change", channel=1, program=0, time=0),
        mido.Message("note_on", channel=0, note=70, velocity=90, time=0),
        mido.Message("note_on", channel=1, note=52, velocity=70, time=0),
        mido.Message("note_off", channel=0, note=70, time=tpq),
        mido.Message("program_change", channel=0, program=67, time=0),
        mido.Message("note_on", channel=0, note=72, velocity=90, time=0),
        mido.Message("note_off", channel=0, note=72, time=tpq),
        mido.Message("note_off", channel=1, note=52, time=0),
    ]
    bass = [
        mido.MetaMessage("track_name", name="Bass", time=0),
        mido.Message("program_change", channel=2, program=32, time=0),
        mido.Message("note_on", channel=2, note=36, velocity=80, time=0),
        mido.Message("note_off", channel=2, note=36, time=2 * tpq),
    ]
    conductor = [mido.MetaMessage("set_tempo", tempo=500_000, time=0)]
    midi = mido.MidiFile(type=1, ticks_per_beat=tpq)
    midi.tracks.extend(mido.MidiTrack(events) for events in (conductor, band, bass))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    expected: NoteInfo = {
        (70, 0): (0, 66),
        (52, 0): (1, 0),
        (72, tpq): (0, 66),  # sounds after the change to 67: the first program stays 66
        (36, 0): (2, 32),
    }
    return buffer.getvalue(), expected


def keeps_what_we_need(found: NoteInfo, expected: NoteInfo) -> tuple[bool, bool]:
    """(the channel of every note kept, the first program of each (track, channel) kept)."""
    same_notes = found.keys() == expected.keys()
    channels = same_notes and all(found[k][0] == expected[k][0] for k in expected)
    programs = same_notes and all(found[k][1] == expected[k][1] for k in expected)
    return channels, programs


def reader_files() -> list[Path]:
    """The corpus MIDI files, plus original_metheny.mid when present."""
    files = sorted(CORPUS_MIDI.glob("*.mid"))
    return [*files, METHENY] if METHENY.is_file() else files


def _cpu_rate(parse: Callable[[Any], object], items: list[Any], min_seconds: float) -> float:
    """Files handled per CPU second of this process (= files/s on one core): whole rounds of
    `parse(item)` over `items` until `min_seconds` of CPU time have passed."""
    for item in items[:3]:
        parse(item)  # warm-up: imports, caches
    files, start = 0, time.process_time()
    while True:
        for item in items:
            parse(item)
        files += len(items)
        spent = time.process_time() - start
        if spent >= min_seconds:
            return files / spent


def time_readers(paths: list[Path], min_seconds: float) -> dict[str, dict[str, float]]:
    """Per reader: parse rate and the estimated encode_file rate with it, on `paths`.

    `encode` = 1 / (encode_file's CPU time per file - our parse time + this reader's), all
    measured here on the same files: what preprocessing would reach with that reader in
    place of ours.
    """
    blobs = [path.read_bytes() for path in paths]
    options = EncodeOptions()
    encode_rate = _cpu_rate(lambda path: encode_file(path, options), paths, min_seconds)
    rates = {name: _cpu_rate(read, blobs, min_seconds) for name, (read, _, _) in READERS.items()}
    extra = 1 / encode_rate - 1 / rates["ours"]  # everything in encode_file but the parse
    return {name: {"parse": rate, "encode": 1 / (extra + 1 / rate)} for name, rate in rates.items()}


def _verdict(result: dict[str, Any], ours: dict[str, float], goal_set: str) -> str:
    """Why a reader can or cannot replace ours: speed against the goal, channels, programs."""
    rates = result[goal_set]
    failures = []
    slower = ours["parse"] / rates["parse"]
    if rates["parse"] < GOAL_FILES_PER_CORE:
        failures.append(
            f"parsing alone is {rates['parse']:.0f} < {GOAL_FILES_PER_CORE:.0f} files/s per core"
            f" ({slower:.1f}x slower than ours), so preprocessing cannot meet the goal"
        )
    elif rates["encode"] < GOAL_FILES_PER_CORE:
        failures.append(
            f"encode_file with it {rates['encode']:.0f} < {GOAL_FILES_PER_CORE:.0f} files/s"
            " per core"
        )
    if not result["channels"]:
        failures.append("loses MIDI channels")
    if not result["programs"]:
        failures.append("loses the first program of a track")
    return "; ".join(failures) if failures else "could replace ours"


def compare_readers(
    sets: dict[str, list[Path]], goal_set: str, min_seconds: float = 1.0
) -> dict[str, dict[str, Any]]:
    """Time the readers side by side on each set of files (one run), check each on
    `crafted_midi`, print a table and one verdict per alternative to ours."""
    crafted, expected = crafted_midi()
    results: dict[str, dict[str, Any]] = {}
    for name, (_, notes_of, _) in READERS.items():
        channels, programs = keeps_what_we_need(notes_of(crafted), expected)
        results[name] = {"channels": channels, "programs": programs}
    print(
        "MIDI readers side by side: parsing MIDI bytes already in memory; files/s per core ="
        " files per CPU second of this process; encode = encode_file's rate with that reader"
        " in place of ours"
    )
    print(f"  {'set':34s} {'reader':8s} {'parse':>9s} {'encode':>8s}  (files/s per core)")
    for set_name, paths in sets.items():
        for name, rates in time_readers(paths, min_seconds).items():
            results[name][set_name] = rates
            print(f"  {set_name:34s} {name:8s} {rates['parse']:9.1f} {rates['encode']:8.1f}")
    print("  crafted file (two channels and a program change in one track):")
    for name, (_, _, how) in READERS.items():
        result = results[name]
        print(
            f"    {name:8s} channel of every note kept: {'yes' if result['channels'] else 'NO'};"
            f" first program of each track kept: {'yes' if result['programs'] else 'NO'}"
            f"  ({how})"
        )
    ours = results["ours"][goal_set]
    for name in ("mido", "symusic"):
        print(f"  -> {name} on the {goal_set}: {_verdict(results[name], ours, goal_set)}")
    if ours["encode"] < GOAL_FILES_PER_CORE:
        print(
            f"  (ours also misses the goal in this run, {ours['encode']:.0f} files/s per core; "
            f"load average {os.getloadavg()[0]:.2f}: shared cores slow every figure alike)"
        )
    return results


def _cpu_seconds() -> float:
    """CPU time of this process and its reaped children (robust when cores are shared)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--reader-seconds", type=float, default=1.0, help="CPU seconds per reader timing"
    )
    parser.add_argument("--readers-only", action="store_true", help="only compare the MIDI readers")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(args.files):
            path = Path(tmp) / f"synthetic_{i:03d}.mid"
            path.write_bytes(synthetic_midi(rng))
            paths.append(path)
        if METHENY.is_file():
            paths.append(METHENY)
        goal_set = f"benchmark set ({len(paths)} files)"
        corpus = reader_files()
        corpus_set = f"data/midi{' + metheny' if METHENY.is_file() else ''} ({len(corpus)} files)"
        compare_readers({corpus_set: corpus, goal_set: paths}, goal_set, args.reader_seconds)
        if args.readers_only:
            return 0
        print()
        options = EncodeOptions()
        encode_file(paths[0], options)  # warm-up: imports, caches
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        bars = tokens = 0
        for path in paths:
            piece = encode_file(path, options)
            bars += len(piece.bars)
            tokens += piece.token_count
        single, single_cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        pieces, report = build_corpus(paths, jobs=args.jobs, cache_dir=None, options=options)
        parallel, parallel_cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
        cache = Path(tmp) / "cache"
        build_corpus(paths, jobs=args.jobs, cache_dir=cache, options=options)
        start = time.perf_counter()
        _, cached_report = build_corpus(paths, jobs=args.jobs, cache_dir=cache, options=options)
        cached = time.perf_counter() - start
    n = len(paths)
    print(f"files: {n} ({bars} bars, {tokens} tokens); cpu_count={os.cpu_count()}")
    print(
        f"encode_file, 1 process : {n / single:7.1f} files/s per core by wall time "
        f"({single:.2f} s); {n / single_cpu:.1f} files per CPU second"
    )
    print(
        f"build_corpus, jobs={args.jobs}  : {n / parallel / args.jobs:7.1f} files/s per core "
        f"by wall time ({n / parallel:.1f} files/s total, {parallel:.2f} s; ok {report['ok']}); "
        f"{n / parallel_cpu:.1f} files per CPU second (parent + workers)"
    )
    load = os.getloadavg()[0]
    print(f"load average (1 min) {load:.2f}: wall-time figures drop when the cores are shared")
    print(
        f"build_corpus, cached  : {n / cached:7.1f} files/s total "
        f"({cached:.2f} s; {cached_report['cached']} cache hits)"
    )
    return 0 if report["ok"] == n and len(pieces) == n else 1


if __name__ == "__main__":
    sys.exit(main())
