"""The post-processor's rules and their laws (jazzgen.postprocess)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import ConfigError
from jazzgen.core.types import Bar, ChordSpan, Note, TimeSignature
from jazzgen.generation.postprocess import PostprocessConfig, postprocess

TS = TimeSignature(4, 4)


def make_bars(n: int = 4, symbol: str = "Cmaj7") -> list[Bar]:
    chord = parse_chord_symbol(symbol)
    return [Bar(i, i + 1, 4.0 * i, TS, (ChordSpan(chord, 4.0 * i, 4.0 * i + 4),)) for i in range(n)]


def legato(pitches: list[int], step: float = 0.5) -> list[Note]:
    return [Note(p, i * step, (i + 1) * step) for i, p in enumerate(pitches)]


def test_repeats_are_repitched_to_chord_tones():
    notes, edits = postprocess(legato([60, 60, 60, 60, 60]), make_bars())
    # the third 60 becomes the nearest Cmaj7 chord tone (B); the run restarts after it
    assert [n.pitch for n in notes] == [60, 60, 59, 60, 60]
    assert [(e.rule, e.bar, e.beat) for e in edits] == [("repeats", 0, 1.0)]
    assert [(n.start_beat, n.end_beat) for n in notes] == [
        (n.start_beat, n.end_beat) for n in legato([60] * 5)
    ]


def test_large_leaps_fold_by_octaves_toward_the_previous_note():
    config = PostprocessConfig(pitch_range=(40, 90))
    notes, edits = postprocess(legato([60, 75, 45]), make_bars(), config)
    assert [n.pitch for n in notes] == [60, 63, 57]
    assert [e.rule for e in edits] == ["leap", "leap"]
    assert "+15" in edits[0].description


def test_register_clamp_and_bar_cut():
    config = PostprocessConfig(pitch_range=(55, 79))
    notes, edits = postprocess([Note(40, 0.0, 1.0), Note(64, 3.5, 5.0)], make_bars(), config)
    assert notes[0].pitch == 64  # E2 moved up by octaves into 55..79
    assert notes[1].end_beat == 4.0  # cut at the bar line
    assert {e.rule for e in edits} == {"register", "bar"}


def test_short_notes_merge_or_lengthen_or_drop():
    one_step = 1 / 12
    notes = [Note(60, 0.0, 0.5), Note(62, 0.5, 0.5 + one_step), Note(64, 1.0, 1.0 + one_step)]
    out, edits = postprocess(notes, make_bars())
    assert [(n.pitch, n.start_beat, round(n.end_beat, 4)) for n in out] == [
        (60, 0.0, round(0.5 + one_step, 4)),  # 62 merged into the previous note
        (64, 1.0, round(1.0 + 2 * one_step, 4)),  # lengthened into the silence after it
    ]
    assert [e.description for e in edits] == ["merged into previous note", "lengthened short note"]


def test_overlaps_are_removed():
    notes = [Note(60, 0.0, 2.0), Note(62, 1.0, 1.5), Note(64, 1.0, 1.25)]
    out, edits = postprocess(notes, make_bars())
    assert [(n.pitch, n.start_beat, n.end_beat) for n in out] == [(60, 0.0, 1.0), (62, 1.0, 1.5)]
    assert {e.rule for e in edits} == {"overlap"}


def test_rules_switch_off_and_validate():
    config = PostprocessConfig(
        max_repeats=None, max_leap=None, pitch_range=None, min_length_steps=None
    )
    notes = legato([60, 60, 60, 90, 20])
    assert postprocess(notes, make_bars(), config) == (tuple(notes), ())
    with pytest.raises(ConfigError, match="--max-leap"):
        PostprocessConfig(max_leap=0)
    with pytest.raises(ConfigError, match="octave"):
        PostprocessConfig(pitch_range=(60, 65))


GRID = 1 / 12


@st.composite
def note_sequences(draw):
    """Random (possibly overlapping, out-of-range, bar-crossing) notes over 4 bars of 4/4."""
    count = draw(st.integers(0, 40))
    notes = []
    for _ in range(count):
        start = draw(st.integers(0, 4 * 48 - 1)) * GRID
        length = draw(st.integers(1, 30)) * GRID
        pitch = draw(st.sampled_from([60, 60, 60, 62, 64, 30, 100, 72, 48, 84, 61]))
        notes.append(Note(pitch, start, start + length))
    return notes


@st.composite
def legato_lines(draw):
    """Monophonic legato lines on the grid, notes inside their bars (the realizer's shape),
    none shorter than 2 steps."""
    pitches = draw(st.lists(st.sampled_from([40, 55, 60, 60, 60, 67, 72, 79, 95]), max_size=40))
    notes, step = [], 0
    for pitch in pitches:
        if step >= 4 * 48:
            break
        remaining = 48 - step % 48
        length = draw(st.sampled_from([2, 3, 4, 6, 8, 12]))
        if length > remaining or remaining - length == 1:
            length = remaining
        notes.append(Note(pitch, step * GRID, (step + length) * GRID))
        step += length
    return notes


def check_laws(out, config: PostprocessConfig, bars):
    for a, b in itertools.pairwise(out):
        assert a.end_beat <= b.start_beat + 1e-9  # no overlaps, sorted
        assert abs(b.pitch - a.pitch) <= config.max_leap
    run = 1
    for a, b in itertools.pairwise(out):
        run = run + 1 if a.pitch == b.pitch else 1
        assert run <= config.max_repeats
    low, high = config.pitch_range
    for note in out:
        assert low <= note.pitch <= high
        bar = next(b for b in bars if b.start_beat <= note.start_beat < b.end_beat)
        assert note.end_beat <= bar.end_beat + 1e-9  # never across a bar line
        assert note.end_beat > note.start_beat


@settings(max_examples=150, deadline=None)
@given(note_sequences(), st.integers(1, 3), st.sampled_from([5, 7, 12]))
def test_laws_hold_for_any_input(notes, max_repeats, max_leap):
    bars = make_bars()
    config = PostprocessConfig(max_repeats=max_repeats, max_leap=max_leap, pitch_range=(50, 80))
    out, edits = postprocess(notes, bars, config)
    check_laws(out, config, bars)
    # onsets are never invented
    assert {round(n.start_beat, 6) for n in out} <= {round(n.start_beat, 6) for n in notes}
    assert all(e.rule in ("bar", "overlap", "short", "register", "leap", "repeats") for e in edits)


@settings(max_examples=150, deadline=None)
@given(legato_lines(), st.integers(1, 3))
def test_realizer_shaped_lines_keep_their_rhythm(notes, max_repeats):
    """For monophonic lines inside their bars (no note too short), only pitches change:
    the same onsets, the same note ends, so every bar is covered exactly as before."""
    bars = make_bars()
    config = PostprocessConfig(max_repeats=max_repeats, max_leap=12, pitch_range=(48, 84))
    out, edits = postprocess(notes, bars, config)
    check_laws(out, config, bars)
    assert [(n.start_beat, n.end_beat) for n in out] == [(n.start_beat, n.end_beat) for n in notes]
    changed = sum(a.pitch != b.pitch for a, b in zip(out, notes, strict=True))
    assert changed <= len(edits)
