"""The note tokens of corpus pieces as columns: what the learned models are fitted on.

`note_events(pieces)` walks every bar of every piece and keeps, per note token, what the
realizer (`performance.realizer`) and the articulation and dynamics model
(`performance.articulation`) condition on and predict: the token, the chord at its onset,
its grid position in the bar, its pitch and the two pitches before it (across rests and
bar lines), whether a note or a rest follows, and its articulation and velocity as the
corpus records them (`corpus.store.PieceBar`; unknown values are -1 or NaN).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER, ROUNDING_EPS
from jazzgen.core.harmony import Chord
from jazzgen.corpus.store import Piece, PieceBar
from jazzgen.tokens.grammar import Token

NO_PITCH = -1
"""A pitch that is not known (a corpus without pitches) or not there (before the first note)."""

NO_INTERVAL = -1000
"""`prev_interval` when fewer than two notes came before."""


@dataclass(frozen=True)
class NoteEvents:
    """Every note token of some pieces, in order; each array (n,)."""

    piece: np.ndarray  # int64 index of the note's piece
    tokens: tuple[Token, ...]
    chords: tuple[Chord, ...]  # the chord at the note's onset
    pitch: np.ndarray  # int64 MIDI pitch, NO_PITCH when the corpus has none
    prev_pitch: np.ndarray  # int64 the pitch before (NO_PITCH: none, or unknown)
    prev_interval: np.ndarray  # int64 prev_pitch minus the pitch before it (NO_INTERVAL: none)
    step_in_bar: np.ndarray  # int64 onset, grid steps from the bar start
    duration: np.ndarray  # int64 the token's duration, grid steps
    next_note: np.ndarray  # bool: the next event is a note (False: a rest, or the end)
    articulation: np.ndarray  # float64 sounding length / duration, NaN when unknown
    velocity: np.ndarray  # float64 MIDI velocity, NaN when unknown
    low: np.ndarray  # int64 lowest pitch of the note's piece (NO_PITCH when unknown)
    high: np.ndarray  # int64 highest pitch of the note's piece

    def __len__(self) -> int:
        return len(self.tokens)


def bar_chords(bar: PieceBar, onsets_beat: Sequence[float]) -> list[Chord | None]:
    """The chord at each onset (quarter notes from the bar start): the last chord starting
    at or before it, the first one before that; None in a bar without chords."""
    if not bar.chords:
        return [None] * len(onsets_beat)
    offsets = [offset for _, offset in bar.chords]
    return [
        bar.chords[max(bisect.bisect_right(offsets, onset + ROUNDING_EPS) - 1, 0)][0]
        for onset in onsets_beat
    ]


def _piece_range(piece: Piece) -> tuple[int, int]:
    pitches = [p for bar in piece.bars for p in (bar.pitches or ()) if p is not None]
    return (min(pitches), max(pitches)) if pitches else (NO_PITCH, NO_PITCH)


def _flat_tokens(piece: Piece) -> list[tuple[PieceBar, int, int, Chord | None]]:
    """(bar, index in the bar, onset step in the bar, chord at the onset) of every token."""
    flat = []
    for bar in piece.bars:
        steps = np.cumsum([0] + [t.duration for t in bar.tokens])[:-1].tolist()
        chords = bar_chords(bar, [step / GRID_STEPS_PER_QUARTER for step in steps])
        flat += [
            (bar, k, step, chord) for k, (step, chord) in enumerate(zip(steps, chords, strict=True))
        ]
    return flat


def note_events(pieces: Sequence[Piece]) -> NoteEvents:
    """The note tokens of `pieces` (module doc); a note of a bar without chords is left out."""
    rows: list[tuple] = []
    tokens: list[Token] = []
    chords: list[Chord] = []
    for index, piece in enumerate(pieces):
        low, high = _piece_range(piece)
        flat = _flat_tokens(piece)
        prev, before = NO_PITCH, NO_PITCH
        for position, (bar, k, step, chord) in enumerate(flat):
            token = bar.tokens[k]
            if token.is_rest:
                continue
            pitch = bar.pitches[k] if bar.pitches is not None else None
            pitch = NO_PITCH if pitch is None else pitch
            following = flat[position + 1] if position + 1 < len(flat) else None
            next_note = following is not None and not following[0].tokens[following[1]].is_rest
            if chord is not None:
                interval = prev - before if NO_PITCH not in (prev, before) else NO_INTERVAL
                rows.append(
                    (index, pitch, prev, interval, step, token.duration, next_note,
                     _value(bar.articulation, k), _value(bar.velocities, k), low, high)
                )  # fmt: skip
                tokens.append(token)
                chords.append(chord)
            before, prev = prev, pitch
    return _columns(rows, tokens, chords)


@dataclass(frozen=True)
class TieEvents:
    """Every bar that starts with a rest after a bar that ends with a note (a note cut at
    the bar line: `corpus.preprocess.encode_leadsheet_bars`); each array (n,)."""

    piece: np.ndarray  # int64 index of the piece
    note_duration: np.ndarray  # int64 grid steps of the note before the bar line
    note_step: np.ndarray  # int64 its onset, grid steps from its bar's start
    rest_duration: np.ndarray  # int64 grid steps of the rest after the bar line
    share: np.ndarray  # float64 share of the rest the note still sounds, NaN when unknown

    def __len__(self) -> int:
        return len(self.piece)


def tie_events(pieces: Sequence[Piece]) -> TieEvents:
    """The bar lines of `pieces` a note may be held over (`TieEvents`)."""
    rows: list[tuple[int, int, int, int, float]] = []
    for index, piece in enumerate(pieces):
        for before, bar in zip(piece.bars, piece.bars[1:], strict=False):
            if not (before.tokens and bar.tokens) or before.tokens[-1].is_rest:
                continue
            if not bar.tokens[0].is_rest:
                continue
            note = before.tokens[-1]
            step = sum(t.duration for t in before.tokens[:-1])
            rows.append(
                (index, note.duration, step, bar.tokens[0].duration, _value(bar.articulation, 0))
            )
    table = list(zip(*rows, strict=True)) if rows else [()] * 5
    ints = [np.array(column, dtype=np.int64) for column in table[:4]]
    return TieEvents(ints[0], ints[1], ints[2], ints[3], np.array(table[4], dtype=np.float64))


def _value(values: Sequence[float | int | None] | None, k: int) -> float:
    if values is None or values[k] is None:
        return float("nan")
    return float(values[k])  # type: ignore[arg-type]


def _columns(rows: list[tuple], tokens: list[Token], chords: list[Chord]) -> NoteEvents:
    int_columns = (0, 1, 2, 3, 4, 5, 9, 10)
    table = list(zip(*rows, strict=True)) if rows else [()] * 11
    ints = {i: np.array(table[i], dtype=np.int64) for i in int_columns}
    return NoteEvents(
        piece=ints[0],
        tokens=tuple(tokens),
        chords=tuple(chords),
        pitch=ints[1],
        prev_pitch=ints[2],
        prev_interval=ints[3],
        step_in_bar=ints[4],
        duration=ints[5],
        next_note=np.array(table[6], dtype=bool),
        articulation=np.array(table[7], dtype=np.float64),
        velocity=np.array(table[8], dtype=np.float64),
        low=ints[9],
        high=ints[10],
    )
