"""The bundled default model: present, trained on data/ as it is now, and usable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jazzgen.io.files import source_files_hash
from jazzgen.training.bundle import BUNDLE_FILES, check_bundle

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "models" / "default"


def test_bundle_is_complete_and_small() -> None:
    for name in BUNDLE_FILES:
        assert (BUNDLE / name).is_file(), f"models/default/{name} is missing"
    total = sum(f.stat().st_size for f in BUNDLE.iterdir())
    assert total < 5_000_000, f"models/default is {total} bytes: too big to commit"
    check_bundle(BUNDLE)  # vocabulary hash matches config


def test_weights_npz_matches_model_keras() -> None:
    """weights.npz (numpy engine) holds the weights of model.keras (Keras engine)."""
    keras = pytest.importorskip("keras")
    import numpy as np

    from jazzgen.training.weights import load_weights

    config, _vocab = check_bundle(BUNDLE)
    arrays = load_weights(BUNDLE / "weights.npz", config.model.layers)
    model = keras.saving.load_model(BUNDLE / "model.keras", safe_mode=True)
    for name, array in arrays.items():
        layer, variable = name.split("/")
        (weight,) = [w for w in model.get_layer(layer).weights if w.path.endswith(f"/{variable}")]
        np.testing.assert_array_equal(array, weight.numpy(), err_msg=name)


def test_corpus_hash_matches_data() -> None:
    """If this fails, data/ changed: rebuild the model (see scripts/train_default_model.py)."""
    config = json.loads((BUNDLE / "config.json").read_text())
    recorded = config["corpus"]["hash"]
    assert recorded == source_files_hash(ROOT / "data"), (
        "models/default was trained on a different data/: run "
        "`python scripts/train_default_model.py --force`"
    )
    assert all(not i["path"].lower().count("metheny") for i in config["inputs"])


def test_metrics_record_heldout_nll() -> None:
    metrics = json.loads((BUNDLE / "metrics.json").read_text())
    assert metrics["val_nll"] > 0
    assert metrics["val_perplexity"] == pytest.approx(2.718281828 ** metrics["val_nll"], rel=1e-3)


def test_generate_with_default_model(tmp_path) -> None:
    from jazzgen.cli import run

    out = tmp_path / "demo.mid"
    assert run(["generate", "--seed", "3", "--bars", "8", "--out", str(out)]) == 0
    import mido

    names = [t.name for t in mido.MidiFile(out).tracks]
    assert "Melody" in names and "Chords" in names
