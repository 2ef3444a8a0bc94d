"""The Weimar Jazz Database (WJazzD): its SQLite file read into typed values.

The file is the official `wjazzd.db` of the Jazzomat Research Project (MeloSpy's schema):
`solo_info` (one row per solo), `melody` (one row per note, with its metric position) and
`beats` (one row per beat, with the chord and the time signature where they change). Only
the columns named in `REQUIRED_COLUMNS` (selected by name) are needed; others may be
missing, and NULLs are tolerated: a melody row whose pitch or metric position is NULL is
left out and counted, a NULL duration or beat duration is filled in later, NULL text is ''.
The file is opened read-only (SQLite URI `mode=ro`), never written, and only after it was
checked to be a regular file within the `database-mb` limit (`io.files.check_input_file`:
a FIFO or a device is never opened). A solo with more melody or beats rows than the
`notes` limit is refused before its rows are all read (core.limits), or left out and
reported (`read_solos(..., refused=...)`, as preprocessing does).

    list_solos(path) -> [SoloInfo]                  one row per solo, with bars and notes
    read_solos(path, melids) -> [Solo]              notes and beats of those solos
    SoloFilter(performer=..., ...).select(infos)    the --performer/--instrument/... filters

Units: `onset`, `duration` and `beatdur` in seconds (as in the database); `bar` counts
from 1 (pickups are 0 and below), `beat` and `tatum` from 1; a note sits at tatum `tatum`
of `division` equal tatums of beat `beat` in a bar of `num`/`denom`.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from jazzgen.core import limits
from jazzgen.core.chord_symbols import parse_chord_label
from jazzgen.core.errors import ConfigError, InputFileError, InputLimitError
from jazzgen.core.harmony import Chord
from jazzgen.io.files import check_input_file, file_head

SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite 3 database file."""

DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
"""File names that are taken for a database even before their content is read."""

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "solo_info": (
        "melid", "performer", "title", "instrument", "style", "rhythmfeel", "key",
        "signature", "avgtempo",
    ),
    "melody": (
        "melid", "onset", "pitch", "duration", "bar", "beat", "tatum", "division", "num",
        "denom",
    ),
    "beats": ("melid", "onset", "bar", "beat", "signature", "chord"),
}  # fmt: skip
"""The tables and columns jazzgen reads (everything else in the file is ignored)."""

OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "melody": ("beatdur", "loud_med"),
    "beats": ("form",),
}
"""Columns read when present (NULL when the file lacks them). `loud_med` is the median
loudness of the note in dB as the Jazzomat's score-informed intensity estimation gives it
(only its differences within a solo are used: `analysis.solo_sheet`)."""

_IN_CHUNK = 500  # melids per `IN (...)` query: far below SQLite's variable limit


class MelodyEvent(NamedTuple):
    """One melody row: a note and its metric position (see module doc for units)."""

    onset: float  # seconds
    pitch: int
    duration: float | None  # seconds; None when NULL
    bar: int
    beat: int
    tatum: int
    division: int
    num: int | None  # meter of the note's bar, None when NULL
    denom: int | None
    beatdur: float | None  # seconds of the note's beat; None when NULL or absent
    loudness: float | None = None  # `loud_med`, dB; None when NULL or absent


class BeatEvent(NamedTuple):
    """One beats row. `signature` and `chord` are set only where they change (else None),
    `form` only where a section of the form starts ('A1', 'B1', 'I1'...; None elsewhere and
    in files without the column)."""

    onset: float  # seconds
    bar: int
    beat: int
    signature: str | None
    chord: str | None
    form: str | None = None


INSTRUMENT_PROGRAMS: dict[str, int] = {
    "ss": 64, "as": 65, "ts": 66, "ts-c": 66, "bs": 67,  # saxophones
    "cl": 71, "bcl": 71,  # clarinet (GM has no bass clarinet)
    "tp": 56, "cor": 56, "tb": 57,  # trumpet (GM has no cornet), trombone
    "g": 26, "p": 0, "vib": 11,  # jazz guitar, piano, vibraphone
}  # fmt: skip
"""General MIDI program (0-based) of each WJazzD instrument code."""


def instrument_program(instrument: str) -> int | None:
    """The General MIDI program of a WJazzD instrument code (any case); None if unknown."""
    return INSTRUMENT_PROGRAMS.get(instrument.lower())


@dataclass(frozen=True)
class SoloInfo:
    """One solo as `jazzgen inspect wjazzd.db` lists it (text fields '' when NULL)."""

    melid: int
    performer: str
    title: str
    instrument: str  # WJazzD code: ts, as, tp, tb, ss, cl, vib, p, g, bs, cor, bcl, ...
    style: str  # SWING, BEBOP, COOL, HARDBOP, POSTBOP, FREE, FUSION, TRADITIONAL
    rhythmfeel: str  # SWING, LATIN, FUNK, TWOBEAT, BALLAD, ...
    key: str  # e.g. 'Bb-maj', 'C-min', '' (unknown)
    signature: str  # e.g. '4/4'; '' for free solos
    avgtempo: float | None  # beats per minute, as the database gives it
    bars: int  # bars from the first to the last bar with a note
    notes: int  # melody rows

    def to_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Solo:
    """One solo: its info row, its notes (by onset) and its beats (by onset)."""

    info: SoloInfo
    notes: tuple[MelodyEvent, ...]
    beats: tuple[BeatEvent, ...]
    null_notes: int = 0  # melody rows left out: NULL pitch, bar, beat, tatum or division


# --- opening and checking ------------------------------------------------------------------


def is_database_path(path: str | Path) -> bool:
    """True when `path` names an SQLite file: a database suffix, or the SQLite header."""
    path = Path(path)
    if path.suffix.lower() in DATABASE_SUFFIXES:
        return True
    return file_head(path, len(SQLITE_MAGIC)) == SQLITE_MAGIC  # no FIFO or device is read


@contextmanager
def open_database(path: str | Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the WJazzD file `path`, closed on exit.

    Raises InputFileError with one line when the file is missing, not a regular file (a
    FIFO, a device: never opened), larger than the `database-mb` limit, not an SQLite
    database, or lacks tables/columns of `REQUIRED_COLUMNS` (all of them listed).
    """
    path = Path(path)
    check_input_file(path, "database_mb")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise InputFileError(path, f"cannot open the database: {exc}") from None
    with closing(connection):
        _check_schema(connection, path)
        yield connection


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1].lower() for row in connection.execute(f"PRAGMA table_info({table})")}


def _check_schema(connection: sqlite3.Connection, path: Path) -> None:
    """Raise InputFileError naming every missing table and column."""
    try:
        found = {table: _columns(connection, table) for table in REQUIRED_COLUMNS}
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise InputFileError(path, f"not an SQLite database ({exc})") from None
    tables = [table for table, columns in found.items() if not columns]
    columns = [
        f"{table}.{column}"
        for table, wanted in REQUIRED_COLUMNS.items()
        if found[table]
        for column in wanted
        if column not in found[table]
    ]
    if tables or columns:
        problems = []
        if tables:
            problems.append(f"missing table(s) {', '.join(tables)}")
        if columns:
            problems.append(f"missing column(s) {', '.join(columns)}")
        raise InputFileError(path, f"not a Weimar Jazz Database file: {'; '.join(problems)}")


# --- solo_info -------------------------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


_INFO_SELECT = (
    "SELECT melid, performer, title, instrument, style, rhythmfeel, key, signature, avgtempo "
    "FROM solo_info"
)


def _info(row: tuple, notes: int, bars: int) -> SoloInfo:
    melid, performer, title, instrument, style, feel, key, signature, avgtempo = row
    return SoloInfo(
        melid=int(melid),
        performer=_text(performer),
        title=_text(title),
        instrument=_text(instrument),
        style=_text(style),
        rhythmfeel=_text(feel),
        key=_text(key),
        signature=_text(signature),
        avgtempo=float(avgtempo) if isinstance(avgtempo, (int, float)) else None,
        bars=bars,
        notes=notes,
    )


def list_solos(path: str | Path, *, counts: bool = True) -> list[SoloInfo]:
    """Every solo of the file, by melid, with its bar and note counts (from `melody`;
    `counts=False` leaves them 0 and skips reading the melody table)."""
    with open_database(path) as connection:
        found: dict[int, tuple[int, int]] = {}
        if counts:
            found = {
                melid: (notes, (high - low + 1) if notes else 0)
                for melid, notes, low, high in connection.execute(
                    "SELECT melid, COUNT(*), MIN(bar), MAX(bar) FROM melody "
                    f"WHERE {_not_null(_MELODY_NEEDED)} GROUP BY melid"
                )
            }
        rows = connection.execute(_INFO_SELECT + " WHERE melid IS NOT NULL ORDER BY melid")
        return [_info(row, *found.get(row[0], (0, 0))) for row in rows]


# --- melody and beats --------------------------------------------------------------------------


# SQL gives every value its Python type (and leaves out rows with NULLs where a value is
# needed), so a row becomes a MelodyEvent / BeatEvent without a Python step per field.
_MELODY_NEEDED = ("onset", "pitch", "bar", "beat", "tatum", "division")
_BEATS_NEEDED = ("onset", "bar", "beat")


def _not_null(columns: Sequence[str]) -> str:
    return " AND ".join(f"{column} IS NOT NULL" for column in columns)


def _melody_select(connection: sqlite3.Connection) -> str:
    columns = _columns(connection, "melody")
    beatdur, loudness = (
        f"CAST({name} AS REAL)" if name in columns else "NULL"
        for name in OPTIONAL_COLUMNS["melody"]
    )
    return (
        "SELECT CAST(onset AS REAL), CAST(ROUND(pitch) AS INTEGER), CAST(duration AS REAL), "
        "CAST(bar AS INTEGER), CAST(beat AS INTEGER), CAST(tatum AS INTEGER), "
        f"CAST(division AS INTEGER), CAST(num AS INTEGER), CAST(denom AS INTEGER), {beatdur}, "
        f"{loudness} "
        f"FROM melody WHERE melid = ? AND {_not_null(_MELODY_NEEDED)} ORDER BY onset, rowid"
    )


def _beats_select(connection: sqlite3.Connection) -> str:
    form = "NULLIF(TRIM(form), '')" if "form" in _columns(connection, "beats") else "NULL"
    return (
        "SELECT CAST(onset AS REAL), CAST(bar AS INTEGER), CAST(beat AS INTEGER), "
        f"NULLIF(TRIM(signature), ''), NULLIF(TRIM(chord), ''), {form} "
        f"FROM beats WHERE melid = ? AND {_not_null(_BEATS_NEEDED)} ORDER BY onset, rowid"
    )


def _chunks(melids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(melids), _IN_CHUNK):
        yield melids[start : start + _IN_CHUNK]


def _info_rows(connection: sqlite3.Connection, melids: Sequence[int] | None) -> dict[int, tuple]:
    if melids is None:
        rows = connection.execute(_INFO_SELECT + " WHERE melid IS NOT NULL").fetchall()
    else:
        rows = []
        for chunk in _chunks(sorted(set(melids))):
            marks = ",".join("?" * len(chunk))
            rows += connection.execute(f"{_INFO_SELECT} WHERE melid IN ({marks})", chunk)
    return {int(row[0]): row for row in rows}


def _null_rows(connection: sqlite3.Connection, melids: Sequence[int]) -> dict[int, int]:
    """Melody rows per solo (of `melids`) left out because a needed value is NULL."""
    any_null = " OR ".join(f"{column} IS NULL" for column in _MELODY_NEEDED)
    found: dict[int, int] = {}
    for chunk in _chunks(sorted(set(melids))):  # through the melid index, not a table scan
        marks = ",".join("?" * len(chunk))
        query = f"SELECT melid, COUNT(*) FROM melody WHERE melid IN ({marks}) AND ({any_null})"
        found.update(connection.execute(query + " GROUP BY melid", chunk).fetchall())
    return found


def _bounded(rows: Iterator[tuple], table: str, source: str) -> list[tuple]:
    """The rows of one solo from `table`; InputLimitError past the `notes` limit (read no
    further than one row past it)."""
    most = limits.current().notes
    found = list(itertools.islice(rows, most + 1))
    if len(found) > most:
        reason = limits.exceeded("notes", f"a solo of over {most} {table} rows")
        raise InputLimitError(source, reason)
    return found


def read_solos(
    path: str | Path,
    melids: Sequence[int] | None = None,
    *,
    refused: dict[int, tuple[SoloInfo, str]] | None = None,
) -> list[Solo]:
    """The solos `melids` (None: every solo) with their notes and beats, by melid.

    A melid that is not in `solo_info` raises ConfigError; a solo with more melody or
    beats rows than the `notes` limit InputLimitError (naming 'PATH#MELID'), or, when
    `refused` is given, is left out and put there instead (melid -> its info, the reason),
    so that one solo does not stop the others.
    """
    solos = []
    with open_database(path) as connection:
        info_rows = _info_rows(connection, melids)
        if melids is not None:
            unknown = sorted(set(melids) - set(info_rows))
            if unknown:
                raise ConfigError(
                    f"{path}: no solo with melid {', '.join(map(str, unknown))} "
                    f"(`jazzgen inspect {path}` lists the solos and their melids)"
                )
        melody_select = _melody_select(connection)
        beats_select = _beats_select(connection)
        null_rows = _null_rows(connection, list(info_rows))
        for melid in sorted(info_rows):
            source = f"{path}#{melid}"
            try:
                rows = connection.execute(melody_select, (melid,))
                notes = tuple(map(MelodyEvent._make, _bounded(rows, "melody", source)))
                rows = connection.execute(beats_select, (melid,))
                beats = tuple(map(BeatEvent._make, _bounded(rows, "beats", source)))
            except InputLimitError as exc:
                if refused is None:
                    raise
                refused[melid] = (_info(info_rows[melid], 0, 0), exc.reason)
                continue
            bars = max(n.bar for n in notes) - min(n.bar for n in notes) + 1 if notes else 0
            info = _info(info_rows[melid], len(notes), bars)
            solos.append(Solo(info, notes, beats, null_rows.get(melid, 0)))
    return solos


# --- filters -----------------------------------------------------------------------------------


FILTER_FIELDS = ("performer", "instrument", "style", "rhythmfeel")
"""SoloInfo fields the --performer/--instrument/--style/--rhythmfeel options select on."""


@dataclass(frozen=True)
class SoloFilter:
    """Which solos to use: each field a set of accepted values (empty: any), matched
    case-insensitively against the database's values; `solo` holds melids."""

    performer: tuple[str, ...] = ()
    instrument: tuple[str, ...] = ()
    style: tuple[str, ...] = ()
    rhythmfeel: tuple[str, ...] = ()
    solo: tuple[int, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in (*FILTER_FIELDS, "solo"):  # lists from the command line become tuples
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in (*FILTER_FIELDS, "solo"))

    def select(self, infos: Sequence[SoloInfo]) -> list[SoloInfo]:
        """The solos every non-empty field accepts (melid order).

        Raises ConfigError for a value the database does not have, listing the valid ones
        (an unknown --solo melid lists the range of melids).
        """
        chosen = list(infos)
        for name in FILTER_FIELDS:
            wanted = getattr(self, name)
            if not wanted:
                continue
            valid = sorted({getattr(info, name) for info in infos if getattr(info, name)})
            lower = {value.lower() for value in valid}
            unknown = [value for value in wanted if value.strip().lower() not in lower]
            if unknown:
                raise ConfigError(
                    f"unknown --{name} {', '.join(map(repr, unknown))}: "
                    f"valid values are {', '.join(valid)}"
                )
            accepted = {value.strip().lower() for value in wanted}
            chosen = [info for info in chosen if getattr(info, name).lower() in accepted]
        if self.solo:
            melids = {info.melid for info in infos}
            unknown_ids = [m for m in self.solo if m not in melids]
            if unknown_ids:
                low, high = min(melids, default=0), max(melids, default=0)
                raise ConfigError(
                    f"unknown --solo {', '.join(map(str, unknown_ids))}: the database has "
                    f"{len(melids)} solos with melids {low}..{high} (see `jazzgen inspect`)"
                )
            chosen = [info for info in chosen if info.melid in set(self.solo)]
        return chosen


# --- chord labels --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def wjazzd_chord(label: str) -> Chord | None:
    """The chord of a WJazzD chord label ('C-7', 'Ebj7', 'C79b', 'Fsus7913', 'Bb/D'); None
    for 'NC' (no chord).

    The one place where the database's chord labels are read: by the one chord-symbol
    parser (`core.chord_symbols.parse_chord_label`, which knows WJazzD's dialect). Raises
    ChordSymbolError naming the label when it cannot be read.
    """
    return parse_chord_label(label.strip())
