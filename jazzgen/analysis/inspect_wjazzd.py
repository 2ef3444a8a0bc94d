"""`jazzgen inspect wjazzd.db` as library calls: a WJazzD file's solos, one solo in detail.

Both return JSON-able dicts (the CLI prints them as text or `--json`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jazzgen.analysis.solo_sheet import solo_leadsheet
from jazzgen.io.wjazzd import SoloFilter, list_solos, read_solos
from jazzgen.tokens.encode import encode_melody
from jazzgen.tokens.grammar import DEFAULT_MIN_REST_STEPS, token_to_text


def solo_table(path: str | Path, solo_filter: SoloFilter | None = None) -> list[dict[str, Any]]:
    """One dict per selected solo: melid, performer, title, instrument, style, rhythmfeel,
    key, signature, avgtempo (bpm as the database gives it), bars, notes.

    Raises InputFileError for a file that is not a WJazzD database, ConfigError for a
    filter value it does not have.
    """
    infos = (solo_filter or SoloFilter()).select(list_solos(path))
    return [info.to_dict() for info in infos]


def describe_solo(
    path: str | Path, melid: int, *, min_rest_steps: int = DEFAULT_MIN_REST_STEPS
) -> dict[str, Any]:
    """Everything `jazzgen inspect wjazzd.db --solo MELID` shows, as a JSON-able dict.

    Keys: "file", "solo" (the SoloInfo fields), "source", "time_signature" (the first
    bar's), "time_signatures" (every meter change: {"time_signature", "start_beat"}),
    "qpm", "key_fifths", "notes", "stats" (`analysis.solo_sheet.SoloStats`), "bars" (like
    `describe_file`'s: number (WJazzD's), start_beat, time_signature, chords,
    chord_offsets, tokens). Raises InputFileError (e.g. a solo without chords).
    """
    (solo,) = read_solos(path, [melid])
    sheet = solo_leadsheet(solo, f"{path}#{melid}")
    leadsheet = sheet.leadsheet
    encoded = encode_melody(leadsheet.melody, leadsheet.bars, min_rest_steps=min_rest_steps)
    bars: list[dict[str, Any]] = []
    meters: list[dict[str, Any]] = []
    for bar, enc in zip(leadsheet.bars, encoded, strict=True):
        meter = str(bar.time_signature)
        if not meters or meters[-1]["time_signature"] != meter:
            meters.append({"time_signature": meter, "start_beat": bar.start_beat})
        bars.append(
            {
                "number": bar.number,
                "start_beat": bar.start_beat,
                "time_signature": meter,
                "chords": [span.chord.symbol for span in bar.chords],
                "chord_offsets": [span.start_beat - bar.start_beat for span in bar.chords],
                "tokens": [token_to_text(t) for t in enc.tokens],
            }
        )
    return {
        "file": str(path),
        "solo": solo.info.to_dict(),
        "source": leadsheet.source,
        "time_signature": str(leadsheet.time_signature),
        "time_signatures": meters,
        "qpm": leadsheet.qpm,
        "key_fifths": leadsheet.key_fifths,
        "notes": len(leadsheet.melody),
        "stats": sheet.stats.to_dict(),
        "bars": bars,
    }
