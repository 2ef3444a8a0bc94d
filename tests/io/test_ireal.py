"""iReal Pro links: both schemes, playlists, the form played out, iReal's chord spellings.

Links are built by hand (tests/ireal_links.py).
"""

from __future__ import annotations

import pytest
from ireal_links import irealb_link, irealbook_link

from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.types import TimeSignature
from jazzgen.io.ireal import (
    IrealTune,
    ireal_chord,
    read_ireal,
    select_tune,
    unscramble,
)


def symbols(tune: IrealTune) -> list[str]:
    """Each bar as its chord symbols joined by spaces ('N.C.' for no chord)."""
    return [" ".join(c.symbol if c else "N.C." for c in bar.chords) for bar in tune.bars]


AUTUMN = "[T44*AA-7XyQ|D7XyQ|G^7XyQ|C^7XyQ|Bh7 E7b9 |A-7XyQZ"


def test_unscramble_undoes_itself_and_leaves_short_tails() -> None:
    text = "".join(chr(ord("A") + i % 26) for i in range(173))
    assert unscramble(unscramble(text)) == text
    assert unscramble(text) != text
    assert unscramble(text[:51]) == text[:51]  # 50 or 51 characters left: not scrambled
    block = unscramble(text[:52])
    assert block[:5] == text[45:50][::-1] and block[50:] == text[50:52]


def test_irealb_tune_metadata_and_chords() -> None:
    (tune,) = read_ireal(irealb_link(("Autumn", "G-", AUTUMN), bpm=132))
    assert (tune.title, tune.composer, tune.style, tune.key) == (
        "Autumn",
        "Composer Some",
        "Medium Swing",
        "G-",
    )
    assert tune.key_fifths == -2  # G minor: two flats
    assert tune.time_signature == TimeSignature(4, 4)
    assert tune.qpm == 132.0
    assert symbols(tune) == ["Am7", "D7", "Gmaj7", "Cmaj7", "Bm7b5 E7b9", "Am7"]
    assert tune.bars[4].cell == (0, 2) and tune.bars[4].cells == 4  # E7b9 on beat 3


def test_irealbook_reads_like_irealb() -> None:
    plain = read_ireal(irealbook_link(("Autumn", "G-", AUTUMN)))
    scrambled = read_ireal(irealb_link(("Autumn", "G-", AUTUMN)))
    assert symbols(plain[0]) == symbols(scrambled[0])
    assert plain[0].qpm is None


def test_abbreviations_are_written_out() -> None:
    # XyQ = three spaces, LZ = ' |', Kcl = '| x' (repeat the bar)
    (tune,) = read_ireal(irealb_link(("T", "C", "[T44C^7XyQKclLZD-7 G7 LZ|C^7XyQZ")))
    assert symbols(tune) == ["Cmaj7", "Cmaj7", "Dm7 G7", "Cmaj7"]


def test_playlist_pick_by_number_or_title() -> None:
    link = irealb_link(
        ("Autumn", "G-", AUTUMN), ("Blue Bossa", "C-", "[T44C-7XyQ|F-7XyQZ"), playlist="Set 1"
    )
    tunes = read_ireal(link)
    assert [t.title for t in tunes] == ["Autumn", "Blue Bossa"]
    assert select_tune(tunes, "2").title == "Blue Bossa"
    assert select_tune(tunes, "blue bossa").title == "Blue Bossa"
    with pytest.raises(ChordSymbolError, match=r"no tune .Misty.*1 Autumn, 2 Blue Bossa"):
        select_tune(tunes, "Misty")
    with pytest.raises(ChordSymbolError, match="holds 2 tunes: pick one with --tune"):
        select_tune(tunes, None)


def test_links_in_an_html_export() -> None:
    first = irealb_link(("Autumn", "G-", AUTUMN))
    second = irealbook_link(("Blues", "F", "[T44F7XyQ|Bb7XyQ|F7XyQZ"))
    html = f'<html><body><a href="{first}">Autumn</a><br><a href="{second}">B</a></body></html>'
    assert [t.title for t in read_ireal(html)] == ["Autumn", "Blues"]
    with pytest.raises(ChordSymbolError, match="no iReal Pro link"):
        read_ireal("<html>nothing here</html>")


@pytest.mark.parametrize(
    ("music", "expected"),
    [
        # a repeat with first and second endings
        ("{C^7 |A-7 |N1D-7 |G7 }|N2E-7 |A7 Z", "C A D G C A E A"),
        # three endings
        ("{C^7 |N1D-7 }|N2E-7 }|N3F^7 Z", "C D C E C F"),
        # <3x>: the repeat is played three times
        ("{C^7 <3x>|D-7 }|G7 Z", "C D C D C D G"),
        # a repeat without a start sign repeats from the top
        ("C^7 |D-7 }|G7 Z", "C D C D G"),
        # x repeats the bar before, r the two bars before
        ("C^7 | x |D-7 |G7 | r|   |C^7 Z", "C C D G D G C"),
        # D.S. al Coda: back to the segno, leave at the first Q for the coda at the second
        ("C^7 |SD-7 |G7 |QE-7 |A7<D.S. al Coda> ]QF^7 Z", "C D G E A D G F"),
        # two Qs without the text act the same (from the top without a segno)
        ("C^7 |D-7 |QG7 |A7 ]QF^7 Z", "C D G A C D F"),
        # D.C. al Fine: back to the top, stop at Fine
        ("C^7 |D-7<Fine> |G7 |A7<D.C. al Fine> Z", "C D G A C D"),
        # on the way back repeats are not taken and only the last ending is played
        ("{C^7 |N1D-7 }|N2E-7 |A7<D.C. al Fine> ]G7<Fine> Z", "C D C E A C E A G"),
    ],
)
def test_form_is_played_out(music: str, expected: str) -> None:
    (tune,) = read_ireal(irealb_link(("T", "C", "T44" + music)))
    roots = [" ".join(c.symbol[0] for c in bar.chords if c) for bar in tune.bars]
    assert " ".join(roots) == expected


def test_dc_al_fine_without_fine_plays_to_the_end() -> None:
    (tune,) = read_ireal(irealb_link(("T", "C", "T44{C^7 |N1D-7 }|N2E-7 |A7<D.C. al Fine>Z")))
    assert [bar.chords[0].symbol[0] for bar in tune.bars if bar.chords[0]] == list("CDCEACEA")


@pytest.mark.parametrize(
    ("music", "expected"),
    [
        ("C^7  G7|", (["Cmaj7 G7"], [(0, 3)])),  # a cell per beat: G7 on beat 4
        ("C^7 G7 |", (["Cmaj7 G7"], [(0, 2)])),
        ("n C^7 |", (["N.C. Cmaj7"], [(0, 2)])),
        ("C^7 pG7|", (["Cmaj7 G7"], [(0, 3)])),  # p: a slash, the chord goes on
        ("C^7 W/B |", (["Cmaj7 Cmaj7/B"], [(0, 2)])),  # W: the chord before over B
        ("C^7(A-7) D-7 |", (["Cmaj7 Dm7"], [(0, 2)])),  # (alternate chords) ignored
    ],
)
def test_cells(music: str, expected: tuple[list[str], list[tuple[int, ...]]]) -> None:
    (tune,) = read_ireal(irealb_link(("T", "C", "T44" + music)))
    assert (symbols(tune), [bar.cell for bar in tune.bars]) == expected


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("C^7", "Cmaj7"),
        ("C^", "Cmaj7"),
        ("C-7", "Cm7"),
        ("C-", "Cm"),
        ("Ch7", "Cm7b5"),
        ("Ch", "Cm7b5"),
        ("Cø7", "Cm7b5"),
        ("Co7", "Cdim7"),
        ("Co", "Cdim"),
        ("C-^7", "CmM7"),
        ("C7b9", "C7b9"),
        ("C7#9", "C7#9"),
        ("C7alt", "C7alt"),
        ("C7sus", "C7sus4"),
        ("Csus", "Csus4"),
        ("C^7#11", "Cmaj7#11"),
        ("C^7#5", "Cmaj7#5"),
        ("C+", "Caug"),
        ("C6", "C6"),
        ("C-6", "Cm6"),
        ("C13", "C7"),
        ("C7b9b13", "C7b9b13"),
        ("C5", "C"),
        ("C2", "C"),
        ("C7add3sus", "C7sus4"),
        ("Bb^7/D", "Bbmaj7/D"),
        ("F#h7", "F#m7b5"),
    ],
)
def test_ireal_qualities(text: str, symbol: str) -> None:
    chord = ireal_chord(text, None)
    assert chord is not None and chord.symbol == symbol
    assert ireal_chord("n", None) is None


def test_meters() -> None:
    (waltz,) = read_ireal(irealb_link(("W", "Bb", "T34Bb^7  |G-7  |C-7 F7 Z")))
    assert waltz.time_signature == TimeSignature(3, 4)
    (six,) = read_ireal(irealb_link(("S", "C", "T68C^7 |T68D-7 Z")))
    assert six.time_signature == TimeSignature(6, 8)
    (twelve,) = read_ireal(irealb_link(("T", "C", "T12C^7 |D-7 Z")))
    assert twelve.time_signature == TimeSignature(12, 8)
    with pytest.raises(ChordSymbolError, match="changes meter to 3/4 in written bar 2"):
        read_ireal(irealb_link(("M", "C", "T44C^7 |T34D-7 Z")))


def test_errors_name_the_tune_and_bar() -> None:
    with pytest.raises(ChordSymbolError, match=r"'C7b11' in iReal tune 'Bad' bar 2"):
        read_ireal(irealb_link(("Bad", "C", "T44C^7 |C7b11 Z")))
    with pytest.raises(ChordSymbolError, match="repeats 1 bar"):
        read_ireal(irealb_link(("Bad", "C", "T44 x |C^7 Z")))
    with pytest.raises(ChordSymbolError, match="not an iReal Pro link"):
        read_ireal("irealbook://only=three=fields")
