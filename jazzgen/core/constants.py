"""Constants every stage shares, each defined once."""

from __future__ import annotations

GRID_STEPS_PER_QUARTER = 12
"""Token durations live on a 1/12-quarter grid: sixteenths (3) and eighth triplets (4)."""

DRUM_CHANNEL = 9
"""0-based MIDI channel of General MIDI percussion (channel 10 counting from 1)."""

DEFAULT_QPM = 120.0
"""Tempo (quarter notes per minute) when a file or a chord chart gives none (MIDI's own
default)."""

DEFAULT_PITCH_RANGE = (48, 84)
"""C3..C6: inclusive MIDI range a melody is realized in when no instrument says otherwise."""

EPS = 1e-6
"""Tolerance (quarter notes) when comparing positions in time."""

ROUNDING_EPS = 1e-9
"""Slack for float rounding alone, when a computed position (quarter notes, or bars) is
compared with a change or a boundary: the chord or tempo in force "at or before" a beat,
the beat or bar a position falls in. Stricter than `EPS`; the two are kept apart because
outputs are pinned byte for byte (merging them would be a deliberate change of behaviour).
"""
