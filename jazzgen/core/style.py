"""A solo's style: how densely it plays for its tempo, and how far outside the chord scales.

Players differ from solo to solo: one ballad is all sixteenths, another breathes; one
player stays on the chord scales, another plays chromatic lines. A model that sees only
the chords and the tempo plays the average of them every time, so its solos are more
alike than the players' (on WJazzD's held-out players, the generated solos' features
spread less than the real ones). The style input (`ModelConfig.style_input`, the last
columns of `core.context`) tells the model, for every token of a training piece, which
third of the corpus the piece falls in on two measures:

- **density**: log(notes per beat) minus what the tempo predicts (a line fitted to
  WJazzD's 397 solos with chords: log(notes per beat) = `DENSITY_INTERCEPT` +
  `DENSITY_SLOPE` x log(qpm), correlation -0.70), cut at its terciles `DENSITY_EDGES`:
  sparse, medium, dense (for the tempo);
- **outside**: the share of notes that are neither chord nor scale tones of the chord
  in force (approach and other tokens), cut at its terciles `OUTSIDE_EDGES`: inside,
  medium, outside.

Both edges are WJazzD's and fixed, as `core.context.TEMPO_EDGES` is, so a style means the
same in every bundle. Generation takes the style the user asks for (`--density`,
`--outside`) or draws one from the bundle's counts of its training pieces' styles
(`draw_style`), so solos differ as the players' do.

As features (`Style.features`) each measure is a thermometer of 2 (sparse 00, medium 10,
dense 11). The style is information about the solo a model is scored on: at most log 9 =
2.2 nats per solo, which over the ~500 tokens of a WJazzD solo is under 0.005 nats per
token of the held-out NLL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jazzgen.core.errors import ConfigError

DENSITY_LEVELS = ("sparse", "medium", "dense")
OUTSIDE_LEVELS = ("inside", "medium", "outside")
LEVELS = 3
DENSITY_SLOPE = -0.573
DENSITY_INTERCEPT = 3.363
DENSITY_EDGES = (-0.084, 0.125)
"""Terciles of log(notes per beat) minus the tempo's prediction on WJazzD."""
OUTSIDE_EDGES = (0.179, 0.231)
"""Terciles of the share of approach and other notes on WJazzD."""
STYLE_FEATURES = 2 * (LEVELS - 1)


@dataclass(frozen=True)
class Style:
    """Levels 0..2 of density (`DENSITY_LEVELS`) and outside (`OUTSIDE_LEVELS`)."""

    density: int = 1
    outside: int = 1

    def __post_init__(self) -> None:
        for name, value in (("density", self.density), ("outside", self.outside)):
            if not 0 <= value < LEVELS:
                raise ConfigError(f"style {name} must be in 0..{LEVELS - 1}, got {value}")

    @classmethod
    def measure(cls, notes: int, outside_notes: int, beats: float, qpm: float) -> Style:
        """The style of a line of `notes` notes (`outside_notes` of them approach or other
        tokens) over `beats` quarter notes at `qpm` (no notes: sparse, medium)."""
        if notes <= 0 or beats <= 0:
            return cls(0, 1)
        residual = math.log(notes / beats) - (DENSITY_INTERCEPT + DENSITY_SLOPE * math.log(qpm))
        return cls(
            int(np.searchsorted(DENSITY_EDGES, residual, side="right")),
            int(np.searchsorted(OUTSIDE_EDGES, outside_notes / notes, side="right")),
        )

    @classmethod
    def named(cls, density: str, outside: str) -> Style:
        """From level names ('dense', 'inside'); ConfigError naming the choices."""
        return cls(_level(density, DENSITY_LEVELS, "--density"),
                   _level(outside, OUTSIDE_LEVELS, "--outside"))  # fmt: skip

    @property
    def index(self) -> int:
        """0..8: density x 3 + outside (the order of `style_counts`)."""
        return self.density * LEVELS + self.outside

    @property
    def label(self) -> str:
        """'dense, inside'."""
        return f"{DENSITY_LEVELS[self.density]}, {OUTSIDE_LEVELS[self.outside]}"

    def features(self) -> np.ndarray:
        """`(STYLE_FEATURES,)` uint8: the two thermometers (module doc)."""
        steps = np.arange(1, LEVELS)
        return np.concatenate([self.density >= steps, self.outside >= steps]).astype(np.uint8)


def _level(name: str, names: tuple[str, ...], option: str) -> int:
    if name not in names:
        raise ConfigError(f"{option} must be one of {', '.join(names)}, got {name!r}")
    return names.index(name)


def style_counts(styles: Sequence[Style]) -> tuple[int, ...]:
    """How many of `styles` have each `Style.index` (9 counts)."""
    counts = [0] * LEVELS * LEVELS
    for style in styles:
        counts[style.index] += 1
    return tuple(counts)


def draw_style(
    counts: Sequence[int], rng: np.random.Generator, density: str | None, outside: str | None
) -> Style:
    """A style drawn with the frequencies `counts` (9, `style_counts`), with the levels
    the user fixed (`density`, `outside` names, None = drawn) kept: the other measure is
    drawn from the pieces of that level (all pieces when none has it)."""
    weights = np.asarray(counts, np.float64).reshape(LEVELS, LEVELS)
    keep = np.ones_like(weights, bool)
    if density is not None:
        keep &= np.arange(LEVELS)[:, None] == _level(density, DENSITY_LEVELS, "--density")
    if outside is not None:
        keep &= np.arange(LEVELS)[None, :] == _level(outside, OUTSIDE_LEVELS, "--outside")
    chosen = np.where(keep, weights, 0.0)
    if chosen.sum() <= 0:
        chosen = keep.astype(np.float64)
    index = int(rng.choice(LEVELS * LEVELS, p=(chosen / chosen.sum()).ravel()))
    return Style(index // LEVELS, index % LEVELS)
