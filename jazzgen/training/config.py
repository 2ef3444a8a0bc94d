"""Frozen configuration dataclasses and presets, shared by train and generate.

The final config is written into every bundle (`config.json`) and read back by generate,
so encoding and hyperparameters cannot drift between stages.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from jazzgen.core.context import (
    BASE_CONTEXT_FEATURES,
    CONTEXT_FEATURES,
    TEMPO_CONTEXT_FEATURES,
)
from jazzgen.core.errors import ConfigError
from jazzgen.core.harmony import CHORD_FEATURES
from jazzgen.core.pitch_context import PITCH_FEATURES

CELLS = ("lstm", "gru")
ARCHS = ("fused", "course")
STRATEGIES = ("default", "mirrored", "multiworker")
VAL_BY = ("piece", "performer")  # corpus.dataset.SPLIT_BY
REALIZERS = ("uniform", "learned")  # jazzgen.performance.realizer
ARTICULATIONS = ("legato", "learned")  # jazzgen.performance.articulation


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(f"{name} must be in range {low}..{high}, got {value}")


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


@dataclass(frozen=True)
class ModelConfig:
    """Network shape. Layer names in the Keras model are fixed (see training.model)."""

    tx: int = 30  # window length in tokens
    units: int = 64  # n_a: LSTM/GRU units per layer
    layers: int = 1  # stacked recurrent layers
    dropout: float = 0.0  # dropout after each recurrent layer
    cell: str = "lstm"  # lstm | gru
    arch: str = "fused"  # fused (LSTM over the sequence) | course (shared cell, unrolled)
    chord_input: bool = False  # second input: chord features per step (harmony.chord_features)
    context_input: bool = False  # input "context": position in bar and form, next chord
    # (core.context.context_features); absent in older bundles = off
    pitch_input: bool = False  # input "pitch": the last pitch over the chord and in its
    # register (core.pitch_context.pitch_features); absent in older bundles = off
    tempo_input: bool = False  # the context input ends with the piece's tempo
    # (core.context); needs context_input. Absent in older bundles = off
    style_input: bool = False  # ... then with the piece's style (core.style: density for
    # its tempo, how far outside); needs tempo_input. Absent in older bundles = off
    factored: bool = False  # read and predict tokens through their parts (duration, shape;
    # training.model); folded into the plain layers in the bundle. Absent in older = off
    unroll: bool = False  # unroll the fused loop in the graph: ~2x faster steps on CPU, 2x
    # slower graph build; no net gain on the course preset (same weights; course arch ignores)

    def __post_init__(self) -> None:
        _check_range("--tx", self.tx, 2, 4096)
        _check_range("--units", self.units, 1, 4096)
        _check_range("--layers", self.layers, 1, 8)
        _check_range("--dropout", self.dropout, 0.0, 0.9)
        _check_choice("--cell", self.cell, CELLS)
        _check_choice("--arch", self.arch, ARCHS)
        if self.arch == "course" and (self.layers != 1 or self.cell != "lstm"):
            raise ConfigError("--arch course is one shared LSTM cell: use --layers 1 --cell lstm")
        if self.arch == "course" and self.factored:
            raise ConfigError("--arch course reads whole tokens: use --no-factored")
        if self.tempo_input and not self.context_input:
            raise ConfigError("--tempo-input is part of the context input: add --context-input")
        if self.style_input and not self.tempo_input:
            raise ConfigError("--style-input follows the tempo in the context: add --tempo-input")

    @property
    def context_width(self) -> int:
        """Columns of the context input (`core.context`): with the tempo and the style,
        the tempo only, or neither."""
        if not self.context_input:
            return 0
        if self.style_input:
            return CONTEXT_FEATURES
        return TEMPO_CONTEXT_FEATURES if self.tempo_input else BASE_CONTEXT_FEATURES

    @property
    def feature_width(self) -> int:
        """Inputs of `rnn_0` after the one-hot token: the chord features (with
        `chord_input`), then the context features (with `context_input`), then the pitch
        features (with `pitch_input`)."""
        return (
            CHORD_FEATURES * self.chord_input
            + self.context_width
            + PITCH_FEATURES * self.pitch_input
        )


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and data settings."""

    epochs: int = 100
    batch_size: int = 32
    lr: float = 0.01  # Adam learning rate
    lr_decay: float = 0.01  # inverse-time decay per optimizer step (course: 0.01)
    clipnorm: float = 1.0  # gradient clipping by global norm
    val_fraction: float = 0.1  # share of pieces (or bars of a single piece) held out
    val_by: str = "piece"  # hold out whole pieces, or whole performers ("performer")
    patience: int = 20  # EarlyStopping on val_loss (0 = off)
    seed: int = 0
    strategy: str = "default"  # default | mirrored | multiworker
    steps_per_execution: int = 10  # batches per compiled call (per-step overhead dominates)
    jit_compile: bool = False  # XLA; measured slower to build than it saves on 2 CPU cores
    windows_per_epoch: int = 0  # 0 = every window each epoch; else a fresh random subset
    # How the tokens are played (fitted on the training pieces after the network; absent in
    # older bundles, which read as the course's): "uniform" pitch choice in a token's window
    # or a "learned" realizer (realizer.json); "legato" notes at one velocity or "learned"
    # articulation and dynamics (performance.json).
    realizer: str = "uniform"
    articulation: str = "legato"
    max_rest_bars: int = 0  # a run of more than this many all-rest bars is cut out of the
    # windows (corpus.dataset.cut_silences); 0 = keep every silence (older bundles)
    calibration_rounds: int = 0  # rounds of decoding calibration after training
    # (generation.calibration: calibration.json); 0 = none (older bundles)

    def __post_init__(self) -> None:
        _check_range("--epochs", self.epochs, 1, 100_000)
        _check_range("--batch-size", self.batch_size, 1, 65_536)
        _check_range("--lr", self.lr, 1e-7, 10.0)
        _check_range("lr_decay", self.lr_decay, 0.0, 100.0)
        _check_range("clipnorm", self.clipnorm, 0.0, 1e6)
        _check_range("--val-fraction", self.val_fraction, 0.0, 0.9)
        _check_choice("--val-by", self.val_by, VAL_BY)
        _check_range("--patience", self.patience, 0, 100_000)
        _check_range("--seed", self.seed, 0, 2**32 - 1)
        _check_choice("--strategy", self.strategy, STRATEGIES)
        _check_range("steps_per_execution", self.steps_per_execution, 1, 100_000)
        _check_range("--windows-per-epoch", self.windows_per_epoch, 0, 10**9)
        _check_choice("--realizer", self.realizer, REALIZERS)
        _check_choice("--articulation", self.articulation, ARTICULATIONS)
        _check_range("--max-rest-bars", self.max_rest_bars, 0, 10**6)
        _check_range("--calibration-rounds", self.calibration_rounds, 0, 20)


PRESETS: dict[str, tuple[ModelConfig, TrainConfig]] = {
    # The course assignment: n_a 64, Tx 30, Adam lr 0.01 with decay 0.01 (Keras 2
    # `Adam(decay=0.01)`), no gradient clipping, batch 32, 100 epochs, no early stopping,
    # and 60 training windows (the course's X had shape (60, 30, n_values)): here a fresh
    # random 60 of all windows each epoch, so 2 batches per epoch as in the course.
    "course": (ModelConfig(), TrainConfig(clipnorm=0.0, patience=0, windows_per_epoch=60)),
    # Ours (tuned with scripts/bench_train.py on original_metheny.mid, last 10% of bars held
    # out): chord input, one wide LSTM with dropout, longer windows, early stopping that
    # keeps the best epoch. Held-out NLL 0.61-0.64x the course preset's in about 45 s on 2
    # cores; two 128-unit layers (0.8-0.9x) and GRU (0.79x) did worse, no chord input 0.95x.
    # Issue 12: the context input (where in the bar and form, the next chord), runs of more
    # than one all-rest bar cut out of the windows (scripts/bench_silence.py), and pitches,
    # articulation and dynamics learned from the corpus. Then the pitch input (where the
    # line's last pitch sits over the chord and in its register): held-out NLL 0.92x on
    # original_metheny.mid with the README tour's small settings (scripts/bench_silence.py),
    # 0.93x on WJazzD's held-out players at the same budget (scripts/train_default_model.py).
    # Then factored (tokens read and predicted through their duration and shape): 0.84x on
    # original_metheny.mid with the small settings (0.610 vs 0.723, scripts/bench_silence.py).
    # Then the tempo (with the context input): solos' density follows the tempo as players'
    # does (notes per beat against log tempo: -0.84 vs -0.09 without, real -0.87; README).
    "default": (
        ModelConfig(
            tx=64,
            units=256,
            layers=1,
            dropout=0.3,
            chord_input=True,
            context_input=True,
            pitch_input=True,
            tempo_input=True,
            factored=True,
        ),
        TrainConfig(
            epochs=60,
            batch_size=32,
            lr=0.003,
            lr_decay=0.0,
            patience=8,
            max_rest_bars=1,
            realizer="learned",
            articulation="learned",
            calibration_rounds=3,
        ),
    ),
}


def preset(name: str) -> tuple[ModelConfig, TrainConfig]:
    if name not in PRESETS:
        raise ConfigError(f"--preset must be one of {', '.join(PRESETS)}, got {name!r}")
    return PRESETS[name]


def override(config: Any, **changes: Any) -> Any:
    """`dataclasses.replace` that ignores None values (options the user did not give)."""
    return replace(config, **{k: v for k, v in changes.items() if v is not None})


def to_dict(config: Any) -> dict[str, Any]:
    return asdict(config)


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Build `cls` from a dict, rejecting unknown keys with a clear message."""
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} keys: {', '.join(sorted(unknown))}")
    return cls(**data)
