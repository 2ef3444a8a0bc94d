"""Typed values passed between stages: a read `Score` and the `LeadSheet` cut from it.

Times are kept in quarter notes ("beats", `*_beat`) and, where it matters for audio, in
seconds (`start`, `end`). These are plain frozen dataclasses: no I/O, no logic beyond
validation and small derived properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jazzgen.core.constants import DEFAULT_QPM, DRUM_CHANNEL, GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import ConfigError
from jazzgen.core.harmony import Chord
from jazzgen.core.timeline import Timeline


@dataclass(frozen=True)
class Note:
    """One note of a MIDI track. `pitch` 0..127, `velocity` 1..127."""

    pitch: int
    start_beat: float
    end_beat: float
    velocity: int = 90
    start: float = 0.0  # seconds
    end: float = 0.0  # seconds


@dataclass(frozen=True)
class Track:
    """A MIDI track (type 0 files are split per channel). `index` counts from 0."""

    index: int
    name: str
    program: int  # General MIDI program 0..127 (first program change, else 0)
    channel: int  # 0-based; 9 is drums
    notes: tuple[Note, ...]

    @property
    def is_drum(self) -> bool:
        return self.channel == DRUM_CHANNEL


MAX_NUMERATOR = 64
"""Longest bar a meter may ask for, in beats of its denominator (64/4 = 16 quarter notes)."""

METER_FORM = (
    f"N/D with N in 1..{MAX_NUMERATOR}, D one of 1, 2, 4, 8, 16, 32, 64, and a bar a whole "
    f"number of 1/{GRID_STEPS_PER_QUARTER}-quarter grid steps (e.g. '4/4', '7/8', '1/16')"
)
"""The meters jazzgen can use, as error messages describe them."""


def meter_problem(numerator: object, denominator: object) -> str | None:
    """Why `numerator/denominator` is not a meter jazzgen can use (see `METER_FORM`), or None.

    A bar must be a whole number of grid steps: the tokens of a bar fill it exactly, so a
    1/64 bar (3/4 of a step) could hold no token at all.
    """
    if isinstance(numerator, bool) or isinstance(denominator, bool):
        return f"expected {METER_FORM}"
    if not isinstance(numerator, int) or not isinstance(denominator, int):
        return f"expected {METER_FORM}"
    if not 1 <= numerator <= MAX_NUMERATOR:
        return f"numerator must be in 1..{MAX_NUMERATOR}: expected {METER_FORM}"
    if not 1 <= denominator <= 64 or denominator & (denominator - 1):
        return f"denominator must be a power of two up to 64: expected {METER_FORM}"
    if (numerator * 4 * GRID_STEPS_PER_QUARTER) % denominator:
        steps = numerator * 4 * GRID_STEPS_PER_QUARTER / denominator
        return (
            f"a bar of {steps:g} grid steps is not a whole number of steps: expected {METER_FORM}"
        )
    return None


@dataclass(frozen=True)
class TimeSignature:
    numerator: int
    denominator: int
    start_beat: float = 0.0

    @property
    def bar_beats(self) -> float:
        """Bar length in quarter notes (4/4 -> 4.0, 3/4 -> 3.0, 6/8 -> 3.0)."""
        return self.numerator * 4.0 / self.denominator

    @property
    def bar_steps(self) -> int:
        """Bar length in grid steps (4/4 -> 48)."""
        return round(self.bar_beats * GRID_STEPS_PER_QUARTER)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @classmethod
    def parse(cls, text: object) -> TimeSignature:
        """'3/4' -> TimeSignature(3, 4): the one parser of meters written as text.

        Anything but a meter of `METER_FORM` raises ConfigError naming the text and the
        accepted form.
        """
        parts = str(text).strip().split("/") if isinstance(text, str) else []
        try:
            numerator, denominator = (int(part) for part in parts)
        except ValueError:
            numerator = denominator = 0
        problem = meter_problem(numerator, denominator)
        if problem is not None:
            raise ConfigError(f"bad time signature {text!r:.40}: {problem}")
        return cls(numerator, denominator)


@dataclass(frozen=True)
class Tempo:
    qpm: float  # quarter notes per minute
    start_beat: float = 0.0


@dataclass(frozen=True)
class ChordSpan:
    """A chord sounding from `start_beat` to `end_beat` (absolute quarter notes)."""

    chord: Chord
    start_beat: float
    end_beat: float


@dataclass(frozen=True)
class Score:
    """Everything read from one input file (MIDI, MusicXML or ABC).

    `chords` is filled for lead sheets that carry chord symbols (MusicXML/ABC) and for
    MIDI files whose markers are all chord symbols (as `jazzgen generate` and `export`
    write them); for other MIDI files the chords are extracted later from the
    accompaniment tracks.
    """

    path: str
    tracks: tuple[Track, ...]
    ticks_per_quarter: int
    tempos: tuple[Tempo, ...] = (Tempo(DEFAULT_QPM),)
    time_signatures: tuple[TimeSignature, ...] = (TimeSignature(4, 4),)
    chords: tuple[ChordSpan, ...] = ()
    key_fifths: int | None = None  # key signature if the file has one (-7..7 sharps)
    length_beats: float = 0.0
    source_format: str = "midi"  # "midi", "musicxml" or "abc" (lead sheets: one melody part)

    @property
    def qpm(self) -> float:
        """The first tempo, in quarter notes per minute."""
        return self.tempos[0].qpm


@dataclass(frozen=True)
class Bar:
    """One bar of a lead sheet: absolute start, length, and the chords sounding in it."""

    index: int  # counts from 0 within the lead sheet; `number` counts from 1 in the file
    number: int
    start_beat: float
    time_signature: TimeSignature
    chords: tuple[ChordSpan, ...]
    # the bar's place in the form, when the source says (WJazzD `beats.form`): its
    # section's label and the bar's index in that section (see core.context)
    form: tuple[str, int] | None = None

    @property
    def length_beats(self) -> float:
        return self.time_signature.bar_beats

    @property
    def steps(self) -> int:
        return self.time_signature.bar_steps

    @property
    def end_beat(self) -> float:
        return self.start_beat + self.length_beats

    @property
    def chord_timeline(self) -> Timeline[ChordSpan]:
        """The bar's chord spans by start beat (built on first use, then kept)."""
        # Kept in the instance dict by hand: functools.cached_property takes a lock on
        # every first use (Python < 3.12), which costs more than the lookup itself.
        timeline = self.__dict__.get("_chord_timeline")
        if timeline is None:
            timeline = Timeline.of(self.chords)
            object.__setattr__(self, "_chord_timeline", timeline)
        return timeline

    def chord_at(self, beat: float) -> Chord:
        """The chord sounding at absolute `beat` (the last span starting at or before it;
        the first span before the bar's first chord)."""
        return self.chord_timeline.at(beat).chord


@dataclass(frozen=True)
class LeadSheet:
    """A monophonic melody over chords, cut into bars. Every bar has at least one chord.

    `melody` notes are sorted, non-overlapping (monophonic), in absolute quarter notes.
    """

    source: str
    melody: tuple[Note, ...]
    bars: tuple[Bar, ...]
    qpm: float
    melody_track: int | None = None  # index into Score.tracks, None for lead sheets
    melody_name: str = ""
    reason: str = ""  # why this track was chosen as the melody
    # "accompaniment", "melody" (inferred), "leadsheet", "markers" (MIDI chord markers) or "wjazzd"
    chord_source: str = ""
    key_fifths: int | None = None
    notes_dropped: int = 0  # double-stop notes removed to make the line monophonic
    extra: dict[str, object] = field(default_factory=dict)
    # Per melody note (same order), its sounding length / inter-onset interval as performed
    # (None where unknown, e.g. the last note); empty when the input has no such data
    # (WJazzD solos have it, see analysis.solo_sheet).
    articulation: tuple[float | None, ...] = ()
    # Whether the melody's note ends / velocities are as performed, so that training may
    # learn articulation / dynamics from them: MIDI files have both, WJazzD solos their ends
    # (and velocities when the database has loudness); notated lead sheets neither.
    performed_ends: bool = False
    performed_velocities: bool = False

    @property
    def time_signature(self) -> TimeSignature:
        return self.bars[0].time_signature
