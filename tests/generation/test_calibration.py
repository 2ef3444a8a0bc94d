"""Decoding calibration (generation.calibration): classes, fitting, the file, generation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tiny_bundle import make_bundle, tiny_vocab

from jazzgen.core.errors import BundleError
from jazzgen.core.harmony import NoteType
from jazzgen.generation import calibration as cal
from jazzgen.generation.generate import GenerateOptions, calibration_player, generate
from jazzgen.generation.sampling import LogitBias
from jazzgen.tokens.grammar import Token
from jazzgen.training.bundle import load_bundle


def _token(kind: NoteType, steps: int) -> Token:
    return Token(kind, steps, None if kind is NoteType.REST else (-3, 3))


def test_classes_are_kind_by_duration_by_grid():
    n = cal.N_DURATION_CLASSES
    assert 5 * n * 2 == cal.N_CLASSES
    assert cal.token_class(_token(NoteType.REST, 2)) == 1  # below a sixteenth, off the grid
    assert cal.token_class(_token(NoteType.REST, 48)) == (n - 1) * 2  # a whole bar of 4/4
    assert cal.token_class(_token(NoteType.CHORD, 6)) == (n + 2) * 2  # an eighth: [6, 9)
    assert cal.token_class(_token(NoteType.CHORD, 8)) == (n + 2) * 2 + 1  # a quarter triplet
    assert cal.token_class(_token(NoteType.OTHER, 12)) == (4 * n + 4) * 2  # [12, 18)
    vocab = tiny_vocab()
    classes = cal.vocab_classes(vocab)
    assert classes.shape == (len(vocab),) and classes.max() < cal.N_CLASSES
    shares = cal.class_shares([_token(NoteType.REST, 2)] * 3 + [_token(NoteType.CHORD, 6)])
    assert shares[1] == 0.75 and shares[(n + 2) * 2] == 0.25 and shares.sum() == 1.0
    assert cal.total_variation(shares, shares) == 0.0


def test_logit_bias_adds_and_keeps_what_is_ruled_out():
    scores = np.array([[0.0, -1.0, -np.inf]])
    out = LogitBias(np.array([1.0, -2.0, 5.0]))(scores)
    assert out.tolist() == [[1.0, -3.0, -np.inf]]


def _one_per_class() -> dict[int, Token]:
    """A token of every class that has one (durations 1..60 steps of each kind)."""
    found: dict[int, Token] = {}
    for kind in cal.KINDS:
        for steps in range(60, 0, -1):
            found[cal.token_class(_token(kind, steps))] = _token(kind, steps)
    return found


def test_fitting_moves_the_played_shares_to_the_target():
    """A stand-in player draws classes from softmax(its own logits + bias): the fitted bias
    brings its shares to the target within the noise of a round."""
    rng = np.random.default_rng(0)
    tokens = _one_per_class()
    assert len(tokens) == cal.N_CLASSES - len(cal.KINDS)  # no duration below 3 on the grid
    own = np.full(cal.N_CLASSES, -np.inf)
    own[list(tokens)] = rng.normal(0.0, 1.5, len(tokens))
    target = np.where(np.isfinite(own), np.exp(rng.normal(0.0, 1.0, cal.N_CLASSES)), 0.0)
    target /= target.sum()

    def play(bias: np.ndarray, round_index: int) -> list[Token]:
        p = np.exp(own + bias)
        drawn = np.random.default_rng(round_index).choice(cal.N_CLASSES, 60_000, p=p / p.sum())
        return [tokens[k] for k in drawn]

    fitted = cal.fit_calibration(target, play, rounds=6)
    history = fitted.stats["total_variation"]
    assert len(history) == 7 and history[0] > 0.3
    assert history[-1] < 0.03 and history[-1] < history[0] / 10  # 60,000 draws: noise
    assert cal.total_variation(cal.class_shares(play(fitted.bias, 99)), target) < 0.03


def test_the_file_round_trips_and_a_bad_one_is_one_line(tmp_path: Path):
    fitted = cal.Calibration(np.linspace(-1, 1, cal.N_CLASSES), {"rounds": 2})
    cal.save_calibration(fitted, tmp_path)
    back = cal.load_calibration(tmp_path)
    assert back is not None and np.allclose(back.bias, fitted.bias, atol=1e-4)
    assert cal.load_calibration(tmp_path / "none") is None
    good = json.loads((tmp_path / cal.CALIBRATION_FILE).read_text())
    for change, message in (
        ({"bias": [0.0] * 3}, "'bias' must be 90 numbers"),
        ({"bias": [1e9] * cal.N_CLASSES}, "'bias' must be 90 numbers"),
        ({"grid": 4}, "calibration classes must be"),
        ({"duration_class_edges": [1, 2]}, "calibration classes must be"),
        ({"format": 7}, "calibration format must be 1, got 7"),
    ):
        (tmp_path / cal.CALIBRATION_FILE).write_text(json.dumps({**good, **change}))
        with pytest.raises(BundleError, match=message) as raised:
            cal.load_calibration(tmp_path)
        assert "\n" not in str(raised.value)


def _rest_share(result) -> float:
    bars = result.bars
    played = sum(n.end_beat - n.start_beat for n in result.notes)
    return 1.0 - played / (bars[-1].end_beat - bars[0].start_beat)


def test_generation_draws_with_the_bundle_s_bias_unless_uncalibrated(tmp_path: Path):
    bundle = make_bundle(tmp_path / "b", cell="lstm", layers=1, chord_input=True)
    options = dict(model=bundle, chords="Dm7 G7 | Cmaj7", bars=8, seed=3, backing="none",
                   legato=True)  # fmt: skip
    plain = generate(GenerateOptions(**options))
    rests = np.zeros(cal.N_CLASSES)
    rests[: 2 * cal.N_DURATION_CLASSES] = 6.0  # every rest class far likelier
    cal.save_calibration(cal.Calibration(rests), bundle)
    calibrated = generate(GenerateOptions(**options))
    uncalibrated = generate(GenerateOptions(**options, uncalibrated=True))
    assert calibrated.report["calibrated"] and not uncalibrated.report["calibrated"]
    assert uncalibrated.midi == plain.midi  # --uncalibrated: the network as trained
    assert _rest_share(calibrated) > _rest_share(plain) + 0.3


def test_the_player_plays_the_bias(tmp_path: Path):
    bundle = load_bundle(make_bundle(tmp_path / "b", cell="gru", layers=1, chord_input=False))
    play = calibration_player(bundle, [120.0, 200.0], solos=3, bars=4)
    before = cal.class_shares(play(np.zeros(cal.N_CLASSES), 0))
    rests = np.zeros(cal.N_CLASSES)
    rests[: 2 * cal.N_DURATION_CLASSES] = -8.0  # rests only where the bar forces one
    after = cal.class_shares(play(rests, 0))
    n = 2 * cal.N_DURATION_CLASSES
    assert after[:n].sum() < before[:n].sum()
