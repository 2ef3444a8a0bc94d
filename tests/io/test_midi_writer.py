"""The MIDI writer: clean type 1 files that mido, pretty_midi and music21 read alike."""

from __future__ import annotations

import io
import itertools
from collections import defaultdict

import mido
import numpy as np
import pytest

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import ConfigError
from jazzgen.core.types import Bar, ChordSpan, Note, TimeSignature
from jazzgen.io.charts import parse_progression
from jazzgen.io.midi_writer import Part, build_midi, key_name, midi_bytes, swing_beat, write_midi
from jazzgen.output.arrange import (
    arrange,
    bass_notes,
    comp_notes,
    drum_notes,
    rootless_pitch_classes,
)

TS = TimeSignature(4, 4)


def bars_of(text: str) -> list[Bar]:
    bars = []
    for i, chords in enumerate(parse_progression(text)):
        step = 4.0 / len(chords)
        spans = tuple(
            ChordSpan(c, 4.0 * i + k * step, 4.0 * i + (k + 1) * step) for k, c in enumerate(chords)
        )
        bars.append(Bar(i, i + 1, 4.0 * i, TS, spans))
    return bars


MELODY = (
    Note(60, 0.0, 0.5, 90),
    Note(62, 0.5, 1.0, 80),
    Note(64, 1.0, 1.0 + 1 / 3, 100),
    Note(65, 1 + 1 / 3, 1 + 2 / 3, 70),
    Note(67, 1 + 2 / 3, 2.0, 90),
    Note(67, 2.0, 3.0, 90),
    Note(72, 3.0, 4.75, 90),
)


def parts() -> list[Part]:
    bars = bars_of("Dm7 G7 | Cmaj7 | A7 | Dm7")
    return [
        Part("Melody", 66, 0, MELODY),
        *arrange(bars, backing="trio", rng=np.random.default_rng(0)),
    ]


def note_spans(midi: mido.MidiFile) -> list[tuple[int, int, int, int]]:
    """(channel, pitch, on tick, off tick) of every note, checking each on has an off."""
    spans = []
    for track in midi.tracks:
        now = 0
        active: dict[tuple[int, int], int] = {}
        for msg in track:
            now += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                key = (msg.channel, msg.note)
                assert key not in active, f"overlapping same-pitch notes {key} at {now}"
                active[key] = now
            elif msg.type == "note_off" or (msg.type == "note_on" and msg.velocity == 0):
                key = (msg.channel, msg.note)
                start = active.pop(key)
                assert now > start, "zero-length note"
                spans.append((msg.channel, msg.note, start, now))
        assert not active, "note-on without note-off"
        assert track[-1].type == "end_of_track"
    return sorted(spans)


def test_file_layout_meta_events_and_clean_notes():
    data = midi_bytes(parts(), qpm=140, time_signature=TS, key_fifths=-2, seed=3)
    midi = mido.MidiFile(file=io.BytesIO(data))
    assert midi.type == 1 and midi.ticks_per_beat == 480
    names = [t.name for t in midi.tracks]
    assert names == ["jazzgen", "Melody", "Chords", "Bass", "Drums"]
    conductor = {m.type: m for m in midi.tracks[0] if m.is_meta}
    assert all(m.time == 0 for m in midi.tracks[0])
    assert conductor["set_tempo"].tempo == mido.bpm2tempo(140)
    assert (conductor["time_signature"].numerator, conductor["time_signature"].denominator) == (
        4,
        4,
    )
    assert conductor["key_signature"].key == "Bb"
    programs = {m.channel: m.program for t in midi.tracks for m in t if m.type == "program_change"}
    assert programs == {0: 66, 1: 0, 2: 32, 9: 0}
    spans = note_spans(midi)
    melody = [(p, a, b) for ch, p, a, b in spans if ch == 0]
    assert [(p, a) for p, a, _ in melody] == sorted(
        (n.pitch, round(n.start_beat * 480)) for n in MELODY
    )
    velocities = [m.velocity for m in midi.tracks[1] if m.type == "note_on"]
    assert len(set(velocities)) > 1 and all(1 <= v <= 127 for v in velocities)
    assert data == midi_bytes(parts(), qpm=140, time_signature=TS, key_fifths=-2, seed=3)
    assert data != midi_bytes(parts(), qpm=140, time_signature=TS, key_fifths=-2, seed=4)


def test_overlapping_and_zero_length_notes_are_cleaned():
    notes = (Note(60, 0.0, 2.0), Note(60, 1.0, 1.5), Note(62, 2.0, 2.0), Note(64, 3.0, 3.0001))
    midi = build_midi([Part("Melody", 0, 0, notes)], qpm=120, velocity_jitter=0)
    assert note_spans(midi) == [
        (0, 60, 0, 480),
        (0, 60, 480, 720),
        (0, 62, 960, 961),
        (0, 64, 1440, 1441),
    ]


def test_same_notes_in_mido_pretty_midi_and_music21(tmp_path):
    pretty_midi = pytest.importorskip("pretty_midi")
    from music21 import converter

    path = tmp_path / "out.mid"
    write_midi(path, parts()[:2], qpm=120, time_signature=TS, key_fifths=0)
    spans = note_spans(mido.MidiFile(path))
    expected = sorted((p, round(a / 480 * 0.5, 4), round(b / 480 * 0.5, 4)) for _, p, a, b in spans)
    pm = pretty_midi.PrettyMIDI(str(path))
    got = sorted(
        (n.pitch, round(n.start, 4), round(n.end, 4)) for i in pm.instruments for n in i.notes
    )
    assert got == expected
    assert [i.name for i in pm.instruments] == ["Melody", "Chords"]
    score = converter.parse(str(path), quantizePost=False)
    m21 = []
    for note in score.recurse().notes:
        if note.tie is not None and note.tie.type in ("stop", "continue"):
            continue  # music21 splits notes at bar lines into tied notes
        for pitch in note.pitches:
            start = float(note.getOffsetInHierarchy(score)) * 0.5
            m21.append((pitch.midi, round(start, 3)))
    assert sorted(m21) == sorted((p, round(a, 3)) for p, a, _ in expected)


def test_swing_moves_straight_offbeats_and_keeps_order():
    assert swing_beat(0.5, 0.6) == pytest.approx(0.6)
    assert swing_beat(3.5, 2 / 3) == pytest.approx(3 + 2 / 3)
    assert swing_beat(2.0, 0.6) == 2.0 and swing_beat(1.0, 0.7) == 1.0
    assert swing_beat(1 + 2 / 3, 0.6) == pytest.approx(1 + 2 / 3)  # triplets stay put
    assert swing_beat(2.25, 0.6) == 2.25
    # On the 1/6-beat grid of eighth lines and triplets, order is kept.
    xs = [i / 6 for i in range(25)]
    ys = [swing_beat(x, 0.65) for x in xs]
    assert all(a < b for a, b in itertools.pairwise(ys))
    midi = build_midi([Part("Melody", 0, 0, MELODY[:2])], qpm=120, swing=0.6)
    assert [a for _, _, a, _ in note_spans(midi)] == [0, 288]


def test_validation_messages():
    with pytest.raises(ConfigError, match="channel"):
        Part("x", 0, 16, ())
    with pytest.raises(ConfigError, match="own MIDI channel"):
        build_midi([Part("a", 0, 0, ()), Part("b", 0, 0, ())], qpm=120)
    with pytest.raises(ConfigError, match="swing"):
        build_midi([], qpm=120, swing=0.9)
    with pytest.raises(ConfigError, match="power of 2"):
        build_midi([], qpm=120, time_signature=TimeSignature(4, 3))
    assert key_name(-3) == "Eb" and key_name(6) == "F#"


# --- arrange -------------------------------------------------------------------------------


def test_comping_is_rootless_syncopated_and_voice_led():
    bars = bars_of("Dm7 | G7 | Cmaj7 | Cmaj7 | Dm7 G7 | Cmaj7")
    notes = comp_notes(bars, np.random.default_rng(1))
    by_onset = defaultdict(list)
    for n in notes:
        by_onset[n.start_beat].append(n)
        assert 50 <= n.pitch <= 76 and n.end_beat > n.start_beat
    assert any(abs(o % 1) > 0.1 for o in by_onset)  # off-beat hits, not only whole notes
    assert max(n.end_beat - n.start_beat for n in notes) < 4.0
    for onset, chord_notes in by_onset.items():
        bar = next(b for b in bars if b.start_beat <= onset < b.end_beat)
        chord = bar.chord_at(onset)
        pcs = {n.pitch % 12 for n in chord_notes}
        assert pcs == set(rootless_pitch_classes(chord))
        assert chord.root not in pcs
    assert rootless_pitch_classes(parse_chord_symbol("G7")) == [11, 5, 9, 2]


def test_walking_bass_and_drums():
    bars = bars_of("Dm7 | G7 | Cmaj7 | A7")
    bass = bass_notes(bars, np.random.default_rng(0))
    assert [n.start_beat for n in bass] == [float(b) for b in range(16)]
    assert [bass[i].pitch % 12 for i in (0, 4, 8, 12)] == [2, 7, 0, 9]  # roots on beat 1
    assert bass[3].pitch % 12 in (6, 8)  # chromatic approach to G
    assert all(28 <= n.pitch <= 52 for n in bass)
    assert all(a.pitch != b.pitch for a, b in itertools.pairwise(bass))
    drums = drum_notes(bars, np.random.default_rng(0))
    rides = [n.start_beat for n in drums if n.pitch == 51]
    assert rides[:4] == [0.0, 1.0, 1.0 + 2 / 3, 2.0]
    assert [n.start_beat for n in drums if n.pitch == 44][:2] == [1.0, 3.0]
    assert arrange(bars, backing="none", rng=np.random.default_rng(0)) == []
    assert [p.name for p in arrange(bars, backing="chords", rng=np.random.default_rng(0))] == [
        "Chords"
    ]
    with pytest.raises(ConfigError, match="backing"):
        arrange(bars, backing="big band", rng=np.random.default_rng(0))


def test_chords_only_backing_puts_the_root_under_the_voicing():
    from jazzgen.output.arrange import spans_of

    bars = bars_of("Dm7 G7 | Cmaj7 | F7")
    (part,) = arrange(bars, backing="chords", rng=np.random.default_rng(2))
    for span in spans_of(bars):
        at_start = [n for n in part.notes if n.start_beat == span.start_beat]
        during = [n for n in part.notes if span.start_beat <= n.start_beat < span.end_beat]
        lowest = min(at_start, key=lambda n: n.pitch)
        assert lowest.pitch % 12 == span.chord.root
        assert all(n.pitch >= lowest.pitch for n in during)
    trio = arrange(bars, backing="trio", rng=np.random.default_rng(2))
    assert all(n.pitch >= 50 for n in trio[0].notes)  # the bass has the roots: rootless
    assert trio[0].volume < trio[1].volume  # comping under the bass; the melody is above both


def test_count_in_needs_room_and_the_trio():
    bars = bars_of("Cmaj7 | A7")
    with pytest.raises(ConfigError, match="no room"):
        arrange(bars, backing="trio", rng=np.random.default_rng(0), count_in_bars=1)
    with pytest.raises(ConfigError, match="count-in"):
        arrange(bars, backing="chords", rng=np.random.default_rng(0), count_in_bars=1)
    from jazzgen.output.arrange import count_in_notes

    hits = count_in_notes(2, 3.0)
    assert [n.start_beat for n in hits] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert hits[0].velocity > hits[1].velocity  # beat 1 accented
