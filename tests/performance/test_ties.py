"""Notes held over the bar line (jazzgen.performance.ties): recorded when a lead sheet is
encoded, learned from a synthetic corpus with a known habit, applied to notes that stop at
a bar line, saved and loaded with performance.json (older files have none)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import BundleError
from jazzgen.core.harmony import NoteType
from jazzgen.core.types import Bar, ChordSpan, LeadSheet, Note, TimeSignature
from jazzgen.corpus.preprocess import encode_leadsheet_bars
from jazzgen.corpus.store import Piece, PieceBar
from jazzgen.performance.articulation import (
    fit_performance,
    load_performance,
    save_performance,
)
from jazzgen.performance.examples import note_events, tie_events
from jazzgen.performance.ties import TieModel, fit_ties
from jazzgen.tokens.grammar import Token

TS = TimeSignature(4, 4)
C7 = parse_chord_symbol("C7")
HELD = 0.5  # share of the leading quarter rest the note before the bar line still sounds
TIED = 0.75  # how often it is held over


def _bars(n: int) -> list[Bar]:
    return [Bar(i, i + 1, 4.0 * i, TS, (ChordSpan(C7, 4.0 * i, 4.0 * i + 4),)) for i in range(n)]


def test_encoding_records_the_share_of_a_leading_rest_a_held_note_sounds() -> None:
    # bar 0: a half note, then a half note held 0.5 beat over the bar line; bar 1 starts
    # with a quarter rest (the cut note's rest), then a note released a little before the
    # bar line (its token ends at the line); bar 2 starts with a rest: share 0
    melody = (
        Note(60, 0.0, 2.0), Note(62, 2.0, 4.5), Note(64, 5.0, 7.9), Note(65, 9.0, 12.0),
    )  # fmt: skip
    sheet = LeadSheet("t.mid", melody, tuple(_bars(3)), 120.0, performed_ends=True)
    bars = encode_leadsheet_bars(sheet, min_rest_steps=3)
    assert [t.is_rest for t in bars[1].tokens] == [True, False]
    assert bars[1].articulation is not None and bars[1].articulation[0] == pytest.approx(0.5)
    assert bars[0].articulation is not None and bars[0].articulation[1] == 1.0  # to the line
    assert bars[2].tokens[0].is_rest and bars[2].articulation is not None
    assert bars[2].articulation[0] == 0.0  # the note before it stopped before the line
    events = tie_events([Piece("t", "0" * 64, TS, 120.0, tuple(bars))])
    assert events.rest_duration.tolist() == [12, 12] and events.share.tolist() == [0.5, 0.0]
    assert events.note_duration.tolist() == [24, 36] and events.note_step.tolist() == [24, 12]


def _corpus() -> list[Piece]:
    """Bars of a half note and a half note cut at the bar line, then a quarter rest that
    the note sounds into (share HELD) in TIED of the bars, else not at all."""
    rng = np.random.default_rng(0)
    bars = []
    for _ in range(400):
        share = HELD if rng.random() < TIED else 0.0
        tokens = (
            Token(NoteType.REST, 12),
            Token(NoteType.CHORD, 12, (-1, 5)),
            Token(NoteType.CHORD, 24, (-1, 5)),
        )
        bars.append(PieceBar(((C7, 0.0),), tokens, None, (None, 60, 64), (share, 0.9, 1.0)))
    return [Piece("p", "0" * 64, TS, 120.0, tuple(bars))]


@pytest.fixture(scope="module")
def ties() -> TieModel:
    fitted = fit_ties(tie_events(_corpus()))
    assert fitted is not None
    return fitted


def test_the_habit_is_learned(ties: TieModel) -> None:
    assert ties.stats["tie_candidates"] == 399  # every bar line but the first bar's
    assert ties.stats["tie_rate"] == pytest.approx(TIED, abs=0.05)
    quarter, half = 4, 5  # duration buckets of the rest (12 steps) and the note (24)
    assert ties.table[quarter, half, 0] == 0.0 and ties.table[quarter, half, -1] == HELD


def test_notes_that_stop_at_a_bar_line_are_held_over_as_learned(ties: TieModel) -> None:
    bars = _bars(400)
    written = []
    for i in range(400):  # as the corpus: a half note to the bar line, a quarter rest
        written += [Note(60, 4.0 * i + 1, 4.0 * i + 2), Note(64, 4.0 * i + 2, 4.0 * i + 4)]
    played = ties.hold(written, written, bars, np.random.default_rng(1))
    held = [p.end_beat - w.end_beat for p, w in zip(played, written, strict=True)]
    assert all(h == 0 for h in held[0::2])  # notes followed by a note are left alone
    over = np.array(held[1::2][:-1])  # the last bar line ends the solo: nothing follows
    assert over.min() == 0.0 and over.max() == HELD  # at most half the quarter rest
    assert (over > 0).mean() == pytest.approx(TIED, abs=0.06)
    assert over.mean() == pytest.approx(TIED * HELD, abs=0.05)
    assert held[-1] == 0.0


def test_a_corpus_that_records_no_held_shares_learns_no_ties_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from dataclasses import replace

    from jazzgen.performance.learn import learn_performance

    corpus = _corpus()
    older = [  # a corpus made before the shares were recorded: its rests have None
        replace(p, bars=tuple(replace(b, articulation=(None, *b.articulation[1:])) for b in p.bars))
        for p in corpus
    ]
    with caplog.at_level("WARNING"):
        learned = learn_performance(older, [], realizer=False, articulation=True)
    assert learned.performance is not None and learned.performance.ties is None
    assert "no notes held over the bar line learned" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        learned = learn_performance(corpus, [], realizer=False, articulation=True)
    assert learned.performance is not None and learned.performance.ties is not None
    assert "held over" not in caplog.text
    assert learned.summary["articulation"]["tie_rate"] == pytest.approx(TIED, abs=0.05)


def test_ties_travel_in_performance_json_and_older_files_have_none(tmp_path: Path) -> None:
    corpus = _corpus()
    model = fit_performance(note_events(corpus))
    assert model is not None and model.ties is None  # fit_performance alone: notes only
    from dataclasses import replace

    model = replace(model, ties=fit_ties(tie_events(corpus)))
    save_performance(model, tmp_path)
    loaded = load_performance(tmp_path)
    assert loaded is not None and loaded.ties is not None and model.ties is not None
    np.testing.assert_allclose(loaded.ties.table, model.ties.table, atol=1e-4)
    data = json.loads((tmp_path / "performance.json").read_text())
    data["ties"]["table"][0][0][3] = 2.0
    (tmp_path / "performance.json").write_text(json.dumps(data))
    with pytest.raises(BundleError, match=r"ascending shares in 0\.\.1") as info:
        load_performance(tmp_path)
    assert "\n" not in str(info.value)
    del data["ties"]
    (tmp_path / "performance.json").write_text(json.dumps(data))
    older = load_performance(tmp_path)
    assert older is not None and older.ties is None
