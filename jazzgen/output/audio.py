"""Listening: MIDI -> WAV with FluidSynth.

`render_wav` runs the `fluidsynth` program (`-ni -F out.wav -r 44100 -g gain`) with a
General MIDI SoundFont, then post-processes the WAV with numpy: 16-bit, normalised to
`peak_dbfs` (no clipping), trailing silence trimmed to a short tail so the WAV lasts as long
as the MIDI file (tempo map honoured) plus at most `tail_seconds`. Missing tools raise
`RenderError` with a one-line message that says what to install.
"""

from __future__ import annotations

import glob
import logging
import math
import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen.core.errors import FILE_NOT_FOUND, RenderError

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


def find_fluidsynth() -> str:
    """Path of the `fluidsynth` program, or RenderError saying how to install it."""
    path = shutil.which("fluidsynth")
    if path is None:
        raise RenderError(FLUIDSYNTH_HINT)
    return path


def renderer_problem(soundfont: str | os.PathLike[str] | None = None) -> str | None:
    """Why `--wav` cannot work on this machine (FluidSynth or a SoundFont missing, with
    how to get it), None when it can. `make demo` asks before it generates."""
    try:
        find_fluidsynth()
        find_soundfont(soundfont)
    except RenderError as exc:
        return str(exc)
    return None


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

    Read with `io.scores.read_score` (the one MIDI reader); raises InputFileError for a
    file it cannot use.
    """
    from jazzgen.core.timeline import TempoMap
    from jazzgen.io.scores import read_score

    score = read_score(Path(midi_path))
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
        raise RenderError(f"{midi_path}: {FILE_NOT_FOUND}")
    program = find_fluidsynth()
    sf2 = find_soundfont(soundfont)
    midi_seconds = midi_length_seconds(midi_path)
    wav_path = Path(wav_path)
    out_dir = wav_path.parent if str(wav_path.parent) else Path(".")
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, raw_name = tempfile.mkstemp(suffix=".wav", prefix=".render-", dir=out_dir)
    os.close(fd)
    raw_path = Path(raw_name)
    try:
        _run_fluidsynth(program, sf2, midi_path, raw_path, sample_rate, gain)
        samples, rate = read_wav(raw_path)
        audio = postprocess_audio(
            samples, rate, midi_seconds, peak_dbfs=peak_dbfs, tail_seconds=tail_seconds
        )
        write_wav(raw_path, audio, rate)
        _publish(raw_path, wav_path)
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


def _run_fluidsynth(
    program: str, sf2: Path, midi_path: Path, raw_path: Path, sample_rate: int, gain: float
) -> None:
    """Render `midi_path` with FluidSynth `program` and SoundFont `sf2` into the WAV
    `raw_path` (16-bit, `sample_rate`, master `gain`); RenderError when it fails."""
    command = [
        program, "-ni", "-q",
        "-F", str(raw_path),
        "-T", "wav", "-O", "s16",
        "-r", str(sample_rate),
        "-g", f"{gain:g}",
        str(sf2), str(midi_path),
    ]  # fmt: skip
    logger.info("running %s", " ".join(command))
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"FluidSynth could not run: {exc}") from None
    if proc.returncode != 0 or raw_path.stat().st_size <= 44:  # 44 bytes: a bare WAV header
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit code {proc.returncode}"
        raise RenderError(f"FluidSynth failed on {midi_path}: {last}")


def _publish(raw_path: Path, wav_path: Path) -> None:
    """Move the finished temporary WAV to `wav_path`, readable as the umask allows."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(raw_path, 0o666 & ~umask)  # mkstemp made it private; a WAV is not a secret
    os.replace(raw_path, wav_path)
