"""corpus.wjazzd and the split by performer: a WJazzD file into pieces (one process or
two), the performer in the corpus format, whole performers held out."""

from __future__ import annotations

from pathlib import Path

import pytest
from wjazzd_db import make_wjazzd, tiny_solos

from jazzgen.corpus.dataset import split_pieces, synthetic_pieces
from jazzgen.corpus.store import piece_from_dict, piece_to_dict
from jazzgen.corpus.wjazzd import build_wjazzd_corpus
from jazzgen.tokens.vocab import Vocab


@pytest.fixture
def tiny_db(tmp_path: Path) -> Path:
    return make_wjazzd(tmp_path / "tiny.db", tiny_solos())


def test_one_process_and_two_give_the_same_corpus(tiny_db: Path) -> None:
    one = build_wjazzd_corpus(tiny_db, jobs=1)
    two = build_wjazzd_corpus(tiny_db, jobs=2)
    assert one[0] == two[0] and one[1] == two[1]


def test_a_corpus_line_without_performer_still_loads() -> None:
    (piece,) = synthetic_pieces(1, bars=2)
    data = piece_to_dict(piece)
    assert "performer" not in data
    assert piece_from_dict(data).performer == ""


def test_split_by_performer_never_shares_a_performer(tiny_db: Path) -> None:
    pieces, _ = build_wjazzd_corpus(tiny_db, jobs=1)
    vocab = Vocab.from_tokens(t for p in pieces for b in p.bars for t in b.tokens)
    for seed in range(6):
        split = split_pieces(pieces, vocab, val_fraction=0.3, tx=4, seed=seed, by="performer")
        assert split.method == "performers"
        train = {p.performer for p in pieces if p.source in {s.source for s in split.train}}
        val = {p.performer for p in pieces if p.source in {s.source for s in split.val}}
        assert train and val and not train & val
    by_piece = split_pieces(pieces, vocab, val_fraction=0.3, tx=4, seed=1)
    assert by_piece.method == "pieces" and len(by_piece.val) == 2
    same = [p.__class__(**{**p.__dict__, "performer": "X"}) for p in pieces]
    split = split_pieces(same, vocab, val_fraction=0.3, tx=4, seed=1, by="performer")
    assert split.method == "pieces" and "fewer than two performers" in split.warnings[0]
