"""Training windows: shift-by-one targets, no window across pieces or the split, tf.data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.core.errors import CorpusError
from jazzgen.core.harmony import Chord, ChordQuality, NoteType, chord_features
from jazzgen.core.style import Style
from jazzgen.core.types import TimeSignature
from jazzgen.corpus import dataset
from jazzgen.corpus.store import Piece, PieceBar
from jazzgen.tokens.grammar import Token
from jazzgen.tokens.vocab import Vocab

TX = 8


def _vocab(pieces):
    return Vocab.from_tokens(t for p in pieces for b in p.bars for t in b.tokens)


def _segment_of(position: int, segments) -> int:
    edges = np.cumsum([len(s) for s in segments])
    return int(np.searchsorted(edges, position, side="right"))


def test_windows_shift_by_one_and_stay_inside_pieces():
    pieces = dataset.synthetic_pieces(3, bars=6, seed=1)
    vocab = _vocab(pieces)
    split = dataset.split_pieces(pieces, vocab, val_fraction=0.0, tx=TX)
    assert split.method == "none" and len(split.train) == 3
    flat = dataset.flatten(split.train, TX)
    x, y = dataset.windows_numpy(flat, TX, len(vocab))
    assert x["tokens"].shape == (len(flat.starts), TX, len(vocab))
    assert y.shape == (len(flat.starts), TX)
    ids = x["tokens"].argmax(-1)
    np.testing.assert_array_equal(ids[:, 1:], y[:, :-1])  # target t = input t+1
    for s, row in zip(flat.starts, y, strict=True):
        np.testing.assert_array_equal(row, flat.ids[s + 1 : s + TX + 1])
        assert _segment_of(s, split.train) == _segment_of(s + TX, split.train)
    # every possible window inside a piece is there: len - Tx per piece
    assert len(flat.starts) == sum(len(s) - TX for s in split.train)


def test_chord_input_is_the_chord_of_the_predicted_token():
    dm7, g7 = Chord(2, ChordQuality.MINOR7), Chord(7, ChordQuality.DOMINANT7)
    # tokens of 1 quarter each: onsets 0,1,2,3 -> chords Dm7, Dm7, G7, G7
    bar = PieceBar(((dm7, 0.0), (g7, 2.0)), tuple(Token(NoteType.CHORD, 12) for _ in range(4)))
    piece = Piece("a.mid", "0" * 64, TimeSignature(4, 4), 120.0, (bar,) * 3)
    seg = dataset.encode_segment(
        piece.bars, _vocab([piece]), piece.source, qpm=piece.qpm, style=Style()
    )
    assert [tuple(row) for row in seg.chords[:4]] == [
        chord_features(c) for c in (dm7,) * 2 + (g7,) * 2
    ]
    flat = dataset.flatten([seg], 4)
    x, _y = dataset.windows_numpy(flat, 4, 1)
    # window 0: inputs tokens 0..3, chord input = chords of tokens 1..4
    np.testing.assert_array_equal(x["chords"][0], seg.chords[1:5])


def test_each_piece_s_windows_carry_its_own_tempo():
    """The context's tempo columns are the piece's (a ballad and a fast tune differ), and
    a split narrowed to a model without the tempo keeps the other 69 columns."""
    from dataclasses import replace

    from jazzgen.core.context import (
        BASE_CONTEXT_FEATURES,
        STYLE_OFFSET,
        TEMPO_OFFSET,
        tempo_features,
    )

    slow, fast = dataset.synthetic_pieces(2, bars=6, seed=4)
    pieces = [replace(slow, qpm=60.0), replace(fast, qpm=280.0)]
    split = dataset.split_pieces(pieces, _vocab(pieces), val_fraction=0.5, tx=TX, seed=0)
    for segment in (*split.train, *split.val):
        qpm = 60.0 if segment.source == slow.source else 280.0
        assert (segment.context[:, TEMPO_OFFSET:STYLE_OFFSET] == tempo_features(qpm)).all()
    assert tempo_features(60.0).sum() == 0 and tempo_features(280.0).sum() == 7
    narrow = split.with_context_width(BASE_CONTEXT_FEATURES)
    for wide, cut in zip((*split.train, *split.val), (*narrow.train, *narrow.val), strict=True):
        np.testing.assert_array_equal(cut.context, wide.context[:, :BASE_CONTEXT_FEATURES])
        np.testing.assert_array_equal(cut.ids, wide.ids)


def test_each_piece_s_windows_carry_its_own_style():
    """The context's style columns are the whole piece's style (`piece_style`), on its
    training and held-out windows alike; a dense, outside piece differs from a sparse,
    inside one only there."""
    from dataclasses import replace

    from jazzgen.core.context import STYLE_OFFSET, TEMPO_CONTEXT_FEATURES

    def piece(name: str, kind: NoteType, steps: int) -> Piece:
        tokens = (Token(kind, steps),) * (48 // steps)
        bar = PieceBar(((Chord(0, ChordQuality.MAJOR7), 0.0),), tokens)
        return Piece(name, "0" * 64, TimeSignature(4, 4), 120.0, (bar,) * 6)

    dense = piece("dense.mid", NoteType.OTHER, 4)  # 3 notes per beat, all outside
    sparse = piece("sparse.mid", NoteType.CHORD, 24)  # 1 note per 2 beats, all inside
    assert dataset.piece_style(dense) == Style(2, 2)
    assert dataset.piece_style(sparse) == Style(0, 0)
    pieces = [dense, sparse, replace(dense, source="dense2.mid")]
    split = dataset.split_pieces(pieces, _vocab(pieces), val_fraction=0.34, tx=4, seed=0)
    assert split.val
    for segment in (*split.train, *split.val):
        expected = Style(0, 0) if segment.source == "sparse.mid" else Style(2, 2)
        assert (segment.context[:, STYLE_OFFSET:] == expected.features()).all()
    narrow = split.with_context_width(TEMPO_CONTEXT_FEATURES)
    assert all(s.context.shape[1] == TEMPO_CONTEXT_FEATURES for s in narrow.train)


def test_split_by_pieces_is_disjoint_and_seeded():
    pieces = dataset.synthetic_pieces(5, bars=4, seed=2)
    vocab = _vocab(pieces)
    a = dataset.split_pieces(pieces, vocab, val_fraction=0.4, tx=TX, seed=3)
    b = dataset.split_pieces(pieces, vocab, val_fraction=0.4, tx=TX, seed=3)
    assert a.method == "pieces" and len(a.val) == 2 and len(a.train) == 3
    assert {s.source for s in a.val} == {s.source for s in b.val}
    assert not {s.source for s in a.val} & {s.source for s in a.train}


def test_single_piece_split_by_bars_never_overlaps():
    (piece,) = dataset.synthetic_pieces(1, bars=20, seed=4)
    vocab = _vocab([piece])
    split = dataset.split_pieces([piece], vocab, val_fraction=0.25, tx=TX)
    assert split.method == "bars"
    per_bar = len(piece.bars[0].tokens)
    assert split.val_tokens == 5 * per_bar and split.train_tokens == 15 * per_bar
    whole = dataset.encode_segment(piece.bars, vocab, piece.source, qpm=piece.qpm, style=Style())
    np.testing.assert_array_equal(np.concatenate([split.train[0].ids, split.val[0].ids]), whole.ids)
    # train windows end before the split, validation windows start after it
    train_flat = dataset.flatten(split.train, TX)
    assert train_flat.starts.max() + TX < split.train_tokens


def test_too_small_validation_falls_back_with_warning():
    (piece,) = dataset.synthetic_pieces(1, bars=10, seed=5)
    split = dataset.split_pieces([piece], _vocab([piece]), val_fraction=0.1, tx=TX)
    assert split.method == "none" and not split.val
    assert "too few for one window" in split.warnings[0]


def test_corpus_too_small_for_tx_is_a_clear_error():
    (piece,) = dataset.synthetic_pieces(1, bars=2, seed=6)
    with pytest.raises(CorpusError, match=r"corpus has 12 tokens; Tx=30 needs at least 31"):
        dataset.split_pieces([piece], _vocab([piece]), val_fraction=0.1, tx=30)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5000), st.integers(1, 64), st.integers(1, 20))
def test_epoch_plan_is_whole_executions_of_nonempty_batches(n, batch, spe):
    steps, per_call = dataset.epoch_plan(n, batch, spe)
    assert steps % per_call == 0 and 1 <= per_call <= spe
    assert math.ceil(n / batch) <= steps <= max(n, math.ceil(n / batch))


def test_pipeline_covers_each_window_once_per_epoch_and_resumes_exactly():
    pieces = dataset.synthetic_pieces(2, bars=8, seed=7)
    vocab = _vocab(pieces)
    flat = dataset.flatten(dataset.split_pieces(pieces, vocab, val_fraction=0, tx=TX).train, TX)
    steps, _ = dataset.epoch_plan(len(flat.starts), 8, 4)
    kwargs = dict(tx=TX, n_values=len(vocab), batch_size=8, chord_input=True, steps=steps)
    ds = dataset.make_dataset(flat, shuffle_seed=11, epochs=3, **kwargs)
    batches = [(x["tokens"].numpy().argmax(-1), y.numpy()) for x, y in ds.take(3 * steps)]
    epochs = [batches[i * steps : (i + 1) * steps] for i in range(3)]
    expected = sorted(map(tuple, dataset.windows_numpy(flat, TX, len(vocab))[1].tolist()))
    for epoch in epochs:
        ys = sorted(map(tuple, np.concatenate([y for _x, y in epoch]).tolist()))
        assert ys == expected  # every window exactly once
    assert not np.array_equal(epochs[0][0][1], epochs[1][0][1])  # reshuffled
    resumed = dataset.make_dataset(flat, shuffle_seed=11, first_epoch=1, epochs=3, **kwargs)
    for (x, y), (x_ref, y_ref) in zip(resumed.take(steps), epochs[1], strict=True):
        np.testing.assert_array_equal(y.numpy(), y_ref)
        np.testing.assert_array_equal(x["tokens"].numpy().argmax(-1), x_ref)


def test_windows_per_epoch_draws_a_fresh_distinct_subset_each_epoch():
    pieces = dataset.synthetic_pieces(2, bars=8, seed=7)
    vocab = _vocab(pieces)
    flat = dataset.flatten(dataset.split_pieces(pieces, vocab, val_fraction=0, tx=TX).train, TX)
    m = 12
    assert len(flat.starts) > 2 * m
    steps, _ = dataset.epoch_plan(m, 8, 4)
    ds = dataset.make_dataset(
        flat, tx=TX, n_values=len(vocab), batch_size=8, chord_input=False, steps=steps,
        shuffle_seed=3, epochs=2, windows_per_epoch=m,
    )  # fmt: skip
    ys = [y.numpy() for _x, y in ds.take(2 * steps)]
    first, second = np.concatenate(ys[:steps]), np.concatenate(ys[steps:])
    assert len(first) == len(second) == m
    from collections import Counter

    available = Counter(map(tuple, dataset.windows_numpy(flat, TX, len(vocab))[1].tolist()))
    drawn = Counter(map(tuple, first.tolist()))
    # A subset without repeats: no window content drawn more often than it exists
    # (the synthetic pieces repeat motifs, so equal contents can come from two windows).
    assert all(count <= available[w] for w, count in drawn.items())
    assert drawn != Counter(map(tuple, second.tolist()))  # a fresh subset each epoch


def _bars_of(pattern: str) -> tuple[PieceBar, ...]:
    """Bars from a pattern: 'n' a bar of four quarter-note chord tones, 'r' a whole-bar rest."""
    c7 = ((Chord(0, ChordQuality.DOMINANT7), 0.0),)
    notes = tuple(Token(NoteType.CHORD, 12) for _ in range(4))
    return tuple(
        PieceBar(c7, notes if kind == "n" else (Token(NoteType.REST, 48),)) for kind in pattern
    )


def test_long_silences_are_cut_and_counted():
    bars = _bars_of("nrrrrnrn")  # a run of 4 rest bars, then a single rest bar
    piece = Piece("sits_out.mid", "0" * 64, TimeSignature(4, 4), 120.0, bars)
    vocab = _vocab([piece])
    whole = dataset.encode_segment(bars, vocab, piece.source, qpm=piece.qpm, style=Style())
    assert len(whole) == 4 + 4 + 4 + 1 + 4 == 17
    kept, cut = dataset.cut_silences(whole, bars, max_rest_bars=1)
    # the run keeps its first rest bar (after the notes) and its last (before them)
    rest = vocab.id_of(Token(NoteType.REST, 48))
    assert [len(s) for s in kept] == [5, 1 + 4 + 1 + 4]
    assert kept[0].ids[-1] == rest and kept[1].ids[0] == rest and kept[1].ids[1] != rest
    np.testing.assert_array_equal(kept[1].context, whole.context[7:])  # positions kept
    assert cut == dataset.SilenceCut(max_rest_bars=1, runs=1, bars=3, tokens=16 - 13)
    # no target is a rest that follows a rest bar
    for seg in kept:
        assert not any(a == b == rest for a, b in zip(seg.ids[:-1], seg.ids[1:], strict=True))
    # runs no longer than the bound are kept; 0 cuts nothing
    assert dataset.cut_silences(whole, bars, max_rest_bars=4)[1].runs == 0
    assert dataset.cut_silences(whole, bars, max_rest_bars=0) == ([whole], dataset.SilenceCut())
    # density leaves out the cut bars: 12 notes over 8 - 3 bars
    assert dataset.notes_per_bar([piece], 1) == 12 / 5
    assert dataset.notes_per_bar([piece], 0) == 12 / 8
    split = dataset.split_pieces([piece], vocab, val_fraction=0.0, tx=3, max_rest_bars=1)
    assert split.silence == cut and split.train_tokens == 15
