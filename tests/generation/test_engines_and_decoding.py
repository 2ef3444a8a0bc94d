"""Inference engines, sampling processors and bar-exact constrained decoding."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tiny_bundle import make_bundle, tiny_vocab

from jazzgen.core.errors import BundleError, ConfigError
from jazzgen.core.harmony import CHORD_FEATURES, NoteType
from jazzgen.core.pitch_context import NO_PITCH, PITCH_FEATURES, pitch_features
from jazzgen.core.types import Bar, ChordSpan, TimeSignature
from jazzgen.generation.bar_fit import BarFit, VocabTables, fillable_remainders, mask_table
from jazzgen.generation.decode import PitchFeed, decode
from jazzgen.generation.engines import (
    KerasEngine,
    NumpyEngine,
    bundle_weights,
    load_keras_model,
    make_engine,
)
from jazzgen.generation.sampling import (
    AllowedIds,
    SamplingOptions,
    Temperature,
    TopK,
    TopP,
    sample_ids,
)
from jazzgen.tokens.grammar import Token
from jazzgen.tokens.realize import LineRealizer, realize_bars
from jazzgen.tokens.vocab import Vocab
from jazzgen.training.bundle import load_bundle
from jazzgen.training.weights import WEIGHTS_FILE, load_weights, save_weights, weight_arrays

DEFAULT_BUNDLE = Path(__file__).resolve().parents[2] / "models" / "default"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bundles")
    return {
        "lstm": make_bundle(root / "lstm", cell="lstm", layers=2, chord_input=True),
        "gru": make_bundle(root / "gru", cell="gru", layers=1, chord_input=False),
        # the context input (core.context), with and without the chord input
        "lstm_context": make_bundle(
            root / "lstm_context", cell="lstm", layers=2, chord_input=True, context_input=True
        ),
        "gru_context": make_bundle(
            root / "gru_context", cell="gru", layers=1, chord_input=False, context_input=True
        ),
        # the pitch input (core.pitch_context) after the chord and context inputs, the
        # context with the tempo (the bundles above have the 69 columns of older bundles)
        "lstm_pitch": make_bundle(
            root / "lstm_pitch",
            cell="lstm",
            layers=1,
            chord_input=True,
            context_input=True,
            pitch_input=True,
            tempo_input=True,
        ),
        # the style after the tempo (core.style); its training pieces all sparse, outside
        "lstm_style": make_bundle(
            root / "lstm_style",
            cell="lstm",
            layers=1,
            chord_input=True,
            context_input=True,
            tempo_input=True,
            styles=(0, 0, 5, 0, 0, 0, 0, 0, 0),
        ),
    }


def _features(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random 0/1 inputs besides the token (chord features and context are 0/1)."""
    return rng.integers(0, 2, shape).astype(np.float32)


class UniformEngine:
    """A stand-in engine: uniform probabilities, no state (decoding tests need no model)."""

    name = "uniform"
    chord_input = False
    context_input = False
    feature_width = 0

    def __init__(self, n_values: int) -> None:
        self.n_values = n_values

    def initial_state(self, batch: int):
        return [[np.zeros((batch, 1), np.float32)]]

    def step(self, ids, chords, state):
        return np.full((len(ids), self.n_values), 1.0 / self.n_values), state


# --- engines -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru", "lstm_context", "gru_context", "lstm_style"])
def test_numpy_and_keras_engines_decode_identically(bundles, cell):
    bundle = load_bundle(bundles[cell])
    numpy_engine, keras_engine = NumpyEngine(bundle), KerasEngine(bundle)
    width = bundle.model_config.feature_width
    assert numpy_engine.feature_width == keras_engine.feature_width == width
    rng = np.random.default_rng(0)
    ids = rng.integers(0, bundle.n_values, 6)
    s1, s2 = numpy_engine.initial_state(6), keras_engine.initial_state(6)
    for _ in range(5):
        features = _features(rng, (6, width))
        p1, s1 = numpy_engine.step(ids, features, s1)
        p2, s2 = keras_engine.step(ids, features, s2)
        assert np.abs(p1 - p2).max() < 1e-5
        ids = p1.argmax(axis=1)
    feats = np.tile(_features(rng, (1, width)), (4 * 48, 1))
    greedy = SamplingOptions(temperature=0.0)
    a = decode(numpy_engine, bundle.vocab, [48] * 4, feats, rng=np.random.default_rng(1),
               sampling=greedy, candidates=2)  # fmt: skip
    b = decode(keras_engine, bundle.vocab, [48] * 4, feats, rng=np.random.default_rng(1),
               sampling=greedy, candidates=2)  # fmt: skip
    assert a.bars == b.bars
    np.testing.assert_allclose(a.log_likelihood, b.log_likelihood, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize(
    "cell", ["lstm", "gru", "lstm_context", "gru_context", "lstm_pitch", "lstm_style"]
)
def test_numpy_engine_matches_the_saved_sequence_model(bundles, cell):
    """Stepping the numpy engine reproduces the trained model's per-step outputs (its
    named inputs "chords" and "context" being the columns of the engine's features)."""
    import keras

    bundle = load_bundle(bundles[cell])
    config = bundle.model_config
    model = keras.saving.load_model(bundle.model_path, safe_mode=True)
    tx, v = config.tx, bundle.n_values
    rng = np.random.default_rng(3)
    ids = rng.integers(0, v, (2, tx))
    inputs = {"tokens": np.eye(v, dtype=np.float32)[ids]}
    if config.chord_input:
        inputs["chords"] = _features(rng, (2, tx, CHORD_FEATURES))
    if config.context_input:
        inputs["context"] = _features(rng, (2, tx, config.context_width))
    if config.pitch_input:
        inputs["pitch"] = _features(rng, (2, tx, PITCH_FEATURES))
    expected = np.asarray(model(inputs, training=False))
    features = np.concatenate([inputs[k] for k in inputs if k != "tokens"] or
                              [np.zeros((2, tx, 0), np.float32)], axis=-1)  # fmt: skip
    engine = NumpyEngine(bundle)
    state = engine.initial_state(2)
    for t in range(tx):
        probs, state = engine.step(ids[:, t], features[:, t], state)
        np.testing.assert_allclose(probs, expected[:, t], atol=1e-5)


def _pitch_bars(n: int = 4) -> list[Bar]:
    """Bars of 4/4 over Dm7 | G7 | Cmaj7 | ... (two chords in the last bar)."""
    from jazzgen.core.chord_symbols import parse_chord_symbol

    names = ["Dm7", "G7", "Cmaj7", "A7"]
    bars = []
    for i in range(n):
        start = 4.0 * i
        chord = parse_chord_symbol(names[i % len(names)])
        spans = (ChordSpan(chord, start, start + 4.0),)
        bars.append(Bar(i, i + 1, start, TimeSignature(4, 4), spans))
    return bars


class RecordingEngine:
    """Wraps an engine and keeps every `features` array it is fed."""

    def __init__(self, engine) -> None:
        self.engine, self.fed = engine, []
        for name in (
            "name",
            "n_values",
            "chord_input",
            "context_input",
            "context_width",
            "pitch_input",
        ):
            setattr(self, name, getattr(engine, name))
        self.feature_width = engine.feature_width

    def initial_state(self, batch):
        return self.engine.initial_state(batch)

    def step(self, ids, features, state):
        self.fed.append(np.array(features))
        return self.engine.step(ids, features, state)


def _lines(candidates: int, seed: int = 5) -> list[LineRealizer]:
    return [
        LineRealizer(np.random.default_rng([seed, 1, c]), pitch_range=(55, 82))
        for c in range(candidates)
    ]


@pytest.mark.slow
def test_a_pitch_input_model_is_fed_the_pitch_its_line_just_played(bundles):
    """Decoding a model with a pitch input realizes each note as it is drawn: the pitch
    columns at every step are `pitch_features` of the last realized pitch over the chord
    at the onset being filled, and the notes that come out are the ones `realize_bars`
    gives for the same tokens and random stream (what was fed is what is played)."""
    bundle = load_bundle(bundles["lstm_pitch"])
    engine = RecordingEngine(NumpyEngine(bundle))
    bars = _pitch_bars()
    static = engine.feature_width - PITCH_FEATURES
    feats = _features(np.random.default_rng(2), (1, static)).repeat(4 * 48, axis=0)
    feed = PitchFeed(bars, _lines(2), centre=68.5)
    out = decode(engine, bundle.vocab, [48] * 4, feats, rng=np.random.default_rng(1),
                 candidates=2, feed=feed)  # fmt: skip
    assert out.realized is not None and len(out.realized) == 2
    for c in range(2):
        replay = realize_bars(out.bars[c], bars, np.random.default_rng([5, 1, c]),
                              pitch_range=(55, 82))  # fmt: skip
        assert out.realized[c].notes == replay.notes and replay.notes
        # step k of candidate c was fed the pitch sounding before its k-th token
        prev, onsets = NO_PITCH, []
        notes = iter(replay.notes)
        for bar, tokens in zip(bars, out.bars[c], strict=True):
            step = 0
            for token in tokens:
                onsets.append((prev, bar.chord_at(bar.start_beat + step / 12).root))
                if not token.is_rest:
                    prev = next(notes).pitch
                step += token.duration
        for k, (before, root) in enumerate(onsets):
            expected = pitch_features(np.array([before]), np.array([root]), 68.5)[0]
            np.testing.assert_array_equal(engine.fed[k][c, static:], expected)


@pytest.mark.slow
def test_numpy_and_keras_engines_decode_a_pitch_input_model_identically(bundles):
    bundle = load_bundle(bundles["lstm_pitch"])
    bars = _pitch_bars()
    static = bundle.model_config.feature_width - PITCH_FEATURES
    feats = _features(np.random.default_rng(2), (1, static)).repeat(4 * 48, axis=0)
    runs = [
        decode(
            engine,
            bundle.vocab,
            [48] * 4,
            feats,
            rng=np.random.default_rng(1),
            candidates=2,
            feed=PitchFeed(bars, _lines(2), 68.5),
            sampling=SamplingOptions(temperature=0.0),
        )
        for engine in (NumpyEngine(bundle), KerasEngine(bundle))
    ]
    assert runs[0].bars == runs[1].bars
    assert runs[0].realized == runs[1].realized


def test_generation_feeds_the_solos_tempo_and_an_older_model_none(bundles, monkeypatch):
    """A model with the tempo input is fed the solo's tempo (--tempo) in the context
    columns at every step; a model made before it gets the 69 columns it was trained on."""
    from jazzgen.core.context import TEMPO_OFFSET, tempo_features
    from jazzgen.generation import generate as gen

    engines: list[RecordingEngine] = []

    def recording(bundle, name):
        engines.append(RecordingEngine(make_engine(bundle, name)))
        return engines[-1]

    monkeypatch.setattr(gen, "make_engine", recording)
    for qpm in (60.0, 300.0):
        gen.generate(gen.GenerateOptions(model=bundles["lstm_pitch"], chords="Dm7 G7 | Cmaj7",
                                         tempo=qpm, backing="none"))  # fmt: skip
        tempo = np.concatenate(engines[-1].fed)[:, CHORD_FEATURES + TEMPO_OFFSET :][:, :7]
        assert len(tempo) and (tempo == tempo_features(qpm)).all()
    gen.generate(gen.GenerateOptions(model=bundles["lstm_context"], chords="Dm7 G7", tempo=60.0))
    assert all(f.shape[1] == CHORD_FEATURES + 69 for f in engines[-1].fed)


def test_generation_feeds_the_solos_style(bundles, monkeypatch):
    """A model with the style input is fed one style at every step: the one drawn from its
    training pieces' styles, or the one --density / --outside ask for; the report names
    it. A model without the style input refuses --density."""
    from jazzgen.core.context import STYLE_OFFSET
    from jazzgen.generation import generate as gen

    engines: list[RecordingEngine] = []

    def recording(bundle, name):
        engines.append(RecordingEngine(make_engine(bundle, name)))
        return engines[-1]

    monkeypatch.setattr(gen, "make_engine", recording)

    def fed_style(**options) -> tuple[list[list[int]], str]:
        result = gen.generate(gen.GenerateOptions(model=bundles["lstm_style"], chords="Dm7 G7",
                                                  backing="none", **options))  # fmt: skip
        fed = np.concatenate(engines[-1].fed)[:, CHORD_FEATURES + STYLE_OFFSET :]
        assert len(fed) and fed.shape[1] == 4
        return np.unique(fed, axis=0).tolist(), result.report["style"]

    for seed in range(3):  # every training piece is sparse, outside
        assert fed_style(seed=seed) == ([[0, 0, 1, 1]], "sparse, outside")
    assert fed_style(density="dense", outside="inside") == ([[1, 1, 0, 0]], "dense, inside")
    rows, label = fed_style(density="dense")  # no dense piece: the outside level is drawn
    assert rows[0][:2] == [1, 1] and label.startswith("dense, ")
    with pytest.raises(ConfigError, match="style input"):
        gen.generate(
            gen.GenerateOptions(model=bundles["lstm_pitch"], chords="Dm7", density="dense")
        )


def test_a_pitch_input_model_needs_a_pitch_feed(bundles):
    bundle = load_bundle(bundles["lstm_pitch"])
    static = bundle.model_config.feature_width - PITCH_FEATURES
    with pytest.raises(ValueError, match="PitchFeed"):
        decode(NumpyEngine(bundle), bundle.vocab, [48], np.zeros((48, static), np.float32),
               rng=np.random.default_rng(0))  # fmt: skip


@pytest.mark.slow
def test_course_arch_bundle_loads_in_both_engines(tmp_path):
    model_mod = pytest.importorskip("jazzgen.training.model")
    from jazzgen.training.config import ModelConfig

    config = ModelConfig(tx=4, units=6, layers=1, arch="course", chord_input=True)
    vocab = tiny_vocab()
    model = model_mod.build_model(config, len(vocab))
    bundle_dir = make_bundle(tmp_path / "b", layers=1, units=6, tx=4)
    model.save(bundle_dir / "model.keras")
    save_weights(model, 1, bundle_dir / WEIGHTS_FILE)
    data = json.loads((bundle_dir / "config.json").read_text())
    data["model"]["arch"] = "course"
    (bundle_dir / "config.json").write_text(json.dumps(data))
    bundle = load_bundle(bundle_dir)
    ids = np.arange(3)
    chords = np.ones((3, CHORD_FEATURES), np.float32)
    p1, _ = NumpyEngine(bundle).step(ids, chords, NumpyEngine(bundle).initial_state(3))
    keras_engine = KerasEngine(bundle)
    p2, _ = keras_engine.step(ids, chords, keras_engine.initial_state(3))
    np.testing.assert_allclose(p1, p2, atol=1e-5)
    onehot = np.eye(len(vocab), dtype=np.float32)[np.zeros((1, 4), int)]
    expected = np.asarray(model([onehot, np.ones((1, 4, 24), np.float32)], training=False))
    p3, _ = NumpyEngine(bundle).step(
        np.zeros(1, int), chords[:1], NumpyEngine(bundle).initial_state(1)
    )
    np.testing.assert_allclose(p3[0], expected[0, 0], atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["default", "lstm", "gru"])
def test_weights_npz_holds_exactly_the_weights_of_model_keras(bundles, which):
    """The numpy engine reads weights.npz; it must be the very model that model.keras is."""
    bundle = load_bundle(DEFAULT_BUNDLE if which == "default" else bundles[which])
    layers = bundle.model_config.layers
    saved = load_weights(bundle.weights_path, layers)
    from_keras = weight_arrays(load_keras_model(bundle), layers)
    assert list(saved) == list(from_keras)
    for name, array in saved.items():
        assert array.dtype == from_keras[name].dtype == np.float32
        np.testing.assert_array_equal(array, from_keras[name], err_msg=name)


@pytest.mark.slow
def test_a_bundle_without_weights_npz_falls_back_to_model_keras(bundles, tmp_path, caplog):
    old = tmp_path / "old"
    shutil.copytree(bundles["lstm"], old)
    (old / WEIGHTS_FILE).unlink()
    with caplog.at_level(logging.WARNING, logger="jazzgen.generation.engines"):
        fallback = NumpyEngine(load_bundle(old))
    assert f"has no {WEIGHTS_FILE}" in caplog.text
    current = NumpyEngine(load_bundle(bundles["lstm"]))
    ids, chords = np.arange(4), np.ones((4, CHORD_FEATURES), np.float32)
    state_a, state_b = fallback.initial_state(4), current.initial_state(4)
    for _ in range(3):
        p_a, state_a = fallback.step(ids, chords, state_a)
        p_b, state_b = current.step(ids, chords, state_b)
        np.testing.assert_array_equal(p_a, p_b)


def test_a_weights_npz_that_is_no_regular_file_is_a_bundle_error(bundles, tmp_path, capsys):
    """A FIFO named weights.npz is refused without being opened (reading it would block),
    not taken for a missing file."""
    import os

    from jazzgen.cli import run

    odd = tmp_path / "fifo"
    shutil.copytree(bundles["lstm"], odd)
    (odd / WEIGHTS_FILE).unlink()
    os.mkfifo(odd / WEIGHTS_FILE)
    with pytest.raises(BundleError, match="not a regular file"):
        NumpyEngine(load_bundle(odd))
    assert (
        run(["generate", "--model", str(odd), "--bars", "2", "--out", str(tmp_path / "o.mid")]) == 1
    )
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and err.count("\n") == 1 and "not a regular file" in err


@pytest.mark.slow
def test_bad_weights_are_one_line_bundle_errors(bundles, tmp_path):
    lstm, gru = load_bundle(bundles["lstm"]), load_bundle(bundles["gru"])
    good = bundle_weights(lstm)
    bad = {
        "output/bias": (np.zeros(3, np.float32), r"output bias has shape \(3,\)"),
        "rnn_1/kernel": (np.zeros((5, 32), np.float32), "rnn_1 kernel has shape"),
        "rnn_0/recurrent_kernel": (np.zeros((8, 24), np.float32), "rnn_0 recurrent_kernel"),
        "rnn_0/bias": (np.zeros(31, np.float32), "rnn_0 bias has shape"),
    }
    for name, (array, message) in bad.items():
        with pytest.raises(BundleError, match=message) as info:
            NumpyEngine(lstm, {**good, name: array})
        assert "\n" not in str(info.value)
    gru_weights = bundle_weights(gru)
    one_bias = {**gru_weights, "rnn_0/bias": gru_weights["rnn_0/bias"][0]}
    with pytest.raises(BundleError, match="reset_after=True"):
        NumpyEngine(gru, one_bias)
    broken = tmp_path / "broken"
    shutil.copytree(bundles["lstm"], broken)
    (broken / WEIGHTS_FILE).write_bytes(b"not a zip")
    with pytest.raises(BundleError, match=r"not a weights\.npz"):
        NumpyEngine(load_bundle(broken))


def _edit_config(bundle_dir: Path, **changes) -> None:
    path = bundle_dir / "config.json"
    data = json.loads(path.read_text())
    for key, value in changes.items():
        if key.startswith("model."):
            data["model"][key[6:]] = value
        else:
            data[key] = value
    path.write_text(json.dumps(data))


@pytest.mark.slow
def test_bundle_mismatches_are_clear_errors(bundles, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(bundles["lstm"], bad)
    _edit_config(bad, vocab_hash="0" * 64)
    with pytest.raises(BundleError, match="vocab"):
        load_bundle(bad)
    shutil.rmtree(bad)
    shutil.copytree(bundles["lstm"], bad)
    _edit_config(bad, **{"model.chord_input": False})
    with pytest.raises(BundleError, match="does not match"):
        NumpyEngine(load_bundle(bad))
    with pytest.raises(BundleError, match="not found"):
        load_bundle(tmp_path / "missing")
    (bad / "model.keras").unlink()
    with pytest.raises(BundleError, match=r"model\.keras"):
        load_bundle(bad)


@pytest.mark.slow
def test_numpy_path_never_imports_tensorflow(bundles):
    code = (
        "import sys\n"
        "from jazzgen.generation.generate import GenerateOptions, generate\n"
        f"generate(GenerateOptions(model={str(bundles['lstm'])!r}, bars=4))\n"
        "bad = sorted(m for m in ('tensorflow', 'keras', 'music21') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


# --- sampling ------------------------------------------------------------------------------


def test_sample_ids_greedy_topk_topp_and_mask():
    probs = np.array([[0.1, 0.5, 0.3, 0.1], [0.4, 0.3, 0.2, 0.1]])
    rng = np.random.default_rng(0)
    assert sample_ids(probs, rng, greedy=True).tolist() == [1, 0]
    mask = np.array([[True, False, True, True], [False, False, False, False]])
    assert sample_ids(probs, rng, [AllowedIds(mask)], greedy=True).tolist() == [2, -1]
    for _ in range(20):
        assert sample_ids(probs, rng, [TopK(1)]).tolist() == [1, 0]
        assert sample_ids(probs, rng, [TopP(0.3)]).tolist() == [1, 0]
        picked = sample_ids(probs, rng, [AllowedIds(mask), Temperature(2.0)])
        assert picked[0] in (0, 2, 3) and picked[1] == -1
    draws = sample_ids(np.tile(probs[:1], (4000, 1)), np.random.default_rng(1))
    freq = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(freq, probs[0], atol=0.03)
    a = sample_ids(np.tile(probs, (50, 1)), np.random.default_rng(5))
    b = sample_ids(np.tile(probs, (50, 1)), np.random.default_rng(5))
    assert a.tolist() == b.tolist()


def test_sampling_options_give_their_processors_in_order():
    assert SamplingOptions().processors() == []
    assert SamplingOptions(temperature=0.0, top_k=3, top_p=0.5).processors() == []
    assert SamplingOptions(temperature=0.0).greedy and not SamplingOptions().greedy
    assert SamplingOptions(0.9, 5, 0.95).processors() == [Temperature(0.9), TopK(5), TopP(0.95)]
    assert SamplingOptions(top_p=0.8).processors() == [TopP(0.8)]
    with pytest.raises(ConfigError, match="greedy"):
        Temperature(0.0)


def test_an_allowed_id_of_probability_zero_can_still_be_chosen():
    """The bar-fit mask decides what may come; probability 0 only makes it unlikely."""
    probs = np.array([[0.0, 1.0, 0.0]])
    only_first = AllowedIds(np.array([[True, False, False]]))
    assert sample_ids(probs, np.random.default_rng(0), [only_first], greedy=True).tolist() == [0]
    assert sample_ids(probs, np.random.default_rng(0), [only_first]).tolist() == [0]
    support = AllowedIds(probs > 0)
    assert sample_ids(probs, np.random.default_rng(0), [support]).tolist() == [1]


def _reference_sample_ids(probs, rng, options, mask):
    """sample_ids as one function, before it became processors (kept to pin the arithmetic:
    generated files must not change by a single byte)."""
    p = np.asarray(probs, np.float64)
    if mask is not None:
        p = np.where(mask, p, 0.0)
    allowed = p > 0 if mask is None else mask & (p >= 0)
    empty = ~allowed.any(axis=1)
    if options.temperature == 0.0:
        ids = np.where(allowed, p, -1.0).argmax(axis=1)
        ids[empty] = -1
        return ids
    logp = np.log(np.maximum(p, 1e-300)) / options.temperature
    logp = np.where(allowed, logp, -np.inf)
    logp -= np.where(empty[:, None], 0.0, logp.max(axis=1, keepdims=True))
    w = np.where(allowed, np.exp(logp), 0.0)
    if 0 < options.top_k < w.shape[1]:
        kth = -np.sort(-w, axis=1)[:, options.top_k - 1 : options.top_k]
        w = np.where(w >= kth, w, 0.0)
    if options.top_p < 1.0:
        order = np.argsort(-w, axis=1, kind="stable")
        sorted_w = np.take_along_axis(w, order, axis=1)
        total = sorted_w.sum(axis=1, keepdims=True)
        cum = np.cumsum(sorted_w, axis=1) / np.maximum(total, 1e-300)
        keep_sorted = (cum - sorted_w / np.maximum(total, 1e-300)) < options.top_p
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=1)
        w = np.where(keep, w, 0.0)
    u = rng.random(len(w)) * w.sum(axis=1)
    ids = np.minimum((np.cumsum(w, axis=1) <= u[:, None]).sum(axis=1), w.shape[1] - 1)
    bad = w[np.arange(len(w)), ids] <= 0
    if bad.any():
        ids[bad] = w[bad].argmax(axis=1)
    ids[empty] = -1
    return ids


@pytest.mark.parametrize("temperature", [0.0, 0.5, 1.0, 2.5])
@pytest.mark.parametrize(("top_k", "top_p"), [(0, 1.0), (1, 1.0), (3, 0.9), (0, 0.4), (50, 0.7)])
def test_processors_draw_exactly_what_the_single_function_drew(temperature, top_k, top_p):
    options = SamplingOptions(temperature, top_k, top_p)
    gen = np.random.default_rng([int(temperature * 10), top_k, int(top_p * 10)])
    for trial in range(30):
        batch, n_values = int(gen.integers(1, 8)), int(gen.integers(2, 40))
        logits = gen.normal(0.0, float(gen.choice([1.0, 8.0, 60.0])), (batch, n_values))
        probs = np.exp(logits - logits.max(axis=1, keepdims=True)).astype(np.float32)
        probs /= probs.sum(axis=1, keepdims=True)
        if trial % 3 == 0:
            probs[gen.random(probs.shape) < 0.3] = 0.0  # underflowed probabilities
        mask = gen.random(probs.shape) < float(gen.choice([0.05, 0.4, 0.9]))
        for rule in (mask, None):
            allowed = AllowedIds(rule if rule is not None else probs > 0)
            expected = _reference_sample_ids(probs, np.random.default_rng(trial), options, rule)
            got = sample_ids(probs, np.random.default_rng(trial), [allowed, *options.processors()],
                             greedy=options.greedy)  # fmt: skip
            assert got.tolist() == expected.tolist()


def test_sampling_options_validate():
    with pytest.raises(ConfigError, match="temperature"):
        SamplingOptions(temperature=-1)
    with pytest.raises(ConfigError, match="--top-p"):
        SamplingOptions(top_p=0)


# --- constrained decoding ------------------------------------------------------------------


def test_fillable_remainders():
    ok = fillable_remainders([12, 24], 48)
    assert ok[0] and ok[12] and ok[36] and not ok[6] and not ok[30]
    assert fillable_remainders([3, 4], 12).tolist() == [
        True, False, False, True, True, False, True, True, True, True, True, True, True,
    ]  # fmt: skip


@pytest.mark.parametrize("bar_steps", [[48, 48, 48], [36, 24, 48, 42], [30]])
def test_decode_fills_every_bar_exactly(bar_steps):
    vocab = tiny_vocab()
    engine = UniformEngine(len(vocab))
    feats = np.zeros((sum(bar_steps), CHORD_FEATURES), np.float32)
    decoded = decode(engine, vocab, bar_steps, feats, rng=np.random.default_rng(2), candidates=7)
    for candidate in decoded.bars:
        assert [sum(t.duration for t in bar) for bar in candidate] == bar_steps
        notes = [t for bar in candidate for t in bar if not t.is_rest]
        # windowless tokens only as the very first note
        assert all(t.window is not None for t in notes[1:])
    assert decoded.forced_rests.sum() == 0  # the tiny vocab has 3- and 4-step tokens
    assert np.all(decoded.scored_tokens > 0)


def test_decode_closes_unfillable_bars_with_a_forced_rest():
    tokens = [Token(NoteType.REST, 12), Token(NoteType.CHORD, 24, (-3, 3))]
    tokens.append(Token(NoteType.CHORD, 12, (-1, 5)))
    vocab = Vocab.from_tokens(tokens)
    engine = UniformEngine(len(vocab))
    decoded = decode(engine, vocab, [42, 42], np.zeros((84, 24)), rng=np.random.default_rng(0))
    bars = decoded.bars[0]
    assert [sum(t.duration for t in bar) for bar in bars] == [42, 42]
    # 3.5 beats: 36 steps of tokens + a forced rest of 6 (not in the vocabulary)
    assert bars[0][-1] == Token(NoteType.REST, 6)
    assert bars[1][-1] == Token(NoteType.REST, 6)
    assert decoded.forced_rests[0] == 2


def test_mask_table_forbids_windowless_tokens_after_the_first_note():
    tables = VocabTables.of(tiny_vocab())
    table = mask_table(tables, 48)
    assert table[0, 48][tables.windowless].any()
    assert not table[1, 48][tables.windowless].any()
    assert not table[:, 0].any()
    # a 3-step remainder allows only 3-step tokens
    assert set(tables.durations[table[1, 3]]) == {3}


def test_bar_fit_takes_any_fitting_token_when_no_remainder_is_fillable():
    tokens = [Token(NoteType.REST, 12), Token(NoteType.CHORD, 24, (-3, 3))]
    tokens.append(Token(NoteType.CHORD, 12, (-1, 5)))
    tables = VocabTables.of(Vocab.from_tokens(tokens))
    bar_fit = BarFit.of(tables, 48)
    allowed = bar_fit.allowed(np.array([True, True, True, False]), np.array([48, 18, 6, 0]))
    assert set(tables.durations[allowed[0]]) == {12, 24}
    assert set(tables.durations[allowed[1]]) == {12}  # 18 = 12 + 6: only 12 fits at all
    assert not allowed[2].any() and not allowed[3].any()  # nothing fits / finished


def test_decode_with_a_primer_starts_after_the_first_note():
    vocab = tiny_vocab()
    tables = VocabTables.of(vocab)
    primer = [vocab.id_of(Token(NoteType.CHORD, 12)), vocab.id_of(Token(NoteType.REST, 12))]
    decoded = decode(
        UniformEngine(len(vocab)), vocab, [48], np.zeros((48, 24)),
        rng=np.random.default_rng(0), candidates=20, primer_ids=primer,
        primer_chord_features=np.zeros((2, 24)), primer_has_note=True, tables=tables,
    )  # fmt: skip
    for candidate in decoded.bars:
        assert all(t.is_rest or t.window is not None for t in candidate[0])
