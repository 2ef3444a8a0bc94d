"""The encoded corpus: lead sheets turned into token bars, and its on-disk form.

`jazzgen preprocess` writes a corpus directory; `jazzgen train` reads one (or builds one in
memory from MIDI/lead-sheet inputs through the same functions).

On-disk format of a corpus directory DIR:
- `DIR/vocab.json`  : the vocabulary (see tokens.vocab).
- `DIR/corpus.jsonl`: one JSON object per usable input file, one line each:
  `{"source": str, "sha256": str, "time_signature": "4/4", "qpm": float,
    "bars": [{"chords": [["Dm7", 0.0], ["G7", 2.0]], "tokens": ["C,0.250,<m2,P-4>", ...]}]}`
  chord offsets are quarter notes from the bar start. A bar may also carry, aligned with
  its tokens (null for rests and unknown values), `"pitches"` (MIDI pitch of each note),
  `"articulation"` (sounding length / token duration, 0..1) and `"velocities"` (1..127):
  what the learned realizer, articulation and dynamics are fitted on (`jazzgen.performance`).
- `DIR/report.json` : `{"files": [{"path", "status": "ok"|"skipped", "reason", "bars",
  "tokens"}], "ok": N, "skipped": M}`.
- `DIR/cache/<sha256>-<settings>.json`: per-file results, reused when the content and
  settings are unchanged.

Additions (backwards compatible, written only when needed): a bar object may carry
`"time_signature": "3/4"` when its meter differs from the piece's (files with meter
changes), and `"form": ["A1", 2]` when its place in the form is known (WJazzD solos: the
section label of `beats.form` and the bar's index in that section, see core.context); a
piece may carry `"performer": "Art Pepper"` (WJazzD solos: `--val-by performer` holds out
whole performers); bars may carry `"pitches"`, `"articulation"` and `"velocities"`
(above: a corpus without them trains a uniform realizer and no articulation);
`report.json` also has `"cached": K` (files answered from the cache) and `"settings"` (the
encode options used), and for a Weimar Jazz Database input `"wjazzd"` (see
corpus.wjazzd).

`save_corpus`/`load_corpus`/`load_vocab` below are the only readers/writers of this format.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from jazzgen.core.chord_symbols import parse_chord_symbol
from jazzgen.core.errors import FILE_NOT_FOUND, ConfigError, CorpusError, JazzgenError, OutputError
from jazzgen.core.harmony import Chord
from jazzgen.core.types import TimeSignature
from jazzgen.io.outputs import (
    cannot_write,
    make_folder,
    replace_dir,
    temporary_folder_beside,
    write_atomic,
)
from jazzgen.tokens.grammar import Token, token_from_text, token_to_text
from jazzgen.tokens.vocab import Vocab

VOCAB_FILE = "vocab.json"
CORPUS_FILE = "corpus.jsonl"
REPORT_FILE = "report.json"
CACHE_DIR = "cache"
CORPUS_ENTRIES = (VOCAB_FILE, CORPUS_FILE, REPORT_FILE, CACHE_DIR)
"""Everything a corpus directory holds: `save_corpus` replaces only folders of these."""


@dataclass(frozen=True)
class PieceBar:
    """One encoded bar: chords with offsets (quarter notes from the bar start), tokens."""

    chords: tuple[tuple[Chord, float], ...]
    tokens: tuple[Token, ...]
    time_signature: TimeSignature | None = None  # only when it differs from the piece's
    # Per token, aligned with `tokens` (None for a rest or an unknown value); the whole
    # field None when not recorded (an older corpus, an input without that data):
    pitches: tuple[int | None, ...] | None = None  # MIDI pitch of each note
    articulation: tuple[float | None, ...] | None = None  # sounding length / duration, 0..1
    velocities: tuple[int | None, ...] | None = None  # MIDI velocity 1..127
    form: tuple[str, int] | None = None  # (section label, bar in the section) when known


@dataclass(frozen=True)
class Piece:
    """One encoded input file."""

    source: str
    sha256: str
    time_signature: TimeSignature
    qpm: float
    bars: tuple[PieceBar, ...]
    performer: str = ""  # who played it, when known (WJazzD solos); "" for files

    @property
    def token_count(self) -> int:
        return sum(len(b.tokens) for b in self.bars)


# --- on-disk form ----------------------------------------------------------------------------


def _corpus_time_signature(text: object) -> TimeSignature:
    """The meter of a corpus entry ('3/4'); CorpusError with `TimeSignature.parse`'s reason."""
    try:
        return TimeSignature.parse(text)
    except ConfigError as exc:
        raise CorpusError(str(exc)) from None


# Corpora repeat a few hundred distinct token texts many times: parse each text once.
_token_from_text = functools.lru_cache(maxsize=65536)(token_from_text)


def _token_texts(pieces: Sequence[Piece]) -> dict[int, str]:
    """The text of every token object of `pieces`, by object id: a corpus repeats few token
    objects many times (`tokens.encode` makes equal tokens one object), and looking a text
    up by id costs less than hashing a Token. Valid while `pieces` are alive."""
    tokens = chain.from_iterable(bar.tokens for piece in pieces for bar in piece.bars)
    distinct = {id(token): token for token in tokens}
    return {key: token_to_text(token) for key, token in distinct.items()}


def piece_to_dict(piece: Piece, texts: Mapping[int, str] | None = None) -> dict[str, Any]:
    """The JSON object of one `corpus.jsonl` line (`texts`: token texts by object id, see
    `_token_texts`; else each token's text is made)."""
    bars = []
    for bar in piece.bars:
        if texts is None:
            tokens = [token_to_text(t) for t in bar.tokens]
        else:
            tokens = list(map(texts.__getitem__, map(id, bar.tokens)))
        item: dict[str, Any] = {
            "chords": [[chord.symbol, round(offset, 6)] for chord, offset in bar.chords],
            "tokens": tokens,
        }
        if bar.time_signature is not None:
            item["time_signature"] = str(bar.time_signature)
        for name in PERFORMANCE_FIELDS:
            values = getattr(bar, name)
            if values is not None:
                item[name] = list(values)
        if bar.form is not None:
            item["form"] = [bar.form[0], bar.form[1]]
        bars.append(item)
    data: dict[str, Any] = {
        "source": piece.source,
        "sha256": piece.sha256,
        "time_signature": str(piece.time_signature),
        "qpm": piece.qpm,
    }
    if piece.performer:
        data["performer"] = piece.performer
    data["bars"] = bars
    return data


def piece_from_dict(data: dict[str, Any]) -> Piece:
    """Inverse of `piece_to_dict`; raises CorpusError (or VocabError/ChordSymbolError)."""
    try:
        bars = []
        for bar in data["bars"]:
            chords = tuple((parse_chord_symbol(sym), float(off)) for sym, off in bar["chords"])
            tokens = tuple(_token_from_text(t) for t in bar["tokens"])
            ts = bar.get("time_signature")
            performance = {name: _per_token(bar, name, len(tokens)) for name in PERFORMANCE_FIELDS}
            meter = _corpus_time_signature(ts) if ts else None
            form = _form(bar.get("form"))
            bars.append(PieceBar(chords, tokens, meter, **performance, form=form))
        return Piece(
            source=str(data["source"]),
            sha256=str(data["sha256"]),
            time_signature=_corpus_time_signature(data["time_signature"]),
            qpm=float(data["qpm"]),
            bars=tuple(bars),
            performer=str(data.get("performer") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CorpusError(f"bad corpus entry: {type(exc).__name__}: {exc}") from None


PERFORMANCE_FIELDS = ("pitches", "articulation", "velocities")
"""The optional per-token lists of a corpus bar, in the order they are written."""

_FIELD_RANGES: dict[str, tuple[type, float, float]] = {
    "pitches": (int, 0, 127),
    "articulation": (float, 0.0, 1.0),
    "velocities": (int, 1, 127),
}


def _per_token(bar: Mapping[str, Any], name: str, n_tokens: int) -> tuple | None:
    """The bar's list `name` (PERFORMANCE_FIELDS) as a tuple, None when absent; CorpusError
    when it is not one value (or null) per token in the field's range."""
    values = bar.get(name)
    if values is None:
        return None
    kind, low, high = _FIELD_RANGES[name]
    if not isinstance(values, list) or len(values) != n_tokens:
        raise CorpusError(f"bad corpus entry: {name!r} must list one value per token")
    for value in values:
        ok = value is None or (
            isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
        )
        if not ok or (kind is int and value is not None and not isinstance(value, int)):
            raise CorpusError(f"bad corpus entry: {name!r} value {value!r} not in {low}..{high}")
    if kind is float:
        return tuple(None if v is None else float(v) for v in values)
    return tuple(values)


def _form(value: object) -> tuple[str, int] | None:
    """A bar's `"form": [label, bar]` (None when absent); CorpusError when malformed."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], str)
        or isinstance(value[1], bool)
        or not isinstance(value[1], int)
        or value[1] < 0
    ):
        raise CorpusError(f"bad form of a bar: expected [label, bar >= 0], got {value!r:.80}")
    return value[0], value[1]


def corpus_line(piece: Piece, texts: Mapping[int, str] | None = None) -> str:
    """The `corpus.jsonl` line of `piece` (without the newline); `texts` as in
    `piece_to_dict` (made for the piece's own tokens when not given)."""
    texts = _token_texts([piece]) if texts is None else texts
    return json.dumps(piece_to_dict(piece, texts), separators=(",", ":"))


def save_corpus(
    directory: str | Path,
    pieces: Sequence[Piece],
    report: dict[str, Any],
    *,
    lines: Sequence[str] | None = None,
) -> Vocab:
    """Write DIR/vocab.json, DIR/corpus.jsonl and DIR/report.json; return the vocabulary.

    The vocabulary is every token of `pieces`, sorted. `lines` are the pieces' corpus lines
    when they were already made (`corpus_line`, e.g. in the worker processes that encoded
    the pieces); else they are made here. The corpus is written as a whole: the three
    files go into a new folder beside DIR, DIR/cache is moved into it, and it takes the
    place of DIR in one step (`io.outputs.replace_dir`), so a crash leaves the old corpus
    or the new one, never a mixture. DIR may be missing, empty, or a corpus
    (`corpus_dir_problem`); OutputError for anything else, or when writing fails.
    """
    directory = Path(directory)
    problem = corpus_dir_problem(directory)
    if problem is not None:
        raise OutputError(f"{directory}: {problem}: refusing to replace it")
    if lines is not None and len(lines) != len(pieces):
        raise CorpusError(f"{len(lines)} corpus lines for {len(pieces)} pieces")
    make_folder(directory.parent if str(directory.parent) else Path("."))
    tmp = temporary_folder_beside(directory)
    cache = directory / CACHE_DIR
    moved = False
    try:
        vocab = _write_corpus_files(tmp, pieces, report, lines)
        if cache.is_dir():
            os.replace(cache, tmp / CACHE_DIR)
            moved = True
        replace_dir(tmp, directory)
        moved = False
    except OSError as exc:
        raise cannot_write(directory, exc) from None
    finally:
        if moved:  # the swap failed: the cache goes back where it was
            with contextlib.suppress(OSError):
                os.replace(tmp / CACHE_DIR, cache)
        shutil.rmtree(tmp, ignore_errors=True)
    return vocab


def _write_corpus_files(
    folder: Path, pieces: Sequence[Piece], report: dict[str, Any], lines: Sequence[str] | None
) -> Vocab:
    """vocab.json, corpus.jsonl and report.json of `pieces` in `folder`; the vocabulary."""
    texts = _token_texts(pieces)
    vocab = Vocab(tuple(sorted(set(texts.values()))))
    write_atomic(folder / VOCAB_FILE, vocab.to_json() + "\n")
    if lines is None:
        lines = [corpus_line(p, texts) for p in pieces]
    write_atomic(folder / CORPUS_FILE, "".join(line + "\n" for line in lines))
    write_atomic(folder / REPORT_FILE, json.dumps(report, indent=1) + "\n")
    return vocab


def corpus_dir_problem(directory: str | Path) -> str | None:
    """Why `save_corpus` may not replace DIR (it holds files that are not a corpus's), or
    None: DIR is missing, empty, or holds only `CORPUS_ENTRIES`."""
    directory = Path(directory)
    if not directory.exists() and not directory.is_symlink():
        return None
    if not directory.is_dir():
        return "not a folder"
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        return f"cannot list it ({exc.strerror})"
    foreign = [name for name in names if name not in CORPUS_ENTRIES]
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        return f"it holds files that are not part of a jazzgen corpus ({shown})"
    return None


def is_corpus_dir(directory: str | Path) -> bool:
    """True when DIR looks like a `jazzgen preprocess` output (corpus.jsonl + report.json)."""
    directory = Path(directory)
    return (directory / CORPUS_FILE).is_file() and (directory / REPORT_FILE).is_file()


def load_corpus(directory: str | Path) -> list[Piece]:
    """Read DIR/corpus.jsonl. Raises CorpusError naming the file and line of a bad entry."""
    path = Path(directory) / CORPUS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorpusError(f"{path}: {FILE_NOT_FOUND} (run `jazzgen preprocess`)") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read corpus: {exc}") from None
    pieces = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pieces.append(piece_from_dict(json.loads(line)))
        except ValueError as exc:  # json.JSONDecodeError
            raise CorpusError(f"{path}:{number}: not JSON ({exc})") from None
        except JazzgenError as exc:
            raise CorpusError(f"{path}:{number}: {exc}") from None
    return pieces


def load_vocab(directory: str | Path, pieces: Sequence[Piece] | None = None) -> Vocab:
    """Read DIR/vocab.json; when `pieces` are given, check that it covers all their tokens."""
    vocab = Vocab.load(Path(directory) / VOCAB_FILE)
    if pieces is not None:
        known = set(vocab.texts)
        for piece in pieces:
            for bar in piece.bars:
                for token in bar.tokens:
                    if token_to_text(token) not in known:
                        raise CorpusError(
                            f"{directory}: token {token_to_text(token)!r} of {piece.source} "
                            "is not in vocab.json (corpus and vocabulary do not match)"
                        )
    return vocab
