"""A Weimar Jazz Database file into encoded `Piece`s: one piece per solo, in parallel.

    build_wjazzd_corpus(path, solo_filter=..., jobs=..., options=...) -> (pieces, report)
    save_wjazzd_corpus(path, out, ...) -> (pieces, report, vocab), and writes the corpus

Each solo becomes a lead sheet (`analysis.solo_sheet`) and then tokens
(`corpus.preprocess.encode_leadsheet_bars`), like a MIDI file. Worker processes each read
their share of the solos from the file themselves (each table once per share), so nothing
large crosses between processes but the finished pieces. There is no per-solo cache: the
whole database encodes in a few seconds.

A piece's `source` is `<path>#<melid>`, its `sha256` the hash of the solo's rows as read
(it changes only when the solo's data does), its `performer` the solo's performer. The
report is the usual `report.json` object (one `files` entry per selected solo, `ok` or
`skipped` with a reason) plus `"wjazzd"`: the database, the filter, skip reasons, the
totals of the lead-sheet counts (`analysis.solo_sheet.SoloStats`) and every chord label
read. Each `files` entry also has `melid`, `performer`, `title`, `instrument` and, for
an `ok` solo, `stats` (its SoloStats).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

from jazzgen.analysis.solo_sheet import SoloStats, solo_leadsheet
from jazzgen.core.errors import ConfigError, CorpusError, InputFileError, JazzgenError
from jazzgen.corpus.preprocess import (
    MIN_MELODY_NOTES,
    EncodeOptions,
    encode_leadsheet_bars,
    worker_pool,
)
from jazzgen.corpus.store import Piece, corpus_line, save_corpus
from jazzgen.io.wjazzd import Solo, SoloFilter, SoloInfo, list_solos, read_solos
from jazzgen.tokens.vocab import Vocab

STAT_TOTALS = ("notes", "moved", "merged", "pickup_bars", "dropped_bars", "dropped_notes",
               "null_notes", "bad_notes", "nc_beats", "regrouped_bars")  # fmt: skip
"""SoloStats fields summed over the ok solos in the report."""

SHARES_PER_JOB = 4
"""Shares of the solos per worker process (more: better balance, more start-up per share)."""


def solo_source(path: str | Path, melid: int) -> str:
    """The `source` of a solo's piece: '<path>#<melid>'."""
    return f"{path}#{melid}"


def solo_sha256(solo: Solo) -> str:
    """Hash of the solo's rows as read (its identity in the corpus). A NULL loudness is
    left out of a row, so reading that optional column did not change the hashes."""
    notes = [tuple(n) if n.loudness is not None else tuple(n)[:-1] for n in solo.notes]
    rows = (solo.info.melid, notes, list(map(tuple, solo.beats)))
    return hashlib.sha256(pickle.dumps(rows, protocol=5)).hexdigest()


def encode_solo(solo: Solo, source: str, options: EncodeOptions) -> tuple[Piece, SoloStats]:
    """One solo -> its piece and lead-sheet counts. Raises InputFileError (a skip reason)."""
    sheet = solo_leadsheet(solo, source)
    leadsheet = sheet.leadsheet
    if len(leadsheet.melody) < MIN_MELODY_NOTES:
        raise InputFileError(
            source,
            f"too short: {len(leadsheet.melody)} notes (need at least {MIN_MELODY_NOTES})",
        )
    piece = Piece(
        source=source,
        sha256=solo_sha256(solo),
        time_signature=leadsheet.time_signature,
        qpm=round(leadsheet.qpm, 3),
        bars=encode_leadsheet_bars(leadsheet, options.min_rest_steps),
        performer=solo.info.performer,
    )
    return piece, sheet.stats


_Result = tuple[dict[str, Any], Piece | None, str | None]
"""What a worker returns per solo: its report entry, its piece and its corpus line (None
when skipped, or when lines were not asked for)."""


def _skipped(info: SoloInfo, path: str, reason: str = "") -> dict[str, Any]:
    """The report entry of a solo that was skipped for `reason`."""
    return {
        "path": solo_source(path, info.melid), "status": "skipped", "reason": reason,
        "bars": 0, "tokens": 0, "melid": info.melid, "performer": info.performer,
        "title": info.title, "instrument": info.instrument,
    }  # fmt: skip


def _record(solo: Solo, path: str, options: EncodeOptions, line: bool) -> _Result:
    """A report entry for one solo, its piece and (with `line`) its corpus line."""
    info = solo.info
    source = solo_source(path, info.melid)
    record = _skipped(info, path)
    try:
        piece, stats = encode_solo(solo, source, options)
    except JazzgenError as exc:
        record["reason"] = exc.reason if isinstance(exc, InputFileError) else str(exc)
        return record, None, None
    record.update(status="ok", bars=len(piece.bars), tokens=piece.token_count)
    record["stats"] = stats.to_dict()
    return record, piece, corpus_line(piece) if line else None


def _encode_share(
    path: str, melids: Sequence[int], options: EncodeOptions, lines: bool
) -> list[_Result]:
    """Worker: read solos `melids` from the file and encode them. (Equal tokens and chords
    are one object each, `tokens.encode` and `io.wjazzd.wjazzd_chord` make them so: the
    pieces pickle small.) A solo over the `notes` limit is skipped with the reason."""
    refused: dict[int, tuple[SoloInfo, str]] = {}
    solos = read_solos(path, melids, refused=refused)
    results = [_record(solo, path, options, lines) for solo in solos]
    results += [(_skipped(info, path, why), None, None) for info, why in refused.values()]
    return sorted(results, key=lambda result: result[0]["melid"])


def _encode_all(
    path: str,
    melids: Sequence[int],
    jobs: int,
    options: EncodeOptions,
    progress: Callable[[int], None] | None,
    lines: bool,
) -> list[_Result]:
    """Every solo's (record, piece, line), in melid order, in `jobs` processes."""
    if jobs == 1 or len(melids) <= 1:
        results = _encode_share(path, melids, options, lines)
        if progress:
            progress(len(results))
        return results
    # Solos differ in length (up to 30x) and neighbouring melids share a performer: shares
    # take every n-th solo, so each is a mix, and several per process even out the rest.
    n_shares = min(len(melids), jobs * SHARES_PER_JOB)
    shares = [melids[k::n_shares] for k in range(n_shares)]
    results = []
    with worker_pool(min(jobs, len(shares))) as pool:
        submitted = [pool.submit(_encode_share, path, s, options, lines) for s in shares]
        for future in as_completed(submitted):
            done = future.result()
            results.extend(done)
            if progress:
                progress(len(done))
    return sorted(results, key=lambda result: result[0]["melid"])


def _summary(
    path: str, solo_filter: SoloFilter, records: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The report's "wjazzd" object (module doc)."""
    totals: dict[str, float] = dict.fromkeys(STAT_TOTALS, 0)
    largest = 0.0
    labels: set[str] = set()
    for record in records:
        stats = record.get("stats")
        if stats:
            for name in STAT_TOTALS:
                totals[name] += stats[name]
            largest = max(largest, stats["max_displacement_beats"])
            labels.update(stats["chord_labels"])
    reasons = Counter(r["reason"] for r in records if r["status"] != "ok")
    return {
        "database": path,
        "filter": {k: list(v) for k, v in asdict(solo_filter).items() if v},
        "solos": len(records),
        "skipped_by_reason": dict(sorted(reasons.items())),
        "totals": totals | {"max_displacement_beats": round(largest, 6)},
        "chord_labels": sorted(labels),
    }


class WjazzdCorpus(NamedTuple):
    """The usable pieces (melid order), the report, and (when asked for) their corpus lines."""

    pieces: list[Piece]
    report: dict[str, Any]
    lines: list[str]


def encode_wjazzd(
    path: str | Path,
    *,
    solo_filter: SoloFilter | None = None,
    jobs: int | None = None,
    options: EncodeOptions | None = None,
    progress: Callable[[int], None] | None = None,
    lines: bool = False,
) -> WjazzdCorpus:
    """Encode the solos of a WJazzD file that `solo_filter` selects (default: all).

    `jobs` worker processes (default os.cpu_count(); 1 = in this process); `progress(n)` is
    called as n more solos finish; with `lines` the workers also make each piece's
    `corpus.jsonl` line (`corpus.store.corpus_line`). Raises InputFileError for a file that
    is not a WJazzD database, ConfigError for a filter value the database does not have.
    """
    options = options or EncodeOptions()
    solo_filter = solo_filter or SoloFilter()
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise ConfigError(f"jobs must be >= 1, got {jobs}")
    text = str(path)
    melids = [info.melid for info in solo_filter.select(list_solos(text, counts=False))]
    results = _encode_all(text, melids, jobs, options, progress, lines)
    records = [record for record, _, _ in results]
    pieces = [piece for _, piece, _ in results if piece is not None]
    report = {
        "files": records,
        "ok": len(pieces),
        "skipped": len(records) - len(pieces),
        "cached": 0,
        "settings": asdict(options),
        "wjazzd": _summary(text, solo_filter, records),
    }
    return WjazzdCorpus(pieces, report, [line for _, _, line in results if line is not None])


def build_wjazzd_corpus(
    path: str | Path,
    *,
    solo_filter: SoloFilter | None = None,
    jobs: int | None = None,
    options: EncodeOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Piece], dict[str, Any]]:
    """The usable pieces (melid order) and the report (module doc) of `encode_wjazzd`."""
    pieces, report, _ = encode_wjazzd(
        path, solo_filter=solo_filter, jobs=jobs, options=options, progress=progress
    )
    return pieces, report


def save_wjazzd_corpus(
    path: str | Path,
    out: str | Path,
    *,
    solo_filter: SoloFilter | None = None,
    jobs: int | None = None,
    options: EncodeOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Piece], dict[str, Any], Vocab]:
    """`jazzgen preprocess wjazzd.db --out DIR`: encode (`encode_wjazzd`, the corpus lines
    made in the workers) and write the corpus directory `out` (`corpus.store.save_corpus`)
    when a solo is usable. Returns the pieces, the report and the vocabulary."""
    corpus = encode_wjazzd(
        path, solo_filter=solo_filter, jobs=jobs, options=options, progress=progress, lines=True
    )
    if not corpus.pieces:
        return corpus.pieces, corpus.report, Vocab(())
    vocab = save_corpus(out, corpus.pieces, corpus.report, lines=corpus.lines)
    return corpus.pieces, corpus.report, vocab


def load_wjazzd_training_corpus(
    path: str | Path,
    *,
    solo_filter: SoloFilter | None = None,
    options: EncodeOptions | None = None,
    jobs: int | None = None,
) -> tuple[list[Piece], Vocab, dict[str, Any], list[dict[str, Any]]]:
    """`corpus.preprocess.load_training_corpus` for a WJazzD file: pieces, vocabulary,
    encode settings and skipped solos. Raises CorpusError when no solo is usable."""
    options = options or EncodeOptions()
    pieces, report = build_wjazzd_corpus(path, solo_filter=solo_filter, jobs=jobs, options=options)
    skipped = [f for f in report["files"] if f["status"] != "ok"]
    if not pieces:
        reasons = "; ".join(f"{f['path']}: {f['reason']}" for f in skipped[:3])
        raise CorpusError(f"no usable solo ({len(skipped)} skipped): {reasons}")
    vocab = Vocab.from_tokens(t for p in pieces for b in p.bars for t in b.tokens)
    return pieces, vocab, asdict(options), skipped
