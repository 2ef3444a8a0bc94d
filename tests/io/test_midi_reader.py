"""The MIDI reader: formats, timing, running status, drums, and bad files."""

from __future__ import annotations

import contextlib
import struct
from pathlib import Path

import pytest
from conftest import make_midi, note_track, scale_melody

from jazzgen.core.errors import InputFileError
from jazzgen.io.midi_reader import parse_midi_bytes
from jazzgen.io.scores import read_score

MELODY = [(60, 0, 1), (62, 1, 1), (64, 2, 2)]


@pytest.mark.parametrize("tpq", [96, 480])
@pytest.mark.parametrize("fmt", [0, 1])
def test_type_0_and_1_any_tpq(tpq: int, fmt: int) -> None:
    data = make_midi(
        [
            note_track(MELODY, name="Sax", program=65, channel=0),
            note_track([(48, 0, 4)], name="Bass", program=32, channel=1),
            note_track([(36, 0, 0.5)], name="Drums", program=0, channel=9),
        ],
        tpq=tpq,
        fmt=fmt,
    )
    score = parse_midi_bytes(data, "x.mid")
    assert score.ticks_per_quarter == tpq
    assert [t.channel for t in score.tracks] == [0, 1, 9]
    assert [t.program for t in score.tracks] == [65, 32, 0]
    assert [t.is_drum for t in score.tracks] == [False, False, True]
    melody = score.tracks[0]
    assert [(n.pitch, n.start_beat, n.end_beat) for n in melody.notes] == [
        (60, 0.0, 1.0),
        (62, 1.0, 2.0),
        (64, 2.0, 4.0),
    ]
    assert melody.notes[1].start == pytest.approx(0.5)  # 120 qpm
    if fmt == 1:
        assert [t.name for t in score.tracks] == ["Sax", "Bass", "Drums"]
    assert score.length_beats == 4.0


def test_tempo_change_seconds() -> None:
    data = make_midi(
        [note_track([(60, 0, 1), (62, 4, 1), (64, 6, 2)])],
        tempo=[(0, 120.0), (4, 60.0)],
        tpq=96,
    )
    score = parse_midi_bytes(data)
    assert [t.qpm for t in score.tempos] == pytest.approx([120.0, 60.0])
    starts = [n.start for n in score.tracks[0].notes]
    # 4 beats at 120 = 2 s; then 1 s per beat.
    assert starts == pytest.approx([0.0, 2.0, 4.0])
    assert score.tracks[0].notes[-1].end == pytest.approx(6.0)


def test_time_signature_change() -> None:
    data = make_midi([note_track(MELODY)], time_sig=[(0, 4, 4), (8, 3, 4), (14, 6, 8)])
    score = parse_midi_bytes(data)
    assert [(str(ts), ts.start_beat) for ts in score.time_signatures] == [
        ("4/4", 0.0),
        ("3/4", 8.0),
        ("6/8", 14.0),
    ]


def _raw_smf(track_body: bytes, tpq: int = 96) -> bytes:
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq)
    return header + b"MTrk" + struct.pack(">I", len(track_body)) + track_body


def test_running_status_and_velocity_zero_note_off() -> None:
    body = bytes(
        [
            0x00, 0xC0, 26,  # program change: guitar
            0x00, 0x90, 60, 100,  # note on C4
            0x60, 60, 0,  # running status: C4 velocity 0 = note off after 96 ticks
            0x00, 64, 90,  # running status: E4 on
            0x60, 64, 0,  # E4 off
            0x00, 0xFF, 0x2F, 0x00,
        ]
    )  # fmt: skip
    score = parse_midi_bytes(_raw_smf(body))
    notes = score.tracks[0].notes
    assert [(n.pitch, n.start_beat, n.end_beat, n.velocity) for n in notes] == [
        (60, 0.0, 1.0, 100),
        (64, 1.0, 2.0, 90),
    ]
    assert score.tracks[0].program == 26


def test_overlapping_same_pitch_notes_pair_first_in_first_out() -> None:
    body = bytes(
        [
            0x00, 0x90, 60, 100,
            0x30, 0x90, 60, 100,  # second C4 while the first sounds
            0x30, 0x80, 60, 0,
            0x30, 0x80, 60, 0,
            0x00, 0xFF, 0x2F, 0x00,
        ]
    )  # fmt: skip
    notes = parse_midi_bytes(_raw_smf(body)).tracks[0].notes
    assert [(n.start_beat, n.end_beat) for n in notes] == [(0.0, 1.0), (0.5, 1.5)]


def test_type_0_split_per_channel() -> None:
    data = make_midi(
        [
            note_track(MELODY, name="Song", program=0, channel=0),
            note_track([(40, 0, 4)], program=33, channel=1),
        ],
        fmt=0,
    )
    score = parse_midi_bytes(data)
    assert [(t.index, t.channel, t.program) for t in score.tracks] == [(0, 0, 0), (1, 1, 33)]
    assert all("ch" in t.name for t in score.tracks)


def test_read_score_from_file(tmp_path: Path) -> None:
    path = tmp_path / "tune.MID"
    path.write_bytes(make_midi([note_track(scale_melody(2))], tpq=96))
    score = read_score(path)
    assert score.path == str(path)
    assert len(score.tracks[0].notes) == 16


# --- bad files ---------------------------------------------------------------------------------


def _reason(path: Path) -> str:
    with pytest.raises(InputFileError) as info:
        read_score(path)
    assert "\n" not in info.value.reason
    return info.value.reason


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in _reason(tmp_path / "nope.mid")


def test_text_renamed_mid(tmp_path: Path) -> None:
    path = tmp_path / "notes.mid"
    path.write_text("this is not music\n")
    assert "not a MIDI file" in _reason(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mid"
    path.write_bytes(b"")
    assert "empty" in _reason(path)


def test_truncated_file(tmp_path: Path) -> None:
    data = make_midi([note_track(scale_melody(4))])
    for cut in (10, 30, len(data) // 2, len(data) - 3):
        path = tmp_path / f"cut{cut}.mid"
        path.write_bytes(data[:cut])
        reason = _reason(path)
        assert "truncated" in reason or "corrupt" in reason


def test_smpte_division(tmp_path: Path) -> None:
    data = bytearray(make_midi([note_track(MELODY)]))
    data[12:14] = struct.pack(">bB", -25, 40)  # 25 fps, 40 ticks per frame
    path = tmp_path / "smpte.mid"
    path.write_bytes(bytes(data))
    assert "SMPTE" in _reason(path)


def test_absurd_tempo(tmp_path: Path) -> None:
    path = tmp_path / "fast.mid"
    path.write_bytes(make_midi([note_track(MELODY)], tempo=5000.0))
    assert "absurd tempo" in _reason(path)


def test_no_notes(tmp_path: Path) -> None:
    path = tmp_path / "silent.mid"
    path.write_bytes(make_midi([note_track([])]))
    assert "no notes" in _reason(path)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "song.wav"
    path.write_bytes(b"RIFF")
    assert "unsupported" in _reason(path)


def test_garbage_never_raises_raw_exceptions() -> None:
    import random

    rng = random.Random(0)
    data = make_midi([note_track(scale_melody(2)), note_track([(40, 0, 4)], channel=1)])
    for _ in range(300):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(14, len(mutated))] = rng.randrange(256)
        with contextlib.suppress(InputFileError):
            parse_midi_bytes(bytes(mutated), "fuzz.mid")


def test_musicxml_lead_sheet(tmp_path: Path) -> None:
    music21 = pytest.importorskip("music21")
    from music21 import harmony, meter, note, stream, tempo

    part = stream.Part()
    for bar, symbol in enumerate(["Dm7", "G7", "Cmaj7", "Cmaj7"]):
        measure = stream.Measure(number=bar + 1)
        if bar == 0:
            measure.insert(0, meter.TimeSignature("4/4"))
            measure.insert(0, tempo.MetronomeMark(number=100))
        measure.insert(0, harmony.ChordSymbol(symbol))
        for i in range(4):
            measure.insert(i, note.Note(62 + 2 * i, quarterLength=1))
        part.append(measure)
    path = tmp_path / "lead.musicxml"
    stream.Score([part]).write("musicxml", fp=str(path))
    score = read_score(path)
    assert score.qpm == pytest.approx(100.0)
    assert str(score.time_signatures[0]) == "4/4"
    assert [c.chord.symbol for c in score.chords] == ["Dm7", "G7", "Cmaj7", "Cmaj7"]
    assert [c.start_beat for c in score.chords] == [0.0, 4.0, 8.0, 12.0]
    assert len(score.tracks[0].notes) == 16
    assert music21 is not None


def test_metheny_matches_symusic_and_mido(metheny_path: Path) -> None:
    """Cross-check the reader against symusic (notes) and mido (channels, programs)."""
    symusic = pytest.importorskip("symusic")
    import mido

    score = read_score(metheny_path)
    reference = symusic.Score(str(metheny_path), ttype="tick")
    assert len(score.tracks) == len(reference.tracks) == 19
    tpq = score.ticks_per_quarter
    for ours, theirs in zip(score.tracks, reference.tracks, strict=True):
        assert (ours.name, ours.program, ours.is_drum) == (
            theirs.name,
            theirs.program,
            theirs.is_drum,
        )
        mine = sorted(
            (round(n.start_beat * tpq), round(n.end_beat * tpq), n.pitch) for n in ours.notes
        )
        ref = sorted((n.time, n.time + n.duration, n.pitch) for n in theirs.notes)
        assert mine == ref, ours.name
    channels = {}
    for track in mido.MidiFile(metheny_path).tracks:
        names = [m.name for m in track if m.type == "track_name"]
        notes = {m.channel for m in track if m.type == "note_on"}
        if names and len(notes) == 1:
            channels[names[0]] = notes.pop()
    assert {t.name: t.channel for t in score.tracks} == channels
    guitar = score.tracks[5]
    assert (guitar.name, guitar.channel + 1, guitar.program) == ("Guitar", 6, 26)
    assert score.qpm == pytest.approx(112.0, abs=0.01)


def test_format_2_is_refused_with_a_reason() -> None:
    data = bytearray(make_midi([note_track(scale_melody())]))
    data[8:10] = struct.pack(">H", 2)  # the header's format field
    with pytest.raises(InputFileError, match="format 2"):
        parse_midi_bytes(bytes(data), "t2.mid")
