"""The token vocabulary: a sorted list of token texts with a content hash, saved as JSON.

Ids are positions in the sorted list, so they are the same in every process. Saved form
(`vocab.json`): `{"format": 1, "hash": "<sha256 of the tokens>", "size": N, "tokens": [...]}`.
`Vocab.load` checks the file field by field, in the order that costs least: its size (the
`vocab` limit of core.limits), the types, the hash, and only then parses each token.

`token_parts` splits every token into its two parts, its duration and its shape (type and
interval window): a factored model (`training.model`) reads and predicts tokens through
them, so that what it learns of a duration holds for every shape played with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jazzgen.core import limits
from jazzgen.core.errors import InputFileError, InputLimitError, VocabError
from jazzgen.io.files import read_input_bytes
from jazzgen.io.outputs import write_atomic
from jazzgen.tokens.grammar import MAX_TOKEN_CHARS, Token, token_from_text, token_to_text

VOCAB_FORMAT = 1


def tokens_hash(texts: Iterable[str]) -> str:
    """sha256 over the token texts joined by newlines (order matters)."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Vocab:
    """Sorted token texts; `id_of`/`token_of` map between tokens and integer ids."""

    texts: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if list(self.texts) != sorted(set(self.texts)):
            raise VocabError("vocabulary tokens must be unique and sorted")
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.texts)})

    @classmethod
    def from_tokens(cls, tokens: Iterable[Token]) -> Vocab:
        return cls(tuple(sorted({token_to_text(t) for t in tokens})))

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def hash(self) -> str:
        return tokens_hash(self.texts)

    def id_of(self, token: Token | str) -> int:
        text = token if isinstance(token, str) else token_to_text(token)
        try:
            return self._index[text]
        except KeyError:
            raise VocabError(
                f"token {text!r} is not in the vocabulary ({len(self)} tokens); "
                "the model cannot use it"
            ) from None

    def token_of(self, index: int) -> Token:
        if not 0 <= index < len(self.texts):
            raise VocabError(f"token id must be in 0..{len(self.texts) - 1}, got {index}")
        return token_from_text(self.texts[index])

    def tokens(self) -> list[Token]:
        """All tokens, in id order."""
        return [token_from_text(t) for t in self.texts]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": VOCAB_FORMAT,
                "hash": self.hash,
                "size": len(self),
                "tokens": list(self.texts),
            },
            indent=1,
        )

    def save(self, path: str | Path) -> None:
        """Write `to_json()` to `path` atomically (io.outputs.write_atomic)."""
        write_atomic(path, self.to_json() + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        """Read a `vocab.json`; VocabError (one line) for a missing, oversized, malformed or
        edited file (see the module docstring for the order of the checks)."""
        texts = _checked_texts(_read_json(Path(path)), path)
        for text in texts:
            token_from_text(text)  # raises VocabError on a malformed token
        return cls(texts)


@dataclass(frozen=True)
class TokenParts:
    """Per token id, the index of its duration (0..n_durations-1) and of its shape, the
    type with the interval window (0..n_shapes-1), both in sorted order."""

    duration: tuple[int, ...]
    shape: tuple[int, ...]

    @property
    def n_durations(self) -> int:
        return max(self.duration, default=-1) + 1

    @property
    def n_shapes(self) -> int:
        return max(self.shape, default=-1) + 1

    @property
    def width(self) -> int:
        """Parts in all: durations, then shapes."""
        return self.n_durations + self.n_shapes

    def matrix(self) -> np.ndarray:
        """(tokens, width) float32: row k is 1 at token k's duration and at its shape
        (offset by n_durations), 0 elsewhere; a one-hot token times it gives its parts."""
        rows = np.arange(len(self.duration))
        out = np.zeros((len(self.duration), self.width), np.float32)
        out[rows, self.duration] = 1.0
        out[rows, self.n_durations + np.asarray(self.shape, dtype=np.int64)] = 1.0
        return out


def token_parts(vocab: Vocab) -> TokenParts:
    """The parts of every token of `vocab`, in id order."""
    tokens = vocab.tokens()
    durations = [t.duration for t in tokens]
    shapes = [(t.type.value, t.window or (0, 0), t.window is None) for t in tokens]

    def indices(keys: list[Any]) -> tuple[int, ...]:
        index = {key: i for i, key in enumerate(sorted(set(keys)))}
        return tuple(index[key] for key in keys)

    return TokenParts(duration=indices(durations), shape=indices(shapes))


def _read_json(path: Path) -> object:
    """The JSON of a vocabulary file, refused before reading when it is larger than a
    vocabulary of the `vocab` limit can be."""
    max_bytes = (MAX_TOKEN_CHARS + 8) * limits.current().vocab + 4096
    try:
        return json.loads(read_input_bytes(path, max_bytes))
    except InputLimitError:
        found = f"a file of more than {max_bytes // 1024} KB"
        raise VocabError(f"{path}: {limits.exceeded('vocab', found)}") from None
    except InputFileError as exc:
        reason = "vocabulary file not found" if exc.reason == "file not found" else exc.reason
        raise VocabError(f"{path}: {reason}") from None
    except ValueError as exc:
        raise VocabError(f"{path}: not a vocabulary JSON file ({exc})") from None


def _checked_texts(data: object, path: str | Path) -> tuple[str, ...]:
    """The token texts of vocabulary JSON `data`, after the checks of every field and of
    the hash (the tokens themselves are not parsed yet)."""
    if not isinstance(data, dict):
        raise VocabError(f"{path}: vocabulary JSON must be an object with 'tokens' and 'hash'")
    tokens, digest = data.get("tokens"), data.get("hash")
    if data.get("format", VOCAB_FORMAT) != VOCAB_FORMAT:
        raise VocabError(
            f"{path}: vocabulary format must be {VOCAB_FORMAT}, got {data['format']!r:.40}"
        )
    if not isinstance(digest, str) or len(digest) != 64:
        raise VocabError(f"{path}: 'hash' must be a sha256 hex string, got {digest!r:.80}")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise VocabError(f"{path}: 'tokens' must be a list of token texts")
    if len(tokens) > limits.current().vocab:
        raise VocabError(f"{path}: {limits.exceeded('vocab', f'{len(tokens)} tokens')}")
    size = data.get("size", len(tokens))
    if isinstance(size, bool) or size != len(tokens):
        raise VocabError(f"{path}: 'size' is {size!r:.40} but there are {len(tokens)} tokens")
    texts = tuple(tokens)
    if tokens_hash(texts) != digest:
        raise VocabError(f"{path}: vocabulary hash does not match its tokens (file edited?)")
    return texts
