"""Tiny Weimar Jazz Database files for tests, in the official table layout.

    make_wjazzd(path, [TinySolo(...), ...], drop_columns={"melody": ["beatdur"]}) -> path

A `TinySolo` lists its notes by metric position, `(bar, beat, tatum, division, pitch)`
plus an optional duration in beats (default 0.5); chords as `{(bar, beat): "C-7"}`
(written on that beat only, like the database: carried forward); meters as
`{bar: "3/4"}` (written on the bar's first beat; the first one also in `signature` of
solo_info). Every beat of every bar from the first to the last note's bar (or
`first_bar`/`last_bar`) gets a beats row. Times in seconds follow from `qpm` (constant).
The real `wjazzd.db` is never used here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path

SCHEMA = {
    "melody": (
        "eventid INTEGER PRIMARY KEY AUTOINCREMENT, melid INTEGER, onset REAL, pitch REAL, "
        "duration REAL, period INTEGER, division INTEGER, bar INTEGER, beat INTEGER, "
        "tatum INTEGER, subtatum INTEGER, num INTEGER, denom INTEGER, beatprops TEXT, "
        "beatdur REAL, tatumprops TEXT, f0_mod TEXT, loud_max REAL, loud_med REAL, "
        "loud_sd REAL, loud_relpos REAL, loud_cent REAL, loud_s2b REAL, f0_range REAL, "
        "f0_freq_hz REAL, f0_med_dev REAL"
    ),
    "beats": (
        "beatid INTEGER PRIMARY KEY AUTOINCREMENT, melid INTEGER, onset REAL, bar INTEGER, "
        "beat INTEGER, signature TEXT, chord TEXT, form TEXT, bass_pitch INTEGER, "
        "chorus_id INTEGER"
    ),
    "solo_info": (
        "melid INTEGER, performer TEXT, title TEXT, titleaddon TEXT, solopart INTEGER, "
        "instrument TEXT, style TEXT, avgtempo FLOAT, tempoclass TEXT, rhythmfeel TEXT, "
        "key TEXT, signature TEXT, chord_changes TEXT, chorus_count INTEGER"
    ),
    "db_info": (
        "name TEXT, creator TEXT, major INTEGER, minor INTEGER, release TEXT, created TEXT, "
        "license TEXT, status TEXT"
    ),
}


@dataclass
class TinySolo:
    melid: int
    notes: list[tuple] = field(default_factory=list)  # (bar, beat, tatum, division, pitch[, beats])
    chords: dict[tuple[int, int], str] = field(default_factory=dict)
    meters: dict[int, str] = field(default_factory=lambda: {1: "4/4"})
    qpm: float = 120.0
    performer: str = "Test Player"
    title: str = "Tune"
    instrument: str = "ts"
    style: str = "BEBOP"
    rhythmfeel: str = "SWING"
    key: str = "C-maj"
    first_bar: int | None = None
    last_bar: int | None = None
    null_pitch_rows: int = 0  # extra melody rows with a NULL pitch


def _meter_of(solo: TinySolo, bar: int) -> tuple[int, int]:
    current = solo.meters[min(solo.meters)]
    for start in sorted(solo.meters):
        if start <= bar:
            current = solo.meters[start]
    numerator, denominator = (int(x) for x in current.split("/"))
    return numerator, denominator


def _bar_starts(solo: TinySolo) -> dict[int, float]:
    """Start of every bar in beats (quarter notes), the first bar at 0."""
    bars = [n[0] for n in solo.notes]
    first = solo.first_bar if solo.first_bar is not None else min(bars)
    last = solo.last_bar if solo.last_bar is not None else max(bars)
    starts, beat = {}, 0.0
    for bar in range(first, last + 1):
        starts[bar] = beat
        numerator, denominator = _meter_of(solo, bar)
        beat += numerator * 4 / denominator
    return starts


def _rows(solo: TinySolo) -> tuple[list[tuple], list[tuple]]:
    seconds = 60.0 / solo.qpm
    starts = _bar_starts(solo)
    melody = []
    for bar, beat, tatum, division, pitch, *rest in solo.notes:
        numerator, denominator = _meter_of(solo, bar)
        beat_quarters = 4 / denominator
        position = starts[bar] + ((beat - 1) + (tatum - 1) / division) * beat_quarters
        length = rest[0] if rest else 0.5
        melody.append(
            (solo.melid, position * seconds, pitch, length * seconds, division, bar, beat,
             tatum, 0, numerator, denominator, seconds * beat_quarters)
        )  # fmt: skip
    for _ in range(solo.null_pitch_rows):
        melody.append((solo.melid, 0.0, None, 0.1, 1, 1, 1, 1, 0, 4, 4, seconds))
    beats = []
    seen_meter = None
    for bar, start in starts.items():
        numerator, denominator = _meter_of(solo, bar)
        meter = f"{numerator}/{denominator}"
        for beat in range(1, numerator + 1):
            signature = meter if beat == 1 and meter != seen_meter and bar >= 1 else None
            if signature:
                seen_meter = meter
            onset = (start + (beat - 1) * 4 / denominator) * seconds
            beats.append((solo.melid, onset, bar, beat, signature, solo.chords.get((bar, beat))))
    return melody, beats


def make_wjazzd(
    path: str | Path,
    solos: list[TinySolo],
    *,
    drop_columns: dict[str, list[str]] | None = None,
    drop_tables: tuple[str, ...] = (),
) -> Path:
    """Write a WJazzD-layout SQLite file at `path` holding `solos` (see module doc)."""
    path = Path(path)
    drop_columns = drop_columns or {}
    connection = sqlite3.connect(path)
    for table, columns in SCHEMA.items():
        if table in drop_tables:
            continue
        kept = [c for c in columns.split(", ") if c.split()[0] not in drop_columns.get(table, [])]
        connection.execute(f"CREATE TABLE {table}({', '.join(kept)})")
    for solo in solos:
        melody, beats = _rows(solo)
        melody_names = ("melid", "onset", "pitch", "duration", "division", "bar", "beat",
                        "tatum", "subtatum", "num", "denom", "beatdur")  # fmt: skip
        beats_names = ("melid", "onset", "bar", "beat", "signature", "chord")
        _insert(connection, "melody", drop_columns, melody_names, melody, drop_tables)
        _insert(connection, "beats", drop_columns, beats_names, beats, drop_tables)
        first_meter = solo.meters[min(solo.meters)]
        info = (solo.melid, solo.performer, solo.title, "", 1, solo.instrument, solo.style,
                solo.qpm, "MEDIUM", solo.rhythmfeel, solo.key, first_meter, "", 1)  # fmt: skip
        if "solo_info" not in drop_tables:
            names = [c.split()[0] for c in SCHEMA["solo_info"].split(", ")]
            _insert(connection, "solo_info", drop_columns, tuple(names), [info], drop_tables)
    connection.commit()
    connection.close()
    return path


def _insert(connection, table, drop_columns, names, rows, drop_tables) -> None:
    if table in drop_tables:
        return
    keep = [i for i, name in enumerate(names) if name not in drop_columns.get(table, [])]
    columns = ", ".join(names[i] for i in keep)
    marks = ", ".join("?" * len(keep))
    connection.executemany(
        f"INSERT INTO {table}({columns}) VALUES ({marks})",
        [tuple(row[i] for i in keep) for row in rows],
    )


# A ii-V-I in C minor-ish: Cm7 | F7 on beat 3 | Bbmaj7, with a pickup bar 0: triplets, a
# quintuplet, eighths, a note held over its inter-onset interval.
PICKUP = TinySolo(
    1,
    notes=[
        (0, 3, 1, 1, 60),
        (0, 4, 1, 2, 62),
        (0, 4, 2, 2, 63),
        (1, 1, 1, 1, 67, 1.0),
        (1, 2, 1, 3, 65),  # triplets: steps 12, 16, 20 of the bar
        (1, 2, 2, 3, 63),
        (1, 2, 3, 3, 62),
        (1, 3, 1, 1, 60, 2.0),
        (2, 1, 1, 5, 70),  # a quintuplet: 0, 2.4, 4.8, 7.2, 9.6 -> 0, 2, 5, 7, 10
        (2, 1, 2, 5, 69),
        (2, 1, 3, 5, 67),
        (2, 1, 4, 5, 65),
        (2, 1, 5, 5, 64),
        (2, 3, 1, 1, 62, 1.0),
    ],
    chords={(0, 1): "NC", (1, 1): "C-7", (1, 3): "F7", (2, 1): "Bbj7"},
)


def blues_solo(
    melid: int, performer: str, *, meter: str = "4/4", instrument: str = "as"
) -> TinySolo:
    """Eight bars of a line over F7 | Bb7 | F7 | C-7 F7 | ..., eighths and triplets."""
    beats = int(meter.split("/")[0])
    notes = []
    for bar in range(1, 9):
        for beat in range(1, beats + 1):
            if beat % 2:
                notes += [(bar, beat, 1, 2, 60 + (bar + beat) % 12), (bar, beat, 2, 2, 62, 0.25)]
            else:
                notes += [(bar, beat, t, 3, 64 + t, 0.3) for t in (1, 2, 3)]
    chords = {(1, 1): "F7", (2, 1): "Bb7", (3, 1): "F7", (4, 1): "C-7", (4, 3): "F7",
              (5, 1): "Bb7", (6, 1): "Bo7", (7, 1): "F7", (8, 1): "NC"}  # fmt: skip
    return TinySolo(
        melid, notes=notes, chords=chords, meters={1: meter}, performer=performer,
        instrument=instrument, qpm=150.0,
    )  # fmt: skip


def tiny_solos() -> list[TinySolo]:
    """Four blues solos by three performers (one in 3/4, one on trumpet), a free solo
    without chords (melid 5, FREE) and the pickup solo (melid 6)."""
    return [
        blues_solo(1, "Art Pepper"),
        blues_solo(2, "Art Pepper", meter="3/4"),
        blues_solo(3, "Chet Baker", instrument="tp"),
        blues_solo(4, "Lee Konitz"),
        TinySolo(
            5,
            notes=[(1, 1, 1, 1, 60), (1, 2, 1, 1, 62)],
            chords={(1, 1): "NC"},
            performer="Ornette Coleman",
            style="FREE",
        ),
        replace(PICKUP, melid=6),
    ]
