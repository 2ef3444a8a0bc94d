"""What is in force at a time: the tempo map from quarter notes to seconds."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from jazzgen.core.constants import DEFAULT_QPM
from jazzgen.core.types import Tempo


class TempoMap:
    """Converts quarter-note positions to seconds through a list of tempo changes."""

    def __init__(self, tempos: Sequence[Tempo]) -> None:
        tempos = sorted(tempos, key=lambda t: t.start_beat) or [Tempo(DEFAULT_QPM)]
        if tempos[0].start_beat > 0:
            tempos.insert(0, Tempo(tempos[0].qpm, 0.0))
        self._beats = [t.start_beat for t in tempos]
        self._spb = [60.0 / t.qpm for t in tempos]  # seconds per beat
        self._secs = [0.0]
        for i in range(1, len(tempos)):
            span = self._beats[i] - self._beats[i - 1]
            self._secs.append(self._secs[-1] + span * self._spb[i - 1])

    def seconds(self, beat: float) -> float:
        """Seconds from the start of the file at quarter-note position `beat`."""
        if len(self._beats) == 1:  # the common case: one tempo
            return beat * self._spb[0]
        i = bisect.bisect_right(self._beats, beat) - 1
        i = max(i, 0)
        return self._secs[i] + (beat - self._beats[i]) * self._spb[i]
