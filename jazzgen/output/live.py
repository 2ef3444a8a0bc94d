"""Live MIDI: a MIDI file played in time to a MIDI output port (a DAW, a synth).

- `schedule(data)`: the file's channel messages with their times in seconds (tempo
  changes honoured; each part keeps its channel; meta events are not sent);
- `play(cues, port, clock=..., sleep=...)`: sends them in time; on Ctrl-C (or any error)
  it silences every used channel first (`silence`: a note-off for each sounding note,
  then All Notes Off, CC 123) and lets the interrupt through;
- `output_names()` / `open_output(name)`: the ports, through mido's python-rtmidi backend
  (the optional extra `live`); a missing extra, MIDI system or port is a
  `LiveMidiError` with one line saying what to do.

The clock and sleep come in as arguments, so tests run the player without a port or time.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from jazzgen.core.errors import JazzgenError
from jazzgen.io.midi_reader import parse_midi_bytes

INSTALL_HINT = "pip install -e '.[live]' in the jazzgen folder, or pip install python-rtmidi"
ALL_NOTES_OFF = 123  # the channel mode message that silences a channel


class LiveMidiError(JazzgenError):
    """No live MIDI: the extra is missing, there is no MIDI system, or no such port."""


class OutputPort(Protocol):
    """What the player needs of a port: `send` (mido ports and test fakes have it)."""

    def send(self, message: Any) -> None: ...


@dataclass(frozen=True)
class Cue:
    """A message to send `seconds` after the start."""

    seconds: float
    message: Any  # mido.Message


def schedule(data: bytes, path: str = "<bytes>") -> list[Cue]:
    """The channel messages of standard MIDI file `data` at their times in seconds.

    The file is checked by our reader first (InputFileError with one line for a bad
    file); mido then merges the tracks and turns ticks into seconds through every tempo
    change.
    """
    import mido

    parse_midi_bytes(data, path)  # a bad file fails here, with its reason
    midi = mido.MidiFile(file=io.BytesIO(data))
    cues = []
    now = 0.0
    for message in midi:  # merged tracks, `time` = seconds since the previous message
        now += message.time
        if not message.is_meta and message.type != "sysex":
            cues.append(Cue(now, message.copy(time=0)))
    return cues


def silence(port: OutputPort, sounding: set[tuple[int, int]], channels: set[int]) -> None:
    """A note-off for every sounding (channel, note), then All Notes Off on every channel."""
    import mido

    for channel, note in sorted(sounding):
        port.send(mido.Message("note_off", channel=channel, note=note, velocity=0))
    for channel in sorted(channels):
        port.send(mido.Message("control_change", channel=channel, control=ALL_NOTES_OFF))


def play(
    cues: Sequence[Cue],
    port: OutputPort,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Send every cue to `port` at its time; return the seconds played.

    Ctrl-C (KeyboardInterrupt) or an error while playing silences every channel used so
    far (`silence`) before it propagates, so no note hangs in the DAW.
    """
    start = clock()
    sounding: set[tuple[int, int]] = set()
    channels: set[int] = set()
    try:
        for cue in cues:
            wait = start + cue.seconds - clock()
            if wait > 0:
                sleep(wait)
            message = cue.message
            port.send(message)
            if hasattr(message, "channel"):
                channels.add(message.channel)
            if message.type == "note_on" and message.velocity > 0:
                sounding.add((message.channel, message.note))
            elif message.type in ("note_on", "note_off"):
                sounding.discard((message.channel, message.note))
    except BaseException:
        with contextlib.suppress(Exception):  # a broken port: the first error is the news
            silence(port, sounding, channels)
        raise
    return clock() - start


# --- ports -------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """File descriptor 2 to /dev/null: ALSA prints its own lines when it finds no MIDI."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _backend() -> Any:
    """mido's python-rtmidi backend; LiveMidiError saying how to install it."""
    import mido

    try:
        import rtmidi  # noqa: F401  (the backend's library: missing without the extra)
    except ImportError:
        raise LiveMidiError(f"live MIDI needs python-rtmidi: {INSTALL_HINT}") from None
    return mido.Backend("mido.backends.rtmidi", load=True)


def output_names() -> list[str]:
    """The names of the MIDI output ports (LiveMidiError without a MIDI system)."""
    backend = _backend()
    try:
        with _quiet_stderr():
            return list(backend.get_output_names())
    except (OSError, SystemError, RuntimeError) as exc:
        raise LiveMidiError(f"no MIDI system to play to ({_first_line(exc)}){_NO_MIDI}") from None


_NO_MIDI = (
    ": on Linux load the ALSA sequencer (modprobe snd-seq) or start a synth such as "
    "FluidSynth with ALSA MIDI; on macOS enable the IAC Driver; on Windows install loopMIDI"
)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def find_port(name: str, names: Sequence[str]) -> str:
    """The port called `name`: exactly, else the one whose name contains it (any case).
    LiveMidiError listing the ports when none or several match."""
    if name in names:
        return name
    matches = [n for n in names if name.lower() in n.lower()]
    if len(matches) == 1:
        return matches[0]
    listing = ", ".join(repr(n) for n in names) or "none (start a synth or a virtual port)"
    what = "several ports match" if matches else "no MIDI output port"
    raise LiveMidiError(f"{what} {name!r}; available: {listing} (jazzgen play --list-ports)")


def open_output(name: str) -> Any:
    """The mido output port called `name` (see `find_port`)."""
    backend = _backend()
    port_name = find_port(name, output_names())
    try:
        with _quiet_stderr():
            return backend.open_output(port_name)
    except (OSError, SystemError, RuntimeError) as exc:
        raise LiveMidiError(f"cannot open MIDI port {port_name!r}: {_first_line(exc)}") from None
