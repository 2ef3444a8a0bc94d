"""Limits on what one input may cost: sizes, lengths and times, each with a default.

Every input is checked against these before the expensive work starts, so a broken or
hostile file fails with one line naming the limit instead of running for hours or filling
the memory. A limit is raised for one run with `jazzgen --limit NAME=VALUE COMMAND ...`
(repeatable; NAME as in the table), in code with `use_limits(replace(current(), ...))`.

| name | default | what it bounds |
| --- | --- | --- |
| `input-mb` | 16 | size of any input file, read whole (MIDI, ABC, MusicXML, `.mxl`) |
| `database-mb` | 256 | size of a Weimar Jazz Database file (SQLite, read by query) |
| `leadsheet-mb` | 4 | MusicXML/ABC text given to music21 (an `.mxl` archive decompressed) |
| `leadsheet-bars` | 500 | measures of a MusicXML/ABC lead sheet (all parts), before music21 |
| `leadsheet-seconds` | 20 | time music21 may spend reading one lead sheet |
| `hours` | 3 | music in one file, through its tempo map |
| `bars` | 10000 | bars in one file (a WJazzD solo: from its first to its last bar) |
| `notes` | 300000 | notes in one file; melody rows and beats rows of one WJazzD solo |
| `note-bars` | 64 | one note's length, in bars of 4/4 (64 = 256 quarter notes) |
| `solo-bars` | 4096 | bars to generate (`--bars`, a `--chords` chart, a `--leadsheet`) |
| `vocab` | 100000 | tokens in a vocabulary (`vocab.json`) |
| `weights-mb` | 512 | a bundle's weights, uncompressed (`weights.npz`, `model.keras`) |
| `audio-minutes` | 15 | length of a rendered WAV |
| `roll-bars` | 1024 | bars in a piano-roll PNG |

The limits in force (`current()`) are a context variable, not a mutable global: worker
processes get them from their parent (`corpus.preprocess`). `time_budget(seconds)` stops
code that runs too long.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from typing import Any

from jazzgen.core.errors import ConfigError


@dataclass(frozen=True)
class Limits:
    """The limits in force (see the module docstring for what each one bounds)."""

    input_mb: float = 16.0
    database_mb: float = 256.0
    leadsheet_mb: float = 4.0
    leadsheet_bars: int = 500
    leadsheet_seconds: float = 20.0
    hours: float = 3.0
    bars: int = 10_000
    notes: int = 300_000
    note_bars: float = 64.0
    solo_bars: int = 4096
    vocab: int = 100_000
    weights_mb: float = 512.0
    audio_minutes: float = 15.0
    roll_bars: int = 1024

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigError(f"limit {option_name(item.name)} must be > 0, got {value!r}")

    def bytes(self, name: str) -> int:
        """A size limit given in MB (`input_mb`, `database_mb`, `leadsheet_mb`,
        `weights_mb`) in bytes."""
        return int(getattr(self, name) * 1024 * 1024)


def option_name(field_name: str) -> str:
    """'note_bars' -> 'note-bars': how the command line names a limit."""
    return field_name.replace("_", "-")


def parse_limits(items: Iterable[str], base: Limits | None = None) -> Limits:
    """`base` (default: the defaults) with `NAME=VALUE` items applied ('hours=6').

    ConfigError for an unknown name or a value that is not a positive number.
    """
    kinds = {option_name(f.name): f for f in fields(Limits)}
    changes: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip().lower()
        if not sep or name not in kinds:
            raise ConfigError(
                f"--limit takes NAME=VALUE with NAME one of {', '.join(kinds)}, got {item!r}"
            )
        field = kinds[name]
        try:
            value: float = int(text) if field.type in (int, "int") else float(text)
        except ValueError:
            raise ConfigError(f"--limit {name} needs a number, got {text!r}") from None
        changes[field.name] = value
    return replace(base or Limits(), **changes)


# The limits in force, a context variable as `decimal` keeps its context: set for the
# current context only, so a test or a library caller cannot leak its limits into another
# task. A thread starts from the defaults (set them there, or run it in a copied context).
_LIMITS: ContextVar[Limits] = ContextVar("jazzgen_limits", default=Limits())  # noqa: B039 (frozen)


def current() -> Limits:
    """The limits in force in this context."""
    return _LIMITS.get()


def set_limits(limits: Limits) -> None:
    """Put `limits` in force in this context (worker processes: see corpus.preprocess)."""
    _LIMITS.set(limits)


@contextmanager
def use_limits(limits: Limits) -> Iterator[Limits]:
    """Put `limits` in force inside the `with` block, the previous ones again after it."""
    token = _LIMITS.set(limits)
    try:
        yield limits
    finally:
        _LIMITS.reset(token)


def exceeded(field_name: str, found: str) -> str:
    """The reason for a refusal: what was found and the limit, with how to raise it."""
    name = option_name(field_name)
    value = getattr(current(), field_name)
    return f"{found}, more than the limit {name}={value:g} (raise it: jazzgen --limit {name}=N)"


class BudgetExceeded(BaseException):
    """Raised by `time_budget` when the time is up.

    A BaseException, so that the `except Exception` blocks of third-party code (music21)
    cannot swallow it.
    """


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise `BudgetExceeded` inside the `with` block once `seconds` have passed.

    Uses SIGALRM, so it works in the main thread of a process on POSIX systems (the CLI and
    preprocessing workers); elsewhere the block runs without a budget. After the first
    alarm it repeats every 0.25 s, in case the code in the block swallowed one.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def alarm(signum: int, frame: object) -> None:
        raise BudgetExceeded

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
