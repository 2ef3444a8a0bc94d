"""Vocabulary: sorted, hashed, saved and checked on load."""

from __future__ import annotations

import json

import pytest

from jazzgen.core.errors import VocabError
from jazzgen.core.harmony import NoteType
from jazzgen.tokens.grammar import Token, token_from_text
from jazzgen.tokens.vocab import Vocab

TEXTS = ["S,0.250,<m2,P-4>", "C,0.500", "R,1.000", "C,0.250,<M2,M-3>"]


def test_sorted_and_stable_ids(tmp_path) -> None:
    vocab = Vocab.from_tokens(token_from_text(t) for t in TEXTS + TEXTS)
    assert list(vocab.texts) == sorted(TEXTS)
    assert vocab.id_of("C,0.250,<M2,M-3>") == 0
    assert vocab.token_of(vocab.id_of(Token(NoteType.REST, 12))) == Token(NoteType.REST, 12)
    vocab.save(tmp_path / "vocab.json")
    again = Vocab.load(tmp_path / "vocab.json")
    assert again == vocab and again.hash == vocab.hash


def test_unknown_token_is_a_clear_error() -> None:
    vocab = Vocab.from_tokens(token_from_text(t) for t in TEXTS)
    with pytest.raises(VocabError, match="not in the vocabulary"):
        vocab.id_of("X,0.083,<m2,P-4>")
    with pytest.raises(VocabError, match=r"0\.\.3"):
        vocab.token_of(4)


def test_tampered_file_is_refused(tmp_path) -> None:
    vocab = Vocab.from_tokens(token_from_text(t) for t in TEXTS)
    path = tmp_path / "vocab.json"
    vocab.save(path)
    data = json.loads(path.read_text())
    data["tokens"][0] = "C,0.333"
    path.write_text(json.dumps(data))
    with pytest.raises(VocabError, match="hash"):
        Vocab.load(path)
    path.write_text("not json")
    with pytest.raises(VocabError, match="not a vocabulary"):
        Vocab.load(path)
    with pytest.raises(VocabError, match="not found"):
        Vocab.load(tmp_path / "missing.json")
