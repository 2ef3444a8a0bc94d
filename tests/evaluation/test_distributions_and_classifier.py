"""Tests of evaluation.distributions (histograms, JS divergence against scipy, overlap) and
evaluation.classifier (segment features, the two-sample test on clearly different sets,
on two draws of one distribution, and on piece-specific features that only a leak
between folds could use)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.types import Bar, ChordSpan, LeadSheet, Note, TimeSignature
from jazzgen.evaluation import classifier, distributions, metrics

# --- histograms and divergences ------------------------------------------------------------


def test_histograms_by_hand():
    hist = distributions.interval_histogram(np.array([60, 62, 62, 30, 70]))
    assert hist.sum() == 4 and hist.size == 49
    assert hist[24 + 2] == 1 and hist[24] == 1  # +2, 0
    assert hist[0] == 1 and hist[48] == 1  # -32 and +40 clipped to -24 and +24
    ioi = distributions.ioi_histogram(np.array([0, 6, 6, 10, 70]))
    assert ioi.sum() == 3 and ioi[5] == 1 and ioi[3] == 1 and ioi[48] == 1  # 6, 4, > 48
    pos = distributions.position_histogram(np.array([0, 0, 8, 11]))
    assert pos.tolist() == [2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1]
    art = distributions.articulation_histogram(np.array([1.0, 0.95, 0.05, np.nan, 0.5]))
    assert art.tolist() == [1, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    labels = distributions.HISTOGRAMS["onset_position"][1]
    assert labels[:5] == ["0", "1/12", "1/6", "1/4", "1/3"]


def test_js_divergence_matches_scipy():
    rng = np.random.default_rng(3)
    for _ in range(20):
        p, q = rng.integers(0, 20, 12), rng.integers(0, 20, 12)
        want = jensenshannon(p, q, base=2) ** 2
        assert distributions.js_divergence(p, q) == pytest.approx(want, abs=1e-12)
    assert distributions.js_divergence([1, 0], [0, 3]) == pytest.approx(1.0)
    assert distributions.js_divergence([2, 2], [5, 5]) == pytest.approx(0.0)
    assert math.isnan(distributions.js_divergence([0, 0], [1, 1]))


def test_overlap_and_comparison():
    assert distributions.histogram_overlap([1, 1, 0], [0, 1, 1]) == pytest.approx(0.5)
    same = [np.array([3, 1]), np.array([6, 2])]
    result = distributions.compare_histograms(same, same, seed=1)
    assert result["js"] == pytest.approx(0.0) and result["overlap"] == pytest.approx(1.0)
    assert result["generated"] == [0.75, 0.25] and result["js_reference_split"] == 0.0
    one = distributions.compare_histograms([np.array([1, 0])], [np.array([0, 1])])
    assert one["js"] == pytest.approx(1.0) and math.isnan(one["js_reference_split"])


# --- the classifier ------------------------------------------------------------------------------


def _sheet(source, notes, bars=16):
    ts = TimeSignature(4, 4)
    chord = parse_chord_symbol("C7")
    bar_list = tuple(
        Bar(i, i + 1, 4.0 * i, ts, (ChordSpan(chord, 4.0 * i, 4.0 * i + 4),)) for i in range(bars)
    )
    return LeadSheet(source=source, melody=tuple(notes), bars=bar_list, qpm=120.0)


def stepwise_eighths(seed, bars=16, length=0.45):
    """A random walk of straight eighths by steps (the 'reference' style), each note
    sounding `length` quarter notes."""
    rng = np.random.default_rng(seed)
    pitch, notes = 64, []
    for k in range(bars * 8):
        pitch = int(np.clip(pitch + rng.choice([-2, -1, 1, 2]), 55, 79))
        notes.append(Note(pitch, k / 2, k / 2 + length))
    return _sheet(f"step{seed}", notes, bars)


def jumpy_triplets(seed, bars=16):
    """Leaping quarter-note triplets, played short (clearly another style)."""
    rng = np.random.default_rng(seed)
    notes = []
    for k in range(bars * 6):
        start = k * 2 / 3
        notes.append(Note(int(rng.integers(50, 85)), start, start + 0.2))
    return _sheet(f"jump{seed}", notes, bars)


def features_of(sheets):
    return [classifier.segment_features(metrics.analyse_piece(s)) for s in sheets]


def test_segment_features_by_hand():
    notes = [Note(60 + 2 * (k % 4), k / 2, k / 2 + 0.5) for k in range(8 * 4)]  # 4 bars
    rows = classifier.segment_features(metrics.analyse_piece(_sheet("m", notes, bars=5)))
    assert rows.shape == (1, len(classifier.SEGMENT_FEATURES))  # bar 5 is a short segment
    row = dict(zip(classifier.SEGMENT_FEATURES, rows[0], strict=True))
    assert row["notes_per_bar"] == 8
    # 31 intervals +2 +2 +2 -6, +2 ...: 7 cycles of 12 semitones, then 2 + 2 + 2
    assert row["mean_abs_interval"] == pytest.approx((7 * 12 + 6) / 31)
    assert row["position_0"] == 0.5 and row["position_6"] == 0.5
    assert row["ioi_mean"] == 0.5 and row["ioi_sd"] == 0.0
    assert row["articulation"] == 1.0 and row["rests_per_bar"] == 0.0
    assert row["off_grid_share"] == 0.0 and row["syncopation"] == 0.0


def test_classifier_tells_different_styles_apart():
    report = classifier.classifier_report(
        features_of(jumpy_triplets(s) for s in range(8)),
        features_of(stepwise_eighths(s) for s in range(8)),
        seed=0,
    )
    test = report["generated_vs_reference"]
    assert test["accuracy"] > 0.95 and test["n_splits"] == 5 and test["pieces"] == [8, 8]
    assert test["n_per_class"] == 32 and len(test["folds"]) == 5
    assert {f["name"] for f in test["top_features"]} <= set(classifier.SEGMENT_FEATURES)
    notes_only = report["without_articulation"]
    assert notes_only["accuracy"] > 0.95  # leaps and triplets, whatever the articulation
    assert not {f["name"] for f in notes_only["top_features"]} & {"articulation", "staccato_share"}
    assert 0.2 <= report["reference_split"]["accuracy"] <= 0.8  # steps vs steps


def test_classifier_cannot_tell_two_draws_of_one_style():
    test = classifier.classifier_report(
        features_of(stepwise_eighths(s) for s in range(10)),
        features_of(stepwise_eighths(s) for s in range(100, 110)),
        seed=1,
    )["generated_vs_reference"]
    assert 0.3 <= test["accuracy"] <= 0.7


def test_articulation_alone_is_told_apart_and_then_set_aside():
    # detached eighths leave gaps of 0.2 quarter notes: articulation, not rests (a gap of a
    # sixteenth or more would be a rest, which the notes-only test rightly sees)
    report = classifier.classifier_report(
        features_of(stepwise_eighths(s, length=0.5) for s in range(10)),  # legato
        features_of(stepwise_eighths(s, length=0.3) for s in range(100, 110)),  # detached
        seed=0,
    )
    assert report["generated_vs_reference"]["accuracy"] > 0.95
    assert 0.3 <= report["without_articulation"]["accuracy"] <= 0.7


def test_two_sample_test_on_arrays():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(40), 10)
    a, b = rng.normal(size=(400, 6)), rng.normal(size=(400, 6))
    names = [f"f{k}" for k in range(6)]
    same = classifier.two_sample_test(a, groups, b, groups, seed=0, trees=25, feature_names=names)
    assert abs(same["accuracy"] - 0.5) < 0.08
    shifted = classifier.two_sample_test(
        a, groups, b + 3, groups, seed=0, trees=25, feature_names=names
    )
    assert shifted["accuracy"] > 0.98


def test_two_sample_test_keeps_pieces_out_of_their_own_test_fold():
    # each piece has a signature of its own, drawn from one distribution for both sets:
    # a forest that saw a piece while training could recognise it; grouped folds cannot
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(80), 5)
    a = rng.normal(size=(80, 5))[groups] + 0.01 * rng.normal(size=(400, 5))
    b = rng.normal(size=(80, 5))[groups] + 0.01 * rng.normal(size=(400, 5))
    names = [f"f{k}" for k in range(5)]
    test = classifier.two_sample_test(a, groups, b, groups, seed=2, trees=25, feature_names=names)
    assert abs(test["accuracy"] - 0.5) < 0.1
    # the same rows with a random (ungrouped) split would be recognised almost always
    leaky = classifier.two_sample_test(
        a, np.arange(400), b, np.arange(400), seed=2, trees=25, feature_names=names
    )
    assert leaky["accuracy"] > 0.9


def test_two_sample_test_needs_two_pieces_per_set():
    rows = np.zeros((4, len(classifier.SEGMENT_FEATURES)))
    test = classifier.two_sample_test(rows, [0, 0, 0, 0], rows, [0, 1, 1, 2])
    assert math.isnan(test["accuracy"]) and "at least 2 pieces" in test["reason"]
    assert test["pieces"] == [1, 3]
