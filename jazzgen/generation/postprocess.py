"""Rule-based clean-up of a generated melody, with a report of every change.

`postprocess(notes, bars, config)` returns `(notes, edits)`. Rules, each on by default and
each switched off by setting its option to None:

- **bar** (always): a note belongs to the bar of its onset; a note crossing the bar line is
  cut at it, notes outside every bar are dropped. Notes never move across bars.
- **overlap** (always): the line is monophonic; two onsets on the same beat keep the later
  note (as the encoder does), an earlier note sounding into the next onset is cut there.
- **short** (`min_length_steps`, default 2 grid steps = 1/6 quarter, a sixteenth-note
  triplet): a note shorter than that (on the 1/12 grid: a single step, a 32nd-triplet blip
  that no saxophonist articulates) is merged into the previous note when that note ends
  exactly where it starts in the same bar; otherwise it is lengthened into the following
  silence when there is room, else dropped (becomes rest). Onsets are never added.
- **register** (`pitch_range`, inclusive MIDI pitches): pitches outside are moved by
  octaves into the range.
- **leap** (`max_leap`, default 12 semitones): a larger leap from the previous note (across
  rests) is folded by octaves toward the previous note, staying in range.
- **repeats** (`max_repeats`, default 2): more consecutive onsets of one pitch than that
  re-pitches the note to the nearest chord tone (else scale tone) of the chord at its
  onset, within `max_leap` of the previous note and in range.

The pitch rules run in one left-to-right pass over the already corrected previous note, so
the output always satisfies all of them at once. Rhythm changes only through the bar,
overlap and short rules; bar lengths are preserved (what is not a note is a rest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from jazzgen.core.constants import DEFAULT_PITCH_RANGE, GRID_STEPS_PER_QUARTER
from jazzgen.core.errors import ConfigError
from jazzgen.core.harmony import scale_pitch_classes
from jazzgen.core.types import Bar, Note

RULES = ("bar", "overlap", "short", "register", "leap", "repeats")
_EPS = 1e-6


@dataclass(frozen=True)
class PostprocessConfig:
    """Options of the rules; None switches a rule off."""

    max_repeats: int | None = 2  # consecutive onsets of one pitch
    max_leap: int | None = 12  # semitones between consecutive notes
    pitch_range: tuple[int, int] | None = DEFAULT_PITCH_RANGE  # inclusive MIDI pitches
    min_length_steps: int | None = 2  # grid steps of 1/12 quarter note

    def __post_init__(self) -> None:
        if self.max_repeats is not None and self.max_repeats < 1:
            raise ConfigError(f"--max-repeats must be >= 1, got {self.max_repeats}")
        if self.max_leap is not None and not 1 <= self.max_leap <= 127:
            raise ConfigError(f"--max-leap must be in range 1..127, got {self.max_leap}")
        if self.pitch_range is not None:
            low, high = self.pitch_range
            if not (low >= 0 and high <= 127 and high - low >= 12):
                raise ConfigError(
                    f"--range must lie in 0..127 and span at least an octave, got {low}-{high}"
                )
        if self.min_length_steps is not None and self.min_length_steps < 1:
            raise ConfigError(f"min_length_steps must be >= 1, got {self.min_length_steps}")


@dataclass(frozen=True)
class Edit:
    """One change made by a rule: `bar` index (from 0), absolute `beat`, what was done."""

    rule: str
    bar: int
    beat: float
    description: str

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "bar": self.bar,
            "beat": round(self.beat, 4),
            "description": self.description,
        }


def _bar_index(bars: Sequence[Bar], beat: float) -> int | None:
    for bar in bars:
        if bar.start_beat - _EPS <= beat < bar.end_beat - _EPS:
            return bar.index
    return None


def _fix_rhythm(
    notes: Sequence[Note], bars: Sequence[Bar], config: PostprocessConfig, edits: list[Edit]
) -> list[tuple[int, Note]]:
    """Bar, overlap and short rules. Returns (bar position in `bars`, note) sorted."""
    position = {bar.index: i for i, bar in enumerate(bars)}
    placed: list[tuple[int, Note]] = []
    for note in sorted(notes, key=lambda n: (n.start_beat, n.end_beat)):
        index = _bar_index(bars, note.start_beat)
        if index is None:
            edits.append(Edit("bar", -1, note.start_beat, f"dropped note {note.pitch}: no bar"))
            continue
        bar = bars[position[index]]
        if note.end_beat > bar.end_beat + _EPS:
            edits.append(Edit("bar", index, note.start_beat, "cut note at the bar line"))
            note = replace(note, end_beat=bar.end_beat)
        if note.end_beat <= note.start_beat + _EPS:
            edits.append(Edit("bar", index, note.start_beat, "dropped zero-length note"))
            continue
        placed.append((position[index], note))
    # overlaps: same onset keeps the later note; a note is cut at the next onset
    clean: list[tuple[int, Note]] = []
    for pos, note in placed:
        if clean:
            prev_pos, prev = clean[-1]
            if abs(prev.start_beat - note.start_beat) < _EPS:
                edits.append(
                    Edit("overlap", bars[pos].index, note.start_beat, "two notes on one onset")
                )
                clean.pop()
            elif prev.end_beat > note.start_beat + _EPS:
                edits.append(
                    Edit("overlap", bars[prev_pos].index, prev.start_beat, "cut overlapping note")
                )
                clean[-1] = (prev_pos, replace(prev, end_beat=note.start_beat))
        clean.append((pos, note))
    if config.min_length_steps is None:
        return clean
    min_beats = config.min_length_steps / GRID_STEPS_PER_QUARTER
    result: list[tuple[int, Note]] = []
    for k, (pos, note) in enumerate(clean):
        if note.end_beat - note.start_beat >= min_beats - _EPS:
            result.append((pos, note))
            continue
        bar = bars[pos]
        if result and result[-1][0] == pos and abs(result[-1][1].end_beat - note.start_beat) < _EPS:
            prev_pos, prev = result[-1]
            result[-1] = (prev_pos, replace(prev, end_beat=note.end_beat))
            edits.append(Edit("short", bar.index, note.start_beat, "merged into previous note"))
            continue
        limit = bar.end_beat
        if k + 1 < len(clean):
            limit = min(limit, clean[k + 1][1].start_beat)
        if note.start_beat + min_beats <= limit + _EPS:
            result.append((pos, replace(note, end_beat=note.start_beat + min_beats)))
            edits.append(Edit("short", bar.index, note.start_beat, "lengthened short note"))
        else:
            edits.append(Edit("short", bar.index, note.start_beat, "dropped short note"))
    return result


def _into_range(pitch: int, low: int, high: int, target: int) -> int:
    """`pitch` moved by octaves into [low, high], nearest to `target`."""
    options = [p for p in range(pitch % 12, 128, 12) if low <= p <= high]
    if not options:  # cannot happen for ranges of an octave or more
        return min(max(pitch, low), high)
    return min(options, key=lambda p: (abs(p - target), p))


def postprocess(
    notes: Sequence[Note],
    bars: Sequence[Bar],
    config: PostprocessConfig = PostprocessConfig(),
) -> tuple[tuple[Note, ...], tuple[Edit, ...]]:
    """Apply the rules (see module doc); return the new notes and the edits, in time order."""
    edits: list[Edit] = []
    placed = _fix_rhythm(notes, bars, config, edits)
    low, high = config.pitch_range if config.pitch_range is not None else (0, 127)
    max_leap = config.max_leap
    out: list[Note] = []
    prev: int | None = None
    run = 0
    for pos, note in placed:
        bar = bars[pos]
        pitch = note.pitch
        if config.pitch_range is not None and not low <= pitch <= high:
            new = _into_range(pitch, low, high, pitch)
            edits.append(Edit("register", bar.index, note.start_beat, f"{pitch} -> {new}"))
            pitch = new
        if max_leap is not None and prev is not None and abs(pitch - prev) > max_leap:
            new = _into_range(pitch, low, high, prev)
            if abs(new - prev) > max_leap:  # only for max_leap < 11: clamp toward prev
                new = min(max(new, prev - max_leap, low), prev + max_leap, high)
            text = f"leap {pitch - prev:+d}: {pitch} -> {new}"
            edits.append(Edit("leap", bar.index, note.start_beat, text))
            pitch = new
        run = run + 1 if pitch == prev else 1
        if config.max_repeats is not None and prev is not None and run > config.max_repeats:
            new = _repitch(prev, bar, note.start_beat, low, high, max_leap)
            edits.append(Edit("repeats", bar.index, note.start_beat, f"repeated {pitch} -> {new}"))
            pitch = new
            run = 1
        out.append(replace(note, pitch=pitch) if pitch != note.pitch else note)
        prev = pitch
    edits.sort(key=lambda e: e.beat)
    return tuple(out), tuple(edits)


def _repitch(prev: int, bar: Bar, beat: float, low: int, high: int, max_leap: int | None) -> int:
    """Nearest chord tone, else scale tone, else any pitch != prev, within reach and range."""
    chord = bar.chord_at(beat)
    reach = max_leap if max_leap is not None else 12
    candidates = [
        p for p in range(max(low, prev - reach), min(high, prev + reach) + 1) if p != prev
    ]
    for pcs in (chord.pitch_classes, scale_pitch_classes(chord)):
        pool = [p for p in candidates if p % 12 in pcs]
        if pool:
            return min(pool, key=lambda p: (abs(p - prev), p))
    return min(candidates, key=lambda p: (abs(p - prev), p))
