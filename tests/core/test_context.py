"""The context input (core.context): known positions give known one-hot features."""

from __future__ import annotations

import numpy as np

from jazzgen.core import context as ctx
from jazzgen.core.harmony import Chord, ChordQuality, chord_features
from jazzgen.core.style import Style

MEDIUM = Style()

DM7, G7, CMAJ7 = (
    Chord(2, ChordQuality.MINOR7),
    Chord(7, ChordQuality.DOMINANT7),
    Chord(0, ChordQuality.MAJOR7),
)
BLOCKS = {
    "step": (ctx.STEP_OFFSET, ctx.STEPS_PER_BEAT),
    "beat": (ctx.BEAT_OFFSET, ctx.BEAT_SLOTS),
    "left": (ctx.LEFT_OFFSET, ctx.BEATS_LEFT_SLOTS),
    "change": (ctx.CHANGE_OFFSET, ctx.CHANGE_SLOTS),
    "phrase": (ctx.PHRASE_OFFSET, ctx.PHRASE_BARS),
}


def _hot(row: np.ndarray, block: str) -> int:
    """The index of the one set feature of a one-hot block."""
    offset, width = BLOCKS[block]
    part = row[offset : offset + width]
    assert part.sum() == 1, (block, part)
    return int(part.argmax())


def _next_chord(row: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in row[ctx.NEXT_CHORD_OFFSET : ctx.CHANGE_OFFSET])


# 4/4 bars of 48 steps: | Dm7 . G7 . | Cmaj7 | Cmaj7 (no change) |
FRAMES = [
    ctx.BarFrame(48, ((DM7, 0), (G7, 24)), 0),
    ctx.BarFrame(48, ((CMAJ7, 0),), 1),
    ctx.BarFrame(48, ((CMAJ7, 0),), 2),
]


def test_width_is_the_sum_of_the_blocks():
    assert ctx.BASE_CONTEXT_FEATURES == ctx.TEMPO_OFFSET == 12 + 8 + 8 + 24 + 9 + 8 == 69
    assert ctx.TEMPO_CONTEXT_FEATURES == ctx.STYLE_OFFSET == 69 + 7
    assert ctx.CONTEXT_FEATURES == 69 + 7 + 4


def test_the_tempo_is_a_thermometer_the_same_on_every_row():
    steps = np.array([0, 30, 47, 13, 36])
    bars = np.array([0, 0, 0, 1, 2])
    seen = {}
    for qpm, expected in ((60, 0), (80, 1), (120, 2), (173, 4), (264.9, 6), (300, 7)):
        out = ctx.context_features(FRAMES, bars, steps, qpm, MEDIUM)
        tempo = out[:, ctx.TEMPO_OFFSET : ctx.STYLE_OFFSET]
        assert (tempo == tempo[0]).all()  # one tempo for the piece
        assert tempo[0].tolist() == [1] * expected + [0] * (7 - expected), qpm
        seen[qpm] = out[:, : ctx.TEMPO_OFFSET]
    # the tempo changes nothing else
    assert all((part == seen[60]).all() for part in seen.values())


def test_the_style_is_two_thermometers_the_same_on_every_row():
    steps, bars = np.array([0, 30, 13]), np.array([0, 0, 1])
    base = ctx.context_features(FRAMES, bars, steps, 120.0, MEDIUM)
    for density in range(3):
        for outside in range(3):
            out = ctx.context_features(FRAMES, bars, steps, 120.0, Style(density, outside))
            style = out[:, ctx.STYLE_OFFSET :]
            expected = [int(density >= 1), int(density >= 2), int(outside >= 1),
                        int(outside >= 2)]  # fmt: skip
            assert all(row.tolist() == expected for row in style), (density, outside)
            assert (out[:, : ctx.STYLE_OFFSET] == base[:, : ctx.STYLE_OFFSET]).all()


def test_known_positions_give_known_features():
    out = ctx.context_features(
        FRAMES, np.array([0, 0, 0, 1, 2]), np.array([0, 30, 47, 13, 36]), 120.0, MEDIUM
    )
    assert out.shape == (5, ctx.CONTEXT_FEATURES) and out.dtype == np.uint8
    assert set(np.unique(out).tolist()) <= {0, 1}
    # bar 0 step 0: first step of beat 0, 4 beats left; G7 comes 24 steps = 4 half beats on
    assert [_hot(out[0], b) for b in ("step", "beat", "left", "change", "phrase")] == [
        0,
        0,
        3,
        3,
        0,
    ]
    assert _next_chord(out[0]) == chord_features(G7)
    # bar 0 step 30 (beat 2, 6/12 into it): 18 steps left = 2 beats rounded up; Cmaj7 at
    # step 48 is 18 steps = 3 half beats ahead
    assert [_hot(out[1], b) for b in ("step", "beat", "left", "change")] == [6, 2, 1, 2]
    assert _next_chord(out[1]) == chord_features(CMAJ7)
    # the last step of bar 0: 1 step left (1 beat rounded up); Cmaj7 1 step = 1 half beat on
    assert [_hot(out[2], b) for b in ("step", "beat", "left", "change")] == [11, 3, 0, 0]
    # bars 1 and 2: the same Cmaj7 is no change: no next chord, "farther or none"
    for row, phrase in ((out[3], 1), (out[4], 2)):
        assert _next_chord(row) == (0.0,) * 24
        assert _hot(row, "change") == ctx.CHANGE_SLOTS - 1
        assert _hot(row, "phrase") == phrase
    assert [_hot(out[3], b) for b in ("step", "beat", "left")] == [1, 1, 2]  # 35 steps: 3
    assert [_hot(out[4], b) for b in ("step", "beat", "left")] == [0, 3, 0]


def test_long_bars_and_far_changes_use_the_last_slot():
    frames = [ctx.BarFrame(12 * 9, ((DM7, 0),), 9), ctx.BarFrame(48, ((G7, 0),), 10)]
    out = ctx.context_features(frames, np.array([0, 0]), np.array([0, 12 * 8]), 120.0, MEDIUM)
    # beat 0 of a 9-beat bar: 9 beats left = "8 or more"; G7 18 half beats away = "farther"
    assert [_hot(out[0], b) for b in ("beat", "left", "change", "phrase")] == [0, 7, 8, 1]
    # beat 8: "7 or later"; 1 beat left; G7 2 half beats away
    assert [_hot(out[1], b) for b in ("beat", "left", "change")] == [7, 0, 1]


def test_form_positions_restart_at_each_known_section():
    forms = [("A1", 0), None, None, ("B1", 0), None, None]
    assert ctx.form_positions(forms) == [0, 1, 2, 0, 1, 2]
    assert ctx.form_positions([None, None, ("A2", 3), None]) == [0, 1, 3, 4]


def test_every_step_covers_the_bars_in_order():
    bar_index, step = ctx.every_step([ctx.BarFrame(3, (), 0), ctx.BarFrame(2, (), 1)])
    assert bar_index.tolist() == [0, 0, 0, 1, 1] and step.tolist() == [0, 1, 2, 0, 1]
