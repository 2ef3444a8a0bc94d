"""Tests of tokens.realize's candidate pitches and the uniform realizer's probability: the
candidates against a brute-force reading of the grammar, the NLL against them, and
realize_bars drawing only candidates (so the NLL of what it realizes is always finite)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.harmony import NoteType, classify_pitch, type_pitch_classes
from jazzgen.core.types import Bar, ChordSpan, TimeSignature
from jazzgen.tokens import realize
from jazzgen.tokens.grammar import Token

CHORDS = ["C7", "Dm7", "Bbmaj7", "F#m7b5", "Ebdim7", "Aaug", "G7alt"]
NOTE_TYPES = [NoteType.CHORD, NoteType.SCALE, NoteType.APPROACH, NoteType.OTHER]


def brute_force(token, chord, prev, pitch_range):
    """Every MIDI pitch the grammar allows (no fallback cases)."""
    low, high = pitch_range
    if token.window is None or prev is None:
        centre = (low + high) // 2
        low, high = centre - realize.FIRST_NOTE_REACH, centre + realize.FIRST_NOTE_REACH
    else:
        low, high = max(low, prev + token.window[0]), min(high, prev + token.window[1])
    return [p for p in range(low, high + 1) if classify_pitch(p, chord) is token.type]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(CHORDS),
    st.sampled_from(NOTE_TYPES),
    st.integers(-9, 9),
    st.integers(50, 80),
    st.booleans(),
)
def test_candidates_and_nll_against_brute_force(symbol, note_type, centre, prev, windowless):
    chord = parse_chord_symbol(symbol)
    window = None if windowless else (centre - 3, centre + 3)
    token = Token(note_type, 6, window)
    pitch_range = (48, 76)
    got = realize.candidate_pitches(token, chord, prev, pitch_range)
    want = brute_force(token, chord, prev, pitch_range)
    if not type_pitch_classes(chord)[note_type]:
        assert got.fallbacks >= 1  # fallback 2: another type stands in
        return
    if want:
        assert got.pitches.tolist() == want and not got.nearest and got.fallbacks == 0
        for pitch in want:
            nll = realize.uniform_realizer_nll(token, chord, prev, pitch, pitch_range)
            assert nll == pytest.approx(math.log(len(want)))
        outside = [p for p in range(40, 90) if p not in want]
        for pitch in outside:
            assert realize.uniform_realizer_nll(token, chord, prev, pitch, pitch_range) == math.inf
    else:  # fallback 1: the nearest pitch of the type, taken without a draw
        assert got.nearest and got.fallbacks == 1 and len(got.pitches) == 1
        pitch = int(got.pitches[0])
        assert realize.uniform_realizer_nll(token, chord, prev, pitch, pitch_range) == 0.0


def test_uniform_realizer_is_a_realizer():
    chord = parse_chord_symbol("C7")
    token = Token(NoteType.CHORD, 12, (-3, 3))
    context = realize.RealizeContext(pitch_range=(48, 84))
    realizer: realize.Realizer = realize.UniformRealizer()
    # the chord tones of C7 from 61 to 67 (64 +- 3) are E (64) and G (67)
    assert realizer.log_prob(token, chord, 64, 64, context) == pytest.approx(-math.log(2))
    assert realizer.log_prob(token, chord, 64, 65, context) == -math.inf
    with pytest.raises(ValueError, match="rest"):
        realize.candidate_pitches(Token(NoteType.REST, 6), chord, 60)


def test_realize_bars_draws_candidates_only():
    ts = TimeSignature(4, 4)
    chords = [parse_chord_symbol(s) for s in ("Dm7", "G7", "Cmaj7", "A7")]
    bars = [
        Bar(i, i + 1, 4.0 * i, ts, (ChordSpan(c, 4.0 * i, 4.0 * i + 4),))
        for i, c in enumerate(chords)
    ]
    rng = np.random.default_rng(0)
    tokens = [[Token(NoteType.CHORD, 12)] + [Token(NoteType.SCALE, 12, (-4, 2))] * 3]
    tokens += [
        [Token(NOTE_TYPES[rng.integers(4)], 6, (c - 3, c + 3)) for c in rng.integers(-5, 6, 8)]
        for _ in range(3)
    ]
    realized = realize.realize_bars(tokens, bars, np.random.default_rng(1), pitch_range=(48, 74))
    prev = None
    flat = [t for bar in tokens for t in bar]
    for token, note in zip(flat, realized.notes, strict=True):
        chord = bars[int(note.start_beat // 4)].chords[0].chord
        nll = realize.uniform_realizer_nll(token, chord, prev, note.pitch, (48, 74))
        assert math.isfinite(nll)
        prev = note.pitch
