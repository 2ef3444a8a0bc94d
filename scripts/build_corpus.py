"""Validate the lead sheets in data/ and render each one to data/midi/<name>.mid.

Every ABC/MusicXML lead sheet is parsed with music21 and checked: each bar's notes and
rests fill the meter exactly, every chord symbol parses (music21 and
`jazzgen.music.parse_chord_symbol`), the melody stays in a horn range (Bb3..F6 concert),
and the file has a tempo and one time signature. Counts are printed: files, bars,
progressions and bars per progression. Problems are printed as `Error: ...` lines and the
exit code is 1.

Without --check, each lead sheet is also written as a type 1 MIDI file (deterministic
bytes) with a "Melody" track (alto sax) and a "Chords" track (block chords of each chord
symbol's tones in root position around C4, held for the chord's span), tempo, time
signature and key signature from the lead sheet, so that the MIDI chord-extraction path
recovers the chords.

Example:
    python scripts/build_corpus.py            # validate and write data/midi/*.mid
    python scripts/build_corpus.py --check    # validate only, write nothing
"""

from __future__ import annotations

import argparse
import bisect
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import ChordSymbolError
from jazzgen.core.types import Note, TimeSignature

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "data"
LEADSHEET_SUFFIXES = (".abc", ".musicxml", ".xml", ".mxl")
MELODY_RANGE = (58, 89)  # Bb3..F6 concert: alto/tenor sax, trumpet
MIN_BARS = 400
MIN_PROGRESSIONS = 10
MELODY_PROGRAM = 65  # General MIDI alto sax
CHORDS_PROGRAM = 0  # acoustic grand piano
CHORD_VOICING_LOW = 54  # chord roots are placed in F#3..F4, around C4
FOUR_FOUR = TimeSignature(4, 4)
_PROGRESSION_RE = re.compile(r"^%+\s*progression:\s*(\S+)", re.MULTILINE)
_ROOT_RE = re.compile(r"^([A-G])([-#]*)(.*)$")


@dataclass(frozen=True)
class ChordEvent:
    symbol: str  # jazz spelling, e.g. "Bbm7"
    start_beat: float
    end_beat: float


@dataclass
class LeadSheetInfo:
    """What validation learned about one lead sheet (times in quarter notes)."""

    path: Path
    title: str = ""
    progression: str = ""
    time_signature: TimeSignature = FOUR_FOUR
    qpm: float = 120.0
    key_fifths: int = 0
    bars: int = 0
    melody: list[Note] = field(default_factory=list)
    chords: list[ChordEvent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass
class CorpusReport:
    sheets: list[LeadSheetInfo]

    @property
    def errors(self) -> list[str]:
        return [e for s in self.sheets for e in s.errors]

    @property
    def total_bars(self) -> int:
        return sum(s.bars for s in self.sheets)

    @property
    def bars_per_progression(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for sheet in self.sheets:
            counts[sheet.progression] += sheet.bars
        return dict(sorted(counts.items()))


def jazz_symbol(figure: str) -> str:
    """music21 chord figure -> jazz text: 'B-m7' -> 'Bbm7' (music21 spells flats '-')."""
    match = _ROOT_RE.match(figure)
    if match is None:
        return figure
    letter, accidentals, rest = match.groups()
    return letter + accidentals.replace("-", "b") + rest


def progression_of(path: Path, text: str) -> str:
    """The `% progression: NAME` comment, else the file stem without a trailing `_NN`."""
    match = _PROGRESSION_RE.search(text)
    if match:
        return match.group(1)
    return re.sub(r"_\d+$", "", path.stem)


def quoted_chord_symbols(abc_text: str) -> list[tuple[int, str]]:
    """(bar number, text) of every quoted chord symbol in an ABC tune body.

    Annotations ("^text", "_text", "<text", ">text", "@text") are not chord symbols.
    Bars are counted by bar lines, from 1.
    """
    found: list[tuple[int, str]] = []
    bar = 1
    for line in abc_text.splitlines():
        if not line.strip() or line.startswith("%") or re.match(r"^[A-Za-z]:", line):
            continue
        for match in re.finditer(r'"([^"]*)"|\|+', line.split("%")[0]):
            if match.group(0).startswith("|"):
                bar += 1
            elif match.group(1)[:1] not in ("^", "_", "<", ">", "@"):
                found.append((bar, match.group(1)))
    return found


def lead_sheet_paths(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.iterdir() if p.suffix.lower() in LEADSHEET_SUFFIXES)


def validate_lead_sheet(path: Path) -> LeadSheetInfo:
    """Parse and check one lead sheet; problems go to `info.errors` (never raised)."""
    from music21 import converter, harmony, meter, stream, tempo

    info = LeadSheetInfo(path)
    text = path.read_text(encoding="utf-8", errors="replace") if path.suffix != ".mxl" else ""
    info.progression = progression_of(path, text)
    try:
        score = converter.parse(str(path))
    except Exception as exc:  # music21 raises many exception types for malformed files
        info.errors.append(f"{path.name}: music21 cannot parse it: {exc}")
        return info
    if score.metadata is not None and score.metadata.title:
        info.title = score.metadata.title
    parts = list(score.parts) if isinstance(score, stream.Score) else [score]
    if len(parts) != 1:
        info.errors.append(f"{path.name}: expected one melody part, found {len(parts)}")
        return info
    part = parts[0]
    signatures = list(part.recurse().getElementsByClass(meter.TimeSignature))
    if len({s.ratioString for s in signatures}) != 1:
        found = sorted({s.ratioString for s in signatures}) or "none"
        info.errors.append(f"{path.name}: expected one time signature, found {found}")
        return info
    sig = signatures[0]
    info.time_signature = TimeSignature(sig.numerator, sig.denominator)
    marks = list(part.recurse().getElementsByClass(tempo.MetronomeMark))
    if not marks or marks[0].getQuarterBPM() is None:
        info.errors.append(f"{path.name}: no tempo mark (ABC: Q:1/4=160)")
    else:
        info.qpm = float(marks[0].getQuarterBPM())
    keys = list(part.recurse().getElementsByClass("KeySignature"))
    info.key_fifths = keys[0].sharps if keys else 0

    bar_length = Fraction(info.time_signature.bar_beats)
    measures = list(part.getElementsByClass(stream.Measure))
    if not measures and part.notesAndRests:
        # music21's ABC reader makes no measures for tunes of one or two bars: bar them here
        # (a short last bar then shows up as an incomplete bar below)
        part = part.makeMeasures()
        measures = list(part.getElementsByClass(stream.Measure))
    if not measures:
        info.errors.append(f"{path.name}: no bars found")
        return info
    info.bars = len(measures)
    bar_starts = [float(m.offset) for m in measures]

    def bar_of(offset: float) -> int:
        """1-based bar number of a time in quarter notes."""
        return max(1, bisect.bisect_right(bar_starts, offset + 1e-9))

    for number, measure in enumerate(measures, start=1):
        filled = sum(
            (Fraction(e.quarterLength) for e in measure.notesAndRests
             if not isinstance(e, harmony.ChordSymbol)),
            Fraction(0),
        )  # fmt: skip
        if filled != bar_length:
            info.errors.append(
                f"{path.name}: bar {number} lasts {float(filled):g} quarter notes, "
                f"the meter {info.time_signature} needs {float(bar_length):g}"
            )

    flat = part.flatten()
    end_beat = float(sum(Fraction(m.quarterLength) for m in measures))
    symbols = [
        cs
        for cs in flat.getElementsByClass(harmony.ChordSymbol)
        if not isinstance(cs, harmony.NoChord)
    ]
    written = quoted_chord_symbols(text) if path.suffix.lower() == ".abc" else None
    if written is not None:
        for number, symbol in written:
            try:
                parse_chord_symbol(symbol)
            except ChordSymbolError as exc:
                info.errors.append(f"{path.name}: bar {number}: {exc}")
        if len(written) != len(symbols):
            info.errors.append(
                f"{path.name}: the file has {len(written)} chord symbols, "
                f"music21 read {len(symbols)}"
            )
    if not symbols or float(symbols[0].offset) > 0:
        info.errors.append(f"{path.name}: the first bar needs a chord symbol on beat 1")
    for k, cs in enumerate(symbols):
        bar = bar_of(float(cs.offset))
        text_symbol = jazz_symbol(cs.figure)
        if cs.chordKind in (None, "none") or not cs.pitches:
            info.errors.append(f"{path.name}: bar {bar}: music21 cannot read chord {text_symbol!r}")
            continue
        try:
            parse_chord_symbol(text_symbol)
        except ChordSymbolError as exc:
            info.errors.append(f"{path.name}: bar {bar}: {exc}")
            continue
        start = float(cs.offset)
        stop = float(symbols[k + 1].offset) if k + 1 < len(symbols) else end_beat
        if stop > start:
            info.chords.append(ChordEvent(text_symbol, start, stop))

    low, high = MELODY_RANGE
    for element in flat.stripTies().notes:
        if isinstance(element, harmony.ChordSymbol):
            continue
        if element.isChord:
            bar = bar_of(float(element.offset))
            info.errors.append(f"{path.name}: bar {bar}: the melody must be single notes")
            continue
        pitch = element.pitch.midi
        start = float(element.offset)
        if not low <= pitch <= high:
            bar = bar_of(start)
            info.errors.append(
                f"{path.name}: bar {bar}: melody pitch {element.pitch.nameWithOctave} ({pitch}) "
                f"is outside the range {low}..{high} (Bb3..F6)"
            )
        on_beat = abs(start - round(start)) < 1e-9
        info.melody.append(
            Note(pitch, start, start + float(element.quarterLength), velocity=92 if on_beat else 84)
        )
    if not info.melody:
        info.errors.append(f"{path.name}: the melody has no notes")
    return info


def validate_corpus(data_dir: Path = DATA_DIR) -> CorpusReport:
    """Validate every lead sheet in `data_dir` (no files are written)."""
    paths = lead_sheet_paths(data_dir) if data_dir.is_dir() else []
    return CorpusReport([validate_lead_sheet(p) for p in paths])


def chord_voicing(symbol: str) -> list[int]:
    """MIDI pitches of the chord's tones in root position around C4.

    The root goes in F#3..F4 and the other tones stack within the octave above it: with
    the root lowest, chord extraction (which favours the lowest note) can tell Cm6 from
    Am7b5 and Am7 from C6, which share their pitch classes.
    """
    chord = parse_chord_symbol(symbol)
    root = CHORD_VOICING_LOW + (chord.root - CHORD_VOICING_LOW) % 12
    return [root + interval for interval in chord.quality.intervals]


def midi_parts(sheet: LeadSheetInfo):
    """The Melody and Chords `Part`s of one validated lead sheet."""
    from jazzgen.io.midi_writer import Part

    chords = tuple(
        Note(pitch, c.start_beat, c.end_beat, velocity=64)
        for c in sheet.chords
        for pitch in chord_voicing(c.symbol)
    )
    return (
        Part("Melody", MELODY_PROGRAM, 0, tuple(sheet.melody)),
        Part("Chords", CHORDS_PROGRAM, 1, chords, volume=80),
    )


def write_sheet_midi(sheet: LeadSheetInfo, midi_dir: Path) -> Path:
    """Render one lead sheet to `midi_dir/<name>.mid` with jazzgen.writer.write_midi."""
    from jazzgen.io.midi_writer import write_midi

    midi_dir.mkdir(parents=True, exist_ok=True)
    path = midi_dir / f"{sheet.name}.mid"
    write_midi(
        path,
        midi_parts(sheet),
        qpm=sheet.qpm,
        time_signature=sheet.time_signature,
        key_fifths=sheet.key_fifths,
        seed=0,
    )
    return path


def print_report(report: CorpusReport) -> None:
    for sheet in report.sheets:
        print(
            f"{sheet.path.name:28s} {sheet.progression:18s} {sheet.time_signature!s:>4s} "
            f"q={sheet.qpm:g} bars={sheet.bars} notes={len(sheet.melody)} "
            f"chords={len(sheet.chords)}"
        )
    per_progression = report.bars_per_progression
    print(f"files: {len(report.sheets)}")
    print(f"total bars: {report.total_bars}")
    print(f"progressions: {len(per_progression)}")
    print("bars per progression:")
    for name, bars in per_progression.items():
        print(f"  {name:20s} {bars}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Example:") :] + "\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="lead sheet directory")
    parser.add_argument(
        "--midi-dir", type=Path, default=None, help="where MIDI goes (default: DATA/midi)"
    )
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    parser.add_argument("--min-bars", type=int, default=MIN_BARS, help="fail below this")
    parser.add_argument(
        "--min-progressions", type=int, default=MIN_PROGRESSIONS, help="fail below this"
    )
    args = parser.parse_args(argv)

    if not args.data.is_dir():
        print(f"Error: lead sheet directory {args.data} does not exist", file=sys.stderr)
        return 1
    report = validate_corpus(args.data)
    print_report(report)
    errors = list(report.errors)
    if not report.sheets:
        errors.append(f"no lead sheets ({', '.join(LEADSHEET_SUFFIXES)}) in {args.data}")
    if report.total_bars < args.min_bars:
        errors.append(f"the corpus has {report.total_bars} bars, at least {args.min_bars} needed")
    n_progressions = len(report.bars_per_progression)
    if n_progressions < args.min_progressions:
        errors.append(
            f"the corpus has {n_progressions} progressions, at least {args.min_progressions} needed"
        )
    if errors:
        for error in errors:
            print(f"Error: {error}", file=sys.stderr)
        return 1
    if not args.check:
        midi_dir = args.midi_dir or args.data / "midi"
        for sheet in report.sheets:
            write_sheet_midi(sheet, midi_dir)
        print(f"wrote {len(report.sheets)} MIDI files to {midi_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
