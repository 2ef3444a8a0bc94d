"""Benchmark preprocessing: files per second per core for encode_file and build_corpus.

Generates a seeded, varied set of jazz-sized MIDI files (melody + comping chords + bass,
sometimes drums; 32-64 bars; 3/4 or 4/4; straight, swung and triplet lines; tpq 96/480/960;
type 0 and 1) in a temporary folder, adds ../shared/data/original_metheny.mid when present,
then times:
1. `encode_file` in this process (one core);
2. `build_corpus(jobs=2)` without a cache (two worker processes; per core = total / 2).
Goal: >= 100 files/s per core.

    .venv/bin/python scripts/bench_preprocess.py [--files 200] [--seed 0] [--jobs 2]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import mido
import numpy as np

from jazzgen.corpus.preprocess import EncodeOptions, build_corpus, encode_file

METHENY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "original_metheny.mid"

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
