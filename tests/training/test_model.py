"""Keras builders: the layer contract, fused == course arch, safe-mode load in a new process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from jazzgen.core.harmony import CHORD_FEATURES  # noqa: E402
from jazzgen.core.pitch_context import PITCH_FEATURES  # noqa: E402
from jazzgen.training.config import ModelConfig, TrainConfig  # noqa: E402
from jazzgen.training.model import build_model, compile_model, transfer_weights  # noqa: E402

N_VALUES = 12


def _inputs(tx: int, chord_input: bool, batch: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    tokens = np.eye(N_VALUES, dtype=np.float32)[rng.integers(N_VALUES, size=(batch, tx))]
    x = {"tokens": tokens}
    if chord_input:
        x["chords"] = (rng.random((batch, tx, CHORD_FEATURES)) < 0.3).astype(np.float32)
    return x


@pytest.mark.parametrize(
    "config",
    [
        ModelConfig(tx=8, units=8, layers=2, dropout=0.1, cell="gru", chord_input=True),
        ModelConfig(tx=8, units=8, layers=1, cell="lstm", chord_input=False),
        ModelConfig(tx=8, units=8, layers=1, cell="lstm", chord_input=True, context_input=True),
        ModelConfig(tx=8, units=8, chord_input=True, context_input=True, pitch_input=True),
        ModelConfig(tx=8, units=8, context_input=True, tempo_input=True, pitch_input=True),
    ],
)
def test_fused_model_follows_the_layer_contract(config):
    model = build_model(config, N_VALUES)
    names = [layer.name for layer in model.layers]
    expected = ["tokens"] + ["chords"] * config.chord_input + ["context"] * config.context_input
    expected += ["pitch"] * config.pitch_input
    assert [i.name for i in model.inputs] == expected
    assert ("concat" in names) == (len(expected) > 1)
    cls = keras.layers.GRU if config.cell == "gru" else keras.layers.LSTM
    for i in range(config.layers):
        layer = model.get_layer(f"rnn_{i}")
        assert isinstance(layer, cls) and layer.return_sequences and layer.use_bias
        assert (f"dropout_{i}" in names) == (config.dropout > 0)
    assert model.get_layer("output").activation.__name__ == "softmax"
    assert model.output.shape == (None, config.tx, N_VALUES)
    x = _inputs(config.tx, config.chord_input)
    if config.context_input:
        x["context"] = np.zeros((3, config.tx, config.context_width), np.float32)
    if config.pitch_input:
        x["pitch"] = np.zeros((3, config.tx, PITCH_FEATURES), np.float32)
    probs = np.asarray(model(x))
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("chord_input", [False, True])
def test_course_arch_equals_fused_with_the_same_weights(chord_input):
    fused_config = ModelConfig(tx=8, units=8, dropout=0.2, chord_input=chord_input)
    course_config = ModelConfig(tx=8, units=8, dropout=0.2, chord_input=chord_input, arch="course")
    fused = build_model(fused_config, N_VALUES)
    course = build_model(course_config, N_VALUES)
    # one shared LSTM layer: the unrolled model has exactly the fused model's weights
    assert len(course.get_layer("rnn_0").weights) == 3
    assert course.count_params() == fused.count_params()
    transfer_weights(fused, course, fused_config)
    x = _inputs(8, chord_input, batch=5)
    p_fused = np.asarray(fused(x, training=False))
    p_course = np.asarray(course(x, training=False))
    assert p_course.shape == p_fused.shape == (5, 8, N_VALUES)
    np.testing.assert_allclose(p_course, p_fused, atol=1e-5)


def test_course_arch_rejects_stacked_or_gru():
    from jazzgen.core.errors import ConfigError

    with pytest.raises(ConfigError, match="--layers 1 --cell lstm"):
        ModelConfig(arch="course", layers=2)


def test_models_load_in_safe_mode_in_a_fresh_process(tmp_path):
    expected = {}
    for arch in ("fused", "course"):
        config = ModelConfig(tx=6, units=8, dropout=0.1, chord_input=True, arch=arch)
        model = build_model(config, N_VALUES)
        compile_model(model, TrainConfig(lr=0.01, lr_decay=0.01))
        model.save(tmp_path / f"{arch}.keras")
        expected[arch] = np.asarray(model(_inputs(6, True), training=False))
    x = _inputs(6, True)
    np.savez(tmp_path / "data.npz", tokens=x["tokens"], chords=x["chords"], **expected)
    script = textwrap.dedent(
        f"""
        import numpy as np, keras
        data = np.load({str(tmp_path / "data.npz")!r})
        x = {{"tokens": data["tokens"], "chords": data["chords"]}}
        for arch in ("fused", "course"):
            model = keras.saving.load_model({str(tmp_path)!r} + f"/{{arch}}.keras", safe_mode=True)
            got = np.asarray(model(x, training=False))
            np.testing.assert_allclose(got, data[arch], atol=1e-6)
            assert model.get_layer("rnn_0") and model.get_layer("output")
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("ok")


def _vocab_parts():
    """A vocabulary of N_VALUES tokens over 3 durations and several shapes, and its parts."""
    from jazzgen.tokens.grammar import NoteType, Token
    from jazzgen.tokens.vocab import Vocab, token_parts

    tokens = [Token(NoteType.REST, d) for d in (3, 6, 12)]
    tokens += [Token(t, d, (-2, 2)) for t in (NoteType.CHORD, NoteType.SCALE) for d in (3, 6)]
    tokens += [Token(NoteType.APPROACH, d, (1, 3)) for d in (3, 6)]
    tokens += [Token(NoteType.CHORD, 12, (1, 3))]
    tokens += [Token(NoteType.CHORD, 3), Token(NoteType.SCALE, 12, (-5, -1))]
    vocab = Vocab.from_tokens(tokens)
    assert len(vocab) == N_VALUES
    return vocab, token_parts(vocab)


def test_token_parts_name_each_token_by_its_duration_and_shape():
    vocab, parts = _vocab_parts()
    assert parts.n_durations == 3 and parts.width == 3 + parts.n_shapes
    matrix = parts.matrix()
    assert (matrix.sum(axis=1) == 2).all()
    for k, token in enumerate(vocab.tokens()):
        same_duration = [j for j, t in enumerate(vocab.tokens()) if t.duration == token.duration]
        assert [j for j in range(N_VALUES) if parts.duration[j] == parts.duration[k]] == (
            same_duration
        )
    assert len({tuple(row) for row in matrix}) == N_VALUES  # the parts tell tokens apart


@pytest.mark.parametrize("layers,cell", [(1, "lstm"), (2, "gru")])
def test_a_factored_model_folds_into_the_plain_layers_exactly(layers, cell):
    from jazzgen.training.model import fold_factored

    _vocab, parts = _vocab_parts()
    config = ModelConfig(
        tx=8, units=8, layers=layers, cell=cell, chord_input=True, pitch_input=True, factored=True
    )
    factored = build_model(config, N_VALUES, parts)
    trainable = {w.path for w in factored.trainable_weights}
    assert not any("token_parts" in p or p.endswith("output/parts") for p in trainable)
    rng = np.random.default_rng(3)  # weights away from their initial values
    for layer_weights in factored.trainable_weights:
        layer_weights.assign(rng.normal(size=layer_weights.shape) * 0.5)
    plain = build_model(ModelConfig(**{**config.__dict__, "factored": False}), N_VALUES)
    fold_factored(factored, plain, config)
    x = _inputs(8, True, batch=4)
    x["pitch"] = (rng.random((4, 8, PITCH_FEATURES)) < 0.2).astype(np.float32)
    want = np.asarray(factored(x, training=False))
    np.testing.assert_allclose(np.asarray(plain(x, training=False)), want, atol=1e-5)


def test_a_factored_model_needs_its_vocabularys_parts():
    from jazzgen.core.errors import ConfigError

    config = ModelConfig(tx=8, units=8, factored=True)
    with pytest.raises(ConfigError, match="parts of its 12 tokens"):
        build_model(config, N_VALUES)
    with pytest.raises(ConfigError, match="--no-factored"):
        ModelConfig(arch="course", factored=True)
