"""Rhythm per note: positions in the beat, off-grid onsets, syncopation, phrases, articulation.

Pure functions of arrays, no file I/O.

A *beat* here is a quarter note (the grammar's grid unit: 12 steps of 1/12 quarter); in
x/8 meters it is not the felt beat. Positions are grid steps 0..11 from the beat's start.

- **Off-grid onset** (`off_grid`): an onset whose position in its beat is inconsistent with
  the beat's subdivision. Two subdivisions are consistent: straight (sixteenths, positions
  0, 1/4, 1/2, 3/4 of the beat) and triplet (eighth-note triplets, 0, 1/3, 2/3, the swing
  eighths). An onset is off-grid when (a) it lies on none of them (1/12, 1/6, 5/12, 7/12,
  5/6, 11/12: sixteenth-note triplets and finer count here), or (b) its beat mixes
  straight-only positions (1/4, 1/2, 3/4) with triplet-only ones (1/3, 2/3): then the onsets
  of the side with fewer onsets in that beat are off-grid (on a tie, the triplet side), e.g.
  a lone 1/3 among sixteenths, or 1/2 followed by 2/3. The beat's first position (0) fits
  both.
- **Syncopation** (`lhl_syncopation`): Longuet-Higgins & Lee (1984), "The rhythmic
  interpretation of monophonic music", Music Perception 1(4); as operationalised by Fitch &
  Rosenfeld (2007), Music Perception 25(1): a note at a metrical position of weight w
  followed by silence or its own continuation (no onset) over a stronger position of weight
  W > w (up to the next onset) is syncopated by W - w. Weights (`metrical_weights`, the
  same levels in every meter): bar 0, half bar -1 (even numerators), beat -2, eighth and
  triplet eighth (1/2, 1/3, 2/3) -3, sixteenth and sextuplet (1/4, 3/4, 1/6, 5/6) -4, the
  rest -5. So an eighth on the "and" of 4 tied over the bar line scores 3, an eighth on the
  "and" of 1 held over beat 2 scores 1, swung eighths score 0. The last note has no next
  onset and no score (NaN).
- **Phrase** (`phrase_ids`): notes between silences of at least `PHRASE_GAP_BEATS` (a
  beat); a silence is the time from a note's end to the next onset.
- **Rest** (`rest_lengths`): a silence of at least `MIN_REST_BEATS` (a sixteenth, the
  grammar's rest threshold; shorter gaps are articulation).
- **Articulation** (`articulation_ratios`): sounding length / inter-onset interval of each
  note followed by another note in the same phrase (1.0 = legato, < 0.5 = staccato); a
  phrase's last note has none (its silence is a rest, not articulation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER, ROUNDING_EPS

BEAT_STEPS = GRID_STEPS_PER_QUARTER  # grid steps per beat (a quarter note)

STRAIGHT_POSITIONS = frozenset({0, 3, 6, 9})  # 0, 1/4, 1/2, 3/4 of the beat
TRIPLET_POSITIONS = frozenset({0, 4, 8})  # 0, 1/3, 2/3
ON_GRID_POSITIONS = STRAIGHT_POSITIONS | TRIPLET_POSITIONS

PHRASE_GAP_BEATS = 1.0
"""A silence of at least a beat ends a phrase."""

MIN_REST_BEATS = 0.25
"""A silence of at least a sixteenth is a rest (the grammar's `DEFAULT_MIN_REST_STEPS`)."""

STACCATO_RATIO = 0.5  # sounding / inter-onset below this: staccato
LEGATO_RATIO = 0.9  # at or above this: legato (transcriptions rarely reach exactly 1.0)

_STRAIGHT_ONLY = np.isin(np.arange(BEAT_STEPS), sorted(STRAIGHT_POSITIONS - {0}))
_TRIPLET_ONLY = np.isin(np.arange(BEAT_STEPS), sorted(TRIPLET_POSITIONS - {0}))
_ON_GRID = np.isin(np.arange(BEAT_STEPS), sorted(ON_GRID_POSITIONS))

# LHL level of each position in the beat (beat boundaries are overwritten per bar).
_IN_BEAT_WEIGHT = np.array([-2, -5, -4, -4, -3, -5, -3, -5, -3, -4, -4, -5])


def off_grid(positions: np.ndarray, beat_index: np.ndarray) -> np.ndarray:
    """Per onset: off-grid (module doc) given its position 0..11 in its beat and the index
    of its beat (any integer identifying the beat). Returns (n,) bool."""
    positions = np.asarray(positions, dtype=int)
    beat_index = np.asarray(beat_index, dtype=int)
    flags = ~_ON_GRID[positions]
    if not positions.size:
        return flags
    _, beat = np.unique(beat_index, return_inverse=True)
    straight = _STRAIGHT_ONLY[positions]
    triplet = _TRIPLET_ONLY[positions]
    n_straight = np.bincount(beat, weights=straight, minlength=beat.max() + 1)
    n_triplet = np.bincount(beat, weights=triplet, minlength=beat.max() + 1)
    mixed = (n_straight > 0) & (n_triplet > 0)
    straight_loses = mixed & (n_straight < n_triplet)
    triplet_loses = mixed & ~straight_loses
    return flags | (straight & straight_loses[beat]) | (triplet & triplet_loses[beat])


def metrical_weights(bar_steps: Sequence[int], numerators: Sequence[int]) -> np.ndarray:
    """LHL weight (module doc) of every grid step of consecutive bars, shape (sum(bar_steps),).

    `bar_steps[i]` grid steps and the time signature numerator `numerators[i]` of bar i;
    beats are counted from each bar's start.
    """
    steps = np.asarray(bar_steps, dtype=np.int64)
    if not steps.size:
        return np.zeros(0, dtype=int)
    starts = np.concatenate([[0], np.cumsum(steps)[:-1]])
    in_bar = np.arange(steps.sum()) - np.repeat(starts, steps)
    weights = _IN_BEAT_WEIGHT[in_bar % BEAT_STEPS]
    halved = (np.asarray(numerators) % 2 == 0) & (steps % 2 == 0) & (steps >= 2 * BEAT_STEPS)
    weights[(starts + steps // 2)[halved]] = -1
    weights[starts] = 0
    return weights


def lhl_syncopation(onset_steps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per note, the LHL syncopation (module doc) from sorted absolute onset steps (indices
    into `weights`, see `metrical_weights`); NaN for the last note. Shape (n,) float."""
    onsets = np.asarray(onset_steps, dtype=np.int64)
    out = np.full(onsets.size, np.nan)
    if onsets.size < 2:
        return out
    first, nxt = onsets[:-1], onsets[1:]
    inside = nxt - first >= 2  # some position strictly between the two onsets
    out[:-1] = 0.0
    if not inside.any():
        return out
    # max of weights[a + 1 : b] for every pair, in one pass: reduceat over (a + 1, b) pairs
    starts, ends = first[inside] + 1, nxt[inside]
    bounds = np.empty(2 * starts.size, dtype=np.int64)
    bounds[0::2], bounds[1::2] = starts, ends
    padded = np.append(weights, weights.min(initial=0) - 1)  # so `ends` may equal len
    strongest = np.maximum.reduceat(padded, bounds)[0::2]
    out[:-1][inside] = np.maximum(strongest - weights[first[inside]], 0)
    return out


def silences_after(starts_beat: np.ndarray, ends_beat: np.ndarray) -> np.ndarray:
    """Per note, the silence (quarter notes, >= 0) from its end to the next onset; NaN for
    the last note."""
    starts = np.asarray(starts_beat, dtype=float)
    ends = np.asarray(ends_beat, dtype=float)
    out = np.full(starts.size, np.nan)
    if starts.size >= 2:
        out[:-1] = np.maximum(starts[1:] - ends[:-1], 0.0)
    return out


def phrase_ids(silence_after: np.ndarray, gap_beats: float = PHRASE_GAP_BEATS) -> np.ndarray:
    """Phrase number (0, 1, ...) of each note: a silence of at least `gap_beats` after a
    note starts a new phrase with the next one."""
    silence = np.asarray(silence_after, dtype=float)
    if not silence.size:
        return np.zeros(0, dtype=int)
    breaks = np.nan_to_num(silence[:-1], nan=0.0) >= gap_beats - ROUNDING_EPS
    return np.concatenate([[0], np.cumsum(breaks)]).astype(int)


def phrase_lengths(
    starts_beat: np.ndarray, ends_beat: np.ndarray, phrases: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(notes, quarter notes from first onset to last end) of each phrase."""
    phrases = np.asarray(phrases, dtype=int)
    if not phrases.size:
        return np.zeros(0, dtype=int), np.zeros(0)
    notes = np.bincount(phrases)
    first = np.searchsorted(phrases, np.arange(notes.size))
    last = first + notes - 1
    return notes, np.asarray(ends_beat, dtype=float)[last] - np.asarray(starts_beat)[first]


def rest_lengths(silence_after: np.ndarray, min_beats: float = MIN_REST_BEATS) -> np.ndarray:
    """The silences between notes that are rests (at least `min_beats`), quarter notes."""
    silence = np.asarray(silence_after, dtype=float)
    silence = silence[np.isfinite(silence)]
    return silence[silence >= min_beats - ROUNDING_EPS]


def articulation_ratios(
    starts_beat: np.ndarray, ends_beat: np.ndarray, phrases: np.ndarray
) -> np.ndarray:
    """Per note, sounding length / inter-onset interval in [0, 1] when the next note is in
    the same phrase, else NaN (module doc)."""
    starts = np.asarray(starts_beat, dtype=float)
    ends = np.asarray(ends_beat, dtype=float)
    out = np.full(starts.size, np.nan)
    if starts.size < 2:
        return out
    ioi = starts[1:] - starts[:-1]
    same = (np.diff(np.asarray(phrases)) == 0) & (ioi > ROUNDING_EPS)
    ratio = np.clip((ends[:-1] - starts[:-1]) / np.where(same, ioi, 1.0), 0.0, 1.0)
    out[:-1] = np.where(same, ratio, np.nan)
    return out
