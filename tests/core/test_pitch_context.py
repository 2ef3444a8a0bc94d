"""The pitch input: the last pitch over the chord and in its register (core.pitch_context)."""

from __future__ import annotations

import numpy as np

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.pitch_context import (
    NO_PITCH,
    NO_ROOT,
    NONE_OFFSET,
    PITCH_FEATURES,
    REGISTER_OFFSET,
    chord_roots,
    line_centre,
    pitch_features,
    previous_pitches,
)


def test_each_row_says_the_interval_above_the_root_and_the_register():
    # E4 (64) over C: a major third; G3 (55) over D: a fourth; nothing yet; B4 without chord
    prev = np.array([64, 55, NO_PITCH, 71])
    roots = np.array([0, 2, 0, NO_ROOT])
    out = pitch_features(prev, roots, centre=60.0)
    assert out.shape == (4, PITCH_FEATURES) and out.dtype == np.uint8
    assert np.flatnonzero(out[0]).tolist() == [4, REGISTER_OFFSET + 5]  # 64-60=4: slot 1+4
    assert np.flatnonzero(out[1]).tolist() == [5, REGISTER_OFFSET + 2]  # 55-60=-5: slot -2+4
    assert np.flatnonzero(out[2]).tolist() == [NONE_OFFSET]
    assert np.flatnonzero(out[3]).tolist() == [REGISTER_OFFSET + 6]  # no chord: no interval


def test_registers_far_from_the_centre_share_the_outer_slots():
    out = pitch_features(np.array([20, 48, 72, 120]), np.zeros(4, int), centre=60.0)
    slots = out[:, REGISTER_OFFSET:NONE_OFFSET].argmax(axis=1).tolist()
    assert slots == [0, 1, 7, 7]
    assert (out[:, REGISTER_OFFSET:NONE_OFFSET].sum(axis=1) == 1).all()


def test_previous_pitches_carry_over_rests():
    assert previous_pitches([None, 60, None, 62, 64]).tolist() == [NO_PITCH, NO_PITCH, 60, 60, 62]
    assert previous_pitches([None, 60], before=55).tolist() == [55, 55]


def test_roots_and_centre():
    chords = [parse_chord_symbol("Dm7"), None, parse_chord_symbol("Bb7")]
    assert chord_roots(chords).tolist() == [2, NO_ROOT, 10]
    assert line_centre([60, None, 64, 70]) == 64.0
    assert line_centre([None], default=62.0) == 62.0
