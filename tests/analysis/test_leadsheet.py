"""Lead-sheet extraction: melody choice, monophony, bars, chords."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import block_chords, make_midi, note_track, scale_melody

from jazzgen.analysis.leadsheet import extract_leadsheet
from jazzgen.analysis.melody import monophonic
from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import InputFileError
from jazzgen.core.types import Note
from jazzgen.io.midi_reader import parse_midi_bytes
from jazzgen.io.scores import read_score
from jazzgen.tokens.encode import encode_melody

# Dm7 G7 Cmaj7 Cmaj7 voiced with the root in the bass.
II_V_I = [[38, 53, 57, 60, 65], [43, 53, 59, 62, 65], [36, 52, 55, 59, 64], [36, 52, 55, 59, 64]]


def _score(tracks, **kwargs):
    return parse_midi_bytes(make_midi(tracks, **kwargs), "test.mid")


def _bar_sums_ok(leadsheet) -> bool:
    encoded = encode_melody(leadsheet.melody, leadsheet.bars)
    return all(
        sum(t.duration for t in enc.tokens) == bar.steps
        for bar, enc in zip(leadsheet.bars, encoded, strict=True)
    )


def test_metheny_melody_is_guitar(metheny_path: Path) -> None:
    leadsheet = extract_leadsheet(read_score(metheny_path))
    assert leadsheet.melody_name == "Guitar"
    assert leadsheet.melody_track == 5
    assert "guitar" in leadsheet.reason
    assert leadsheet.chord_source == "accompaniment"
    assert _bar_sums_ok(leadsheet)


def test_metheny_course_window(metheny_path: Path) -> None:
    leadsheet = extract_leadsheet(read_score(metheny_path), start_bar=120, end_bar=137)
    assert [b.number for b in leadsheet.bars] == list(range(120, 138))
    assert leadsheet.bars[0].start_beat == 476.0
    assert leadsheet.bars[-1].end_beat == 548.0
    assert all(476.0 <= n.start_beat < 548.0 for n in leadsheet.melody)
    assert _bar_sums_ok(leadsheet)


def test_melody_choice_ignores_drums_bass_and_piano() -> None:
    score = _score(
        [
            note_track(block_chords(II_V_I), name="Piano", program=0, channel=0),
            note_track([(36, i, 0.5) for i in range(16)], name="Kick", program=0, channel=9),
            note_track([(36 + i % 5, i, 1) for i in range(16)], name="Bass", program=32, channel=2),
            note_track(scale_melody(4), name="Tenor", program=66, channel=1),
        ]
    )
    leadsheet = extract_leadsheet(score)
    assert leadsheet.melody_name == "Tenor"
    assert "reed" in leadsheet.reason


def test_melody_track_override_and_errors() -> None:
    score = _score(
        [
            note_track(scale_melody(2), name="Sax"),
            note_track(scale_melody(2, start_pitch=79), name="Flute", channel=1, program=73),
        ]
    )
    assert extract_leadsheet(score, melody_track="flute").melody_name == "Flute"
    assert extract_leadsheet(score, melody_track=0).melody_name == "Sax"
    assert extract_leadsheet(score, melody_track="1").melody_name == "Flute"
    with pytest.raises(InputFileError, match="available tracks: 0 'Sax', 1 'Flute'"):
        extract_leadsheet(score, melody_track="Piano")
    with pytest.raises(InputFileError, match="no track 7"):
        extract_leadsheet(score, melody_track=7)


def test_drums_only_is_rejected() -> None:
    score = _score([note_track([(36, i, 0.5) for i in range(8)], name="Drums", channel=9)])
    with pytest.raises(InputFileError, match="no melodic track"):
        extract_leadsheet(score)


def test_monophonic_keeps_top_note_and_cuts_at_next_onset() -> None:
    notes = [
        Note(60, 0.0, 1.0),
        Note(64, 0.0, 1.0),  # double stop with 60: 64 is kept
        Note(67, 0.5, 2.0),  # cuts 64 at 0.5
        Note(55, 1.0, 1.5),  # a lower onset still takes over (cuts 67 at 1.0)
    ]
    line, dropped = monophonic(notes)
    assert dropped == 1
    assert [(n.pitch, n.start_beat, n.end_beat) for n in line] == [
        (64, 0.0, 0.5),
        (67, 0.5, 1.0),
        (55, 1.0, 1.5),
    ]


def test_template_matching_recovers_ii_v_i() -> None:
    score = _score(
        [
            note_track(block_chords(II_V_I), name="Piano", program=0, channel=1),
            note_track(scale_melody(4), name="Sax"),
        ]
    )
    leadsheet = extract_leadsheet(score)
    assert leadsheet.chord_source == "accompaniment"
    symbols = [[s.chord.symbol for s in bar.chords] for bar in leadsheet.bars]
    assert symbols == [["Dm7"], ["G7"], ["Cmaj7"], ["Cmaj7"]]
    for bar in leadsheet.bars:
        assert bar.chords[0].start_beat == bar.start_beat


def test_two_chords_per_bar_and_silent_spans_inherit() -> None:
    # Dm7 on beats 1-2, G7 on beats 3-4 of bar 1; bar 2 silent accompaniment; bar 3 Cmaj7.
    piano = block_chords([II_V_I[0], II_V_I[1]], beats=2.0) + block_chords([II_V_I[2]], start=8.0)
    score = _score(
        [
            note_track(piano, name="Piano", program=0, channel=1),
            note_track(scale_melody(3), name="Sax"),
        ]
    )
    leadsheet = extract_leadsheet(score)
    symbols = [[(s.chord.symbol, s.start_beat) for s in bar.chords] for bar in leadsheet.bars]
    assert symbols == [[("Dm7", 0.0), ("G7", 2.0)], [("G7", 4.0)], [("Cmaj7", 8.0)]]


def test_melody_only_infers_chords_per_bar() -> None:
    # Arpeggios outlining C major then F major then G7.
    arps = [(60, 64, 67, 72), (65, 69, 72, 77), (67, 71, 74, 77)]
    notes = [(p, bar * 4 + i, 1) for bar, pitches in enumerate(arps) for i, p in enumerate(pitches)]
    leadsheet = extract_leadsheet(_score([note_track(notes, name="Lead")]))
    assert leadsheet.chord_source == "melody"
    assert [bar.chords[0].chord for bar in leadsheet.bars] == [
        parse_chord_symbol(s) for s in ("C", "F", "G7")
    ]
    assert all(len(bar.chords) == 1 for bar in leadsheet.bars)
    assert _bar_sums_ok(leadsheet)


def test_bars_with_time_signature_change() -> None:
    notes = [(60 + i % 5, i * 1.0, 1.0) for i in range(4 + 3 + 3 + 4)]
    score = _score([note_track(notes)], time_sig=[(0, 4, 4), (4, 3, 4), (10, 4, 4)])
    leadsheet = extract_leadsheet(score)
    assert [(b.number, b.start_beat, str(b.time_signature)) for b in leadsheet.bars] == [
        (1, 0.0, "4/4"),
        (2, 4.0, "3/4"),
        (3, 7.0, "3/4"),
        (4, 10.0, "4/4"),
    ]
    assert _bar_sums_ok(leadsheet)


def test_start_end_bar_and_range_errors() -> None:
    score = _score([note_track(scale_melody(8))])
    leadsheet = extract_leadsheet(score, start_bar=3, end_bar=5)
    assert [b.number for b in leadsheet.bars] == [3, 4, 5]
    assert [b.index for b in leadsheet.bars] == [0, 1, 2]
    assert leadsheet.melody[0].start_beat == 8.0
    assert leadsheet.melody[-1].start_beat < 20.0
    with pytest.raises(InputFileError, match=r"--start-bar must be in 1\.\.8"):
        extract_leadsheet(score, start_bar=9)
    with pytest.raises(InputFileError, match=r"--end-bar \(4\) is before the first bar used \(5\)"):
        extract_leadsheet(score, start_bar=5, end_bar=4)


def test_leadsheet_chord_symbols_are_used(tmp_path: Path) -> None:
    pytest.importorskip("music21")
    abc = 'X:1\nT:t\nM:4/4\nL:1/4\nQ:1/4=140\nK:C\n"Dm7"D F A c|"G7"B d "C"c e|"C"c4|]\n'
    path = tmp_path / "tune.abc"
    path.write_text(abc)
    leadsheet = extract_leadsheet(read_score(path))
    assert leadsheet.chord_source == "leadsheet"
    assert leadsheet.qpm == pytest.approx(140.0)
    symbols = [[(s.chord.symbol, s.start_beat) for s in bar.chords] for bar in leadsheet.bars]
    assert symbols == [[("Dm7", 0.0)], [("G7", 4.0), ("C", 6.0)], [("C", 8.0)]]
    assert _bar_sums_ok(leadsheet)


def test_invariants_on_random_files() -> None:
    """Every bar has chords starting at the bar start, tokens fill every bar exactly."""
    import random

    rng = random.Random(1)
    for case in range(40):
        length = rng.randint(4, 40)
        melody = [
            (rng.randint(55, 84), rng.randint(0, length * 12) / 12, rng.randint(1, 24) / 12)
            for _ in range(rng.randint(1, 80))
        ]
        tracks = [note_track(melody, name="Lead", program=rng.choice([0, 26, 65, 73]))]
        if case % 2:
            comp = [
                (rng.randint(36, 72), rng.randint(0, length * 2) / 2, rng.choice([0.5, 1, 2, 4]))
                for _ in range(rng.randint(1, 60))
            ]
            tracks.append(note_track(comp, name="Piano", program=0, channel=1))
        if case % 3 == 0:
            tracks.append(note_track([(42, i / 2, 0.1) for i in range(16)], channel=9))
        sigs = [(0, 4, 4)] if case % 4 else [(0, 3, 4), (rng.randint(1, 20), 5, 8)]
        score = _score(
            tracks,
            tpq=rng.choice([96, 120, 480]),
            fmt=case % 2,
            time_sig=sigs,
            tempo=[(0, 100.0), (rng.randint(1, 30), 150.0)],
        )
        for kwargs in ({}, {"chord_span_beats": 1.0}, {"start_bar": 1, "end_bar": 2}):
            leadsheet = extract_leadsheet(score, **kwargs)
            assert leadsheet.melody_name.startswith("Lead")
            for bar in leadsheet.bars:
                assert bar.chords and bar.chords[0].start_beat == bar.start_beat
                assert all(s.start_beat < s.end_beat <= bar.end_beat + 1e-9 for s in bar.chords)
            assert _bar_sums_ok(leadsheet)
            starts = [n.start_beat for n in leadsheet.melody]
            assert starts == sorted(starts)
            assert all(
                a.end_beat <= b.start_beat + 1e-9
                for a, b in zip(leadsheet.melody, leadsheet.melody[1:], strict=False)
            )


DATA = Path(__file__).resolve().parents[2] / "data"
CORPUS = sorted(p.stem for p in (DATA / "midi").glob("*.mid") if (DATA / f"{p.stem}.abc").is_file())


def _plain(bars):
    """`bars` with every chord reduced to its basic quality (G7b9 -> G7), the qualities
    chord inference knows: the corpus' MIDI comping was rendered from those."""
    from dataclasses import replace

    from jazzgen.core.harmony import Chord

    def plain(span):
        chord = span.chord
        return replace(span, chord=Chord(chord.root, chord.quality.basic, chord.bass))

    return [replace(bar, chords=tuple(plain(s) for s in bar.chords)) for bar in bars]


@pytest.mark.parametrize("name", CORPUS or ["blues_bb_01"])
def test_template_matching_agrees_with_lead_sheet_symbols(name: str) -> None:
    """The repo's corpus has each tune as ABC (chord symbols) and MIDI (comping track).

    The symbols keep their alterations (G7b9), which inference from MIDI never finds: the
    two agree on the basic qualities.
    """
    pytest.importorskip("music21")
    abc, midi = DATA / f"{name}.abc", DATA / "midi" / f"{name}.mid"
    if not (abc.is_file() and midi.is_file()):
        pytest.skip(f"corpus files not found: {abc}, {midi}")
    from_symbols = extract_leadsheet(read_score(abc))
    from_comping = extract_leadsheet(read_score(midi))
    assert from_symbols.chord_source == "leadsheet"
    assert from_comping.chord_source == "accompaniment"

    def chords(bars):
        return [[(s.chord, s.start_beat) for s in bar.chords] for bar in bars]

    assert chords(from_comping.bars) == chords(_plain(from_symbols.bars))
    assert encode_melody(from_comping.melody, from_comping.bars) == encode_melody(
        from_symbols.melody, _plain(from_symbols.bars)
    )


def test_lead_sheet_symbols_keep_alterations_and_basses(tmp_path: Path) -> None:
    """ABC chord symbols go through our parser: G7b9 stays G7b9, F/A keeps its bass, a
    flat root (music21's 'B-') is Bb; N.C. adds no chord."""
    pytest.importorskip("music21")
    abc = (
        'X:1\nT:t\nM:4/4\nL:1/4\nQ:1/4=120\nK:F\n"Bbmaj7"B4|"G7b9"B2 "F/A"A2|'
        '"C7(b9)"c4|"N.C."c4|"Ebm7b5"c4|]\n'
    )
    path = tmp_path / "tune.abc"
    path.write_text(abc)
    symbols = [(s.chord.symbol, s.start_beat) for s in read_score(path).chords]
    assert symbols == [
        ("Bbmaj7", 0.0),
        ("G7b9", 4.0),
        ("F/A", 6.0),
        ("C7b9", 8.0),
        ("Ebm7b5", 16.0),
    ]


def test_music21_symbols_our_parser_cannot_read_use_their_pitches() -> None:
    harmony = pytest.importorskip("music21.harmony")
    from jazzgen.core.harmony import Chord, ChordQuality
    from jazzgen.io.leadsheet_reader import _chord_of

    assert _chord_of(harmony.ChordSymbol("B-/D")) == Chord(10, ChordQuality.MAJOR, 2)
    assert _chord_of(harmony.ChordSymbol(root="E-", kind="half-diminished")).symbol == "Ebm7b5"
    # MusicXML degrees: music21 writes figures such as 'C7 add b9', read by pitch classes
    ninth = harmony.ChordSymbol(root="C", kind="dominant-seventh")
    ninth.addChordStepModification(harmony.ChordStepModification("add", 9, -1))
    assert ninth.figure == "C7 add b9"
    assert _chord_of(ninth) == Chord(0, ChordQuality.DOMINANT7_FLAT9)
    fifth = harmony.ChordSymbol(root="C", kind="minor-seventh")
    fifth.addChordStepModification(harmony.ChordStepModification("alter", 5, -1))
    assert _chord_of(fifth) == Chord(0, ChordQuality.HALF_DIMINISHED)


# Progressions of `scripts/bench_chords.py`: ii-V's inside bars, rootless voicings whose
# pitch classes are another chord (Cmaj7 = Em7, Dm7 = Fmaj7, F7 = Am7b5), dim7 symmetry.
ARRANGED = (
    "Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7 | Am7b5 D7 | Gm7 | C7 | Fmaj7",
    "F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | Am7b5 D7 | Gm7 | C7 | F7 D7 | Gm7 C7",
)


def _arranged(progression: str, backing: str, seed: int):
    """(bars, Score) of a file like `jazzgen generate` writes: a melody over the backing."""
    import numpy as np

    from jazzgen.core.types import TimeSignature
    from jazzgen.generation.progression import make_bars, split_bar
    from jazzgen.io.charts import parse_progression
    from jazzgen.io.midi_writer import Part, midi_bytes
    from jazzgen.output.arrange import arrange

    prog = [split_bar(chords, 4.0) for chords in parse_progression(progression)]
    bars = make_bars(prog, TimeSignature(4, 4), len(prog))
    melody = tuple(Note(67 + (i * 5) % 12, i * 0.5, i * 0.5 + 0.45) for i in range(8 * len(bars)))
    parts = [Part("Melody", 66, 0, melody)]
    parts += arrange(bars, backing=backing, rng=np.random.default_rng(seed))
    return bars, parse_midi_bytes(midi_bytes(parts, qpm=120.0, seed=seed), "arranged.mid")


def _recovered(expected_bars, found_bars) -> tuple[int, int]:
    found = [s for bar in found_bars for s in bar.chords]
    hits = total = 0
    for bar in expected_bars:
        for span in bar.chords:
            total += 1
            over = [
                f for f in found if f.end_beat > span.start_beat and f.start_beat < span.end_beat
            ]
            hits += bool(over) and all(f.chord == span.chord for f in over)
    return hits, total


@pytest.mark.parametrize("backing", ["trio", "chords"])
def test_own_trio_and_comping_give_back_their_chords(backing: str) -> None:
    """Rootless comping over a walking bass (trio), or with the piano's left-hand roots
    (chords only): re-extraction finds the chords the backing was made from."""
    hits = total = 0
    for progression in ARRANGED:
        for seed in range(3):
            bars, score = _arranged(progression, backing, seed)
            sheet = extract_leadsheet(score)
            assert sheet.melody_name == "Melody" and sheet.chord_source == "accompaniment"
            h, t = _recovered(bars, sheet.bars)
            hits, total = hits + h, total + t
    assert hits / total >= 0.9, f"{hits}/{total} chord spans recovered"
    bars, score = _arranged(ARRANGED[0], backing, 0)
    symbols = [[s.chord.symbol for s in bar.chords] for bar in extract_leadsheet(score).bars]
    assert symbols[:2] == [["Dm7", "G7"], ["Cmaj7"]]  # not "Abaug G7", not Em7


def test_bass_root_decides_between_chords_of_equal_pitch_classes() -> None:
    """E G B D over C in the bass is Cmaj7; alone it is Em7."""
    import numpy as np

    from jazzgen.analysis.chord_inference import match_chords

    hist = np.zeros((1, 12))
    hist[0, [4, 7, 11, 2]] = 1.0
    assert match_chords(hist, np.array([128]))[0].symbol == "Em7"
    hist[0, 0] = 0.25  # the bass note, lightly weighted
    assert match_chords(hist, np.array([36]))[0].symbol == "Cmaj7"


def test_solo_piano_left_hand_gives_the_chords() -> None:
    left_hand = block_chords([pitches[:4] for pitches in II_V_I])
    right_hand = [(n[0] + 12, n[1], n[2]) for n in scale_melody(4)]
    score = _score([note_track(left_hand + right_hand, name="Piano", program=0)])
    leadsheet = extract_leadsheet(score)
    assert leadsheet.chord_source == "accompaniment"
    assert [bar.chords[0].chord.symbol for bar in leadsheet.bars] == ["Dm7", "G7", "Cmaj7", "Cmaj7"]
    assert leadsheet.notes_dropped == 16
    assert all(n.pitch >= 72 for n in leadsheet.melody)


def test_tempo_of_a_later_section_is_the_tempo_in_force_there() -> None:
    data = make_midi([note_track(scale_melody(8))], tempo=[(0.0, 100.0), (16.0, 160.0)])
    score = parse_midi_bytes(data, "tempi.mid")
    assert extract_leadsheet(score).qpm == pytest.approx(100.0)
    assert extract_leadsheet(score, start_bar=5, end_bar=8).qpm == pytest.approx(160.0)
