"""iReal Pro links (`irealb://`, `irealbook://`) into tunes with their chord changes.

iReal Pro, the practice app, shares charts as links; one link holds a tune or a playlist.
`read_ireal(text)` finds every link in a text (a pasted link, or an iReal Pro HTML export)
and returns its tunes (`IrealTune`: title, composer, style, key, meter, tempo, and the bars
of chords in the order they are played); `select_tune(tunes, "2")` or
`select_tune(tunes, "Blue Bossa")` picks one.

The format is not published in full; we followed the descriptions and readers in
pianosnake/ireal-reader (unscramble.js, Parser.js), drs251/pyRealParser,
daumling/ireal-renderer (field order, the cell model) and infojunkie/ireal-musicxml
(doc/irealpro.md). The code here is our own.

- `irealbook://` (old, plain text): 6 fields per tune, `Title=Composer=Style=Key=n=Music`.
- `irealb://`: `Title=Composer==Style=Key=Transpose=Music=CompStyle=BPM=Repeats` per tune,
  tunes separated by `===`, a playlist name after the last. The music starts with
  `1r34LbKcu7` and is scrambled in blocks of 50 characters (`unscramble`); then `XyQ`
  stands for three spaces, `LZ` for ' |' and `Kcl` for '| x'.
- Music: cells of a grid. A chord or a space fills one cell (`C^7 A-7 ` is four cells);
  a bar whose cells match its beats (4 in 4/4) puts each chord on the beat of its cell
  (`cell` in `IrealBar`), other bars share the bar evenly. Bar lines `| [ ] { } Z`;
  `{ }` repeat (`<3x>` in a comment: three times), `N1 N2 N3` endings, `x` repeats the
  previous bar, `r` the previous two, `p` continues the chord, `n` is N.C., `W/D` is the
  previous chord over D; `T44 T34 T68 T12` (12/8) meters; `*A` sections, `S` segno, `Q`
  coda, `f s l Y U ,` fermata, small/large chords, spacers, end and separators (ignored),
  `(C7)` alternate chords and other comments (ignored).
- Played out: repeats and endings; `<D.C. al Coda>`, `<D.S. al Coda>` (the first Q leaves
  for the coda at the second Q; two Qs without the text act the same), `<D.C. al Fine>`,
  `<D.S. al Fine>` (to the bar with `<Fine>`). On the way back repeats are not taken and
  only the last ending is played. Not expanded (read as written, with a warning): other
  directives (`D.C. al 2nd End.`); not supported: a meter change inside a tune (an error),
  the Transpose field (the chords are read as written).

iReal spells chord qualities its own way (`^7 -7 h7 o7 7b9 7alt 7sus -^7 ^7#11 6/9 5 2`);
`ireal_chord` maps them onto `core.chord_symbols` (h -> ø, C5 -> C, C2 -> Cadd2, -b6 ->
m(b13), 7add3sus -> 7sus).
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from dataclasses import dataclass, field

from jazzgen.core.chord_symbols import ChordSymbolParseError, parse_chord_label
from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.harmony import Chord
from jazzgen.core.types import TimeSignature

log = logging.getLogger(__name__)

LINK_RE = re.compile(r"ireal(?:b|book)://[^\s\"'<>]+", re.IGNORECASE)
"""An iReal Pro link inside any text (percent-encoded, so it has no spaces or quotes)."""

MUSIC_PREFIX = "1r34LbKcu7"
MAX_PLAYED_BARS = 4096  # a form that plays out longer than this is broken

_TOKEN_RE = re.compile(
    r"""
    (?P<comment><[^>]*>)
    | (?P<section>\*[A-Za-z])
    | (?P<meter>T\d\d)
    | (?P<ending>N\d)
    | (?P<chord>(?:[A-G][b#]?|W)(?:sus|alt|add|[-+^\dhob#ø])*(?:\*[^*]*\*)?(?:/[A-G][b#]?)?)
    | (?P<alternate>\([^)]*\))
    | (?P<barline>[\[\]{}|Z])
    | (?P<symbol>[xrnpSQ])
    | (?P<space>\ )
    """,
    re.VERBOSE,
)
_SUFFIXES = {"5": "", "2": "add2", "-b6": "-(b13)", "7add3sus": "7sus"}  # iReal -> ours
_DIRECTIVE_RE = re.compile(r"d\.?\s*([cs])\.?\s*al\s+(coda|fine)", re.IGNORECASE)
_TIMES_RE = re.compile(r"^\s*(\d+)\s*x\s*$", re.IGNORECASE)
_MAJOR_FIFTHS = {
    "Cb": -7, "Gb": -6, "Db": -5, "Ab": -4, "Eb": -3, "Bb": -2, "F": -1, "C": 0,
    "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F#": 6, "C#": 7,
}  # fmt: skip
_MINOR_FIFTHS = {
    "Ab": -7, "Eb": -6, "Bb": -5, "F": -4, "C": -3, "G": -2, "D": -1, "A": 0,
    "E": 1, "B": 2, "F#": 3, "C#": 4, "G#": 5, "D#": 6, "A#": 7,
}  # fmt: skip


@dataclass(frozen=True)
class IrealBar:
    """One played bar: its chords (None = N.C.) with the cell each starts in, of `cells`."""

    chords: tuple[Chord | None, ...]
    cell: tuple[int, ...]  # the cell of each chord, from 0
    cells: int  # cells in the bar


@dataclass(frozen=True)
class IrealTune:
    """A tune of an iReal Pro link, its form played out (see module doc)."""

    title: str
    composer: str
    style: str
    key: str  # iReal's spelling: 'Eb', 'C-' (minor)
    time_signature: TimeSignature
    qpm: float | None  # the link's tempo, None when it has none
    bars: tuple[IrealBar, ...]

    @property
    def key_fifths(self) -> int | None:
        """Sharps (+) / flats (-) of the key signature, None for a key iReal did not give."""
        if self.key.endswith("-"):
            return _MINOR_FIFTHS.get(self.key[:-1])
        return _MAJOR_FIFTHS.get(self.key)


@dataclass
class _RawBar:
    """A bar as written: cells (chord text, 'x', 'r', 'n', or None for an empty cell) and
    the signs around it."""

    cells: list[str | None] = field(default_factory=list)
    repeat_start: bool = False
    repeat_end: bool = False
    times: int = 0  # from a '<3x>' comment
    ending: int = 0  # N1 -> 1
    segno: bool = False
    coda: bool = False
    fine: bool = False
    directive: tuple[str, str] | None = None  # ('s', 'coda') for D.S. al Coda
    meter: TimeSignature | None = None

    @property
    def has_music(self) -> bool:
        return any(cell is not None for cell in self.cells)


def unscramble(music: str) -> str:
    """The music string of an `irealb://` tune without its scrambling (after the prefix).

    Every block of 50 characters but the last (when 50 or 51 are left, they stay as they
    are) has characters 0-4 swapped with 49-45 and 10-23 with 39-26; the swap undoes
    itself, so the same function scrambles (tests use it to build links).
    """
    out = []
    while len(music) > 51:
        block = list(music[:50])
        for i in (*range(5), *range(10, 24)):
            block[i], block[49 - i] = music[49 - i], music[i]
        out.append("".join(block))
        music = music[50:]
    return "".join(out) + music


def _plain_music(music: str) -> str:
    """The music with iReal's abbreviations written out (XyQ, LZ, Kcl)."""
    return music.replace("Kcl", "| x").replace("LZ", " |").replace("XyQ", "   ")


def _tune_fields(link: str) -> list[tuple[list[str], str]]:
    """(metadata fields, plain music) of every tune of one link. Metadata: title,
    composer, style, key, then (irealb only) comp style, bpm."""
    scheme, _, body = link.partition("://")
    body = urllib.parse.unquote(body.replace("&amp;", "&"))
    fields = body.split("=")
    tunes = []
    if scheme.lower() == "irealbook":
        while fields and not fields[-1]:
            fields.pop()
        if not fields or len(fields) % 6:
            raise ChordSymbolError(f"not an iReal Pro link: {link[:60]}... (irealbook:// wants "
                                   "Title=Composer=Style=Key=n=Music per tune)")  # fmt: skip
        for k in range(0, len(fields), 6):
            title, composer, style, key, _, music = fields[k : k + 6]
            tunes.append(([title, composer, style, key, "", ""], _plain_music(music)))
        return tunes
    for m, text in enumerate(fields):
        if text.startswith(MUSIC_PREFIX) and m >= 6:
            meta = fields[m - 6 : m - 4] + fields[m - 3 : m - 1] + fields[m + 1 : m + 3]
            tunes.append((meta, _plain_music(unscramble(text[len(MUSIC_PREFIX) :]))))
    if not tunes:
        raise ChordSymbolError(f"not an iReal Pro link (no tune in it): {link[:60]}...")
    return tunes


def read_ireal(text: str) -> list[IrealTune]:
    """Every tune of every iReal Pro link in `text` (a link, or an iReal Pro HTML export).

    Raises ChordSymbolError when there is no link, a link is malformed, or a tune has a
    chord our parser cannot read (naming the tune and the bar).
    """
    links = LINK_RE.findall(text)
    if not links:
        raise ChordSymbolError("no iReal Pro link (irealb:// or irealbook://) found")
    tunes = []
    for link in links:
        for meta, music in _tune_fields(link):
            tunes.append(_make_tune(meta, music))
    return tunes


def is_ireal(text: str) -> bool:
    """True when `text` holds an iReal Pro link."""
    return LINK_RE.search(text) is not None


def _make_tune(meta: list[str], music: str) -> IrealTune:
    """The tune of one link entry: its metadata and its music played out."""
    title, composer, style, key, _, bpm = (meta + [""] * 6)[:6]
    title = title.strip() or "untitled"
    raw = _read_bars(music)
    if not raw:
        raise ChordSymbolError(f"iReal tune {title!r} has no bars")
    meter = raw[0].meter or TimeSignature(4, 4)
    for number, bar in enumerate(raw[1:], start=2):
        if bar.meter is not None and (bar.meter.numerator, bar.meter.denominator) != (
            meter.numerator,
            meter.denominator,
        ):
            raise ChordSymbolError(
                f"iReal tune {title!r} changes meter to {bar.meter} in written bar {number}: "
                f"jazzgen solos in one meter ({meter})"
            )
    played = _resolve(_play_order(raw, title), title)
    qpm = float(bpm) if bpm.strip().isdigit() and 20 <= int(bpm) <= 400 else None
    return IrealTune(title, composer.strip(), style.strip(), key.strip(), meter, qpm, played)


# --- reading the written bars ------------------------------------------------------------


def _meter(text: str) -> TimeSignature:
    """'T44' -> 4/4, 'T68' -> 6/8, 'T12' -> 12/8."""
    if text == "T12":
        return TimeSignature(12, 8)
    return TimeSignature.parse(f"{text[1]}/{text[2]}")


def _read_comment(bar: _RawBar, comment: str) -> None:
    """Directives, Fine and repeat counts from a `<...>` comment (others are ignored)."""
    directive = _DIRECTIVE_RE.search(comment)
    if directive is not None and not re.search(r"\d(st|nd|rd|th)", comment):
        bar.directive = (directive.group(1).lower(), directive.group(2).lower())
    elif comment.strip().lower() == "fine":
        bar.fine = True
    elif (times := _TIMES_RE.match(comment)) is not None:
        bar.times = int(times.group(1))
    elif re.match(r"\s*d\.?\s*[cs]\.", comment, re.IGNORECASE):
        log.warning("iReal directive %r is not played out: the bars are read as written", comment)


def _close(bars: list[_RawBar], bar: _RawBar, sign: str) -> _RawBar:
    """End `bar` at the bar line `sign`; return the next bar. An empty bar (no chord, no
    repeat sign) is not a bar: its signs move to the bar before or the next one."""
    if bar.has_music:
        bars.append(bar)
        target: _RawBar | None = bar
        nxt = _RawBar()
    else:
        target = bars[-1] if bars else None
        nxt = _RawBar(
            repeat_start=bar.repeat_start, ending=bar.ending, segno=bar.segno,
            coda=bar.coda, meter=bar.meter, times=bar.times,
        )  # fmt: skip
        if target is not None:
            target.fine |= bar.fine
            target.directive = bar.directive or target.directive
    if sign == "}" and target is not None:
        target.repeat_end = True
    if sign == "{":
        nxt.repeat_start = True
    return nxt


def _read_bars(music: str) -> list[_RawBar]:
    """The written bars of a plain music string (see module doc)."""
    bars: list[_RawBar] = []
    bar = _RawBar()
    pos = 0
    while pos < len(music):
        match = _TOKEN_RE.match(music, pos)
        if match is None:  # , f s l Y U and anything unknown: no cell
            pos += 1
            continue
        kind, text = match.lastgroup, match.group()
        pos = match.end()
        if kind == "barline":
            bar = _close(bars, bar, text)
        elif kind in ("chord", "symbol") and text not in ("S", "Q"):
            bar.cells.append(None if text == "p" else text)
        elif kind == "space":
            bar.cells.append(None)
        elif kind == "comment":
            _read_comment(bar, text[1:-1])
        elif kind == "meter":
            bar.meter = _meter(text)
        elif kind == "ending":
            bar.ending = int(text[1])
        elif text == "S":
            bar.segno = True
        elif text == "Q":
            bar.coda = True
    _close(bars, bar, "|")
    return bars


# --- playing the form out ----------------------------------------------------------------


def _passes(bars: list[_RawBar], start: int) -> int:
    """How often the repeat from bar `start` is played: 2, more for a '<3x>' comment or a
    third ending (the endings up to the next repeat start count)."""
    count = 2
    for k in range(start, len(bars)):
        if k > start and bars[k].repeat_start:
            break
        count = max(count, bars[k].ending, bars[k].times)
    return count


def _skip_ending(bars: list[_RawBar], k: int) -> int:
    """The bar after the ending that starts at bar `k` (it ends with a repeat sign, or
    where the next ending starts)."""
    while k < len(bars):
        if bars[k].repeat_end:
            return k + 1
        k += 1
        if k < len(bars) and bars[k].ending:
            return k
    return k


def _last_ending(bars: list[_RawBar], k: int) -> bool:
    """Whether the ending at bar `k` is the last of its repeat (no higher ending follows
    before the next repeat starts)."""
    for later in bars[k + 1 :]:
        if later.repeat_start:
            return True
        if later.ending > bars[k].ending:
            return False
    return True


def _play_order(bars: list[_RawBar], title: str) -> list[_RawBar]:
    """The written bars in the order they are played (see module doc)."""
    codas = [k for k, b in enumerate(bars) if b.coda]
    segno = next((k for k, b in enumerate(bars) if b.segno), 0)
    played: list[_RawBar] = []
    passes: dict[int, int] = {}
    start, k, pass_number, back = 0, 0, 1, None  # back: 'coda' / 'fine' after a D.C./D.S.
    while k < len(bars):
        bar = bars[k]
        if len(played) > MAX_PLAYED_BARS:
            raise ChordSymbolError(f"iReal tune {title!r} plays more than {MAX_PLAYED_BARS} bars")
        if bar.repeat_start and back is None and k != start:
            start, pass_number = k, passes.get(k, 0) + 1
        if bar.ending and (
            (back is None and bar.ending != pass_number)
            or (back is not None and not _last_ending(bars, k))
        ):
            k = _skip_ending(bars, k)
            continue
        if back == "coda" and len(codas) >= 2 and k == codas[0]:
            k = codas[1]
            back = "done"
            continue
        if back is None and len(codas) >= 2 and k == codas[1]:  # two Qs, no directive
            k, back = (segno if bars[segno].segno else 0), "coda"
            continue
        played.append(bar)
        if back == "fine" and bar.fine:
            break
        if back is None and bar.repeat_end and passes.get(start, 1) < _passes(bars, start):
            passes[start] = passes.get(start, 1) + 1
            k, pass_number = start, passes[start]
            continue
        if back is None and bar.directive is not None:
            sign, back = bar.directive
            k = segno if sign == "s" else 0
            continue
        k += 1
    return played


# --- chords ----------------------------------------------------------------------------


def ireal_chord(text: str, previous: Chord | None) -> Chord | None:
    """The chord of an iReal chord cell ('Bh7', 'C-^7', 'W/D'); 'n' is N.C. (None).

    ChordSymbolParseError for a chord our parser cannot read.
    """
    if text == "n":
        return None
    text = re.sub(r"\*[^*]*\*", "", text)  # iReal's private chord comments
    symbol, _, bass = text.partition("/")
    if symbol == "W":  # an invisible root: the chord before, over a new bass
        if previous is None:
            raise ChordSymbolParseError(text, "W (the chord before, over a bass) opens the tune")
        over = parse_chord_label(bass) if bass else None  # a triad on the bass: its root
        return Chord(previous.root, previous.quality, over.root if over else previous.bass)
    root = symbol[:2] if len(symbol) > 1 and symbol[1] in "b#" else symbol[:1]
    suffix = symbol[len(root) :].replace("h", "ø")
    suffix = _SUFFIXES.get(suffix, suffix)
    return parse_chord_label(root + suffix + (f"/{bass}" if bass else ""))


def _resolve(played: list[_RawBar], title: str) -> tuple[IrealBar, ...]:
    """`IrealBar`s of the played bars: chords read, 'x' and 'r' repeats copied."""
    bars: list[IrealBar] = []
    previous: Chord | None = None
    for number, raw in enumerate(played, start=1):
        marks = [cell for cell in raw.cells if cell in ("x", "r")]
        if marks:
            need = 2 if marks[0] == "r" else 1
            if len(bars) < need:
                raise ChordSymbolError(
                    f"iReal tune {title!r} bar {number}: '{marks[0]}' repeats "
                    f"{need} bar(s) but fewer come before it"
                )
            bars.extend(bars[-need:])
            continue
        chords: list[Chord | None] = []
        cells: list[int] = []
        for index, cell in enumerate(raw.cells):
            if cell is None:
                continue
            try:
                chord = ireal_chord(cell, previous)
            except ChordSymbolParseError as exc:
                where = f"in iReal tune {title!r} bar {number}"
                raise ChordSymbolParseError(exc.text, exc.problem, where) from None
            previous = chord if chord is not None else previous
            chords.append(chord)
            cells.append(index)
        bars.append(IrealBar(tuple(chords), tuple(cells), len(raw.cells)))
    return tuple(bars)


def select_tune(tunes: list[IrealTune], tune: str | None) -> IrealTune:
    """The tune named `tune` (its number from 1, or its title in any case); the only tune
    when `tune` is None. ChordSymbolError listing the tunes otherwise."""
    listing = ", ".join(f"{n} {t.title}" for n, t in enumerate(tunes, start=1))
    if tune is None:
        if len(tunes) == 1:
            return tunes[0]
        raise ChordSymbolError(
            f"the iReal link holds {len(tunes)} tunes: pick one with --tune NAME or "
            f"--tune N ({listing})"
        )
    text = tune.strip()
    if text.isdigit() and 1 <= int(text) <= len(tunes):
        return tunes[int(text) - 1]
    matches = [t for t in tunes if t.title.lower() == text.lower()]
    if matches:
        return matches[0]
    raise ChordSymbolError(f"no tune {tune!r} in the iReal link; its tunes: {listing}")
