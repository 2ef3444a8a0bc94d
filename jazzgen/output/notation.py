"""Notation: a solo as MusicXML (music21) that MuseScore, Finale or Sibelius opens.

`musicxml_bytes(sheet)` writes a `Sheet`: the melody part first (in concert pitch, with
the chord symbols above it, the key and time signature and the tempo), optionally the
comping and the bass (`sheet_from_parts(..., which="all")`; drums are left out). Built
from a generated solo (`sheet_from_parts`) or from any MIDI file (`sheet_from_score`).

So that students can read the line:
- rhythm (`rhythm`): each beat is written on the simplest grid that holds its onsets and
  note ends exactly: quarters, eighths, sixteenths, eighth-note triplets or sixteenth-note
  triplets (the grammar's 1/12-quarter grid covers them all); a beat that fits none
  (a played MIDI file) is snapped to sixteenths or eighth-note triplets, whichever moves
  its notes least, and a note that lands on the onset of another is dropped (the later
  one kept, as the encoder does). Notes are split where they cross a beat off the beat
  and tied (music21 ties them across bar lines), so every written value is a plain,
  dotted or triplet value; triplets get their brackets;
- spelling (`spell`): a note takes the letter its interval has above the sounding
  chord's root (F# over D7, Ab over Bb7, D# over C7alt, Eb as the blue third over C7);
  chord roots follow the key signature (flats from two flats on, sharps from three
  sharps on, else Db Eb F# Ab Bb);
- chord symbols (`chord_symbol`): `harmony.ChordSymbol` of our `Chord`, slash basses kept
  (`F/A`), altered dominants written C7#5#9 with the text "7alt".

music21 is imported only here, when a score is written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from jazzgen.core.constants import DRUM_CHANNEL, GRID_STEPS_PER_QUARTER
from jazzgen.core.harmony import PITCH_CLASS_NAMES, Chord, ChordQuality
from jazzgen.core.timeline import Timeline
from jazzgen.core.types import Bar, ChordSpan, Note, TimeSignature

if TYPE_CHECKING:
    from jazzgen.core.types import Score

GRIDS = (1, 2, 4, 3, 6)
"""Divisions of a beat, simplest first: quarter, eighth, sixteenth, eighth triplet,
sixteenth triplet. A beat takes the first that holds its onsets and ends exactly."""

READABLE_GRIDS = (4, 3)
"""What a beat that fits no grid is snapped to (sixteenths or eighth-note triplets)."""

# Written values that make up a piece of a beat on each grid (longest first).
_PIECES = {
    1: (Fraction(1),),
    2: (Fraction(1), Fraction(1, 2)),
    4: (Fraction(1), Fraction(3, 4), Fraction(1, 2), Fraction(1, 4)),
    3: (Fraction(1), Fraction(2, 3), Fraction(1, 3)),
    6: (Fraction(1), Fraction(2, 3), Fraction(1, 3), Fraction(1, 6)),
}
_WHOLE_BEATS = (Fraction(4), Fraction(3), Fraction(2), Fraction(1))

_LETTERS = "CDEFGAB"
_NATURAL_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

# music21 figures of our qualities where our suffix is not music21's (7alt: see module doc).
_M21_SUFFIX = {ChordQuality.ALTERED: "7#5#9", ChordQuality.DOMINANT7_SHARP5: "7+"}


@dataclass(frozen=True)
class SheetPart:
    """One staff: its name, GM program, notes (quarter notes from 0); `chordal` parts
    write simultaneous notes as chords, others keep the top note of each onset."""

    name: str
    notes: tuple[Note, ...]
    program: int = 0
    chordal: bool = False


@dataclass(frozen=True)
class Sheet:
    """What a MusicXML score holds (see module doc); `parts[0]` is the melody."""

    title: str
    parts: tuple[SheetPart, ...]
    chords: tuple[ChordSpan, ...]
    time_signature: TimeSignature
    qpm: float
    key_fifths: int | None
    end_beat: float


@dataclass(frozen=True)
class Event:
    """A written note, chord or rest (`pitches` empty): start and length in quarter notes,
    tied to the next event when the sound goes on (`tie`), and from the one before when it
    goes on from it (`tied_from`)."""

    start: Fraction
    length: Fraction
    pitches: tuple[int, ...]
    tie: bool = False
    tied_from: bool = False


# --- rhythm ------------------------------------------------------------------------------


def _error(points: Sequence[float], grid: int) -> float:
    """How far `points` (positions in a beat) are from `grid`, in quarter notes."""
    return sum(abs(p * grid - round(p * grid)) / grid for p in points)


def _grid_of(onsets: Sequence[float], ends: Sequence[float]) -> int:
    """The grid of one beat (`GRIDS`) for the positions inside it (0 <= p < 1) of the
    notes that start and end in it: of the grids that hold every onset, the one nearest
    the note ends (the simplest of equals); when none holds them, the readable grid
    nearest the onsets (`READABLE_GRIDS`)."""
    exact = [g for g in GRIDS if _error(onsets, g) < 1e-6]
    if exact:
        return min(exact, key=lambda g: (round(_error(ends, g), 9), GRIDS.index(g)))
    return min(READABLE_GRIDS, key=lambda g: (_error(onsets, g), _error(ends, g)))


def part_grids(part: SheetPart, n_beats: int) -> list[int]:
    """The grid of every beat 0..n_beats-1 of one part, from its onsets and note ends."""
    onsets: list[list[float]] = [[] for _ in range(n_beats)]
    ends: list[list[float]] = [[] for _ in range(n_beats)]
    for note in part.notes:
        for time, where in ((note.start_beat, onsets), (note.end_beat, ends)):
            beat = math.floor(time + 1e-9)
            if 0 <= beat < n_beats:
                where[beat].append(time - beat)
    return [_grid_of(on, off) for on, off in zip(onsets, ends, strict=True)]


def _snap(time: float, grids: Sequence[int]) -> Fraction:
    """`time` on the grid of its beat (on the 1/12 grid first, so float noise vanishes)."""
    step = Fraction(round(time * GRID_STEPS_PER_QUARTER), GRID_STEPS_PER_QUARTER)
    beat = math.floor(step)
    grid = grids[beat] if 0 <= beat < len(grids) else 1
    return beat + Fraction(round((step - beat) * grid), grid)


def _sounds(part: SheetPart, grids: Sequence[int], end: Fraction) -> list[Event]:
    """The part's notes (chords) on the beat grids, without overlaps, in time order."""
    by_onset: dict[Fraction, list[Note]] = {}
    for note in sorted(part.notes, key=lambda n: (n.start_beat, n.pitch)):
        by_onset.setdefault(_snap(note.start_beat, grids), []).append(note)
    onsets = sorted(o for o in by_onset if o < end)
    events = []
    for k, onset in enumerate(onsets):
        group = by_onset[onset]
        if part.chordal:
            pitches = tuple(sorted({n.pitch for n in group}))
        else:  # the later-starting note of an onset is kept, the top one of a double stop
            last = max(group, key=lambda n: (n.start_beat, n.pitch))
            pitches = (last.pitch,)
        stop = _snap(max(n.end_beat for n in group), grids)
        if stop <= onset:  # a short note keeps the grid's shortest value
            beat = math.floor(onset)
            stop = onset + Fraction(1, grids[beat] if beat < len(grids) else 6)
        stop = min(stop, end, onsets[k + 1] if k + 1 < len(onsets) else end)
        if stop > onset:
            events.append(Event(onset, stop - onset, pitches))
    return events


def _pieces(start: Fraction, length: Fraction, grids: Sequence[int]) -> list[Fraction]:
    """Written values that add up to `length` from `start`: a note is cut at the first and
    last beat it touches off the beat; whole beats in between are one value where one
    exists (half, dotted half, whole)."""
    pieces: list[Fraction] = []
    end = start + length
    now = start
    while now < end:
        beat = math.floor(now)
        if now == beat and end - now >= 1:
            whole = Fraction(math.floor(end - now))
            value = next(v for v in _WHOLE_BEATS if v <= whole)
        else:
            room = min(end, Fraction(beat + 1)) - now
            grid = grids[beat] if 0 <= beat < len(grids) else 6
            value = next((v for v in _PIECES[grid] if v <= room), room)
        pieces.append(value)
        now += value
    return pieces


def rhythm(part: SheetPart, end_beat: float, grids: Sequence[int]) -> list[Event]:
    """The written events of `part` from beat 0 to `end_beat`: notes (or chords) and the
    rests between them, cut into plain, dotted and triplet values and tied (module doc)."""
    end = Fraction(round(end_beat * GRID_STEPS_PER_QUARTER), GRID_STEPS_PER_QUARTER)
    events: list[Event] = []
    now = Fraction(0)
    for sound in [*_sounds(part, grids, end), Event(end, Fraction(0), ())]:
        if sound.start > now:  # a rest: its values are never tied
            for value in _pieces(now, sound.start - now, grids):
                events.append(Event(now, value, ()))
                now += value
        values = _pieces(sound.start, sound.length, grids) if sound.length else []
        for k, value in enumerate(values):
            tie, tied_from = k + 1 < len(values), k > 0
            events.append(Event(now, value, sound.pitches, tie=tie, tied_from=tied_from))
            now += value
    return events


# --- spelling ----------------------------------------------------------------------------


def _key_names(key_fifths: int | None) -> tuple[str, ...]:
    """Names of the black keys for a key signature: sharps from A major (3 sharps) on,
    flats from Bb major (2 flats) on, else the usual jazz names (Db Eb F# Ab Bb)."""
    if key_fifths is not None and key_fifths >= 3:
        return _SHARP_NAMES
    if key_fifths is not None and key_fifths <= -2:
        return _FLAT_NAMES
    return PITCH_CLASS_NAMES


_STEPS = {0: 0, 1: 1, 2: 1, 4: 2, 5: 3, 7: 4, 9: 5, 10: 6, 11: 6}
"""Letters above the root for each interval (b9 and 9 on the 2nd letter, 3 on the 3rd...);
the intervals 3, 6 and 8 depend on the chord (`_letter_steps`)."""


def _letter_steps(interval: int, quality: ChordQuality) -> int:
    """How many letters above the root an interval is written over a chord of `quality`:
    3 is a #9 over a major third when the chord scale has it (D# over C7alt), else a b3
    (Eb, also the blue note over C7); 6 is the b5 of a chord without a natural or raised
    fifth (Gb over Cm7b5), a #11 where the scale has it (F# over Cmaj7#11), else the blue
    b5; 8 is the #5 of a chord with a raised fifth (G# over C7alt), else a b13 or b6."""
    tones, scale = set(quality.intervals), set(quality.scale_intervals)
    if interval == 3:
        return 1 if 4 in tones and 3 in scale else 2
    if interval == 6:
        if not tones & {7, 8}:
            return 4
        return 3 if 6 in scale else 4
    if interval == 8:
        return 4 if 8 in tones and 7 not in tones else 5
    return _STEPS[interval]


def spell(pitch_class: int, chord: Chord | None, key_fifths: int | None) -> str:
    """The name of `pitch_class` ('F#', 'Ab', 'B') over the sounding `chord`: the letter
    its interval takes above the chord's root (`_letter_steps`: F# over D7, Ab over Bb7,
    D# over C7alt); without a chord, or where that would need a double accidental, the
    key signature's spelling (`_key_names`)."""
    names = _key_names(key_fifths)
    if chord is not None:
        interval = (pitch_class - chord.root) % 12
        root = names[chord.root]
        steps = _letter_steps(interval, chord.quality)
        letter = _LETTERS[(_LETTERS.index(root[0]) + steps) % 7]
        alter = (pitch_class - _NATURAL_PC[letter] + 6) % 12 - 6
        if -1 <= alter <= 1:
            return letter + {-1: "b", 0: "", 1: "#"}[alter]
    return names[pitch_class]


def _m21_name(name: str) -> str:
    """Our note name in music21's spelling (flats are '-')."""
    return name[0] + name[1:].replace("b", "-")


def chord_symbol(chord: Chord, key_fifths: int | None = None) -> Any:
    """A music21 `harmony.ChordSymbol` of `chord`, root and bass spelled for the key."""
    from music21 import harmony

    names = _key_names(key_fifths)
    suffix = _M21_SUFFIX.get(chord.quality, chord.quality.suffix)
    figure = _m21_name(names[chord.root]) + suffix
    if chord.bass is not None:
        figure += "/" + _m21_name(names[chord.bass])
    symbol = harmony.ChordSymbol(figure)
    if chord.quality is ChordQuality.ALTERED:
        symbol.chordKindStr = "7alt"
    return symbol


# --- the score ---------------------------------------------------------------------------


def _element(event: Event, chord: Chord | None, key_fifths: int | None) -> Any:
    """A music21 note, chord or rest for `event`, its tie started, continued or stopped
    (MusicXML readers, music21's `stripTies` among them, join tied notes only when the
    tie is stopped on the second one)."""
    from music21 import chord as m21chord
    from music21 import note, pitch, tie

    if not event.pitches:
        element: Any = note.Rest()
    else:
        pitches = []
        for midi in event.pitches:
            name = spell(midi % 12, chord, key_fifths)
            written = pitch.Pitch(_m21_name(name))
            written.octave = (midi - written.pitchClass) // 12 - 1
            if written.midi != midi:  # B# / Cb across the octave line
                written.octave += (midi - written.midi) // 12
            pitches.append(written)
        element = note.Note(pitches[0]) if len(pitches) == 1 else m21chord.Chord(pitches)
    element.quarterLength = event.length
    if event.tie or event.tied_from:
        element.tie = tie.Tie(
            "continue" if event.tie and event.tied_from else "start" if event.tie else "stop"
        )
    return element


def _part(sheet: Sheet, index: int) -> Any:
    """The music21 part of `sheet.parts[index]`, in measures, with ties and brackets."""
    from music21 import clef, instrument, key, meter, stream, tempo

    spec = sheet.parts[index]
    grids = part_grids(spec, math.ceil(sheet.end_beat - 1e-9))
    chords = Timeline.of(sheet.chords) if sheet.chords else None
    part = stream.Part()
    part.partName = spec.name
    player = instrument.Instrument()
    player.partName, player.midiProgram = spec.name, spec.program
    part.insert(0, player)
    part.insert(0, meter.TimeSignature(str(sheet.time_signature)))
    part.insert(0, key.KeySignature(sheet.key_fifths or 0))
    events = rhythm(spec, sheet.end_beat, grids)
    for event in events:
        chord = chords.at(float(event.start)).chord if chords is not None else None
        part.insert(event.start, _element(event, chord, sheet.key_fifths))
    pitches = [p for e in events for p in e.pitches]
    part.insert(0, clef.BassClef() if pitches and sorted(pitches)[len(pitches) // 2] < 55 else
                clef.TrebleClef())  # fmt: skip
    if index == 0:
        part.insert(0, tempo.MetronomeMark(number=round(sheet.qpm, 2)))
        for span in sheet.chords:
            part.insert(Fraction(span.start_beat).limit_denominator(12),
                        chord_symbol(span.chord, sheet.key_fifths))  # fmt: skip
    measures = part.makeMeasures()
    measures.makeTies(inPlace=True)
    for measure in measures.getElementsByClass(stream.Measure):
        stream.makeNotation.makeTupletBrackets(measure, inPlace=True)
    measures.makeBeams(inPlace=True)
    return measures


def musicxml_bytes(sheet: Sheet) -> bytes:
    """The MusicXML (uncompressed, UTF-8) of `sheet` (see module doc)."""
    from music21 import metadata, stream
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    score = stream.Score()
    score.metadata = metadata.Metadata(title=sheet.title)
    score.metadata.composer = "jazzgen"
    for index in range(len(sheet.parts)):
        score.insert(0, _part(sheet, index))
    return bytes(GeneralObjectExporter(score).parse())


# --- sheets from jazzgen's parts and from files ------------------------------------------


NOTATION_PARTS = ("melody", "all")
"""What `--musicxml-parts` may write: the melody alone, or with the comping and bass."""


def sheet_from_parts(
    parts: Sequence[Any],
    bars: Sequence[Bar],
    *,
    qpm: float,
    key_fifths: int | None,
    title: str,
    which: str = "melody",
) -> Sheet:
    """The sheet of a generated solo: `parts` are `io.midi_writer.Part`s (Melody first),
    `bars` its bars with their chords; `which` is "melody" or "all" (no drums)."""
    chosen = [p for p in parts if p.channel != DRUM_CHANNEL]
    if which == "melody":
        chosen = chosen[:1]
    sheet_parts = tuple(
        SheetPart(p.name, tuple(p.notes), p.program, chordal=p.name == "Chords") for p in chosen
    )
    spans = tuple(span for bar in bars for span in bar.chords)
    return Sheet(title, sheet_parts, spans, bars[0].time_signature, qpm, key_fifths,
                 bars[-1].end_beat)  # fmt: skip


def sheet_from_score(
    score: Score, *, melody_track: int | str | None, title: str, which: str = "melody"
) -> Sheet:
    """The sheet of a MIDI (or lead-sheet) file: its melody (chosen as `jazzgen inspect`
    chooses it) with the chords jazzgen reads in it; with "all", its other pitched tracks
    (their notes as chords)."""
    from jazzgen.analysis.leadsheet import extract_leadsheet

    sheet = extract_leadsheet(score, melody_track=melody_track)
    parts = [SheetPart(sheet.melody_name or "Melody", sheet.melody)]
    if which == "all":
        parts += [
            SheetPart(t.name or f"Track {t.index}", t.notes, t.program, chordal=True)
            for t in score.tracks
            if t.notes and not t.is_drum and t.index != sheet.melody_track
        ]
    spans = tuple(span for bar in sheet.bars for span in bar.chords)
    end = max(sheet.bars[-1].end_beat, max(n.end_beat for p in parts for n in p.notes))
    bar_beats = sheet.time_signature.bar_beats
    end = math.ceil(end / bar_beats - 1e-9) * bar_beats
    return Sheet(title, tuple(parts), spans, sheet.time_signature, sheet.qpm,
                 score.key_fifths, end)  # fmt: skip
