"""core.limits: parsing --limit, the limits in force, and the time budget."""

from __future__ import annotations

import contextlib
import contextvars
import time

import pytest

from jazzgen.core import limits
from jazzgen.core.errors import ConfigError


def test_parse_limits() -> None:
    parsed = limits.parse_limits(["hours=6", "NOTE-BARS=2.5", "notes=10"])
    assert (parsed.hours, parsed.note_bars, parsed.notes) == (6.0, 2.5, 10)
    assert parsed.bars == limits.Limits().bars
    for bad, message in (
        ("hours", "NAME=VALUE"),
        ("speed=3", "NAME one of input-mb"),
        ("hours=x", "needs a number"),
        ("notes=1.5", "needs a number"),
        ("hours=0", "must be > 0"),
    ):
        with pytest.raises(ConfigError, match=message):
            limits.parse_limits([bad])


def test_use_limits_restores_the_previous_ones() -> None:
    before = limits.current()
    with limits.use_limits(limits.Limits(hours=1)) as inner:
        assert limits.current() is inner
        assert "more than the limit hours=1 (raise it: jazzgen --limit hours=N)" in (
            limits.exceeded("hours", "2 hours")
        )
    assert limits.current() is before


def test_limits_set_in_another_context_stay_there() -> None:
    before = limits.current()
    other = contextvars.copy_context()
    other.run(limits.set_limits, limits.Limits(hours=1))
    assert other.run(limits.current).hours == 1
    assert limits.current() is before


def test_time_budget_stops_a_loop_that_swallows_exceptions() -> None:
    start = time.monotonic()
    with pytest.raises(limits.BudgetExceeded), limits.time_budget(0.2):
        while True:
            with contextlib.suppress(Exception):  # third-party code that swallows errors
                time.sleep(0.05)
    assert time.monotonic() - start < 2
    with limits.time_budget(5):  # finished in time: nothing happens, nothing later
        pass
    time.sleep(0.3)
