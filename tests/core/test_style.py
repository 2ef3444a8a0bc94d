"""A solo's style (core.style): measured from its notes, named, counted and drawn."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jazzgen.core.errors import ConfigError
from jazzgen.core.harmony import NoteType
from jazzgen.core.style import (
    DENSITY_EDGES,
    DENSITY_INTERCEPT,
    DENSITY_SLOPE,
    Style,
    draw_style,
    style_counts,
)
from jazzgen.tokens.grammar import Token, line_style


def _notes_per_beat(residual: float, qpm: float) -> float:
    """The density whose distance from the tempo's prediction is `residual`."""
    return math.exp(DENSITY_INTERCEPT + DENSITY_SLOPE * math.log(qpm) + residual)


@pytest.mark.parametrize("qpm", [60.0, 173.0, 300.0])
def test_density_is_measured_against_the_tempo(qpm):
    low, high = DENSITY_EDGES
    for residual, level in ((low - 0.05, 0), ((low + high) / 2, 1), (high + 0.05, 2)):
        beats = 400.0
        notes = round(_notes_per_beat(residual, qpm) * beats)
        assert Style.measure(notes, 0, beats, qpm).density == level, (qpm, residual)


def test_the_same_notes_per_beat_are_dense_in_a_ballad_and_sparse_up_tempo():
    assert Style.measure(400, 0, 100.0, 50.0).density == 2  # 4 notes per beat at 50 qpm
    assert Style.measure(400, 0, 100.0, 300.0).density == 2
    assert Style.measure(150, 0, 100.0, 50.0).density == 0  # 1.5 per beat: sparse ballad
    assert Style.measure(150, 0, 100.0, 300.0).density == 2  # ...but dense at 300 qpm


def test_outside_is_the_share_of_approach_and_other_notes():
    assert [Style.measure(100, k, 50.0, 120.0).outside for k in (10, 20, 30)] == [0, 1, 2]
    assert Style.measure(0, 0, 50.0, 120.0) == Style(0, 1)  # no notes: sparse, medium


def test_line_style_counts_the_tokens():
    def note(kind: NoteType) -> Token:
        return Token(kind, 6, None)

    # 8 beats at 120 qpm; 12 notes of 6 steps (half a beat) = 1.5 per beat, 2 beats rest
    tokens = [note(NoteType.CHORD)] * 8 + [note(NoteType.APPROACH), note(NoteType.OTHER)]
    tokens += [note(NoteType.SCALE)] * 2 + [Token(NoteType.REST, 24)]
    measured = line_style(tokens, 120.0)
    assert measured == Style.measure(12, 2, 8.0, 120.0)
    assert measured.outside == 0  # 2 of 12 = 0.167 < 0.179


def test_names_levels_and_features():
    style = Style.named("dense", "inside")
    assert (style.density, style.outside, style.index) == (2, 0, 6)
    assert style.label == "dense, inside"
    assert style.features().tolist() == [1, 1, 0, 0]
    assert Style(1, 2).features().tolist() == [1, 0, 1, 1]
    with pytest.raises(ConfigError, match="--density must be one of sparse, medium, dense"):
        Style.named("busy", "inside")
    with pytest.raises(ConfigError):
        Style(3, 0)


def test_draws_follow_the_counts_and_keep_what_the_user_fixed():
    counts = style_counts([Style(0, 0)] * 3 + [Style(2, 1)] * 1)
    assert counts == (3, 0, 0, 0, 0, 0, 0, 1, 0)
    rng = np.random.default_rng(0)
    drawn = [draw_style(counts, rng, None, None) for _ in range(4000)]
    share = sum(d == Style(0, 0) for d in drawn) / len(drawn)
    assert abs(share - 0.75) < 0.03 and set(drawn) == {Style(0, 0), Style(2, 1)}
    # density fixed: the outside level comes from the pieces of that density
    assert {draw_style(counts, rng, "dense", None) for _ in range(50)} == {Style(2, 1)}
    # a level no training piece has: every style of it equally likely
    fixed = {draw_style(counts, rng, "medium", None) for _ in range(200)}
    assert fixed == {Style(1, 0), Style(1, 1), Style(1, 2)}
    assert {draw_style(counts, rng, "medium", "outside") for _ in range(5)} == {Style(1, 2)}
