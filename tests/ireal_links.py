"""Test helper: iReal Pro links built by hand.

`irealb_link` scrambles music strings with `jazzgen.io.ireal.unscramble` (the scrambling
undoes itself) and percent-encodes the fields as iReal Pro does; `irealbook_link` writes the
old plain form.
"""

from __future__ import annotations

import urllib.parse

from jazzgen.io.ireal import MUSIC_PREFIX, unscramble


def irealb_link(*tunes: tuple[str, str, str], playlist: str = "", bpm: int = 0) -> str:
    """An irealb:// link of (title, key, music) tunes; music in iReal's plain form."""
    entries = [
        f"{title}=Composer Some==Medium Swing={key}=={MUSIC_PREFIX}{unscramble(music)}"
        f"=Jazz-Medium Swing={bpm}=0"
        for title, key, music in tunes
    ]
    body = "===".join(entries) + "===" + playlist
    return "irealb://" + urllib.parse.quote(body, safe="")


def irealbook_link(*tunes: tuple[str, str, str]) -> str:
    """An irealbook:// link: Title=Composer=Style=Key=n=Music per tune, not scrambled."""
    body = "=".join(
        f"{title}=Composer Some=Medium Swing={key}=n={music}" for title, key, music in tunes
    )
    return "irealbook://" + urllib.parse.quote(body, safe="")
