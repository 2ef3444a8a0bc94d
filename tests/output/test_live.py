"""`jazzgen play`: the schedule of a file, the player with an injected clock and a fake
port, Ctrl-C silencing every channel, one-line errors, and a virtual-port round trip where
the machine has an ALSA sequencer."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import mido
import pytest
from conftest import make_midi, note_track

from jazzgen.cli import run
from jazzgen.core.errors import InputFileError
from jazzgen.output import live


def _file(tempo=120.0) -> bytes:
    return make_midi(
        [
            note_track([(60, 0.0, 1.0), (62, 1.0, 1.0)], name="Melody", program=66, channel=0),
            note_track([(36, 0.0, 2.0)], name="Bass", program=32, channel=2),
            note_track([(42, 1.0, 0.25)], name="Drums", program=None, channel=9),
        ],
        tempo=tempo,
    )


def test_schedule_times_channels_and_no_meta() -> None:
    cues = live.schedule(_file())
    assert all(not c.message.is_meta for c in cues)
    notes = [(round(c.seconds, 6), c.message.type, c.message.channel, c.message.note)
             for c in cues if c.message.type in ("note_on", "note_off")]  # fmt: skip
    on = [(t, ch, n) for t, kind, ch, n in notes if kind == "note_on"]
    assert on == [(0.0, 0, 60), (0.0, 2, 36), (0.5, 0, 62), (0.5, 9, 42)]  # 120 qpm
    assert cues[0].message.type == "program_change"
    assert [c.seconds for c in cues] == sorted(c.seconds for c in cues)


def test_schedule_honours_tempo_changes() -> None:
    cues = live.schedule(_file(tempo=[(0.0, 120.0), (1.0, 60.0)]))
    onsets = {c.message.note: round(c.seconds, 6) for c in cues if c.message.type == "note_on"}
    assert onsets[62] == 0.5  # beat 1 at 120 qpm
    offs = [round(c.seconds, 6) for c in cues if c.message.type == "note_off"]
    assert max(offs) == 1.5  # beat 2 = 0.5 s + one beat at 60 qpm


def test_schedule_refuses_a_bad_file() -> None:
    with pytest.raises(InputFileError, match="not a MIDI file"):
        live.schedule(b"nope", "x.mid")


class FakePort:
    def __init__(self) -> None:
        self.sent: list[tuple[float, mido.Message]] = []
        self.clock = 0.0

    def send(self, message: mido.Message) -> None:
        self.sent.append((self.clock, message))


def test_player_sends_each_message_at_its_time() -> None:
    port = FakePort()

    def sleep(seconds: float) -> None:
        port.clock += seconds

    cues = live.schedule(_file())
    played = live.play(cues, port, clock=lambda: port.clock, sleep=sleep)
    assert [m for _, m in port.sent] == [c.message for c in cues]
    assert [round(t, 6) for t, _ in port.sent] == [round(c.seconds, 6) for c in cues]
    assert played == pytest.approx(cues[-1].seconds)


def test_ctrl_c_silences_every_used_channel() -> None:
    port = FakePort()

    def sleep(seconds: float) -> None:
        if port.clock + seconds >= 0.5:  # Ctrl-C just before beat 2
            raise KeyboardInterrupt
        port.clock += seconds

    cues = live.schedule(_file())
    with pytest.raises(KeyboardInterrupt):
        live.play(cues, port, clock=lambda: port.clock, sleep=sleep)
    before = sum(1 for c in cues if c.seconds < 0.5)
    stop = [m for _, m in port.sent][before:]
    assert [(m.type, m.channel, m.note) for m in stop[:2]] == [
        ("note_off", 0, 60), ("note_off", 2, 36)  # the notes sounding at the stop
    ]  # fmt: skip
    assert [(m.type, m.channel, m.control) for m in stop[2:]] == [
        ("control_change", 0, 123), ("control_change", 2, 123)  # every channel used so far
    ]  # fmt: skip


def test_find_port() -> None:
    names = ["Midi Through:Midi Through Port-0 14:0", "FLUID Synth (123):Synth input 128:0"]
    assert live.find_port("FLUID", names) == names[1]
    assert live.find_port(names[0], names) == names[0]
    with pytest.raises(live.LiveMidiError, match=r"no MIDI output port 'Logic'; available: "):
        live.find_port("Logic", names)
    with pytest.raises(live.LiveMidiError, match="several ports match 'i'"):
        live.find_port("i", names)


def test_missing_extra_is_one_line(monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "rtmidi", None)  # import rtmidi -> ImportError
    path = tmp_path / "s.mid"
    path.write_bytes(_file())
    assert run(["play", str(path), "--port", "x"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"Error: live MIDI needs python-rtmidi: {live.INSTALL_HINT}"
    assert run(["play", "--list-ports"]) == 1
    assert live.INSTALL_HINT in capsys.readouterr().err


def test_cli_lists_ports_and_names_a_missing_one(monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.setattr(live, "output_names", lambda: ["Synth A", "Synth B"])
    monkeypatch.setattr(live, "_backend", lambda: None)
    assert run(["play", "--list-ports"]) == 0
    assert capsys.readouterr().out == "Synth A\nSynth B\n"
    path = tmp_path / "s.mid"
    path.write_bytes(_file())
    assert run(["play", str(path), "--port", "Logic"]) == 1
    assert capsys.readouterr().err.strip() == (
        "Error: no MIDI output port 'Logic'; available: 'Synth A', 'Synth B' "
        "(jazzgen play --list-ports)"
    )
    assert run(["play", str(tmp_path / "none.mid"), "--port", "Synth A"]) == 1
    assert capsys.readouterr().err.strip() == f"Error: {tmp_path}/none.mid: file not found"
    assert run(["play"]) == 1
    assert "give a FILE and --port NAME" in capsys.readouterr().err


def _alsa_seq_reason() -> str | None:
    """Why no virtual port can be made here (None when it can)."""
    try:
        import rtmidi  # noqa: F401
    except ImportError:
        return f"python-rtmidi is not installed ({live.INSTALL_HINT})"
    if not os.path.exists("/dev/snd/seq"):
        return "no ALSA sequencer (/dev/snd/seq): modprobe snd-seq needs a kernel that has it"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_alsa_seq_reason() is not None, reason=str(_alsa_seq_reason()))
def test_round_trip_through_a_virtual_port(tmp_path: Path, capsys) -> None:
    backend = mido.Backend("mido.backends.rtmidi", load=True)
    received: list[mido.Message] = []
    with backend.open_input("jazzgen-test-in", virtual=True) as port:
        path = tmp_path / "s.mid"
        path.write_bytes(_file(tempo=240.0))
        worker = threading.Thread(
            target=run, args=(["play", str(path), "--port", "jazzgen-test-in"],)
        )
        worker.start()
        deadline = time.monotonic() + 10
        while worker.is_alive() or time.monotonic() < deadline:
            for message in port.iter_pending():
                received.append(message)
            if not worker.is_alive() and len(received) >= 8:
                break
            time.sleep(0.01)
        worker.join()
    notes = [(m.type, m.channel, m.note) for m in received if m.type == "note_on"]
    assert notes == [("note_on", 0, 60), ("note_on", 2, 36), ("note_on", 0, 62), ("note_on", 9, 42)]
