"""Reliability: a few hundred mutated MIDI files (seeded) are read or refused in one line.

Each mutant is inspected in-process: exit 0, or exit 1 with exactly one line `Error: ...`
and no traceback, in bounded time. Then all of them are preprocessed together: every file
is `ok` or `skipped` with a reason, and no reason is an internal error.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from attacks import TIME_BOUND, one_line_error
from conftest import block_chords, make_midi, note_track, scale_melody

from jazzgen.cli import run
from jazzgen.corpus.preprocess import build_corpus

pytestmark = pytest.mark.reliability

MUTANTS = 300
SEED = 14


def _originals() -> list[bytes]:
    """Two small, valid files: type 1 (melody, comping, drums) and type 0."""
    melody = note_track(scale_melody(4))
    comping = note_track(block_chords([[50, 53, 57, 60], [55, 59, 62, 65]] * 2), name="Piano")
    drums = note_track([(42, i * 0.5, 0.25) for i in range(32)], name="Drums", channel=9)
    return [
        make_midi([melody, comping, drums], time_sig=[(0.0, 4, 4), (8.0, 3, 4)]),
        make_midi([melody, comping], fmt=0, tpq=96, tempo=[(0.0, 140.0), (4.0, 90.0)]),
    ]


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """`data` with one to three random edits: flipped, inserted, deleted or duplicated
    bytes, a truncation, a huge delta time, a random header field, or data bytes (pitches,
    velocities, delta times) changed to other data bytes (the file stays well formed)."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(10))
        at = int(rng.integers(len(out))) if out else 0
        if kind == 0:
            for _ in range(int(rng.integers(1, 9))):
                out[int(rng.integers(len(out)))] = int(rng.integers(256))
        elif kind == 1:
            out[at:at] = rng.integers(0, 256, int(rng.integers(1, 16)), dtype=np.uint8).tobytes()
        elif kind == 2:
            del out[at : at + int(rng.integers(1, 32))]
        elif kind == 3:
            out = out[: max(at, 1)]
        elif kind == 4:
            out[at:at] = b"\xff\xff\xff\x7f"  # the longest delta time there is
        elif kind == 5:
            out[at:at] = out[at : at + int(rng.integers(1, 200))]
        elif kind == 6:
            field = int(rng.choice([8, 10, 12]))  # format, tracks, division
            out[field : field + 2] = rng.integers(0, 256, 2, dtype=np.uint8).tobytes()
        else:
            data_bytes = [i for i in range(22, len(out)) if out[i] < 0x80] or [0]
            for i in rng.choice(data_bytes, int(rng.integers(1, 20))):
                out[int(i)] = int(rng.integers(0x80))
    return bytes(out)


@pytest.fixture(scope="module")
def mutants(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(SEED)
    originals = _originals()
    paths = []
    for i in range(MUTANTS):
        path = folder / f"mutant_{i:03d}.mid"
        path.write_bytes(_mutate(originals[i % len(originals)], rng))
        paths.append(path)
    return paths


def test_every_mutant_is_read_or_refused_in_one_line(mutants: list[Path], capsys) -> None:
    outcomes = {0: 0, 1: 0}
    for path in mutants:
        start = time.monotonic()
        code = run(["inspect", str(path)])
        seconds = time.monotonic() - start
        err = capsys.readouterr().err
        assert code in (0, 1), (path, err)
        if code == 1:
            one_line_error(err)
        assert seconds < TIME_BOUND, (path, seconds)
        outcomes[code] += 1
    assert outcomes[0] > 20 and outcomes[1] > 20  # the mutations hit both ways


def test_preprocessing_all_mutants_skips_with_reasons(mutants: list[Path]) -> None:
    start = time.monotonic()
    pieces, report = build_corpus(mutants, jobs=2)
    assert time.monotonic() - start < 60
    assert report["ok"] + report["skipped"] == MUTANTS and report["ok"] == len(pieces)
    reasons = [f["reason"] for f in report["files"] if f["status"] == "skipped"]
    assert all(reasons)
    assert not [r for r in reasons if "internal error" in r or "bad cache entry" in r]
