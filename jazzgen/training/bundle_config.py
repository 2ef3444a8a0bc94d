"""`config.json` of a model bundle as a typed, validated value: `BundleConfig`.

Every field is checked when the file is read (`BundleConfig.from_dict`), so a bad value
fails with one line naming the field, what was expected and what was found, before any of
it is used. `to_dict` writes the keys in the order below; keys this version does not know
are kept in `extra` and written back after the known ones.

    {"format": 1, "model": ModelConfig, "train": TrainConfig, "vocab_hash": sha256,
     "n_values": N, "time_signature": "4/4", "qpm": 120.0, "bar_steps": 48,
     "inputs": [{"path", "sha256"}], "progressions": [[["Dm7", "G7"], ["Cmaj7"]], ...],
     "encode": {...}, "split": {"method", "warnings"}, "notes_per_bar": 6.2 (when
     recorded), "styles": [9 counts] (with the style input), ...extra}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from jazzgen.core import limits
from jazzgen.core.constants import DEFAULT_QPM
from jazzgen.core.errors import BundleError, ConfigError
from jazzgen.core.style import LEVELS
from jazzgen.core.types import TimeSignature
from jazzgen.training.config import ModelConfig, TrainConfig, from_dict

BUNDLE_FORMAT = 1
MAX_PROGRESSION_BARS = 100_000  # chord symbols kept in a bundle, over all pieces
STYLE_COUNT = LEVELS * LEVELS  # styles counted in "styles" (core.style.Style.index)

T = TypeVar("T")


@dataclass(frozen=True)
class InputFile:
    """A training input named in the bundle: its path as given and its content sha256."""

    path: str
    sha256: str


@dataclass(frozen=True)
class SplitInfo:
    """How training split train and validation data ("pieces", "bars", "none")."""

    method: str = "none"
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BundleConfig:
    """Everything a bundle says about how its model was made and how to use it."""

    model: ModelConfig
    train: TrainConfig
    vocab_hash: str
    n_values: int
    time_signature: TimeSignature = field(default_factory=lambda: TimeSignature(4, 4))
    qpm: float = DEFAULT_QPM
    bar_steps: int = 48
    inputs: tuple[InputFile, ...] = ()
    progressions: tuple[tuple[tuple[str, ...], ...], ...] = ()  # per piece, bars of symbols
    encode: Mapping[str, Any] = field(default_factory=dict)  # the encoding settings used
    split: SplitInfo | None = None
    # mean notes per bar of the training data (bars of cut silences not counted); None in
    # bundles made before it was recorded. `generate` resamples solos far below it.
    notes_per_bar: float | None = None
    # with the style input: how many training pieces have each style (core.style.Style
    # .index order, 9 counts); generation draws a solo's style from them. None otherwise.
    styles: tuple[int, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys this version does not know
    format: int = BUNDLE_FORMAT

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of config.json (known keys in a fixed order, then `extra`)."""
        data: dict[str, Any] = {
            "format": self.format,
            "model": asdict(self.model),
            "train": asdict(self.train),
            "vocab_hash": self.vocab_hash,
            "n_values": self.n_values,
            "time_signature": str(self.time_signature),
            "qpm": self.qpm,
            "bar_steps": self.bar_steps,
            "inputs": [asdict(i) for i in self.inputs],
            "progressions": [[list(bar) for bar in piece] for piece in self.progressions],
            "encode": dict(self.encode),
        }
        if self.split is not None:
            data["split"] = {"method": self.split.method, "warnings": list(self.split.warnings)}
        if self.notes_per_bar is not None:
            data["notes_per_bar"] = self.notes_per_bar
        if self.styles is not None:
            data["styles"] = list(self.styles)
        return {**data, **self.extra}

    @classmethod
    def from_dict(cls, data: object, where: str = "config.json") -> BundleConfig:
        """Validate `data` (parsed JSON) field by field; BundleError with one line if bad."""
        if not isinstance(data, dict):
            raise BundleError(f"{where}: expected a JSON object, got {type(data).__name__}")
        if data.get("format") != BUNDLE_FORMAT:
            raise BundleError(
                f"{where}: bundle format must be {BUNDLE_FORMAT}, got {data.get('format')!r}"
            )
        for key in ("model", "train", "vocab_hash", "n_values"):
            if key not in data:
                raise BundleError(f"{where}: missing key {key!r}")
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        n_values = _typed(data, "n_values", int, where, lambda n: n >= 2)
        if n_values > limits.current().vocab:
            raise BundleError(f"{where}: {limits.exceeded('vocab', f'n_values {n_values}')}")
        return cls(
            model=_section(data, "model", ModelConfig, where),
            train=_section(data, "train", TrainConfig, where),
            vocab_hash=_typed(data, "vocab_hash", str, where, _is_sha256),
            n_values=n_values,
            time_signature=_time_signature(data.get("time_signature", "4/4"), where),
            qpm=_typed(data, "qpm", float, where, lambda q: 10 <= q <= 1000, DEFAULT_QPM),
            bar_steps=_typed(data, "bar_steps", int, where, lambda s: 1 <= s <= 100_000, 48),
            inputs=_inputs(data.get("inputs", []), where),
            progressions=_progressions(data.get("progressions", []), where),
            encode=_encode(data.get("encode", {}), where),
            split=_split(data.get("split"), where),
            notes_per_bar=_notes_per_bar(data.get("notes_per_bar"), where),
            styles=_styles(data.get("styles"), where),
            extra={k: v for k, v in data.items() if k not in known},
        )


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _typed(
    data: Mapping[str, Any],
    key: str,
    kind: type[T],
    where: str,
    check: Callable[[Any], bool] | None = None,
    default: Any = None,
) -> T:
    """`data[key]` as `kind` (ints accepted for floats, never bools for numbers)."""
    value = data.get(key, default)
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if ok and kind is float:
        ok = math.isfinite(value)
    if not ok or (check is not None and not check(value)):
        raise BundleError(f"{where}: bad {key!r}: {value!r:.80}")
    return value


def _section(data: Mapping[str, Any], key: str, cls: type[T], where: str) -> T:
    section = data[key]
    if not isinstance(section, dict):
        raise BundleError(f"{where}: {key!r} must be an object, got {section!r:.80}")
    try:
        return from_dict(cls, section)
    except (ConfigError, TypeError) as exc:
        raise BundleError(f"{where}: bad {key!r} section: {exc}") from None


def _time_signature(value: object, where: str) -> TimeSignature:
    try:
        return TimeSignature.parse(value)
    except ConfigError as exc:
        raise BundleError(f"{where}: {exc}") from None


def _inputs(value: object, where: str) -> tuple[InputFile, ...]:
    items = value if isinstance(value, list) else None
    if items is None or not all(
        isinstance(i, dict) and isinstance(i.get("path"), str) and isinstance(i.get("sha256"), str)
        for i in items
    ):
        raise BundleError(f"{where}: 'inputs' must be a list of {{path, sha256}}: {value!r:.80}")
    return tuple(InputFile(i["path"], i["sha256"]) for i in items)


def _progressions(value: object, where: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """A list (per piece) of lists (bars) of lists of chord-symbol strings."""
    bad = BundleError(
        f"{where}: 'progressions' must be a list of pieces, each a list of bars, each a "
        f"list of chord symbols: {value!r:.80}"
    )
    if not isinstance(value, list):
        raise bad
    pieces = []
    count = 0
    for piece in value:
        if not isinstance(piece, list) or not all(isinstance(bar, list) for bar in piece):
            raise bad
        if not all(isinstance(s, str) for bar in piece for s in bar):
            raise bad
        count += len(piece)
        if count > MAX_PROGRESSION_BARS:
            raise BundleError(f"{where}: more than {MAX_PROGRESSION_BARS} progression bars")
        pieces.append(tuple(tuple(bar) for bar in piece))
    return tuple(pieces)


def _number(value: object) -> bool:
    """A finite JSON number (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: object) -> bool:
    return _number(value) and value == int(value)  # type: ignore[call-overload]


_ENCODE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "min_rest_steps": lambda v: _whole(v) and 1 <= v <= 48,
    "chord_span_beats": lambda v: _number(v) and 0.25 <= v <= 64,
    "start_bar": lambda v: v is None or (_whole(v) and v >= 1),
    "end_bar": lambda v: v is None or (_whole(v) and v >= 1),
    "melody_track": lambda v: v is None or (isinstance(v, (str, int)) and not isinstance(v, bool)),
}


def _encode(value: object, where: str) -> dict[str, Any]:
    """The `encode` object: the EncodeOptions used, each known key of its type and range
    (unknown keys are kept: a newer jazzgen may add settings)."""
    if not isinstance(value, dict):
        raise BundleError(f"{where}: 'encode' must be an object, got {value!r:.80}")
    for key, check in _ENCODE_CHECKS.items():
        if key in value and not check(value[key]):
            raise BundleError(f"{where}: bad 'encode' {key!r}: {value[key]!r:.80}")
    return value


def _notes_per_bar(value: object, where: str) -> float | None:
    if value is None:
        return None
    return _typed({"notes_per_bar": value}, "notes_per_bar", float, where, lambda v: 0 <= v <= 1e4)


def _styles(value: object, where: str) -> tuple[int, ...] | None:
    """9 counts of training pieces per style (`core.style.style_counts`), not all 0."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != STYLE_COUNT
        or not all(_whole(v) and v >= 0 for v in value)
        or not sum(value)
    ):
        raise BundleError(
            f"{where}: 'styles' must be {STYLE_COUNT} counts of pieces, not all 0: {value!r:.80}"
        )
    return tuple(int(v) for v in value)


def _split(value: object, where: str) -> SplitInfo | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("method", "none"), str)
        or not isinstance(value.get("warnings", []), list)
    ):
        raise BundleError(f"{where}: 'split' must be {{method, warnings}}: {value!r:.80}")
    return SplitInfo(str(value.get("method", "none")), tuple(map(str, value.get("warnings", []))))
