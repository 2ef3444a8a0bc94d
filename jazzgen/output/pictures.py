"""Looking: piano-roll and training-curve PNGs with matplotlib.

- `piano_roll_png` draws the melody (bold) over the backing tracks (light), bar lines and
  chord symbols, x axis in bars.
- `training_curves_png` plots loss/val_loss (and any other metric pairs) from a
  `history.csv`.

matplotlib is imported only inside these functions (Agg backend), so the CLI starts fast;
without it they raise `RenderError` saying what to install.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen.core.constants import DRUM_CHANNEL, EPS, ROUNDING_EPS
from jazzgen.core.errors import JazzgenError, RenderError
from jazzgen.core.harmony import PITCH_CLASS_NAMES
from jazzgen.core.types import ChordSpan, Note, Score
from jazzgen.training.history import read_history

logger = logging.getLogger(__name__)

MATPLOTLIB_HINT = "matplotlib is needed for PNG output: pip install matplotlib"


@dataclass(frozen=True)
class RollPart:
    """One layer of a piano roll: notes in absolute quarter notes."""

    name: str
    notes: tuple[Note, ...]
    is_melody: bool = False
    is_drum: bool = False


def _import_pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        raise RenderError(MATPLOTLIB_HINT) from None
    return plt


def _parts_from_score(
    score: Score, melody_track: int | str | None
) -> tuple[list[RollPart], tuple[ChordSpan, ...]]:
    """Roll parts, chord spans and a melody note from a Score via lead-sheet extraction."""
    chords: tuple[ChordSpan, ...] = tuple(score.chords)
    melody_index = melody_track
    try:
        from jazzgen.analysis.leadsheet import extract_leadsheet

        sheet = extract_leadsheet(score, melody_track=melody_track)
    except (ImportError, JazzgenError) as exc:  # no melody found: draw all tracks alike
        logger.warning("no lead sheet for the piano roll: %s", exc)
    else:
        melody_index = sheet.melody_track
        if not chords:
            spans = [span for bar in sheet.bars for span in bar.chords]
            chords = tuple(spans)
    parts = [
        RollPart(
            name=track.name or f"Track {track.index + 1}",
            notes=track.notes,
            is_melody=track.index == melody_index,
            is_drum=track.is_drum,
        )
        for track in score.tracks
        if track.notes
    ]
    return parts, chords


def _parts_from_writer_parts(parts: Sequence[object]) -> list[RollPart]:
    """Roll parts from `io.midi_writer.Part`-like objects (name, channel, notes)."""
    result = []
    names = [str(getattr(p, "name", "")) for p in parts]
    melody_name = "Melody" if "Melody" in names else (names[0] if names else "")
    for part in parts:
        name = str(getattr(part, "name", ""))
        result.append(
            RollPart(
                name=name,
                notes=tuple(getattr(part, "notes", ())),
                is_melody=name == melody_name,
                is_drum=getattr(part, "channel", 0) == DRUM_CHANNEL,
            )
        )
    return result


def _merge_chord_labels(chords: Sequence[ChordSpan]) -> list[tuple[float, str]]:
    """(start_beat, symbol) at each chord change (repeated chords are not relabelled)."""
    labels: list[tuple[float, str]] = []
    previous = None
    for span in sorted(chords, key=lambda s: s.start_beat):
        symbol = span.chord.symbol
        if symbol != previous:
            labels.append((span.start_beat, symbol))
        previous = symbol
    return labels


def _pitch_label(pitch: int) -> str:
    return f"{PITCH_CLASS_NAMES[pitch % 12]}{pitch // 12 - 1}"


# Colour-blind-safe: melody in a strong blue, backing in muted greys/greens.
_MELODY_COLOUR = "#1f4e9c"


_BACKING_COLOURS = ("#e39a3b", "#8fbf8f", "#c9a0dc", "#b0b0b0", "#e6b8a2")


def _label_positions(
    labels: Sequence[tuple[float, str]], bar_beats: float, inches_per_bar: float
) -> list[tuple[float, str]]:
    """Chord labels (x in bars) that fit without overlapping the previous one (greedy)."""
    shown: list[tuple[float, str]] = []
    next_free = -math.inf
    for start_beat, symbol in labels:
        x = start_beat / bar_beats
        if x >= next_free - ROUNDING_EPS:
            shown.append((x, symbol))
            next_free = x + (0.085 * len(symbol) + 0.1) / inches_per_bar  # ~9 pt bold glyphs
    return shown


def _draw_rolls(
    ax, parts: Sequence[RollPart], bar_beats: float, first_bar: int, last_bar: int
) -> list[object]:
    """Draw the notes of bars `first_bar` .. `last_bar` - 1 (0-based; x in bars) on `ax`;
    return legend handles for every part."""
    lo_beat, hi_beat = first_bar * bar_beats, last_bar * bar_beats

    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Patch, Rectangle

    def visible(notes: Sequence[Note]) -> list[Note]:
        return [n for n in notes if n.end_beat > lo_beat and n.start_beat < hi_beat]

    def boxes_of(notes: Sequence[Note], height: float) -> list[Rectangle]:
        """One rectangle per visible note, `height` semitones tall, x in bars."""
        return [
            Rectangle(
                (n.start_beat / bar_beats, n.pitch - height / 2),
                max(n.end_beat - n.start_beat, 0.05) / bar_beats,
                height,
            )
            for n in visible(notes)
        ]

    handles: list[object] = []
    backing = [p for p in parts if not p.is_drum and not p.is_melody]
    for i, part in enumerate(backing):
        colour = _BACKING_COLOURS[i % len(_BACKING_COLOURS)]
        boxes = boxes_of(part.notes, 0.8)
        ax.add_collection(
            PatchCollection(boxes, facecolor=colour, edgecolor="none", alpha=0.55, zorder=1)
        )
        handles.append(Patch(facecolor=colour, alpha=0.55, label=part.name))
    for part in (p for p in parts if p.is_melody and not p.is_drum):
        boxes = boxes_of(part.notes, 1.0)
        ax.add_collection(
            PatchCollection(
                boxes, facecolor=_MELODY_COLOUR, edgecolor="white", linewidth=0.5, zorder=3
            )
        )
        label = part.name if part.name.lower() == "melody" else f"{part.name} (melody)"
        handles.insert(0, Patch(facecolor=_MELODY_COLOUR, label=label))
    drums = [n for p in parts if p.is_drum for n in p.notes]
    if drums:
        onsets = np.array([n.start_beat / bar_beats for n in visible(drums)])
        ax.vlines(
            onsets, 0.0, 0.03, transform=ax.get_xaxis_transform(),
            colors="#777777", linewidth=0.5, alpha=0.6, zorder=2,
        )  # fmt: skip
        handles.append(Patch(facecolor="#777777", label="drums (onsets)"))
    return handles


def piano_roll_png(
    score_or_parts: Score | Sequence[object],
    png_path: str | os.PathLike[str],
    *,
    chords: Sequence[ChordSpan] | None = None,
    melody_track: int | str | None = None,
    bar_beats: float | None = None,
    title: str | None = None,
    bars_per_row: int = 16,
    dpi: int = 110,
) -> Path:
    """Draw a piano roll of `score_or_parts` to `png_path`; return the path.

    `score_or_parts` is a `Score` (the melody and chords then come from
    `analysis.leadsheet.extract_leadsheet`, `melody_track` forcing the melody), or a sequence
    of `io.midi_writer.Part` (the part named "Melody", else the first, is the melody).
    `chords` overrides the chord spans. The melody is drawn bold, backing tracks lighter,
    drums as ticks along the bottom; bar lines, and chord symbols above the bars where they
    change. Up to 1.5 x `bars_per_row` bars make one row whose width grows with the bars;
    longer pieces wrap into rows of `bars_per_row` bars, like a score. Bars count from 1.
    Raises RenderError when matplotlib is missing.
    """
    if bars_per_row < 1:
        raise RenderError(f"bars_per_row must be >= 1, got {bars_per_row}")
    plt = _import_pyplot()
    roll = _roll_content(score_or_parts, melody_track, bar_beats, chords)
    page = _roll_page(roll, bars_per_row)
    fig, axes = plt.subplots(
        page.rows,
        1,
        figsize=(page.width, 0.6 + page.row_height * page.rows),
        dpi=dpi,
        squeeze=False,
    )
    try:
        labels = _label_positions(
            _merge_chord_labels(roll.chords), roll.bar_beats, (page.width - 2.5) / page.row_bars
        )
        handles: list[object] = []
        for row, ax in enumerate(axes[:, 0]):
            first, last = row * page.row_bars, min(page.n_bars, (row + 1) * page.row_bars)
            handles = _draw_rolls(ax, roll.parts, roll.bar_beats, first, last)
            _draw_row_frame(ax, page, labels, first, last, is_last_row=row == page.rows - 1)
        _title_and_legend(axes[0, 0], roll, page, title, handles)
        return _save(fig, png_path, dpi)
    finally:
        plt.close(fig)


@dataclass(frozen=True)
class _RollContent:
    """What a piano roll shows, taken from a `Score` or from writer parts."""

    parts: list[RollPart]  # those with notes
    chords: tuple[ChordSpan, ...]
    bar_beats: float
    meter: str  # "4/4"; "" when unknown
    qpm: float | None
    default_title: str
    length_beats: float


def _roll_content(
    score_or_parts: Score | Sequence[object],
    melody_track: int | str | None,
    bar_beats: float | None,
    chords: Sequence[ChordSpan] | None,
) -> _RollContent:
    """The parts, chords and bar length of a roll (see `piano_roll_png` for the arguments)."""
    if isinstance(score_or_parts, Score):
        score = score_or_parts
        parts, found_chords = _parts_from_score(score, melody_track)
        return _RollContent(
            parts=[p for p in parts if p.notes],
            chords=tuple(chords) if chords is not None else found_chords,
            bar_beats=bar_beats or score.time_signatures[0].bar_beats,
            meter=str(score.time_signatures[0]),
            qpm=score.qpm,
            default_title=Path(score.path).name if score.path else "piano roll",
            length_beats=score.length_beats,
        )
    parts = _parts_from_writer_parts(score_or_parts)
    return _RollContent(
        parts=[p for p in parts if p.notes],
        chords=tuple(chords) if chords is not None else (),
        bar_beats=bar_beats or 4.0,
        meter="",
        qpm=None,
        default_title="piano roll",
        length_beats=0.0,
    )


@dataclass(frozen=True)
class _RollPage:
    """How a roll is laid out: bars, rows of bars, figure size (inches), pitch range."""

    n_bars: int
    rows: int
    row_bars: int
    width: float
    row_height: float
    low: float  # lowest pitch shown
    high: float  # highest pitch shown


def _roll_page(roll: _RollContent, bars_per_row: int) -> _RollPage:
    """Bars up to the last note, chord or the file's end; pitches of the non-drum notes with
    a margin, at least two octaves (so a short line is not stretched)."""
    ends = [n.end_beat for p in roll.parts for n in p.notes] + [s.end_beat for s in roll.chords]
    total_beats = max([roll.length_beats, *ends, roll.bar_beats])
    n_bars = max(1, math.ceil(total_beats / roll.bar_beats - EPS))
    pitches = [n.pitch for p in roll.parts if not p.is_drum for n in p.notes]
    low = min(pitches, default=60) - 2
    high = max(pitches, default=72) + 2
    if high - low < 24:
        middle = (low + high) / 2
        low, high = math.floor(middle - 12), math.ceil(middle + 12)
    if n_bars <= 1.5 * bars_per_row:
        rows, row_bars = 1, n_bars
        width = max(8.0, 2.5 + 0.75 * n_bars)
    else:
        rows, row_bars = math.ceil(n_bars / bars_per_row), bars_per_row
        width = 2.5 + 0.75 * bars_per_row
    row_height = 4.6 if rows == 1 else 2.8
    return _RollPage(n_bars, rows, row_bars, width, row_height, low, high)


def _title_and_legend(
    ax, roll: _RollContent, page: _RollPage, title: str | None, handles: list[object]
) -> None:
    """The title (with meter, tempo and bars) above the first row; the legend beside it."""
    facts = (roll.meter, f"{roll.qpm:g} qpm" if roll.qpm else "", f"{page.n_bars} bars")
    details = ", ".join(x for x in facts if x)
    ax.set_title(f"{title or roll.default_title}  ({details})", loc="left", pad=18, fontsize=11)
    if handles:
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0),
            fontsize=8, frameon=False,
        )  # fmt: skip


def _draw_row_frame(
    ax,
    page: _RollPage,
    labels: Sequence[tuple[float, str]],
    first: int,
    last: int,
    *,
    is_last_row: bool,
) -> None:
    """Bar lines, the chord labels of bars `first`..`last` - 1, axes and C-pitch lines."""
    for bar in range(first, last + 1):
        ax.axvline(bar, color="#444444", linewidth=0.9 if bar % 4 == 0 else 0.4, zorder=0)
    for x, symbol in labels:
        if first - ROUNDING_EPS <= x < last - ROUNDING_EPS:
            ax.text(
                x + 0.03, 1.01, symbol, transform=ax.get_xaxis_transform(),
                ha="left", va="bottom", fontsize=9, fontweight="bold",
                color="#222222", clip_on=False,
            )  # fmt: skip
    ax.set_xlim(first, first + page.row_bars)
    ax.set_ylim(page.low, page.high)
    step = 1 if page.row_bars <= 16 else (2 if page.row_bars <= 32 else 4)
    ticks = range(first, last, step)
    ax.set_xticks([b + 0.5 for b in ticks])
    ax.set_xticklabels([str(b + 1) for b in ticks])
    ax.tick_params(axis="x", length=0)
    c_pitches = [p for p in range(math.ceil(page.low), math.floor(page.high) + 1) if p % 12 == 0]
    ax.set_yticks(c_pitches)
    ax.set_yticklabels([_pitch_label(p) for p in c_pitches])
    for p in c_pitches:
        ax.axhline(p, color="#dddddd", linewidth=0.5, zorder=0)
    if is_last_row:
        ax.set_xlabel("bar")
    ax.set_ylabel("pitch")


def _save(fig, png_path: str | os.PathLike[str], dpi: int) -> Path:
    """Lay out and write `fig` as PNG (creating the folder); return the path."""
    fig.tight_layout()
    path = Path(png_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def curves_title(history_csv: str | os.PathLike[str]) -> str:
    """The default title of curves.png: the run's folder, without the `.partial` of a
    run in progress (BUNDLE.partial/history.csv -> "training curves (BUNDLE)")."""
    run = Path(history_csv).parent.name.removesuffix(".partial") or "run"
    return f"training curves ({run})"


def best_epoch_label(epoch: float, val_loss: float) -> str:
    """The note at the best epoch of curves.png: its number as metrics.json's best_epoch."""
    return f"best {val_loss:.3f} @ epoch {epoch:g}"


def training_curves_png(
    history_csv: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    title: str | None = None,
    dpi: int = 110,
) -> Path:
    """Plot loss and val_loss per epoch (plus other `x`/`val_x` pairs) from `history_csv`.

    The CSV has columns `epoch, loss[, val_loss][, other metrics...]` (Keras CSVLogger
    layout). The best val_loss epoch is marked. Side effect: writes `png_path`.
    """
    try:
        history = read_history(history_csv)
    except JazzgenError as exc:  # not readable: a picture problem for the caller
        raise RenderError(str(exc)) from None
    if not history or "loss" not in history.names:
        where = Path(history_csv)
        raise RenderError(f"{where}: expected a CSV with columns epoch, loss[, val_loss, ...]")
    columns = {name: history.column(name) for name in history.names}
    epochs = history.epoch_numbers()
    plt = _import_pyplot()
    skip = {"epoch", "loss", "val_loss", "lr", "learning_rate"}
    others = [k for k in columns if k not in skip and not k.startswith("val_")]
    n_panels = 1 + len(others)
    fig, axes = plt.subplots(1, n_panels, figsize=(6.0 * n_panels, 4.0), dpi=dpi, squeeze=False)
    try:
        for ax, name in zip(axes[0], ["loss", *others], strict=True):
            ax.plot(epochs, columns[name], color="#1f4e9c", linewidth=1.6, label=name)
            val = columns.get(f"val_{name}")
            if val is not None and not all(math.isnan(v) for v in val):
                ax.plot(epochs, val, color="#d95f02", linewidth=1.6, label=f"val_{name}")
                best = history.best_val_loss()
                if name == "loss" and best is not None:
                    epoch, loss = best
                    ax.scatter([epoch], [loss], color="#d95f02", zorder=3)
                    ax.annotate(
                        best_epoch_label(epoch, loss),
                        (epoch, loss), textcoords="offset points", xytext=(0, 8), fontsize=8,
                        ha="right" if epoch > 0.7 * max(epochs) else "center",
                    )  # fmt: skip
            ax.set_xlabel("epoch (from 0, as in history.csv and metrics.json)")
            ax.set_ylabel(name)
            ax.grid(True, color="#e0e0e0", linewidth=0.6)
            ax.legend(fontsize=8)
        fig.suptitle(title or curves_title(history_csv))
        return _save(fig, png_path, dpi)
    finally:
        plt.close(fig)
