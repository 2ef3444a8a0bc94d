"""Tests of jazzgen.evaluate: metric functions against hand-computed values (and MusPy where
it is installed), the KDE set comparison, `evaluate_sets` on MIDI files, `jazzgen evaluate`."""

from __future__ import annotations

import importlib.util
import json
import math

import mido
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.cli import run
from jazzgen.core import errors
from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.types import Bar, ChordSpan, LeadSheet, Note, TimeSignature
from jazzgen.evaluation import comparison, metrics, report

# --- pure metrics, hand-computed ----------------------------------------------------------------


def test_pitch_statistics():
    assert metrics.pitch_range([60, 72, 55]) == 17
    assert metrics.pitch_range([]) == 0
    assert metrics.n_pitches_used([60, 60, 72, 62]) == 3
    assert metrics.n_pitch_classes_used([60, 72, 62]) == 2
    # histogram 1/2, 1/4, 1/4 -> 1.5 bits
    assert metrics.pitch_entropy([60, 60, 62, 64]) == pytest.approx(1.5)
    # classes C, C, D -> -(2/3 log2 2/3 + 1/3 log2 1/3)
    expected = -(2 / 3 * math.log2(2 / 3) + 1 / 3 * math.log2(1 / 3))
    assert metrics.pitch_class_entropy([60, 72, 62]) == pytest.approx(expected)
    assert metrics.pitch_entropy([67] * 5) == 0.0
    assert math.isnan(metrics.pitch_entropy([]))


def test_scale_consistency():
    c_major = [60, 62, 64, 65, 67, 69, 71, 72]
    assert metrics.scale_consistency(c_major) == 1.0
    assert metrics.scale_consistency([*c_major[:-1], 66]) == pytest.approx(7 / 8)  # F# is out
    assert metrics.scale_consistency([57, 59, 60, 62, 64, 65, 67]) == 1.0  # A natural minor
    assert metrics.scale_consistency(range(60, 72)) == pytest.approx(7 / 12)
    assert math.isnan(metrics.scale_consistency([]))


def test_interval_statistics():
    assert metrics.mean_abs_interval([60, 62, 59, 71]) == pytest.approx(17 / 3)
    assert metrics.leap_rate([60, 73, 60, 72]) == pytest.approx(2 / 3)  # 13, 13 > 12; 12 is not
    assert metrics.repeated_pitch_rate([60, 60, 60, 62]) == pytest.approx(2 / 3)
    assert metrics.mean_ioi([1.5, 0.0, 0.5]) == pytest.approx(0.75)
    for f in (
        metrics.mean_abs_interval,
        metrics.leap_rate,
        metrics.repeated_pitch_rate,
        metrics.mean_ioi,
    ):
        assert math.isnan(f([60]))


def test_empty_beat_rate_follows_muspy_convention():
    # Notes 0-1 and 3-3.5: beats 0, 1 (the end's beat counts, as in MusPy) and 3 occupied.
    assert metrics.empty_beat_rate([0.0, 3.0], [1.0, 3.5]) == pytest.approx(1 / 4)
    assert metrics.empty_beat_rate([0.0, 3.0], [1.0, 3.5], n_beats=8) == pytest.approx(5 / 8)
    assert metrics.empty_beat_rate([0.0], [0.5], n_beats=1) == 0.0
    assert math.isnan(metrics.empty_beat_rate([], []))


def test_groove_consistency_and_grooving_similarity():
    # Q = 4 steps per bar: bars [1000], [1000], [1100]
    grid = metrics.onset_grid([0, 4, 8, 9], bar_steps=4, n_bars=3)
    assert grid.astype(int).tolist() == [[1, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0]]
    # adjacent Hamming distances 0 and 1 over 2 pairs of 4 steps
    assert metrics.groove_consistency(grid) == pytest.approx(1 - 1 / 8)
    # all pairs: XOR 0, 1, 1 -> mean 2/3 over Q = 4
    assert metrics.grooving_similarity(grid) == pytest.approx(1 - (2 / 3) / 4)
    assert math.isnan(metrics.groove_consistency(grid[:1]))
    assert math.isnan(metrics.grooving_similarity(grid[:1]))
    assert metrics.onset_grid([-1, 12, 99], 4, 3).sum() == 0  # outside the bars: ignored


def test_windowed_pitch_class_entropy():
    pitches = [60, 62, 60, 72]
    bars = [0, 0, 1, 1]
    # bar 0: C, D -> 1 bit; bar 1: C, C -> 0 bits
    assert metrics.windowed_pitch_class_entropy(pitches, bars, 2, 1) == pytest.approx(0.5)
    # window longer than the piece -> the whole piece: C x3, D x1
    whole = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    assert metrics.windowed_pitch_class_entropy(pitches, bars, 2, 4) == pytest.approx(whole)
    # an empty bar is skipped, not counted as zero
    assert metrics.windowed_pitch_class_entropy([60, 62], [0, 0], 3, 1) == pytest.approx(1.0)


def test_chord_tone_ratio():
    c7 = parse_chord_symbol("C7").pitch_classes
    assert metrics.chord_tone_ratio([60, 64, 62, 70], [c7] * 4) == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="one chord per note"):
        metrics.chord_tone_ratio([60], [])


def _sheet(notes, chord_symbols, numerator=4):
    ts = TimeSignature(numerator, 4)
    bars = []
    for i, symbol in enumerate(chord_symbols):
        start = i * ts.bar_beats
        span = ChordSpan(parse_chord_symbol(symbol), start, start + ts.bar_beats)
        bars.append(Bar(i, i + 1, start, ts, (span,)))
    return LeadSheet(source="mem", melody=tuple(notes), bars=tuple(bars), qpm=120.0)


def test_piece_metrics_on_a_lead_sheet():
    # Bar 1 over Cmaj7: C (beat 1, strong), D, E (beat 3, strong), F#; bar 2 over G7: G, A.
    notes = [
        Note(60, 0.0, 1.0), Note(62, 1.0, 2.0), Note(64, 2.0, 3.0), Note(66, 3.0, 4.0),
        Note(67, 4.0, 5.0), Note(69, 5.5, 6.0),
    ]  # fmt: skip
    m = metrics.piece_metrics(_sheet(notes, ["Cmaj7", "G7"]))
    assert set(m) == set(metrics.FEATURES)
    assert m["chord_tone_ratio"] == pytest.approx(3 / 6)  # C, E, G
    assert m["strong_beat_chord_tone_ratio"] == pytest.approx(1.0)  # C, E, G all strong
    assert m["notes_per_bar"] == 3.0
    assert m["pitch_range"] == 9
    # 8 beats; the last note (5.5-6.0) also marks beat 6 by the MusPy rule: only beat 7 empty
    assert m["empty_beat_rate"] == pytest.approx(1 / 8)
    # onsets at steps {0,12,24,36} and {0,18}: Hamming 4 over Q = 48
    assert m["groove_consistency"] == pytest.approx(1 - 4 / 48)
    assert m["gs"] == pytest.approx(1 - 4 / 48)
    assert m["mean_ioi_beats"] == pytest.approx(5.5 / 5)


def test_segment_leadsheet_drops_empty_segments():
    notes = [Note(60 + i, float(i), i + 1.0) for i in range(8)]  # bars 1-2 only
    sheet = _sheet(notes, ["C"] * 10)
    segments = metrics.segment_leadsheet(sheet, 4)
    assert [len(s.bars) for s in segments] == [4]
    assert len(segments[0].melody) == 8


# --- set comparison -------------------------------------------------------------------------------


def test_distances():
    assert sorted(comparison.intra_set_distances([1.0, 3.0, 6.0])) == [2.0, 3.0, 5.0]
    assert comparison.intra_set_distances([1.0, math.nan]).size == 0
    assert sorted(comparison.inter_set_distances([0.0, 1.0], [3.0])) == [2.0, 3.0]


def test_kde_overlap_and_kl():
    rng = np.random.default_rng(1)
    a = rng.normal(0, 1, 400)
    same_oa, same_kld = comparison.compare_distributions(a, a)
    assert same_oa == pytest.approx(1.0, abs=1e-6) and same_kld == pytest.approx(0.0, abs=1e-9)
    far_oa, far_kld = comparison.compare_distributions(a, a + 20)
    assert far_oa < 1e-3 and far_kld > 10
    near_oa, near_kld = comparison.compare_distributions(a, rng.normal(0.5, 1, 400))
    assert 0.6 < near_oa < 0.9 and 0.0 < near_kld < 0.5  # two unit normals 0.5 apart: OA 0.80
    zeros_oa, zeros_kld = comparison.compare_distributions(np.zeros(5), np.zeros(7))
    assert zeros_oa == pytest.approx(1.0, abs=1e-6) and zeros_kld == pytest.approx(0.0, abs=1e-9)
    assert all(math.isnan(x) for x in comparison.compare_distributions(np.zeros(0), a))
    # a point mass against a set that holds that point 97.6 % of the time (one generated
    # piece of 42 off a feature every reference piece shares: 42 of 1,764 distances)
    inter = np.r_[np.zeros(1722), np.ones(42)]
    point_oa, _ = comparison.compare_distributions(np.zeros(861), inter)
    assert point_oa == pytest.approx(1722 / 1764, abs=0.01)
    assert comparison.compare_feature([12.0] * 41 + [11.0], [12.0] * 42)["oa"] > 0.95
    density = comparison.gaussian_kde(a, np.linspace(-8, 8, 4001), 0.3)
    assert density.sum() * (16 / 4000) == pytest.approx(1.0, abs=1e-3)


def test_binned_kde_matches_the_exact_sum():
    rng = np.random.default_rng(0)
    samples = np.concatenate([rng.normal(size=3000), np.zeros(50), [40.0]])  # a spike, a far one
    grid = np.linspace(-8, 8, 2048)
    for bandwidth in (5.0, 0.3, 0.01, 0.001):
        exact = comparison._exact_kde(samples, grid, bandwidth)
        binned = comparison._binned_kde(samples, grid, bandwidth)
        assert binned is not None
        assert np.max(np.abs(binned - exact)) < 1e-3 * exact.max()
    uneven = np.array([-1.0, 0.0, 0.5, 2.0])  # not a uniform grid: the exact sum
    assert comparison.gaussian_kde(samples, uneven, 0.3) == pytest.approx(
        comparison._exact_kde(samples, uneven, 0.3) / (samples.size * 0.3 * math.sqrt(2 * math.pi))
    )


# --- files and CLI ----------------------------------------------------------------------------


def write_solo(path, seed, *, bars=8, jumpy=False, qpm=120):
    """A sax line in eighths over a ii-V-I piano comping track, written with mido."""
    rng = np.random.default_rng(seed)
    tpq = 480
    mid = mido.MidiFile(type=1, ticks_per_beat=tpq)
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(qpm))]))
    sax = mido.MidiTrack([mido.MetaMessage("track_name", name="Sax")])
    sax.append(mido.Message("program_change", program=65, channel=0))
    pitch = 67
    for _ in range(bars * 8):
        step = int(rng.integers(-14, 15)) if jumpy else int(rng.choice([-2, -1, 1, 2, 3, -3]))
        pitch = int(np.clip(pitch + step, 52, 88))
        sax.append(mido.Message("note_on", note=pitch, velocity=90, channel=0))
        sax.append(mido.Message("note_off", note=pitch, channel=0, time=tpq // 2))
    mid.tracks.append(sax)
    piano = mido.MidiTrack([mido.Message("program_change", program=0, channel=1)])
    for bar in range(bars):
        chord = [(50, 53, 57, 60), (43, 47, 50, 53), (48, 52, 55, 59), (48, 52, 55, 59)][bar % 4]
        for p in chord:
            piano.append(mido.Message("note_on", note=p, velocity=60, channel=1))
        for i, p in enumerate(chord):
            piano.append(mido.Message("note_off", note=p, channel=1, time=4 * tpq * (i == 0)))
    mid.tracks.append(piano)
    mid.save(path)
    return path


@pytest.fixture
def midi_sets(tmp_path):
    ref = tmp_path / "ref"
    gen = tmp_path / "gen"
    ref.mkdir()
    gen.mkdir()
    refs = [write_solo(ref / f"r{i}.mid", i) for i in range(5)]
    gens = [write_solo(gen / f"g{i}.mid", 100 + i, jumpy=True) for i in range(3)]
    return gens, refs, ref


def test_evaluate_sets_compares_pieces(midi_sets):
    gens, _, ref_dir = midi_sets
    result = report.evaluate_sets(gens, [ref_dir])
    json.dumps(result, allow_nan=False)  # strict JSON: NaN already became null
    assert len(result["generated"]["pieces"]) == 3
    assert len(result["reference"]["pieces"]) == 5
    comparison = result["comparison"]
    assert comparison["unit"] == "piece"
    assert (comparison["n_generated"], comparison["n_reference"]) == (3, 5)
    assert set(comparison["features"]) == set(metrics.FEATURES)
    # the jumpy generated lines are told apart from the stepwise references by interval size
    interval = comparison["features"]["mean_abs_interval"]
    assert interval["oa"] < 0.2 and interval["kld"] > 1
    assert interval["inter"] > interval["intra_reference"]
    summary = result["reference"]["summary"]["notes_per_bar"]
    assert summary == {"mean": 8.0, "std": 0.0, "n": 5}


def test_single_piece_sets_fall_back_to_segments(midi_sets):
    gens, refs, _ = midi_sets
    result = report.evaluate_sets(gens[:1], refs[:1])
    comparison = result["comparison"]
    assert comparison["unit"] == "4-bar segment"
    assert (comparison["n_generated"], comparison["n_reference"]) == (2, 2)
    assert comparison["features"]["pitch_range"]["oa"] is not None


def test_bad_files_are_skipped_and_empty_sets_fail(midi_sets, tmp_path):
    gens, refs, _ = midi_sets
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi")
    result = report.evaluate_sets([*gens, bad], refs, classifier=False)
    assert [s["path"] for s in result["generated"]["skipped"]] == [str(bad)]
    with pytest.raises(errors.InputFileError, match="no usable file"):
        report.evaluate_sets([bad], refs)
    with pytest.raises(errors.InputFileError, match="not found"):
        report.evaluate_sets([tmp_path / "missing.mid"], refs)


def test_cli_evaluate_table_and_json(midi_sets, capsys):
    gens, _, ref_dir = midi_sets
    assert run(["evaluate", str(gens[0]), str(gens[1]), "--reference", str(ref_dir)]) == 0
    table = capsys.readouterr().out
    for name in ("pitch_class_entropy", "groove_consistency", "OA", "KLD", "gs", "h4"):
        assert name in table
    assert run(["evaluate", *map(str, gens), "--reference", str(ref_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["comparison"]["unit"] == "piece"


def test_evaluate_sets_reports_the_new_measures(midi_sets):
    gens, _, ref_dir = midi_sets
    result = report.evaluate_sets(gens, [ref_dir], seed=3)
    for name in ("generated", "reference"):
        coherence = result[name]["coherence"]
        rows = result[name]["pieces"]
        pooled = sum(r["chord_tone_ratio"] * r["notes"] for r in rows) / coherence["notes"]
        assert coherence["chord"] == pytest.approx(pooled)
        assert 0 <= coherence["chord"] <= coherence["scale"] <= 1
        for row in rows:
            assert len(row["onset_position_shares"]) == 12
            assert sum(row["onset_position_shares"]) == pytest.approx(1.0)
    # the stepwise references are straight eighths: onsets on the beat and half the beat
    assert result["reference"]["pieces"][0]["onset_position_shares"][0] == pytest.approx(0.5)
    assert set(result["distributions"]) == {"onset_position", "interval", "ioi", "articulation"}
    interval = result["distributions"]["interval"]
    assert len(interval["bins"]) == len(interval["generated"]) == 49
    # jumpy generated lines vs stepwise references: far apart, farther than the floor
    assert interval["js"] > 0.3 > interval["js_reference_split"]
    test = result["classifier"]["generated_vs_reference"]
    # 6 generated segments against 6 of the 10 reference ones: 3 pieces, then 3 to 5
    assert test["pieces"][0] == 3 and 3 <= test["pieces"][1] <= 5 and test["n_per_class"] == 6
    assert test["n_splits"] == 3 and test["accuracy"] > 0.8
    assert result["model"] is None
    assert set(result["seconds"]) == {"read", "measure", "classifier"}
    again = report.evaluate_sets(gens, [ref_dir], seed=3)
    assert again["classifier"] == result["classifier"]  # seeded
    assert again["distributions"] == result["distributions"]


def test_classifier_keeps_the_segments_of_a_piece_together(midi_sets):
    gens, refs, _ = midi_sets
    cut = [
        [
            seg
            for sheet in report.load_leadsheets(paths)[0]
            for seg in metrics.segment_leadsheet(sheet)
        ]
        for paths in (gens, refs)
    ]
    assert len(cut[0]) == 6 and len(cut[1]) == 10  # 8-bar solos, two segments each
    result = report.evaluate_leadsheets(cut[0], cut[1])
    test = result["classifier"]["generated_vs_reference"]
    assert test["pieces"][0] == 3 and test["pieces"][1] <= 5  # pieces, not segments


def test_pooled_coherence_by_hand():
    # C (chord tone), F# (neither: not in C Ionian) over Cmaj7 | D, B (chord tones) over G7
    one = metrics.analyse_piece(
        _sheet([Note(60, 0, 1), Note(66, 1, 2), Note(62, 4, 5)], ["Cmaj7", "G7"])
    )
    two = metrics.analyse_piece(_sheet([Note(71, 0, 1)], ["G7"]))
    coherence = report.pooled_coherence([one, two])
    assert coherence == {"chord": pytest.approx(3 / 4), "scale": pytest.approx(3 / 4), "notes": 4}
    assert math.isnan(report.pooled_coherence([])["chord"])


def test_single_piece_sets_say_why_there_is_no_classifier(midi_sets):
    gens, refs, _ = midi_sets
    result = report.evaluate_sets(gens[:1], refs[:1])
    test = result["classifier"]["generated_vs_reference"]
    assert test["accuracy"] is None and "at least 2 pieces" in test["reason"]


def test_cli_evaluate_prints_every_table(midi_sets, capsys):
    gens, _, ref_dir = midi_sets
    assert run(["evaluate", *map(str, gens), "--reference", str(ref_dir), "--seed", "1"]) == 0
    out = capsys.readouterr().out
    for text in ("Distributions", "onset_position", "Set measures", "MINGUS", "classifier"):
        assert text in out
    assert run(["evaluate", str(gens[0]), "--reference", str(ref_dir), "--no-classifier"]) == 0
    assert "--no-classifier" in capsys.readouterr().out


def test_parallel_reading_gives_the_same_sheets_in_order(tmp_path):
    files = [write_solo(tmp_path / f"s{i:02d}.mid", i, bars=4) for i in range(9)]
    (tmp_path / "s04b.mid").write_bytes(b"not midi")
    here, skipped_here = report.load_leadsheets([tmp_path], jobs=1)
    there, skipped_there = report.load_leadsheets([tmp_path], jobs=2)
    assert [s.source for s in here] == [str(f) for f in files]
    assert here == there and skipped_here == skipped_there
    assert [s["path"] for s in skipped_there] == [str(tmp_path / "s04b.mid")]


def test_cli_evaluate_bad_input(tmp_path, capsys):
    code = run(["evaluate", str(tmp_path / "nope.mid"), "--reference", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and err[0].startswith("Error: ")
    assert run(["evaluate", str(tmp_path)]) == 1  # --reference is required
    assert "--reference" in capsys.readouterr().err
    assert run(["evaluate", str(tmp_path), "--reference", str(tmp_path), "--jobs", "0"]) == 1
    assert "--jobs must be >= 1, got 0" in capsys.readouterr().err


# --- agreement with MusPy (where installed) -----------------------------------------------------

notes_strategy = st.lists(
    st.tuples(st.integers(36, 96), st.integers(0, 8 * 48 - 1), st.integers(1, 60)),
    min_size=2,
    max_size=40,
)


@pytest.mark.skipif(importlib.util.find_spec("muspy") is None, reason="muspy not installed")
@settings(max_examples=40, deadline=None)
@given(notes_strategy)
def test_metrics_match_muspy(notes):
    import muspy

    resolution, bar_steps = 12, 48  # our 1/12-quarter grid, 4/4
    music = muspy.Music(
        resolution=resolution,
        tracks=[muspy.Track(notes=[muspy.Note(time=t, pitch=p, duration=d) for p, t, d in notes])],
    )
    pitches = [p for p, _, _ in notes]
    starts = np.array([t for _, t, _ in notes]) / resolution
    ends = np.array([t + d for _, t, d in notes]) / resolution
    assert metrics.pitch_range(pitches) == muspy.pitch_range(music)
    assert metrics.n_pitches_used(pitches) == muspy.n_pitches_used(music)
    assert metrics.n_pitch_classes_used(pitches) == muspy.n_pitch_classes_used(music)
    assert metrics.pitch_entropy(pitches) == pytest.approx(muspy.pitch_entropy(music))
    assert metrics.pitch_class_entropy(pitches) == pytest.approx(muspy.pitch_class_entropy(music))
    assert metrics.scale_consistency(pitches) == pytest.approx(muspy.scale_consistency(music))
    assert metrics.empty_beat_rate(starts, ends) == pytest.approx(muspy.empty_beat_rate(music))
    # MusPy counts measures up to the last note *end*; pass the same number of bars.
    n_bars = max(t + d for _, t, d in notes) // bar_steps + 1
    grid = metrics.onset_grid([t for _, t, _ in notes], bar_steps, n_bars)
    ours = metrics.groove_consistency(grid)
    theirs = muspy.groove_consistency(music, bar_steps)
    assert (math.isnan(ours) and math.isnan(theirs)) or ours == pytest.approx(theirs)
