"""Timeline (what is in force at a time) and the tempo map built on it."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.core.constants import DEFAULT_QPM, EPS, ROUNDING_EPS
from jazzgen.core.errors import CorpusError
from jazzgen.core.harmony import Chord, ChordQuality, NoteType
from jazzgen.core.timeline import TempoMap, Timeline
from jazzgen.core.types import Bar, ChordSpan, Tempo, TimeSignature
from jazzgen.corpus.dataset import token_chords
from jazzgen.corpus.store import PieceBar, piece_from_dict
from jazzgen.io.conductor import meter_changes
from jazzgen.tokens.grammar import Token

C, F, G = (Chord(root, ChordQuality.DOMINANT7) for root in (0, 5, 7))


def _last_at_or_before(changes: list[tuple[float, str]], time: float, tolerance: float) -> str:
    """The loop the timeline replaced: the last change at or before `time` (sorted input)."""
    current = changes[0][1]
    for start, value in changes:
        if start <= time + tolerance:
            current = value
    return current


def test_value_in_force_before_at_between_and_after_changes() -> None:
    timeline = Timeline([(0.0, "a"), (2.0, "b"), (4.0, "c")])
    assert [timeline.at(t) for t in (-1.0, 0.0, 1.99, 2.0, 3.0, 4.0, 100.0)] == [
        "a", "a", "a", "b", "b", "c", "c",
    ]  # fmt: skip
    assert [timeline.index_at(t) for t in (-1.0, 0.0, 2.5, 9.0)] == [-1, 0, 1, 2]
    assert len(timeline) == 3
    assert timeline.times == (0.0, 2.0, 4.0) and timeline.values == ("a", "b", "c")


def test_first_value_holds_before_a_late_first_change() -> None:
    timeline = Timeline([(1.5, "x"), (3.0, "y")])
    assert timeline.at(0.0) == "x"
    assert timeline.index_at(0.0) == -1


def test_changes_are_sorted_and_ties_go_to_the_one_given_last() -> None:
    timeline = Timeline([(4.0, "late"), (0.0, "first"), (2.0, "b1"), (2.0, "b2")])
    assert timeline.times == (0.0, 2.0, 2.0, 4.0)
    assert timeline.at(2.0) == "b2"
    assert timeline.at(1.0) == "first"


def test_tolerance_absorbs_float_rounding_only() -> None:
    timeline = Timeline([(0.0, "a"), (2 / 3, "b")])
    assert timeline.tolerance == ROUNDING_EPS
    assert timeline.at(2 / 3 - 0.5 * ROUNDING_EPS) == "b"
    assert timeline.at(2 / 3 - 2 * ROUNDING_EPS) == "a"
    loose = Timeline([(0.0, "a"), (2 / 3, "b")], tolerance=EPS)
    assert loose.at(2 / 3 - 0.5 * EPS) == "b"
    exact = Timeline([(0.0, "a"), (1.0, "b")], tolerance=0.0)
    assert exact.at(1.0 - 1e-12) == "a" and exact.at(1.0) == "b"


def test_bad_timelines_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one change"):
        Timeline([])
    with pytest.raises(ValueError, match="at least one change"):
        Timeline.of([])
    with pytest.raises(ValueError, match="tolerance must be >= 0, got -1"):
        Timeline([(0.0, 1)], tolerance=-1)


def test_of_reads_start_beat_or_a_given_start() -> None:
    spans = [ChordSpan(G, 2.0, 4.0), ChordSpan(C, 0.0, 2.0)]
    assert Timeline.of(spans).at(3.0).chord == G
    by_end = Timeline.of(spans, lambda span: span.end_beat)
    assert by_end.times == (2.0, 4.0)


@settings(max_examples=200, deadline=None)
@given(
    starts=st.lists(
        st.sampled_from([0.0, 0.25, 1 / 3, 0.5, 2 / 3, 1.0, 1.5, 2.0, 3.0]), min_size=1, max_size=6
    ),
    time=st.floats(min_value=-1.0, max_value=4.0),
    tolerance=st.sampled_from([0.0, ROUNDING_EPS, EPS]),
)
def test_same_answer_as_the_loop_it_replaced(starts, time, tolerance) -> None:
    changes = [(start, f"v{i}") for i, start in enumerate(sorted(starts))]
    timeline = Timeline(changes, tolerance=tolerance)
    assert timeline.at(time) == _last_at_or_before(changes, time, tolerance)


def test_chord_at_in_a_bar() -> None:
    bar = Bar(0, 1, 4.0, TimeSignature(4, 4), (ChordSpan(C, 4.0, 6.0), ChordSpan(F, 6.0, 8.0)))
    assert [bar.chord_at(t) for t in (3.0, 4.0, 5.99, 6.0, 7.5)] == [C, C, C, F, F]
    assert bar.chord_at(6.0 - 0.5 * ROUNDING_EPS) == F
    assert bar.chord_timeline is bar.chord_timeline  # built once per bar
    copy = pickle.loads(pickle.dumps(bar))
    assert copy == bar and copy.chord_at(7.0) == F


def test_token_chords_follow_the_onsets() -> None:
    tokens = tuple(Token(NoteType.REST, steps) for steps in (6, 6, 12, 24))  # onsets 0, .5, 1, 2
    bar = PieceBar(((C, 0.0), (G, 1.0), (F, 2.0)), tokens)
    assert token_chords(bar) == [C, C, G, F]
    assert token_chords(PieceBar((), tokens)) == [None] * 4


def test_tempo_at_a_beat() -> None:
    tempos = (Tempo(100.0, 0.0), Tempo(140.0, 8.0), Tempo(90.0, 16.0))
    qpm_at = Timeline.of(tempos)
    assert [qpm_at.at(b).qpm for b in (0.0, 7.9, 8.0, 20.0)] == [100.0, 100.0, 140.0, 90.0]


def test_tempo_map_seconds() -> None:
    tempo_map = TempoMap([Tempo(120.0, 0.0), Tempo(60.0, 4.0)])
    assert tempo_map.seconds(2.0) == 1.0
    assert tempo_map.seconds(4.0) == 2.0
    assert tempo_map.seconds(6.0) == 4.0
    assert TempoMap([]).seconds(4.0) == 4 * 60.0 / DEFAULT_QPM
    late = TempoMap([Tempo(60.0, 2.0), Tempo(120.0, 4.0)])  # the first tempo also holds before
    assert late.seconds(2.0) == 2.0 and late.seconds(5.0) == 4.5


def test_meter_changes_collapse_repeats_and_start_at_zero() -> None:
    meters = meter_changes(
        [
            TimeSignature(3, 4, 4.0),
            TimeSignature(3, 4, 7.0),  # a repeat
            TimeSignature(2, 4, 10.0),
            TimeSignature(4, 4, 10.0),  # same beat: the last wins
        ]
    )
    assert [(str(ts), ts.start_beat) for ts in meters] == [
        ("3/4", 0.0),
        ("3/4", 4.0),
        ("4/4", 10.0),
    ]
    assert meter_changes([]) == [TimeSignature(4, 4)]
    layout_meter = Timeline.of(meters)
    assert str(layout_meter.at(5.0)) == "3/4" and str(layout_meter.at(12.0)) == "4/4"


def test_corpus_entry_with_a_bad_meter_is_a_corpus_error() -> None:
    entry = {"source": "x.mid", "sha256": "0" * 64, "time_signature": "3/5", "qpm": 120.0}
    with pytest.raises(CorpusError, match=r"bad time signature '3/5'"):
        piece_from_dict({**entry, "bars": []})
    piece = piece_from_dict({**entry, "time_signature": "6/8", "bars": []})
    assert piece.time_signature == TimeSignature(6, 8)
