"""Keras builders for the training model (fused or the course's unrolled form) and compile.

Contract shared with the inference engine (do not rename layers):
- input `"tokens"`: (batch, Tx, n_values) one-hot of the tokens seen so far;
- input `"chords"` (only when `chord_input`): (batch, Tx, CHORD_FEATURES); at step t it is
  `core.harmony.chord_features` of the chord sounding at the onset of the token at step t+1, i.e.
  the token being predicted (the decoder knows the chord of the position it is filling).
  It is concatenated to the tokens by the layer `"concat"`;
- input `"context"` (only when `context_input`): (batch, Tx, `config.context_width`) 0/1;
  at step t it is `core.context.context_features` of the onset of the token at step t+1
  (where in the beat, bar and form it starts, the next chord and the time until it; with
  `tempo_input`, then the piece's tempo; with `style_input`, then its style). Concatenated
  by `"concat"` after the chords (tokens, chords, context);
- input `"pitch"` (only when `pitch_input`): (batch, Tx, PITCH_FEATURES) 0/1; at step t it
  is `core.pitch_context.pitch_features` of the last pitch sounding before the token at
  step t+1 (over that token's chord, in its register). Concatenated last by `"concat"`;
- recurrent layers `"rnn_0"`, `"rnn_1"`, ... (LSTM or GRU, `return_sequences=True`, Keras
  default activations, `use_bias=True`, GRU with `reset_after=True`), each followed by a
  `Dropout` named `"dropout_i"` when dropout > 0;
- `Dense(n_values, activation="softmax", name="output")` at every step:
  output (batch, Tx, n_values), the probabilities of the token at step t+1.

`arch="course"` builds the course assignment's form: a loop unrolled over Tx steps that
calls ONE shared LSTM layer (`"rnn_0"`, on one-step slices, carrying its state) and the
shared `"output"` Dense. It has the same weights as the fused model and the same per-step
probabilities; it is kept as the baseline (its graph is Tx times bigger and slow to build).
No Lambda layers: slicing uses Cropping1D, so models load with `safe_mode=True`.

`factored` (fused only) trains the same network through the tokens' parts
(`tokens.vocab.token_parts`: duration, shape): the one-hot token is read as its two parts
(a fixed 0/1 `Dense` "token_parts" before "concat"), and the output's logit of a token is
the sum of its duration's and its shape's logits ("output_parts") plus a bias of its own
("output", `TokenSoftmax`). Both are linear in the one-hot token, so `fold_factored` writes
them into the contract's layers exactly: a bundle of a factored model is a plain one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from jazzgen.core.harmony import CHORD_FEATURES
from jazzgen.core.pitch_context import PITCH_FEATURES
from jazzgen.tokens.vocab import TokenParts
from jazzgen.training.config import ModelConfig, TrainConfig

if TYPE_CHECKING:
    import keras


def _inputs(config: ModelConfig, n_values: int, parts: TokenParts | None = None):
    import keras

    tokens = keras.Input(shape=(config.tx, n_values), name="tokens")
    inputs = [tokens]  # a list; fit/predict may pass a dict keyed by input name
    x = tokens
    if parts is not None:
        x = _fixed_dense(parts.matrix(), "token_parts")(tokens)
    if config.chord_input:
        inputs.append(keras.Input(shape=(config.tx, CHORD_FEATURES), name="chords"))
    if config.context_input:
        inputs.append(keras.Input(shape=(config.tx, config.context_width), name="context"))
    if config.pitch_input:
        inputs.append(keras.Input(shape=(config.tx, PITCH_FEATURES), name="pitch"))
    if len(inputs) > 1:
        x = keras.layers.Concatenate(name="concat")([x, *inputs[1:]])
    return inputs, x


def _fixed_dense(matrix: np.ndarray, name: str):
    """A Dense layer without bias whose kernel is `matrix`, not trained."""
    import keras

    return keras.layers.Dense(
        matrix.shape[1],
        use_bias=False,
        trainable=False,
        kernel_initializer=keras.initializers.Constant(matrix),
        name=name,
    )


def _token_softmax_class() -> Any:
    """`TokenSoftmax` (defined here so that Keras is imported only when a model is built)."""
    import keras

    class TokenSoftmax(keras.layers.Layer):
        """Softmax over tokens of (parts' logits) @ `parts` (fixed) + a bias per token."""

        def __init__(self, parts: np.ndarray, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.parts_matrix = np.asarray(parts, np.float32)  # (width, n_values)

        def build(self, input_shape: Any) -> None:
            self.parts = self.add_weight(
                shape=self.parts_matrix.shape, trainable=False, name="parts",
                initializer=keras.initializers.Constant(self.parts_matrix),
            )  # fmt: skip
            n_values = self.parts_matrix.shape[1]
            self.bias = self.add_weight(shape=(n_values,), initializer="zeros", name="bias")

        def call(self, x: Any) -> Any:
            logits = keras.ops.matmul(x, self.parts) + self.bias
            return keras.ops.softmax(logits, axis=-1)

    return TokenSoftmax


def _factored_output(x: Any, parts: TokenParts):
    """The output of a factored model: token probabilities from the parts' logits."""
    import keras

    logits = keras.layers.Dense(parts.width, use_bias=False, name="output_parts")(x)
    return _token_softmax_class()(parts.matrix().T, name="output")(logits)


def _rnn_layer(config: ModelConfig, index: int, **kwargs):
    import keras

    cls = keras.layers.LSTM if config.cell == "lstm" else keras.layers.GRU
    return cls(config.units, return_sequences=True, name=f"rnn_{index}", **kwargs)


def build_fused(config: ModelConfig, n_values: int, parts: TokenParts | None = None) -> keras.Model:
    """Recurrent layers over the whole window: (batch, Tx, n_values) -> same shape; read
    and predicted through the tokens' `parts` when given (factored, module doc)."""
    import keras

    inputs, x = _inputs(config, n_values, parts)
    for i in range(config.layers):
        x = _rnn_layer(config, i, unroll=config.unroll)(x)
        if config.dropout > 0:
            x = keras.layers.Dropout(config.dropout, name=f"dropout_{i}")(x)
    if parts is not None:
        outputs = _factored_output(x, parts)
    else:
        outputs = keras.layers.Dense(n_values, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="jazzgen_fused")


def build_course(config: ModelConfig, n_values: int) -> keras.Model:
    """The course's unrolled model: Tx calls of one shared LSTM layer + Dense.

    Step t slices x[:, t:t+1] (Cropping1D), runs the shared `rnn_0` from the previous
    step's (h, c) (zeros at step 0, as the fused layer starts), applies the shared output
    Dense; the Tx one-step outputs are concatenated on the time axis.
    """
    import keras

    inputs, x = _inputs(config, n_values)
    rnn = _rnn_layer(config, 0, return_state=True)
    dropout = keras.layers.Dropout(config.dropout, name="dropout_0") if config.dropout > 0 else None
    dense = keras.layers.Dense(n_values, activation="softmax", name="output")
    state = None
    steps = []
    for t in range(config.tx):
        x_t = keras.layers.Cropping1D((t, config.tx - 1 - t), name=f"step_{t}")(x)
        if state is None:
            h_seq, h, c = rnn(x_t)
        else:
            h_seq, h, c = rnn(x_t, initial_state=state)
        state = [h, c]
        y = dropout(h_seq) if dropout is not None else h_seq
        steps.append(dense(y))
    outputs = keras.layers.Concatenate(axis=1, name="steps")(steps)
    return keras.Model(inputs, outputs, name="jazzgen_course")


def build_model(config: ModelConfig, n_values: int, parts: TokenParts | None = None) -> keras.Model:
    """The training model for `config.arch` ("fused" or "course"); with `config.factored`
    it reads and predicts tokens through `parts` (which must then be the vocabulary's)."""
    from jazzgen.core.errors import ConfigError, CorpusError

    if n_values < 2:
        raise CorpusError(f"the vocabulary needs at least 2 tokens to learn, got {n_values}")
    if config.arch == "course":
        return build_course(config, n_values)
    if config.factored and (parts is None or len(parts.duration) != n_values):
        raise ConfigError(f"a factored model needs the parts of its {n_values} tokens")
    return build_fused(config, n_values, parts if config.factored else None)


def fold_factored(factored: keras.Model, plain: keras.Model, config: ModelConfig) -> None:
    """Write a factored model's weights into the plain model of the same config (the layer
    contract), so that both give the same probabilities (module doc)."""
    to_parts = factored.get_layer("token_parts").get_weights()[0]  # (n_values, width)
    kernel, recurrent, bias = factored.get_layer("rnn_0").get_weights()
    width = to_parts.shape[1]
    folded = np.concatenate([to_parts @ kernel[:width], kernel[width:]])
    plain.get_layer("rnn_0").set_weights([folded, recurrent, bias])
    for i in range(1, config.layers):
        name = f"rnn_{i}"
        plain.get_layer(name).set_weights(factored.get_layer(name).get_weights())
    part_logits = factored.get_layer("output_parts").get_weights()[0]  # (units, width)
    softmax = factored.get_layer("output")
    parts_t = np.asarray(softmax.parts.numpy())  # (width, n_values)
    plain.get_layer("output").set_weights([part_logits @ parts_t, softmax.bias.numpy()])


def weight_layer_names(config: ModelConfig) -> list[str]:
    """Names of the layers holding weights: rnn_0 .. rnn_{layers-1}, output."""
    return [f"rnn_{i}" for i in range(config.layers)] + ["output"]


def transfer_weights(source: keras.Model, target: keras.Model, config: ModelConfig) -> None:
    """Copy weights layer by layer (by name) between a fused and a course model."""
    for name in weight_layer_names(config):
        target.get_layer(name).set_weights(source.get_layer(name).get_weights())


def make_optimizer(train: TrainConfig):
    """Adam; inverse-time decay lr / (1 + lr_decay * step) when lr_decay > 0 (the course's
    Keras 2 `Adam(decay=0.01)`); gradient clipping by norm when clipnorm > 0."""
    import keras

    lr = train.lr
    if train.lr_decay > 0:
        lr = keras.optimizers.schedules.InverseTimeDecay(
            initial_learning_rate=train.lr, decay_steps=1, decay_rate=train.lr_decay
        )
    return keras.optimizers.Adam(learning_rate=lr, global_clipnorm=train.clipnorm or None)


def compile_model(
    model: keras.Model, train: TrainConfig, steps_per_execution: int | None = None
) -> None:
    """Sparse categorical cross-entropy, mean over steps and batch (nats per token).

    `steps_per_execution` overrides the config's (see dataset.epoch_plan)."""
    import keras

    model.compile(
        optimizer=make_optimizer(train),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        steps_per_execution=steps_per_execution or train.steps_per_execution,
        jit_compile=train.jit_compile,
    )
