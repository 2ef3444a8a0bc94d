"""Choosing among candidates: the per-beat score, degenerate solos and resampling (no
model needed: decoded candidates are built by hand)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest

from jazzgen.core.harmony import NoteType
from jazzgen.core.types import TimeSignature
from jazzgen.generation import generate as gen
from jazzgen.generation.decode import Decoded
from jazzgen.generation.progression import make_bars, split_bar
from jazzgen.io.charts import parse_progression
from jazzgen.tokens.grammar import Token

BARS = make_bars(
    [split_bar(b, 4.0) for b in parse_progression("Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7")],
    TimeSignature(4, 4),
    4,
)
REST_BAR = (Token(NoteType.REST, 48),)
NOTE_BAR = tuple(Token(NoteType.CHORD, 12) for _ in range(4))


def _decoded(solos: list[tuple[tuple[Token, ...], ...]], ll, entropy) -> Decoded:
    tokens = np.array([sum(len(bar) for bar in solo) for solo in solos])
    return Decoded(
        [list(solo) for solo in solos],
        np.asarray(ll, float),
        tokens,
        np.zeros(len(solos), np.int64),
        np.asarray(entropy, float),
    )


def test_old_bundles_keep_the_token_score_and_new_ones_score_per_beat():
    old = gen.Scoring.of(SimpleNamespace(config=SimpleNamespace(notes_per_bar=None)))
    assert (old.rule, old.degenerate_below) == ("token", 0.0)
    new = gen.Scoring.of(SimpleNamespace(config=SimpleNamespace(notes_per_bar=6.0)))
    assert new.rule == "beat_excess"
    assert new.degenerate_below == pytest.approx(gen.DEGENERATE_FRACTION * 6.0)
    assert new.is_degenerate(0, 4) and new.is_degenerate(5, 4) and not new.is_degenerate(6, 4)
    assert old.is_degenerate(0, 4) and not old.is_degenerate(1, 4)


def test_per_beat_score_does_not_prefer_an_emptier_solo():
    # candidate 0: 4 whole-bar rests, each near certain (the model sure that silence
    # follows silence); candidate 1: 16 notes, each a little likelier than the model
    # expects at its step. The per-token mean prefers the silence; the per-beat excess
    # does not.
    decoded = _decoded([(REST_BAR,) * 4, (NOTE_BAR,) * 4], ll=[-0.04, -16.0], entropy=[0.03, 17.0])
    beats = 16.0
    token = gen.Scoring("token", 0.0, None)
    per_beat = gen.Scoring("beat_excess", 0.0, 4.0)
    assert token.score(decoded, 0, beats, 0.0) > token.score(decoded, 1, beats, 0.0)
    assert per_beat.score(decoded, 1, beats, 0.0) > per_beat.score(decoded, 0, beats, 0.0)
    # tokens exactly as likely as expected score 0 however many there are
    fair = _decoded([(REST_BAR,) * 4, (NOTE_BAR,) * 4], ll=[-0.5, -20.0], entropy=[0.5, 20.0])
    assert per_beat.score(fair, 0, beats, 0.0) == per_beat.score(fair, 1, beats, 0.0) == 0.0


def _rounds(solos_per_round):
    calls: list[int] = []

    def decode_round(round_index: int) -> Decoded:
        calls.append(round_index)
        solos = solos_per_round(round_index)
        return _decoded(solos, [-1.0] * len(solos), [1.0] * len(solos))

    return decode_round, calls


def test_degenerate_candidates_are_resampled():
    options = gen.GenerateOptions(candidates=2, seed=3)
    scoring = gen.Scoring("beat_excess", 2.0, 8.0)  # below 2 notes per bar: degenerate
    # round 0: silent and nearly empty (1 note in 4 bars); round 1: a full solo
    sparse = (tuple(Token(NoteType.CHORD, 12) if i == 0 else Token(NoteType.REST, 12)
                    for i in range(4)),) + (REST_BAR,) * 3  # fmt: skip
    decode_round, calls = _rounds(
        lambda r: [(REST_BAR,) * 4, sparse] if r == 0 else [(NOTE_BAR,) * 4, (REST_BAR,) * 4]
    )
    solo = gen.choose_solo(decode_round, BARS, options, None, scoring)
    assert calls == [0, 1] and solo.rounds == 2 and not solo.warnings
    assert solo.chosen.index == 2 and len(solo.chosen.notes) == 16
    assert [c.degenerate for c in solo.candidates] == [True, True, False, True]
    assert [c.index for c in solo.candidates] == [0, 1, 2, 3]


def test_a_solo_still_empty_after_resampling_is_a_warning(caplog):
    options = gen.GenerateOptions(candidates=2, seed=3)
    scoring = gen.Scoring("beat_excess", 2.0, 8.0)
    decode_round, calls = _rounds(lambda r: [(REST_BAR,) * 4] * 2)
    with caplog.at_level(logging.WARNING):
        solo = gen.choose_solo(decode_round, BARS, options, None, scoring)
    assert calls == list(range(gen.RESAMPLE_ROUNDS + 1))
    assert len(solo.candidates) == 2 * (gen.RESAMPLE_ROUNDS + 1)
    assert not solo.chosen.notes and len(solo.warnings) == 1
    assert (
        "the solo is silent: 0.00 notes per bar (the training data plays 8.00)"
        in (solo.warnings[0])
    )
    assert solo.warnings[0] in caplog.text
