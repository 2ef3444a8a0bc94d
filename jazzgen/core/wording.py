"""How messages count things: `plural(1, "edit")` is "1 edit", `plural(2, "edit")` "2 edits"."""

from __future__ import annotations


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`count` and `noun`, in the plural unless `count` is 1 (`plural_noun`, else `noun` + 's')."""
    word = noun if count == 1 else (plural_noun or f"{noun}s")
    return f"{count} {word}"
