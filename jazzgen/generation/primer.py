"""A primer melody: read, encoded and fed to the model before the generated bars."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from jazzgen.core.constants import GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import ConfigError, VocabError
from jazzgen.core.harmony import CHORD_FEATURES, chord_features
from jazzgen.core.pitch_context import NO_PITCH, pitch_features, previous_pitches
from jazzgen.core.types import Bar, ChordSpan, Note, TimeSignature
from jazzgen.generation.bar_fit import VocabTables
from jazzgen.generation.progression import read_leadsheet_file
from jazzgen.tokens.encode import EncodedBar, encode_melody
from jazzgen.tokens.grammar import Token
from jazzgen.tokens.vocab import Vocab


def nearest_vocab_id(token: Token, tables: VocabTables) -> int:
    """Id of the vocabulary token closest to `token` (same kind first, then duration, then
    window centre). Primer tokens outside the vocabulary are fed as their nearest one."""
    best, best_cost = 0, float("inf")
    for i, t in enumerate(tables.tokens):
        cost = 0.0 if t.type is token.type else 1000.0
        cost += 0.0 if (t.window is None) == (token.window is None) else 500.0
        cost += abs(t.duration - token.duration) * 10.0
        if t.window is not None and token.window is not None:
            cost += abs(sum(t.window) - sum(token.window)) / 2.0
        if cost < best_cost:
            best, best_cost = i, cost
    return best


@dataclass(frozen=True)
class Primer:
    """A primer melody ready to feed: its bars and notes (from beat 0), its token ids, the
    model's chord input for each (`features[k]` = chord at the onset of token k + 1) and
    where each token starts (`onsets[k]` = (bar index, grid step in the bar)), for the
    context input (`context_rows`)."""

    bars: list[Bar]
    notes: tuple[Note, ...]
    ids: list[int]
    features: np.ndarray  # (len(ids), 24)
    last_pitch: int | None
    onsets: tuple[tuple[int, int], ...] = ()
    pitches: tuple[int | None, ...] = ()  # per token: its pitch, None for a rest

    def context_rows(self, context: np.ndarray) -> np.ndarray:
        """`(len(ids), CONTEXT_FEATURES)`: row k = the context of token k + 1's onset, taken
        from `context` (every grid step of the primer's bars, then the solo's: see
        `generation.progression.step_context`); the last row is the solo's first step."""
        starts = np.concatenate([[0], np.cumsum([b.steps for b in self.bars])])
        rows = [int(starts[bar] + step) for bar, step in self.onsets[1:]]
        rows.append(int(starts[-1]))
        return context[np.asarray(rows, np.int64)]

    def pitch_rows(self, centre: float) -> np.ndarray:
        """`(len(ids), PITCH_FEATURES)`: row k = the pitch input when predicting token
        k + 1 (the last pitch of tokens 0..k over the chord at token k + 1's onset); the
        last row (not fed: the first generated onset's is) repeats the last chord."""
        prev = previous_pitches(self.pitches)[1:]
        last = [p for p in self.pitches if p is not None]
        prev = np.append(prev, last[-1] if last else NO_PITCH)
        beats = [(self.bars[b], self.bars[b].start_beat + s / GRID_STEPS_PER_QUARTER)
                 for b, s in self.onsets]  # fmt: skip
        roots = [bar.chord_at(beat).root for bar, beat in beats]
        return pitch_features(prev, np.array([*roots[1:], roots[-1]], np.int64), centre)

    def shifted(self, beats: float) -> Primer:
        """The primer moved `beats` later (to leave room for a count-in)."""
        bars = [
            replace(
                b,
                start_beat=b.start_beat + beats,
                chords=tuple(
                    ChordSpan(s.chord, s.start_beat + beats, s.end_beat + beats) for s in b.chords
                ),
            )
            for b in self.bars
        ]
        notes = tuple(
            replace(n, start_beat=n.start_beat + beats, end_beat=n.end_beat + beats)
            for n in self.notes
        )
        return replace(self, bars=bars, notes=notes)

    def check_meter(self, time_signature: TimeSignature, path: str | Path) -> None:
        """ConfigError unless every primer bar is in `time_signature` (the solo's)."""
        meters = {str(b.time_signature) for b in self.bars}
        if meters != {str(time_signature)}:
            raise ConfigError(
                f"primer {path} is in {'/'.join(sorted(meters))} but the solo is in "
                f"{time_signature}: give chords or a lead sheet in the primer's meter"
            )


def read_primer(path: str | Path, tables: VocabTables, vocab: Vocab) -> Primer:
    """Read the primer file's melody and chords and encode them with `vocab` (tokens
    outside it become their nearest vocabulary token). ConfigError without melody."""
    sheet = read_leadsheet_file(path)
    if not sheet.melody:
        raise ConfigError(f"primer {path} has no melody notes")
    offset = sheet.bars[0].start_beat
    bars = [
        Bar(
            i,
            i + 1,
            b.start_beat - offset,
            b.time_signature,
            tuple(ChordSpan(s.chord, s.start_beat - offset, s.end_beat - offset) for s in b.chords),
        )
        for i, b in enumerate(sheet.bars)
    ]
    notes = tuple(
        Note(n.pitch, n.start_beat - offset, n.end_beat - offset, n.velocity) for n in sheet.melody
    )
    encoded = encode_melody(notes, bars)
    ids, onsets = _token_ids(encoded, bars, tables, vocab)
    feats = np.zeros((len(ids), CHORD_FEATURES), np.float32)
    for k in range(len(ids) - 1):  # the chord at the onset of the following token
        bar, beat = onsets[k + 1]
        feats[k] = chord_features(bar.chord_at(beat))
    last_pitch = max(notes, key=lambda n: n.start_beat).pitch if notes else None
    steps = tuple(
        (bar.index, round((beat - bar.start_beat) * GRID_STEPS_PER_QUARTER)) for bar, beat in onsets
    )
    pitches = tuple(p for enc in encoded for p in enc.pitches)
    return Primer(bars, notes, ids, feats, last_pitch, steps, pitches)


def _token_ids(
    encoded: Sequence[EncodedBar], bars: Sequence[Bar], tables: VocabTables, vocab: Vocab
) -> tuple[list[int], list[tuple[Bar, float]]]:
    """Vocabulary ids of the encoded bars' tokens and the (bar, beat) of each onset."""
    ids: list[int] = []
    onsets: list[tuple[Bar, float]] = []
    for bar, enc in zip(bars, encoded, strict=True):
        step = 0
        for token in enc.tokens:
            try:
                ids.append(vocab.id_of(token))
            except VocabError:
                ids.append(nearest_vocab_id(token, tables))
            onsets.append((bar, bar.start_beat + step / GRID_STEPS_PER_QUARTER))
            step += token.duration
    return ids, onsets
