"""Tests of evaluation.rhythm and the new per-piece features of evaluation.metrics: each
against values worked out by hand on tiny melodies (and a brute-force reading of the
Longuet-Higgins & Lee definition)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.types import Bar, ChordSpan, LeadSheet, Note, TimeSignature
from jazzgen.evaluation import metrics, rhythm

# --- off-grid onsets ---------------------------------------------------------------------------


def test_off_grid_positions_outside_both_subdivisions():
    # one beat each: a sextuplet position (2 = 1/6), then 1/12 positions
    flags = rhythm.off_grid(np.array([0, 2, 1, 5, 7, 11, 10]), np.array([0, 0, 1, 2, 3, 4, 5]))
    assert flags.tolist() == [False, True, True, True, True, True, True]


def test_off_grid_mixed_beats_flag_the_minority_side():
    positions = np.array([0, 3, 4, 6, 0, 6, 8, 0, 4, 8, 0, 3, 6, 9, 0, 8, 9])
    beats = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4])
    flags = rhythm.off_grid(positions, beats)
    # beat 0: sixteenths with a lone 1/3 -> the 1/3; beat 1: 1/2 and 2/3 tie -> the 2/3
    # (triplet side); beats 2 (triplets) and 3 (sixteenths) are clean; beat 4: swung 2/3
    # then a 3/4 sixteenth: a tie again -> the 2/3
    assert np.flatnonzero(flags).tolist() == [2, 6, 15]
    # two triplet-only onsets against one straight-only: the straight one is off-grid
    assert rhythm.off_grid(np.array([4, 8, 6]), np.array([7, 7, 7])).tolist() == [
        False,
        False,
        True,
    ]
    assert rhythm.off_grid(np.zeros(0, int), np.zeros(0, int)).size == 0


def test_swung_and_straight_lines_are_on_the_grid():
    swing = np.tile([0, 8], 8)
    sixteenths = np.tile([0, 3, 6, 9], 4)
    for positions in (swing, sixteenths):
        beats = np.repeat(np.arange(positions.size // 2 + 1), 2)[: positions.size]
        assert not rhythm.off_grid(positions, beats).any()


# --- syncopation ---------------------------------------------------------------------------------


def test_metrical_weights_levels():
    w = rhythm.metrical_weights([48, 36], [4, 3])
    bar1, bar2 = w[:48], w[48:]
    assert bar1[0] == 0 and bar1[24] == -1 and bar1[12] == bar1[36] == -2
    assert bar1[6] == bar1[4] == bar1[8] == -3  # eighth and triplet eighths
    assert bar1[3] == bar1[9] == bar1[2] == bar1[10] == -4  # sixteenths and sextuplets
    assert bar1[1] == bar1[11] == -5
    assert bar2[0] == 0 and bar2[12] == bar2[24] == -2  # 3/4: no half bar
    assert rhythm.metrical_weights([], []).size == 0


def test_lhl_syncopation_hand_values():
    w = rhythm.metrical_weights([48, 48], [4, 4])
    # C on 1 (0), "and" of 4 tied over the bar (3), "and" of 1 held over beat 2 (1), "and"
    # of 2 then its triplet neighbour (0, 0), the half bar: the last note (NaN)
    onsets = np.array([0, 42, 54, 66, 68, 72])
    got = rhythm.lhl_syncopation(onsets, w)
    assert got[:-1].tolist() == [0.0, 3.0, 1.0, 0.0, 0.0] and math.isnan(got[-1])
    assert math.isnan(rhythm.lhl_syncopation(np.array([5]), w)[0])
    # adjacent steps: nothing between them
    assert rhythm.lhl_syncopation(np.array([11, 12]), w)[0] == 0.0


def brute_force_lhl(onsets: list[int], weights: np.ndarray) -> list[float]:
    """The definition, one position at a time: the strongest silent position between a
    note's onset and the next one, if stronger than the onset's, minus the onset's."""
    out = []
    for a, b in itertools.pairwise(onsets):
        strongest = max((weights[k] for k in range(a + 1, b)), default=-math.inf)
        out.append(float(max(strongest - weights[a], 0)))
    return [*out, math.nan]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4 * 48 - 1), min_size=1, max_size=40, unique=True))
def test_lhl_syncopation_matches_the_definition(onsets):
    onsets = sorted(onsets)
    w = rhythm.metrical_weights([48, 48, 36, 60], [4, 4, 3, 5])
    got = rhythm.lhl_syncopation(np.array(onsets), w)
    want = brute_force_lhl(onsets, w)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[:-1], want[:-1])


# --- phrases, rests, articulation ------------------------------------------------------------


def test_phrases_rests_and_articulation_by_hand():
    starts = np.array([0.0, 0.5, 1.0, 3.0, 3.5])
    ends = np.array([0.5, 0.75, 2.0, 3.25, 4.0])
    silence = rhythm.silences_after(starts, ends)
    assert silence[:-1].tolist() == [0.0, 0.25, 1.0, 0.25] and math.isnan(silence[-1])
    phrases = rhythm.phrase_ids(silence)
    assert phrases.tolist() == [0, 0, 0, 1, 1]  # the silence of a beat after note 3
    notes, beats = rhythm.phrase_lengths(starts, ends, phrases)
    assert notes.tolist() == [3, 2] and beats.tolist() == [2.0, 1.0]
    assert rhythm.rest_lengths(silence).tolist() == [0.25, 1.0, 0.25]
    ratios = rhythm.articulation_ratios(starts, ends, phrases)
    assert ratios[[0, 1, 3]].tolist() == [1.0, 0.5, 0.5]
    assert math.isnan(ratios[2]) and math.isnan(ratios[4])  # phrase ends


# --- the new features of a whole piece ---------------------------------------------------------


def _sheet(notes, chord_symbols):
    ts = TimeSignature(4, 4)
    bars = []
    for i, symbol in enumerate(chord_symbols):
        start = i * ts.bar_beats
        span = ChordSpan(parse_chord_symbol(symbol), start, start + ts.bar_beats)
        bars.append(Bar(i, i + 1, start, ts, (span,)))
    return LeadSheet(source="mem", melody=tuple(notes), bars=tuple(bars), qpm=120.0)


def _f(x):
    return float(Fraction(x))


HAND_NOTES = [
    # bar 1 over Cmaj7
    Note(60, 0.0, 0.5),  # pos 0, chord tone
    Note(62, 0.5, 1.0),  # pos 1/2, scale tone
    Note(64, 1.0, 1.25),  # beat 2, chord tone
    Note(66, _f("4/3"), _f("5/3")),  # 1/3 in a beat with 3/4: tie -> off-grid; not in scale
    Note(67, 1.75, 2.0),  # 3/4; then 1.5 beats of silence: phrase ends
    Note(69, 3.5, 4.0),  # "and" of 4, silent over the bar line (syncopated by 3)
    # bar 2 over G7
    Note(71, 4.5, 5.0),  # "and" of 1
    Note(74, _f("31/6"), 5.5),  # 1/6: off-grid
    Note(67, 6.0, 8.0),  # beat 3 (the half bar), the last note
]


def test_new_features_of_a_piece_by_hand():
    m = metrics.piece_metrics(_sheet(HAND_NOTES, ["Cmaj7", "G7"]))
    assert set(m) == set(metrics.FEATURES)
    assert m["chord_tone_ratio"] == pytest.approx(6 / 9)  # C E G | B D G
    assert m["scale_tone_ratio"] == pytest.approx(8 / 9)  # all but F# over Cmaj7
    assert m["off_grid_share"] == pytest.approx(2 / 9)
    # onset steps 0 6 12 16 21 | 42 54 62 72: syncopations 0 0 0 0 3 3 1 1 (last: none)
    assert m["syncopation"] == pytest.approx(8 / 8)
    assert m["phrase_notes"] == pytest.approx(4.5)  # 5 + 4 notes
    assert m["phrase_beats"] == pytest.approx((2.0 + 4.5) / 2)  # 0-2 and 3.5-8
    assert m["rest_beats"] == pytest.approx((1.5 + 0.5 + 0.5) / 3)
    assert m["rests_per_bar"] == pytest.approx(3 / 2)
    # within phrases: 1, 1, 0.25/(1/3), (1/3)/(5/12) | 0.5/1, 0.5/(2/3), (1/3)/(5/6)
    ratios = [1.0, 1.0, 0.75, 0.8, 0.5, 0.75, 0.4]
    assert m["articulation"] == pytest.approx(np.mean(ratios))
    assert m["staccato_share"] == pytest.approx(1 / 7)
    assert m["legato_share"] == pytest.approx(2 / 7)


def test_new_features_without_notes_are_nan():
    m = metrics.piece_metrics(_sheet([], ["C"]))
    for name in ("scale_tone_ratio", "off_grid_share", "syncopation", "articulation"):
        assert math.isnan(m[name])
    assert m["rests_per_bar"] == 0.0


def test_melody_arrays_positions_and_beats():
    arrays = metrics.melody_arrays(_sheet(HAND_NOTES, ["Cmaj7", "G7"]))
    assert arrays.onset_step.tolist() == [0, 6, 12, 16, 21, 42, 54, 62, 72]
    assert arrays.position.tolist() == [0, 6, 0, 4, 9, 6, 6, 2, 0]
    assert arrays.bar_start_step.tolist() == [0, 48, 96]
    stride = metrics.BEAT_ID_STRIDE  # beats 1 1 2 2 2 4 | 1 2 3
    assert arrays.beat_id.tolist() == [0, 0, 1, 1, 1, 3, stride, stride + 1, stride + 2]
