"""Test helper: a tiny untrained model bundle that follows the bundle/model contract.

Used by the generate tests until (and independently of) the training code. Building it
imports TensorFlow (~3.5 s), so tests build it once per session directory. Like a bundle
written by `jazzgen train`, it holds `model.keras` and the same weights as `weights.npz`.
"""

from __future__ import annotations

import json
from pathlib import Path

from jazzgen.core.context import (
    BASE_CONTEXT_FEATURES,
    CONTEXT_FEATURES,
    TEMPO_CONTEXT_FEATURES,
)
from jazzgen.core.harmony import CHORD_FEATURES, NoteType
from jazzgen.core.pitch_context import PITCH_FEATURES
from jazzgen.tokens.grammar import Token
from jazzgen.tokens.vocab import Vocab
from jazzgen.training.weights import WEIGHTS_FILE, save_weights

PROGRESSIONS = [
    [["Dm7", "G7"], ["Cmaj7"], ["Cmaj7"], ["A7"]],
    [["Bbmaj7"], ["Gm7", "C7"], ["Fmaj7"], ["Fmaj7"]],
]


def tiny_vocab() -> Vocab:
    tokens = [Token(NoteType.REST, d) for d in (3, 4, 6, 8, 12, 24, 48)]
    tokens.append(Token(NoteType.CHORD, 12))  # windowless first note
    for note_type in (NoteType.CHORD, NoteType.SCALE, NoteType.APPROACH, NoteType.OTHER):
        for duration in (3, 4, 6, 8, 12):
            for centre in (-5, -2, 0, 2, 4):
                tokens.append(Token(note_type, duration, (centre - 3, centre + 3)))
    return Vocab.from_tokens(tokens)


def build_model(
    n_values: int,
    *,
    tx: int,
    units: int,
    layers: int,
    cell: str,
    chord_input: bool,
    context_input: bool = False,
    pitch_input: bool = False,
    tempo_input: bool = False,
    style_input: bool = False,
):
    import keras

    keras.utils.set_random_seed(7)
    tokens = keras.Input(shape=(tx, n_values), name="tokens")
    inputs = [tokens]
    x = tokens
    if chord_input:
        inputs.append(keras.Input(shape=(tx, CHORD_FEATURES), name="chords"))
    if context_input:
        width = BASE_CONTEXT_FEATURES
        if tempo_input:
            width = CONTEXT_FEATURES if style_input else TEMPO_CONTEXT_FEATURES
        inputs.append(keras.Input(shape=(tx, width), name="context"))
    if pitch_input:
        inputs.append(keras.Input(shape=(tx, PITCH_FEATURES), name="pitch"))
    if len(inputs) > 1:
        x = keras.layers.Concatenate(name="concat")(inputs)
    rnn = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
    for i in range(layers):
        x = rnn(units, return_sequences=True, name=f"rnn_{i}")(x)
        x = keras.layers.Dropout(0.1, name=f"dropout_{i}")(x)
    out = keras.layers.Dense(n_values, activation="softmax", name="output")(x)
    model = keras.Model(inputs, out)
    # untrained weights are near-uniform; scale them so sampling is not a coin toss
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            layer.set_weights([w * 3.0 for w in weights])
    return model


def make_bundle(
    root: Path,
    *,
    cell: str = "lstm",
    layers: int = 2,
    units: int = 8,
    chord_input: bool = True,
    tx: int = 8,
    context_input: bool = False,
    notes_per_bar: float | None = None,
    pitch_input: bool = False,
    tempo_input: bool = False,
    styles: tuple[int, ...] | None = None,
) -> Path:
    """Write a bundle directory under `root` and return its path (`context_input`,
    `pitch_input`: the model has those inputs too, `tempo_input` the context's tempo (else
    the 69 columns of bundles made before it), `styles` (9 counts) the style input after
    the tempo, with those training styles; `notes_per_bar`: recorded in config.json)."""
    root.mkdir(parents=True, exist_ok=True)
    vocab = tiny_vocab()
    model = build_model(
        len(vocab), tx=tx, units=units, layers=layers, cell=cell, chord_input=chord_input,
        context_input=context_input, pitch_input=pitch_input, tempo_input=tempo_input,
        style_input=styles is not None,
    )  # fmt: skip
    model.save(root / "model.keras")
    save_weights(model, layers, root / WEIGHTS_FILE)
    vocab.save(root / "vocab.json")
    config = {
        "format": 1,
        "model": {
            "tx": tx,
            "units": units,
            "layers": layers,
            "dropout": 0.1,
            "cell": cell,
            "arch": "fused",
            "chord_input": chord_input,
            **({"context_input": True} if context_input else {}),
            **({"pitch_input": True} if pitch_input else {}),
            **({"tempo_input": True} if tempo_input else {}),
            **({"style_input": True} if styles is not None else {}),
        },
        "train": {"epochs": 1, "seed": 0},
        "vocab_hash": vocab.hash,
        "n_values": len(vocab),
        "progressions": PROGRESSIONS,
        "encode": {"min_rest_steps": 3},
        "bar_steps": 48,
        **({"notes_per_bar": notes_per_bar} if notes_per_bar is not None else {}),
        **({"styles": list(styles)} if styles is not None else {}),
    }
    (root / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    (root / "history.csv").write_text("epoch,loss\n0,1.0\n", encoding="utf-8")
    (root / "metrics.json").write_text("{}", encoding="utf-8")
    return root


if __name__ == "__main__":  # python tests/tiny_bundle.py DIR [lstm|gru]
    import sys

    make_bundle(Path(sys.argv[1]), cell=sys.argv[2] if len(sys.argv) > 2 else "lstm")
