"""Decoding: model bundles, two inference engines, and bar-exact constrained sampling.

Engines (same interface: `initial_state(batch)`, `step(ids, chord_features, state)`):
- `NumpyEngine` reads `model.keras` as a zip with zipfile + h5py and runs the LSTM/GRU
  steps, the Dense layer and the softmax in numpy. It never imports TensorFlow, so
  `jazzgen generate` starts in well under a second.
- `KerasEngine` loads the model with Keras (safe mode) and builds a one-step model from the
  bundle's named layers (`concat`, `rnn_i` cells, `output`) with `get_layer`; each step is
  one call of a `tf.function`, never `Model.predict`.

Model contract (see jazzgen.model): input "tokens" one-hot `(batch, Tx, n_values)`, optional
input "chords" `(batch, Tx, 24)` = `music.chord_features` of the chord at the onset of the
token being predicted; concat -> rnn_0, rnn_1, ... (LSTM or GRU with default activations,
GRU reset_after=True) -> Dense softmax "output".

Constrained decoding (`decode`): every bar's token durations sum exactly to the bar length.
A token is allowed at a position when its duration fits in what is left of the bar AND the
remainder after it can still be filled by tokens of the vocabulary (a table of fillable
remainders is precomputed). When no remainder is fillable (a vocabulary without short
tokens), any token that fits is allowed; when none fits, the bar is closed with a rest of
exactly the remaining length; that rest is kept in the output
even when it is not in the vocabulary (it is always a valid grammar token) and the model is
fed the vocabulary rest of nearest duration instead. Windowless note tokens (the first note
of a piece) are allowed only while no note has sounded yet. Onset-to-onset durations make
overlapping melodic lines impossible by construction.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jazzgen.config import ModelConfig, from_dict
from jazzgen.errors import BundleError, ConfigError
from jazzgen.grammar import Token
from jazzgen.music import CHORD_FEATURES, NoteType
from jazzgen.vocab import Vocab

log = logging.getLogger(__name__)

ENGINES = ("numpy", "keras")


# --- bundles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    """A loaded model bundle directory (weights are read by the engines, not here)."""

    path: Path
    vocab: Vocab
    model_config: ModelConfig
    config: dict[str, Any] = field(repr=False)

    @property
    def n_values(self) -> int:
        return len(self.vocab)

    @property
    def model_path(self) -> Path:
        return self.path / "model.keras"

    @property
    def progressions(self) -> list[list[list[str]]]:
        """Per training piece, its bars of chord symbols (may be empty)."""
        return list(self.config.get("progressions") or [])


def load_bundle(path: str | Path) -> Bundle:
    """Read `vocab.json` and `config.json` of a bundle dir and check they agree
    (`jazzgen.bundle.check_bundle`: files present, format, vocabulary hash and size).

    Raises BundleError when something is missing or does not match.
    """
    from jazzgen.bundle import check_bundle

    root = Path(path)
    config, vocab = check_bundle(root)
    try:
        model_config = from_dict(ModelConfig, dict(config.get("model") or {}))
    except (ConfigError, TypeError) as exc:
        raise BundleError(f"{root}/config.json: bad model section: {exc}") from None
    return Bundle(root, vocab, model_config, config)


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
            from jazzgen.tf_runtime import import_tensorflow

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


@dataclass(frozen=True)
class SamplingOptions:
    """temperature 0 = greedy (argmax); top_k 0 = off; top_p 1.0 = off."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.temperature <= 10.0:
            raise ConfigError(f"temperature must be in range 0..10, got {self.temperature}")
        if self.top_k < 0:
            raise ConfigError(f"top_k must be >= 0 (0 = off), got {self.top_k}")
        if not 0.0 < self.top_p <= 1.0:
            raise ConfigError(f"top_p must be in range (0, 1], got {self.top_p}")


def sample_ids(
    probs: np.ndarray,
    rng: np.random.Generator,
    options: SamplingOptions = SamplingOptions(),
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Draw one id per row of `probs (batch, n_values)`; `mask` (same shape, bool) limits
    the choice. Rows whose mask is all False return -1. Temperature 0 = argmax."""
    p = np.asarray(probs, np.float64)
    if mask is not None:
        p = np.where(mask, p, 0.0)
    allowed = p > 0 if mask is None else mask & (p >= 0)
    empty = ~allowed.any(axis=1)
    if options.temperature == 0.0:
        scores = np.where(allowed, p, -1.0)
        ids = scores.argmax(axis=1)
        ids[empty] = -1
        return ids
    logp = np.log(np.maximum(p, 1e-300)) / options.temperature
    logp = np.where(allowed, logp, -np.inf)
    logp -= np.where(empty[:, None], 0.0, logp.max(axis=1, keepdims=True))
    w = np.where(allowed, np.exp(logp), 0.0)
    if options.top_k > 0 and options.top_k < w.shape[1]:
        kth = -np.sort(-w, axis=1)[:, options.top_k - 1 : options.top_k]
        w = np.where(w >= kth, w, 0.0)
    if options.top_p < 1.0:
        order = np.argsort(-w, axis=1, kind="stable")
        sorted_w = np.take_along_axis(w, order, axis=1)
        total = sorted_w.sum(axis=1, keepdims=True)
        cum = np.cumsum(sorted_w, axis=1) / np.maximum(total, 1e-300)
        # keep the smallest prefix whose mass reaches top_p (always at least one token)
        keep_sorted = (cum - sorted_w / np.maximum(total, 1e-300)) < options.top_p
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=1)
        w = np.where(keep, w, 0.0)
    total = w.sum(axis=1)
    u = rng.random(len(w)) * total
    cum = np.cumsum(w, axis=1)
    ids = np.minimum((cum <= u[:, None]).sum(axis=1), w.shape[1] - 1)
    # never land on a zero-weight id because of rounding at the top end
    bad = w[np.arange(len(w)), ids] <= 0
    if bad.any():
        ids[bad] = w[bad].argmax(axis=1)
    ids[empty] = -1
    return ids


# --- constrained decoding ------------------------------------------------------------------


@dataclass(frozen=True)
class VocabTables:
    """Per-id facts of a vocabulary used by the decoding masks."""

    durations: np.ndarray  # (V,) grid steps
    is_rest: np.ndarray  # (V,) bool
    windowless: np.ndarray  # (V,) bool: note tokens without interval window
    tokens: tuple[Token, ...]

    @classmethod
    def of(cls, vocab: Vocab) -> VocabTables:
        tokens = tuple(vocab.tokens())
        return cls(
            np.array([t.duration for t in tokens], np.int64),
            np.array([t.is_rest for t in tokens], bool),
            np.array([(not t.is_rest) and t.window is None for t in tokens], bool),
            tokens,
        )

    def nearest_rest(self, steps: int) -> int:
        """Id of the rest of nearest duration (any token if the vocabulary has no rest)."""
        candidates = np.flatnonzero(self.is_rest)
        if not len(candidates):
            candidates = np.arange(len(self.tokens))
        return int(candidates[np.argmin(np.abs(self.durations[candidates] - steps))])


def fillable_remainders(durations: Sequence[int], max_steps: int) -> np.ndarray:
    """`ok[r]` is True when `r` steps can be filled exactly by a sum of `durations`."""
    ok = np.zeros(max_steps + 1, bool)
    ok[0] = True
    unique = sorted({int(d) for d in durations if 0 < d <= max_steps})
    for r in range(1, max_steps + 1):
        ok[r] = any(ok[r - d] for d in unique if d <= r)
    return ok


def mask_table(tables: VocabTables, max_steps: int, *, require_fillable: bool = True) -> np.ndarray:
    """`(2, max_steps + 1, V)` bool: [phase, remaining steps] -> allowed ids.

    Phase 0: no note has sounded yet (windowless first-note tokens allowed); phase 1: after
    the first note (windowless tokens forbidden). Remainders are judged fillable by the
    tokens allowed in phase 1, the phase every later token is decoded in
    (`require_fillable=False`: every token that fits is allowed).
    """
    later = ~tables.windowless
    ok = fillable_remainders(tables.durations[later], max_steps)
    if not require_fillable:
        ok[:] = True
    durations = tables.durations
    table = np.zeros((2, max_steps + 1, len(durations)), bool)
    for remaining in range(1, max_steps + 1):
        after = remaining - durations
        fits = (after >= 0) & ok[np.clip(after, 0, max_steps)]
        table[0, remaining] = fits
        table[1, remaining] = fits & later
    return table


@dataclass(frozen=True)
class Decoded:
    """Decoded token bars per candidate, with model log-likelihoods.

    `bars[c][b]` is the token tuple of bar b of candidate c. `log_likelihood[c]` is the sum
    of the model's (unmasked, temperature 1) log-probabilities of the sampled tokens,
    `scored_tokens[c]` how many tokens it covers (forced rests are not scored), and
    `forced_rests[c]` how many bars were closed with a forced rest.
    """

    bars: list[list[tuple[Token, ...]]]
    log_likelihood: np.ndarray
    scored_tokens: np.ndarray
    forced_rests: np.ndarray

    def mean_log_likelihood(self) -> np.ndarray:
        return self.log_likelihood / np.maximum(self.scored_tokens, 1)


def start_token_id(tables: VocabTables, bar_steps: int) -> int:
    """The seed fed before the first generated token: the rest nearest a whole bar (pieces
    in the corpus usually start with a rest or a pickup), any token if there is no rest."""
    return tables.nearest_rest(bar_steps)


def decode(
    engine: NumpyEngine | KerasEngine,
    vocab: Vocab,
    bar_steps: Sequence[int],
    chord_features: np.ndarray,
    *,
    rng: np.random.Generator,
    candidates: int = 1,
    sampling: SamplingOptions = SamplingOptions(),
    primer_ids: Sequence[int] = (),
    primer_chord_features: np.ndarray | None = None,
    primer_has_note: bool = False,
    tables: VocabTables | None = None,
) -> Decoded:
    """Decode `candidates` solos together, bar-exact, over bars of `bar_steps` grid steps.

    `chord_features (sum(bar_steps), 24)`: model chord input for an onset at each absolute
    step of the generated bars. `primer_ids` are fed first to warm the state (their
    `primer_chord_features (len(primer_ids), 24)` = features at the onset of the token that
    follows each; the last row is not used: the first generated onset's chord is); without
    a primer a rest is fed as the start token. The primer's last
    token is the input that predicts the first generated token.
    """
    if candidates < 1:
        raise ConfigError(f"candidates must be >= 1, got {candidates}")
    tables = tables or VocabTables.of(vocab)
    bar_steps = [int(s) for s in bar_steps]
    total = sum(bar_steps)
    if total <= 0:
        raise ConfigError("nothing to generate: 0 bars")
    feats = np.asarray(chord_features, np.float32)
    if feats.shape != (total, CHORD_FEATURES):
        raise ValueError(f"chord_features must be ({total}, 24), got {feats.shape}")
    bar_end = np.repeat(np.cumsum(bar_steps), bar_steps)  # absolute end step per step
    bar_of = np.repeat(np.arange(len(bar_steps)), bar_steps)
    table = mask_table(tables, max(bar_steps))
    fit_table = mask_table(tables, max(bar_steps), require_fillable=False)
    n = candidates
    state = engine.initial_state(n)
    chord_in = engine.chord_input
    if len(primer_ids):
        pf = np.asarray(primer_chord_features, np.float32)
        # all but the last primer token warm the state; the last one is the first input of
        # the decoding loop (with the chord of the first generated onset)
        for k, token_id in enumerate(primer_ids[:-1]):
            ids = np.full(n, token_id)
            feat = np.repeat(pf[k : k + 1], n, axis=0) if chord_in else None
            _, state = engine.step(ids, feat, state)
        last = int(primer_ids[-1])
    else:
        last = start_token_id(tables, bar_steps[0])
    ids = np.full(n, last)
    pos = np.zeros(n, np.int64)
    has_note = np.full(n, bool(primer_has_note))
    loglik = np.zeros(n)
    scored = np.zeros(n, np.int64)
    forced = np.zeros(n, np.int64)
    out: list[list[list[Token]]] = [[[] for _ in bar_steps] for _ in range(n)]
    while True:
        active = pos < total
        if not active.any():
            break
        p_idx = np.minimum(pos, total - 1)
        feat = feats[p_idx] if chord_in else None
        probs, new_state = engine.step(ids, feat, state)
        # finished candidates keep their state (their outputs are ignored)
        state = [
            [np.where(active[:, None], ns, s) for ns, s in zip(nl, sl, strict=True)]
            for nl, sl in zip(new_state, state, strict=True)
        ]
        remaining = np.where(active, bar_end[p_idx] - pos, 0)
        phase = has_note.astype(np.int64)
        mask = table[phase, remaining]
        # a remainder that no token sequence fills (a vocabulary without short tokens):
        # take any token that fits; the bar is closed by a forced rest when none does
        stuck = active & ~mask.any(axis=1)
        if stuck.any():
            mask[stuck] = fit_table[phase[stuck], remaining[stuck]]
        choice = sample_ids(probs, rng, sampling, mask)
        for c in np.flatnonzero(active):
            bar = int(bar_of[pos[c]])
            if choice[c] < 0:
                token = Token(NoteType.REST, int(remaining[c]))
                ids[c] = tables.nearest_rest(token.duration)
                forced[c] += 1
            else:
                token = tables.tokens[choice[c]]
                ids[c] = choice[c]
                loglik[c] += float(np.log(max(probs[c, choice[c]], 1e-30)))
                scored[c] += 1
                if not token.is_rest:
                    has_note[c] = True
            out[c][bar].append(token)
            pos[c] += token.duration
    bars = [[tuple(b) for b in cand] for cand in out]
    return Decoded(bars, loglik, scored, forced)
