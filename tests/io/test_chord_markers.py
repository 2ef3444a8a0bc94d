"""Chord symbols as MIDI markers: written at every change, read back as the file's chords
when every marker is a chord symbol (or N.C.), and the acceptance chart of issue 13."""

from __future__ import annotations

import io
import json
from pathlib import Path

import mido
import pytest

from jazzgen.analysis.leadsheet import extract_leadsheet
from jazzgen.cli import run
from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.types import Note, TimeSignature
from jazzgen.generation.generate import default_model_dir
from jazzgen.io.midi_reader import parse_midi_bytes
from jazzgen.io.midi_writer import Part, midi_bytes

ACCEPTANCE = "CΔ7 | C°7 | Cø7 | C-7 F7 | Ebj7 | F/A | C7alt | Bbmaj7#5"
EXPECTED = [
    ["Cmaj7"], ["Cdim7"], ["Cm7b5"], ["Cm7", "F7"], ["Ebmaj7"], ["F/A"], ["C7alt"], ["Bbmaj7#5"]
]  # fmt: skip


def _file(markers: list[tuple[float, str]]) -> bytes:
    melody = tuple(Note(60 + i % 5, i * 1.0, i * 1.0 + 0.9) for i in range(16))
    return midi_bytes(
        [Part("Melody", 66, 0, melody)], qpm=120, time_signature=TimeSignature(4, 4),
        chord_markers=markers,
    )  # fmt: skip


def test_markers_are_written_on_the_conductor_track() -> None:
    data = _file([(0.0, "Dm7"), (2.0, "G7"), (4.0, "C7alt")])
    conductor = mido.MidiFile(file=io.BytesIO(data)).tracks[0]
    markers, now = [], 0
    for message in conductor:
        now += message.time
        if message.type == "marker":
            markers.append((now, message.text))
    assert markers == [(0, "Dm7"), (960, "G7"), (1920, "C7alt")]


def test_markers_that_are_chords_become_the_files_chords() -> None:
    score = parse_midi_bytes(_file([(0.0, "Dm7"), (2.0, "G7"), (4.0, "N.C."), (8.0, "F/A")]))
    assert [(s.chord.symbol, s.start_beat, s.end_beat) for s in score.chords] == [
        ("Dm7", 0.0, 2.0), ("G7", 2.0, 4.0), ("F/A", 8.0, 15.9),  # to the end of the music
    ]  # fmt: skip
    sheet = extract_leadsheet(score)
    assert sheet.chord_source == "markers"
    assert [[s.chord.symbol for s in bar.chords] for bar in sheet.bars] == [
        ["Dm7", "G7"], ["G7"], ["F/A"], ["F/A"],
    ]  # fmt: skip


def test_other_markers_leave_chords_to_inference() -> None:
    score = parse_midi_bytes(_file([(0.0, "Dm7"), (4.0, "Verse")]))
    assert score.chords == ()


@pytest.mark.skipif(
    not (default_model_dir() / "weights.npz").is_file(), reason="models/default has no weights"
)
def test_acceptance_chart_survives_into_the_file_and_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "chart.mid"
    args = ["generate", "--chords", ACCEPTANCE, "--bars", "8", "--seed", "1"]
    assert run([*args, "--out", str(out)]) == 0
    capsys.readouterr()
    assert run(["inspect", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["chord_source"] == "markers"
    assert [bar["chords"] for bar in info["bars"]] == EXPECTED
    assert run(["inspect", str(out)]) == 0
    text = capsys.readouterr().out
    for symbol in ("Cmaj7", "Cdim7", "Cm7b5", "Cm7 F7@2", "Ebmaj7", "F/A", "C7alt", "Bbmaj7#5"):
        assert f"| {symbol} " in text
    midi = mido.MidiFile(out)
    names = [t.name for t in midi.tracks]
    score = parse_midi_bytes(out.read_bytes())
    by_name = {t.name: t for t in score.tracks}
    # the Bass part plays the slash bass A on the first beat of the F/A bar (bar 6)
    bass = by_name["Bass"].notes
    assert next(n.pitch for n in bass if n.start_beat == 20.0) % 12 == 9
    # the Chords track voices each chord's own tones (rootless: no root needed); it may
    # lay out a bar where the line dives into it (output.arrange), not most of them
    voiced = 0
    for bar, symbols in enumerate(EXPECTED):
        if len(symbols) > 1:
            continue
        chord = parse_chord_symbol(symbols[0])
        tones = chord.pitch_classes | chord.scale_pitch_classes
        pitches = {
            n.pitch % 12 for n in by_name["Chords"].notes if bar * 4 <= n.start_beat < bar * 4 + 4
        }
        assert pitches <= tones, (symbols, sorted(pitches))
        voiced += bool(pitches)
    assert voiced >= sum(len(s) == 1 for s in EXPECTED) - 1
    assert names == ["jazzgen", "Melody", "Chords", "Bass", "Drums"]
