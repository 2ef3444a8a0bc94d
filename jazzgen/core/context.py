"""The model's context input: where the token starts in beat, bar and form; next chord; tempo;
style.

A token does not say where in the bar it starts; without help the network must infer the
beat from a running sum of durations. The context input tells it, for the onset of the
token it is about to predict (as the chord input does, see `training.model`):

- 0..11: the grid step of the onset in its beat (one-hot; a beat is a quarter note);
- 12..19: the beat of the onset in its bar (one-hot of 0..6, then 7 = "7 or later");
- 20..27: quarter notes left in the bar, rounded up (one-hot of 1..7, then "8 or more");
- 28..51: the next chord: `core.harmony.chord_features` of the first later chord whose
  features differ from the chord in force (zeros when no change follows);
- 52..60: half beats until that change, rounded up (one-hot of 1..8, then "farther, or
  none");
- 61..68: the bar of the onset in its 8-bar phrase (one-hot of `form_bar mod 8`);
- 69..75: the piece's tempo, a thermometer over `TEMPO_EDGES` (feature k is 1 when the
  tempo is at least edge k, so a ballad below 80 qpm has none and 300 qpm all seven).
  Players play ballads in sixteenths and fast tunes in eighths (on WJazzD's held-out
  players, notes per beat against log tempo correlate at -0.87); without the tempo a
  model plays every tempo alike. Bundles trained before it (`ModelConfig.tempo_input`
  off) take the first `BASE_CONTEXT_FEATURES` columns;
- 76..79: the piece's style (`core.style`: density for its tempo, then how far outside
  the chord scales, each a thermometer of 2). Bundles without `ModelConfig.style_input`
  take the first `TEMPO_CONTEXT_FEATURES` columns (or `BASE_CONTEXT_FEATURES`).

`form_bar` counts bars from the start of the bar's section: a form label of the Weimar
Jazz Database (`A1`, `B1`... from `beats.form`, kept in the corpus as a bar's
`"form": [label, bar]`), else from the last bar whose section is known, else from the
start of the piece (`form_positions`). At generation a repetition of the chord chart is a
section.

Every feature is 0 or 1. `context_features` is the one function that computes them: the
training windows (`corpus.dataset`), decoding (`generation`), a primer and `jazzgen
evaluate --model` (`evaluation.likelihood`) all call it, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.harmony import CHORD_FEATURES, Chord, chord_features
from jazzgen.core.style import STYLE_FEATURES, Style
from jazzgen.core.types import Bar

STEPS_PER_BEAT = GRID_STEPS_PER_QUARTER
BEAT_SLOTS = 8  # beat in bar: 0..6, then "7 or later"
BEATS_LEFT_SLOTS = 8  # quarter notes left: 1..7, then "8 or more"
CHANGE_SLOTS = 9  # half beats to the next change: 1..8, then "farther or none"
PHRASE_BARS = 8  # bar in an 8-bar phrase (4-bar phrases are its halves)

STEP_OFFSET = 0
BEAT_OFFSET = STEP_OFFSET + STEPS_PER_BEAT
LEFT_OFFSET = BEAT_OFFSET + BEAT_SLOTS
NEXT_CHORD_OFFSET = LEFT_OFFSET + BEATS_LEFT_SLOTS
CHANGE_OFFSET = NEXT_CHORD_OFFSET + CHORD_FEATURES
PHRASE_OFFSET = CHANGE_OFFSET + CHANGE_SLOTS
TEMPO_OFFSET = PHRASE_OFFSET + PHRASE_BARS
TEMPO_EDGES = (80.0, 110.0, 135.0, 160.0, 190.0, 225.0, 265.0)
"""qpm; about an eighth of WJazzD's 408 solos lie between two edges (median 173 qpm)."""
BASE_CONTEXT_FEATURES = TEMPO_OFFSET
"""Width of the context input without the tempo (69; bundles without `tempo_input`)."""
STYLE_OFFSET = TEMPO_OFFSET + len(TEMPO_EDGES)
TEMPO_CONTEXT_FEATURES = STYLE_OFFSET
"""Width of the context input with the tempo, without the style (76)."""
CONTEXT_FEATURES = STYLE_OFFSET + STYLE_FEATURES
"""Width of the context input (80)."""

FormPosition = tuple[str, int]
"""A bar's place in the form: its section's label ('A1'; '' when unlabelled) and the bar's
index in that section (0 = the section's first bar)."""


@dataclass(frozen=True)
class BarFrame:
    """What the context of one bar depends on.

    `steps`: the bar's length in grid steps; `chords`: its chords with their onset step in
    the bar (ascending; a bar's first chord holds from the bar start, as `Bar.chord_at`
    reads it); `form_bar`: bars since its section started (`form_positions`).
    """

    steps: int
    chords: tuple[tuple[Chord, int], ...]
    form_bar: int


def form_positions(forms: Sequence[FormPosition | None]) -> list[int]:
    """Per bar, its index in its section: the known one, else one more than the bar
    before's (the first bar of a piece without form is 0)."""
    out: list[int] = []
    for form in forms:
        if form is not None:
            out.append(int(form[1]))
        else:
            out.append(out[-1] + 1 if out else 0)
    return out


def offset_steps(offset_quarters: float) -> int:
    """A chord offset in quarter notes on the grid (offsets are written rounded)."""
    return round(offset_quarters * GRID_STEPS_PER_QUARTER)


def bar_frames(
    bars: Sequence[Bar], forms: Sequence[FormPosition | None] | None = None
) -> list[BarFrame]:
    """The frames of lead-sheet bars; `forms` per bar (default: each bar's own `form`)."""
    forms = [b.form for b in bars] if forms is None else forms
    return [
        BarFrame(
            bar.steps,
            tuple((s.chord, offset_steps(s.start_beat - bar.start_beat)) for s in bar.chords),
            form_bar,
        )
        for bar, form_bar in zip(bars, form_positions(forms), strict=True)
    ]


def _changes(frames: Sequence[BarFrame], bar_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Absolute steps (m,) and chord features (m, 24) of every chord change (a chord whose
    features differ from the one before it), the first chord included."""
    steps: list[int] = []
    feats: list[tuple[float, ...]] = []
    for frame, start in zip(frames, bar_starts.tolist(), strict=True):
        for k, (chord, offset) in enumerate(frame.chords):
            f = chord_features(chord)
            if feats and f == feats[-1]:
                continue
            steps.append(start + (0 if k == 0 else min(max(offset, 0), frame.steps)))
            feats.append(f)
    return (
        np.asarray(steps, np.int64),
        np.asarray(feats, np.uint8).reshape(len(feats), CHORD_FEATURES),
    )


def tempo_features(qpm: float) -> np.ndarray:
    """`(len(TEMPO_EDGES),)` uint8: the tempo thermometer (module doc)."""
    return (float(qpm) >= np.asarray(TEMPO_EDGES)).astype(np.uint8)


def context_features(
    frames: Sequence[BarFrame],
    bar_index: np.ndarray,
    step: np.ndarray,
    qpm: float,
    style: Style,
) -> np.ndarray:
    """`(n, CONTEXT_FEATURES)` uint8: the context (module doc) of onsets at grid step
    `step (n,)` of bar `bar_index (n,)` of `frames`, in a piece at `qpm` in `style`."""
    bar_index = np.asarray(bar_index, np.int64)
    step = np.asarray(step, np.int64)
    n = len(bar_index)
    out = np.zeros((n, CONTEXT_FEATURES), np.uint8)
    if not n:
        return out
    lengths = np.array([f.steps for f in frames], np.int64)
    bar_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    rows = np.arange(n)
    out[rows, STEP_OFFSET + step % STEPS_PER_BEAT] = 1
    out[rows, BEAT_OFFSET + np.minimum(step // STEPS_PER_BEAT, BEAT_SLOTS - 1)] = 1
    left = -(-(lengths[bar_index] - step) // STEPS_PER_BEAT)  # ceil, >= 1 inside a bar
    out[rows, LEFT_OFFSET + np.clip(left, 1, BEATS_LEFT_SLOTS) - 1] = 1
    change_steps, change_feats = _changes(frames, bar_starts)
    absolute = bar_starts[bar_index] + step
    nxt = np.searchsorted(change_steps, absolute, side="right")
    has_next = nxt < len(change_steps)
    slot = np.full(n, CHANGE_SLOTS - 1)
    if has_next.any():
        ahead = change_steps[nxt[has_next]] - absolute[has_next]
        half_beats = -(-ahead // (STEPS_PER_BEAT // 2))
        slot[has_next] = np.where(half_beats <= CHANGE_SLOTS - 1, half_beats - 1, CHANGE_SLOTS - 1)
        out[has_next, NEXT_CHORD_OFFSET : NEXT_CHORD_OFFSET + CHORD_FEATURES] = change_feats[
            nxt[has_next]
        ]
    out[rows, CHANGE_OFFSET + slot] = 1
    form_bar = np.array([f.form_bar for f in frames], np.int64)[bar_index]
    out[rows, PHRASE_OFFSET + form_bar % PHRASE_BARS] = 1
    out[:, TEMPO_OFFSET:STYLE_OFFSET] = tempo_features(qpm)
    out[:, STYLE_OFFSET:] = style.features()
    return out


def every_step(frames: Sequence[BarFrame]) -> tuple[np.ndarray, np.ndarray]:
    """(bar_index, step) of every grid step of `frames`, in order (for decoding)."""
    lengths = np.array([f.steps for f in frames], np.int64)
    bar_index = np.repeat(np.arange(len(frames)), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(frames) else np.zeros(0)
    step = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    return bar_index, step.astype(np.int64)
