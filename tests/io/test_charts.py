"""Chord charts: bar lines, chords per bar, repeats, no chord, error messages."""

from __future__ import annotations

import pytest

from jazzgen.core.errors import ChordSymbolError
from jazzgen.io.charts import CHART_FORMS, parse_chart, parse_chart_file_text, parse_progression


def _symbols(bars) -> list[list[str | None]]:
    return [[None if chord is None else chord.symbol for chord in bar] for bar in bars]


def test_parse_progression() -> None:
    bars = parse_progression("Dm7 G7 | Cmaj7 | % | A7")
    assert _symbols(bars) == [["Dm7", "G7"], ["Cmaj7"], ["Cmaj7"], ["A7"]]


@pytest.mark.parametrize(
    "text",
    [
        "Dm7 G7 | Cmaj7",
        "| Dm7 G7 | Cmaj7 |",
        "Dm7 G7 | Cmaj7 |",
        "|| Dm7 G7 | Cmaj7 ||",
        "|: Dm7 G7 | Cmaj7 :|",
        "Dm7 G7 || Cmaj7 |]",
        "Dm7,G7 | Cmaj7",
        "Dm7, G7 |Cmaj7",
        "  Dm7   G7|Cmaj7  ",
    ],
)
def test_bar_lines_and_separators(text: str) -> None:
    """Leading/trailing bar lines and section marks add no bar; spaces or commas split."""
    assert _symbols(parse_chart(text)) == [["Dm7", "G7"], ["Cmaj7"]]


def test_commas_inside_parentheses_belong_to_the_chord() -> None:
    assert _symbols(parse_chart("C7(b9,#11) F, Bb7(b9, b13)")) == [["C7b9", "F", "Bb7b9b13"]]


def test_the_reported_chart_problems() -> None:
    assert _symbols(parse_chart("Dm7,G7,Cmaj7")) == [["Dm7", "G7", "Cmaj7"]]
    assert _symbols(parse_chart("CΔ7 | C°7 | Cø7 | Dm7 G7 |")) == [
        ["Cmaj7"],
        ["Cdim7"],
        ["Cm7b5"],
        ["Dm7", "G7"],
    ]
    assert _symbols(parse_chart("Ebmaj7#5 | F/A | C7alt")) == [["Ebmaj7#5"], ["F/A"], ["C7alt"]]


def test_repeat_copies_the_whole_previous_bar() -> None:
    assert _symbols(parse_chart("Dm7 G7 | % | % | C6")) == [
        ["Dm7", "G7"],
        ["Dm7", "G7"],
        ["Dm7", "G7"],
        ["C6"],
    ]


def test_no_chord() -> None:
    chart = "N.C. | Dm7 G7 | NC | C6 N.C."
    assert _symbols(parse_chart(chart)) == [[None], ["Dm7", "G7"], [None], ["C6", None]]
    # the progression to solo over: no chord holds the harmony before it (the first chord
    # at the start)
    assert _symbols(parse_progression(chart)) == [["Dm7"], ["Dm7", "G7"], ["G7"], ["C6", "C6"]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "chord chart is empty"),
        ("   ", "chord chart is empty"),
        ("|", "has no bars"),
        ("| |", "bar 1 is empty"),
        ("Dm7 | | G7", "bar 2 is empty (write '%' to repeat a bar)"),
        ("% | Dm7", "bar 1: the repeat '%' has no bar before it"),
        ("Dm7 | % G7", "bar 2: the repeat '%' must stand alone in its bar"),
        ("Dm7 | G7 | H7", "cannot parse chord symbol 'H7' in chord chart bar 3: it must start"),
        ("Dm7 G7 | Cxyz", "symbol 'Cxyz' in chord chart bar 2: 'xyz' is not understood"),
    ],
)
def test_errors_name_the_bar_and_show_the_form(text: str, message: str) -> None:
    with pytest.raises(ChordSymbolError) as info:
        parse_chart(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert CHART_FORMS in str(info.value) or "write a root A-G" in str(info.value)


def test_a_progression_needs_a_chord() -> None:
    assert _symbols(parse_chart("N.C. | NC")) == [[None], [None]]
    with pytest.raises(ChordSymbolError, match=r"has no chords, only N\.C\."):
        parse_progression("N.C. | NC")


def test_chart_file_lines_comments_and_repeats() -> None:
    text = """
    # Blue Monk-ish, one row per line
    | Bb7 Eb7 | Bb7 | Eb7 | Edim7 |   # comment after the bars

    F#m7 B7 | %
    C7#9 |
    """
    bars = parse_chart_file_text(text)
    assert _symbols(bars) == [
        ["Bb7", "Eb7"], ["Bb7"], ["Eb7"], ["Edim7"], ["F#m7", "B7"], ["F#m7", "B7"], ["C7#9"]
    ]  # fmt: skip


def test_chart_file_errors_count_bars_across_lines() -> None:
    with pytest.raises(ChordSymbolError, match="chord chart bar 3"):
        parse_chart_file_text("Dm7 | G7\nH7")
    with pytest.raises(ChordSymbolError, match="no bars"):
        parse_chart_file_text("# only a comment\n\n")
