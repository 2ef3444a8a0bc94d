"""A transcribed solo's lead sheet as our DAW-ready MIDI file (`jazzgen export`).

So a generated solo and the transcribed one can be heard and compared over the same changes.

`solo_midi(leadsheet, instrument=..., backing=..., seed=...)` -> MIDI bytes:
- **Melody**: the transcribed notes at their (grid) onsets with their transcribed sounding
  lengths (the lead sheet's `end_beat`s: the performer's articulation, not legato), on the
  General MIDI program of the WJazzD instrument (`INSTRUMENT_PROGRAMS`);
- **Chords**, **Bass**, **Drums**: `output.arrange` over the lead sheet's bars, as
  `jazzgen generate` makes them (seeded);
- the solo's tempo (the lead sheet's qpm), its meter and every meter change at its bar,
  its key signature (C when unknown), and every chord change as a marker (DAWs show them
  on the timeline; `jazzgen inspect` reads them back as the chords).
"""

from __future__ import annotations

import numpy as np

from jazzgen.core.errors import ConfigError
from jazzgen.core.types import LeadSheet, TimeSignature
from jazzgen.io.midi_writer import Part, midi_bytes
from jazzgen.io.wjazzd import instrument_program
from jazzgen.output.arrange import MELODY_VOLUME, arrange

MELODY_CHANNEL = 0
DEFAULT_PROGRAM = 66  # GM tenor sax (0-based)


def meter_changes(leadsheet: LeadSheet) -> list[TimeSignature]:
    """The time signature of every bar whose meter differs from the bar before it."""
    changes: list[TimeSignature] = []
    previous = leadsheet.bars[0].time_signature
    for bar in leadsheet.bars[1:]:
        meter = bar.time_signature
        if (meter.numerator, meter.denominator) != (previous.numerator, previous.denominator):
            changes.append(TimeSignature(meter.numerator, meter.denominator, bar.start_beat))
        previous = meter
    return changes


def chord_markers(leadsheet: LeadSheet) -> list[tuple[float, str]]:
    """(beat, chord symbol) at every chord change (and at the first bar)."""
    markers: list[tuple[float, str]] = []
    for bar in leadsheet.bars:
        for span in bar.chords:
            symbol = span.chord.symbol
            if not markers or markers[-1][1] != symbol:
                markers.append((span.start_beat, symbol))
    return markers


def solo_midi(
    leadsheet: LeadSheet,
    *,
    instrument: str = "",
    backing: str = "trio",
    seed: int = 0,
    title: str = "jazzgen",
) -> bytes:
    """The MIDI file of a transcribed solo (module doc). `instrument` is a WJazzD code
    ('ts', 'tp'...; unknown or '': tenor sax). Raises ConfigError for a lead sheet
    without bars or a bad backing."""
    if not leadsheet.bars:
        raise ConfigError("the lead sheet has no bars: nothing to export")
    program = instrument_program(instrument) or DEFAULT_PROGRAM
    melody = Part("Melody", program, MELODY_CHANNEL, leadsheet.melody, volume=MELODY_VOLUME)
    parts = [melody, *arrange(leadsheet.bars, backing=backing, rng=np.random.default_rng(seed))]
    first = leadsheet.bars[0].time_signature
    return midi_bytes(
        parts,
        qpm=leadsheet.qpm,
        time_signature=TimeSignature(first.numerator, first.denominator),
        key_fifths=leadsheet.key_fifths or 0,
        seed=seed,
        title=title,
        meter_changes=meter_changes(leadsheet),
        chord_markers=chord_markers(leadsheet),
    )
