"""`jazzgen inspect` as a library call: what jazzgen reads in one file, as a JSON-able dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jazzgen.analysis.leadsheet import SheetOptions, file_bars, read_leadsheet
from jazzgen.analysis.melody import track_stats
from jazzgen.core.harmony import MAJOR_KEY_NAMES
from jazzgen.core.timeline import TempoMap
from jazzgen.core.types import LeadSheet, Score
from jazzgen.tokens.encode import EncodedBar, encode_melody
from jazzgen.tokens.grammar import DEFAULT_MIN_REST_STEPS, token_to_text


def describe_file(
    path: str | Path,
    options: SheetOptions | None = None,
    *,
    min_rest_steps: int = DEFAULT_MIN_REST_STEPS,
) -> dict[str, Any]:
    """Everything `jazzgen inspect` shows, as a JSON-able dict.

    Keys: "file", "time_signature" ("4/4"), "qpm", "key_fifths", "key" (the major key of
    the key signature, "F"; null without one), "bars_in_file" (bars of the whole file,
    `analysis.leadsheet.file_bars`), "length_beats", "length_seconds", "tracks" (index
    from 0, name, program, family, channel 1..16 as DAWs number them (10 = drums), notes,
    polyphony share, melody score; tracks without notes are listed with 0 notes),
    "melody" {"track", "name", "reason", "notes", "notes_dropped"}, "chord_source",
    "bars": [{"number", "start_beat", "time_signature", "chords": [symbols], "chord_offsets":
    [quarter notes from the bar start], "tokens": [course text form]}].
    `options` select the melody track, bars and chord span; `min_rest_steps` is the
    encoding's shortest rest. Raises InputFileError for a bad file or bad options.
    """
    score, leadsheet = read_leadsheet(path, options or SheetOptions())
    encoded = encode_melody(leadsheet.melody, leadsheet.bars, min_rest_steps=min_rest_steps)
    return {
        "file": str(path),
        "time_signature": str(leadsheet.time_signature),
        "time_signatures": [
            {"time_signature": str(ts), "start_beat": ts.start_beat} for ts in score.time_signatures
        ],
        "qpm": round(score.qpm, 3),
        "tempo_changes": len(score.tempos) - 1,
        "key_fifths": score.key_fifths,
        "key": None if score.key_fifths is None else MAJOR_KEY_NAMES[score.key_fifths],
        "bars_in_file": file_bars(score),
        "length_beats": score.length_beats,
        "length_seconds": round(TempoMap(score.tempos).seconds(score.length_beats), 3),
        "tracks": _describe_tracks(score),
        "melody": {
            "track": leadsheet.melody_track,
            "name": leadsheet.melody_name,
            "reason": leadsheet.reason,
            "notes": len(leadsheet.melody),
            "notes_dropped": leadsheet.notes_dropped,
        },
        "chord_source": leadsheet.chord_source,
        "bars": _describe_bars(leadsheet, encoded),
    }


def _describe_tracks(score: Score) -> list[dict[str, Any]]:
    """One "tracks" entry per track of `score` (see `describe_file`)."""
    stats = {s.index: s for s in track_stats(score)}
    tracks = []
    for track in score.tracks:
        st = stats[track.index]
        tracks.append(
            {
                "index": track.index,
                "name": track.name,
                "program": track.program,
                "family": st.family,
                "channel": track.channel + 1,
                "notes": len(track.notes),
                "polyphony": round(st.polyphony, 3),
                "melody_score": None if st.score == float("-inf") else round(st.score, 2),
            }
        )
    return tracks


def _describe_bars(leadsheet: LeadSheet, encoded: list[EncodedBar]) -> list[dict[str, Any]]:
    """One "bars" entry per bar of `leadsheet`, with its `encoded` tokens."""
    return [
        {
            "number": bar.number,
            "start_beat": bar.start_beat,
            "time_signature": str(bar.time_signature),
            "chords": [span.chord.symbol for span in bar.chords],
            "chord_offsets": [span.start_beat - bar.start_beat for span in bar.chords],
            "tokens": [token_to_text(t) for t in enc.tokens],
        }
        for bar, enc in zip(leadsheet.bars, encoded, strict=True)
    ]
