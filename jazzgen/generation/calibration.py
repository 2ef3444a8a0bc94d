"""Decoding calibration: the token classes a model plays on its own, matched to its data.

A model trained by teacher forcing predicts each token from the real tokens before it; at
generation it is fed its own. Its small errors compound, so the lines it plays drift
from the lines it learned: on WJazzD's held-out players, the bundled model's solos rest
more often and more briefly than the players and play some durations and note types more
than its training solos do, though under teacher forcing the same classes are calibrated.

Calibration measures the drift and corrects it where it shows. Tokens fall into classes
(`token_class`: the note type, chord / scale / approach / other or rest, by one of
`N_DURATION_CLASSES` duration classes, `DURATION_CLASS_EDGES` in grid steps, by whether
the duration lies on the sixteenth-note grid or is a triplet's). The model
generates `CALIBRATION_SOLOS` solos of `CALIBRATION_BARS` bars over its training
progressions at its training pieces' tempi, `CALIBRATION_BATCH` over each progression
(`fit_calibration`, `generation.generate.calibration_player`); each class's share of the
generated tokens is compared with its share of the training tokens, and a bias of
log(training share / generated share) (damped by `DAMPING`, at most `MAX_STEP` per round)
is added to the log-probability of every token of the class. After `rounds` rounds the
generated shares are close to the training shares (on WJazzD, total variation 0.15 ->
0.05, about the spread between rounds).

Generation adds the bias before the sampling rules (`decode(..., bias=)`); the scores of
candidates and `jazzgen evaluate --model` stay the model's own probabilities. A bundle
holds it as `calibration.json` (`save_calibration` / `load_calibration`; format in
docs/formats.md); without one, or with `jazzgen generate --uncalibrated`, tokens are drawn
from the network as trained.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jazzgen.core.errors import BundleError
from jazzgen.core.harmony import NoteType
from jazzgen.io.files import checked_format, read_bundle_json
from jazzgen.io.outputs import write_json_atomic
from jazzgen.tokens.grammar import Token
from jazzgen.tokens.vocab import Vocab

CALIBRATION_FILE = "calibration.json"
CALIBRATION_FORMAT = 1
KINDS = (NoteType.REST, NoteType.CHORD, NoteType.SCALE, NoteType.APPROACH, NoteType.OTHER)
DURATION_CLASS_EDGES = (3, 6, 9, 12, 18, 24, 36, 48)
"""Grid steps (12 per quarter note) where a duration class starts: below a sixteenth, to
an eighth triplet, an eighth, a dotted eighth, a quarter, a dotted quarter, a half, a
dotted half, then a whole bar of 4/4 and longer."""
N_DURATION_CLASSES = len(DURATION_CLASS_EDGES) + 1
GRID = 3  # grid steps of a sixteenth note: a duration not a multiple of it is off the grid
N_CLASSES = len(KINDS) * N_DURATION_CLASSES * 2
CALIBRATION_SOLOS = 120  # solos generated per round
CALIBRATION_BARS = 16  # bars of each (120 x 16 bars: ~15,000 tokens a round)
CALIBRATION_BATCH = 1  # solos decoded together over one progression (and one tempo): 10
# fits in a third of the time, but over 12 progressions and tempi a round instead of 120 the
# bias fits the tempi worse (WJazzD held out: classifier 0.747 vs 0.736, notes per beat
# against log tempo -0.62 vs -0.82)
DAMPING = 0.7
MAX_STEP = 1.0  # nats a class's bias moves in one round
MIN_SHARE = 1e-5  # shares below this count as this (classes neither set plays get no bias)


def token_class(token: Token) -> int:
    """The token's class: (kind x N_DURATION_CLASSES + duration class) x 2 + 1 when its
    duration is off the sixteenth-note grid (a triplet's), else + 0 (module doc)."""
    duration = int(np.searchsorted(DURATION_CLASS_EDGES, token.duration, side="right"))
    return (KINDS.index(token.type) * N_DURATION_CLASSES + duration) * 2 + (
        token.duration % GRID != 0
    )


def vocab_classes(vocab: Vocab) -> np.ndarray:
    """`(len(vocab),)` int: the class of every token id."""
    return np.array([token_class(vocab.token_of(i)) for i in range(len(vocab))], np.int64)


def class_shares(tokens: Sequence[Token]) -> np.ndarray:
    """`(N_CLASSES,)`: each class's share of `tokens` (zeros when there are none)."""
    counts = np.bincount([token_class(t) for t in tokens], minlength=N_CLASSES).astype(float)
    return counts / counts.sum() if counts.sum() else counts


def total_variation(a: np.ndarray, b: np.ndarray) -> float:
    """Half the summed absolute difference of two share vectors (0 = equal, 1 = disjoint)."""
    return 0.5 * float(np.abs(np.asarray(a) - np.asarray(b)).sum())


@dataclass(frozen=True)
class Calibration:
    """A log-probability bias per token class (`N_CLASSES`), and how it was fitted."""

    bias: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)

    def token_bias(self, vocab: Vocab) -> np.ndarray:
        """`(len(vocab),)`: the bias of every token id (for `decode(..., bias=)`)."""
        return np.asarray(self.bias, np.float64)[vocab_classes(vocab)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": CALIBRATION_FORMAT,
            "kinds": [kind.value for kind in KINDS],
            "duration_class_edges": list(DURATION_CLASS_EDGES),
            "grid": GRID,
            "bias": [round(float(b), 4) for b in self.bias],
            "stats": dict(self.stats),
        }

    @classmethod
    def from_dict(cls, data: object, where: str = CALIBRATION_FILE) -> Calibration:
        """Validate a `calibration.json` object; BundleError with one line when it is bad."""
        data = checked_format(data, CALIBRATION_FORMAT, "calibration", where)
        kinds = [kind.value for kind in KINDS]
        if (
            data.get("kinds") != kinds
            or data.get("duration_class_edges") != list(DURATION_CLASS_EDGES)
            or data.get("grid") != GRID
        ):
            raise BundleError(
                f"{where}: calibration classes must be kinds {kinds} by duration class edges "
                f"{list(DURATION_CLASS_EDGES)} by grid {GRID}"
            )
        bias = data.get("bias")
        if (
            not isinstance(bias, list)
            or len(bias) != N_CLASSES
            or not all(_finite(b) and abs(b) <= 20 for b in bias)
        ):
            raise BundleError(f"{where}: 'bias' must be {N_CLASSES} numbers within -20..20")
        stats = data.get("stats", {})
        return cls(np.array(bias, np.float64), stats if isinstance(stats, dict) else {})


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


Player = Callable[[np.ndarray, int], list[Token]]
"""`play(token bias, round)`: the tokens of the solos generated with that bias."""


def fit_calibration(target: np.ndarray, play: Player, rounds: int) -> Calibration:
    """The bias after `rounds` rounds of moving the generated class shares (`play`) toward
    `target` (module doc); `stats` records the total variation before and after."""
    bias = np.zeros(N_CLASSES)
    history: list[float] = []
    for round_index in range(rounds + 1):
        shares = class_shares(play(bias, round_index))
        history.append(round(total_variation(shares, target), 4))
        if round_index == rounds:
            break
        step = np.log(np.maximum(target, MIN_SHARE) / np.maximum(shares, MIN_SHARE))
        step[(target < MIN_SHARE) & (shares < MIN_SHARE)] = 0.0
        bias += DAMPING * np.clip(step, -MAX_STEP, MAX_STEP)
    return Calibration(bias, {"rounds": rounds, "total_variation": history})


def save_calibration(calibration: Calibration, directory: str | Path) -> Path:
    """Write `calibration.json` into `directory` (atomically)."""
    return write_json_atomic(Path(directory) / CALIBRATION_FILE, calibration.to_dict())


def load_calibration(directory: str | Path) -> Calibration | None:
    """The bundle's `calibration.json` (None without one); BundleError when it is bad."""
    path = Path(directory) / CALIBRATION_FILE
    if not path.is_file():
        return None
    data = read_bundle_json(path)
    return Calibration.from_dict(data, str(path))
