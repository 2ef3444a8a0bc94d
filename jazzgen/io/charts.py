"""Chord charts as text: 'Dm7 G7 | Cmaj7 | %' into bars of chords."""

from __future__ import annotations

from jazzgen.core.chord_symbols import (
    parse_chord_symbol,
)
from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.harmony import (
    Chord,
)


def parse_progression(text: str) -> list[list[Chord]]:
    """Parse 'Dm7 G7 | Cmaj7 | Cmaj7 | A7' into bars of chords (several per bar allowed).

    Empty bars, or a bar of only '%', repeat the previous bar's last chord.
    """
    if not text.strip():
        raise ChordSymbolError("chord progression is empty: write e.g. 'Dm7 G7 | Cmaj7'")
    bars: list[list[Chord]] = []
    for bar_text in text.split("|"):
        symbols = bar_text.split()
        if not symbols or symbols == ["%"]:
            if not bars:
                if not symbols:
                    continue
                raise ChordSymbolError("chord progression cannot start with a repeat '%'")
            bars.append([bars[-1][-1]])
            continue
        bars.append([parse_chord_symbol(s) for s in symbols])
    if not bars:
        raise ChordSymbolError(f"chord progression {text!r} has no chords")
    return bars
