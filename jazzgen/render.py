"""Listening and looking: MIDI -> WAV (FluidSynth) and piano-roll / training-curve PNGs.

- `render_wav` runs the `fluidsynth` program (`-ni -F out.wav -r 44100 -g gain`) with a
  General MIDI SoundFont, then post-processes the WAV with numpy: 16-bit, normalised to
  `peak_dbfs` (no clipping), trailing silence trimmed to a short tail so the WAV lasts as
  long as the MIDI file (tempo map honoured) plus at most `tail_seconds`.
- `piano_roll_png` draws the melody (bold) over the backing tracks (light), bar lines and
  chord symbols, x axis in bars.
- `training_curves_png` plots loss/val_loss (and any other metric pairs) from a
  `history.csv`.

matplotlib is an optional dependency (extra `audio`), imported only inside the PNG
functions with the Agg backend, so the CLI starts fast. Missing tools raise `RenderError`
with a one-line message that says what to install.
"""

from __future__ import annotations

import csv
import glob
import logging
import math
import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen.errors import JazzgenError, RenderError
from jazzgen.music import PITCH_CLASS_NAMES
from jazzgen.score import DRUM_CHANNEL, ChordSpan, Note, Score

logger = logging.getLogger(__name__)

DEFAULT_SAMPLE_RATE = 44100
DEFAULT_GAIN = 0.6  # FluidSynth master gain; we normalise afterwards, this only avoids clipping
DEFAULT_PEAK_DBFS = -1.0
DEFAULT_TAIL_SECONDS = 1.0  # reverb/release kept after the MIDI file's end
SILENCE_DBFS = -60.0  # below this (relative to full scale) a trailing sample counts as silence
FADE_SECONDS = 0.05  # fade-out applied where a still-sounding tail is cut

SOUNDFONT_ENV = "JAZZGEN_SOUNDFONT"
SOUNDFONT_DIRS = (
    "/usr/share/sounds/sf2",
    "/usr/share/soundfonts",
    "/usr/share/sounds/sf3",
    "/usr/local/share/soundfonts",
    "/opt/homebrew/share/soundfonts",
    "/opt/homebrew/share/fluid-synth",
    "/usr/local/share/fluid-synth",
    "~/Library/Audio/Sounds/Banks",
    "~/.local/share/soundfonts",
)
# Preferred names first: a full GM bank sounds better than a tiny one.
_PREFERRED_SOUNDFONTS = ("FluidR3_GM", "default-GM", "TimGM6mb", "GeneralUser")

FLUIDSYNTH_HINT = (
    "FluidSynth is not installed: install it with 'apt-get install fluidsynth' "
    "(Debian/Ubuntu) or 'brew install fluid-synth' (macOS)"
)
SOUNDFONT_HINT = (
    "no General MIDI SoundFont (.sf2) found: install one with "
    "'apt-get install fluid-soundfont-gm' (or 'brew install fluid-synth' plus a .sf2), "
    f"or pass --soundfont FILE.sf2 / set ${SOUNDFONT_ENV}"
)
MATPLOTLIB_HINT = (
    "matplotlib is needed for PNG output: pip install 'jazzgen[audio]' (or pip install matplotlib)"
)


# --- WAV --------------------------------------------------------------------------------------


def find_fluidsynth() -> str:
    """Path of the `fluidsynth` program, or RenderError saying how to install it."""
    path = shutil.which("fluidsynth")
    if path is None:
        raise RenderError(FLUIDSYNTH_HINT)
    return path


def find_soundfont(soundfont: str | os.PathLike[str] | None = None) -> Path:
    """The SoundFont to use: `soundfont`, else `$JAZZGEN_SOUNDFONT`, else the usual places.

    An explicitly given file (argument or environment) must exist. Raises RenderError.
    """
    explicit = soundfont if soundfont is not None else os.environ.get(SOUNDFONT_ENV) or None
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise RenderError(f"SoundFont {str(path)!r} does not exist or is not a file")
        return path
    found: list[Path] = []
    for folder in SOUNDFONT_DIRS:
        pattern = os.path.join(os.path.expanduser(folder), "*.sf[23]")
        found.extend(Path(p) for p in sorted(glob.glob(pattern)) if os.path.isfile(p))
    if not found:
        raise RenderError(SOUNDFONT_HINT)
    for name in _PREFERRED_SOUNDFONTS:
        for path in found:
            if path.stem.lower() == name.lower():
                return path
    return found[0]


def midi_length_seconds(midi_path: str | os.PathLike[str]) -> float:
    """Length of a MIDI file in seconds through its tempo map (last event included).

    Read with `jazzgen.midi_io.read_score` (the one MIDI reader); raises InputFileError for a
    file it cannot use.
    """
    from jazzgen.midi_io import TempoMap, read_score

    score = read_score(midi_path)
    return TempoMap(score.tempos).seconds(score.length_beats)


@dataclass(frozen=True)
class WavInfo:
    """What `render_wav` wrote."""

    path: str
    sample_rate: int
    channels: int
    seconds: float
    midi_seconds: float
    peak_dbfs: float  # after normalisation (-inf for a silent file)
    soundfont: str


def read_wav(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV into float32 samples `(n_frames, channels)` in -1..1, and rate."""
    with wave.open(os.fspath(path), "rb") as wav:
        width = wav.getsampwidth()
        channels = wav.getnchannels()
        rate = wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    if width != 2:
        raise RenderError(f"{os.fspath(path)}: expected 16-bit PCM WAV, got {8 * width}-bit")
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    return data.reshape(-1, channels), rate


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int) -> None:
    """Write float samples `(n_frames, channels)` in -1..1 as 16-bit PCM (clipped, rounded)."""
    if samples.ndim == 1:
        samples = samples[:, None]
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(os.fspath(path), "wb") as wav:
        wav.setnchannels(samples.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.tobytes())


def postprocess_audio(
    samples: np.ndarray,
    sample_rate: int,
    midi_seconds: float,
    *,
    peak_dbfs: float = DEFAULT_PEAK_DBFS,
    tail_seconds: float = DEFAULT_TAIL_SECONDS,
) -> np.ndarray:
    """Normalise and trim rendered audio `(n_frames, channels)`; returns a new array.

    The result lasts from `midi_seconds` up to `midi_seconds + tail_seconds`: audible sound
    after the MIDI end is kept up to the tail (faded out if cut), trailing silence is cut,
    and a render shorter than the MIDI file is padded with silence. The peak is scaled to
    `peak_dbfs` (a silent input stays silent).
    """
    if samples.ndim == 1:
        samples = samples[:, None]
    audio = samples.astype(np.float64)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    midi_frames = round(midi_seconds * sample_rate)
    max_frames = midi_frames + round(tail_seconds * sample_rate)
    if peak > 0:
        loud = np.flatnonzero(np.max(np.abs(audio), axis=1) > peak * 10 ** (SILENCE_DBFS / 20))
        last_audible = int(loud[-1]) + 1 if loud.size else 0
    else:
        last_audible = 0
    n_frames = min(max(last_audible, midi_frames), max_frames)
    if n_frames <= audio.shape[0]:
        audio = audio[:n_frames]
    else:
        audio = np.vstack([audio, np.zeros((n_frames - audio.shape[0], audio.shape[1]))])
    if last_audible > n_frames and n_frames > 0:  # cut while still sounding: fade out
        fade = min(n_frames, round(FADE_SECONDS * sample_rate))
        audio[n_frames - fade :] *= np.linspace(1.0, 0.0, fade)[:, None]
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        audio *= 10 ** (peak_dbfs / 20) / peak
    return audio.astype(np.float32)


def render_wav(
    midi_path: str | os.PathLike[str],
    wav_path: str | os.PathLike[str],
    *,
    soundfont: str | os.PathLike[str] | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    gain: float = DEFAULT_GAIN,
    peak_dbfs: float = DEFAULT_PEAK_DBFS,
    tail_seconds: float = DEFAULT_TAIL_SECONDS,
) -> WavInfo:
    """Render `midi_path` to a 16-bit WAV at `sample_rate` with FluidSynth; return `WavInfo`.

    Side effect: writes `wav_path` (atomically: rendered to a temporary file, then renamed;
    an existing file is replaced — the CLI checks --force). Raises RenderError when
    FluidSynth or a SoundFont is missing, or when FluidSynth fails.
    """
    if not 8000 <= sample_rate <= 192000:
        raise RenderError(f"sample_rate must be in range 8000..192000, got {sample_rate}")
    midi_path = Path(midi_path)
    if not midi_path.is_file():
        raise RenderError(f"{midi_path}: no such MIDI file")
    program = find_fluidsynth()
    sf2 = find_soundfont(soundfont)
    midi_seconds = midi_length_seconds(midi_path)
    wav_path = Path(wav_path)
    out_dir = wav_path.parent if str(wav_path.parent) else Path(".")
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, raw_name = tempfile.mkstemp(suffix=".wav", prefix=".render-", dir=out_dir)
    os.close(fd)
    raw_path = Path(raw_name)
    command = [
        program, "-ni", "-q",
        "-F", str(raw_path),
        "-T", "wav", "-O", "s16",
        "-r", str(sample_rate),
        "-g", f"{gain:g}",
        str(sf2), str(midi_path),
    ]  # fmt: skip
    try:
        logger.info("running %s", " ".join(command))
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderError(f"FluidSynth could not run: {exc}") from None
        if proc.returncode != 0 or raw_path.stat().st_size <= 44:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            last = detail[-1] if detail else f"exit code {proc.returncode}"
            raise RenderError(f"FluidSynth failed on {midi_path}: {last}")
        samples, rate = read_wav(raw_path)
        audio = postprocess_audio(
            samples, rate, midi_seconds, peak_dbfs=peak_dbfs, tail_seconds=tail_seconds
        )
        write_wav(raw_path, audio, rate)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(raw_path, 0o666 & ~umask)  # mkstemp made it private; a WAV is not a secret
        os.replace(raw_path, wav_path)
    finally:
        if raw_path.exists():
            raw_path.unlink()
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak == 0:
        logger.warning("%s rendered to silence (no notes?)", midi_path)
    return WavInfo(
        path=str(wav_path),
        sample_rate=rate,
        channels=audio.shape[1],
        seconds=audio.shape[0] / rate,
        midi_seconds=midi_seconds,
        peak_dbfs=20 * math.log10(peak) if peak > 0 else -math.inf,
        soundfont=str(sf2),
    )


# --- pictures ---------------------------------------------------------------------------------


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
    score: Score, melody_track: int | None
) -> tuple[list[RollPart], tuple[ChordSpan, ...]]:
    """Roll parts, chord spans and a melody note from a Score via lead-sheet extraction."""
    chords: tuple[ChordSpan, ...] = tuple(score.chords)
    melody_index = melody_track
    try:
        from jazzgen.leadsheet import extract_leadsheet

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
    """Roll parts from `jazzgen.writer.Part`-like objects (name, channel, notes)."""
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
        if x >= next_free - 1e-9:
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
    `jazzgen.leadsheet.extract_leadsheet`, `melody_track` forcing the melody), or a sequence
    of `jazzgen.writer.Part` (the part named "Melody", else the first, is the melody).
    `chords` overrides the chord spans. The melody is drawn bold, backing tracks lighter,
    drums as ticks along the bottom; bar lines, and chord symbols above the bars where they
    change. Up to 1.5 x `bars_per_row` bars make one row whose width grows with the bars;
    longer pieces wrap into rows of `bars_per_row` bars, like a score. Bars count from 1.
    Raises RenderError when matplotlib is missing.
    """
    if bars_per_row < 1:
        raise RenderError(f"bars_per_row must be >= 1, got {bars_per_row}")
    plt = _import_pyplot()

    if isinstance(score_or_parts, Score):
        score = score_or_parts
        parts, found_chords = _parts_from_score(score, melody_track)
        bar_beats = bar_beats or score.time_signatures[0].bar_beats
        meter = str(score.time_signatures[0])
        qpm = score.qpm
        default_title = Path(score.path).name if score.path else "piano roll"
        length_beats = score.length_beats
    else:
        parts = _parts_from_writer_parts(score_or_parts)
        found_chords = ()
        bar_beats = bar_beats or 4.0
        meter, qpm, default_title, length_beats = "", None, "piano roll", 0.0
    spans = tuple(chords) if chords is not None else found_chords
    parts = [p for p in parts if p.notes]
    ends = [n.end_beat for p in parts for n in p.notes] + [s.end_beat for s in spans]
    total_beats = max([length_beats, *ends, bar_beats])
    n_bars = max(1, math.ceil(total_beats / bar_beats - 1e-6))
    pitches = [n.pitch for p in parts if not p.is_drum for n in p.notes]
    low = min(pitches, default=60) - 2
    high = max(pitches, default=72) + 2
    if high - low < 24:  # at least two octaves so a short line is not stretched
        middle = (low + high) / 2
        low, high = math.floor(middle - 12), math.ceil(middle + 12)

    if n_bars <= 1.5 * bars_per_row:
        rows, row_bars = 1, n_bars
        width = max(8.0, 2.5 + 0.75 * n_bars)
    else:
        rows, row_bars = math.ceil(n_bars / bars_per_row), bars_per_row
        width = 2.5 + 0.75 * bars_per_row
    row_height = 4.6 if rows == 1 else 2.8
    fig, axes = plt.subplots(
        rows, 1, figsize=(width, 0.6 + row_height * rows), dpi=dpi, squeeze=False
    )
    try:
        labels = _label_positions(_merge_chord_labels(spans), bar_beats, (width - 2.5) / row_bars)
        handles: list[object] = []
        for row, ax in enumerate(axes[:, 0]):
            first, last = row * row_bars, min(n_bars, (row + 1) * row_bars)
            handles = _draw_rolls(ax, parts, bar_beats, first, last)
            for bar in range(first, last + 1):
                ax.axvline(bar, color="#444444", linewidth=0.9 if bar % 4 == 0 else 0.4, zorder=0)
            for x, symbol in labels:
                if first - 1e-9 <= x < last - 1e-9:
                    ax.text(
                        x + 0.03, 1.01, symbol, transform=ax.get_xaxis_transform(),
                        ha="left", va="bottom", fontsize=9, fontweight="bold",
                        color="#222222", clip_on=False,
                    )  # fmt: skip
            ax.set_xlim(first, first + row_bars)
            ax.set_ylim(low, high)
            step = 1 if row_bars <= 16 else (2 if row_bars <= 32 else 4)
            ticks = range(first, last, step)
            ax.set_xticks([b + 0.5 for b in ticks])
            ax.set_xticklabels([str(b + 1) for b in ticks])
            ax.tick_params(axis="x", length=0)
            c_pitches = [p for p in range(math.ceil(low), math.floor(high) + 1) if p % 12 == 0]
            ax.set_yticks(c_pitches)
            ax.set_yticklabels([_pitch_label(p) for p in c_pitches])
            for p in c_pitches:
                ax.axhline(p, color="#dddddd", linewidth=0.5, zorder=0)
            if row == rows - 1:
                ax.set_xlabel("bar")
            ax.set_ylabel("pitch")
        details = [x for x in (meter, f"{qpm:g} qpm" if qpm else "", f"{n_bars} bars") if x]
        axes[0, 0].set_title(
            f"{title or default_title}  ({', '.join(details)})", loc="left", pad=18, fontsize=11
        )
        if handles:
            axes[0, 0].legend(
                handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0),
                fontsize=8, frameon=False,
            )  # fmt: skip
        return _save(fig, png_path, dpi)
    finally:
        plt.close(fig)


def _save(fig, png_path: str | os.PathLike[str], dpi: int) -> Path:
    """Lay out and write `fig` as PNG (creating the folder); return the path."""
    fig.tight_layout()
    path = Path(png_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def read_history_csv(history_csv: str | os.PathLike[str]) -> dict[str, list[float]]:
    """Columns of a Keras `history.csv` (CSVLogger) as float lists; 'epoch' counted from 1.

    Raises RenderError when the file is missing or has no `loss` column.
    """
    path = Path(history_csv)
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise RenderError(f"cannot read training history {str(path)!r}: {exc}") from None
    if not rows or "loss" not in rows[0]:
        raise RenderError(f"{path}: expected a CSV with columns epoch, loss[, val_loss, ...]")
    columns: dict[str, list[float]] = {}
    for name in rows[0]:
        values = []
        for row in rows:
            try:
                values.append(float(row[name]))
            except (TypeError, ValueError):
                values.append(math.nan)
        columns[name] = values
    if "epoch" in columns and columns["epoch"] and columns["epoch"][0] == 0:
        columns["epoch"] = [e + 1 for e in columns["epoch"]]  # Keras counts from 0
    columns.setdefault("epoch", [float(i + 1) for i in range(len(rows))])
    return columns


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
    columns = read_history_csv(history_csv)
    plt = _import_pyplot()
    epochs = columns["epoch"]
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
                if name == "loss":
                    best = int(np.nanargmin(val))
                    ax.scatter([epochs[best]], [val[best]], color="#d95f02", zorder=3)
                    ax.annotate(
                        f"best {val[best]:.3f} @ {epochs[best]:g}",
                        (epochs[best], val[best]), textcoords="offset points",
                        xytext=(0, 8), fontsize=8,
                        ha="right" if best > 0.7 * len(val) else "center",
                    )  # fmt: skip
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.grid(True, color="#e0e0e0", linewidth=0.6)
            ax.legend(fontsize=8)
        fig.suptitle(title or f"training curves ({Path(history_csv).parent.name or 'run'})")
        return _save(fig, png_path, dpi)
    finally:
        plt.close(fig)
