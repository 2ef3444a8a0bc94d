"""The model bundle: a directory that describes itself, written atomically.

Layout of a bundle directory:
- `model.keras`  : the trained Keras model (loads with `safe_mode=True`; see training.model).
- `weights.npz`  : the same weights as named float32 arrays, for engines without Keras
  (format in training.weights).
- `vocab.json`   : the vocabulary (tokens.vocab); ids are the model's one-hot positions.
- `config.json`  : `{"format": 1, "model": ModelConfig, "train": TrainConfig,
  "vocab_hash", "n_values", "time_signature": "4/4", "qpm", "bar_steps",
  "inputs": [{"path", "sha256"}], "progressions": [[["Dm7", "G7"], ["Cmaj7"]], ...]
  (one list of bars of chord symbols per training piece), "encode": {...}, "split": {...}}`
  (`training.bundle_config.BundleConfig`).
- `history.csv`  : per-epoch losses/metrics (Keras CSVLogger).
- `metrics.json` : final/best losses, per-token NLL/perplexity, counts, timings
  (training.metrics).
- `curves.png`   : loss curves (only when matplotlib is installed).
- `realizer.json`, `performance.json`: the learned realizer, articulation and dynamics
  (jazzgen.performance; only when training learned them: not with the course preset, not
  in older bundles, which then play as the course does).

A bundle is written to a temporary sibling directory and renamed into place, so a crash
never leaves half a bundle; an existing bundle is replaced only when asked (`force`), and
only when it is a bundle (`bundle_dir_problem`): never a folder holding other files.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jazzgen.core.errors import (
    FOLDER_NOT_FOUND,
    BundleError,
    InputFileError,
    OutputError,
    VocabError,
    overwrite_refused,
)
from jazzgen.core.types import TimeSignature
from jazzgen.io.files import read_input_bytes
from jazzgen.io.outputs import cannot_write, make_folder, replace_dir, temporary_folder_beside
from jazzgen.tokens.vocab import Vocab
from jazzgen.training.bundle_config import BundleConfig
from jazzgen.training.config import ModelConfig
from jazzgen.training.weights import WEIGHTS_FILE

BUNDLE_FILES = (
    "model.keras",
    WEIGHTS_FILE,
    "vocab.json",
    "config.json",
    "history.csv",
    "metrics.json",
)
LEARNED_FILES = ("realizer.json", "performance.json", "calibration.json")
"""Written only when training learned them (`jazzgen.performance`,
`generation.calibration`)."""
REQUIRED_FILES = ("model.keras", "vocab.json", "config.json")
MAX_CONFIG_BYTES = 64 * 1024 * 1024  # config.json: 100,000 bars of progressions fit many times
OPTIONAL_FILES = ("curves.png",)


def bundle_dir_problem(directory: str | Path) -> str | None:
    """Why a bundle may not be written over DIR (it is a file, or a folder holding files
    that are not a bundle's), or None: DIR is missing, empty, or holds only bundle files
    (`BUNDLE_FILES`, `LEARNED_FILES`, curves.png) including config.json."""
    directory = Path(directory)
    if not directory.exists() and not directory.is_symlink():
        return None
    if not directory.is_dir():
        return "it is a file, not a model bundle folder"
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        return f"it cannot be listed ({exc.strerror})"
    if not names:
        return None
    ours = (*BUNDLE_FILES, *LEARNED_FILES, *OPTIONAL_FILES)
    foreign = [n for n in names if n not in ours]
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        return f"it holds files that are not part of a model bundle ({shown})"
    if "config.json" not in names:
        return "it is not a model bundle (no config.json)"
    return None


def load_bundle_config(directory: str | Path) -> BundleConfig:
    """Read and validate `config.json` of a bundle (see `training.bundle_config`).

    Raises BundleError when the directory or a required file is missing, the JSON is not
    a bundle config, or a field is bad.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise BundleError(f"{directory}: {FOLDER_NOT_FOUND} (a model bundle)")
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise BundleError(
            f"{directory}: incomplete model bundle, missing {', '.join(missing)} "
            f"(a bundle has {', '.join(BUNDLE_FILES)})"
        )
    where = f"{directory}/config.json"
    try:
        data = json.loads(read_input_bytes(directory / "config.json", MAX_CONFIG_BYTES))
    except InputFileError as exc:
        raise BundleError(f"{where}: {exc.reason}") from None
    except ValueError as exc:
        raise BundleError(f"{where}: not readable JSON ({exc})") from None
    return BundleConfig.from_dict(data, where)


def load_bundle_vocab(directory: str | Path, config: BundleConfig | None = None) -> Vocab:
    """Load `vocab.json` and check it against `config.json` (hash and size).

    Raises BundleError when the files are missing or the vocabulary is not the one the
    model was trained with.
    """
    directory = Path(directory)
    config = load_bundle_config(directory) if config is None else config
    try:
        vocab = Vocab.load(directory / "vocab.json")
    except VocabError as exc:
        raise BundleError(str(exc)) from None  # it names the file
    if vocab.hash != config.vocab_hash:
        raise BundleError(
            f"{directory}: vocab.json (hash {vocab.hash[:12]}) is not the vocabulary the "
            f"model was trained with (config.json vocab_hash {config.vocab_hash[:12]})"
        )
    if len(vocab) != config.n_values:
        raise BundleError(
            f"{directory}: vocab.json has {len(vocab)} tokens, config.json n_values is "
            f"{config.n_values}"
        )
    return vocab


def check_bundle(directory: str | Path) -> tuple[BundleConfig, Vocab]:
    """Config and vocabulary of a bundle, after the consistency checks."""
    config = load_bundle_config(directory)
    return config, load_bundle_vocab(directory, config)


def write_bundle_atomic(
    out: str | Path, fill: Callable[[Path], None], *, force: bool = False
) -> Path:
    """Create the bundle `out`: `fill(tmp_dir)` writes the files, then one rename.

    An existing `out` is refused (BundleError) unless `force`; with `force` it is replaced
    only after the new bundle is complete, and only if it is a bundle or an empty folder
    (OutputError otherwise: `bundle_dir_problem`). The temporary folder is removed when
    anything fails.
    """
    out = Path(out)
    if out.exists() and not force:
        raise BundleError(overwrite_refused(out))
    problem = bundle_dir_problem(out)
    if problem is not None:
        raise OutputError(f"{out}: {problem}: refusing to replace it, even with --force")
    make_folder(out.parent if str(out.parent) else Path("."))
    tmp = temporary_folder_beside(out)
    try:
        try:
            fill(tmp)
        except OSError as exc:  # disk full while saving the model...
            raise cannot_write(out, exc) from None
        replace_dir(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


@dataclass(frozen=True)
class Bundle:
    """A loaded model bundle directory (weights are read by the engines, not here)."""

    path: Path
    vocab: Vocab
    config: BundleConfig = field(repr=False)

    @property
    def model_config(self) -> ModelConfig:
        return self.config.model

    @property
    def n_values(self) -> int:
        return len(self.vocab)

    @property
    def model_path(self) -> Path:
        return self.path / "model.keras"

    @property
    def weights_path(self) -> Path:
        return self.path / WEIGHTS_FILE

    @property
    def time_signature(self) -> TimeSignature:
        """The meter of the training pieces (most of them)."""
        return self.config.time_signature

    @property
    def progressions(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """Per training piece, its bars of chord symbols (may be empty)."""
        return self.config.progressions


def load_bundle(path: str | Path) -> Bundle:
    """Read `vocab.json` and `config.json` of a bundle dir and check they agree
    (`check_bundle`: files present, every config field valid, vocabulary hash and size).

    Raises BundleError when something is missing or does not match.
    """
    root = Path(path)
    config, vocab = check_bundle(root)
    return Bundle(root, vocab, config)
