"""Reading MusicXML and ABC lead sheets into a `Score` with music21 (imported lazily).

Melody notes come from the first part, chord symbols into `Score.chords` (each lasting
until the next symbol or the end).

music21 gets the file's text, never its path: given a path, it reads (and writes) a pickle
cache of parsed files in a shared temporary folder, which would unpickle, and so run, any
file planted there, and serve a stale result for a file changed with an older time stamp.
Parsing text uses no cache, so a lead sheet is read afresh every time. The text is
checked first (`io.leadsheet_text`: size, measures, `.mxl` unpacked within bounds) and
music21 has `leadsheet-seconds` (core.limits) to read it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jazzgen.core import limits
from jazzgen.core.chord_symbols import parse_chord_symbol, quality_from_pitch_classes
from jazzgen.core.constants import DEFAULT_QPM
from jazzgen.core.errors import ChordSymbolError, InputFileError, InputLimitError
from jazzgen.core.harmony import Chord
from jazzgen.core.timeline import TempoMap
from jazzgen.core.types import ChordSpan, Note, Score, Tempo, TimeSignature, Track, meter_problem
from jazzgen.io.conductor import QPM_RANGE, meter_changes
from jazzgen.io.leadsheet_text import leadsheet_text


def read_leadsheet_score(path: Path, data: bytes) -> Score:
    """A `Score` from the MusicXML or ABC file `path` whose content is `data` (InputFileError
    for any unusable file, InputLimitError beyond the limits)."""
    kind, text = leadsheet_text(path, data)
    seconds = limits.current().leadsheet_seconds
    try:
        with limits.time_budget(seconds):
            parsed = _parse_text(path, kind, text)
            return _read_parsed(path, parsed)
    except limits.BudgetExceeded:
        found = f"music21 took more than {seconds:g} s to read it"
        raise InputLimitError(path, limits.exceeded("leadsheet_seconds", found)) from None


def _parse_text(path: Path, kind: str, text: bytes) -> Any:
    """The music21 stream of lead-sheet `text` ('abc' or 'musicxml'); InputFileError when
    music21 cannot read it."""
    try:
        import music21
    except ImportError:  # pragma: no cover - music21 is a hard dependency
        raise InputFileError(
            path, "reading MusicXML/ABC needs music21 (pip install music21)"
        ) from None
    try:
        if kind == "abc":
            return music21.converter.parseData(text.decode("utf-8"), format="abc")
        return _parse_musicxml(text)
    except Exception as exc:  # music21 raises many unrelated exception types
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(path, f"cannot parse lead sheet: {first_line[:200]}") from None


def _parse_musicxml(text: bytes) -> Any:
    """What music21's MusicXML reader makes of a file, from its bytes (the encoding its XML
    declaration names is honoured, as when music21 reads the file itself)."""
    import xml.etree.ElementTree as ElementTree

    from music21.musicxml import xmlToM21

    importer = xmlToM21.MusicXMLImporter()
    importer.xmlRoot = ElementTree.fromstring(text)
    if importer.xmlRoot.tag != "score-partwise":
        raise ValueError(
            f"Cannot parse MusicXML files not in score-partwise. Root tag was "
            f"'{importer.xmlRoot.tag}'"
        )
    importer.xmlRootToScore(importer.xmlRoot, importer.stream)
    return importer.stream


def _read_parsed(path: Path, parsed: Any) -> Score:
    """`_score_from_music21`, with any unexpected failure as an InputFileError."""
    try:
        return _score_from_music21(path, parsed)
    except InputFileError:
        raise
    except Exception as exc:  # defensive: odd documents must not crash a batch
        raise InputFileError(path, f"cannot read lead sheet: {type(exc).__name__}: {exc}") from None


def _score_from_music21(path: Path, parsed: Any) -> Score:
    """Score from a parsed music21 stream: first part = melody, chord symbols = chords."""
    parts = list(getattr(parsed, "parts", [])) or [parsed]
    part = parts[0].stripTies()
    flat = part.flatten()  # the melody part's elements
    whole = parsed.flatten()  # the elements of every part
    tempos = _tempo_changes(path, parsed, whole)
    time_signatures = meter_changes(_time_signatures(path, part, flat))
    key_fifths = _key_fifths(whole)
    notes = _melody_notes(part, flat, TempoMap(tempos))
    if not notes:
        raise InputFileError(path, "lead sheet has no melody notes in its first part")
    length = max(max(n.end_beat for n in notes), float(part.highestTime))
    name = str(getattr(parts[0], "partName", "") or "Melody")
    return Score(
        path=str(path),
        tracks=(Track(0, name, 0, 0, tuple(notes)),),
        ticks_per_quarter=0,  # no ticks in a lead sheet
        tempos=tuple(tempos),
        time_signatures=tuple(time_signatures),
        chords=tuple(_chord_spans(parsed, whole, length)),
        key_fifths=key_fifths,
        length_beats=length,
        source_format="abc" if path.suffix.lower() == ".abc" else "musicxml",
    )


def _tempo_changes(path: Path, parsed: Any, whole: Any) -> list[Tempo]:
    """The metronome marks of the whole document (checked against `QPM_RANGE`; a repeat of
    the tempo in force is dropped); the first also holds from beat 0 (`DEFAULT_QPM` if none)."""
    from music21 import tempo

    changes: list[Tempo] = []
    for mark in whole.getElementsByClass(tempo.MetronomeMark):
        qpm = mark.getQuarterBPM()
        if qpm is None:
            continue
        if not QPM_RANGE[0] <= qpm <= QPM_RANGE[1]:
            raise InputFileError(path, f"absurd tempo {qpm:.1f} qpm")
        beat = float(mark.getOffsetInHierarchy(parsed))
        if not changes or changes[-1].qpm != qpm:
            changes.append(Tempo(float(qpm), beat))
    if not changes or changes[0].start_beat > 0:
        changes.insert(0, Tempo(changes[0].qpm if changes else DEFAULT_QPM, 0.0))
    return changes


def _time_signatures(path: Path, part: Any, flat: Any) -> list[TimeSignature]:
    """The time signatures of the melody `part` (`flat`: its elements), in order;
    InputFileError for a meter jazzgen cannot use (`core.types.meter_problem`)."""
    from music21 import meter

    signatures = []
    for ts in flat.getElementsByClass(meter.TimeSignature):
        numerator, denominator = int(ts.numerator), int(ts.denominator)
        problem = meter_problem(numerator, denominator)
        if problem is not None:
            raise InputFileError(
                path, f"unusable time signature {numerator}/{denominator}: {problem}"
            )
        signatures.append(
            TimeSignature(numerator, denominator, float(ts.getOffsetInHierarchy(part)))
        )
    return signatures


def _key_fifths(whole: Any) -> int | None:
    """Sharps (+) or flats (-) of the document's first key signature; None without one."""
    from music21 import key

    for signature in whole.getElementsByClass(key.KeySignature):
        return int(signature.sharps)
    return None


def _melody_notes(part: Any, flat: Any, tempo_map: TempoMap) -> list[Note]:
    """Every pitch of the notes and chords of `part` (`flat`: its elements; grace notes
    left out), sorted by onset and pitch; seconds through `tempo_map`."""
    import music21
    from music21 import harmony

    notes: list[Note] = []
    for element in flat.notes:
        if isinstance(element, harmony.ChordSymbol):
            continue
        start = float(element.getOffsetInHierarchy(part))
        end = start + float(element.quarterLength)
        if end <= start:
            continue  # grace notes
        pitches = [element.pitch] if isinstance(element, music21.note.Note) else element.pitches
        for p in pitches:
            velocity = element.volume.velocity or 90
            notes.append(
                Note(
                    int(p.midi),
                    start,
                    end,
                    int(velocity),
                    tempo_map.seconds(start),
                    tempo_map.seconds(end),
                )
            )
    notes.sort(key=lambda n: (n.start_beat, n.pitch))
    return notes


def _chord_spans(parsed: Any, whole: Any, length_beats: float) -> list[ChordSpan]:
    """The document's chord symbols, each lasting until the next one (the last until
    `length_beats`); of two symbols at the same beat the later one wins."""
    from music21 import harmony

    symbols: list[tuple[float, Chord]] = []
    for cs in whole.getElementsByClass(harmony.ChordSymbol):
        if isinstance(cs, harmony.NoChord) or not cs.pitches:
            continue
        beat = float(cs.getOffsetInHierarchy(parsed))
        symbols.append((beat, _chord_of(cs)))
    symbols.sort(key=lambda s: s[0])
    chords: list[ChordSpan] = []
    for i, (beat, chord) in enumerate(symbols):
        end = symbols[i + 1][0] if i + 1 < len(symbols) else max(length_beats, beat)
        if end <= beat and i + 1 < len(symbols):
            continue  # two symbols at the same offset: the later one wins
        chords.append(ChordSpan(chord, beat, max(end, beat)))
    return chords


_M21_ROOT_FLATS_RE = re.compile(r"^([A-G])(-+)")
_M21_BASS_FLATS_RE = re.compile(r"/([A-G])(-+)$")


def _chord_of(cs: Any) -> Chord:
    """Our `Chord` for a music21 ChordSymbol: its text (`figure`) read by our parser, so
    G7b9 stays G7b9 and F/A keeps its bass; where our parser cannot read the figure, or
    reads another root, the quality nearest music21's pitch classes (and its bass)."""
    root = cs.root().pitchClass
    # music21 spells flats '-' (B-7 is Bb7); in our symbols '-' after the root is minor
    figure = _M21_ROOT_FLATS_RE.sub(lambda m: m[1] + "b" * len(m[2]), str(cs.figure or ""))
    figure = _M21_BASS_FLATS_RE.sub(lambda m: "/" + m[1] + "b" * len(m[2]), figure)
    try:
        chord = parse_chord_symbol(figure)
    except ChordSymbolError:
        chord = None
    if chord is not None and chord.root == root:
        return chord
    bass = cs.bass()
    quality = quality_from_pitch_classes(root, {p.pitchClass for p in cs.pitches})
    return Chord(root, quality, None if bass is None else bass.pitchClass)
