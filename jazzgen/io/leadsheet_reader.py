"""Reading MusicXML and ABC lead sheets into a `Score` with music21 (imported lazily).

Melody notes come from the first part, chord symbols into `Score.chords` (each lasting
until the next symbol or the end).
"""

from __future__ import annotations

import re
from pathlib import Path

from jazzgen.core.chord_symbols import parse_chord_symbol, quality_from_pitch_classes
from jazzgen.core.constants import DEFAULT_QPM
from jazzgen.core.errors import ChordSymbolError, InputFileError
from jazzgen.core.harmony import Chord
from jazzgen.core.timeline import TempoMap
from jazzgen.core.types import ChordSpan, Note, Score, Tempo, TimeSignature, Track
from jazzgen.io.midi_reader import QPM_RANGE


def _read_leadsheet(path: Path) -> Score:
    try:
        import music21
    except ImportError:  # pragma: no cover - music21 is a hard dependency
        raise InputFileError(
            path, "reading MusicXML/ABC needs music21 (pip install music21)"
        ) from None
    try:
        parsed = music21.converter.parse(str(path))
    except Exception as exc:  # music21 raises many unrelated exception types
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(path, f"cannot parse lead sheet: {first_line[:200]}") from None
    try:
        return _score_from_music21(path, parsed)
    except InputFileError:
        raise
    except Exception as exc:  # defensive: odd documents must not crash a batch
        raise InputFileError(path, f"cannot read lead sheet: {type(exc).__name__}: {exc}") from None


def _score_from_music21(path: Path, parsed: object) -> Score:
    """Score from a parsed music21 stream: first part = melody, chord symbols = chords."""
    import music21
    from music21 import harmony, key, meter, tempo

    parts = list(getattr(parsed, "parts", [])) or [parsed]
    part = parts[0].stripTies()
    flat = part.flatten()
    whole = parsed.flatten()

    tempo_list: list[Tempo] = []
    for mark in whole.getElementsByClass(tempo.MetronomeMark):
        qpm = mark.getQuarterBPM()
        if qpm is None:
            continue
        if not QPM_RANGE[0] <= qpm <= QPM_RANGE[1]:
            raise InputFileError(path, f"absurd tempo {qpm:.1f} qpm")
        beat = float(mark.getOffsetInHierarchy(parsed))
        if not tempo_list or tempo_list[-1].qpm != qpm:
            tempo_list.append(Tempo(float(qpm), beat))
    if not tempo_list or tempo_list[0].start_beat > 0:
        tempo_list.insert(0, Tempo(tempo_list[0].qpm if tempo_list else DEFAULT_QPM, 0.0))
    tempo_map = TempoMap(tempo_list)

    ts_list: list[TimeSignature] = []
    for ts in flat.getElementsByClass(meter.TimeSignature):
        beat = float(ts.getOffsetInHierarchy(part))
        value = TimeSignature(int(ts.numerator), int(ts.denominator), beat)
        if ts_list and ts_list[-1].start_beat == beat:
            ts_list[-1] = value
        elif not ts_list or str(ts_list[-1]) != str(value):
            ts_list.append(value)
    if not ts_list or ts_list[0].start_beat > 0:
        first = ts_list[0] if ts_list else TimeSignature(4, 4)
        ts_list.insert(0, TimeSignature(first.numerator, first.denominator, 0.0))

    key_fifths = None
    for ks in whole.getElementsByClass(key.KeySignature):
        key_fifths = int(ks.sharps)
        break

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
    if not notes:
        raise InputFileError(path, "lead sheet has no melody notes in its first part")
    length = max(n.end_beat for n in notes)
    length = max(length, float(part.highestTime))

    symbols: list[tuple[float, Chord]] = []
    for cs in whole.getElementsByClass(harmony.ChordSymbol):
        if isinstance(cs, harmony.NoChord) or not cs.pitches:
            continue
        beat = float(cs.getOffsetInHierarchy(parsed))
        symbols.append((beat, _chord_of(cs)))
    symbols.sort(key=lambda s: s[0])
    chords: list[ChordSpan] = []
    for i, (beat, chord) in enumerate(symbols):
        end = symbols[i + 1][0] if i + 1 < len(symbols) else max(length, beat)
        if end <= beat and i + 1 < len(symbols):
            continue  # two symbols at the same offset: the later one wins
        chords.append(ChordSpan(chord, beat, max(end, beat)))

    name = str(getattr(parts[0], "partName", "") or "Melody")
    track = Track(0, name, 0, 0, tuple(notes))
    return Score(
        path=str(path),
        tracks=(track,),
        ticks_per_quarter=0,  # no ticks in a lead sheet
        tempos=tuple(tempo_list),
        time_signatures=tuple(ts_list),
        chords=tuple(chords),
        key_fifths=key_fifths,
        length_beats=length,
        source_format="abc" if path.suffix.lower() == ".abc" else "musicxml",
    )


_M21_ROOT_FLATS_RE = re.compile(r"^([A-G])(-+)")
_M21_BASS_FLATS_RE = re.compile(r"/([A-G])(-+)$")


def _chord_of(cs: object) -> Chord:
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
