"""Issue 6, "Listen and look": `jazzgen generate --wav --png`, the trio's tracks and levels,
the count-in, MuseScore import, and what happens without FluidSynth."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest
from tiny_bundle import make_bundle

from jazzgen.cli import run
from jazzgen.core import errors
from jazzgen.output import audio, pictures

pytestmark = pytest.mark.slow  # builds a tiny Keras bundle once (imports TensorFlow)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HAS_FLUIDSYNTH = shutil.which("fluidsynth") is not None
MUSESCORE = shutil.which("mscore3") or shutil.which("musescore3")
PROGRESSION = "Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7 | Am7b5 D7 | Gm7 | C7 | Fmaj7"


def _has_soundfont() -> bool:
    try:
        audio.find_soundfont()
    except errors.RenderError:
        return False
    return True


needs_fluidsynth = pytest.mark.skipif(
    not (HAS_FLUIDSYNTH and _has_soundfont()), reason="fluidsynth or a GM SoundFont missing"
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("listen") / "bundle")


@pytest.fixture(scope="module")
def trio(bundle, tmp_path_factory) -> Path:
    """A trio solo written by the CLI (MIDI only)."""
    out = tmp_path_factory.mktemp("trio") / "s.mid"
    assert run(["generate", "--model", str(bundle), "--chords", PROGRESSION, "--seed", "3",
                "--out", str(out)]) == 0  # fmt: skip
    return out


def _note_ons(track: mido.MidiTrack) -> list[mido.Message]:
    return [m for m in track if m.type == "note_on" and m.velocity > 0]


@needs_fluidsynth
def test_generate_writes_midi_wav_and_png(bundle, tmp_path, capsys):
    mid, wav, png = tmp_path / "s.mid", tmp_path / "s.wav", tmp_path / "s.png"
    code = run(["generate", "--model", str(bundle), "--seed", "3", "--out", str(mid),
                "--wav", str(wav), "--png", str(png)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert f"wrote {mid}:" in text and f"wrote {wav} (" in text and f"wrote {png}" in text
    midi_seconds = mido.MidiFile(mid).length
    info_seconds = audio.midi_length_seconds(mid)
    assert info_seconds == pytest.approx(midi_seconds, abs=0.05)
    samples, rate = audio.read_wav(wav)
    seconds = samples.shape[0] / rate
    assert midi_seconds - 0.05 <= seconds <= midi_seconds + 1.5  # reverb tail allowed
    assert np.sqrt(np.mean(samples**2)) > 0.01  # not silent
    assert png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 10_000
    assert os.stat(wav).st_mode & 0o044  # readable like any other output file


@needs_fluidsynth
def test_json_report_lists_every_output(bundle, tmp_path, capsys):
    mid, wav, png = tmp_path / "j.mid", tmp_path / "j.wav", tmp_path / "j.png"
    assert run(["generate", "--model", str(bundle), "--bars", "4", "--out", str(mid),
                "--wav", str(wav), "--png", str(png), "--json"]) == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert report["out"] == str(mid) and report["png"] == str(png)
    assert report["wav"]["path"] == str(wav) and report["wav"]["sample_rate"] == 44100
    assert report["wav"]["seconds"] >= report["duration_seconds"] - 0.05


def test_png_alone_shows_the_generated_chords(bundle, tmp_path, monkeypatch, capsys):
    drawn = {}
    real = pictures.piano_roll_png

    def spy(parts, path, **kwargs):
        drawn.update(parts=parts, **kwargs)
        return real(parts, path, **kwargs)

    monkeypatch.setattr(pictures, "piano_roll_png", spy)
    png = tmp_path / "p.png"
    assert run(["generate", "--model", str(bundle), "--chords", "Dm7 G7 | Cmaj7", "--out",
                str(tmp_path / "p.mid"), "--png", str(png)]) == 0  # fmt: skip
    assert png.read_bytes().startswith(PNG_MAGIC)
    # chords come from the generated bars, not from re-reading the file
    assert [s.chord.symbol for s in drawn["chords"]] == ["Dm7", "G7", "Cmaj7"]
    assert [p.name for p in drawn["parts"]] == ["Melody", "Chords", "Bass", "Drums"]


def test_trio_tracks_channels_ranges_and_levels(trio):
    midi = mido.MidiFile(trio)
    tracks = {t.name: t for t in midi.tracks[1:]}
    assert list(tracks) == ["Melody", "Chords", "Bass", "Drums"]
    assert {m.channel for m in _note_ons(tracks["Drums"])} == {9}  # channel 10
    assert all(m.channel != 9 for name in ("Melody", "Chords", "Bass")
               for m in _note_ons(tracks[name]))  # fmt: skip
    bass = [m.note for m in _note_ons(tracks["Bass"])]
    assert bass and all(28 <= p <= 55 for p in bass)  # E1..G3
    volumes = {
        name: next(m.value for m in t if m.type == "control_change" and m.control == 7)
        for name, t in tracks.items()
    }
    assert volumes["Melody"] == max(volumes.values())
    assert all(volumes["Melody"] > v for name, v in volumes.items() if name != "Melody")
    mean_velocity = {n: np.mean([m.velocity for m in _note_ons(t)]) for n, t in tracks.items()}
    loudest = {n: volumes[n] * mean_velocity[n] for n in tracks}  # CC7 x velocity
    assert max(loudest, key=loudest.get) == "Melody"


def test_count_in_puts_hi_hat_bars_before_the_solo(bundle, tmp_path, capsys):
    out = tmp_path / "c.mid"
    assert run(["generate", "--model", str(bundle), "--chords", "Cmaj7 | A7", "--count-in",
                "2", "--seed", "1", "--out", str(out), "--json"]) == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert report["count_in_bars"] == 2
    midi = mido.MidiFile(out)
    tpq = midi.ticks_per_beat
    first_onset = {}
    drums_before = []
    for track in midi.tracks[1:]:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                first_onset.setdefault(track.name, tick)
                if track.name == "Drums" and tick < 8 * tpq:
                    drums_before.append(msg.note)
    assert first_onset["Melody"] >= 8 * tpq and first_onset["Bass"] == 8 * tpq
    assert first_onset.get("Chords", 8 * tpq) >= 8 * tpq  # (it may lay out: output.arrange)
    assert drums_before == [44] * 8  # hi-hat on every beat of the two count-in bars
    assert midi.length == pytest.approx(4 * 4 * 0.5, abs=0.1)  # 2 + 2 bars at 120 qpm
    assert run(["generate", "--model", str(bundle), "--count-in", "1", "--backing", "chords",
                "--out", str(tmp_path / "x.mid")]) == 1  # fmt: skip
    assert "count-in needs --backing trio" in capsys.readouterr().err


def test_outputs_are_checked_before_generating(bundle, tmp_path, capsys, monkeypatch):
    mid, png = tmp_path / "o.mid", tmp_path / "o.png"
    png.write_bytes(b"old")
    called = []
    monkeypatch.setattr("jazzgen.generation.generate.generate", lambda *a, **k: called.append(1))
    assert run(["generate", "--model", str(bundle), "--out", str(mid), "--png", str(png)]) == 1
    assert capsys.readouterr().err.strip() == f"Error: {png} exists: pass --force to overwrite it"
    assert not mid.exists() and png.read_bytes() == b"old" and not called
    assert run(["generate", "--model", str(bundle), "--out", str(mid), "--wav", "x.mp3"]) == 1
    assert "--wav must end with .wav" in capsys.readouterr().err


def test_generate_without_fluidsynth_prints_the_hint_and_writes_nothing(
    bundle, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    mid, wav = tmp_path / "n.mid", tmp_path / "n.wav"
    code = run(["generate", "--model", str(bundle), "--out", str(mid), "--wav", str(wav)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith("Error: FluidSynth is not installed")
    assert "apt-get install fluidsynth" in err[0] and "brew install fluid-synth" in err[0]
    assert not mid.exists() and not wav.exists()  # checked before generating


def test_missing_soundfont_is_reported_before_generating(bundle, tmp_path, capsys):
    mid = tmp_path / "m.mid"
    code = run(["generate", "--model", str(bundle), "--out", str(mid), "--wav",
                str(tmp_path / "m.wav"), "--soundfont", str(tmp_path / "none.sf2")])  # fmt: skip
    assert code == 1 and "does not exist" in capsys.readouterr().err
    assert not mid.exists()


def test_matplotlib_is_imported_only_for_a_png(bundle, tmp_path):
    code = (
        "import sys, json; from jazzgen.cli import run; "
        f"code = run(['generate', '--model', {str(bundle)!r}, '--bars', '2', "
        f"'--out', {str(tmp_path / 'x.mid')!r}]); "
        "print(json.dumps([code, any(m.startswith('matplotlib') for m in sys.modules)]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [0, False]


@pytest.mark.skipif(MUSESCORE is None, reason="MuseScore 3 (mscore3/musescore3) not installed")
def test_musescore_imports_the_trio(trio, tmp_path):
    xml = tmp_path / "s.musicxml"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [MUSESCORE, "-o", str(xml), str(trio)], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert xml.is_file()
    text = xml.read_text(encoding="utf-8")
    parts = re.findall(r"<part-name>(.*?)</part-name>", text)
    for name in ("Melody", "Chords", "Bass", "Drums"):
        assert any(name in p for p in parts), parts
    notes = re.findall(r"<note[ >].*?</note>", text, re.S)
    # MuseScore splits notes at bar lines into tied notes: count the tie starts only once
    onsets = [n for n in notes if "<rest" not in n and '<tie type="stop"' not in n]
    expected = sum(len(_note_ons(t)) for t in mido.MidiFile(trio).tracks)
    assert 0.9 * expected <= len(onsets) <= 1.1 * expected
