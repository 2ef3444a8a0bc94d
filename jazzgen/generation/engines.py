"""Inference engines: one token step at a time for a batch of candidates.

Every engine follows the `Engine` protocol: `initial_state(batch)` and
`step(ids, features, state) -> (probs, state)`, `features` being the model's per-step
inputs after the token, concatenated in kernel order: the chord features (with
`chord_input`), then the context features (with `context_input`), then the pitch features
(with `pitch_input`); None when it has none.
- `NumpyEngine` reads the bundle's `weights.npz` (training.weights) and runs the LSTM/GRU
  steps, the Dense layer and the softmax in numpy. It never imports TensorFlow, so
  `jazzgen generate` starts in well under a second. A bundle made before weights.npz
  existed still works: its arrays are read from `model.keras` through Keras (a warning
  says so; that costs the TensorFlow import).
- `KerasEngine` loads the model with Keras (safe mode) and builds a one-step model from the
  bundle's named layers (`concat`, `rnn_i` cells, `output`) with `get_layer`; each step is
  one call of a `tf.function`, never `Model.predict`.

Model contract (see `training.model`): input "tokens" one-hot `(batch, Tx, n_values)`,
optional input "chords" `(batch, Tx, 24)` = `core.harmony.chord_features` of the chord at
the onset of the token being predicted, optional input "context" `(batch, Tx, 69)` =
`core.context.context_features` of that onset, optional input "pitch" `(batch, Tx, 21)` =
`core.pitch_context.pitch_features` of the last pitch before it; concat -> rnn_0, rnn_1,
... (LSTM or GRU with default activations, GRU reset_after=True) -> Dense softmax "output".
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from jazzgen.core import limits
from jazzgen.core.errors import BundleError, ConfigError
from jazzgen.core.harmony import CHORD_FEATURES
from jazzgen.core.pitch_context import PITCH_FEATURES
from jazzgen.training.bundle import Bundle
from jazzgen.training.config import ModelConfig
from jazzgen.training.weights import RNN_VARIABLES, WEIGHTS_FILE, load_weights, weight_arrays

if TYPE_CHECKING:
    import keras

log = logging.getLogger(__name__)

ENGINES = ("numpy", "keras")
GATES = {"lstm": 4, "gru": 3}  # weight blocks per recurrent cell (LSTM i f c o; GRU z r h)

# Per recurrent layer: [h, c] (LSTM) or [h] (GRU), each (batch, units) float32.
State = list[list[np.ndarray]]


class Engine(Protocol):
    """What decoding needs from a model: probabilities of the next token, one step at a time."""

    name: str  # "numpy" | "keras"
    n_values: int  # vocabulary size
    chord_input: bool  # whether `features` start with the 24 chord features
    context_input: bool  # whether `features` hold the context features after the chord's
    context_width: int  # how many: core.context's 80 with the style, 76 with the tempo
    # only, 69 without either, else 0
    pitch_input: bool  # whether `features` end with the pitch features
    feature_width: int  # columns: 24 * chord_input + context_width + 21 * pitch_input

    def initial_state(self, batch: int) -> State:
        """The zero state of `batch` candidates."""
        ...

    def step(
        self, ids: np.ndarray, features: np.ndarray | None, state: State
    ) -> tuple[np.ndarray, State]:
        """Feed `ids (batch,)` with `features (batch, feature_width)` (None when the width
        is 0); return the next-token probabilities `(batch, n_values)` and the new state."""
        ...


def make_engine(bundle: Bundle, engine: str = "numpy") -> Engine:
    if engine == "numpy":
        return NumpyEngine(bundle)
    if engine == "keras":
        return KerasEngine(bundle)
    raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")


# --- weights -------------------------------------------------------------------------------


MAX_KERAS_CONFIG_BYTES = 4 * 1024 * 1024  # the model's config.json in model.keras


def _layer_configs(path: Path) -> dict[str, dict[str, Any]]:
    """The layers of the model described in the `model.keras` archive at `path`, by name
    (their `config` objects); BundleError when the archive is not one, or is larger than
    the `weights-mb` limit allows."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(member.file_size for member in archive.infolist())
            if total > limits.current().bytes("weights_mb") + MAX_KERAS_CONFIG_BYTES:
                found = f"a model of {total / 1024 / 1024:.0f} MB"
                raise BundleError(f"{path}: {limits.exceeded('weights_mb', found)}")
            with archive.open("config.json") as handle:
                text = handle.read(MAX_KERAS_CONFIG_BYTES + 1)
        layers = json.loads(text)["config"]["layers"]
        return {layer["config"]["name"]: layer["config"] for layer in layers}
    except BundleError:
        raise
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise BundleError(f"{path}: not a Keras model archive ({type(exc).__name__})") from None


def check_keras_archive(bundle: Bundle) -> None:
    """Before Keras builds the model of `model.keras` (allocating its weights), check that
    its layers have the sizes `config.json` names: a model of other sizes is a one-line
    BundleError instead of gigabytes allocated and a Keras traceback."""
    path, cfg, n_values = bundle.model_path, bundle.model_config, bundle.n_values
    layers = _layer_configs(path)
    expected = {f"rnn_{i}": cfg.units for i in range(cfg.layers)} | {"output": n_values}
    for name, units in expected.items():
        found = layers.get(name, {}).get("units")
        if found != units:
            raise BundleError(
                f"{path}: layer {name} has {found} units, config.json says {units}: the model "
                "does not match its bundle"
            )
    shape = layers.get("tokens", {}).get("batch_shape")
    if not isinstance(shape, list) or not shape or shape[-1] != n_values:
        raise BundleError(
            f"{path}: input 'tokens' has shape {shape}, expected (batch, Tx, {n_values})"
        )


def load_keras_model(bundle: Bundle) -> keras.Model:
    """`model.keras` of `bundle` loaded with Keras (safe mode; imports TensorFlow, ~3.5 s),
    after `check_keras_archive`."""
    check_keras_archive(bundle)
    try:
        from jazzgen.training.tf_runtime import import_tensorflow

        import_tensorflow()
        import keras
    except ImportError as exc:  # pragma: no cover - tensorflow is a dependency
        raise BundleError(f"reading {bundle.model_path} needs TensorFlow/Keras: {exc}") from None
    try:
        return keras.saving.load_model(bundle.model_path, safe_mode=True, compile=False)
    except Exception as exc:  # keras raises many types for bad archives
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BundleError(f"{bundle.model_path}: cannot load the model ({first[:200]})") from None


def bundle_weights(bundle: Bundle) -> dict[str, np.ndarray]:
    """The named weight arrays of `bundle` (see training.weights): from `weights.npz`, or,
    for a bundle without it (made by an older jazzgen), from `model.keras` through Keras."""
    layers = bundle.model_config.layers
    if bundle.weights_path.is_file():
        return load_weights(bundle.weights_path, layers)
    if bundle.weights_path.exists():  # a FIFO, a device, a folder: never opened
        raise BundleError(f"{bundle.weights_path}: not a regular file (a bundle's weights)")
    log.warning(
        "%s has no %s (made by an older jazzgen): reading model.keras with Keras instead, "
        "which takes seconds longer",
        bundle.path,
        WEIGHTS_FILE,
    )
    model = load_keras_model(bundle)
    try:
        return weight_arrays(model, layers)
    except ValueError as exc:  # get_layer of a name the model does not have
        raise BundleError(f"{bundle.model_path}: {exc}") from None


# --- numpy engine --------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class _Recurrent:
    """One recurrent layer's weights, in Keras' layout (see training.weights)."""

    cell: str  # lstm | gru
    kernel: np.ndarray  # (inputs, k * units)
    recurrent: np.ndarray  # (units, k * units)
    bias: np.ndarray  # lstm (4u,); gru (2, 3u): input bias, recurrent bias

    @property
    def units(self) -> int:
        return self.recurrent.shape[0]

    def step(self, z: np.ndarray, state: list[np.ndarray]) -> list[np.ndarray]:
        """New layer state from the input projection `z = x @ kernel (batch, k * units)`;
        its first array is the output `h`."""
        u = self.units
        if self.cell == "lstm":
            h, c = state
            z = z + h @ self.recurrent + self.bias
            gate_i = _sigmoid(z[:, :u])
            gate_f = _sigmoid(z[:, u : 2 * u])
            cand = np.tanh(z[:, 2 * u : 3 * u])
            gate_o = _sigmoid(z[:, 3 * u :])
            c = gate_f * c + gate_i * cand
            return [gate_o * np.tanh(c), c]
        (h,) = state
        xz = z + self.bias[0]
        rz = h @ self.recurrent + self.bias[1]
        update = _sigmoid(xz[:, :u] + rz[:, :u])
        reset = _sigmoid(xz[:, u : 2 * u] + rz[:, u : 2 * u])
        cand = np.tanh(xz[:, 2 * u :] + reset * rz[:, 2 * u :])
        return [update * h + (1.0 - update) * cand]


def _recurrent_layer(
    arrays: Mapping[str, np.ndarray], i: int, width: int, cfg: ModelConfig, where: str
) -> _Recurrent:
    """`rnn_i` after its shape checks; `width` = its input size. BundleError if bad."""
    name, gates = f"rnn_{i}", GATES[cfg.cell]
    kernel, recurrent, bias = (arrays[f"{name}/{v}"] for v in RNN_VARIABLES)
    if recurrent.ndim != 2 or recurrent.shape[1] != gates * recurrent.shape[0]:
        raise BundleError(
            f"{where}: {name} recurrent_kernel has shape {recurrent.shape}, expected "
            f"(units, {gates} x units) for cell {cfg.cell}: config does not match the model"
        )
    units = recurrent.shape[0]
    if kernel.shape != (width, gates * units):
        raise BundleError(
            f"{where}: {name} kernel has shape {kernel.shape}, expected ({width}, {gates} x "
            f"{units}) for chord_input {cfg.chord_input}, context_input {cfg.context_input}, "
            f"tempo_input {cfg.tempo_input}, style_input {cfg.style_input}, "
            f"pitch_input {cfg.pitch_input}, "
            f"cell {cfg.cell}: config does not match the model"
        )
    if cfg.cell == "gru" and bias.ndim == 1:
        # reset_after=False stores one bias; the contract says reset_after=True.
        raise BundleError(f"{where}: {name}: GRU must use reset_after=True")
    expected_bias = (gates * units,) if cfg.cell == "lstm" else (2, gates * units)
    if bias.shape != expected_bias:
        raise BundleError(f"{where}: {name} bias has shape {bias.shape}, expected {expected_bias}")
    return _Recurrent(cfg.cell, kernel, recurrent, bias)


@dataclass(frozen=True)
class CheckedWeights:
    """A model's weights after `check_weights`: recurrent layers and the output layer."""

    layers: list[_Recurrent]
    dense_kernel: np.ndarray  # (units, n_values)
    dense_bias: np.ndarray  # (n_values,)


def check_weights(
    arrays: Mapping[str, np.ndarray], cfg: ModelConfig, n_values: int, where: str
) -> CheckedWeights:
    """The named `arrays` (training.weights) checked against the config and vocabulary
    size; BundleError (one line) naming the first array whose shape does not fit, or that
    holds NaN or inf."""
    for name, array in arrays.items():
        if not np.isfinite(array).all():
            raise BundleError(f"{where}: weights {name} hold NaN or inf: the model is damaged")
    width = n_values + cfg.feature_width
    layers: list[_Recurrent] = []
    for i in range(cfg.layers):
        layers.append(_recurrent_layer(arrays, i, width, cfg, where))
        width = layers[-1].units
    kernel, bias = arrays["output/kernel"], arrays["output/bias"]
    if kernel.shape != (width, n_values):
        raise BundleError(
            f"{where}: output layer has shape {kernel.shape}, expected ({width}, {n_values})"
        )
    if bias.shape != (n_values,):
        raise BundleError(f"{where}: output bias has shape {bias.shape}, expected ({n_values},)")
    return CheckedWeights(layers, kernel, bias)


class NumpyEngine:
    """Batched numpy inference of a bundle's model, one token step at a time (see `Engine`).

    `weights`: the named arrays (default: `bundle_weights(bundle)`); shapes are checked
    against the bundle's config, BundleError if they do not match.
    """

    name = "numpy"

    def __init__(self, bundle: Bundle, weights: Mapping[str, np.ndarray] | None = None) -> None:
        cfg = bundle.model_config
        self.n_values = bundle.n_values
        self.chord_input, self.context_input = cfg.chord_input, cfg.context_input
        self.context_width = cfg.context_width
        self.pitch_input = cfg.pitch_input
        self.feature_width = cfg.feature_width
        self.cell = cfg.cell
        arrays = bundle_weights(bundle) if weights is None else weights
        checked = check_weights(arrays, cfg, self.n_values, str(bundle.path))
        self.layers = checked.layers
        self.dense_kernel, self.dense_bias = checked.dense_kernel, checked.dense_bias

    def initial_state(self, batch: int) -> State:
        n = 2 if self.cell == "lstm" else 1
        return [
            [np.zeros((batch, layer.units), np.float32) for _ in range(n)] for layer in self.layers
        ]

    def step(
        self, ids: np.ndarray, features: np.ndarray | None, state: State
    ) -> tuple[np.ndarray, State]:
        ids = np.asarray(ids, dtype=np.int64)
        first = self.layers[0]
        # One-hot @ kernel is a row lookup; the chord and context part is a small matmul.
        z = first.kernel[ids]
        if self.feature_width:
            z = z + np.asarray(features, np.float32) @ first.kernel[self.n_values :]
        new_state: State = []
        for i, layer in enumerate(self.layers):
            if i > 0:
                z = new_state[-1][0] @ layer.kernel
            new_state.append(layer.step(z, state[i]))
        probs = _softmax(new_state[-1][0] @ self.dense_kernel + self.dense_bias)
        return probs, new_state


# --- keras engine --------------------------------------------------------------------------


def _step_model(
    model: keras.Model, cfg: ModelConfig, n_values: int, where: Path
) -> tuple[keras.Model, list[int]]:
    """A one-step functional model from `model`'s named layers (see `KerasEngine`) and the
    units of its recurrent layers."""
    import keras

    token = keras.Input(shape=(n_values,), name="token")
    inputs = [token]
    x = token
    if cfg.chord_input:
        inputs.append(keras.Input(shape=(CHORD_FEATURES,), name="chord"))
    if cfg.context_input:
        inputs.append(keras.Input(shape=(cfg.context_width,), name="context"))
    if cfg.pitch_input:
        inputs.append(keras.Input(shape=(PITCH_FEATURES,), name="pitch"))
    if len(inputs) > 1:
        x = model.get_layer("concat")(list(inputs))
    outputs_states = []
    units_per_layer: list[int] = []
    n_states = 2 if cfg.cell == "lstm" else 1
    for i in range(cfg.layers):
        try:
            layer = model.get_layer(f"rnn_{i}")
        except ValueError as exc:
            raise BundleError(f"{where}: {exc}") from None
        cell = getattr(layer, "cell", layer)
        if cell is not layer:
            # every LSTM's cell is called "lstm_cell"; a functional model needs unique
            # names (this model object is private to the engine and never saved)
            cell.name = f"{layer.name}_cell"
        units = int(cell.units)
        units_per_layer.append(units)
        states = [keras.Input(shape=(units,), name=f"state_{i}_{j}") for j in range(n_states)]
        inputs.extend(states)
        x, new_states = cell(x, states, training=False)
        if not isinstance(new_states, (list, tuple)):
            new_states = [new_states]
        outputs_states.extend(new_states)
    probs = model.get_layer("output")(x)
    return keras.Model(inputs, [probs, *outputs_states], name="step"), units_per_layer


class KerasEngine:
    """One-step Keras inference model built from the bundle's named layers (see `Engine`).

    Imports TensorFlow/Keras (~3.5 s). Inputs of the step model: `token` one-hot
    `(batch, n_values)`, optional `chord` `(batch, 24)` and `context` `(batch, 69)` (the
    columns of `features`, split), then the flat states; outputs the probabilities
    `(batch, n_values)` and the new flat states.
    """

    name = "keras"

    def __init__(self, bundle: Bundle) -> None:
        cfg = bundle.model_config
        self.n_values = bundle.n_values
        self.chord_input, self.context_input = cfg.chord_input, cfg.context_input
        self.context_width = cfg.context_width
        self.pitch_input = cfg.pitch_input
        self.feature_width = cfg.feature_width
        self.cell = cfg.cell
        model = load_keras_model(bundle)
        from jazzgen.training.tf_runtime import import_tensorflow
        from jazzgen.training.weights import weight_arrays

        tf = import_tensorflow()  # already imported by load_keras_model
        try:  # the numpy engine's shape checks, on the loaded model's weights
            arrays = weight_arrays(model, cfg.layers)
        except ValueError as exc:  # get_layer of a name the model does not have
            raise BundleError(f"{bundle.model_path}: {exc}") from None
        check_weights(arrays, cfg, self.n_values, str(bundle.model_path))
        self.step_model, self.units = _step_model(model, cfg, self.n_values, bundle.path)
        self._n_states = 2 if cfg.cell == "lstm" else 1
        self._call = tf.function(lambda args: self.step_model(args, training=False))

    def initial_state(self, batch: int) -> State:
        return [
            [np.zeros((batch, u), np.float32) for _ in range(self._n_states)] for u in self.units
        ]

    def step(
        self, ids: np.ndarray, features: np.ndarray | None, state: State
    ) -> tuple[np.ndarray, State]:
        ids = np.asarray(ids, dtype=np.int64)
        onehot = np.zeros((len(ids), self.n_values), np.float32)
        onehot[np.arange(len(ids)), ids] = 1.0
        args = [onehot]
        if self.feature_width:
            feats = np.asarray(features, np.float32)
            first = 0
            for taken, width in (
                (self.chord_input, CHORD_FEATURES),
                (self.context_input, self.context_width),
                (self.pitch_input, PITCH_FEATURES),
            ):
                if taken:
                    args.append(feats[:, first : first + width])
                    first += width
        for layer_state in state:
            args.extend(layer_state)
        out = self._call(args)
        probs = np.asarray(out[0])
        flat = [np.asarray(s) for s in out[1:]]
        k = self._n_states
        return probs, [flat[i * k : (i + 1) * k] for i in range(len(self.units))]
