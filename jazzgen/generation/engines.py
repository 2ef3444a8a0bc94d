"""Inference engines: one token step at a time for a batch of candidates.

Engines (same interface: `initial_state(batch)`, `step(ids, chord_features, state)`):
- `NumpyEngine` reads `model.keras` as a zip with zipfile + h5py and runs the LSTM/GRU
  steps, the Dense layer and the softmax in numpy. It never imports TensorFlow, so
  `jazzgen generate` starts in well under a second.
- `KerasEngine` loads the model with Keras (safe mode) and builds a one-step model from the
  bundle's named layers (`concat`, `rnn_i` cells, `output`) with `get_layer`; each step is
  one call of a `tf.function`, never `Model.predict`.

Model contract (see `training.model`): input "tokens" one-hot `(batch, Tx, n_values)`,
optional input "chords" `(batch, Tx, 24)` = `core.harmony.chord_features` of the chord at
the onset of the token being predicted; concat -> rnn_0, rnn_1, ... (LSTM or GRU with
default activations, GRU reset_after=True) -> Dense softmax "output".
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from jazzgen.core.errors import BundleError, ConfigError
from jazzgen.core.harmony import CHORD_FEATURES
from jazzgen.training.bundle import Bundle

log = logging.getLogger(__name__)

ENGINES = ("numpy", "keras")


# --- bundles -------------------------------------------------------------------------------


# --- numpy engine --------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _layer_arrays(h5: Any, layer_name: str) -> list[np.ndarray]:
    """Weight arrays of the layer called `layer_name`, in variable order.

    Keras 3 stores groups under class-based names (`layers/lstm_1/cell/vars/0`) and writes
    the layer's own name as the `name` attribute of its `vars` group, so we look the layer
    up by that attribute and collect every `vars` dataset beneath its group (an RNN layer
    keeps its weights in `cell/vars`; a bare cell in `vars`).
    """
    found: list[str] = []

    def visit(name: str, obj: Any) -> None:
        if name.endswith("vars") and obj.attrs.get("name") == layer_name:
            found.append(name)

    h5.visititems(visit)
    if not found:
        raise BundleError(f"model.keras has no weights for layer {layer_name!r}")
    group = h5[found[0].rsplit("/", 1)[0]] if "/" in found[0] else h5
    arrays: list[tuple[str, np.ndarray]] = []

    def collect(name: str, obj: Any) -> None:
        parent, _, leaf = name.rpartition("/")
        if parent.endswith("vars") and leaf.isdigit() and hasattr(obj, "shape"):
            arrays.append((f"{parent}/{int(leaf):06d}", np.asarray(obj, dtype=np.float32)))

    group.visititems(collect)
    arrays.sort(key=lambda item: (item[0].count("/"), item[0]))
    return [a for _, a in arrays]


@dataclass(frozen=True)
class _Recurrent:
    cell: str  # lstm | gru
    kernel: np.ndarray  # (inputs, k * units)
    recurrent: np.ndarray  # (units, k * units)
    bias: np.ndarray  # lstm (4u,); gru (2, 3u): input bias, recurrent bias

    @property
    def units(self) -> int:
        return self.recurrent.shape[0]


class NumpyEngine:
    """Batched numpy inference of a bundle's model, one token step at a time.

    `step(ids (batch,), chords (batch, 24) | None, state)` -> `(probs (batch, n_values),
    state)`; the state is a list per layer of `[h, c]` (LSTM) or `[h]` (GRU), each
    `(batch, units)` float32.
    """

    name = "numpy"

    def __init__(self, bundle: Bundle) -> None:
        import h5py  # ~0.1 s; only needed here

        cfg = bundle.model_config
        self.n_values = bundle.n_values
        self.chord_input = cfg.chord_input
        self.cell = cfg.cell
        try:
            with zipfile.ZipFile(bundle.model_path) as archive:
                blob = archive.read("model.weights.h5")
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise BundleError(f"{bundle.model_path}: not a Keras 3 .keras file ({exc})") from None
        with h5py.File(io.BytesIO(blob), "r") as h5:
            self.layers = [self._recurrent(h5, f"rnn_{i}", cfg.cell) for i in range(cfg.layers)]
            dense = _layer_arrays(h5, "output")
        if len(dense) != 2:
            raise BundleError(f"{bundle.path}: output layer must have kernel and bias")
        self.dense_kernel, self.dense_bias = dense
        expected_in = self.n_values + (CHORD_FEATURES if self.chord_input else 0)
        gates = 4 if cfg.cell == "lstm" else 3
        width = expected_in
        for i, layer in enumerate(self.layers):
            if layer.kernel.shape != (width, gates * layer.units):
                raise BundleError(
                    f"{bundle.path}: rnn_{i} kernel has shape {layer.kernel.shape}, expected "
                    f"({width}, {gates} x units) for n_values {self.n_values}, "
                    f"chord_input {self.chord_input}, cell {cfg.cell}: config does not "
                    "match the model"
                )
            width = layer.units
        if self.dense_kernel.shape != (width, self.n_values):
            raise BundleError(
                f"{bundle.path}: output layer has shape {self.dense_kernel.shape}, "
                f"expected ({width}, {self.n_values})"
            )

    @staticmethod
    def _recurrent(h5: Any, name: str, cell: str) -> _Recurrent:
        arrays = _layer_arrays(h5, name)
        if len(arrays) != 3:
            raise BundleError(f"layer {name} has {len(arrays)} weight arrays, expected 3")
        kernel, recurrent, bias = arrays
        if cell == "gru" and bias.ndim == 1:
            # reset_after=False stores one bias; the contract says reset_after=True.
            raise BundleError(f"layer {name}: GRU must use reset_after=True")
        return _Recurrent(cell, kernel, recurrent, bias)

    def initial_state(self, batch: int) -> list[list[np.ndarray]]:
        n = 2 if self.cell == "lstm" else 1
        return [
            [np.zeros((batch, layer.units), np.float32) for _ in range(n)] for layer in self.layers
        ]

    def step(
        self,
        ids: np.ndarray,
        chords: np.ndarray | None,
        state: list[list[np.ndarray]],
    ) -> tuple[np.ndarray, list[list[np.ndarray]]]:
        ids = np.asarray(ids, dtype=np.int64)
        # One-hot @ kernel is a row lookup; the chord part is a small matmul.
        new_state: list[list[np.ndarray]] = []
        x: np.ndarray | None = None
        for i, layer in enumerate(self.layers):
            if i == 0:
                z = layer.kernel[ids]
                if self.chord_input:
                    z = z + np.asarray(chords, np.float32) @ layer.kernel[self.n_values :]
            else:
                z = x @ layer.kernel
            if layer.cell == "lstm":
                h, c = state[i]
                z = z + h @ layer.recurrent + layer.bias
                u = layer.units
                gate_i = _sigmoid(z[:, :u])
                gate_f = _sigmoid(z[:, u : 2 * u])
                cand = np.tanh(z[:, 2 * u : 3 * u])
                gate_o = _sigmoid(z[:, 3 * u :])
                c = gate_f * c + gate_i * cand
                h = gate_o * np.tanh(c)
                new_state.append([h, c])
            else:
                (h,) = state[i]
                u = layer.units
                xz = z + layer.bias[0]
                rz = h @ layer.recurrent + layer.bias[1]
                update = _sigmoid(xz[:, :u] + rz[:, :u])
                reset = _sigmoid(xz[:, u : 2 * u] + rz[:, u : 2 * u])
                cand = np.tanh(xz[:, 2 * u :] + reset * rz[:, 2 * u :])
                h = update * h + (1.0 - update) * cand
                new_state.append([h])
            x = h
        probs = _softmax(x @ self.dense_kernel + self.dense_bias)
        return probs, new_state


# --- keras engine --------------------------------------------------------------------------


class KerasEngine:
    """One-step Keras inference model built from the bundle's named layers.

    Imports TensorFlow/Keras (~3.5 s). Inputs of the step model: `token` one-hot
    `(batch, n_values)`, optional `chord` `(batch, 24)`, then the flat states; outputs the
    probabilities `(batch, n_values)` and the new flat states.
    """

    name = "keras"

    def __init__(self, bundle: Bundle) -> None:
        try:
            from jazzgen.training.tf_runtime import import_tensorflow

            tf = import_tensorflow()
            import keras
        except ImportError as exc:  # pragma: no cover - tensorflow is a dependency
            raise BundleError(f"--engine keras needs TensorFlow/Keras: {exc}") from None
        cfg = bundle.model_config
        self.n_values = bundle.n_values
        self.chord_input = cfg.chord_input
        self.cell = cfg.cell
        try:
            model = keras.saving.load_model(bundle.model_path, safe_mode=True, compile=False)
        except Exception as exc:  # keras raises many types for bad archives
            raise BundleError(f"{bundle.model_path}: cannot load the model ({exc})") from None
        token = keras.Input(shape=(self.n_values,), name="token")
        inputs = [token]
        x = token
        if self.chord_input:
            chord = keras.Input(shape=(CHORD_FEATURES,), name="chord")
            inputs.append(chord)
            x = model.get_layer("concat")([token, chord])
        outputs_states = []
        self.units: list[int] = []
        n_states = 2 if cfg.cell == "lstm" else 1
        for i in range(cfg.layers):
            try:
                layer = model.get_layer(f"rnn_{i}")
            except ValueError as exc:
                raise BundleError(f"{bundle.path}: {exc}") from None
            cell = getattr(layer, "cell", layer)
            if cell is not layer:
                # every LSTM's cell is called "lstm_cell"; a functional model needs unique
                # names (this model object is private to the engine and never saved)
                cell.name = f"{layer.name}_cell"
            units = int(cell.units)
            self.units.append(units)
            states = [keras.Input(shape=(units,), name=f"state_{i}_{j}") for j in range(n_states)]
            inputs.extend(states)
            x, new_states = cell(x, states, training=False)
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            outputs_states.extend(new_states)
        probs = model.get_layer("output")(x)
        self.step_model = keras.Model(inputs, [probs, *outputs_states], name="step")
        self._call = tf.function(lambda args: self.step_model(args, training=False))
        self._n_states = n_states

    def initial_state(self, batch: int) -> list[list[np.ndarray]]:
        return [
            [np.zeros((batch, u), np.float32) for _ in range(self._n_states)] for u in self.units
        ]

    def step(
        self,
        ids: np.ndarray,
        chords: np.ndarray | None,
        state: list[list[np.ndarray]],
    ) -> tuple[np.ndarray, list[list[np.ndarray]]]:
        ids = np.asarray(ids, dtype=np.int64)
        onehot = np.zeros((len(ids), self.n_values), np.float32)
        onehot[np.arange(len(ids)), ids] = 1.0
        args = [onehot]
        if self.chord_input:
            args.append(np.asarray(chords, np.float32))
        for layer_state in state:
            args.extend(layer_state)
        out = self._call(args)
        probs = np.asarray(out[0])
        flat = [np.asarray(s) for s in out[1:]]
        k = self._n_states
        return probs, [flat[i * k : (i + 1) * k] for i in range(len(self.units))]


def make_engine(bundle: Bundle, engine: str = "numpy") -> NumpyEngine | KerasEngine:
    if engine == "numpy":
        return NumpyEngine(bundle)
    if engine == "keras":
        return KerasEngine(bundle)
    raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")


# --- sampling ------------------------------------------------------------------------------


# --- constrained decoding ------------------------------------------------------------------
