"""scripts/bench_preprocess.py's reader comparison: what each MIDI reader keeps.

The module docstring of `jazzgen.io.midi_reader` cites this comparison (symusic loses the
channel and the first program of a track; mido keeps them but is slow); these checks keep
the crafted-file part of that claim honest without timing anything.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("symusic")

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "bench_preprocess", SCRIPTS / "bench_preprocess.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_script()


@pytest.mark.parametrize(
    ("reader", "keeps"),
    [("ours", (True, True)), ("mido", (True, True)), ("symusic", (False, False))],
)
def test_what_each_reader_keeps_of_the_crafted_file(reader: str, keeps: tuple) -> None:
    data, expected = bench.crafted_midi()
    _, notes_of, _ = bench.READERS[reader]
    assert bench.keeps_what_we_need(notes_of(data), expected) == keeps


@pytest.mark.parametrize("reader", ["ours", "mido", "symusic"])
def test_every_reader_parses_the_corpus_files(reader: str) -> None:
    read, _, _ = bench.READERS[reader]
    files = bench.reader_files()
    assert files
    for path in files[:3]:
        read(path.read_bytes())


def test_crafted_file_expectations_match_ours_in_detail() -> None:
    from jazzgen.io.midi_reader import parse_midi_bytes

    data, _ = bench.crafted_midi()
    score = parse_midi_bytes(data)
    assert [(t.name, t.channel, t.program) for t in score.tracks] == [
        ("Band (ch 1)", 0, 66),
        ("Band (ch 2)", 1, 0),
        ("Bass", 2, 32),
    ]
