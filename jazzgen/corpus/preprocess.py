"""Preprocessing: input files -> encoded `Piece`s -> a corpus directory.

Library functions (the CLI's `preprocess` command and `jazzgen train` both use them):
- `EncodeOptions`: every setting that changes the encoding (part of the cache key);
- `collect_inputs(inputs)`: files and folders (recursive) -> sorted supported files;
- `encode_file(path, options) -> Piece`: read, cut the lead sheet, tokenize;
- `build_corpus(paths, *, jobs, cache_dir, options) -> (pieces, report)`: many files in
  parallel worker processes, per-file results cached by content sha256 + settings key; a
  bad file is skipped with a one-line reason and never stops the batch;
- `save_corpus`/`load_corpus`/`load_vocab` (in corpus.store): the on-disk format.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jazzgen.analysis.leadsheet import SheetOptions, read_leadsheet
from jazzgen.core import limits
from jazzgen.core.errors import (
    ConfigError,
    CorpusError,
    InputFileError,
    InputLimitError,
    JazzgenError,
)
from jazzgen.core.types import LeadSheet, Note
from jazzgen.corpus.store import Piece, PieceBar, piece_from_dict, piece_to_dict
from jazzgen.io.files import collect_inputs, file_sha256
from jazzgen.io.outputs import write_atomic
from jazzgen.tokens.encode import encode_melody
from jazzgen.tokens.grammar import DEFAULT_MIN_REST_STEPS, Token
from jazzgen.tokens.vocab import Vocab

log = logging.getLogger(__name__)

CACHE_FORMAT = 3  # bump when encoding changes, so old cache entries are ignored (2: pitches,
# articulation and velocities per token; 3: a bar's leading rest records a note held into it)
MIN_MELODY_NOTES = 4  # fewer melody notes teach the model nothing: "too short"


@dataclass(frozen=True)
class EncodeOptions(SheetOptions):
    """Settings of the per-file encoding: what `SheetOptions` selects, and how it becomes
    tokens (all of them go into the cache key)."""

    min_rest_steps: int = DEFAULT_MIN_REST_STEPS  # shorter silences are articulation

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.min_rest_steps <= 48:
            raise ConfigError(f"min_rest_steps must be in range 1..48, got {self.min_rest_steps}")

    @property
    def key(self) -> str:
        """Short stable hash of the settings (and cache format) for cache file names."""
        text = json.dumps({"format": CACHE_FORMAT, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def encode_leadsheet_bars(leadsheet: LeadSheet, min_rest_steps: int) -> tuple[PieceBar, ...]:
    """Token bars of a LeadSheet, chords as (chord, offset from the bar start), with each
    note's pitch and, when the lead sheet has them as performed, its articulation (sounding
    length / token duration, clipped to 0..1, 3 decimals) and velocity.

    A note is cut at the bar line (`tokens.encode`), so a note held over it leaves a rest
    at the start of the next bar. When the previous bar ends with a note, the articulation
    of a bar's leading rest is the share of the rest that note still sounds (0: it ended
    at or before the bar line): what `performance.ties` learns. Other rests have None."""
    encoded = encode_melody(leadsheet.melody, leadsheet.bars, min_rest_steps=min_rest_steps)
    first_ts = leadsheet.bars[0].time_signature
    bars = []
    last: Note | None = None  # the note that ends the previous bar (None: a rest, or none)
    for bar, enc in zip(leadsheet.bars, encoded, strict=True):
        chords = tuple((span.chord, span.start_beat - bar.start_beat) for span in bar.chords)
        ts = bar.time_signature
        differs = (ts.numerator, ts.denominator) != (first_ts.numerator, first_ts.denominator)
        articulation = velocities = None
        if leadsheet.performed_ends:
            articulation = tuple(map(_articulation, enc.tokens, enc.notes))
            if last is not None and enc.tokens and enc.tokens[0].is_rest:
                share = _held_share(last, bar.start_beat, enc.tokens[0])
                articulation = (share, *articulation[1:])
        last = enc.notes[-1] if enc.notes else None
        if leadsheet.performed_velocities:
            velocities = tuple(None if n is None else n.velocity for n in enc.notes)
        bars.append(
            PieceBar(
                chords,
                enc.tokens,
                ts if differs else None,
                enc.pitches,
                articulation,
                velocities,
                form=bar.form,
            )
        )
    return tuple(bars)


def _held_share(note: Note, bar_start: float, rest: Token) -> float:
    """The share of a bar's leading `rest` that `note` (ending the bar before) still
    sounds, 0..1, 3 decimals."""
    return round(min(max((note.end_beat - bar_start) / rest.quarter_length, 0.0), 1.0), 3)


def _articulation(token: Token, note: Note | None) -> float | None:
    """A note token's sounding length / its duration, clipped to 0..1 (None for a rest)."""
    if note is None:
        return None
    ratio = (note.end_beat - note.start_beat) / token.quarter_length
    return round(min(max(ratio, 0.0), 1.0), 3)


def encode_file(
    path: str | Path, options: EncodeOptions | None = None, *, sha256: str | None = None
) -> Piece:
    """Read one MIDI/MusicXML/ABC file and encode it into a `Piece`.

    `sha256` (of the file content) is computed when not given. Raises InputFileError with a
    one-line reason for any unusable file (not MIDI, corrupt, drums only, too short...).
    """
    options = options or EncodeOptions()
    path = Path(path)
    if sha256 is None:
        sha256 = file_sha256(path)
    _score, leadsheet = read_leadsheet(path, options)
    if len(leadsheet.melody) < MIN_MELODY_NOTES:
        raise InputFileError(
            path,
            f"too short: {len(leadsheet.melody)} melody notes in the selected bars "
            f"(need at least {MIN_MELODY_NOTES})",
        )
    bars = encode_leadsheet_bars(leadsheet, options.min_rest_steps)
    return Piece(
        source=str(path),
        sha256=sha256,
        time_signature=leadsheet.time_signature,
        qpm=round(leadsheet.qpm, 3),
        bars=bars,
    )


# --- batch ------------------------------------------------------------------------------------


def _process_one(
    path_text: str, options: EncodeOptions, cache_dir: str | None, write_cache: bool = True
) -> dict[str, Any]:
    """Worker: one file -> a result record (never raises for a bad file).

    Record: {"path", "status": "ok"|"skipped", "reason", "bars", "tokens", "cached",
    "piece": corpus dict or None}. Results are read from `cache_dir` and, with
    `write_cache`, stored there; a file refused for a limit is not stored (the limit may
    be raised).
    """
    path = Path(path_text)
    record: dict[str, Any] = {
        "path": path_text,
        "status": "skipped",
        "reason": "",
        "bars": 0,
        "tokens": 0,
        "cached": False,
        "piece": None,
    }
    try:
        sha = file_sha256(path)
    except InputFileError as exc:
        record["reason"] = exc.reason
        return record
    cache_file = Path(cache_dir) / f"{sha}-{options.key}.json" if cache_dir else None
    if cache_file is not None and cache_file.is_file():
        try:
            cached = json.loads(cache_file.read_text(encoding="utf-8"))
            if cached.get("piece") is not None:
                cached["piece"]["source"] = path_text  # same content, maybe another name
                piece_from_dict(cached["piece"])  # a damaged entry is re-encoded below
            cached.update(path=path_text, cached=True)
            return cached
        except (OSError, ValueError, AttributeError, KeyError, TypeError, JazzgenError):
            log.warning("ignoring unreadable cache entry %s (re-encoding)", cache_file)
    try:
        piece = encode_file(path, options, sha256=sha)
    except InputLimitError as exc:
        record["reason"] = exc.reason
        return record  # not cached: the same file passes a raised limit
    except JazzgenError as exc:
        record["reason"] = exc.reason if isinstance(exc, InputFileError) else str(exc)
    except Exception as exc:  # a bug must not stop the batch; it is reported per file
        log.exception("unexpected error while encoding %s", path)
        record["reason"] = f"internal error: {type(exc).__name__}: {exc}"
        return record  # not cached: a fixed bug should retry
    else:
        record.update(
            status="ok",
            bars=len(piece.bars),
            tokens=piece.token_count,
            piece=piece_to_dict(piece),
        )
    if cache_file is not None and write_cache:
        _store_in_cache(cache_file, record)
    return record


_cache_failed = False  # a cache write failed in this process: warned once, no more tries


def _store_in_cache(cache_file: Path, record: dict[str, Any]) -> None:
    """Write `record` to `cache_file` atomically; on the first failure (disk full, read-only)
    warn once and stop caching in this process."""
    global _cache_failed
    if _cache_failed:
        return
    try:
        write_atomic(cache_file, json.dumps(record))
    except JazzgenError as exc:
        _cache_failed = True
        log.warning("cache disabled: %s", exc)


def _process_chunk(
    paths: Sequence[str], options: EncodeOptions, cache_dir: str | None, write_cache: bool
) -> list[dict[str, Any]]:
    return [_process_one(p, options, cache_dir, write_cache) for p in paths]


def _cache_ready(cache_dir: Path) -> bool:
    """Create `cache_dir` if needed; whether new entries can be written there (a warning
    says why not: the corpus is then encoded without storing results)."""
    probe = cache_dir / f".probe-{os.getpid()}"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        log.warning("cache disabled: cannot write %s: %s", cache_dir, exc.strerror or exc)
        return False
    return True


def worker_pool(max_workers: int) -> ProcessPoolExecutor:
    """Worker processes (`worker_pool_context`) that start with this process's limits in
    force (core.limits), so a worker refuses what this process would."""
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=worker_pool_context(),
        initializer=limits.set_limits,
        initargs=(limits.current(),),
    )


def worker_pool_context() -> multiprocessing.context.BaseContext:
    """'fork' (fast worker start) unless TensorFlow is loaded: forking a process that runs
    TensorFlow's thread pools can deadlock, so then 'forkserver' (clean workers)."""
    methods = multiprocessing.get_all_start_methods()
    if "tensorflow" in sys.modules or "fork" not in methods:
        return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return multiprocessing.get_context("fork")


def build_corpus(
    paths: Sequence[str | Path],
    *,
    jobs: int | None = None,
    cache_dir: str | Path | None = None,
    options: EncodeOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Piece], dict[str, Any]]:
    """Encode many files; return the usable pieces (input order) and the report.

    `paths` are files (see `collect_inputs` for folders). `jobs` worker processes (default
    os.cpu_count(); 1 = in this process). `cache_dir`: per-file results are stored and
    reused there, keyed by content sha256 and `options.key`. `progress(n)` is called as
    n more files finish. The report is the `report.json` object of corpus.store:
    {"files": [{"path", "status", "reason", "bars", "tokens"}], "ok", "skipped", "cached",
    "settings"}.
    """
    options = options or EncodeOptions()
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise ConfigError(f"--jobs must be >= 1, got {jobs}")
    texts = [str(p) for p in paths]
    cache_text = None
    write_cache = False
    if cache_dir is not None:
        write_cache = _cache_ready(Path(cache_dir))
        cache_text = str(cache_dir) if Path(cache_dir).is_dir() else None
    if jobs == 1 or len(texts) <= 1:
        records = _encode_here(texts, options, cache_text, write_cache, progress)
    else:
        records = _encode_in_workers(texts, jobs, options, cache_text, write_cache, progress)
    return _pieces_and_report(records, options)


def _encode_here(
    texts: Sequence[str],
    options: EncodeOptions,
    cache_dir: str | None,
    write_cache: bool,
    progress: Callable[[int], None] | None,
) -> list[dict[str, Any]]:
    """Result records of `_process_one` for every file, in this process."""
    records = []
    for text in texts:
        records.append(_process_one(text, options, cache_dir, write_cache))
        if progress:
            progress(1)
    return records


def _encode_in_workers(
    texts: Sequence[str],
    jobs: int,
    options: EncodeOptions,
    cache_dir: str | None,
    write_cache: bool,
    progress: Callable[[int], None] | None,
) -> list[dict[str, Any]]:
    """Result records of `_process_one` for every file (input order), in `jobs` worker
    processes that take the files in chunks (with this process's limits)."""
    # Chunks amortise inter-process overhead; small enough to keep both cores busy.
    size = max(1, min(32, len(texts) // (jobs * 4) or 1))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    records: list[dict[str, Any]] = []
    with worker_pool(min(jobs, len(chunks))) as pool:
        futures = [pool.submit(_process_chunk, c, options, cache_dir, write_cache) for c in chunks]
        for future in futures:
            chunk_records = future.result()
            records.extend(chunk_records)
            if progress:
                progress(len(chunk_records))
    return records


def _pieces_and_report(
    records: list[dict[str, Any]], options: EncodeOptions
) -> tuple[list[Piece], dict[str, Any]]:
    """The pieces of the usable records and the report (see `build_corpus`); a record whose
    piece does not load (a damaged cache entry) is reported as skipped."""
    pieces: list[Piece] = []
    files = []
    for record in records:
        if record["status"] == "ok":
            try:
                pieces.append(piece_from_dict(record["piece"]))
            except JazzgenError as exc:  # a corrupted cache entry
                record.update(status="skipped", reason=f"bad cache entry: {exc}")
        files.append({k: record[k] for k in ("path", "status", "reason", "bars", "tokens")})
        if record["status"] == "skipped":
            log.info("skipped %s: %s", record["path"], record["reason"])
    ok = sum(1 for f in files if f["status"] == "ok")
    report = {
        "files": files,
        "ok": ok,
        "skipped": len(files) - ok,
        "cached": sum(1 for r in records if r.get("cached")),
        "settings": asdict(options),
    }
    return pieces, report


# --- training inputs ---------------------------------------------------------------------


def load_training_corpus(
    inputs: Sequence[str | Path],
    *,
    options: Any = None,
    jobs: int | None = None,
) -> tuple[list[Piece], Vocab, dict[str, Any], list[dict[str, Any]]]:
    """Pieces, vocabulary, encode settings and skipped files for `jazzgen train INPUT...`.

    One directory written by `jazzgen preprocess` (corpus.jsonl) is read as is, with its
    vocab.json; otherwise the inputs are MIDI/lead-sheet files or folders, encoded with
    `options` (EncodeOptions) in `jobs` processes. Raises CorpusError when
    nothing usable remains.
    """
    from jazzgen.corpus.store import REPORT_FILE, is_corpus_dir, load_corpus, load_vocab

    corpus_dirs = [p for p in inputs if is_corpus_dir(p)]
    if corpus_dirs:
        if len(inputs) > 1:
            raise ConfigError(
                f"{corpus_dirs[0]} is a preprocessed corpus: train on it alone, "
                "or pass MIDI files/folders only"
            )
        if options is not None and options != EncodeOptions():
            raise ConfigError(
                f"{corpus_dirs[0]} is already encoded: --melody-track/--start-bar/--end-bar "
                "apply only to MIDI inputs (re-run `jazzgen preprocess` with them)"
            )
        directory = Path(corpus_dirs[0])
        pieces = load_corpus(directory)
        vocab = load_vocab(directory, pieces)
        try:
            report = json.loads((directory / REPORT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = {}
        encode = report.get("settings", {}) if isinstance(report, dict) else {}
        skipped: list[dict[str, Any]] = []
    else:
        options = options or EncodeOptions()
        paths = collect_inputs(inputs)
        if not paths:
            raise CorpusError(f"no MIDI/MusicXML/ABC files found in {', '.join(map(str, inputs))}")
        pieces, report = build_corpus(paths, jobs=jobs, options=options)
        skipped = [f for f in report["files"] if f["status"] != "ok"]
        if not pieces:
            reasons = "; ".join(f"{f['path']}: {f['reason']}" for f in skipped[:3])
            raise CorpusError(f"no usable input ({len(skipped)} skipped): {reasons}")
        vocab = Vocab.from_tokens(t for p in pieces for b in p.bars for t in b.tokens)
        encode = asdict(options)
    if not pieces:
        raise CorpusError("the corpus has no pieces: nothing to train on")
    return pieces, vocab, encode, skipped
