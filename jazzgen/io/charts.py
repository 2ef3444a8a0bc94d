"""Chord charts as text: 'Dm7 G7 | Cmaj7 | %' into bars of chords.

A chart is bars separated by bar lines `|`. A leading or trailing bar line and the section
marks `||`, `|:`, `:|`, `:|:`, `|]` add no bar (repeat signs are read as bar lines: the
section is not played twice). In a bar, chords are separated by spaces or commas
(`Dm7 G7` or `Dm7,G7`; commas inside parentheses belong to the chord: `C7(b9,#11)`),
`%` alone repeats the previous bar, and `N.C.` (or `NC`) is no chord. Chord symbols are
read by `jazzgen.core.chord_symbols` (see there for the accepted spellings).

A chart file (`parse_chart_file_text`) has the same syntax over several lines, one row of
bars per line, with blank lines and `#` comments. iReal Pro links are read by `io.ireal`.
"""

from __future__ import annotations

import re

from jazzgen.core.chord_symbols import ChordSymbolParseError, parse_chord_label
from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.harmony import Chord

CHART_FORMS = (
    "write bars separated by '|' with chords separated by spaces or commas, e.g. "
    "'Dm7 G7 | Cmaj7 | % | N.C.' ('%' repeats the previous bar, N.C. is no chord)"
)
"""The accepted chart form, shown in chart errors."""

_BAR_LINE_RE = re.compile(r"\[?:*\|+:*\]?")
_REPEAT = "%"
_COMMENT_RE = re.compile(r"(^|\s)#.*$")


def _bar_texts(text: str) -> list[str]:
    """The text of every bar: split at bar lines, without the empty text before a leading
    or after a trailing bar line."""
    pieces = _BAR_LINE_RE.split(text)
    if pieces and not pieces[0].strip():
        pieces = pieces[1:]
    if pieces and not pieces[-1].strip():
        pieces = pieces[:-1]
    return pieces


def _bar_symbols(bar_text: str) -> list[str]:
    """The chord symbols of one bar: split at spaces and commas outside parentheses."""
    symbols: list[str] = []
    current: list[str] = []
    depth = 0
    for char in bar_text:
        depth += (char == "(") - (char == ")")
        if depth <= 0 and (char.isspace() or char == ","):
            depth = 0
            if current:
                symbols.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        symbols.append("".join(current))
    return symbols


def parse_chart(text: str) -> list[list[Chord | None]]:
    """Bars of chords from a chart such as '| Dm7 G7 | Cmaj7 | % | N.C. |' (see module
    doc); None is no chord (N.C.). `%` bars are copies of the previous bar.

    Raises ChordSymbolError naming the bar and the symbol: an empty chart, an empty bar
    ('| |'), a '%' with no bar before it or beside chords, an unreadable symbol.
    """
    if not text.strip():
        raise ChordSymbolError(f"chord chart is empty: {CHART_FORMS}")
    return _parse_bar_texts(_bar_texts(text), text)


def chart_lines(text: str) -> list[str]:
    """The lines of a chart file that hold bars: without `#` comments (a `#` that starts a
    line or follows a space; `F#m7` and `C7#9` keep theirs) and without blank lines."""
    lines = []
    for line in text.splitlines():
        line = _COMMENT_RE.sub("", line).strip()
        if line:
            lines.append(line)
    return lines


def parse_chart_file_text(text: str) -> list[list[Chord | None]]:
    """Bars of chords from the text of a chart file: the --chords syntax over any number
    of lines (each line a row of bars; a line's leading and trailing bar lines add no bar),
    blank lines and `#` comments allowed (see `chart_lines`)."""
    lines = chart_lines(text)
    if not lines:
        raise ChordSymbolError(f"chord chart file has no bars (only comments): {CHART_FORMS}")
    bar_texts = [bar for line in lines for bar in _bar_texts(line)]
    return _parse_bar_texts(bar_texts, " | ".join(lines))


def _parse_bar_texts(bar_texts: list[str], text: str) -> list[list[Chord | None]]:
    """Bars of chords from the text of every bar (see `parse_chart`)."""
    bars: list[list[Chord | None]] = []
    for number, bar_text in enumerate(bar_texts, start=1):
        symbols = _bar_symbols(bar_text)
        if not symbols:
            raise ChordSymbolError(
                f"chord chart bar {number} is empty (write '%' to repeat a bar): {CHART_FORMS}"
            )
        if _REPEAT in symbols:
            if symbols != [_REPEAT] or not bars:
                problem = "has no bar before it" if not bars else "must stand alone in its bar"
                raise ChordSymbolError(
                    f"chord chart bar {number}: the repeat '%' {problem}: {CHART_FORMS}"
                )
            bars.append(list(bars[-1]))
            continue
        chords: list[Chord | None] = []
        for symbol in symbols:
            try:
                chords.append(parse_chord_label(symbol))
            except ChordSymbolParseError as exc:
                where = f"in chord chart bar {number}"
                raise ChordSymbolParseError(exc.text, exc.problem, where) from None
        bars.append(chords)
    if not bars:
        raise ChordSymbolError(f"chord chart {text!r} has no bars: {CHART_FORMS}")
    return bars


def parse_progression(text: str) -> list[list[Chord]]:
    """Bars of chords from a chart such as 'Dm7 G7 | Cmaj7 | % | A7' (see `parse_chart`).

    No chord (N.C.) continues the chord before it (see `fill_no_chords`). Raises
    ChordSymbolError (see `parse_chart`; also for a chart of only N.C.).
    """
    return fill_no_chords(parse_chart(text), text)


def fill_no_chords(bars: list[list[Chord | None]], text: str) -> list[list[Chord]]:
    """`bars` with every no chord (None) replaced by the chord before it, where the harmony
    goes on while the band stops (at the start: the first chord after it), so every bar
    has chords to solo over. ChordSymbolError for a chart `text` of only N.C."""
    first = next((chord for bar in bars for chord in bar if chord is not None), None)
    if first is None:
        raise ChordSymbolError(f"chord chart {text!r} has no chords, only N.C.: {CHART_FORMS}")
    current = first
    resolved: list[list[Chord]] = []
    for bar in bars:
        chords = []
        for chord in bar:
            current = chord if chord is not None else current
            chords.append(current)
        resolved.append(chords)
    return resolved
