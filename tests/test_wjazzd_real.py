"""The real Weimar Jazz Database (../shared/data/wjazzd/wjazzd.db; skipped when absent):
every solo ok or skipped with a reason, every chord label mapped, every bar full, and a
MIDI round trip for 20 solos."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jazzgen.analysis.inspect_wjazzd import describe_solo
from jazzgen.cli import run
from jazzgen.corpus.wjazzd import build_wjazzd_corpus
from jazzgen.io.wjazzd import list_solos, read_solos, wjazzd_chord


@pytest.fixture(scope="module")
def corpus(wjazzd_path: Path) -> tuple[list, dict[str, Any]]:
    return build_wjazzd_corpus(wjazzd_path, jobs=2)


def test_every_solo_is_ok_or_skipped_with_a_reason(wjazzd_path: Path, corpus) -> None:
    pieces, report = corpus
    files = report["files"]
    assert len(files) == len(list_solos(wjazzd_path)) == 408
    assert all(f["status"] == "ok" or f["reason"] for f in files)
    assert report["ok"] == len(pieces) >= 390
    reasons = set(report["wjazzd"]["skipped_by_reason"])
    assert reasons <= {"no chords (NC throughout): a free solo"}, reasons


def test_every_chord_label_is_mapped(wjazzd_path: Path, corpus) -> None:
    labels = {b.chord for solo in read_solos(wjazzd_path) for b in solo.beats if b.chord}
    unmapped = []
    for label in labels:
        try:
            wjazzd_chord(label)
        except Exception:
            unmapped.append(label)
    assert unmapped == []
    assert not any("unknown chord label" in f["reason"] for f in corpus[1]["files"])


def test_every_bar_sums_to_its_length(corpus) -> None:
    pieces, report = corpus
    for piece in pieces:
        for bar in piece.bars:
            meter = bar.time_signature or piece.time_signature
            assert sum(t.duration for t in bar.tokens) == meter.bar_steps, piece.source
    totals = report["wjazzd"]["totals"]
    assert totals["max_displacement_beats"] <= 1 / 24 + 1e-6
    assert totals["bad_notes"] == 0


def test_export_then_inspect_gives_back_tokens_and_chords(
    wjazzd_path: Path, corpus, tmp_path: Path, capsys
) -> None:
    ok = [f["melid"] for f in corpus[1]["files"] if f["status"] == "ok"]
    chosen = ok[:: max(1, len(ok) // 20)][:20]  # spread over the database (styles, meters)
    for melid in chosen:
        out = tmp_path / f"{melid}.mid"
        assert run(["export", str(wjazzd_path), "--solo", str(melid), "--out", str(out)]) == 0
        capsys.readouterr()
        solo = describe_solo(wjazzd_path, melid)
        assert run(["inspect", str(out), "--json"]) == 0
        midi = json.loads(capsys.readouterr().out)
        assert [b["tokens"] for b in midi["bars"]] == [b["tokens"] for b in solo["bars"]], melid
        assert [b["chords"] for b in midi["bars"]] == [b["chords"] for b in solo["bars"]], melid
