"""The token vocabulary: a sorted list of token texts with a content hash, saved as JSON.

Ids are positions in the sorted list, so they are the same in every process. Saved form
(`vocab.json`): `{"format": 1, "hash": "<sha256 of the tokens>", "size": N, "tokens": [...]}`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jazzgen.core.errors import FILE_NOT_FOUND, VocabError
from jazzgen.tokens.grammar import Token, token_from_text, token_to_text

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
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise VocabError(f"{path}: {FILE_NOT_FOUND}") from None
        except (OSError, ValueError) as exc:
            raise VocabError(f"{path}: not a vocabulary JSON file ({exc})") from None
        if not isinstance(data, dict) or "tokens" not in data or "hash" not in data:
            raise VocabError(f"{path}: vocabulary JSON needs 'tokens' and 'hash'")
        texts = tuple(data["tokens"])
        if tokens_hash(texts) != data["hash"]:
            raise VocabError(f"{path}: vocabulary hash does not match its tokens (file edited?)")
        for text in texts:
            token_from_text(text)  # raises VocabError on a malformed token
        return cls(texts)
