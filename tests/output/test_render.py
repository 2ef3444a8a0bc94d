"""Tests of jazzgen.render (WAV via FluidSynth, piano roll and training-curve PNGs) and
`jazzgen render`. The FluidSynth test runs only where the program and a SoundFont exist
(CI installs `fluidsynth`, which pulls in a GM SoundFont)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import mido
import numpy as np
import pytest
from conftest import make_midi, note_track

from jazzgen.cli import run
from jazzgen.core.errors import RenderError
from jazzgen.io.scores import read_score
from jazzgen.output import audio, pictures
from jazzgen.training import history as training_history

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_midi(path: Path, *, qpm: float = 120.0, bars: int = 4, tpq: int = 480) -> Path:
    """A type 1 file: tempo/meter track, a sax melody (eighths), piano chords, hi-hat."""
    mid = mido.MidiFile(type=1, ticks_per_beat=tpq)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(qpm)))
    meta.append(mido.MetaMessage("time_signature", numerator=4, denominator=4))
    mid.tracks.append(meta)
    melody = mido.MidiTrack([mido.MetaMessage("track_name", name="Sax")])
    melody.append(mido.Message("program_change", program=65, channel=0))
    line = [62, 65, 69, 72, 71, 67, 65, 62]
    for _bar in range(bars):
        for pitch in line:
            melody.append(mido.Message("note_on", note=pitch, velocity=90, channel=0))
            melody.append(mido.Message("note_off", note=pitch, channel=0, time=tpq // 2))
    mid.tracks.append(melody)
    piano = mido.MidiTrack([mido.MetaMessage("track_name", name="Piano")])
    piano.append(mido.Message("program_change", program=0, channel=1))
    voicings = [(50, 53, 57, 60), (43, 47, 50, 53), (48, 52, 55, 59), (48, 52, 55, 59)]
    for bar in range(bars):
        chord = voicings[bar % 4]
        for pitch in chord:
            piano.append(mido.Message("note_on", note=pitch, velocity=60, channel=1))
        for i, pitch in enumerate(chord):
            piano.append(mido.Message("note_off", note=pitch, channel=1, time=4 * tpq * (i == 0)))
    mid.tracks.append(piano)
    drums = mido.MidiTrack([mido.MetaMessage("track_name", name="Drums")])
    for _beat in range(bars * 4):
        drums.append(mido.Message("note_on", note=42, velocity=70, channel=9))
        drums.append(mido.Message("note_off", note=42, channel=9, time=tpq))
    mid.tracks.append(drums)
    mid.save(path)
    return path


def _has_fluidsynth() -> bool:
    if shutil.which("fluidsynth") is None:
        return False
    try:
        audio.find_soundfont()
    except RenderError:
        return False
    return True


# --- WAV ----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not _has_fluidsynth(), reason="fluidsynth or a GM SoundFont not installed")
def test_render_wav_with_fluidsynth_honours_tempo(tmp_path):
    qpm, bars = 75.0, 6  # a non-default tempo: 24 beats = 19.2 s
    midi = write_midi(tmp_path / "slow.mid", qpm=qpm, bars=bars)
    info = audio.render_wav(midi, tmp_path / "slow.wav")
    expected_seconds = bars * 4 * 60.0 / qpm
    with wave.open(str(tmp_path / "slow.wav"), "rb") as wav:
        assert wav.getframerate() == 44100
        assert wav.getsampwidth() == 2
        seconds = wav.getnframes() / wav.getframerate()
    assert abs(seconds - expected_seconds) <= 1.5, (seconds, expected_seconds)
    assert info.seconds == pytest.approx(seconds)
    samples, _ = audio.read_wav(tmp_path / "slow.wav")
    peak = np.max(np.abs(samples))
    assert 0.85 < peak < 0.95  # normalised to -1 dBFS (0.891), never clipped
    assert np.mean(np.abs(samples) >= 32767 / 32768) == 0
    assert np.sqrt(np.mean(samples**2)) > 0.01  # not silent
    assert not list(tmp_path.glob(".render-*"))  # the temporary file was renamed away


def test_render_without_fluidsynth_prints_install_hint(tmp_path, monkeypatch, capsys):
    midi = write_midi(tmp_path / "a.mid")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    code = run(["render", str(midi), "--wav", str(tmp_path / "a.wav")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith("Error: ")
    assert "apt-get install fluidsynth" in err[0] and "brew install fluid-synth" in err[0]
    assert not (tmp_path / "a.wav").exists()


def test_missing_soundfont_says_what_to_install(tmp_path, monkeypatch, capsys):
    midi = write_midi(tmp_path / "a.mid")
    monkeypatch.setattr(audio.shutil, "which", lambda name: "/usr/bin/fluidsynth")
    monkeypatch.setattr(audio, "SOUNDFONT_DIRS", (str(tmp_path / "nowhere"),))
    monkeypatch.delenv(audio.SOUNDFONT_ENV, raising=False)
    code = run(["render", str(midi), "--wav", str(tmp_path / "a.wav")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "apt-get install fluid-soundfont-gm" in err[0] and "--soundfont" in err[0]


def test_soundfont_lookup_order(tmp_path, monkeypatch):
    folder = tmp_path / "sf2"
    folder.mkdir()
    (folder / "aaa.sf2").write_bytes(b"x")
    (folder / "TimGM6mb.sf2").write_bytes(b"x")
    monkeypatch.setattr(audio, "SOUNDFONT_DIRS", (str(folder),))
    monkeypatch.delenv(audio.SOUNDFONT_ENV, raising=False)
    assert audio.find_soundfont().name == "TimGM6mb.sf2"  # a known GM bank first
    monkeypatch.setenv(audio.SOUNDFONT_ENV, str(folder / "aaa.sf2"))
    assert audio.find_soundfont().name == "aaa.sf2"
    assert audio.find_soundfont(folder / "TimGM6mb.sf2").name == "TimGM6mb.sf2"
    with pytest.raises(RenderError, match="does not exist"):
        audio.find_soundfont(tmp_path / "missing.sf2")


def test_postprocess_trims_tail_pads_and_normalises():
    rate = 1000
    tone = 0.3 * np.sin(np.linspace(0, 200 * np.pi, 5 * rate))[:, None].repeat(2, axis=1)
    long_silence = np.vstack([tone, np.zeros((10 * rate, 2))])
    out = audio.postprocess_audio(long_silence, rate, 5.0, peak_dbfs=-1.0, tail_seconds=1.0)
    assert out.shape == (5 * rate, 2)  # trailing silence cut back to the MIDI length
    assert np.max(np.abs(out)) == pytest.approx(10 ** (-1 / 20), rel=1e-4)
    ringing = audio.postprocess_audio(
        np.vstack([tone, tone]), rate, 5.0, peak_dbfs=-1.0, tail_seconds=1.0
    )
    assert ringing.shape[0] == 6 * rate  # sound past the end kept only up to the tail
    assert abs(ringing[-1]).max() < 1e-3  # and faded out, no click
    short = audio.postprocess_audio(tone[: 2 * rate], rate, 5.0)
    assert short.shape[0] == 5 * rate  # padded to the MIDI length
    silent = audio.postprocess_audio(np.zeros((100, 2)), rate, 0.5)
    assert silent.shape[0] == 500 and not silent.any()


def test_wav_roundtrip_clips_instead_of_wrapping(tmp_path):
    samples = np.array([[0.0], [1.5], [-1.5], [0.5]], dtype=np.float32)
    audio.write_wav(tmp_path / "c.wav", samples, 8000)
    back, rate = audio.read_wav(tmp_path / "c.wav")
    assert rate == 8000
    assert back[1, 0] > 0.99 and back[2, 0] < -0.99 and back[3, 0] == pytest.approx(0.5, 1e-3)


# --- PNG ----------------------------------------------------------------------------------------


def test_piano_roll_png_from_score(tmp_path):
    from jazzgen.io.scores import read_score

    score = read_score(write_midi(tmp_path / "a.mid", qpm=100, bars=8))
    out = pictures.piano_roll_png(score, tmp_path / "roll.png")
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000


def test_piano_roll_png_from_parts_with_chords(tmp_path):
    from jazzgen.core.chord_symbols import parse_chord_symbol
    from jazzgen.core.types import ChordSpan, Note
    from jazzgen.io.midi_writer import Part

    melody = tuple(Note(60 + (i % 7), i * 0.5, i * 0.5 + 0.5) for i in range(32))
    comp = tuple(Note(p, b * 4.0, b * 4.0 + 4.0) for b in range(4) for p in (48, 52, 55))
    chords = [ChordSpan(parse_chord_symbol(s), i * 4.0, i * 4.0 + 4) for i, s in
              enumerate(["Cmaj7", "A7", "Dm7", "G7"])]  # fmt: skip
    parts = [Part("Melody", 65, 0, melody), Part("Chords", 0, 1, comp)]
    out = pictures.piano_roll_png(parts, tmp_path / "parts.png", chords=chords, title="test")
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_training_curves_png(tmp_path):
    history = tmp_path / "history.csv"
    rows = ["epoch,loss,val_loss,accuracy,val_accuracy"]
    rows += [f"{e},{3 / (e + 1):.4f},{3.2 / (e + 1) + 0.01 * e:.4f},{e / 20},{e / 25}"
             for e in range(20)]  # fmt: skip
    history.write_text("\n".join(rows) + "\n")
    out = pictures.training_curves_png(history, tmp_path / "curves.png")
    assert out.read_bytes().startswith(PNG_MAGIC) and out.stat().st_size > 10_000
    read = training_history.read_history(history)
    assert read.epoch_numbers()[:2] == [0.0, 1.0]  # as history.csv and metrics.json count
    val = read.column("val_loss")
    assert read.best_val_loss() == (float(val.index(min(val))), min(val))
    with pytest.raises(RenderError, match="loss"):
        bad = tmp_path / "bad.csv"
        bad.write_text("a,b\n1,2\n")
        pictures.training_curves_png(bad, tmp_path / "bad.png")


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_render_png_and_overwrite_rules(tmp_path, capsys):
    midi = write_midi(tmp_path / "a.mid")
    out = tmp_path / "a.png"
    assert run(["render", str(midi), "--png", str(out)]) == 0
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert run(["render", str(midi), "--png", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert run(["render", str(midi), "--png", str(out), "--force"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render", "{tmp}/a.mid"], "--wav"),
        (["render", "{tmp}/missing.mid", "--png", "{tmp}/x.png"], "missing.mid: file not found"),
        (["render", "{tmp}/notmidi.mid", "--png", "{tmp}/x.png"], "notmidi.mid"),
    ],
)
def test_cli_render_bad_input(tmp_path, capsys, args, message):
    write_midi(tmp_path / "a.mid")
    (tmp_path / "notmidi.mid").write_bytes(b"this is not a MIDI file")
    code = run([a.format(tmp=tmp_path) for a in args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith("Error: ") and message in err[0]
    assert not (tmp_path / "x.png").exists()


@pytest.mark.slow
def test_help_does_not_import_matplotlib():
    code = (
        "import sys, json; from jazzgen.cli import run; run(['--help']); run(['render', '-h']);"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('matplotlib'))))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_long_piece_wraps_into_rows_and_chord_labels_do_not_collide(tmp_path):
    from jazzgen.core.types import Note
    from jazzgen.io.midi_writer import Part

    melody = tuple(Note(60 + (i % 12), i * 1.0, i + 1.0) for i in range(4 * 40))
    short = pictures.piano_roll_png([Part("Melody", 65, 0, melody[:32])], tmp_path / "s.png")
    long = pictures.piano_roll_png([Part("Melody", 65, 0, melody)], tmp_path / "l.png")
    import matplotlib.image

    assert matplotlib.image.imread(short).shape[0] < matplotlib.image.imread(long).shape[0]
    labels = [(i * 1.0, "Cmaj7") for i in range(8)]  # a chord change every beat
    shown = pictures._label_positions(labels, bar_beats=4.0, inches_per_bar=0.75)
    assert 0 < len(shown) < len(labels)
    assert np.diff([x for x, _ in shown]).min() >= 0.5


def test_curves_mark_the_best_epoch_as_metrics_json_does(tmp_path: Path) -> None:
    """The curve's "best @ epoch N" is metrics.json's best_epoch (from 0), the first of
    equal losses; the title names the bundle, not its .partial work folder."""
    run_dir = tmp_path / "mine.partial"
    run_dir.mkdir()
    history = run_dir / "history.csv"
    losses = [1.0, 0.8, 0.5, 0.5, 0.7]
    history.write_text(
        "epoch,loss,val_loss\n" + "".join(f"{e},{1.0},{v}\n" for e, v in enumerate(losses))
    )
    best = training_history.read_history(history).best_val_loss()
    assert best == (2.0, 0.5)
    assert pictures.best_epoch_label(*best) == "best 0.500 @ epoch 2"
    assert pictures.curves_title(history) == "training curves (mine)"


def test_render_png_of_a_solo_with_an_empty_melody(tmp_path: Path, caplog) -> None:
    """The Chords track is not drawn (or read) as the melody."""
    path = tmp_path / "solo.mid"
    tracks = [
        note_track([], name="Melody", program=66, channel=0),
        note_track([(60, 0.0, 2.0), (64, 0.0, 2.0), (67, 2.0, 2.0)], name="Chords",
                   program=0, channel=1),
    ]  # fmt: skip
    path.write_bytes(make_midi(tracks))
    parts, _ = pictures._parts_from_score(read_score(path), None)
    assert [(p.name, p.is_melody) for p in parts] == [("Chords", False)]
    assert run(["render", str(path), "--png", str(tmp_path / "s.png")]) == 0
    assert "the melody track 0 'Melody' has no notes" in caplog.text
