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

`load_weights` reads the archive's table of contents and every array's header first and
refuses an archive whose arrays would take more than the `weights-mb` limit (core.limits)
before any of them is read.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jazzgen.core import limits
from jazzgen.core.errors import FILE_NOT_FOUND, BundleError
from jazzgen.io.outputs import write_atomic

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
    write_atomic(path, weights_bytes(weight_arrays(model, layers)))


MAX_ARCHIVE_ARRAYS = 256  # a model of 8 layers has 27 arrays


def _array_bytes(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """Bytes the array in `member` (a .npy file) declares in its header; ValueError when it
    is not a numeric .npy array."""
    with archive.open(member) as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    if dtype.hasobject or len(shape) > 4:
        raise ValueError(f"{member.filename} is not a numeric array")
    return math.prod(shape) * dtype.itemsize


def check_weights_size(path: Path) -> None:
    """BundleError when the `.npz` at `path` is not an archive of at most
    `MAX_ARCHIVE_ARRAYS` numeric arrays, or its arrays would take more memory than the
    `weights-mb` limit allows (read from the headers, before any array is read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ARCHIVE_ARRAYS:
                raise BundleError(f"{path}: {len(members)} arrays, not a jazzgen weights file")
            total = sum(_array_bytes(archive, m) for m in members)
    except FileNotFoundError:
        raise BundleError(f"{path}: weights file not found") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BundleError(f"{path}: not a weights.npz archive ({first[:120]})") from None
    if total > limits.current().bytes("weights_mb"):
        found = f"weights of {total / 1024 / 1024:.0f} MB"
        raise BundleError(f"{path}: {limits.exceeded('weights_mb', found)}")


def load_weights(path: str | Path, layers: int) -> dict[str, np.ndarray]:
    """The arrays of a `weights.npz`, by name; BundleError (one line) when it is unusable
    or larger than the `weights-mb` limit (`check_weights_size`).

    Shapes are checked by the engine that uses them (it knows n_values and the cell).
    """
    path = Path(path)
    check_weights_size(path)
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
