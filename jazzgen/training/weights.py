"""`weights.npz`: the trained weights as named numpy arrays, for engines that do not run Keras.

Written next to `model.keras` at training time (`save_weights`) from the layers of the
model contract (see `training.model`), read by the numpy inference engine (`load_weights`)
without TensorFlow and without Keras' private file layout.

Format: a numpy `.npz` archive (zip of `.npy` files, written with `numpy.savez`, so its
bytes depend only on the arrays) with
- `format`: int64 scalar, `WEIGHTS_FORMAT`;
- for every recurrent layer `rnn_i` (i = 0 .. layers-1):
  `rnn_i/kernel` `(inputs, k * units)`, `rnn_i/recurrent_kernel` `(units, k * units)`,
  `rnn_i/bias` (LSTM: `(4 * units,)`; GRU, reset_after=True: `(2, 3 * units)`), k = 4 for
  LSTM (gates i, f, c, o) and 3 for GRU (gates z, r, h), in Keras' own layout; the inputs
  of `rnn_0` are the one-hot token (`n_values`), then, with `chord_input`, the chord
  features, then, with `context_input`, the context features (`core.context`);
- `output/kernel` `(units, n_values)`, `output/bias` `(n_values,)`: the softmax layer.
All arrays are float32.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jazzgen.core.errors import FILE_NOT_FOUND, BundleError

if TYPE_CHECKING:
    import keras

WEIGHTS_FILE = "weights.npz"
WEIGHTS_FORMAT = 1
RNN_VARIABLES = ("kernel", "recurrent_kernel", "bias")
OUTPUT_VARIABLES = ("kernel", "bias")


def weight_names(layers: int) -> list[str]:
    """Every array name of a model with `layers` recurrent layers, in file order."""
    names = [f"rnn_{i}/{v}" for i in range(layers) for v in RNN_VARIABLES]
    return names + [f"output/{v}" for v in OUTPUT_VARIABLES]


def weight_arrays(model: keras.Model, layers: int) -> dict[str, np.ndarray]:
    """The named arrays of `model` (looked up by layer name, Keras variable names)."""
    arrays: dict[str, np.ndarray] = {}
    for name in [f"rnn_{i}" for i in range(layers)] + ["output"]:
        for variable in model.get_layer(name).weights:
            short = variable.name.rsplit("/", 1)[-1]
            arrays[f"{name}/{short}"] = np.asarray(variable.numpy(), dtype=np.float32)
    missing = [n for n in weight_names(layers) if n not in arrays]
    if missing:
        raise BundleError(f"the model has no weights {', '.join(missing)}: not a jazzgen model")
    return {n: arrays[n] for n in weight_names(layers)}


def weights_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """The `.npz` bytes of `arrays` plus the format number."""
    buffer = io.BytesIO()
    named: dict[str, Any] = {"format": np.int64(WEIGHTS_FORMAT), **arrays}
    np.savez(buffer, **named)
    return buffer.getvalue()


def save_weights(model: keras.Model, layers: int, path: str | Path) -> None:
    """Write `weights.npz` of `model` to `path` (temporary file in the same folder, renamed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(weights_bytes(weight_arrays(model, layers)))
    os.replace(tmp, path)


def load_weights(path: str | Path, layers: int) -> dict[str, np.ndarray]:
    """The arrays of a `weights.npz`, by name; BundleError (one line) when it is unusable.

    Shapes are checked by the engine that uses them (it knows n_values and the cell).
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            found: dict[str, Any] = {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise BundleError(f"{path}: {FILE_NOT_FOUND}") from None
    except (OSError, ValueError, EOFError) as exc:
        raise BundleError(f"{path}: not a weights.npz archive ({exc})") from None
    version = found.pop("format", None)
    if version is None or int(np.asarray(version)) != WEIGHTS_FORMAT:
        raise BundleError(f"{path}: weights format must be {WEIGHTS_FORMAT}, got {version}")
    missing = [n for n in weight_names(layers) if n not in found]
    if missing:
        raise BundleError(f"{path}: missing arrays {', '.join(missing)}")
    return {n: np.asarray(found[n], dtype=np.float32) for n in weight_names(layers)}
