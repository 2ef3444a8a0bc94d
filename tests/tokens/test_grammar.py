"""Grammar: the text codec, encoding rules, and the encode/realize laws (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.core.errors import VocabError
from jazzgen.core.harmony import Chord, ChordQuality, NoteType, classify_pitch
from jazzgen.core.types import GRID_STEPS_PER_QUARTER, Bar, ChordSpan, Note, TimeSignature
from jazzgen.tokens.encode import encode_melody
from jazzgen.tokens.grammar import (
    WINDOW_HALF_WIDTH,
    Token,
    interval_name,
    interval_semitones,
    token_from_text,
    token_to_text,
)
from jazzgen.tokens.realize import realize_bars

FOUR_FOUR = TimeSignature(4, 4)


def make_bars(chords_per_bar: list[list[Chord]], ts: TimeSignature = FOUR_FOUR) -> list[Bar]:
    """Bars laid end to end, each bar's chords splitting it evenly."""
    bars = []
    start = 0.0
    for index, chords in enumerate(chords_per_bar):
        span = ts.bar_beats / len(chords)
        spans = tuple(
            ChordSpan(c, start + i * span, start + (i + 1) * span) for i, c in enumerate(chords)
        )
        bars.append(Bar(index, index + 1, start, ts, spans))
        start += ts.bar_beats
    return bars


C7 = Chord(0, ChordQuality.DOMINANT7)
DM7 = Chord(2, ChordQuality.MINOR7)
G7 = Chord(7, ChordQuality.DOMINANT7)
CMAJ7 = Chord(0, ChordQuality.MAJOR7)


# --- codec ---------------------------------------------------------------------------------


def test_course_text_form_round_trip() -> None:
    token = token_from_text("C,0.250,<m2,P-4>")
    assert token == Token(NoteType.CHORD, 3, (-5, 1))
    assert token_to_text(token) == "C,0.250,<m2,P-4>"
    assert token_to_text(Token(NoteType.REST, 8)) == "R,0.667"
    assert token_from_text("S,0.333") == Token(NoteType.SCALE, 4, None)


@pytest.mark.parametrize("semitones", range(-30, 31))
def test_interval_names_round_trip(semitones: int) -> None:
    assert interval_semitones(interval_name(semitones)) == semitones


def test_interval_names_match_music21() -> None:
    from music21 import interval

    for name in ["m2", "P-4", "M10", "d5", "A4", "M-9", "P8", "A-2", "dd7", "m-13"]:
        assert interval_semitones(name) == interval.Interval(name).semitones, name
    for semitones in range(-24, 25):
        assert interval.Interval(interval_name(semitones)).semitones == semitones


@pytest.mark.parametrize("bad", ["", "Q,0.25", "C,0.000", "R,0.5,<m2,P-4>", "C,0.25,<x,y>", "C"])
def test_bad_token_text_is_a_vocab_error(bad: str) -> None:
    with pytest.raises(VocabError):
        token_from_text(bad)


@given(
    st.sampled_from(list(NoteType)),
    st.integers(1, 200),
    st.integers(-30, 30),
)
def test_codec_round_trip(note_type: NoteType, steps: int, interval: int) -> None:
    window = None if note_type is NoteType.REST else (interval - 3, interval + 3)
    token = Token(note_type, steps, window)
    assert token_from_text(token_to_text(token)) == token


# --- encoding rules ------------------------------------------------------------------------


def test_durations_are_onset_to_onset_and_fill_the_bar() -> None:
    melody = [
        Note(64, 0.0, 0.9),  # E over C7: chord tone; the 1/10-beat gap is articulation
        Note(62, 1.0, 1.25),  # D: scale tone, then 0.75 beats of silence -> a rest
        Note(61, 2.0, 2.5),  # C#: a semitone from C, not in C Mixolydian -> approach
        Note(60, 3.0, 5.0),  # C held across the bar line: cut there
    ]
    bars = make_bars([[C7], [C7]])
    encoded = encode_melody(melody, bars)
    texts = [[token_to_text(t) for t in bar.tokens] for bar in encoded]
    assert texts[0] == [
        "C,1.000",
        "S,0.250,<m2,P-4>",  # the course's own example: interval -2, window (-5, +1)
        "R,0.750",
        "A,0.500,<M2,M-3>",
        "R,0.500",
        "C,1.000,<M2,M-3>",
    ]
    assert texts[1] == ["R,4.000"]  # the held note's continuation is a rest
    for bar, enc in zip(bars, encoded, strict=True):
        assert sum(t.duration for t in enc.tokens) == bar.steps
    assert encoded[0].tokens[3].window == (-1 - WINDOW_HALF_WIDTH, -1 + WINDOW_HALF_WIDTH)


def test_triplets_and_swing_survive_on_the_grid() -> None:
    third = 1 / 3
    melody = [Note(60 + i, i * third, (i + 1) * third) for i in range(3)]
    melody += [Note(67, 1.0, 1 + 2 / 3), Note(65, 1 + 2 / 3, 2.0)]  # swung eighths 2/3 + 1/3
    encoded = encode_melody(melody, make_bars([[C7]]))[0]
    durations = [t.duration for t in encoded.tokens]
    assert durations == [4, 4, 4, 8, 4, 24]


def test_same_step_onsets_keep_the_later_note() -> None:
    melody = [Note(60, 0.0, 0.02), Note(64, 0.01, 1.0)]  # a grace note 1/100 beat early
    encoded = encode_melody(melody, make_bars([[C7]]))[0]
    assert encoded.pitches[0] == 64
    assert len([p for p in encoded.pitches if p is not None]) == 1


def test_classification_priority() -> None:
    # Over Dm7 (D F A C; Dorian scale D E F G A B C):
    assert classify_pitch(62, DM7) is NoteType.CHORD
    assert classify_pitch(64, DM7) is NoteType.SCALE  # E
    assert classify_pitch(63, DM7) is NoteType.APPROACH  # Eb: semitone from D
    # Over C7 (C E G Bb; Mixolydian): F# is a semitone from G but not in the scale.
    assert classify_pitch(66, C7) is NoteType.APPROACH
    assert classify_pitch(63, C7) is NoteType.APPROACH  # Eb: semitone from E
    assert classify_pitch(61, Chord(0, ChordQuality.MAJOR6)) is NoteType.APPROACH


# --- laws (hypothesis) --------------------------------------------------------------------

CHORDS = [Chord(root, q) for root in range(12) for q in ChordQuality]


@st.composite
def melodies(draw: st.DrawFn) -> tuple[list[Note], list[Bar]]:
    ts = draw(st.sampled_from([TimeSignature(4, 4), TimeSignature(3, 4), TimeSignature(6, 8)]))
    n_bars = draw(st.integers(1, 4))
    chords = [
        draw(st.lists(st.sampled_from(CHORDS), min_size=1, max_size=2)) for _ in range(n_bars)
    ]
    bars = make_bars(chords, ts)
    total_steps = n_bars * ts.bar_steps
    onsets = sorted(draw(st.sets(st.integers(0, total_steps - 1), max_size=24)))
    notes = []
    for i, onset in enumerate(onsets):
        limit = onsets[i + 1] if i + 1 < len(onsets) else total_steps + 6
        end = draw(st.integers(onset + 1, limit))
        pitch = draw(st.integers(55, 79))
        notes.append(Note(pitch, onset / GRID_STEPS_PER_QUARTER, end / GRID_STEPS_PER_QUARTER))
    return notes, bars


def _notes_from_tokens(encoded, bars) -> list[Note]:
    """Law 2's realizer: lay out tokens in time, giving each note its original pitch."""
    notes = []
    for bar, enc in zip(bars, encoded, strict=True):
        step = 0
        for token, pitch in zip(enc.tokens, enc.pitches, strict=True):
            start = bar.start_beat + step / GRID_STEPS_PER_QUARTER
            step += token.duration
            if pitch is not None:
                notes.append(Note(pitch, start, bar.start_beat + step / GRID_STEPS_PER_QUARTER))
    return notes


@settings(max_examples=200, deadline=None)
@given(melodies())
def test_every_bar_sums_to_its_length(data) -> None:
    notes, bars = data
    for bar, enc in zip(bars, encode_melody(notes, bars), strict=True):
        assert sum(t.duration for t in enc.tokens) == bar.steps


@settings(max_examples=200, deadline=None)
@given(melodies())
def test_law_original_pitches_reencode_exactly(data) -> None:
    notes, bars = data
    encoded = encode_melody(notes, bars)
    assert encode_melody(notes, bars) == encoded  # deterministic
    again = encode_melody(_notes_from_tokens(encoded, bars), bars)
    assert [e.tokens for e in again] == [e.tokens for e in encoded]


@settings(max_examples=200, deadline=None)
@given(melodies(), st.integers(0, 2**32 - 1))
def test_law_encode_realize_encode_keeps_types_and_durations(data, seed: int) -> None:
    notes, bars = data
    encoded = encode_melody(notes, bars)
    tokens = [e.tokens for e in encoded]
    realization = realize_bars(tokens, bars, np.random.default_rng(seed))
    again = encode_melody(realization.notes, bars)
    assert [[(t.type, t.duration) for t in e.tokens] for e in again] == [
        [(t.type, t.duration) for t in bar] for bar in tokens
    ]
    # Intervals fall inside their windows except where a counted fallback fired.
    flat = [t for bar in tokens for t in bar if not t.is_rest]
    outside = 0
    prev = None
    for token, note in zip(flat, realization.notes, strict=True):
        if token.window is not None and prev is not None:
            interval = note.pitch - prev
            outside += not token.window[0] <= interval <= token.window[1]
        prev = note.pitch
    assert outside <= realization.fallbacks
    for bar, enc in zip(bars, again, strict=True):
        assert sum(t.duration for t in enc.tokens) == bar.steps


def test_realization_is_seeded_and_stays_in_range() -> None:
    bars = make_bars([[DM7, G7], [CMAJ7]] * 4)
    rng_tokens = [
        [Token(NoteType.CHORD, 6, None)]
        + [Token(t, 6, (-15, -9)) for t in (NoteType.SCALE, NoteType.APPROACH)] * 3
        + [Token(NoteType.OTHER, 6, (9, 15))]
        for _ in bars
    ]
    a = realize_bars(rng_tokens, bars, np.random.default_rng(1), pitch_range=(55, 79))
    b = realize_bars(rng_tokens, bars, np.random.default_rng(1), pitch_range=(55, 79))
    assert a == b
    assert all(55 <= n.pitch <= 79 for n in a.notes)
    assert a.fallbacks > 0  # downward windows hit the floor: fallbacks are counted


def test_fallback_when_type_has_no_pitch_class() -> None:
    dim = Chord(0, ChordQuality.DIMINISHED7)  # octatonic scale + approaches cover everything
    bars = make_bars([[dim]])
    tokens = [[Token(NoteType.OTHER, 48, None)]]
    result = realize_bars(tokens, bars, np.random.default_rng(0))
    assert result.fallbacks == 1
    assert len(result.notes) == 1
