"""Comping under the solo: voicings below the melody's register, smooth voice leading."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from jazzgen.core.types import Note, TimeSignature
from jazzgen.generation.generate import GenerateOptions, default_model_dir, generate
from jazzgen.generation.progression import make_bars, split_bar
from jazzgen.io.charts import parse_progression
from jazzgen.output.arrange import (
    COMP_HIGH,
    COMP_LOW,
    COMP_MIN_TOP,
    arrange,
    comp_notes,
    comp_register,
    rootless_pitch_classes,
    spans_of,
    voice_chord,
    voice_leading_distance,
    voicings,
)

CHANGES = "Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7 | Em7b5 A7alt | Dm7 | G7 | Cmaj7 A7 | Dm7 G7b9 | Cmaj7"


def _bars(text: str = CHANGES):
    ts = TimeSignature(4, 4)
    prog = [split_bar(chords, ts.bar_beats) for chords in parse_progression(text)]
    return make_bars(prog, ts, len(prog))


def _line(low: int, high: int, n: int = 64) -> tuple[Note, ...]:
    """A melody moving up and down between `low` and `high`."""
    pitches = [low + (high - low) * abs((i % 16) - 8) // 8 for i in range(n)]
    return tuple(Note(p, i * 0.5, i * 0.5 + 0.45) for i, p in enumerate(pitches))


@pytest.mark.parametrize(("low", "high"), [(57, 65), (60, 74), (64, 84), (50, 70)])
def test_register_is_under_the_melody(low: int, high: int) -> None:
    melody = _line(low, high)
    pitches = [n.pitch for n in melody]
    bottom, top = comp_register(melody)
    assert top < np.median(pitches)
    assert top < np.percentile(pitches, 25) or top == COMP_MIN_TOP
    assert top - bottom >= 12  # room for every inversion
    comp = comp_notes(_bars(), np.random.default_rng(0), register=(bottom, top))
    assert comp and all(bottom <= n.pitch <= top for n in comp)


def test_the_issue_case_comping_no_longer_sits_above_the_solo() -> None:
    melody = _line(57, 65)  # a tenor line around A3-F4
    (chords,) = arrange(_bars(), backing="chords", rng=np.random.default_rng(3), melody=melody)
    voiced = [n.pitch for n in chords.notes]
    assert max(voiced) < np.median([n.pitch for n in melody])  # was up to F5 (77)
    assert comp_register() == (COMP_LOW, COMP_HIGH)  # without a melody: as before


def test_the_pianist_lays_out_where_the_line_dives_into_the_comping() -> None:
    """A line around E4-A4 that dives to C3 for two beats of bar 3: the comping hits that
    sound with a dive note at or near their top voice are left out, and only those. A
    low instrument's line, always near the comping, lays out only under its lowest tenth
    (the rule without "dive" would leave out most of its hits)."""
    line = [n for n in _line(64, 70, 80) if not 8.0 <= n.start_beat < 10.0]
    dive = [Note(48 + i, 8.0 + i * 0.5, 8.45 + i * 0.5) for i in range(4)]
    melody = sorted(line + dive, key=lambda n: n.start_beat)
    register = comp_register(melody)

    def hits(notes: tuple[Note, ...]) -> dict[float, tuple[float, int]]:
        """start -> (end, top voice) of each comping hit."""
        return {n.start_beat: (n.end_beat, max(m.pitch for m in notes
                                                if m.start_beat == n.start_beat))
                for n in notes}  # fmt: skip

    every = hits(comp_notes(_bars(), np.random.default_rng(3), register=register))
    kept = hits(comp_notes(_bars(), np.random.default_rng(3), register=register, melody=melody))
    under = {
        start for start, (end, top) in every.items()
        if any(m.start_beat < end and m.end_beat > start and m.pitch <= top + 1 for m in dive)
    }  # fmt: skip
    assert under and set(kept) == set(every) - under
    low_line = _line(41, 60)  # a baritone's line
    low_register = comp_register(low_line)
    with_line = comp_notes(
        _bars(), np.random.default_rng(3), register=low_register, melody=low_line
    )
    alone = hits(comp_notes(_bars(), np.random.default_rng(3), register=low_register))
    assert len(hits(with_line)) >= 0.85 * len(alone)


def test_voice_leading_takes_the_nearest_voicing() -> None:
    register = comp_register(_line(57, 65))
    previous = None
    moves = []
    for span in spans_of(_bars()):
        chosen = voice_chord(span.chord, previous, register)
        if previous is not None:
            options = voicings(rootless_pitch_classes(span.chord), register)
            best = min(voice_leading_distance(previous, v) for v in options)
            assert voice_leading_distance(previous, chosen) == best
            moves.append(voice_leading_distance(previous, chosen) / len(chosen))
        previous = chosen
    assert np.mean(moves) <= 2.0  # semitones per voice per change: smooth
    assert max(moves) <= 4.0


def test_voice_leading_distance() -> None:
    assert voice_leading_distance((53, 57, 60, 64), (53, 57, 59, 64)) == 1.0
    assert voice_leading_distance((60, 64, 67), (60, 64, 67, 71)) == pytest.approx(2.0)
    assert voice_leading_distance((48, 52), (52, 48)) == 0.0


def test_chords_only_backing_keeps_its_root_below_a_low_voicing() -> None:
    melody = _line(52, 60)  # a low line: the voicings sit at the lowest allowed top
    (chords,) = arrange(_bars(), backing="chords", rng=np.random.default_rng(1), melody=melody)
    for span in spans_of(_bars()):
        at_start = [n for n in chords.notes if n.start_beat == span.start_beat]
        lowest = min(at_start, key=lambda n: n.pitch)
        assert lowest.pitch % 12 == span.chord.root


@pytest.mark.skipif(
    not (default_model_dir() / "weights.npz").is_file(), reason="models/default has no weights"
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_comping_sits_under_the_generated_solo(seed: int) -> None:
    result = generate(GenerateOptions(chords=CHANGES, bars=16, seed=seed))
    parts = {p.name: p for p in result.parts}
    melody = [n.pitch for n in parts["Melody"].notes]
    chords = parts["Chords"].notes
    assert max(n.pitch for n in chords) < np.median(melody)
    by_onset: dict[float, list[int]] = {}
    for n in chords:
        by_onset.setdefault(n.start_beat, []).append(n.pitch)
    voiced = [tuple(sorted(v)) for _, v in sorted(by_onset.items())]
    moves = [voice_leading_distance(a, b) / len(b) for a, b in itertools.pairwise(voiced) if a != b]
    assert np.mean(moves) <= 2.5
