"""The bundled default model: present, trained on the Weimar Jazz Database, and usable."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from jazzgen.training.bundle import BUNDLE_FILES, check_bundle

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "models" / "default"
WJAZZD = ROOT.parent / "shared" / "data" / "wjazzd" / "wjazzd.db"


def test_bundle_is_complete_and_small() -> None:
    for name in BUNDLE_FILES:
        assert (BUNDLE / name).is_file(), f"models/default/{name} is missing"
    total = sum(f.stat().st_size for f in BUNDLE.iterdir())
    assert total < 10_000_000, f"models/default is {total} bytes: too big to commit"
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


def test_trained_on_wjazzd_with_notice() -> None:
    """The bundled model says what it learned from and carries the ODbL attribution."""
    config = json.loads((BUNDLE / "config.json").read_text())
    corpus = config["corpus"]
    assert corpus["name"] == "Weimar Jazz Database" and corpus["val_by"] == "performer"
    assert len(corpus["sha256"]) == 64
    assert all("metheny" not in i["path"].lower() for i in config["inputs"])
    notice = (BUNDLE / "NOTICE").read_text()
    for words in ("Weimar Jazz Database", "ODbL 1.0", "DbCL 1.0", "Inside the Jazzomat",
                  "Pfleiderer", "Schott Campus", corpus["sha256"]):  # fmt: skip
        assert words in notice, f"NOTICE lacks {words!r}"


def test_recorded_database_hash_is_the_shared_copy() -> None:
    """If this fails, the database changed: rebuild the model (scripts/train_default_model.py)."""
    if not WJAZZD.is_file():
        pytest.skip(f"{WJAZZD} is absent (the Weimar Jazz Database is not in the repository)")
    config = json.loads((BUNDLE / "config.json").read_text())
    digest = hashlib.sha256(WJAZZD.read_bytes()).hexdigest()
    assert config["corpus"]["sha256"] == digest, (
        "models/default was trained on a different wjazzd.db: run "
        "`python scripts/train_default_model.py --force`"
    )


def test_metrics_record_baselines_on_the_same_split() -> None:
    metrics = json.loads((BUNDLE / "metrics.json").read_text())
    base = metrics["baselines"]
    assert metrics["split"] == base["split"] == "performers"
    assert base["unigram_nll"] > metrics["val_nll"], "the model does not beat a unigram model"
    assert base["ratio_to_course"] == pytest.approx(metrics["val_nll"] / base["course_preset_nll"])


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
