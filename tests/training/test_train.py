"""`jazzgen train`: bundle contents, refusals, seeds, SIGKILL + --resume, MirroredStrategy."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras")

from jazzgen.cli import run
from jazzgen.core.errors import BundleError
from jazzgen.core.style import Style
from jazzgen.corpus import dataset
from jazzgen.corpus.store import load_corpus, save_corpus
from jazzgen.tokens.vocab import Vocab
from jazzgen.training.bundle import BUNDLE_FILES, check_bundle, load_bundle_config
from jazzgen.training.config import ModelConfig, TrainConfig

TINY = ["--tx", "8", "--units", "8", "--batch-size", "16", "--quiet"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    """A preprocessed corpus of 3 synthetic pieces (96 tokens each)."""
    directory = tmp_path_factory.mktemp("corpus")
    save_corpus(directory, dataset.synthetic_pieces(3, bars=16, seed=0), {"files": [], "ok": 3})
    return directory


def _history(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_train_writes_a_valid_bundle_and_refuses_to_overwrite(corpus_dir, tmp_path, capsys):
    out = tmp_path / "bundle"
    args = ["train", str(corpus_dir), "--out", str(out), "--epochs", "2", *TINY]
    assert run([*args, "--chord-input", "--layers", "2", "--dropout", "0.1"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}: 2 epochs" in printed and "; decoding calibrated in " in printed
    # the default preset calibrates; this corpus keeps no pitches: no realizer.json, ...
    expected = [*BUNDLE_FILES, "curves.png", "calibration.json"]
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)
    _assert_weights_npz_matches_model_keras(out, layers=2)
    assert not (tmp_path / "bundle.partial").exists()
    config, vocab = check_bundle(out)
    assert config.model.tx == 8 and config.model.chord_input is True
    assert config.n_values == len(vocab) and config.bar_steps == 48
    assert str(config.time_signature) == "4/4" and len(config.inputs) == 3
    assert config.progressions[0][:2] == (("Dm7", "G7"), ("Cmaj7",))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_run"] == 2 and metrics["split"] == "pieces"
    assert metrics["val"]["tokens_scored"] == 95 and metrics["val_nll"] > 0
    assert [row["epoch"] for row in _history(out / "history.csv")] == ["0", "1"]

    assert run(args) == 1
    assert "exists: pass --force to overwrite it" in capsys.readouterr().err
    assert run([*args, "--force", "--epochs", "1"]) == 0
    assert json.loads((out / "metrics.json").read_text())["epochs_run"] == 1

    (out / "vocab.json").write_text(Vocab(("R,1.000",)).to_json())
    with pytest.raises(BundleError, match="not the vocabulary the model was trained with"):
        check_bundle(out)
    (out / "model.keras").unlink()
    with pytest.raises(BundleError, match=r"missing model\.keras"):
        load_bundle_config(out)


def test_train_with_context_input_and_silence_cutting(corpus_dir, tmp_path, capsys):
    out = tmp_path / "ctx"
    args = ["train", str(corpus_dir), "--out", str(out), "--epochs", "1", *TINY]
    assert run([*args, "--chord-input", "--context-input", "--max-rest-bars", "1"]) == 0
    config, vocab = check_bundle(out)
    assert config.model.context_input and config.train.max_rest_bars == 1
    assert config.model.tempo_input  # the default preset's: the context ends with the tempo
    assert config.model.feature_width == 24 + 76
    assert config.notes_per_bar is not None and config.notes_per_bar > 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["silence_cut"] == {"max_rest_bars": 1, "runs": 0, "bars": 0, "tokens": 0}
    kernel = np.load(out / "weights.npz")["rnn_0/kernel"]
    assert kernel.shape[0] == len(vocab) + 24 + 76
    capsys.readouterr()
    assert run(["generate", "--model", str(out), "--chords", "Dm7 G7 | Cmaj7", "--bars", "4",
                "--out", str(tmp_path / "s.mid")]) == 0  # fmt: skip


def test_train_with_the_style_input_records_the_training_styles(corpus_dir, tmp_path, capsys):
    from jazzgen.core.style import style_counts

    out = tmp_path / "style"
    args = ["train", str(corpus_dir), "--out", str(out), "--epochs", "1", *TINY]
    assert run([*args, "--chord-input", "--context-input", "--style-input"]) == 0
    config, vocab = check_bundle(out)
    assert config.model.style_input and config.model.feature_width == 24 + 80
    assert np.load(out / "weights.npz")["rnn_0/kernel"].shape[0] == len(vocab) + 24 + 80
    pieces = load_corpus(corpus_dir)
    split = dataset.split_pieces(pieces, vocab, val_fraction=config.train.val_fraction, tx=8,
                                 seed=config.train.seed, by=config.train.val_by)  # fmt: skip
    trained = {s.source for s in split.train}
    expected = style_counts([dataset.piece_style(p) for p in pieces if p.source in trained])
    assert config.styles == expected and 1 <= sum(expected) < len(pieces)
    capsys.readouterr()
    assert run(["generate", "--model", str(out), "--chords", "Dm7 G7 | Cmaj7", "--bars", "4",
                "--density", "sparse", "--out", str(tmp_path / "s.mid")]) == 0  # fmt: skip
    assert "style sparse, " in capsys.readouterr().out


def test_train_with_pitch_input(midi_file, corpus_dir, tmp_path, capsys):
    """--pitch-input: the kernel takes the 21 pitch features after the chord and context
    ones, the windows carry where the line was, and the bundle generates. A corpus
    without pitches cannot teach it: a one-line error."""
    from conftest import block_chords, note_track, scale_melody

    from jazzgen.corpus.preprocess import encode_file

    chords = block_chords([[50, 53, 57, 60], [43, 47, 50, 53], [48, 52, 55, 59]] * 4)
    tracks = [note_track(scale_melody(12)), note_track(chords, name="Piano", program=0, channel=1)]
    path = midi_file("tune.mid", tracks=tracks)
    out = tmp_path / "pitch"
    args = ["train", str(path), "--out", str(out), "--epochs", "1", "--jobs", "1", *TINY]
    assert (
        run([*args, "--chord-input", "--context-input", "--no-tempo-input", "--pitch-input"]) == 0
    )
    config, vocab = check_bundle(out)  # the context without the tempo, as older bundles
    assert config.model.pitch_input and config.model.feature_width == 24 + 69 + 21
    kernel = np.load(out / "weights.npz")["rnn_0/kernel"]
    assert kernel.shape[0] == len(vocab) + 24 + 69 + 21
    piece = encode_file(path)
    segment = dataset.encode_segment(
        piece.bars, vocab, piece.source, piece.time_signature, qpm=piece.qpm, style=Style()
    )
    assert segment.pitch.shape == (len(segment), 21)
    sounded = segment.pitch[:, 20] == 0
    assert sounded.sum() > len(segment) // 2
    assert (segment.pitch[sounded, :12].sum(axis=1) == 1).all()
    capsys.readouterr()
    assert run(["generate", "--model", str(out), "--chords", "Dm7 G7 | Cmaj7", "--bars", "4",
                "--out", str(tmp_path / "s.mid")]) == 0  # fmt: skip
    no_pitches = ["train", str(corpus_dir), "--out", str(tmp_path / "np"), *TINY]
    assert run([*no_pitches, "--pitch-input"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Error: --pitch-input" in err
    assert not (tmp_path / "np").exists()
    # the default preset asks for the pitch input: without pitches it trains without, warned
    assert run([*no_pitches, "--epochs", "1"]) == 0
    assert "training without the pitch input" in capsys.readouterr().err
    assert not check_bundle(tmp_path / "np")[0].model.pitch_input


def test_a_factored_model_is_written_as_a_plain_bundle(corpus_dir, tmp_path, capsys):
    """--factored trains through the tokens' parts; the bundle holds the plain layers
    (folded), which score the validation tokens as the trained model did."""
    import keras

    from jazzgen.training.metrics import token_nll

    out = tmp_path / "factored"
    args = ["train", str(corpus_dir), "--out", str(out), "--epochs", "2", *TINY]
    assert run([*args, "--chord-input", "--factored", "--lr", "0.03"]) == 0
    config, vocab = check_bundle(out)
    assert config.model.factored
    _assert_weights_npz_matches_model_keras(out, layers=1)
    assert np.load(out / "weights.npz")["output/kernel"].shape == (8, len(vocab))
    split = dataset.split_pieces(
        load_corpus(corpus_dir), vocab, val_fraction=config.train.val_fraction, tx=8,
        seed=config.train.seed, by=config.train.val_by, max_rest_bars=config.train.max_rest_bars,
    ).with_context_width(config.model.context_width)  # fmt: skip
    model = keras.saving.load_model(out / "model.keras", safe_mode=True)
    score = token_nll(model, split.val, tx=8, n_values=len(vocab), chord_input=True,
                      context_input=config.model.context_input)  # fmt: skip
    metrics = json.loads((out / "metrics.json").read_text())
    assert score is not None and score.nll == pytest.approx(metrics["val_nll"], rel=1e-5)
    capsys.readouterr()
    assert run(["train", str(corpus_dir), "--out", str(tmp_path / "c"), "--arch", "course",
                "--factored", *TINY]) == 1  # fmt: skip
    assert "Error: --arch course reads whole tokens" in capsys.readouterr().err


def _assert_weights_npz_matches_model_keras(bundle: Path, layers: int) -> None:
    import keras

    from jazzgen.training.weights import load_weights, weight_names

    arrays = load_weights(bundle / "weights.npz", layers)
    model = keras.saving.load_model(bundle / "model.keras", safe_mode=True)
    assert list(arrays) == weight_names(layers)
    for name, array in arrays.items():
        layer, variable = name.split("/")
        (weight,) = [w for w in model.get_layer(layer).weights if w.path.endswith(f"/{variable}")]
        assert array.dtype == np.float32
        np.testing.assert_array_equal(array, weight.numpy(), err_msg=name)


def test_weights_npz_holds_the_weights_of_model_keras(tmp_path):
    from jazzgen.training.train import train

    pieces = dataset.synthetic_pieces(2, bars=8, seed=2)
    vocab = Vocab.from_tokens(t for p in pieces for b in p.bars for t in b.tokens)
    model_config = ModelConfig(tx=8, units=8, layers=2, cell="gru", chord_input=True)
    train_config = TrainConfig(epochs=1, batch_size=8, val_fraction=0)
    result = train(pieces, vocab, model_config, train_config, tmp_path / "gru", verbose=0)
    _assert_weights_npz_matches_model_keras(result.out, layers=2)


def test_importing_train_is_quiet_by_itself():
    """No TensorFlow C++ start-up lines, without calling tf_runtime.import_tensorflow first."""
    env = {k: v for k, v in _env().items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = "import jazzgen.training.train, jazzgen.training.checkpoint; print('ok')"
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0 and proc.stdout == "ok\n"
    assert proc.stderr == ""


def test_corpus_too_small_for_tx_is_an_error(tmp_path, capsys):
    directory = tmp_path / "small"
    save_corpus(directory, dataset.synthetic_pieces(1, bars=2), {"files": [], "ok": 1})
    code = run(["train", str(directory), "--out", str(tmp_path / "b"), "--preset", "course"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "Error: corpus has 12 tokens; Tx=30 needs at least 31 in the training part" in err


def test_same_seed_same_history(tmp_path):
    from jazzgen.training.train import train

    pieces = dataset.synthetic_pieces(3, bars=8, seed=1)
    vocab = Vocab.from_tokens(t for p in pieces for b in p.bars for t in b.tokens)
    model_config = ModelConfig(tx=8, units=8, dropout=0.1, chord_input=True)
    train_config = TrainConfig(epochs=2, batch_size=8, seed=5)
    a = train(pieces, vocab, model_config, train_config, tmp_path / "a", verbose=0)
    b = train(pieces, vocab, model_config, train_config, tmp_path / "b", verbose=0)
    assert a.history == b.history and len(a.history) == 2


def _env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}


def test_sigkill_then_resume_gives_a_complete_history(corpus_dir, tmp_path):
    out = tmp_path / "run"
    epochs = 60
    args = [sys.executable, "-m", "jazzgen", "train", str(corpus_dir), "--out", str(out)]
    args += ["--preset", "course", "--epochs", str(epochs), "--patience", "0", *TINY]
    args += ["--windows-per-epoch", "0"]  # every window: epochs long enough to kill mid-run
    proc = subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    history = tmp_path / "run.partial" / "history.csv"
    deadline = time.monotonic() + 60
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if history.is_file():
            seen = len(_history(history))
            if seen >= 2:
                break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed: raise epochs"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    state = json.loads((tmp_path / "run.partial" / "state.json").read_text())
    assert state["epoch"] >= seen - 2  # at most the epoch in progress is lost

    resumed = subprocess.run([*args, "--resume"], env=_env(), capture_output=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    rows = _history(out / "history.csv")
    assert [int(r["epoch"]) for r in rows] == list(range(epochs))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_run"] == epochs and metrics["resumed_from_epoch"] == state["epoch"] + 1
    assert not (tmp_path / "run.partial").exists()
    # same weights, optimizer state and per-epoch data order: the uninterrupted run's history
    assert run(["train", str(corpus_dir), "--out", str(tmp_path / "straight"), *args[7:]]) == 0
    straight = _history(tmp_path / "straight" / "history.csv")
    for row, ref in zip(rows, straight, strict=True):
        assert float(row["loss"]) == pytest.approx(float(ref["loss"]), rel=1e-5)


def test_mirrored_strategy_on_two_logical_cpus(corpus_dir, tmp_path):
    script = textwrap.dedent(
        f"""
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from jazzgen.training import train
        from jazzgen.training.config import ModelConfig, TrainConfig
        from jazzgen.corpus.store import load_corpus, load_vocab
        assert train.make_strategy("mirrored").num_replicas_in_sync == 2
        pieces = load_corpus({str(corpus_dir)!r})
        result = train.train(
            pieces, load_vocab({str(corpus_dir)!r}), ModelConfig(tx=8, units=8),
            TrainConfig(epochs=1, batch_size=16, strategy="mirrored"),
            {str(tmp_path / "m")!r}, verbose=0)
        print("epochs", result.metrics["epochs_run"], result.metrics["val_nll"] > 0)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], env=_env(), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "epochs 1 True" in proc.stdout
    assert (tmp_path / "m" / "model.keras").is_file()


def test_train_on_midi_files_with_bar_range(midi_file, tmp_path, capsys):
    from conftest import block_chords, note_track, scale_melody

    chords = block_chords([[50, 53, 57, 60], [43, 47, 50, 53], [48, 52, 55, 59]] * 4)
    path = midi_file(
        "tune.mid",
        tracks=[
            note_track(scale_melody(12)),
            note_track(chords, name="Piano", program=0, channel=1),
        ],
    )
    out = tmp_path / "midi_bundle"
    args = ["train", str(path), "--out", str(out), "--epochs", "1", "--jobs", "1", *TINY]
    assert run([*args, "--start-bar", "2", "--end-bar", "11", "--val-fraction", "0"]) == 0
    config = load_bundle_config(out)
    assert config.encode["start_bar"] == 2 and config.encode["end_bar"] == 11
    assert len(config.progressions[0]) == 10 and config.inputs[0].path == str(path)
    assert run(["train", str(tmp_path / "missing.mid"), "--out", str(tmp_path / "x")]) == 1
    assert "Error: " in capsys.readouterr().err
