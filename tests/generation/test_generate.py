"""`jazzgen generate`: library entry and CLI (in-process through jazzgen.cli.run)."""

from __future__ import annotations

import io
import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest
from conftest import block_chords, make_midi, note_track, scale_melody
from tiny_bundle import make_bundle

from jazzgen.cli import run
from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import BundleError, ConfigError
from jazzgen.core.types import TimeSignature
from jazzgen.generation import generate as generate_module
from jazzgen.generation.generate import GenerateOptions, generate
from jazzgen.generation.progression import guess_key_fifths, make_bars, split_bar
from jazzgen.io.charts import parse_progression

pytestmark = pytest.mark.slow  # builds a tiny Keras bundle once (imports TensorFlow)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("gen") / "bundle", cell="lstm", layers=2)


def cli(*args: str) -> int:
    return run(["generate", *args])


def test_cli_writes_a_solo_and_reports_it(bundle, tmp_path, capsys):
    out = tmp_path / "solo.mid"
    code = cli("--model", str(bundle), "--chords", "Dm7 G7 | Cmaj7 | Cmaj7 | A7", "--bars", "8",
               "--candidates", "3", "--seed", "5", "--out", str(out))  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert f"wrote {out}: 8 bars" in text and "16.0 s at 120 qpm" in text
    assert "post-processor:" in text
    midi = mido.MidiFile(out)
    assert [t.name for t in midi.tracks] == ["jazzgen", "Melody", "Chords", "Bass", "Drums"]
    assert midi.length == pytest.approx(16.0, abs=0.6)
    # never overwrite without --force
    assert cli("--model", str(bundle), "--out", str(out)) == 1
    assert capsys.readouterr().err.strip() == f"Error: {out} exists: pass --force to overwrite it"
    assert cli("--model", str(bundle), "--out", str(out), "--force", "--backing", "none") == 0
    assert [t.name for t in mido.MidiFile(out).tracks] == ["jazzgen", "Melody"]


def test_cli_json_report(bundle, tmp_path, capsys):
    out = tmp_path / "j.mid"
    assert cli("--model", str(bundle), "--chords", "Bbmaj7 | Gm7 C7 | Fmaj7", "--bars", "6",
               "--json", "--out", str(out), "--tempo", "150", "--candidates", "4") == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert report["out"] == str(out)
    assert report["bars"] == 6 and report["qpm"] == 150 and report["key"] == "F"
    assert report["progression"] == [["Bbmaj7"], ["Gm7", "C7"], ["Fmaj7"]] * 2
    assert len(report["scores"]) == 4 and 0 <= report["chosen"] < 4
    assert len(report["edits"]) == sum(report["edit_counts"].values())
    assert report["duration_seconds"] == pytest.approx(6 * 4 * 60 / 150)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chords", "H7 | X"], "Error: cannot parse chord symbol 'H7'"),
        (["--model", "/nonexistent/bundle"], "Error: /nonexistent/bundle: folder not found"),
        (["--frobnicate"], "Error: No such option: --frobnicate"),
        (
            ["--temperature", "-1"],
            "Error: --temperature must be 0 (greedy) or in range 0.05..5, got -1.0",
        ),
        (["--range", "60-65"], "Error: --range must lie in 0..127"),
        (["--engine", "torch"], "Error: --engine must be one of numpy, keras, got 'torch'"),
        (["--out", "x.wav"], "Error: --out must end with .mid or .midi"),
    ],
)
def test_cli_errors(bundle, tmp_path, capsys, args, message):
    full = ["--model", str(bundle), "--out", str(tmp_path / "e.mid"), *args]
    assert cli(*full) == 1
    err = capsys.readouterr().err
    assert err.startswith(message), err
    assert "Traceback" not in err


def test_mismatched_bundle_is_a_clear_error(bundle, tmp_path, capsys):
    bad = tmp_path / "bad"
    shutil.copytree(bundle, bad)
    config = json.loads((bad / "config.json").read_text())
    config["n_values"] += 1
    (bad / "config.json").write_text(json.dumps(config))
    assert cli("--model", str(bad), "--out", str(tmp_path / "x.mid")) == 1
    assert "n_values" in capsys.readouterr().err


def test_missing_default_model(monkeypatch, tmp_path):
    monkeypatch.setattr(generate_module, "default_model_dir", lambda: tmp_path / "nope")
    with pytest.raises(BundleError, match="no default model"):
        generate(GenerateOptions())


def test_same_seed_same_bytes_in_two_processes(bundle, tmp_path):
    outputs = []
    for name in ("a.mid", "b.mid"):
        out = tmp_path / name
        cmd = [sys.executable, "-m", "jazzgen", "generate", "--model", str(bundle), "--bars",
               "8", "--candidates", "3", "--seed", "11", "--out", str(out)]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    other = generate(GenerateOptions(model=bundle, bars=8, candidates=3, seed=12))
    assert other.midi != outputs[0]


def test_keras_engine_gives_the_same_file(bundle):
    options = dict(model=bundle, chords="Dm7 G7 | Cmaj7", bars=4, temperature=0.0, candidates=2)
    a = generate(GenerateOptions(engine="numpy", **options))
    b = generate(GenerateOptions(engine="keras", **options))
    assert a.midi == b.midi


def test_solo_fits_bars_and_obeys_the_post_processor(bundle):
    result = generate(GenerateOptions(model=bundle, bars=12, seed=3, candidates=2, max_leap=7))
    assert len(result.bars) == 12
    notes = result.notes
    low, high = result.report["pitch_range"]
    for a, b in itertools.pairwise(notes):
        assert a.end_beat <= b.start_beat + 1e-9
        assert abs(a.pitch - b.pitch) <= 7
    for n in notes:
        assert low <= n.pitch <= high
        bar = next(b for b in result.bars if b.start_beat <= n.start_beat < b.end_beat)
        assert n.end_beat <= bar.end_beat + 1e-9
    runs = [len(list(g)) for _, g in itertools.groupby(n.pitch for n in notes)]
    assert max(runs) <= 2
    raw = generate(GenerateOptions(model=bundle, bars=12, seed=3, candidates=2, postprocess=False))
    assert raw.edits == () and raw.report["edit_counts"] == {}


def test_leadsheet_input_sets_meter_tempo_and_chords(bundle, tmp_path):
    # 3/4 at 100 qpm: melody + block chords Dm7 | G7 | Cmaj7 | Cmaj7 (one per bar)
    chords = block_chords([[50, 53, 57, 60], [43, 47, 50, 53], [48, 52, 55, 59], [48, 52, 55, 59]],
                          beats=3.0)  # fmt: skip
    melody = [(62 + (i % 5), i * 1.0, 0.9) for i in range(12)]
    data = make_midi(
        [note_track(melody), note_track(chords, name="Piano", program=0, channel=1)],
        tempo=100.0, time_sig=(3, 4),
    )  # fmt: skip
    path = tmp_path / "sheet.mid"
    path.write_bytes(data)
    result = generate(GenerateOptions(model=bundle, leadsheet=path, bars=6, seed=1))
    assert result.report["time_signature"] == "3/4" and result.qpm == 100.0
    assert all(b.steps == 36 for b in result.bars)
    assert result.report["progression"][0] == ["Dm7"] and result.report["progression"][2] == [
        "Cmaj7"
    ]
    midi = mido.MidiFile(file=io.BytesIO(result.midi))
    sig = next(m for m in midi.tracks[0] if m.type == "time_signature")
    assert (sig.numerator, sig.denominator) == (3, 4)


def test_primer_is_kept_at_the_start(bundle, tmp_path):
    path = tmp_path / "primer.mid"
    primer_notes = scale_melody(2)
    path.write_bytes(make_midi([note_track(primer_notes)]))
    result = generate(GenerateOptions(model=bundle, primer=path, chords="Cmaj7 | A7", bars=4))
    assert result.report["primer_bars"] == 2 and result.report["bars"] == 6
    head = [n for n in result.notes if n.start_beat < 8.0]
    assert [n.pitch for n in head] == [p for p, *_ in primer_notes]
    assert min(n.start_beat for n in result.notes if n.start_beat >= 8.0) >= 8.0
    # A primer in another meter than the solo's is refused, not mis-barred.
    waltz = tmp_path / "waltz.mid"
    waltz.write_bytes(make_midi([note_track([(62, i * 1.0, 0.9) for i in range(6)])],
                                time_sig=(3, 4)))  # fmt: skip
    with pytest.raises(ConfigError, match=r"primer .* is in 3/4 but the solo is in 4/4"):
        generate(GenerateOptions(model=bundle, primer=waltz, chords="Cmaj7 | A7", bars=4))


def test_progression_helpers():
    c, g = parse_chord_symbol("C"), parse_chord_symbol("G7")
    assert split_bar([c, g], 4.0) == [(c, 0.0), (g, 2.0)]
    assert [o for _, o in split_bar([c, g, c], 4.0)] == [0.0, 1.0, 3.0]
    assert [o for _, o in split_bar([c, g], 3.0)] == [0.0, 2.0]
    prog = [split_bar(b, 4.0) for b in parse_progression("Dm7 G7 | Cmaj7 | A7")]
    bars = make_bars(prog, TimeSignature(4, 4), 5)
    symbols = [b.chords[0].chord.symbol for b in bars]
    assert symbols == ["Dm7", "Cmaj7", "A7", "Dm7", "Cmaj7"]
    assert bars[0].chord_at(2.0) == g
    assert guess_key_fifths(make_bars([split_bar([parse_chord_symbol("Ebmaj7")], 4.0)],
                                      TimeSignature(4, 4), 1)) == -3  # fmt: skip
    with pytest.raises(ConfigError, match="give one of --chords, --chords-file, --leadsheet"):
        GenerateOptions(chords="C", leadsheet="x.mid")


@pytest.mark.parametrize(
    ("text", "fifths"),
    [
        ("F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bdim7 | F7 | Am7 D7 | Gm7 | C7 | F7 D7 | Gm7 C7", -1),
        ("Cm7 | Fm7 | Cm7 | Cm7 | Fm7 | Fm7 | Cm7 | Cm7 | Abmaj7 | G7 | Cm7 | G7", -3),
        ("Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7", 0),
        ("Am7b5 D7 | Gm7 | Am7b5 D7 | Gm7", -2),
    ],
)
def test_key_signature_guess_follows_the_home_chord(text: str, fifths: int) -> None:
    prog = [split_bar(b, 4.0) for b in parse_progression(text)]
    assert guess_key_fifths(make_bars(prog, TimeSignature(4, 4), len(prog))) == fifths


def _both_engines(path, tmp_path, with_primer: bool, candidates: int):
    """The options (over four bars of changes, after a two-bar primer when asked) and what
    the numpy engine generates, after checking that the Keras engine writes the same file."""
    primer = None
    if with_primer:
        primer = tmp_path / "primer.mid"
        primer.write_bytes(make_midi([note_track(scale_melody(2))]))
    options = GenerateOptions(model=path, chords="Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7", bars=6,
                              candidates=candidates, seed=4, primer=primer)  # fmt: skip
    a = generate(options)
    b = generate(GenerateOptions(**{**options.__dict__, "engine": "keras"}))
    assert a.midi == b.midi
    return options, a


@pytest.mark.parametrize("with_primer", [False, True])
def test_context_bundle_generates_the_same_file_with_both_engines(tmp_path, with_primer):
    """A model with the context input is fed it over any changes, after a primer too
    (both engines alike)."""
    path = make_bundle(tmp_path / "ctx", cell="lstm", layers=1, context_input=True,
                       notes_per_bar=2.0)  # fmt: skip
    _, a = _both_engines(path, tmp_path, with_primer, candidates=3)
    assert a.report["score_rule"] == "beat_excess"
    assert a.report["training_notes_per_bar"] == 2.0
    assert a.report["bars"] == 6 + 2 * with_primer


@pytest.mark.parametrize("with_primer", [False, True])
def test_pitch_bundle_generates_the_same_file_with_both_engines(tmp_path, with_primer):
    """A model with the pitch input realizes its notes as it decodes, after a primer too,
    through resampling rounds (a density no solo reaches), both engines alike."""
    path = make_bundle(tmp_path / "pitch", cell="lstm", layers=1, context_input=True,
                       pitch_input=True, notes_per_bar=1000.0)  # fmt: skip
    options, a = _both_engines(path, tmp_path, with_primer, candidates=2)
    assert a.report["rounds"] == generate_module.RESAMPLE_ROUNDS + 1
    assert len(a.report["scores"]) == 2 * a.report["rounds"]
    low, high = options.melody_range
    assert a.notes and all(low <= n.pitch <= high for n in a.notes)


def test_degenerate_solos_are_resampled_then_warned_about(tmp_path, capsys):
    # a recorded density no solo reaches: every candidate is degenerate
    path = make_bundle(tmp_path / "busy", cell="gru", layers=1, notes_per_bar=1000.0)
    out = tmp_path / "d.mid"
    assert cli("--model", str(path), "--chords", "C7", "--bars", "2", "--candidates", "2",
               "--out", str(out), "--json") == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    rounds = generate_module.RESAMPLE_ROUNDS + 1
    assert report["rounds"] == rounds and len(report["scores"]) == 2 * rounds
    assert all(s["degenerate"] for s in report["scores"])
    assert len(report["warnings"]) == 1 and "the solo is" in report["warnings"][0]
    assert cli("--model", str(path), "--chords", "C7", "--bars", "2", "--out", str(out),
               "--force") == 0  # fmt: skip
    text = capsys.readouterr().out
    assert (
        f"{rounds} rounds (degenerate solos resampled)" in text and "\nwarning: the solo is" in text
    )


def test_primer_pitch_rows_hold_the_pitch_before_each_next_token(tmp_path):
    """Row k of a primer's pitch input = the last pitch of tokens 0..k over the chord at
    token k+1's onset (what the model is fed while it warms up on the primer)."""
    from jazzgen.core.pitch_context import NONE_OFFSET, pitch_features, previous_pitches
    from jazzgen.generation.bar_fit import VocabTables
    from jazzgen.generation.primer import read_primer
    from jazzgen.training.bundle import load_bundle

    bundle = load_bundle(make_bundle(tmp_path / "b", cell="lstm", layers=1))
    path = tmp_path / "primer.mid"
    path.write_bytes(make_midi([note_track(scale_melody(2))]))
    primer = read_primer(path, VocabTables.of(bundle.vocab), bundle.vocab)
    rows = primer.pitch_rows(centre=64.0)
    assert rows.shape == (len(primer.ids), 21)
    assert len(primer.pitches) == len(primer.onsets) == len(primer.ids)
    roots = [primer.bars[b].chord_at(primer.bars[b].start_beat + s / 12).root
             for b, s in primer.onsets]  # fmt: skip
    prev = previous_pitches(primer.pitches)
    for k in range(len(primer.ids) - 1):
        want = pitch_features(prev[k + 1 : k + 2], np.array(roots[k + 1 : k + 2]), 64.0)
        np.testing.assert_array_equal(rows[k], want[0])
    played = [p for p in primer.pitches if p is not None]
    assert played and rows[-1, NONE_OFFSET] == 0
    assert rows[-1, (played[-1] - roots[-1]) % 12] == 1
