"""Tests of the learned realizer (jazzgen.performance.realizer): it prefers what its corpus
does, its probabilities are a distribution over the uniform realizer's candidates, it
survives a save/load round trip, and a bad realizer.json fails with one line."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import BundleError
from jazzgen.core.types import Bar, ChordSpan, Note, TimeSignature
from jazzgen.corpus.store import Piece, PieceBar
from jazzgen.performance.examples import note_events
from jazzgen.performance.realizer import (
    LearnedRealizer,
    fit_realizer,
    load_realizer,
    save_realizer,
)
from jazzgen.tokens import realize
from jazzgen.tokens.encode import encode_melody

TS = TimeSignature(4, 4)
CHANGES = ["Dm7", "G7", "Cmaj7", "A7"]
RANGE = (55, 84)


def _bars(n: int) -> list[Bar]:
    chords = [parse_chord_symbol(CHANGES[i % len(CHANGES)]) for i in range(n)]
    return [
        Bar(i, i + 1, 4.0 * i, TS, (ChordSpan(c, 4.0 * i, 4.0 * i + 4),))
        for i, c in enumerate(chords)
    ]


def _piece(seed: int, n_bars: int = 16, *, unisons: bool = False) -> tuple[Piece, list[Bar]]:
    """Eighth-note lines moving by steps and skips (never a repeated pitch, unless
    `unisons`), with their tokens and pitches as `jazzgen preprocess` keeps them."""
    rng = np.random.default_rng(seed)
    bars = _bars(n_bars)
    pitch, notes = 70, []
    moves = [-4, -3, -2, -1, 1, 2, 3, 4] + ([0, 0, 0, 0] if unisons else [])
    for k in range(n_bars * 8):
        move = int(rng.choice(moves))
        pitch += move if 60 <= pitch + move <= 80 else -move
        notes.append(Note(pitch, k * 0.5, k * 0.5 + 0.5))
    encoded = encode_melody(notes, bars)
    piece_bars = tuple(
        PieceBar(((bar.chords[0].chord, 0.0),), enc.tokens, None, enc.pitches)
        for bar, enc in zip(bars, encoded, strict=True)
    )
    return Piece(f"p{seed}", "0" * 64, TS, 120.0, piece_bars), bars


def _unison_rate(realizer: realize.Realizer | None, pieces: list[tuple[Piece, list[Bar]]]) -> float:
    repeats = total = 0
    for seed, (piece, bars) in enumerate(pieces):
        tokens = [bar.tokens for bar in piece.bars]
        notes = realize.realize_bars(
            tokens, bars, np.random.default_rng(seed), pitch_range=RANGE, realizer=realizer
        ).notes
        pitches = [n.pitch for n in notes]
        repeats += sum(a == b for a, b in itertools.pairwise(pitches))
        total += len(pitches) - 1
    return repeats / total


@pytest.fixture(scope="module")
def learned() -> LearnedRealizer:
    pieces = [_piece(seed)[0] for seed in range(6)]
    fitted = fit_realizer(note_events(pieces))
    assert fitted is not None
    return fitted


def test_learned_realizer_plays_fewer_unisons_than_uniform(learned: LearnedRealizer) -> None:
    # a corpus without repeated pitches; realized again from its own tokens
    pieces = [_piece(seed) for seed in range(10, 14)]
    uniform = _unison_rate(None, pieces)
    mine = _unison_rate(learned, pieces)
    assert uniform > 0.05  # the windows allow unisons...
    assert mine < uniform / 3  # ...which the corpus never plays
    assert learned.stats["train_nll"] < learned.stats["train_uniform_nll"]


def test_learned_realizer_beats_uniform_on_held_out_lines(learned: LearnedRealizer) -> None:
    from jazzgen.performance.realizer import realizer_scores, realizer_table

    table = realizer_table(note_events([_piece(seed)[0] for seed in (20, 21)]))
    scores = realizer_scores(table, learned)
    assert len(table) > 100
    assert scores["nll"] < scores["uniform_nll"] - 0.3


def test_a_corpus_with_unisons_keeps_them(learned: LearnedRealizer) -> None:
    with_unisons = fit_realizer(note_events([_piece(seed, unisons=True)[0] for seed in range(6)]))
    assert with_unisons is not None
    pieces = [_piece(seed) for seed in range(10, 14)]
    # the tokens' windows are centred off the unison: what is left is the corpus's habit
    assert _unison_rate(with_unisons, pieces) > 4 * _unison_rate(learned, pieces)


def test_probabilities_are_a_distribution_over_the_candidates(learned: LearnedRealizer) -> None:
    piece, _ = _piece(3)
    tokens = [t for bar in piece.bars for t in bar.tokens if not t.is_rest]
    rng = np.random.default_rng(0)
    checked = 0
    for token in tokens[:60]:
        chord = parse_chord_symbol(str(rng.choice(["C7", "F#m7b5", "Ebdim7", "Aaug", "Bbmaj7"])))
        prev = int(rng.integers(58, 82))
        step = int(rng.integers(0, 48))
        context = realize.RealizeContext(RANGE, 0.0, step, int(rng.integers(-5, 6)))
        candidates = realize.candidate_pitches(token, chord, prev, RANGE)
        probs = learned.probabilities(token, chord, prev, candidates, context)
        assert probs.shape == candidates.pitches.shape
        assert (probs >= 0).all() and math.isclose(probs.sum(), 1.0, rel_tol=1e-9)
        total = sum(
            math.exp(learned.log_prob(token, chord, prev, int(p), context))
            for p in candidates.pitches
        )
        assert math.isclose(total, 1.0, rel_tol=1e-9) or candidates.nearest
        outside = int(candidates.pitches.max()) + 13
        assert learned.log_prob(token, chord, prev, outside, context) == -math.inf
        checked += 1
    assert checked == 60


def test_save_load_round_trip(learned: LearnedRealizer, tmp_path: Path) -> None:
    save_realizer(learned, tmp_path)
    loaded = load_realizer(tmp_path)
    assert loaded is not None
    np.testing.assert_allclose(loaded.weights, learned.weights, atol=1e-6)
    np.testing.assert_allclose(loaded.register, learned.register, atol=1e-6)
    assert load_realizer(tmp_path / "none") is None  # no file: the uniform realizer


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format=9), "realizer format must be 1, got 9"),
        (lambda d: d["groups"].update(motion=[0.0] * 3), "groups.motion must be a list of 8"),
        (lambda d: d.update(register=[1.0, "x"]), "register must be a list of 2"),
    ],
)
def test_bad_realizer_json_fails_with_one_line(
    learned: LearnedRealizer, tmp_path: Path, edit, message: str
) -> None:
    data = learned.to_dict()
    edit(data)
    (tmp_path / "realizer.json").write_text(json.dumps(data))
    with pytest.raises(BundleError, match=message) as info:
        load_realizer(tmp_path)
    assert "\n" not in str(info.value)
    (tmp_path / "realizer.json").write_text("{not json")
    with pytest.raises(BundleError, match="not readable JSON"):
        load_realizer(tmp_path)


def test_a_corpus_without_pitches_learns_no_realizer() -> None:
    piece, _ = _piece(1)
    bare = Piece(piece.source, piece.sha256, TS, 120.0, tuple(
        PieceBar(bar.chords, bar.tokens) for bar in piece.bars
    ))  # fmt: skip
    assert fit_realizer(note_events([bare])) is None
