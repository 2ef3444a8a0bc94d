"""Backing parts for the output file: piano comping, walking bass and swing drums.

All parts are built from the bars' chord spans, in absolute quarter notes, with a seeded
`numpy.random.Generator` (same seed, same parts). Off-beat eighths are placed on the
triplet swing position (2/3 of a beat, `SWING_OFFBEAT`) like the grammar's swung lines
(the writer's optional `--swing` time map then applies to every part alike).

- Chords ("Chords", piano): rootless voicings (3rd, 7th or 6th, 9th, 5th: the root is the
  bass player's) below the solo (`comp_register`: the top voice stays under the lower
  quarter of the melody's pitches, so the comping never covers the line), each voicing
  the inversion that moves the voices least from the previous one (voice leading,
  `voice_leading_distance`); rhythm per chord span from a few Charleston-like /
  syncopated patterns, chosen at random per span. Where the line dives into the comping
  (a note below the line's lowest tenth, `DIVE_PERCENTILE`, sounds during a hit at most
  `LAY_OUT_ABOVE` semitones above the voicing's top), the pianist lays out: that hit is
  left out. Only dives: a low instrument's line always sits near the comping. Without a bass player
  (`backing="chords"`) the pianist's left hand plays the root below the voicing on the
  chord's first beat (and on beat 3 of a 4-beat chord): a rootless voicing alone is
  ambiguous (Cmaj7's E G B D is Em7), for the listener and for `jazzgen inspect`.
- Bass ("Bass", acoustic bass): one quarter note per beat; root (or slash bass: C7/E) on
  the chord's first beat, chord tones in between, a chromatic approach to the next chord's
  root (or slash bass) on the last beat.
- Drums ("Drums", channel 9, GM kit): ride cymbal swing pattern (every beat plus the
  swung "and" of 2 and 4), hi-hat pedal on 2 and 4, feathered bass drum, sparse snare
  comping.
- Count-in (`count_in_bars`, trio only): that many bars of hi-hat pedal on every beat
  before the first bar (the caller shifts every part by the count-in length).

Levels (CC 7 volume and velocities) keep the solo on top: the melody part is written at
`MELODY_VOLUME` by the caller; comping, bass and drums sit below it (`*_VOLUME`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jazzgen.core.constants import DRUM_CHANNEL
from jazzgen.core.errors import ConfigError
from jazzgen.core.harmony import Chord, ChordQuality
from jazzgen.core.types import Bar, ChordSpan, Note
from jazzgen.io.midi_writer import Part

BACKINGS = ("none", "chords", "trio")
SWING_OFFBEAT = 2.0 / 3.0  # the swung "and": the third eighth-triplet of a beat
CHORDS_CHANNEL = 1
BASS_CHANNEL = 2
DEFAULT_CHORDS_PROGRAM = 0  # Acoustic Grand Piano
DEFAULT_BASS_PROGRAM = 32  # Acoustic Bass
# CC 7 volumes: the solo on top, the rhythm section under it (velocities are set per part).
MELODY_VOLUME = 110
CHORDS_VOLUME = 80
BASS_VOLUME = 92
DRUMS_VOLUME = 80

COMP_LOW, COMP_HIGH = 50, 76  # without a melody, rootless voicings sit between D3 and E5
COMP_MIN_TOP = 55  # G3: a top voice lower than this sinks into the bass (low-interval limits)
COMP_SPAN = 16  # semitones from the lowest to the highest note a voicing may use
LAY_OUT_ABOVE = 1  # a dive under, on or a semitone above a hit's top voice drops the hit
DIVE_PERCENTILE = 10  # a dive: a note below this percentile of the line's pitches
LEFT_HAND_LOW = 36  # the left-hand root of the chords-only backing: C2 up to the voicing
BASS_LOW, BASS_HIGH = 28, 52  # E1..E3

# GM percussion keys
RIDE, HIHAT_PEDAL, KICK, SNARE = 51, 44, 36, 38

# Comping rhythms for a span of at least 4 beats, in (start, length) beats; ".x" positions
# use SWING_OFFBEAT. "Charleston", "push", "2 and 4", "and of 1 / and of 3", "1 and push".
_O = SWING_OFFBEAT
_Pattern = tuple[tuple[float, float], ...]
_PATTERNS_4: tuple[_Pattern, ...] = (
    ((0.0, 1.2), (1.0 + _O, 0.8)),
    ((0.0, 0.9), (2.0 + _O, 1.0)),
    ((1.0, 0.5), (3.0, 0.5)),
    ((_O, 0.9), (2.0 + _O, 0.9)),
    ((0.0, 1.5), (3.0 + _O, 0.3)),
)
_PATTERNS_2: tuple[_Pattern, ...] = (((0.0, 1.0),), ((_O, 1.0),), ((0.0, 0.5), (1.0 + _O, 0.3)))


def spans_of(bars: Sequence[Bar]) -> list[ChordSpan]:
    """The chord spans of all bars in time order (clipped to their bars)."""
    spans: list[ChordSpan] = []
    for bar in bars:
        for span in bar.chords:
            start = max(span.start_beat, bar.start_beat)
            end = min(span.end_beat, bar.end_beat)
            if end > start:
                spans.append(ChordSpan(span.chord, start, end))
    return spans


def chord_markers(bars: Sequence[Bar]) -> list[tuple[float, str]]:
    """(beat, chord symbol) at every chord change of `bars`, for the MIDI file's markers
    (a DAW shows them on its timeline; `jazzgen inspect` reads the chords back from them)."""
    markers: list[tuple[float, str]] = []
    previous = None
    for span in spans_of(bars):
        if span.chord != previous:
            markers.append((span.start_beat, span.chord.symbol))
            previous = span.chord
    return markers


def rootless_pitch_classes(chord: Chord) -> list[int]:
    """3-4 pitch classes of a rootless voicing of `chord` (root omitted)."""
    q = chord.quality
    if q in (ChordQuality.DIMINISHED7, ChordQuality.AUGMENTED):
        rel = list(q.intervals)
    elif q is ChordQuality.HALF_DIMINISHED:
        rel = [3, 6, 10, 5]  # b3, b5, b7, 11
    elif q in (ChordQuality.SUS4, ChordQuality.DOMINANT7_SUS4):
        rel = [5, 10, 2, 7]
    elif q is ChordQuality.SUS2:
        rel = [2, 7, 9]
    elif q is ChordQuality.DIMINISHED:
        rel = [3, 6, 9]
    elif len(q.intervals) == 3:  # triads: add the 6th and 9th (major) / 7th and 9th (minor)
        rel = [q.intervals[1], 9 if q is ChordQuality.MAJOR else 10, 2, 7]
    else:  # sevenths and sixths: 3rd, 7th/6th, 9th (the chord's b9 or #9 if it has one), 5th
        ninth = 1 if 1 in q.intervals else 3 if {3, 4} <= set(q.intervals) else 2
        rel = [q.intervals[1], q.intervals[3], ninth, q.intervals[2]]
    return [(chord.root + r) % 12 for r in rel]


Register = tuple[int, int]
"""(lowest, highest) MIDI pitch a comping voicing may use."""


def comp_register(melody: Sequence[Note] = ()) -> Register:
    """Where the comping sits: under the solo. The top voice stays below the lower quarter
    of the melody's pitches (the line's low register), but not below `COMP_MIN_TOP`; the
    voicings use `COMP_SPAN` semitones under it. Without a melody: `COMP_LOW..COMP_HIGH`."""
    if not melody:
        return COMP_LOW, COMP_HIGH
    low_register = int(np.percentile([n.pitch for n in melody], 25))
    top = max(COMP_MIN_TOP, min(COMP_HIGH, low_register - 1))
    return top - COMP_SPAN, top


def voicings(
    pcs: Sequence[int], register: Register = (COMP_LOW, COMP_HIGH)
) -> list[tuple[int, ...]]:
    """Every voicing of `pcs` inside `register` (lowest note first) that stacks them upwards
    in a rotation of their written order (3-7-9-5 and its inversions) or of their
    pitch-class order (close position, within an octave), without duplicates."""
    low, high = register
    found: list[tuple[int, ...]] = []
    orders = [list(pcs[r:]) + list(pcs[:r]) for r in range(len(pcs))]
    ordered = sorted(pcs)
    orders += [ordered[r:] + ordered[:r] for r in range(len(ordered))]
    for order in orders:
        for base in range(low, high + 1):
            if base % 12 != order[0]:
                continue
            chord = [base]
            for pc in order[1:]:
                nxt = chord[-1] + 1
                while nxt % 12 != pc:
                    nxt += 1
                chord.append(nxt)
            if chord[-1] <= high and tuple(chord) not in found:
                found.append(tuple(chord))
    return found


def voice_leading_distance(a: Sequence[int], b: Sequence[int]) -> float:
    """How far the voices move from voicing `a` to `b`, in semitones: voice by voice (low
    to low, ...) for voicings of one size; for a 3- and a 4-note voicing, every note to the
    nearest note of the other, averaged over both directions."""
    a, b = sorted(a), sorted(b)
    if len(a) == len(b):
        return float(sum(abs(x - y) for x, y in zip(a, b, strict=True)))
    there = sum(min(abs(x - y) for y in b) for x in a)
    back = sum(min(abs(x - y) for x in a) for y in b)
    return (there + back) / 2


def voice_chord(
    chord: Chord, previous: Sequence[int] | None, register: Register = (COMP_LOW, COMP_HIGH)
) -> tuple[int, ...]:
    """The rootless voicing of `chord` in `register` that moves least from `previous`
    (the first one: the one centred in the register)."""
    options = voicings(rootless_pitch_classes(chord), register)
    if not options:
        options = voicings(rootless_pitch_classes(chord)[:3], register)
    if previous:
        return min(options, key=lambda v: (voice_leading_distance(previous, v), v))
    centre = sum(register) / 2
    return min(options, key=lambda v: (abs(sum(v) / len(v) - centre), v))


def _left_hand(chord: Chord, span: ChordSpan, below: int) -> list[Note]:
    """The root (or slash bass) below `below`, on the span's first beat and again on beat 3
    of a span of 4+ beats (a plain two-feel: other tones on beat 3 would read as a new
    chord's root)."""
    # from C2 up to the voicing; an octave lower when the voicing sits that low
    low = LEFT_HAND_LOW if below - LEFT_HAND_LOW > 12 else LEFT_HAND_LOW - 12
    root = max(p for p in range(low, below) if p % 12 == chord.bass_pitch_class)
    length = span.end_beat - span.start_beat
    if length < 4.0 - 1e-9:
        return [Note(root, span.start_beat, span.start_beat + 0.9 * length, 72)]
    return [
        Note(root, span.start_beat, span.start_beat + 1.9, 72),
        Note(root, span.start_beat + 2.0, span.start_beat + 2.9, 64),
    ]


def comp_notes(
    bars: Sequence[Bar],
    rng: np.random.Generator,
    *,
    left_hand: bool = False,
    register: Register = (COMP_LOW, COMP_HIGH),
    melody: Sequence[Note] = (),
) -> tuple[Note, ...]:
    """Comping voicings in `register` with syncopated rhythms (see module doc); with
    `left_hand`, the root below each voicing, for a backing without bass. A hit under a
    `melody` note that dives into it is left out (module doc)."""
    dives = _dives(melody)
    notes: list[Note] = []
    previous: tuple[int, ...] | None = None
    for span in spans_of(bars):
        length = span.end_beat - span.start_beat
        voicing = voice_chord(span.chord, previous, register)
        previous = voicing
        if left_hand:
            notes.extend(_left_hand(span.chord, span, min(voicing)))
        if length >= 4.0 - 1e-9:
            pattern = _PATTERNS_4[int(rng.integers(len(_PATTERNS_4)))]
        elif length >= 2.0 - 1e-9:
            pattern = _PATTERNS_2[int(rng.integers(len(_PATTERNS_2)))]
        else:
            pattern = ((0.0, 0.75 * length),)
        for offset, duration in pattern:
            start = span.start_beat + offset
            end = min(start + duration, span.end_beat)
            if end - start < 0.1:
                continue
            velocity = int(np.clip(66 + rng.integers(-6, 7), 1, 127))
            if not _dives_into(dives, start, end, max(voicing)):  # (drawn all the same)
                notes.extend(Note(p, start, end, velocity) for p in voicing)
    return tuple(notes)


def _dives(melody: Sequence[Note]) -> list[Note]:
    """The notes below the line's `DIVE_PERCENTILE`th percentile pitch."""
    if not melody:
        return []
    low = np.percentile([n.pitch for n in melody], DIVE_PERCENTILE)
    return [n for n in melody if n.pitch < low]


def _dives_into(melody: Sequence[Note], start: float, end: float, top: int) -> bool:
    """Whether a note of `melody` sounding in [start, end) is at most `LAY_OUT_ABOVE`
    semitones above `top`."""
    return any(
        n.pitch <= top + LAY_OUT_ABOVE and n.start_beat < end and n.end_beat > start for n in melody
    )


def _nearest(pitch_classes: Sequence[int], target: float, low: int, high: int) -> int:
    pool = [p for p in range(low, high + 1) if p % 12 in pitch_classes]
    return min(pool, key=lambda p: (abs(p - target), p))


def bass_notes(bars: Sequence[Bar], rng: np.random.Generator) -> tuple[Note, ...]:
    """A walking bass line, one quarter note per whole beat (see module doc)."""
    spans = spans_of(bars)
    notes: list[Note] = []
    prev = 40.0  # E2: start near the middle of the bass register
    for k, span in enumerate(spans):
        beats = int(np.floor(span.end_beat - span.start_beat + 1e-9))
        if beats < 1:
            continue
        following = spans[k + 1].chord if k + 1 < len(spans) else span.chord
        next_root = following.bass_pitch_class  # the slash bass of C7/E, else the root
        tones = sorted(span.chord.pitch_classes)
        scale = sorted(span.chord.scale_pitch_classes)
        direction = 1 if prev < 40 else -1 if prev > 46 else int(rng.choice((-1, 1)))
        for beat in range(beats):
            start = span.start_beat + beat
            if beat == 0:
                pitch = _nearest([span.chord.bass_pitch_class], prev, BASS_LOW, BASS_HIGH)
            elif beat == beats - 1:
                target = _nearest([next_root], prev + 2 * direction, BASS_LOW, BASS_HIGH)
                side = 1 if target - 1 < BASS_LOW else -1 if target + 1 > BASS_HIGH else 0
                side = side or (-1 if target > prev else 1)
                pitch = target + side  # chromatic approach from below/above
            else:
                pool = tones if beat % 2 == 0 else scale
                step_targets = [
                    p
                    for p in range(BASS_LOW, BASS_HIGH + 1)
                    if p % 12 in pool and 0 < (p - prev) * direction <= 5
                ]
                if step_targets:
                    pitch = min(step_targets, key=lambda p: abs(p - prev))
                else:
                    direction = -direction
                    pitch = _nearest(tones, prev + 3 * direction, BASS_LOW, BASS_HIGH)
            if notes and pitch == notes[-1].pitch:
                pitch = pitch + (2 if pitch + 2 <= BASS_HIGH else -2)
            velocity = int(np.clip(88 - 8 * (beat % 2) + rng.integers(-4, 5), 1, 127))
            notes.append(Note(int(pitch), start, start + 0.92, velocity))
            prev = float(pitch)
    return tuple(notes)


def drum_notes(bars: Sequence[Bar], rng: np.random.Generator) -> tuple[Note, ...]:
    """A swing ride pattern with hi-hat on 2 and 4, feathered kick, sparse snare comping."""
    notes: list[Note] = []
    hit = 1.0 / 6.0  # drum hits are short: one sixth of a beat
    for bar in bars:
        beats = int(np.floor(bar.length_beats + 1e-9))
        for beat in range(beats):
            start = bar.start_beat + beat
            accent = beat % 2 == 1  # 2 and 4 (in 3/4: 2)
            notes.append(Note(RIDE, start, start + hit, 92 if accent else 80))
            notes.append(Note(KICK, start, start + hit, 34 + int(rng.integers(0, 6))))
            if accent:
                notes.append(Note(HIHAT_PEDAL, start, start + hit, 78))
                off = start + SWING_OFFBEAT
                notes.append(Note(RIDE, off, off + hit, 64 + int(rng.integers(-4, 5))))
            if rng.random() < 0.18:  # a ghosted snare on a triplet subdivision
                off = start + float(rng.choice((1.0 / 3.0, SWING_OFFBEAT)))
                notes.append(Note(SNARE, off, off + hit, 38 + int(rng.integers(0, 12))))
    return tuple(notes)


def count_in_notes(bars: int, bar_beats: float, start_beat: float = 0.0) -> tuple[Note, ...]:
    """`bars` bars of hi-hat pedal on every whole beat from `start_beat` (beat 1 accented)."""
    beats = int(np.floor(bar_beats + 1e-9))
    hit = 1.0 / 6.0
    return tuple(
        Note(HIHAT_PEDAL, t, t + hit, 96 if beat == 0 else 80)
        for bar in range(bars)
        for beat in range(beats)
        for t in (start_beat + bar * bar_beats + beat,)
    )


def arrange(
    bars: Sequence[Bar],
    *,
    backing: str = "trio",
    rng: np.random.Generator,
    chords_program: int = DEFAULT_CHORDS_PROGRAM,
    bass_program: int = DEFAULT_BASS_PROGRAM,
    count_in_bars: int = 0,
    melody: Sequence[Note] = (),
) -> list[Part]:
    """Backing parts for `backing`: none -> [], chords -> [Chords], trio -> + Bass, Drums.

    The comping sits under `melody` (`comp_register`) and lays out where the line dives
    into it. `count_in_bars` > 0 (trio only)
    adds that many bars of hi-hat before `bars`, which must then start at `count_in_bars`
    bars (the caller leaves the room).
    """
    if backing not in BACKINGS:
        raise ConfigError(f"backing must be one of {', '.join(BACKINGS)}, got {backing!r}")
    if count_in_bars < 0 or (count_in_bars and backing != "trio"):
        raise ConfigError(f"count-in needs --backing trio and bars >= 0, got {count_in_bars}")
    if backing == "none":
        return []
    comp = comp_notes(
        bars, rng, left_hand=backing == "chords", register=comp_register(melody), melody=melody
    )
    parts = [Part("Chords", chords_program, CHORDS_CHANNEL, comp, volume=CHORDS_VOLUME)]
    if backing == "trio":
        bass = bass_notes(bars, rng)
        drums = drum_notes(bars, rng)
        if count_in_bars and bars:
            bar_beats = bars[0].time_signature.bar_beats
            start = bars[0].start_beat - count_in_bars * bar_beats
            if start < -1e-9:
                raise ConfigError(f"no room for a {count_in_bars}-bar count-in before the solo")
            drums = count_in_notes(count_in_bars, bar_beats, start) + drums
        parts.append(Part("Bass", bass_program, BASS_CHANNEL, bass, volume=BASS_VOLUME))
        parts.append(Part("Drums", 0, DRUM_CHANNEL, drums, volume=DRUMS_VOLUME))
    return parts
