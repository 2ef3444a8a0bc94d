"""`jazzgen preprocess`: encode MIDI/lead-sheet files into a corpus folder."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jazzgen.cli.common import fail, wjazzd_input
from jazzgen.cli.options import (
    EndBar,
    Instruments,
    MelodyTrack,
    Performers,
    RhythmFeels,
    Solos,
    StartBar,
    Styles,
    force_option,
    jobs_option,
    options_from,
)
from jazzgen.core.wording import plural

if TYPE_CHECKING:
    from jazzgen.corpus.preprocess import EncodeOptions

if TYPE_CHECKING:
    from jazzgen.corpus.preprocess import EncodeOptions
    from jazzgen.io.wjazzd import SoloFilter


@dataclass(frozen=True)
class PreprocessArgs:
    """Parameters of `jazzgen preprocess`."""

    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT", help="MIDI/MusicXML/ABC files or folders, or one WJazzD database."
        ),
    ]
    out: Annotated[str, typer.Option("--out", "-o", metavar="DIR", help="Corpus folder to write.")]
    jobs: Annotated[int | None, jobs_option("Worker processes (default: all cores).")] = None
    melody_track: MelodyTrack = None
    start_bar: StartBar = None
    end_bar: EndBar = None
    force: Annotated[bool, force_option("Write into a non-empty folder that is not a corpus.")] = (
        False
    )
    performer: Performers = None
    instrument: Instruments = None
    style: Styles = None
    rhythmfeel: RhythmFeels = None
    solo: Solos = None


def preprocess_command(args: PreprocessArgs) -> None:
    """Encode MIDI/lead-sheet files into a corpus folder for `jazzgen train`.

    Folders are searched recursively for .mid .midi .xml .mxl .musicxml .abc files. Files
    are encoded in parallel; results are cached by file content in OUT/cache, so a rerun
    (with --force to replace the corpus) only encodes new or changed files. Writes
    OUT/vocab.json, OUT/corpus.jsonl and OUT/report.json. Unusable files are skipped with
    a reason; the exit code is 1 only when no file is usable.

    A Weimar Jazz Database file (wjazzd.db) gives one piece per solo (all of them, or those
    that --performer/--instrument/--style/--rhythmfeel/--solo select); OUT/report.json lists
    every solo with its quantisation counts (no cache: the whole database takes seconds).

    \b
    Example:
      jazzgen preprocess my_midi/ extra/tune.mid --out data/corpus --jobs 2
      jazzgen preprocess wjazzd.db --out data/wjazzd --style BEBOP --style HARDBOP
    """
    from jazzgen.corpus.preprocess import EncodeOptions
    from jazzgen.io.files import collect_inputs

    out_dir = Path(args.out)
    _check_out_dir(args.out, args.force)
    if args.jobs is not None and args.jobs < 1:
        fail(f"--jobs must be >= 1, got {args.jobs}")
    options = options_from(EncodeOptions, args)
    database, solo_filter = wjazzd_input(args.inputs, args)
    if database is not None:
        _preprocess_wjazzd(database, solo_filter, options, args)
        return
    paths = collect_inputs(args.inputs)
    if not paths:
        fail("no input files found (looked for .mid .midi .xml .mxl .musicxml .abc)")
    created, fresh = not out_dir.exists(), not out_dir.exists() or _only_cache(out_dir)
    try:
        _encode_and_save(paths, out_dir, options, args.jobs)
    except BaseException:
        if fresh:  # a failed first run leaves nothing behind that would refuse the next one
            from jazzgen.corpus.store import CACHE_DIR

            shutil.rmtree(out_dir if created else out_dir / CACHE_DIR, ignore_errors=True)
        raise


def _encode_and_save(
    paths: list[Path], out_dir: Path, options: EncodeOptions, jobs: int | None
) -> None:
    """Encode `paths` (cached in OUT/cache), report skipped files, write the corpus."""
    from jazzgen.corpus.preprocess import build_corpus
    from jazzgen.corpus.store import CACHE_DIR, save_corpus

    cache_dir = out_dir / CACHE_DIR
    if sys.stderr.isatty():
        with typer.progressbar(length=len(paths), label="encoding", file=sys.stderr) as bar:
            pieces, report = build_corpus(
                paths, jobs=jobs, cache_dir=cache_dir, options=options, progress=bar.update
            )
    else:
        pieces, report = build_corpus(paths, jobs=jobs, cache_dir=cache_dir, options=options)
    for entry in report["files"]:
        if entry["status"] != "ok":
            typer.echo(f"skipped {entry['path']}: {entry['reason']}", err=True)
    if not pieces:
        fail(f"no usable input ({plural(report['skipped'], 'file')} skipped)")
    vocab = save_corpus(out_dir, pieces, report)
    bars = sum(len(p.bars) for p in pieces)
    tokens = sum(p.token_count for p in pieces)
    typer.echo(
        f"{plural(report['ok'], 'file')} ok, {report['skipped']} skipped "
        f"({report['cached']} from cache): {plural(bars, 'bar')}, {plural(tokens, 'token')}, "
        f"vocabulary {len(vocab)} -> {out_dir}"
    )


def _only_cache(out_dir: Path) -> bool:
    """Whether folder `out_dir` holds nothing but a (left-over) encoding cache, or nothing."""
    from jazzgen.corpus.store import CACHE_DIR

    return out_dir.is_dir() and all(p.name == CACHE_DIR for p in out_dir.iterdir())


def _preprocess_wjazzd(
    database: str, solo_filter: SoloFilter, options: EncodeOptions, args: PreprocessArgs
) -> None:
    """`jazzgen preprocess wjazzd.db --out DIR`: one piece per selected solo."""
    from jazzgen.corpus.preprocess import EncodeOptions
    from jazzgen.corpus.wjazzd import save_wjazzd_corpus

    if options != EncodeOptions(min_rest_steps=options.min_rest_steps):
        fail("--melody-track/--start-bar/--end-bar do not apply to a WJazzD database")
    pieces, report, vocab = save_wjazzd_corpus(
        database, args.out, solo_filter=solo_filter, jobs=args.jobs, options=options
    )
    for entry in report["files"]:
        if entry["status"] != "ok":
            typer.echo(f"skipped solo {entry['melid']}: {entry['reason']}", err=True)
    if not pieces:
        fail(f"no usable solo ({report['skipped']} skipped)")
    typer.echo(_wjazzd_summary(report, pieces, len(vocab), args.out))


def _wjazzd_summary(report: dict[str, Any], pieces: list, vocab_size: int, out: str) -> str:
    """Solos ok/skipped, bars, tokens, vocabulary, and what quantising did."""
    totals = report["wjazzd"]["totals"]
    bars = sum(len(p.bars) for p in pieces)
    tokens = sum(p.token_count for p in pieces)
    return (
        f"{plural(report['ok'], 'solo')} ok, {report['skipped']} skipped: "
        f"{plural(bars, 'bar')}, {plural(tokens, 'token')}, vocabulary {vocab_size} -> {out}\n"
        f"quantised to 1/12 beat: {totals['notes']} notes, {totals['moved']} moved (at most "
        f"{totals['max_displacement_beats']:.4f} beat), {totals['merged']} merged; "
        f"{plural(totals['pickup_bars'], 'pickup bar')} kept, "
        f"{plural(totals['dropped_bars'], 'bar')} dropped; "
        f"{plural(len(report['wjazzd']['chord_labels']), 'chord label')}"
    )


def _check_out_dir(out: str, force: bool) -> None:
    """Fail unless folder `out` is absent, empty, or may be replaced (`force`)."""
    from jazzgen.corpus.store import is_corpus_dir

    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out {out} is a file, not a folder")
    if out_dir.is_dir() and not _only_cache(out_dir) and not force:
        if is_corpus_dir(out_dir):
            fail(f"{out} holds a jazzgen corpus: pass --force to replace it")
        fail(f"{out} exists and is not a jazzgen corpus: pass --force to write into it")
