"""The model's pitch input: where the line is, over the chord being played and in its register.

Tokens are relative (a note type and an interval from the previous pitch), so without help
the network cannot know whether its line sits on the chord's third or on its flat ninth,
nor whether it has wandered to the bottom of the instrument: the type of the next note is
then a guess (measured on held-out WJazzD players: 0.7 nats of the 3.0 that the type and
interval of a token cost). The pitch input tells it, at each step, of the last sounding
pitch before the token it is about to predict:

- 0..11: that pitch's interval above the root of the chord at the predicted token's onset,
  mod 12 (one-hot; zeros when no chord is known there);
- 12..19: its register, in slots of 4 semitones from the line's centre (one-hot of
  floor((pitch - centre) / 4) + 4, clipped to 0..7: "an octave or more below" .. "an
  octave or more above");
- 20: no pitch has sounded yet.

The centre is the middle of the melody's pitch range at generation and the median pitch of
the piece in training and evaluation (the middle of the player's range), so a model learns
to keep a line around the middle of whatever instrument it plays. Every feature is 0 or 1.
`pitch_features` is the one function that computes them: the training windows
(`corpus.dataset`), decoding (`generation.decode`), a primer and `jazzgen evaluate --model`
all call it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jazzgen.core.harmony import Chord

REGISTER_SLOTS = 8
REGISTER_SLOT_SEMITONES = 4
ROOT_OFFSET = 0
REGISTER_OFFSET = ROOT_OFFSET + 12
NONE_OFFSET = REGISTER_OFFSET + REGISTER_SLOTS
PITCH_FEATURES = NONE_OFFSET + 1
"""Width of the pitch input (21)."""

NO_PITCH = -1
NO_ROOT = -1


def pitch_features(prev_pitch: np.ndarray, roots: np.ndarray, centre: float) -> np.ndarray:
    """`(n, PITCH_FEATURES)` uint8 (module doc) of the last sounding pitches `prev_pitch
    (n,)` (`NO_PITCH`: none yet) over chords of root pitch class `roots (n,)` (`NO_ROOT`:
    no chord), around the line's `centre` (a MIDI pitch)."""
    prev = np.asarray(prev_pitch, np.int64)
    roots = np.asarray(roots, np.int64)
    n = len(prev)
    out = np.zeros((n, PITCH_FEATURES), np.uint8)
    sounded = prev != NO_PITCH
    out[~sounded, NONE_OFFSET] = 1
    rows = np.flatnonzero(sounded & (roots != NO_ROOT))
    out[rows, ROOT_OFFSET + (prev[rows] - roots[rows]) % 12] = 1
    rows = np.flatnonzero(sounded)
    slot = np.floor((prev[rows] - centre) / REGISTER_SLOT_SEMITONES).astype(np.int64)
    out[rows, REGISTER_OFFSET + np.clip(slot + REGISTER_SLOTS // 2, 0, REGISTER_SLOTS - 1)] = 1
    return out


def chord_roots(chords: Sequence[Chord | None]) -> np.ndarray:
    """(n,) the roots of `chords`, `NO_ROOT` where there is none."""
    return np.array([NO_ROOT if c is None else c.root for c in chords], np.int64)


def previous_pitches(pitches: Sequence[int | None], before: int | None = None) -> np.ndarray:
    """(n,) for each event of a line (`pitches`: None for a rest), the last pitch sounding
    before it (`before`, else `NO_PITCH`, for the first events)."""
    out = np.empty(len(pitches), np.int64)
    last = NO_PITCH if before is None else int(before)
    for k, pitch in enumerate(pitches):
        out[k] = last
        if pitch is not None:
            last = int(pitch)
    return out


def line_centre(pitches: Sequence[int | None], default: float = 66.0) -> float:
    """The median of a line's pitches (`default` when it has none)."""
    known = [p for p in pitches if p is not None]
    return float(np.median(known)) if known else float(default)
