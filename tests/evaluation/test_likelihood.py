"""Tests of evaluation.likelihood (`jazzgen evaluate --model`): on a tiny bundle, the NLL per
token equals a direct computation with the Keras model over the whole sequence (an engine
of its own, fed the same inputs), and the per-note NLL adds the uniform realizer's
log(#candidates) counted by brute force."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from tiny_bundle import make_bundle

from jazzgen.cli import run
from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.harmony import chord_features, classify_pitch
from jazzgen.core.pitch_context import PITCH_FEATURES
from jazzgen.core.types import Bar, ChordSpan, LeadSheet, Note, TimeSignature
from jazzgen.evaluation import likelihood, report
from jazzgen.generation.bar_fit import VocabTables
from jazzgen.generation.decode import start_token_id
from jazzgen.generation.primer import nearest_vocab_id
from jazzgen.tokens.encode import encode_melody
from jazzgen.tokens.grammar import Token
from jazzgen.training.bundle import load_bundle

TX = 64  # the tiny model's window: longer than every test piece (the LSTM is causal)
RANGE = (48, 74)


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    return make_bundle(tmp_path_factory.mktemp("nll") / "bundle", layers=2, units=8, tx=TX)


def sheet(notes, symbols, numerator=4, source="mem"):
    ts = TimeSignature(numerator, 4)
    bars = []
    for i, symbol in enumerate(symbols):
        start = i * ts.bar_beats
        span = ChordSpan(parse_chord_symbol(symbol), start, start + ts.bar_beats)
        bars.append(Bar(i, i + 1, start, ts, (span,)))
    melody = tuple(Note(p, s, s + d) for p, s, d in notes)
    return LeadSheet(source=source, melody=melody, bars=tuple(bars), qpm=120.0)


# in-vocabulary tokens (tiny_vocab: windows centred on -5 -2 0 2 4, durations 3 4 6 8 12,
# rests 3 4 6 8 12 24 48, a windowless C,12), out-of-vocabulary ones (+7, +1, an 18-step
# note, a 9-step rest) and a note above the realizer's range (75)
PIECE_A = sheet(
    [
        (62, 0.0, 1.0), (64, 1.0, 0.5), (65, 1.5, 0.5), (60, 2.0, 0.5), (60, 2.5, 0.5),
        (62, 3.5, 0.5),  # after an eighth rest
        (69, 4.0, 1.0), (71, 5.0, 0.5), (75, 5.5, 0.5), (73, 6.0, 0.5),
        (71, 7.25, 0.25), (71, 7.5, 0.5),  # after a 9-step rest
        (67, 8.0, 1.5), (64, 9.5, 0.5), (66, 10.0, 2.0),
    ],
    ["Dm7", "G7", "Cmaj7"],
)  # fmt: skip
PIECE_B = sheet(
    [(60, 0.0, 1.0), (62, 1.0, 0.5), (64, 1.5, 0.5), (62, 2.0, 1.0), (57, 3.0, 1.0)],
    ["C", "Am7"],
    numerator=3,
    source="waltz",
)


def direct_token_nll(bundle, piece):
    """-log P of every token (NaN when out of vocabulary), from the Keras model run over
    the whole sequence at once: input t = the token before t (the start token at 0, the
    nearest vocabulary token for an unknown one), chord input t = chord at token t's onset."""
    import keras

    model = keras.saving.load_model(bundle.model_path, safe_mode=True, compile=False)
    vocab, tables = bundle.vocab, VocabTables.of(bundle.vocab)
    tokens, onsets, pitches = [], [], []
    for bar, enc in zip(piece.bars, encode_melody(piece.melody, piece.bars), strict=True):
        step = 0
        for token, pitch in zip(enc.tokens, enc.pitches, strict=True):
            tokens.append(token)
            onsets.append((bar, bar.start_beat + step / 12))
            pitches.append(pitch)
            step += token.duration
    ids = [vocab.id_of(t) if str(t) in vocab.texts else -1 for t in tokens]
    fed = [start_token_id(tables, piece.bars[0].steps)]
    fed += [i if i >= 0 else nearest_vocab_id(t, tables) for i, t in zip(ids, tokens, strict=True)]
    x = np.zeros((1, TX, len(vocab)), np.float32)
    x[0, np.arange(len(tokens)), fed[: len(tokens)]] = 1.0
    chords = np.zeros((1, TX, 24), np.float32)
    for t, (bar, beat) in enumerate(onsets):
        chords[0, t] = chord_features(bar.chord_at(beat))
    inputs = {"tokens": x, "chords": chords}
    if bundle.model_config.pitch_input:  # the last pitch before each token, by hand
        inputs["pitch"] = np.zeros((1, TX, PITCH_FEATURES), np.float32)
        centre = float(np.median([n.pitch for n in piece.melody]))
        prev = None
        for t, ((bar, beat), pitch) in enumerate(zip(onsets, pitches, strict=True)):
            if prev is None:
                inputs["pitch"][0, t, 20] = 1.0
            else:
                inputs["pitch"][0, t, (prev - bar.chord_at(beat).root) % 12] = 1.0
                slot = min(max(math.floor((prev - centre) / 4) + 4, 0), 7)
                inputs["pitch"][0, t, 12 + slot] = 1.0
            prev = pitch if pitch is not None else prev
    probs = np.asarray(model(inputs, training=False))[0]
    nll = np.array([-math.log(probs[t, i]) if i >= 0 else math.nan for t, i in enumerate(ids)])
    return tokens, nll, pitches, [bar.chord_at(beat) for bar, beat in onsets]


def brute_force_realizer_nll(token: Token, chord, prev, pitch):
    low, high = RANGE
    if token.window is None or prev is None:
        low, high = (sum(RANGE) // 2 - 6, sum(RANGE) // 2 + 6)
    else:
        low, high = max(low, prev + token.window[0]), min(high, prev + token.window[1])
    allowed = [p for p in range(low, high + 1) if classify_pitch(p, chord) is token.type]
    return math.log(len(allowed)) if pitch in allowed else math.inf


def expected(bundle, piece):
    tokens, token_nll, pitches, chords = direct_token_nll(bundle, piece)
    known = ~np.isnan(token_nll)
    note_total, scored, rests, prev, unrealizable = 0.0, 0, 0, None, 0
    for token, nll, pitch, chord in zip(tokens, token_nll, pitches, chords, strict=True):
        if pitch is None:
            note_total += 0.0 if math.isnan(nll) else nll
            rests += not math.isnan(nll)
            continue
        realizer = brute_force_realizer_nll(token, chord, prev, pitch)
        unrealizable += math.isinf(realizer)
        if not math.isnan(nll) and math.isfinite(realizer):
            note_total += nll + realizer
            scored += 1
        prev = pitch
    return {
        "nll_per_token": float(token_nll[known].mean()),
        "nll_per_note": note_total / scored,
        "nll_per_event": note_total / (scored + rests),
        "scored_rests": rests,
        "tokens": len(tokens),
        "oov_tokens": int((~known).sum()),
        "scored_notes": scored,
        "unrealizable_notes": unrealizable,
    }


def test_nll_equals_a_direct_computation(bundle_dir):
    bundle = load_bundle(bundle_dir)
    result = likelihood.model_likelihood(bundle, [PIECE_A, PIECE_B], pitch_range=RANGE)
    assert result["realizer"] == "UniformRealizer" and result["pitch_range"] == [48, 74]
    for piece, got in zip((PIECE_A, PIECE_B), result["pieces"], strict=True):
        want = expected(bundle, piece)
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-4), key
    a = result["pieces"][0]
    assert a["oov_tokens"] >= 4 and a["unrealizable_notes"] == 1  # the 75
    assert a["scored_rests"] > 0 and a["nll_per_event"] < a["nll_per_note"]
    assert result["tokens"] == sum(p["tokens"] for p in result["pieces"])
    assert result["oov_rate"] == pytest.approx(result["oov_tokens"] / result["tokens"])


def test_nll_of_a_pitch_input_model_equals_a_direct_computation(tmp_path):
    path = make_bundle(tmp_path / "pitch", layers=1, units=8, tx=TX, pitch_input=True)
    bundle = load_bundle(path)
    result = likelihood.model_likelihood(bundle, [PIECE_A, PIECE_B], pitch_range=RANGE)
    for piece, got in zip((PIECE_A, PIECE_B), result["pieces"], strict=True):
        want = expected(bundle, piece)
        assert got["nll_per_token"] == pytest.approx(want["nll_per_token"], rel=1e-4)
        assert got["nll_per_note"] == pytest.approx(want["nll_per_note"], rel=1e-4)


def test_pieces_scored_together_or_alone_agree(bundle_dir):
    bundle = load_bundle(bundle_dir)
    both = likelihood.model_likelihood(bundle, [PIECE_A, PIECE_A], pitch_range=RANGE)
    alone = likelihood.model_likelihood(bundle, [PIECE_A], pitch_range=RANGE)
    assert both["nll_per_token"] == pytest.approx(alone["nll_per_token"], rel=1e-6)
    assert both["nll_per_note"] == pytest.approx(alone["nll_per_note"], rel=1e-6)
    assert both["tokens"] == 2 * alone["tokens"]


def test_cli_evaluate_with_a_model(bundle_dir, tmp_path, capsys):
    from conftest import make_midi, note_track

    melody = [(62 + (k % 5), k * 0.5, 0.5) for k in range(32)]
    chords = [(50, 4 * b, 4.0) for b in range(4)] + [(53, 4 * b, 4.0) for b in range(4)]
    for name in ("a.mid", "b.mid"):
        (tmp_path / name).write_bytes(
            make_midi([note_track(melody), note_track(chords, name="Piano", program=0, channel=1)])
        )
    args = ["evaluate", str(tmp_path / "a.mid"), "--reference", str(tmp_path / "b.mid")]
    assert run([*args, "--model", str(bundle_dir), "--no-classifier", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["classifier"] is None and data["model"]["tokens"] > 0
    assert data["model"]["pitch_range"] == [48, 74]  # generate's default instrument range
    assert run([*args, "--model", str(bundle_dir), "--no-classifier", "--range", "40-90"]) == 0
    table = capsys.readouterr().out
    assert "model NLL per token" in table and "range 40-90" in table
    assert run([*args, "--model", str(tmp_path / "nope"), "--no-classifier"]) == 1
    assert capsys.readouterr().err.startswith("Error: ")
    assert run([*args, "--range", "80-60"]) == 1
    assert "range must" in capsys.readouterr().err


def test_report_without_model_has_none(bundle_dir):
    result = report.evaluate_leadsheets([PIECE_A], [PIECE_B], classifier=False)
    assert result["model"] is None and result["classifier"] is None
