"""Tests of articulation and dynamics (jazzgen.performance.articulation): learned from a
synthetic corpus with known ratios and accents, applied to notes, saved and loaded; and a
bundle with realizer.json / performance.json plays them, while --uniform-realizer --legato
give the bundle's course output byte for byte."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import BundleError
from jazzgen.core.harmony import NoteType
from jazzgen.core.types import Bar, ChordSpan, Note, TimeSignature
from jazzgen.corpus.store import Piece, PieceBar
from jazzgen.performance.articulation import (
    DEFAULT_ACCENTS,
    PerformanceModel,
    fit_performance,
    load_performance,
    save_performance,
)
from jazzgen.performance.examples import note_events
from jazzgen.performance.realizer import N_ONE_HOT, LearnedRealizer, save_realizer
from jazzgen.tokens.grammar import Token

TS = TimeSignature(4, 4)
ROOT = Path(__file__).resolve().parents[2]
EIGHTH, QUARTER = 6, 12  # grid steps
BEFORE_NOTE, BEFORE_REST = 0.6, 0.9  # the corpus's sounding length / duration
ON_BEAT, OFF_BEAT = 100, 80  # its velocities


def _bar(rng: np.random.Generator, *, velocities: bool) -> PieceBar:
    """Six eighth notes then a quarter rest; notes on a beat played harder."""
    tokens = [Token(NoteType.CHORD, EIGHTH, (-1, 5)) for _ in range(6)]
    tokens.append(Token(NoteType.REST, QUARTER))
    ratios = [BEFORE_NOTE] * 5 + [BEFORE_REST]
    noisy = [round(float(r + rng.uniform(-0.05, 0.05)), 3) for r in ratios]
    loud = [ON_BEAT if k % 2 == 0 else OFF_BEAT for k in range(6)]
    return PieceBar(
        ((parse_chord_symbol("C7"), 0.0),),
        tuple(tokens),
        None,
        (60, 62, 64, 65, 67, 69, None),
        (*noisy, None),
        (*loud, None) if velocities else None,
    )


def _corpus(*, velocities: bool = True) -> list[Piece]:
    rng = np.random.default_rng(0)
    return [
        Piece(
            f"p{i}", "0" * 64, TS, 120.0, tuple(_bar(rng, velocities=velocities) for _ in range(20))
        )
        for i in range(4)
    ]


@pytest.fixture(scope="module")
def model() -> PerformanceModel:
    fitted = fit_performance(note_events(_corpus()))
    assert fitted is not None
    return fitted


def test_articulation_is_learned_with_its_ratios(model: PerformanceModel) -> None:
    assert model.table is not None
    eighth = 2  # duration bucket of 6 steps
    medians = model.table[eighth, :, :, 10]  # (next event, metric class) at quantile 0.5
    assert medians[0, 1] == pytest.approx(BEFORE_NOTE, abs=0.02)  # before a note, on a beat
    assert medians[0, 2] == pytest.approx(BEFORE_NOTE, abs=0.02)  # before a note, off-beat
    assert medians[1, 2] == pytest.approx(BEFORE_REST, abs=0.02)  # before the rest
    assert model.stats["mean_articulation"] == pytest.approx((5 * 0.6 + 0.9) / 6, abs=0.01)


def test_accents_are_learned_by_metric_position(model: PerformanceModel) -> None:
    assert model.velocity_source == "learned"
    downbeat, beat, offbeat = model.offsets[:3]
    assert beat > 5 and downbeat > 5 and offbeat < -5
    assert beat - offbeat == pytest.approx(ON_BEAT - OFF_BEAT, rel=0.2)  # shrunk a little


def test_without_velocities_the_default_accents_are_used_and_said() -> None:
    fitted = fit_performance(note_events(_corpus(velocities=False)))
    assert fitted is not None and fitted.velocity_source == "default"
    assert fitted.offsets.tolist() == list(DEFAULT_ACCENTS)
    assert fitted.to_dict()["velocity"]["source"] == "default"


def test_apply_shortens_notes_as_learned_and_accents_beats(model: PerformanceModel) -> None:
    c7 = parse_chord_symbol("C7")
    bars = [Bar(i, i + 1, 4.0 * i, TS, (ChordSpan(c7, 4.0 * i, 4.0 * i + 4),)) for i in range(4)]
    legato = [Note(60 + k % 5, k * 0.5, k * 0.5 + 0.5) for k in range(32)]
    played = model.apply(legato, bars, np.random.default_rng(1))
    ratios = np.array([(n.end_beat - n.start_beat) / 0.5 for n in played[:-1]])
    assert np.median(ratios) == pytest.approx(BEFORE_NOTE, abs=0.03)
    assert all(
        a.start_beat == b.start_beat and a.pitch == b.pitch
        for a, b in zip(played, legato, strict=True)
    )
    on_beat = [n.velocity for n in played if n.start_beat % 1 == 0]
    off_beat = [n.velocity for n in played if n.start_beat % 1 != 0]
    assert min(on_beat) > max(off_beat)


def test_save_load_round_trip_and_bad_files(model: PerformanceModel, tmp_path: Path) -> None:
    save_performance(model, tmp_path)
    loaded = load_performance(tmp_path)
    assert loaded is not None and loaded.table is not None and model.table is not None
    np.testing.assert_allclose(loaded.table, model.table, atol=1e-4)
    np.testing.assert_allclose(loaded.offsets, model.offsets, atol=1e-3)
    data = json.loads((tmp_path / "performance.json").read_text())
    data["articulation"]["table"][0][0][0][3] = 2.0
    (tmp_path / "performance.json").write_text(json.dumps(data))
    with pytest.raises(BundleError, match=r"ascending ratios in 0\.\.1") as info:
        load_performance(tmp_path)
    assert "\n" not in str(info.value)
    assert load_performance(tmp_path / "none") is None


def _hash(bundle: Path, out: Path, *extra: str) -> str:
    from jazzgen.cli import run

    args = ["generate", "--model", str(bundle), "--seed", "1", "--bars", "8"]
    assert run([*args, *extra, "--out", str(out), "--force"]) == 0
    return hashlib.sha256(out.read_bytes()).hexdigest()


def test_a_bundle_plays_its_learned_files_unless_told_not_to(
    model: PerformanceModel, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(ROOT / "models" / "default", bundle)
    course = _hash(bundle, tmp_path / "a.mid", "--uniform-realizer", "--legato")
    weights = np.zeros(N_ONE_HOT)
    weights[14] = -5.0  # the `interval` group's unison: avoided
    save_realizer(LearnedRealizer(weights, np.zeros(2)), bundle)
    save_performance(model, bundle)
    assert _hash(bundle, tmp_path / "b.mid", "--uniform-realizer", "--legato") == course
    assert _hash(bundle, tmp_path / "c.mid", "--legato") != course
    assert _hash(bundle, tmp_path / "d.mid", "--uniform-realizer") != course
