"""The encoded corpus: lead sheets turned into token bars, and its on-disk form.

`jazzgen preprocess` writes a corpus directory; `jazzgen train` reads one (or builds one in
memory from MIDI/lead-sheet inputs through the same functions).

On-disk format of a corpus directory DIR:
- `DIR/vocab.json`  : the vocabulary (see jazzgen.vocab).
- `DIR/corpus.jsonl`: one JSON object per usable input file, one line each:
  `{"source": str, "sha256": str, "time_signature": "4/4", "qpm": float,
    "bars": [{"chords": [["Dm7", 0.0], ["G7", 2.0]], "tokens": ["C,0.250,<m2,P-4>", ...]}]}`
  chord offsets are quarter notes from the bar start.
- `DIR/report.json` : `{"files": [{"path", "status": "ok"|"skipped", "reason", "bars",
  "tokens"}], "ok": N, "skipped": M}`.
- `DIR/cache/<sha256>-<settings>.json`: per-file results, reused when the content and
  settings are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from jazzgen.grammar import Token
from jazzgen.music import Chord
from jazzgen.score import TimeSignature


@dataclass(frozen=True)
class PieceBar:
    """One encoded bar: chords with offsets (quarter notes from the bar start), tokens."""

    chords: tuple[tuple[Chord, float], ...]
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Piece:
    """One encoded input file."""

    source: str
    sha256: str
    time_signature: TimeSignature
    qpm: float
    bars: tuple[PieceBar, ...]

    @property
    def token_count(self) -> int:
        return sum(len(b.tokens) for b in self.bars)
