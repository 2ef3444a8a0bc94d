"""Assemble the original jazzgen corpus: seeded solo lines over hand-written chord charts.

What is hand-written here: the chord charts (`TUNES`), the rhythm cells (`ONE_BEAT`,
`TWO_BEAT`, weighted per feel), the line devices (guide-tone targets, enclosures,
chromatic approaches, scale runs with one turn, arpeggio sweeps, digital 1-2-3-5 cells,
anticipations tied over the bar line; stacked fourths and pentatonic runs in the modal
tune) and the phrase plan (phrases of 2-4 bars separated by rests, some answered by a
sequence of themselves). A seeded `random.Random` per tune assembles them into choruses,
so the output is byte-for-byte reproducible. Nothing is transcribed or quoted.

The lead sheets are written as ABC (chord symbols in quotes, L:1/8, real `(3` triplets,
eighths written straight: the grammar handles swing) into data/<name>.abc.

Example:
    python scripts/compose_corpus.py            # rewrite data/*.abc
    python scripts/compose_corpus.py --out /tmp/corpus
"""

from __future__ import annotations

import argparse
import functools
import itertools
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.harmony import Chord, ChordQuality

TICKS_PER_QUARTER = 12  # the grammar's 1/12-quarter grid: eighths = 6, triplet eighths = 4
LOWEST, HIGHEST = 58, 89  # Bb3..F6 concert: alto/tenor sax or trumpet

# --- chord charts (hand-written, original changes) -----------------------------------------
# One string per chorus form; bars split by "|", chords in a bar share it equally.

BLUES_F = "F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | Am7 D7b9 | Gm7 | C7 | F7 D7b9 | Gm7 C7"
BLUES_BB = "Bb7 | Eb7 | Bb7 | Fm7 Bb7 | Eb7 | Edim7 | Bb7 | Dm7 G7b9 | Cm7 | F7 | Bb7 G7b9 | Cm7 F7"
MINOR_BLUES_C = "Cm7 | Fm7 | Cm7 | Cm7 | Fm7 | Fm7 | Cm7 | Cm7 | Ab7 | G7b9 | Cm6 | Dm7b5 G7b9"
RHYTHM_A_BB = "Bb6 G7b9 | Cm7 F7 | Dm7 G7b9 | Cm7 F7 | Bb7 Fm7 | Eb6 Edim7 | Bb6 G7b9 | Cm7 F7"
II_V_MAJOR_1 = (
    "Dm7 | G7 | Cmaj7 | Cmaj7 | Gm7 | C7 | Fmaj7 | Fmaj7 | "
    "Cm7 | F7 | Bbmaj7 | Bbmaj7 | Fm7 | Bb7 | Ebmaj7 | Ebmaj7"
)
II_V_MAJOR_2 = (
    "Bbm7 | Eb7 | Abmaj7 | Abmaj7 | Ebm7 | Ab7 | Dbmaj7 | Dbmaj7 | "
    "Am7 | D7 | Gmaj7 | Gmaj7 | Em7 | A7 | Dmaj7 | Dmaj7"
)
II_V_MINOR_1 = (
    "Dm7b5 | G7b9 | Cm6 | Cm6 | Am7b5 | D7b9 | Gm6 | Gm6 | "
    "Gm7b5 | C7b9 | Fm6 | Fm6 | Em7b5 | A7b9 | Dm6 | Dm6"
)
II_V_MINOR_2 = (
    "Cm7b5 | F7b9 | Bbm6 | Bbm6 | Bm7b5 | E7b9 | Am6 | Am6 | "
    "Fm7b5 | Bb7b9 | Ebm6 | Ebm6 | F#m7b5 | B7b9 | Em6 | Em6"
)
CYCLE_D_MINOR = (
    "Gm7 | C7 | Fmaj7 | Bbmaj7 | Em7b5 | A7b9 | Dm7 | D7b9 | "
    "Gm7 | C7 | Am7 | D7b9 | Gm7 C7 | Fmaj7 Bbmaj7 | Em7b5 A7b9 | Dm6"
)
_D_DORIAN_8 = " | ".join(["Dm7"] * 8)
_EB_DORIAN_8 = " | ".join(["Ebm7"] * 8)
MODAL_DORIAN = f"{_D_DORIAN_8} | {_D_DORIAN_8} | {_EB_DORIAN_8} | {_D_DORIAN_8}"
WALTZ_BB = (
    "Bbmaj7 | Gm7 | Cm7 | F7 | Dm7 | G7b9 | Cm7 | F7 | "
    "Ebmaj7 | Ab7 | Dm7 | G7b9 | Cm7 | F7 | Bbmaj7 | F7"
)
BOSSA_F = (
    "Fmaj7 | Fmaj7 | G7 | G7 | Gm7 | C7 | Am7 | D7b9 | "
    "Gm7 | Bbm6 | Am7 | D7b9 | Gm7 | C7 | Fmaj7 | Gm7 C7"
)
_AABA_A = "Ebmaj7 Cm7 | Fm7 Bb7 | Gm7 C7b9 | Fm7 Bb7 | Ebmaj7 Eb7 | Abmaj7 Db7 | Gm7 C7b9 | Fm7 Bb7"
_AABA_A2 = "Ebmaj7 Cm7 | Fm7 Bb7 | Gm7 C7b9 | Fm7 Bb7 | Ebmaj7 Eb7 | Abmaj7 Db7 | Fm7 Bb7 | Eb6"
_AABA_B = "Bbm7 | Eb7 | Abmaj7 | Abmaj7 | Am7 | D7 | Gmaj7 | Fm7 Bb7"
AABA_EB = f"{_AABA_A} | {_AABA_A} | {_AABA_B} | {_AABA_A2}"


@dataclass(frozen=True)
class Tune:
    name: str  # file stem: <progression>_<nn>
    title: str
    progression: str
    chart: str
    choruses: int
    key: str  # ABC K: field
    key_fifths: int
    meter: tuple[int, int]
    qpm: int
    feel: str  # "swing", "waltz" (swing 3/4) or "bossa" (straight eighths)
    seed: int
    register: int  # centre pitch of the line (MIDI)
    final: str = ""  # chords of the tune's very last bar (replaces a turnaround), if set


TUNES: tuple[Tune, ...] = (
    Tune(
        "blues_f_01",
        "Blue Ledger",
        "blues_f",
        BLUES_F,
        2,
        "F",
        -1,
        (4, 4),
        152,
        "swing",
        101,
        70,
        final="F7",
    ),
    Tune(
        "blues_f_02",
        "Late Ferry",
        "blues_f",
        BLUES_F,
        3,
        "F",
        -1,
        (4, 4),
        184,
        "swing",
        102,
        72,
        final="F7",
    ),
    Tune(
        "blues_bb_01",
        "Copper Wire",
        "blues_bb",
        BLUES_BB,
        2,
        "Bb",
        -2,
        (4, 4),
        140,
        "swing",
        201,
        68,
        final="Bb7",
    ),
    Tune(
        "blues_bb_02",
        "Ninth Street Shuffle",
        "blues_bb",
        BLUES_BB,
        3,
        "Bb",
        -2,
        (4, 4),
        200,
        "swing",
        202,
        72,
        final="Bb7",
    ),
    Tune(
        "minor_blues_c_01",
        "Slate Roof",
        "minor_blues_c",
        MINOR_BLUES_C,
        2,
        "Cm",
        -3,
        (4, 4),
        132,
        "swing",
        301,
        69,
        final="Cm6",
    ),
    Tune(
        "minor_blues_c_02",
        "Night Loading",
        "minor_blues_c",
        MINOR_BLUES_C,
        2,
        "Cm",
        -3,
        (4, 4),
        176,
        "swing",
        302,
        73,
        final="Cm6",
    ),
    Tune(
        "rhythm_a_bb_01",
        "Rotating Door",
        "rhythm_a_bb",
        RHYTHM_A_BB,
        6,
        "Bb",
        -2,
        (4, 4),
        208,
        "swing",
        401,
        72,
        final="Bb6",
    ),
    Tune(
        "ii_v_i_major_01",
        "Four Doors Up",
        "ii_v_i_major",
        II_V_MAJOR_1,
        2,
        "C",
        0,
        (4, 4),
        160,
        "swing",
        501,
        71,
    ),
    Tune(
        "ii_v_i_major_02",
        "Four Doors Down",
        "ii_v_i_major",
        II_V_MAJOR_2,
        2,
        "C",
        0,
        (4, 4),
        168,
        "swing",
        502,
        70,
    ),
    Tune(
        "ii_v_i_minor_01",
        "Shade Lines",
        "ii_v_i_minor",
        II_V_MINOR_1,
        2,
        "Cm",
        -3,
        (4, 4),
        150,
        "swing",
        601,
        70,
    ),
    Tune(
        "ii_v_i_minor_02",
        "Low Lantern",
        "ii_v_i_minor",
        II_V_MINOR_2,
        2,
        "C",
        0,
        (4, 4),
        144,
        "swing",
        602,
        69,
    ),
    Tune(
        "cycle_fourths_dm_01",
        "Paper Calendar",
        "cycle_fourths_dm",
        CYCLE_D_MINOR,
        3,
        "Dm",
        -1,
        (4, 4),
        156,
        "swing",
        701,
        71,
    ),
    Tune(
        "modal_dorian_01",
        "Open Field",
        "modal_dorian",
        MODAL_DORIAN,
        2,
        "Ddor",
        0,
        (4, 4),
        176,
        "swing",
        801,
        71,
    ),
    Tune(
        "waltz_bb_01",
        "Carousel Paper",
        "waltz_bb",
        WALTZ_BB,
        3,
        "Bb",
        -2,
        (3, 4),
        156,
        "waltz",
        901,
        71,
        final="Bbmaj7",
    ),
    Tune(
        "bossa_f_01",
        "Harbor Glass",
        "bossa_f",
        BOSSA_F,
        3,
        "F",
        -1,
        (4, 4),
        132,
        "bossa",
        1001,
        70,
        final="Fmaj7",
    ),
    Tune(
        "aaba_eb_01",
        "Borrowed Evening",
        "aaba_eb",
        AABA_EB,
        2,
        "Eb",
        -3,
        (4, 4),
        168,
        "swing",
        1101,
        71,
    ),
)

# --- rhythm cells (hand-written) ---------------------------------------------------------
# (ticks per event, kind): "n" note, "r" rest. One-beat cells and two-beat cells.

ONE_BEAT = {
    "ee": ((6, "n"), (6, "n")),
    "q": ((12, "n"),),
    "t": ((4, "n"), (4, "n"), (4, "n")),
    "re": ((6, "r"), (6, "n")),
}
TWO_BEAT = {
    "eqe": ((6, "n"), (12, "n"), (6, "n")),  # syncopated push onto the and of the beat
    "dqe": ((18, "n"), (6, "n")),  # dotted quarter + eighth (charleston-like)
    "qee": ((12, "n"), (6, "n"), (6, "n")),
}
# Digital cells (scale degrees as semitones above the root), keyed by the chord's 3rd and 5th.
DIGITAL_CELLS = {
    (4, 7): ((0, 2, 4, 7), (4, 7, 11, 14), (2, 4, 7, 9)),
    (3, 7): ((0, 2, 3, 7), (3, 7, 10, 14), (7, 5, 3, 2)),
    (3, 6): ((0, 3, 6, 10), (3, 6, 10, 12)),
    (5, 7): ((0, 2, 5, 7),),
}
FEEL_WEIGHTS = {
    "swing": {"ee": 62, "q": 10, "t": 11, "re": 4, "eqe": 6, "dqe": 3, "qee": 4},
    "waltz": {"ee": 55, "q": 18, "t": 9, "re": 4, "eqe": 6, "dqe": 4, "qee": 4},
    "bossa": {"ee": 40, "q": 24, "t": 0, "re": 6, "eqe": 14, "dqe": 10, "qee": 6},
}


# --- harmony helpers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Harmony:
    symbol: str
    chord: Chord
    tones: tuple[int, ...]  # chord-tone pitch classes, for arpeggios (adds b9 on "7b9")
    scale: tuple[int, ...]  # scale pitch classes for runs
    guides: tuple[int, ...]  # 3rd and 7th (or 6th) pitch classes


@functools.cache
def harmony_of(symbol: str) -> Harmony:
    chord = parse_chord_symbol(symbol)
    root = chord.root
    tones = sorted(chord.pitch_classes)
    scale = sorted(chord.scale_pitch_classes)
    if "b9" in symbol:  # minor-key dominant: b9 and b13 (fifth mode of harmonic minor)
        tones = sorted({*tones, (root + 1) % 12})
        scale = sorted({(root + i) % 12 for i in (0, 1, 4, 5, 7, 8, 10)})
    if chord.quality is ChordQuality.DIMINISHED7:
        scale = sorted(chord.scale_pitch_classes)
    ivs = chord.quality.intervals
    guides = tuple((root + i) % 12 for i in ivs if i in (3, 4, 9, 10, 11) or (i == 6 and 3 in ivs))
    return Harmony(symbol, chord, tuple(tones), tuple(scale), guides)


def pool(pcs: tuple[int, ...]) -> list[int]:
    return [p for p in range(LOWEST, HIGHEST + 1) if p % 12 in pcs]


def nearest(pitches: list[int], target: float) -> int:
    return min(pitches, key=lambda p: (abs(p - target), p))


def neighbour(pitches: list[int], pitch: int, side: int) -> int:
    """The nearest pitch of `pitches` strictly above (side 1) or below (side -1) `pitch`."""
    if side > 0:
        return min((p for p in pitches if p > pitch), default=pitch + 2)
    return max((p for p in pitches if p < pitch), default=pitch - 2)


# --- the line generator ------------------------------------------------------------------


@dataclass
class Event:
    start: int  # ticks from the tune start
    ticks: int
    pitch: int | None  # None = rest


class LineWriter:
    """Writes one tune's solo line: phrases of 2-4 bars aimed at guide tones."""

    def __init__(self, tune: Tune) -> None:
        self.tune = tune
        self.rng = random.Random(tune.seed)
        num, den = tune.meter
        self.bar_ticks = num * 4 * TICKS_PER_QUARTER // den
        self.beats_per_bar = num
        self.spans: list[tuple[int, int, Harmony]] = []  # (start, end, harmony)
        pos = 0
        for chorus in range(tune.choruses):
            bar_texts = tune.chart.split("|")
            if chorus == tune.choruses - 1 and tune.final:
                bar_texts[-1] = tune.final
            for bar_text in bar_texts:
                symbols = bar_text.split()
                share = self.bar_ticks // len(symbols)
                for i, sym in enumerate(symbols):
                    self.spans.append((pos + i * share, pos + (i + 1) * share, harmony_of(sym)))
                pos += self.bar_ticks
        self.total_ticks = pos
        self.events: list[Event] = []
        self.prev = tune.register

    # time helpers
    def harmony_at(self, tick: int) -> Harmony:
        for start, end, harm in self.spans:
            if start <= tick < end:
                return harm
        return self.spans[-1][2]

    def target_points(self, start: int, end: int) -> list[int]:
        """Chord changes and strong beats (bar downbeats; beat 3 in 4/4) in (start, end]."""
        points = {s for s, _, _ in self.spans if start < s <= end}
        half = self.bar_ticks // 2 if self.beats_per_bar == 4 else self.bar_ticks
        points |= {t for t in range(0, end + 1, half) if start < t <= end}
        return sorted(points)

    # pitch helpers
    def choose_target(self, tick: int, prev: int, drift: int) -> int:
        harm = self.harmony_at(tick)
        changed = self.harmony_at(tick - 1) is not harm if tick > 0 else True
        if changed and self.rng.random() < 0.75:
            pcs = harm.guides  # guide-tone resolution: nearest 3rd/7th of the new chord
            aim = prev + self.rng.choice((-2, -1, 0, 1, 2))
        else:
            pcs = harm.tones
            aim = prev + drift
        aim = min(max(aim, LOWEST + 4), HIGHEST - 5)
        aim += (self.tune.register - aim) * 0.25  # gently back toward the home register
        return nearest(pool(pcs), aim)

    def walk(self, harm: Harmony, start: int, goal: int, n: int, use_arpeggio: bool) -> list[int]:
        """n pitches moving from `start` to `goal` (the n-th pitch is on/next to goal).

        Lines are runs with at most one turn: either away from the goal first and back, or
        past the goal and back; a skip (a third in the scale) absorbs an odd step count.
        """
        if n <= 0:
            return []
        pitches = pool(harm.tones if use_arpeggio else harm.scale)
        i = pitches.index(nearest(pitches, start))
        g = pitches.index(nearest(pitches, goal))
        if pitches[i] == start:  # start is already sounding: the line moves off it
            i += 1 if g > i or (g == i and self.rng.random() < 0.5) else -1
            i = min(max(i, 0), len(pitches) - 1)
            n_first = 0
        else:
            n_first = 1  # the first output may be `pitches[i]` itself
        d = g - i
        budget = n - n_first
        steps: list[int] = []
        if abs(d) >= budget:  # too far for steps: skips of up to 3 scale tones
            sign = 1 if d > 0 else -1
            remaining = abs(d)
            for k in range(budget, 0, -1):
                size = min(3, -(-remaining // k))
                steps.append(sign * size)
                remaining -= size
        else:
            extra = budget - abs(d)
            turn = extra // 2
            sign = 1 if d > 0 else -1 if d < 0 else self.rng.choice((1, -1))
            away_first = self.rng.random() < 0.5
            out_leg = [-sign] * turn if away_first else [sign] * (abs(d) + turn)
            back_leg = [sign] * (abs(d) + turn) if away_first else [-sign] * turn
            steps = out_leg + back_leg
            if extra % 2:  # one more event: a skip instead of a step keeps the arrival
                if steps:
                    k = self.rng.randrange(len(steps))
                    steps[k] *= 2
                    steps.insert(k + 1, -steps[k] // 2)
                else:
                    steps.append(self.rng.choice((1, -1)))
        out = [pitches[i]] if n_first else []
        for step in steps:
            i = min(max(i + step, 0), len(pitches) - 1)
            out.append(pitches[i])
        return out[:n]

    def fill(self, harm: Harmony, prev: int, target: int, n: int) -> list[int]:
        """n pitches leading from `prev` into `target` (which sounds after them)."""
        if n <= 0:
            return []
        r = self.rng.random()
        scale = pool(harm.scale)
        above = neighbour(scale, target, 1)
        below = neighbour(scale, target - 1, -1)
        side = 1 if prev >= target else -1
        if n >= 3 and r < 0.22:  # enclosure: scale tone above, semitone below, target
            head = self.walk(harm, prev, neighbour(scale, above, 1), n - 2, use_arpeggio=False)
            return [*head, above, target - 1]
        if n >= 2 and r < 0.40:  # chromatic approach from below
            return [*self.walk(harm, prev, below, n - 1, use_arpeggio=False), target - 1]
        if n >= 5 and r < 0.55:  # digital cell 1-2-3-5 / 3-5-7-9, then run into the target
            root = harm.chord.root
            base = nearest([p for p in scale if p % 12 == root], prev - 2)
            ivs = self.rng.choice(DIGITAL_CELLS[harm.chord.quality.intervals[1:3]])
            cell = [base + iv for iv in ivs]
            if cell[-1] > HIGHEST:
                cell = [p - 12 for p in cell]
            goal = neighbour(scale, target, 1 if cell[-1] >= target else -1)
            return [*cell, *self.walk(harm, cell[-1], goal, n - 4, use_arpeggio=False)][:n]
        if self.tune.feel == "swing" and self.tune.progression.startswith("modal") and n >= 4:
            if r >= 0.55 and r < 0.72:  # stacked fourths in the mode, then down the scale
                p = nearest(scale, prev - 5)
                cell = [p]
                for _ in range(3):
                    p = min((q for q in scale if q >= p + 5), default=p - 12)
                    cell.append(p)
                if cell[-1] > HIGHEST or cell[-1] < cell[0]:
                    cell = [q - 12 for q in cell] if cell[0] - 12 >= LOWEST else cell[:1]
                goal = neighbour(scale, target, 1 if cell[-1] >= target else -1)
                tail = self.walk(harm, cell[-1], goal, n - len(cell), use_arpeggio=False)
                return [*cell, *tail][:n]
            if r >= 0.72 and r < 0.85:  # minor pentatonic run of the mode's root
                root = harm.chord.root
                penta = Harmony(
                    harm.symbol,
                    harm.chord,
                    harm.tones,
                    tuple((root + i) % 12 for i in (0, 3, 5, 7, 10)),
                    harm.guides,
                )
                goal = neighbour(pool(penta.scale), target, side)
                return self.walk(penta, prev, goal, n, use_arpeggio=False)
        if n >= 3 and r < 0.7:  # arpeggio sweep to the target, then a neighbour turn
            head = self.walk(harm, prev, target, n - 1, use_arpeggio=True)
            return [*head, above if side > 0 else below]
        return self.walk(harm, prev, neighbour(scale, target, side), n, use_arpeggio=False)

    # rhythm
    def beat_cells(self, start: int, end: int) -> list[tuple[int, str]]:
        """Rhythm events filling [start, end) (start on a beat or an off-beat eighth)."""
        weights = FEEL_WEIGHTS[self.tune.feel]
        cells: list[tuple[int, str]] = []
        pos = start
        if pos % TICKS_PER_QUARTER:  # phrase starts on an off-beat eighth
            cells.append((6, "n"))
            pos += 6
        while pos < end:
            left = end - pos
            names = [k for k in ONE_BEAT if k != "re" or pos == start] + (
                list(TWO_BEAT) if left >= 24 else []
            )
            name = self.rng.choices(names, [weights[k] for k in names])[0]
            cells.extend(ONE_BEAT.get(name) or TWO_BEAT[name])
            pos += 12 if name in ONE_BEAT else 24
        return cells

    def phrase(self, start: int, end: int, final_ticks: int) -> None:
        """One phrase: notes from `start` to `end`, then a chord tone held `final_ticks`."""
        drift = self.rng.choice((-7, -4, 4, 7, 9))
        harm = self.harmony_at(start)
        first = nearest(pool(harm.tones), self.tune.register + self.rng.randint(-5, 5))
        self.prev = first
        pending: int | None = first  # pitch of the next onset if it falls on a target point
        pos = start
        anticipated = False
        for point in sorted({*self.target_points(start, end), end}):
            seg_start = pos
            if anticipated:  # the first eighth of this segment is held over from the last
                self.events[-1].ticks += 6
                pos += 6
                anticipated = False
            cells = self.beat_cells(pos, point)
            target = self.choose_target(point, self.prev, drift)
            drift = -drift if abs(target - self.tune.register) > 8 else drift
            n_notes = sum(1 for _, kind in cells if kind == "n")
            head = 0
            if pending is not None and cells and cells[0][1] == "n" and seg_start % 12 == 0:
                head = 1
            harm = self.harmony_at(seg_start)
            antic = (
                point != end
                and len(cells) >= 3
                and cells[-1] == (6, "n")
                and cells[-2] == (6, "n")
                and self.rng.random() < 0.16
            )
            body = n_notes - head - (1 if antic else 0)
            start_pitch = pending if head and pending is not None else self.prev
            pitches = ([start_pitch] if head else []) + self.fill(harm, start_pitch, target, body)
            if antic:
                pitches.append(target)
            it = iter(pitches)
            for ticks, kind in cells:
                pitch = next(it) if kind == "n" else None
                self.events.append(Event(pos, ticks, pitch))
                if pitch is not None:
                    self.prev = pitch
                pos += ticks
            pending = target
            anticipated = antic
            if antic:
                pending = None
        # the phrase's last note: a chord tone (target of the last segment), held
        if anticipated:
            self.events[-1].ticks += final_ticks
        else:
            harm = self.harmony_at(end)
            last = pending if pending is not None else nearest(pool(harm.tones), self.prev)
            self.events.append(Event(end, final_ticks, last))
            self.prev = last

    def chorus_of(self, tick: int) -> int:
        return tick * self.tune.choruses // self.total_ticks

    def echo(self, source: list[Event], shift: int) -> bool:
        """Restate the phrase `source` `shift` ticks later over the chords found there.

        Rhythm is kept; pitches move by the root movement of the chords and are then
        snapped back to the same kind of tone (chord tone, scale tone, chromatic) over the
        new chords: motivic development, not a copy. Returns False if it does not fit.
        """
        first = source[0]
        old_root = self.harmony_at(first.start).chord.root
        new_root = self.harmony_at(first.start + shift).chord.root
        move = (new_root - old_root + 6) % 12 - 6
        if move == 0:  # same chord: a sequence a step or a third away, not a copy
            move = self.rng.choice((-4, -3, 3, 4, 5))
        out: list[Event] = []
        for ev in source:
            if ev.pitch is None:
                continue
            old, new = self.harmony_at(ev.start), self.harmony_at(ev.start + shift)
            pc = ev.pitch % 12
            moved = ev.pitch + move
            if pc in old.tones:
                pitch = nearest(pool(new.tones), moved)
            elif pc in old.scale:
                pitch = nearest(pool(new.scale), moved)
            else:
                pitch = moved
            if not LOWEST <= pitch <= HIGHEST:
                return False
            out.append(Event(ev.start + shift, ev.ticks, pitch))
        self.events.extend(out)
        self.prev = out[-1].pitch or self.prev
        return True

    def compose(self) -> list[Event]:
        bar = self.bar_ticks
        beat = TICKS_PER_QUARTER
        pos = self.rng.choice((0, beat // 2, beat))
        last_phrase: list[Event] = []
        while True:
            chorus = self.chorus_of(pos)
            # later choruses: longer phrases, shorter breaths, more triplets
            if self.tune.feel == "waltz":
                lengths = (2, 4, 4)
            else:
                lengths = (2, 2, 3, 3, 4) if chorus == 0 else (2, 3, 3, 4, 4)
            bars = self.rng.choice(lengths)
            # phrases end on a strong beat: bar downbeat or (4/4) beat 3
            end_bar = (pos // bar) + bars
            end = end_bar * bar - self.rng.choice((0, bar // 2 if self.beats_per_bar == 4 else 0))
            end = max(end, pos + 2 * beat)
            if end >= self.total_ticks - bar - 2 * beat:
                break
            final_ticks = self.rng.choice((12, 12, 18, 24))
            span = (
                last_phrase[-1].start + last_phrase[-1].ticks - last_phrase[0].start
                if (last_phrase)
                else 0
            )
            # an answer: the last phrase restated a bar or two later (if it is short)
            shift = 0
            if last_phrase and span <= 2 * bar and self.rng.random() < 0.3:
                shift = -(-(pos - last_phrase[0].start) // bar) * bar
            n_before = len(self.events)
            if (
                shift
                and last_phrase[0].start + shift + span < self.total_ticks - bar
                and self.echo(last_phrase, shift)
            ):
                end = last_phrase[0].start + shift + span
                last_phrase = []  # never echo an echo
                final_ticks = 0
            else:
                self.phrase(pos, end, final_ticks)
                last_phrase = [e for e in self.events[n_before:] if e.pitch is not None]
            breaths = (2, 3, 3, 4, 5, 6) if chorus == 0 else (1, 2, 2, 3, 4, 5)
            pos = end + final_ticks + self.rng.choice(breaths) * beat
            pos = pos - pos % 6
            if self.rng.random() < 0.35:
                pos += 6  # enter on the "and": an off-beat pickup
        # the closing phrase ends on the tonic chord at the last bar's downbeat
        last_bar = self.total_ticks - bar
        line_end = max((e.start + e.ticks for e in self.events), default=0)
        pos = max(line_end + beat // 2, min(pos, last_bar - 4 * beat))
        pos -= pos % 6
        if pos <= last_bar - 2 * beat:
            self.phrase(pos, last_bar, bar // 2)
        else:  # no room for a last phrase: end on a chord tone of the final chord
            tones = pool(self.harmony_at(last_bar).tones)
            self.events.append(Event(last_bar, bar // 2, nearest(tones, self.prev)))
        merged: list[Event] = []
        cursor = 0
        for ev in self.events:
            if ev.pitch is None:
                continue
            if ev.start < cursor:
                raise RuntimeError(f"{self.tune.name}: overlapping events at tick {ev.start}")
            if ev.start > cursor:
                merged.append(Event(cursor, ev.start - cursor, None))
            merged.append(Event(ev.start, ev.ticks, ev.pitch))
            cursor = ev.start + ev.ticks
        if cursor < self.total_ticks:
            merged.append(Event(cursor, self.total_ticks - cursor, None))
        return tidy(merged)


def tidy(events: list[Event]) -> list[Event]:
    """Keep pitches in range, fold leaps above an octave, break up repeated short notes."""
    out: list[Event] = []
    last: int | None = None
    for ev in events:
        if ev.pitch is not None:
            while ev.pitch > HIGHEST:
                ev.pitch -= 12
            while ev.pitch < LOWEST:
                ev.pitch += 12
            if last is not None:
                while ev.pitch - last > 12 and ev.pitch - 12 >= LOWEST:
                    ev.pitch -= 12
                while last - ev.pitch > 12 and ev.pitch + 12 <= HIGHEST:
                    ev.pitch += 12
                if last == ev.pitch and ev.ticks <= 6:
                    ev.pitch += 2 if ev.pitch + 2 <= HIGHEST else -2
            last = ev.pitch
        out.append(ev)
    return out


# --- ABC writing ---------------------------------------------------------------------------

FLAT_NAMES = (
    ("C", 0),
    ("D", -1),
    ("D", 0),
    ("E", -1),
    ("E", 0),
    ("F", 0),
    ("G", -1),
    ("G", 0),
    ("A", -1),
    ("A", 0),
    ("B", -1),
    ("B", 0),
)
SHARP_NAMES = (
    ("C", 0),
    ("C", 1),
    ("D", 0),
    ("D", 1),
    ("E", 0),
    ("F", 0),
    ("F", 1),
    ("G", 0),
    ("G", 1),
    ("A", 0),
    ("A", 1),
    ("B", 0),
)
LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
FLAT_ORDER, SHARP_ORDER = "BEADGCF", "FCGDAEB"


# Letter steps above the root for each interval: b9 (not #1), b3/#9 as b3, b13 (not #5);
# 6 semitones is b5 on diminished chords and #11 elsewhere.
INTERVAL_LETTER_STEPS = (0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6)


def spell(pitch: int, symbol: str, key_fifths: int) -> tuple[str, int, int]:
    """(letter, alteration, octave) for a MIDI pitch, spelled from the chord root upwards."""
    pc = pitch % 12
    chord = parse_chord_symbol(symbol)
    interval = (pc - chord.root) % 12
    steps = INTERVAL_LETTER_STEPS[interval]
    if interval == 6 and 6 in chord.quality.intervals:
        steps = 4
    if interval == 9 and chord.quality is ChordQuality.DIMINISHED7:
        steps = 6  # the diminished seventh: Bdim7 has Ab, not G#
    root_letter = symbol[0]
    letter = "CDEFGAB"[("CDEFGAB".index(root_letter) + steps) % 7]
    alter = (pc - LETTER_PC[letter] + 6) % 12 - 6
    if abs(alter) > 1:  # a double accidental: use the key's plain spelling instead
        letter, alter = (SHARP_NAMES if key_fifths > 0 else FLAT_NAMES)[pc]
    octave = (pitch - LETTER_PC[letter] - alter) // 12 - 1
    return letter, alter, octave


def key_alterations(fifths: int) -> dict[str, int]:
    alters = dict.fromkeys("CDEFGAB", 0)
    for letter in SHARP_ORDER[:fifths] if fifths > 0 else FLAT_ORDER[:-fifths]:
        alters[letter] = 1 if fifths > 0 else -1
    return alters


def abc_length(eighths: int) -> str:
    """ABC length suffix (L:1/8) for a whole number of eighths: 1 -> '', 3 -> '3'."""
    return "" if eighths == 1 else str(eighths)


def split_ticks(ticks: int) -> list[int]:
    """Split a multiple of 6 ticks into writable eighth-multiples (1,2,3,4,6,8 eighths)."""
    parts = []
    eighths = ticks // 6
    for size in (8, 6, 4, 3, 2, 1):
        while eighths >= size:
            parts.append(size)
            eighths -= size
    return parts


def to_abc(tune: Tune, events: list[Event], spans: list[tuple[int, int, Harmony]]) -> str:
    num, den = tune.meter
    bar_ticks = num * 4 * TICKS_PER_QUARTER // den
    cuts = sorted({s for s, _, _ in spans} | set(range(0, spans[-1][1] + 1, bar_ticks)))
    # split every event at bar lines and chord onsets (ties keep notes whole)
    pieces: list[tuple[int, int, int | None, bool]] = []  # start, ticks, pitch, tie_to_next
    for ev in events:
        start, end = ev.start, ev.start + ev.ticks
        inner = [c for c in cuts if start < c < end]
        bounds = [start, *inner, end]
        for a, b in itertools.pairwise(bounds):
            pieces.append((a, b - a, ev.pitch, ev.pitch is not None and b != end))
    chord_at = {s: h.symbol for s, _, h in spans}
    key_alt = key_alterations(tune.key_fifths)
    lines: list[str] = []
    bar_texts: list[str] = []
    current: list[str] = []
    accidentals: dict[str, int] = {}
    written: set[str] = set()
    i = 0
    while i < len(pieces):
        start, ticks, pitch, tie = pieces[i]
        if start % bar_ticks == 0 and start > 0 and current:
            bar_texts.append(" ".join(current))
            current = []
        if start % bar_ticks == 0:
            accidentals, written = dict(key_alt), set()
        token = f'"{chord_at[start]}"' if start in chord_at else ""
        symbol = chord_at.get(start) or next(h.symbol for s, e, h in spans if s <= start < e)
        if ticks == 4:  # a triplet group: three pieces of 4 ticks starting on the beat
            group = pieces[i : i + 3]
            notes = [
                note_text(p, symbol, tune.key_fifths, accidentals, written) + ""
                for _, _, p, _ in group
            ]
            current.append("(3" + token + "".join(notes))
            i += 3
            continue
        sizes = split_ticks(ticks)
        texts = []
        for k, size in enumerate(sizes):
            last = k == len(sizes) - 1
            if pitch is None:
                texts.append("z" + abc_length(size))
            else:
                texts.append(
                    note_text(pitch, symbol, tune.key_fifths, accidentals, written)
                    + abc_length(size)
                    + ("-" if (tie or not last) else "")
                )
        current.append(token + "".join(texts))
        i += 1
    bar_texts.append(" ".join(current))
    per_line = 4
    for k in range(0, len(bar_texts), per_line):
        chunk = bar_texts[k : k + per_line]
        end = " |]" if k + per_line >= len(bar_texts) else " |"
        lines.append(" | ".join(chunk) + end)
    return "\n".join(lines)


def note_text(
    pitch: int, symbol: str, key_fifths: int, accidentals: dict[str, int], written: set[str]
) -> str:
    letter, alter, octave = spell(pitch, symbol, key_fifths)
    prefix = ""
    # Once a letter has carried an explicit accidental in this bar, always restate it, so
    # that no reader has to know whether accidentals carry across octaves.
    if accidentals.get(letter, 0) != alter or letter in written:
        prefix = {-1: "_", 0: "=", 1: "^"}[alter]
        accidentals[letter] = alter
        written.add(letter)
    name = letter.lower() + "'" * (octave - 5) if octave >= 5 else letter + "," * (4 - octave)
    return prefix + name


def render(tune: Tune) -> str:
    writer = LineWriter(tune)
    events = writer.compose()
    body = to_abc(tune, events, writer.spans)
    num, den = tune.meter
    bars = writer.total_ticks // writer.bar_ticks
    feel = {"swing": "swing", "waltz": "jazz waltz", "bossa": "bossa nova (straight eighths)"}
    header = [
        "X:1",
        f"T:{tune.title}",
        f"% progression: {tune.progression}",
        f"% choruses: {tune.choruses} x {bars // tune.choruses} bars",
        "% composed for jazzgen (CC0-1.0); assembled by scripts/compose_corpus.py,"
        f" seed {tune.seed}",
        "C:jazzgen corpus",
        f"R:{feel[tune.feel]}",
        f"M:{num}/{den}",
        "L:1/8",
        f"Q:1/4={tune.qpm}",
        f"K:{tune.key}",
    ]
    return "\n".join(header) + "\n" + body + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: python scripts/compose_corpus.py --out data",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "data",
        help="directory for the .abc lead sheets (default: data/)",
    )
    parser.add_argument("--only", help="compose only the tune with this file stem")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for tune in TUNES:
        if args.only and tune.name != args.only:
            continue
        path = args.out / f"{tune.name}.abc"
        path.write_text(render(tune), encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
