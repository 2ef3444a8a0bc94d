"""Chord symbols as text: the one parser from 'Dm7', 'Bbmaj7', 'F#m7b5' to a `Chord`.

Common spellings resolve through a table (`_QUICK_SUFFIXES`, checked against music21 in
tests); anything else goes through `music21.harmony.ChordSymbol` (imported lazily) and the
quality nearest its pitch classes.
"""

from __future__ import annotations

import functools
import re

from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.harmony import (
    Chord,
    ChordQuality,
)

_NOTE_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


_ROOT_RE = re.compile(r"^([A-Ga-g])([#b]*)")


def _quality_from_pitch_classes(root: int, pcs: set[int]) -> ChordQuality:
    """The quality whose tones best match `pcs` (relative to `root`)."""
    rel = {(pc - root) % 12 for pc in pcs}
    for quality in ChordQuality:
        if set(quality.intervals) == rel:
            return quality
    # Extensions (9ths, 13ths, altered): the quality sharing the most tones, fewest extra.
    return max(
        ChordQuality,
        key=lambda q: (
            len(rel & set(q.intervals)) - len(set(q.intervals) - rel),
            -len(q.intervals),
        ),
    )


@functools.lru_cache(maxsize=1024)
def parse_chord_symbol(text: str) -> Chord:
    """Parse a chord symbol such as 'Dm7', 'G7', 'Bbmaj7', 'F#m7b5', 'C6', 'Ebdim7'.

    music21's harmony.ChordSymbol does the parsing; its pitch classes are then mapped to
    the nearest `ChordQuality` (exact set first, else the best overlap, so 'G13' -> G7).
    A slash bass ('C7/E') is dropped. Raises ChordSymbolError with the offending text.
    """
    symbol = text.strip()
    match = _ROOT_RE.match(symbol)
    if not symbol or match is None:
        raise ChordSymbolError(f"cannot parse chord symbol {text!r}: it must start with A-G")
    letter, accidentals = match.group(1).upper(), match.group(2)
    root = _NOTE_LETTER_PC[letter] + sum(1 if a == "#" else -1 for a in accidentals)
    root %= 12
    rest = symbol[match.end() :].split("/")[0]
    # music21 spells flats "-"; in jazz text "-" after the root means minor (Bb-7 = Bbm7).
    m21_text = letter + accidentals.replace("b", "-") + rest
    quick = _QUICK_SUFFIXES.get(rest)
    if quick is not None:
        return Chord(root, quick)
    try:
        from music21 import harmony

        cs = harmony.ChordSymbol(m21_text)
        pcs = {p.pitchClass for p in cs.pitches}
    except Exception as exc:  # music21 raises many exception types for bad symbols
        raise ChordSymbolError(f"cannot parse chord symbol {text!r}: {exc}") from None
    if not pcs or cs.chordKind in (None, "none"):
        raise ChordSymbolError(f"cannot parse chord symbol {text!r}: no chord kind recognised")
    return Chord(root, _quality_from_pitch_classes(root, pcs))


# Common spellings resolved without importing music21 (checked against music21 in tests).
_QUICK_SUFFIXES: dict[str, ChordQuality] = {
    **{q.suffix: q for q in ChordQuality},
    "M": ChordQuality.MAJOR,
    "maj": ChordQuality.MAJOR,
    "min": ChordQuality.MINOR,
    "-": ChordQuality.MINOR,
    "M7": ChordQuality.MAJOR7,
    "Maj7": ChordQuality.MAJOR7,
    "^7": ChordQuality.MAJOR7,
    "min7": ChordQuality.MINOR7,
    "-7": ChordQuality.MINOR7,
    "ø": ChordQuality.HALF_DIMINISHED,
    "ø7": ChordQuality.HALF_DIMINISHED,
    "m7-5": ChordQuality.HALF_DIMINISHED,
    "o7": ChordQuality.DIMINISHED7,
    "o": ChordQuality.DIMINISHED,
    "+": ChordQuality.AUGMENTED,
    "sus": ChordQuality.SUS4,
    "7sus": ChordQuality.DOMINANT7_SUS4,
    "9": ChordQuality.DOMINANT7,
    "13": ChordQuality.DOMINANT7,
    "m9": ChordQuality.MINOR7,
    "maj9": ChordQuality.MAJOR7,
    "69": ChordQuality.MAJOR6,
    "m6": ChordQuality.MINOR6,
    # Extensions and alterations keep their basic quality (what music21's tones map to).
    "7b9": ChordQuality.DOMINANT7,
    "7#9": ChordQuality.DOMINANT7,
    "7#11": ChordQuality.DOMINANT7,
    "7b13": ChordQuality.DOMINANT7,
    "7b5": ChordQuality.DOMINANT7,
    "7alt": ChordQuality.DOMINANT7,  # music21 does not know 'alt'
    "alt": ChordQuality.DOMINANT7,
    "11": ChordQuality.DOMINANT7,
    "9sus4": ChordQuality.DOMINANT7_SUS4,
    "13sus4": ChordQuality.DOMINANT7_SUS4,
    "9sus": ChordQuality.DOMINANT7_SUS4,
    "13sus": ChordQuality.DOMINANT7_SUS4,
    "m11": ChordQuality.MINOR7,
    "m7b9": ChordQuality.MINOR7,
    "maj7#11": ChordQuality.MAJOR7,
    "add9": ChordQuality.MAJOR,
    "7#5": ChordQuality.AUGMENTED,
    "aug7": ChordQuality.AUGMENTED,
    "+7": ChordQuality.AUGMENTED,
    "mMaj7": ChordQuality.MINOR_MAJOR7,
    "m(maj7)": ChordQuality.MINOR_MAJOR7,
    "mmaj7": ChordQuality.MINOR_MAJOR7,
}
