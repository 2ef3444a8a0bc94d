"""Where the changes come from (--chords-file, iReal Pro links, --tune) and the seed of a
run (a fresh one without --seed, printed so the solo can be made again).

These run the bundled model with the numpy engine: no TensorFlow.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import mido
import pytest
from ireal_links import irealb_link

from jazzgen.cli import run
from jazzgen.core.errors import ChordSymbolError, ConfigError, InputFileError
from jazzgen.core.types import TimeSignature
from jazzgen.generation.generate import GenerateOptions, default_model_dir
from jazzgen.generation.progression import plan_from_chart_file, plan_from_chords
from jazzgen.io.ireal import read_ireal

if not (default_model_dir() / "weights.npz").is_file():
    pytest.skip("models/default has no weights.npz", allow_module_level=True)

FOUR_FOUR = TimeSignature(4, 4)


def _plan_symbols(plan) -> list[list[tuple[str, float]]]:
    return [[(chord.symbol, offset) for chord, offset in bar] for bar in plan.progression]


def test_plan_from_an_ireal_tune_has_its_meter_tempo_key_and_beats() -> None:
    link = irealb_link(("Waltz", "Bb", "T34Bb^7  |G-7 C7 |n  |F7 W/A Z"), bpm=180)
    plan = plan_from_chords(link, FOUR_FOUR)  # the tune's meter wins over the bundle's
    assert plan.time_signature == TimeSignature(3, 4)
    assert (plan.qpm, plan.key_fifths, plan.source) == (180.0, -2, "ireal Waltz")
    assert _plan_symbols(plan) == [
        [("Bbmaj7", 0.0)],
        [("Gm7", 0.0), ("C7", 2.0)],  # 4 cells in 3/4: split evenly, on beats
        [("C7", 0.0)],  # N.C. continues the chord before it
        [("F7", 0.0), ("F7/A", 2.0)],
    ]


def test_ireal_bar_whose_first_chord_comes_late_starts_with_the_chord_before() -> None:
    plan = plan_from_chords(irealb_link(("T", "C", "T44C^7 |  G7 Z")), FOUR_FOUR)
    assert _plan_symbols(plan) == [[("Cmaj7", 0.0)], [("Cmaj7", 0.0), ("G7", 2.0)]]


def test_chart_file_and_ireal_file(tmp_path: Path) -> None:
    chart = tmp_path / "blues.txt"
    chart.write_text("# F blues\nF7 | Bb7 | F7 | %\n\nBb7 | Bdim7 | F7 | D7\n", encoding="utf-8")
    plan = plan_from_chart_file(chart, FOUR_FOUR)
    assert len(plan.progression) == 8 and plan.source == f"chart {chart}"
    html = tmp_path / "set.html"
    link = irealb_link(("One", "C", "T44C^7 |D-7 Z"), ("Two", "F", "T44F^7 |G-7 C7 Z"))
    html.write_text(f'<a href="{link}">Set</a>', encoding="utf-8")
    assert plan_from_chart_file(html, FOUR_FOUR, tune="Two").source == "ireal Two"
    with pytest.raises(ChordSymbolError, match="holds 2 tunes"):
        plan_from_chart_file(html, FOUR_FOUR)
    with pytest.raises(ConfigError, match="--tune picks a tune of an iReal Pro link"):
        plan_from_chart_file(chart, FOUR_FOUR, tune="Two")
    with pytest.raises(InputFileError, match="file not found"):
        plan_from_chart_file(tmp_path / "none.txt", FOUR_FOUR)


def test_one_source_of_changes() -> None:
    with pytest.raises(ConfigError, match="give one of --chords, --chords-file, --leadsheet"):
        GenerateOptions(chords="C7", chords_file="x.txt")
    with pytest.raises(ConfigError, match="--tune picks a tune"):
        GenerateOptions(tune="2")


def test_cli_generate_over_an_ireal_playlist(tmp_path: Path, capsys) -> None:
    link = irealb_link(
        ("Autumn", "G-", "[T44*AA-7XyQ|D7XyQ|G^7XyQ|C^7XyQ|Bh7 E7b9 |A-7XyQZ"),
        ("Blue", "C-", "[T44C-7XyQ|F-7XyQZ"),
        bpm=150,
    )
    out = tmp_path / "a.mid"
    argv = ["generate", "--chords", link, "--tune", "Autumn", "--seed", "4", "--out", str(out)]
    assert run([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["progression_source"] == "ireal Autumn"
    assert report["bars"] == 6 and report["qpm"] == 150.0 and report["key"] == "Bb"
    assert report["progression"][4] == ["Bm7b5", "E7b9"]
    assert run(["generate", "--chords", link, "--tune", "Misty", "--out", str(out), "--force"]) == 1
    assert "no tune 'Misty' in the iReal link; its tunes: 1 Autumn, 2 Blue" in (
        capsys.readouterr().err
    )


def test_cli_chords_file(tmp_path: Path, capsys) -> None:
    chart = tmp_path / "c.txt"
    chart.write_text("Dm7 G7 | Cmaj7  # ii V I\n", encoding="utf-8")
    out = tmp_path / "c.mid"
    assert run(["generate", "--chords-file", str(chart), "--seed", "1", "--out", str(out)]) == 0
    assert "2 bars" in capsys.readouterr().out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_without_seed_each_run_is_fresh_and_says_its_seed(tmp_path: Path, capsys) -> None:
    outs, seeds = [], []
    for name in ("a.mid", "b.mid", "c.mid"):
        out = tmp_path / name
        assert run(["generate", "--bars", "4", "--out", str(out)]) == 0
        last = capsys.readouterr().out.strip().splitlines()[-1]
        assert last.startswith("seed ") and last.endswith("to get this solo again")
        seed = int(last.split()[1])
        assert last == f"seed {seed} - pass --seed {seed} to get this solo again"
        outs.append(out)
        seeds.append(seed)
    assert len(set(seeds)) > 1 and len({_sha(p) for p in outs}) > 1
    again = tmp_path / "again.mid"
    assert run(["generate", "--bars", "4", "--seed", str(seeds[0]), "--out", str(again)]) == 0
    assert "pass --seed" not in capsys.readouterr().out  # a given seed is not repeated back
    assert _sha(again) == _sha(outs[0])


def test_seed_in_json(tmp_path: Path, capsys) -> None:
    assert run(["generate", "--bars", "2", "--json", "--out", str(tmp_path / "j.mid")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["random_seed"] is True and 0 <= report["seed"] < 100_000
    argv = ["generate", "--bars", "2", "--json", "--seed", "7", "--out", str(tmp_path / "k.mid")]
    assert run(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["random_seed"] is False and report["seed"] == 7


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    paths = [tmp_path / "x.mid", tmp_path / "y.mid"]
    for path in paths:
        assert run(["generate", "--bars", "4", "--seed", "11", "--out", str(path)]) == 0
    assert _sha(paths[0]) == _sha(paths[1])
    assert len(mido.MidiFile(paths[0]).tracks) == 5


def test_ireal_tunes_read_by_read_ireal_feed_the_plan() -> None:
    (tune,) = read_ireal(irealb_link(("T", "C", "T44C^7XyQKclLZD-7 G7 Z")))
    assert len(tune.bars) == 3


def test_changes_of_a_wjazzd_solo(tmp_path: Path, capsys) -> None:
    from wjazzd_db import make_wjazzd, tiny_solos

    db = make_wjazzd(tmp_path / "tiny.db", tiny_solos())
    out = tmp_path / "w.mid"
    argv = ["generate", "--leadsheet", str(db), "--solo", "1", "--seed", "2", "--json"]
    assert run([*argv, "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["progression_source"] == f"leadsheet {db} solo 1"
    assert report["qpm"] == 150.0 and report["time_signature"] == "4/4"
    assert report["progression"][:4] == [["F7"], ["Bb7"], ["F7"], ["Cm7", "F7"]]
    assert report["progression"][5] == ["Bdim7"]
    assert run(["generate", "--leadsheet", str(db), "--out", str(out), "--force"]) == 1
    assert (
        "is a Weimar Jazz Database: pick a solo with --solo MELID (`jazzgen inspect"
        in capsys.readouterr().err
    )
    assert (
        run(["generate", "--leadsheet", str(db), "--solo", "99", "--out", str(out), "--force"]) == 1
    )
    assert f"no solo with melid 99 (`jazzgen inspect {db}` lists the solos" in (
        capsys.readouterr().err
    )
    midi = tmp_path / "sheet.mid"
    midi.write_bytes(out.read_bytes())
    argv = ["generate", "--leadsheet", str(midi), "--solo", "1", "--out", str(out), "--force"]
    assert run(argv) == 1
    assert f"--solo picks a solo of a WJazzD database, and {midi} is not one" in (
        capsys.readouterr().err
    )
    assert run(["generate", "--solo", "1", "--out", str(out), "--force"]) == 1
    assert "--solo picks a solo of a WJazzD database given to --leadsheet" in (
        capsys.readouterr().err
    )


def test_a_wjazzd_solo_is_played_on_its_instrument(tmp_path: Path, capsys) -> None:
    """Over a WJazzD solo's changes the melody takes the solo's instrument (its GM
    program and range) unless --melody-program says otherwise."""
    from wjazzd_db import make_wjazzd, tiny_solos

    db = make_wjazzd(tmp_path / "tiny.db", tiny_solos())
    out = tmp_path / "t.mid"
    base = ["generate", "--leadsheet", str(db), "--seed", "2", "--json", "--force", "--out"]
    programs = {}
    for solo, extra in (("3", []), ("1", []), ("3", ["--melody-program", "66"])):
        assert run([*base, str(out), "--solo", solo, *extra]) == 0
        report = json.loads(capsys.readouterr().out)
        melody = next(t for t in mido.MidiFile(out).tracks if t.name == "Melody")
        program = next(m.program for m in melody if m.type == "program_change")
        assert program == report["melody_program"]
        programs[(solo, *extra)] = (program, report["pitch_range"])
    assert programs[("3",)] == (56, [55, 82])  # Chet Baker, trumpet
    assert programs[("1",)] == (65, [53, 79])  # Art Pepper, alto sax
    assert programs[("3", "--melody-program", "66")] == (66, [48, 74])


def test_changes_of_a_real_wjazzd_solo(wjazzd_path: Path, tmp_path: Path, capsys) -> None:
    argv = ["generate", "--leadsheet", str(wjazzd_path), "--solo", "52", "--seed", "1"]
    assert run([*argv, "--json", "--out", str(tmp_path / "r.mid")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["bars"] > 8 and report["progression_source"].endswith("solo 52")
