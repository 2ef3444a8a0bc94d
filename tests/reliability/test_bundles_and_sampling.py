"""Reliability: damaged or hostile model bundles, and sampling that cannot make music.

Every field of config.json and vocab.json is validated before use (one line naming it),
the vocabulary hash is checked before its tokens are parsed, oversized vocabularies and
weights are refused before they are read, wrong shapes are one line in both engines, and
sampling options that cannot produce music are refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from attacks import ROOT, assert_bounded, npy_header_only, one_line_error, run_bounded

from jazzgen.cli import run

pytestmark = pytest.mark.reliability

MODEL = ROOT / "models" / "default"
MODEL_CONFIG = json.loads((MODEL / "config.json").read_text())
N_VALUES, UNITS = MODEL_CONFIG["n_values"], MODEL_CONFIG["model"]["units"]
CONTEXT_WIDTH = 69 if MODEL_CONFIG["model"].get("context_input") else 0  # core.context
CONTEXT_WIDTH += 7 if MODEL_CONFIG["model"].get("tempo_input") else 0  # its tempo
CONTEXT_WIDTH += 21 if MODEL_CONFIG["model"].get("pitch_input") else 0  # core.pitch_context


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the bundled model, free to damage."""
    return Path(shutil.copytree(MODEL, tmp_path / "bundle"))


def _generate(bundle: Path, *extra: str) -> list[str]:
    out = bundle.parent / "solo.mid"
    return ["generate", "--model", str(bundle), "--bars", "2", "--out", str(out), *extra]


def _edit_json(path: Path, **changes: object) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def _write_vocab(bundle: Path, tokens: list, digest: str | None = None, **extra: object) -> None:
    if digest is None:
        digest = hashlib.sha256("\n".join(map(str, tokens)).encode()).hexdigest()
    data = {"format": 1, "hash": digest, "size": len(tokens), "tokens": tokens, **extra}
    (bundle / "vocab.json").write_text(json.dumps(data))


CONFIG_CASES = [
    ({"model": "abc"}, "'model' must be an object"),
    ({"model": {"units": "many"}}, "bad 'model' section: --units must be in range"),
    ({"progressions": 5}, "'progressions' must be a list of pieces"),
    ({"progressions": [[[1, 2]]]}, "'progressions' must be a list of pieces"),
    ({"time_signature": "4/0"}, "bad time signature '4/0'"),
    ({"time_signature": "100000/1"}, "bad time signature '100000/1'"),
    ({"time_signature": "1/64"}, "bad time signature '1/64'"),
    ({"time_signature": 4}, "bad time signature 4"),
    ({"n_values": "x"}, "bad 'n_values'"),
    ({"n_values": 10_000_000}, "n_values 10000000, more than the limit vocab=100000"),
    ({"vocab_hash": 5}, "bad 'vocab_hash'"),
    ({"qpm": "fast"}, "bad 'qpm'"),
    ({"inputs": [1]}, "'inputs' must be a list of {path, sha256}"),
    ({"format": 2}, "bundle format must be 1, got 2"),
    ({"encode": {"min_rest_steps": "abc"}}, "bad 'encode' 'min_rest_steps'"),
    ({"encode": {"min_rest_steps": float("inf")}}, "bad 'encode' 'min_rest_steps'"),
    ({"encode": 7}, "'encode' must be an object"),
    ({"styles": [1, 2, 3]}, "'styles' must be 9 counts of pieces, not all 0"),
    ({"styles": [0] * 9}, "'styles' must be 9 counts of pieces, not all 0"),
    ({"styles": [1.5] + [0] * 8}, "'styles' must be 9 counts of pieces, not all 0"),
    ({"styles": [-1, 2] + [0] * 7}, "'styles' must be 9 counts of pieces, not all 0"),
]


@pytest.mark.parametrize(("changes", "message"), CONFIG_CASES)
def test_config_json_is_validated_field_by_field(bundle: Path, capsys, changes, message) -> None:
    _edit_json(bundle / "config.json", **changes)
    assert run(_generate(bundle)) == 1
    assert message in one_line_error(capsys.readouterr().err)


def test_config_json_that_is_not_an_object(bundle: Path, capsys) -> None:
    (bundle / "config.json").write_text("[1, 2]")
    assert run(_generate(bundle)) == 1
    assert "expected a JSON object, got list" in one_line_error(capsys.readouterr().err)


VOCAB_CASES = [
    ({"tokens": 5}, "'tokens' must be a list of token texts"),
    ({"tokens": [1, 2]}, "'tokens' must be a list of token texts"),
    ({"hash": 5}, "'hash' must be a sha256 hex string"),
    ({"size": 3}, f"'size' is 3 but there are {N_VALUES} tokens"),
    ({"format": "one"}, "vocabulary format must be 1"),
]


@pytest.mark.parametrize(("changes", "message"), VOCAB_CASES)
def test_vocab_json_is_validated_field_by_field(bundle: Path, capsys, changes, message) -> None:
    _edit_json(bundle / "vocab.json", **changes)
    assert run(_generate(bundle)) == 1
    assert message in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("C," + "1" * 400, "expected a text of at most 64 characters"),
        ("C," + "9" * 40, "duration must be at most 256 quarter notes"),
        ("C,1.000,<M997,m2>", "an interval window reaches at most 130 semitones"),
    ],
)
def test_absurd_tokens_with_a_matching_hash(bundle: Path, capsys, token, message) -> None:
    _write_vocab(bundle, sorted(["R,1.000", token]))
    assert run(_generate(bundle)) == 1
    assert message in one_line_error(capsys.readouterr().err)


def test_oversized_vocabularies_are_refused_before_parsing(bundle: Path, capsys) -> None:
    tokens = sorted(f"C,0.250,<M{i},m-2>" for i in range(2, 200_002))
    _write_vocab(bundle, tokens)
    assert run(_generate(bundle)) == 1
    assert "200000 tokens, more than the limit vocab=100000" in one_line_error(
        capsys.readouterr().err
    )
    with (bundle / "vocab.json").open("r+b") as handle:  # ten million tokens' worth of bytes
        handle.truncate(300 * 1024 * 1024)
    outcome = run_bounded(_generate(bundle))
    assert "more than the limit vocab=100000" in one_line_error(outcome.err)
    assert_bounded(outcome)


def test_weights_that_would_take_gigabytes_are_refused_unread(bundle: Path) -> None:
    with zipfile.ZipFile(bundle / "weights.npz", "a") as archive:
        archive.writestr("huge.npy", npy_header_only((30_000, 25_000)))  # 3 GB of float32
    outcome = run_bounded(_generate(bundle))
    line = one_line_error(outcome.err)
    assert re.search(r"weights of 28\d\d MB, more than the limit weights-mb=512", line), line
    assert_bounded(outcome)


def test_a_keras_model_larger_than_its_config_is_refused_unbuilt(bundle: Path) -> None:
    (bundle / "weights.npz").unlink()  # the Keras model is then what is read
    path = bundle / "model.keras"
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    for layer in config["config"]["layers"]:
        if layer["config"]["name"] == "rnn_0":
            layer["config"]["units"] = 30_000  # 13 GB of weights once built
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    outcome = run_bounded([*_generate(bundle), "--engine", "keras"])
    line = one_line_error(outcome.err)
    assert f"layer rnn_0 has 30000 units, config.json says {UNITS}" in line
    assert_bounded(outcome)


def test_wrong_weight_shapes_are_one_line_in_both_engines(bundle: Path, capsys) -> None:
    arrays = dict(np.load(bundle / "weights.npz"))
    arrays["output/bias"] = arrays["output/bias"][:-1]
    np.savez(bundle / "weights.npz", **arrays)
    assert run(_generate(bundle)) == 1
    assert f"output bias has shape ({N_VALUES - 1},), expected ({N_VALUES},)" in one_line_error(
        capsys.readouterr().err
    )
    # the Keras model has the chord input; a config that says it has none
    config = json.loads((bundle / "config.json").read_text())
    config["model"]["chord_input"] = False
    (bundle / "config.json").write_text(json.dumps(config))
    assert run([*_generate(bundle), "--engine", "keras"]) == 1
    line = one_line_error(capsys.readouterr().err)
    found, expected = N_VALUES + 24 + CONTEXT_WIDTH, N_VALUES + CONTEXT_WIDTH
    assert (
        f"rnn_0 kernel has shape ({found}, {4 * UNITS}), expected ({expected}, 4 x {UNITS})" in line
    )


def test_nan_weights_are_refused(bundle: Path, capsys) -> None:
    arrays = dict(np.load(bundle / "weights.npz"))
    arrays["rnn_0/kernel"] = np.full_like(arrays["rnn_0/kernel"], np.nan)
    np.savez(bundle / "weights.npz", **arrays)
    assert run(_generate(bundle)) == 1
    assert "rnn_0/kernel hold NaN or inf" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("temperature", ["5e-324", "0.001", "1e308", "nan"])
def test_temperatures_that_cannot_make_music(tmp_path: Path, capsys, temperature) -> None:
    args = ["generate", "--bars", "2", "--out", str(tmp_path / "s.mid")]
    assert run([*args, "--temperature", temperature]) == 1
    assert "temperature must be 0 (greedy) or in range 0.05..5" in one_line_error(
        capsys.readouterr().err
    )
    assert not (tmp_path / "s.mid").exists()


def test_greedy_and_extreme_but_valid_sampling_make_notes(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s.mid"
    for extra in (["--temperature", "0"], ["--temperature", "0.05", "--top-p", "1e-9"]):
        assert run(["generate", "--bars", "4", "--out", str(out), "--force", "--json", *extra]) == 0
        assert json.loads(capsys.readouterr().out)["notes"] > 0


def test_a_silent_solo_is_an_error(bundle: Path, capsys) -> None:
    arrays = dict(np.load(bundle / "weights.npz"))
    vocab = json.loads((bundle / "vocab.json").read_text())["tokens"]
    bias = np.full(len(vocab), -50.0, np.float32)
    bias[[i for i, t in enumerate(vocab) if t.startswith("R,")]] = 50.0  # rests only
    arrays["output/bias"] = bias
    arrays["output/kernel"] = np.zeros_like(arrays["output/kernel"])
    np.savez(bundle / "weights.npz", **arrays)
    assert run(_generate(bundle, "--candidates", "3")) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "the model generated no notes in 2 bars" in line
    assert not (bundle.parent / "solo.mid").exists()
