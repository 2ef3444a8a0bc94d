"""Chord symbols as text: one parser for chord charts and the Weimar Jazz Database.

`parse_chord_symbol('Dm7')` -> `Chord`; `parse_chord_label('N.C.')` -> None (no chord);
`spell_chord_symbol` gives what a symbol spells (root, every interval it names, bass)
before it is reduced to the nearest `ChordQuality` (`nearest_quality`).

A symbol is a root (A-G, then # or b: `C#`, `Bb`, `Cb`), a suffix, and an optional slash
bass (`C7/E`, `F/A`). The suffix reads, in any usual order:

- major seventh `maj7 M7 ma7 Δ7 ^7 j7` (`Δ`, `^`, `j` alone are maj7; `maj`/`M` alone a
  triad); minor `m - min mi`; half-diminished `ø m7b5 -7b5 ø7`; diminished `o ° dim`
  (`o7 °7 dim7`); augmented `+ aug` (right after the root) or `#5`; `sus sus4 sus2`
- numbers: `6 69 6/9 7 9 11 13` (a 9, 11 or 13 implies the 7th: C13 = C7 + 9 + 13;
  `add9 add11 add13` do not); alterations `b5 #5 b9 #9 #11 b13` (also `-5 +5 -9 +9 +11`,
  a trailing `+` is #5; a b9 or #9 implies the 7th: C(b9) = C7b9) and `alt`, bare or in
  parentheses: `C7(b9,#11)`
- the Weimar Jazz Database's dialect: accidentals after the extension, all after the 7th,
  ascending: `C79b` = C7b9, `C7913` = C7 with 9 and 13, `Ebj7911#` = Ebmaj7 with 9 and #11,
  `Fsus7` = F7sus4, `C-7` = Cm7, `G+7` = G7#5; `NC` is no chord
- no chord: `N.C.`, `NC`, `N/C`

Qualities (`ChordQuality`) keep what changes the chord scale: alterations (7b9, 7alt,
7#11, maj7#11, ...) have qualities of their own; natural extensions do not (C9 and C13
are C7, Cm11 is Cm7, C6/9 is C6). `nearest_quality` picks the quality for the spelled
tones; the rare symbol whose tones no quality's scale holds (Ebmaj7#9, Cm(maj7)#11) is
read as the nearest one and logged (INFO, once per symbol).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field

from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.harmony import Chord, ChordQuality

log = logging.getLogger(__name__)

ACCEPTED_FORMS = (
    "write a root A-G (with # or b), a suffix such as 7 m7 -7 maj7 Δ7 ^7 j7 m7b5 ø dim7 °7 o7 "
    "aug + 7#5 sus4 7sus4 sus2 6 6/9 m6 9 11 13 7b9 7#9 7#11 7b13 7alt C7(b9,#11), "
    "an optional /bass (C7/E), or N.C. for no chord"
)
"""The accepted forms, shown in every chord-symbol error."""

NO_CHORD_RE = re.compile(r"N\.?\s*C\.?|N/C", re.IGNORECASE)
"""Spellings of "no chord": N.C., NC, N/C (any case)."""

_NOTE_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# Unicode chord-chart characters to their ASCII spellings.
_UNICODE = str.maketrans(
    {"♭": "b", "♯": "#", "Δ": "^", "∆": "^", "△": "^", "°": "o", "º": "o", "Ø": "ø", "−": "-"}
)

_ROOT_RE = re.compile(r"([A-G])([#b]*)")
_BASS_RE = re.compile(r"/\s*([A-G][#b]*)\s*$")

# The Weimar Jazz Database's extension run: a 7th, then 9, 11, 13 (ascending) each with an
# optional accidental AFTER it. Only read after a "7" followed directly by 9/11/13, which
# standard spelling never writes (it says C9, C13, C7b9): there "C79b13" is 7 b9 13.
_WJAZZD_RUN_RE = re.compile(r"7((?:9[b#]?)?(?:11[b#]?)?(?:13[b#]?)?)(?![0-9])")
_WJAZZD_EXTENSION_RE = re.compile(r"(9|11|13)([b#]?)")

# Suffix tokens, tried in this order at every position (longest spellings first).
_TOKEN_RE = re.compile(
    r"""
    (?P<sep>[\s,()/]+)
    | (?P<halfdim>ø)
    | (?P<major>maj|Maj|MAJ|ma(?!dd)|Ma|M|\^|j)
    | (?P<minor>min|mi|m)
    | (?P<dim>dim|o)
    | (?P<aug>aug)
    | (?P<sus>sus(?P<sus_n>[24])?)
    | (?P<alt>alt)
    | (?P<add>add(?P<add_n>13|11|9|6|4|2))
    | (?P<altered>(?P<accidental>[b#+-])(?P<degree>13|11|9|5))
    | (?P<sharp5>\+)
    | (?P<number>69|6|7|9|11|13)
    """,
    re.VERBOSE,
)

# Interval above the root of each written degree (natural and altered).
_NATURAL = {"9": 2, "11": 5, "13": 9}
_ALTERED = {
    ("b", "5"): 6,
    ("#", "5"): 8,
    ("b", "9"): 1,
    ("#", "9"): 3,
    ("#", "11"): 6,
    ("b", "13"): 8,
}
_ADDED = {"2": 2, "9": 2, "4": 5, "11": 5, "6": 9, "13": 9}  # add9 = add2, ...
_SIGN = {"b": "b", "-": "b", "#": "#", "+": "#"}


@dataclass(frozen=True)
class ChordSpelling:
    """What a chord symbol spells, before it is reduced to a `ChordQuality`.

    `intervals`: every interval above the root the symbol names (0 = root, 3 = minor
    third, 10 = minor seventh, 1 = b9, ...); `fifth_altered`: the symbol replaces the
    fifth (b5, #5, dim, ø, aug, alt), so a quality with a natural fifth cannot be it.
    """

    text: str
    root: int
    intervals: frozenset[int]
    fifth_altered: bool
    bass: int | None = None

    @property
    def pitch_classes(self) -> frozenset[int]:
        """Pitch classes of the spelled tones (the slash bass not included)."""
        return frozenset((self.root + i) % 12 for i in self.intervals)

    @property
    def quality(self) -> ChordQuality:
        return nearest_quality(self.intervals, fifth_altered=self.fifth_altered)

    @property
    def left_out(self) -> frozenset[int]:
        """Spelled intervals outside the quality's chord scale (Cmaj7#9: the #9)."""
        quality = self.quality
        kept = set(quality.scale_intervals) | set(quality.intervals) | {7}
        return frozenset(self.intervals - kept)

    @property
    def chord(self) -> Chord:
        return Chord(self.root, self.quality, self.bass)


def _frame(intervals: frozenset[int] | set[int] | tuple[int, ...]) -> tuple[int | None, int | None]:
    """(third, seventh) of a chord: third 4 (major, also beside a #9), 3 (minor) or None
    (sus); seventh 11, 10, 9 (a sixth or a diminished seventh) or None."""
    third = 4 if 4 in intervals else 3 if 3 in intervals else None
    seventh = next((i for i in (11, 10, 9) if i in intervals), None)
    return third, seventh


def _holds(quality: ChordQuality, intervals: frozenset[int]) -> bool:
    """The quality's chord scale (with its tones) holds every interval but the natural
    fifth, the one tone a jazz voicing may always leave out."""
    scale = set(quality.scale_intervals) | set(quality.intervals)
    return set(intervals) - {7} <= scale


def _same_fifth(quality: ChordQuality, wanted: set[int], fifth_altered: bool) -> bool:
    """No natural fifth where the symbol altered it (b5, #5, dim, ø, alt); an altered fifth
    only where the symbol names that tone (C7#9b13 may be 7alt, Cm(b13) is not dim)."""
    tones = set(quality.intervals)
    if fifth_altered:
        return 7 not in tones
    return 7 in tones or tones & {6, 8} <= wanted


@functools.lru_cache(maxsize=1024)
def nearest_quality(intervals: frozenset[int], *, fifth_altered: bool = False) -> ChordQuality:
    """The quality for the tones `intervals` above a root (0 = root, 10 = minor 7th, ...).

    The quality must agree on the fifth (see `_same_fifth`). Then, in this order: the same
    third and seventh as the tones (major/minor/sus; maj7, 7, 6 or dim7, none); a chord
    scale that holds every tone (the natural fifth may be left out); the most tones in
    common minus the tones it adds; the earlier member of `ChordQuality`. So C7b9 -> 7b9,
    C13b9 -> 7b9, C7#9b13 -> 7alt, C13 -> 7, Cm11 -> m7, C6/9 -> 6, and Cmaj7#9 (no
    major-seventh scale holds a #9) -> maj7.
    """
    wanted = set(intervals) | {0}
    third, seventh = _frame(wanted)
    pool = [q for q in ChordQuality if _same_fifth(q, wanted, fifth_altered)]

    def rank(quality: ChordQuality) -> tuple[int, bool, int]:
        q_third, q_seventh = _frame(quality.intervals)
        frame = (q_third == third) + (q_seventh == seventh)
        tones = set(quality.intervals)
        return frame, _holds(quality, intervals), len(wanted & tones) - len(tones - wanted)

    return max(pool or ChordQuality, key=rank)  # max keeps the first of equal ranks


def quality_from_pitch_classes(root: int, pitch_classes: set[int] | frozenset[int]) -> ChordQuality:
    """The quality for sounding pitch classes over `root` (e.g. a music21 chord's pitches);
    without a perfect fifth but with a b5 or #5, the fifth counts as altered."""
    intervals = frozenset((pc - root) % 12 for pc in pitch_classes)
    fifth_altered = 7 not in intervals and bool(intervals & {6, 8})
    return nearest_quality(intervals, fifth_altered=fifth_altered)


def is_no_chord(text: str) -> bool:
    """True for the spellings of "no chord": N.C., NC, N/C."""
    return NO_CHORD_RE.fullmatch(text.strip()) is not None


class ChordSymbolParseError(ChordSymbolError):
    """A text that is not a chord symbol: `text`, what is wrong with it (`problem`), and a
    one-line message with the accepted forms (`where` says where the text was found)."""

    def __init__(self, text: str, problem: str, where: str = "") -> None:
        self.text = text
        self.problem = problem
        at = f" {where}" if where else ""
        super().__init__(f"cannot parse chord symbol {text!r}{at}: {problem}; {ACCEPTED_FORMS}")


def _error(text: str, problem: str) -> ChordSymbolParseError:
    return ChordSymbolParseError(text, problem)


def _pitch_class(letter: str, accidentals: str) -> int:
    return (_NOTE_LETTER_PC[letter] + accidentals.count("#") - accidentals.count("b")) % 12


class _SuffixError(ValueError):
    """A suffix token that cannot be read (turned into a ChordSymbolError with the text)."""


@dataclass
class _Suffix:
    """What the suffix tokens say, collected left to right."""

    minor: bool = False
    major7: bool = False  # a major-seventh marker (maj, M, ma, Δ, ^, j)
    major7_implied: bool = False  # Δ, ^ or j: a major seventh even without a 7
    dim: bool = False
    halfdim: bool = False
    aug: bool = False
    sus: int | None = None  # 2 or 4
    alt: bool = False
    seventh: bool = False
    sixth: bool = False
    numbers: int = 0
    added: set[int] = field(default_factory=set)  # natural extensions: 9 -> 2, 13 -> 9, ...
    altered: set[int] = field(default_factory=set)  # altered tones: b9 -> 1, #11 -> 6, ...
    fifth: int | None = None  # b5 -> 6, #5 -> 8


# The top-level groups of _TOKEN_RE (the others are parts of them).
_KINDS = (
    "sep", "halfdim", "major", "minor", "dim", "aug", "sus", "alt", "add", "altered", "sharp5",
    "number",
)  # fmt: skip


def _read_number(state: _Suffix, number: str) -> None:
    """A plain number: the first one says whether there is a 7th (9, 11, 13 imply it)."""
    first = state.numbers == 0
    state.numbers += 1
    if number in ("6", "69"):
        state.sixth = True
        if number == "69":
            state.added.add(2)
        return
    if number == "7":
        state.seventh = True
        return
    if first:  # C9 = C7 + 9, C11 = C7 + 9 + 11, C13 = C7 + 9 + 13
        state.seventh = True
        state.added.add(2)
        if number == "11":
            state.added.add(5)
    state.added.add(_NATURAL[number])


def _read_suffix(suffix: str) -> _Suffix:
    """Collect the suffix tokens; raises _SuffixError at the first unreadable one."""
    state = _Suffix()
    pos = 0
    if suffix.startswith("-"):
        state.minor, pos = True, 1  # '-' right after the root is minor: C-7, C-, C-j7
    elif suffix.startswith("+"):
        state.aug, pos = True, 1  # '+' right after the root is augmented: C+, C+7, C+j7
    while pos < len(suffix):
        run = _WJAZZD_RUN_RE.match(suffix, pos)
        if run and run.group(1):
            state.seventh = True
            state.numbers += 1
            for degree, accidental in _WJAZZD_EXTENSION_RE.findall(run.group(1)):
                if accidental:
                    _read_altered(state, accidental, degree)
                else:
                    state.added.add(_NATURAL[degree])
            pos = run.end()
            continue
        match = _TOKEN_RE.match(suffix, pos)
        if match is None:
            raise _SuffixError(f"{suffix[pos:]!r} is not understood")
        kind = next(k for k in _KINDS if match.group(k) is not None)
        if kind == "halfdim":
            state.halfdim = True
        elif kind == "major":
            state.major7 = True
            state.major7_implied |= match.group() in ("^", "j")
        elif kind == "minor":
            state.minor = True
        elif kind == "dim":
            state.dim = True
        elif kind == "aug":
            state.aug = True
        elif kind == "sus":
            state.sus = int(match.group("sus_n") or 4)
        elif kind == "alt":
            state.alt = True
        elif kind == "add":
            state.added.add(_ADDED[match.group("add_n")])
        elif kind == "altered":
            _read_altered(state, _SIGN[match.group("accidental")], match.group("degree"))
        elif kind == "sharp5":
            state.fifth = 8
        elif kind == "number":
            _read_number(state, match.group())
        pos = match.end()
    return state


def _read_altered(state: _Suffix, accidental: str, degree: str) -> None:
    interval = _ALTERED.get((accidental, degree))
    if interval is None:  # b11, #13: not chord-symbol alterations
        raise _SuffixError(f"{accidental}{degree} is not an alteration (b5 #5 b9 #9 #11 b13)")
    if degree == "5":
        state.fifth = interval
    else:
        state.altered.add(interval)


def _spelled_intervals(state: _Suffix) -> tuple[frozenset[int], bool]:
    """(intervals, fifth_altered) of the collected suffix."""
    third = 3 if state.minor or state.dim or state.halfdim else 4
    fifth = 7
    if state.dim or state.halfdim:
        fifth = 6
    if state.aug:
        fifth = 8
    if state.fifth is not None:
        fifth = state.fifth
    tones = {0, third, fifth}
    if state.sus is not None:
        tones.discard(third)
        tones.add(5 if state.sus == 4 else 2)
    # 'Cmaj'/'CM' alone is a major triad, 'Cmaj6' a sixth chord; with a 7, an extension
    # or an alteration (Cmaj9, CM#11), and always for Δ ^ j, the marker is a major 7th
    altered_only = bool(state.altered) or state.fifth is not None
    major7 = state.major7 and (
        state.seventh or state.major7_implied or (altered_only and not state.sixth)
    )
    # an altered 9th implies the 7th like a 9 does: C(b9) and Csus(b9) are C7b9, C7sus4b9
    seventh = state.seventh or (bool(state.altered & {1, 3}) and not state.sixth)
    if state.halfdim or state.alt:
        tones.add(10)
    elif major7:
        tones.add(11)
    elif seventh:
        tones.add(9 if state.dim else 10)
    if state.sixth:
        tones.add(9)
    added = set(state.added)
    altered = set(state.altered)
    if altered & {1, 3}:
        added.discard(2)  # an altered 9th replaces the natural one C13b9 implies
    if 6 in altered:
        added.discard(5)
    if 8 in altered:
        added.discard(9)
    if state.alt:
        altered |= {1, 3, 6, 8}
        tones.discard(7)
    fifth_altered = fifth != 7 or state.alt
    return frozenset(tones | added | altered), fifth_altered


def _spell(text: str, root: int, suffix: str, bass: int | None) -> ChordSpelling:
    try:
        state = _read_suffix(suffix)
    except _SuffixError as exc:
        raise _error(text, str(exc)) from None
    intervals, fifth_altered = _spelled_intervals(state)
    return ChordSpelling(text, root, intervals, fifth_altered, bass)


@functools.lru_cache(maxsize=4096)
def spell_chord_symbol(text: str) -> ChordSpelling:
    """What the chord symbol `text` spells: root, intervals, slash bass (see module doc).

    Raises ChordSymbolError (one line: the symbol, what was wrong, the accepted forms) for
    text that is not a chord symbol, and for "no chord" (N.C.: see `parse_chord_label`).
    """
    symbol = text.strip().translate(_UNICODE)
    if not symbol:
        raise _error(text, "it is empty")
    if is_no_chord(symbol):
        raise _error(text, "it means no chord, where a chord is needed")
    bass = None
    bass_match = _BASS_RE.search(symbol)
    if bass_match:
        bass_text = bass_match.group(1)
        bass = _pitch_class(bass_text[0], bass_text[1:])
        symbol = symbol[: bass_match.start()].rstrip()
    root_match = _ROOT_RE.match(symbol)
    if root_match is None:
        raise _error(text, "it must start with a root A-G")
    letter, accidentals = root_match.groups()
    suffix = symbol[root_match.end() :]
    try:
        return _spell(text, _pitch_class(letter, accidentals), suffix, bass)
    except ChordSymbolError as greedy_error:
        if not accidentals:
            raise
        # 'C#5' is C augmented (no power chords here): when the suffix cannot be read with
        # every accidental in the root, the last one may belong to the suffix
        try:
            return _spell(
                text, _pitch_class(letter, accidentals[:-1]), accidentals[-1] + suffix, bass
            )
        except ChordSymbolError:
            raise greedy_error from None


@functools.lru_cache(maxsize=4096)
def parse_chord_symbol(text: str) -> Chord:
    """The `Chord` of a symbol such as 'Dm7', 'G7b9', 'Bb^7', 'F#ø', 'C7alt', 'F/A'.

    Natural extensions keep the seventh chord's quality ('G13' -> G7); alterations pick
    theirs ('G7b9' -> G7b9, 'C7#9b13' -> C7alt); the slash bass is kept ('C7/E').
    Raises ChordSymbolError naming the symbol and the accepted forms; "no chord" (N.C.)
    is an error here, `parse_chord_label` accepts it.
    """
    spelling = spell_chord_symbol(text)
    if spelling.left_out:  # cached: said once per symbol
        log.info(
            "chord symbol %r read as %s: no quality's scale holds its intervals %s",
            text,
            spelling.chord.symbol,
            sorted(spelling.left_out),
        )
    return spelling.chord


def parse_chord_label(text: str) -> Chord | None:
    """Like `parse_chord_symbol`, but "no chord" (N.C., NC) gives None.

    Reads every chord label of the Weimar Jazz Database (`beats.chord`).
    """
    if is_no_chord(text.translate(_UNICODE)):
        return None
    return parse_chord_symbol(text)
