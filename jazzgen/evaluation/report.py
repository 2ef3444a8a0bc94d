"""`jazzgen evaluate` as a library call: read two sets of files, measure, compare, tabulate.

Every file is cut into a lead sheet and measured once (`evaluation.metrics.analyse_piece`):

- per piece, every scalar feature of `metrics.FEATURES`, summarised per set (mean, sd) and
  compared between the sets with `evaluation.comparison.compare_feature` (Yang & Lerch's
  intra/inter-set distances, OA and KLD). A set of one piece has no intra-set distances:
  then every piece of both sets is cut into 4-bar segments and the segments are the
  samples (`unit` in the report says which); a feature with fewer than two samples in a
  set is reported as n/a (`null` in JSON);
- per set, the harmonic coherence as MINGUS reports it: chord and scale tones over all the
  set's notes pooled (`metrics` module doc);
- per histogram feature of `evaluation.distributions`, the two sets' pooled distributions
  compared with the Jensen-Shannon divergence and their overlap;
- the classifier two-sample test on 4-bar segments and its reference-vs-reference baseline
  (`evaluation.classifier`), unless turned off;
- with a model bundle, the NLL of the reference solos under it (`evaluation.likelihood`).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jazzgen.core.errors import InputFileError, JazzgenError
from jazzgen.core.types import LeadSheet
from jazzgen.core.wording import plural
from jazzgen.evaluation.classifier import classifier_report, segment_features
from jazzgen.evaluation.comparison import compare_feature
from jazzgen.evaluation.distributions import (
    HISTOGRAMS,
    compare_histograms,
    piece_histograms,
    position_histogram,
    shares,
)
from jazzgen.evaluation.metrics import (
    FEATURES,
    SEGMENT_BARS,
    PieceAnalysis,
    analyse_piece,
    piece_metrics,
    segment_leadsheet,
)

if TYPE_CHECKING:
    from rich.console import JustifyMethod
    from rich.table import Table

logger = logging.getLogger(__name__)


PARALLEL_MIN_FILES = 8  # fewer files are read in this process (workers cost a start-up)


_Read = tuple[LeadSheet | None, dict[str, str] | None]


def _read_one(path: str, melody_track: int | str | None) -> _Read:
    """(lead sheet, None) or (None, {"path", "reason"}) for one file."""
    from jazzgen.analysis.leadsheet import SheetOptions, read_leadsheet

    try:
        return read_leadsheet(path, SheetOptions(melody_track=melody_track))[1], None
    except InputFileError as exc:
        logger.warning("skipping %s: %s", path, exc.reason)
        return None, {"path": path, "reason": exc.reason}
    except JazzgenError as exc:
        logger.warning("skipping %s: %s", path, exc)
        return None, {"path": path, "reason": str(exc)}


def _read_chunk(paths: Sequence[str], melody_track: int | str | None) -> list[_Read]:
    return [_read_one(path, melody_track) for path in paths]


def load_leadsheets(
    paths: Iterable[str | Path],
    *,
    melody_track: int | str | None = None,
    jobs: int | None = 1,
) -> tuple[list[LeadSheet], list[dict[str, str]]]:
    """Read and cut every file; returns (lead sheets, skipped [{"path", "reason"}]), both in
    file order. `jobs` worker processes (None: every core) read them when there are at
    least `PARALLEL_MIN_FILES`."""
    from jazzgen.corpus.preprocess import worker_pool
    from jazzgen.io.files import collect_inputs

    files = [str(path) for path in collect_inputs(paths)]
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(files) < PARALLEL_MIN_FILES:
        results = _read_chunk(files, melody_track)
    else:
        size = max(1, min(16, len(files) // (jobs * 4)))
        chunks = [files[i : i + size] for i in range(0, len(files), size)]
        with worker_pool(jobs) as pool:
            futures = [pool.submit(_read_chunk, chunk, melody_track) for chunk in chunks]
            results = [item for future in futures for item in future.result()]
    sheets = [sheet for sheet, _ in results if sheet is not None]
    skipped = [reason for _, reason in results if reason is not None]
    return sheets, skipped


def _summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    out = {}
    for name in FEATURES:
        x = np.array([r[name] for r in rows], dtype=float)
        x = x[np.isfinite(x)]
        out[name] = {
            "mean": float(x.mean()) if x.size else math.nan,
            "std": float(x.std()) if x.size else math.nan,
            "n": int(x.size),
        }
    return out


def pooled_coherence(analyses: Sequence[PieceAnalysis]) -> dict[str, float]:
    """MINGUS's harmonic coherence of a set: chord tones and scale tones over all its notes
    pooled, `{"chord", "scale", "notes"}` (shares; NaN without notes)."""
    notes = sum(a.arrays.pitches.size for a in analyses)
    chord = sum(int(a.notes.chord_tone.sum()) for a in analyses)
    scale = sum(int(a.notes.scale_tone.sum()) for a in analyses)
    return {
        "chord": chord / notes if notes else math.nan,
        "scale": scale / notes if notes else math.nan,
        "notes": notes,
    }


def _set_report(analyses: Sequence[PieceAnalysis], sheets: Sequence[LeadSheet]) -> dict[str, Any]:
    pieces = [
        {
            "path": sheet.source,
            "bars": len(sheet.bars),
            "notes": len(sheet.melody),
            **a.metrics,
            "onset_position_shares": shares(position_histogram(a.arrays.position)),
        }
        for sheet, a in zip(sheets, analyses, strict=True)
    ]
    return {
        "pieces": pieces,
        "skipped": [],
        "summary": _summary(pieces),
        "coherence": pooled_coherence(analyses),
    }


def _comparison(
    generated: Sequence[LeadSheet],
    reference: Sequence[LeadSheet],
    result: dict[str, Any],
    segment_bars: int,
) -> dict[str, Any]:
    """The per-feature set comparison (module doc) over pieces, or segments when a set
    has a single piece."""
    unit = "piece"
    gen_rows = list(result["generated"]["pieces"])
    ref_rows = list(result["reference"]["pieces"])
    if min(len(generated), len(reference)) < 2:
        unit = f"{segment_bars}-bar segment"
        gen_rows = [piece_metrics(s) for g in generated for s in segment_leadsheet(g, segment_bars)]
        ref_rows = [piece_metrics(s) for r in reference for s in segment_leadsheet(r, segment_bars)]
    features = {
        name: compare_feature([r[name] for r in gen_rows], [r[name] for r in ref_rows])
        for name in FEATURES
    }
    return {
        "unit": unit,
        "n_generated": len(gen_rows),
        "n_reference": len(ref_rows),
        "kld_units": "nats",
        "features": features,
    }


def distributions_report(
    generated: Sequence[PieceAnalysis], reference: Sequence[PieceAnalysis], *, seed: int = 0
) -> dict[str, dict[str, Any]]:
    """Per histogram of `HISTOGRAMS`: `{"description", "bins", **compare_histograms}`."""
    gen = [piece_histograms(a.arrays, a.notes) for a in generated]
    ref = [piece_histograms(a.arrays, a.notes) for a in reference]
    return {
        name: {
            "description": description,
            "bins": bins,
            **compare_histograms([h[name] for h in gen], [h[name] for h in ref], seed=seed),
        }
        for name, (description, bins) in HISTOGRAMS.items()
    }


def _segments_by_source(
    sheets: Sequence[LeadSheet], analyses: Sequence[PieceAnalysis], segment_bars: int
) -> list[np.ndarray]:
    """`segment_features` of every lead sheet, those of the same source (a piece given as
    several lead sheets, e.g. already cut in segments) stacked together, so the
    classifier's folds keep a piece whole."""
    by_source: dict[str, list[np.ndarray]] = {}
    for sheet, analysis in zip(sheets, analyses, strict=True):
        by_source.setdefault(sheet.source, []).append(segment_features(analysis, segment_bars))
    return [np.vstack(rows) for rows in by_source.values()]


def model_report(
    model: str | Path, reference: Sequence[LeadSheet], pitch_range: tuple[int, int] | None
) -> dict[str, Any]:
    """`evaluation.likelihood.model_likelihood` of the reference under the bundle at
    `model`; `pitch_range` None: `jazzgen generate`'s default melody range."""
    from jazzgen.evaluation.likelihood import model_likelihood
    from jazzgen.generation.generate import GenerateOptions
    from jazzgen.training.bundle import load_bundle

    bundle = load_bundle(model)
    if pitch_range is None:
        pitch_range = GenerateOptions().melody_range
    return model_likelihood(bundle, reference, pitch_range=pitch_range)


def evaluate_leadsheets(
    generated: Sequence[LeadSheet],
    reference: Sequence[LeadSheet],
    *,
    segment_bars: int = SEGMENT_BARS,
    seed: int = 0,
    classifier: bool = True,
    model: str | Path | None = None,
    pitch_range: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Per-set metrics and every set comparison for lead sheets already in memory.

    `seed` drives the classifier and the random reference splits; `classifier=False`
    skips the two-sample test (`"classifier": None`); `model` is a bundle directory whose
    NLL of the reference is reported (`"model"`, else None); `pitch_range` is the
    realizer's for it. See `evaluate_sets` for the result's layout.
    """
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    gen = [analyse_piece(s) for s in generated]
    ref = [analyse_piece(s) for s in reference]
    result: dict[str, Any] = {
        "generated": _set_report(gen, generated),
        "reference": _set_report(ref, reference),
    }
    result["comparison"] = _comparison(generated, reference, result, segment_bars)
    result["distributions"] = distributions_report(gen, ref, seed=seed)
    seconds["measure"], clock = time.perf_counter() - clock, time.perf_counter()
    result["classifier"] = None
    if classifier:
        result["classifier"] = classifier_report(
            _segments_by_source(generated, gen, segment_bars),
            _segments_by_source(reference, ref, segment_bars),
            seed=seed,
        )
        seconds["classifier"], clock = time.perf_counter() - clock, time.perf_counter()
    result["model"] = None if model is None else model_report(model, reference, pitch_range)
    if model is not None:
        seconds["model"] = time.perf_counter() - clock
    result["seconds"] = seconds
    return result


def _require(name: str, sheets: Sequence[LeadSheet], skipped: Sequence[dict[str, str]]) -> None:
    """InputFileError when the `name` set has no usable file (with the first reasons)."""
    if not sheets:
        reasons = "; ".join(f"{s['path']}: {s['reason']}" for s in skipped[:3])
        raise InputFileError(name, f"no usable file in the {name} set ({reasons})")


def evaluate_sets(
    generated_paths: Iterable[str | Path],
    reference_paths: Iterable[str | Path],
    *,
    melody_track: int | str | None = None,
    segment_bars: int = SEGMENT_BARS,
    seed: int = 0,
    classifier: bool = True,
    model: str | Path | None = None,
    pitch_range: tuple[int, int] | None = None,
    jobs: int | None = None,
) -> dict[str, Any]:
    """Evaluate generated files against reference files (files or folders), read by
    `jobs` worker processes (None: every core; see `load_leadsheets`).

    Returns one JSON-ready dict (NaN already turned into None):

    - `"generated"`, `"reference"`: `{"pieces": [{"path", "bars", "notes", <feature>:
      value, "onset_position_shares": [12 shares of onsets per position in the beat]}],
      "skipped": [{"path", "reason"}], "summary": {<feature>: {"mean", "std", "n"}},
      "coherence": {"chord", "scale", "notes"}}` (coherence: MINGUS's, pooled);
    - `"comparison"`: `{"unit": "piece" | "4-bar segment", "n_generated", "n_reference",
      "kld_units": "nats", "features": {<feature>: {"intra_generated", "intra_reference",
      "inter", "oa", "kld", "oa_generated", "kld_generated"}}}`;
    - `"features"`: `{<feature>: description}`;
    - `"distributions"`: `{<histogram>: {"description", "bins": [labels], "js" (bits),
      "overlap", "js_reference_split" (the floor), "generated": [shares], "reference":
      [shares]}}` for onset_position, interval, ioi, articulation;
    - `"classifier"`: None when off, else `{"segment_bars", "generated_vs_reference",
      "without_articulation", "reference_split"}`, each `{"accuracy" (balanced),
      "accuracy_sd", "folds", "n_per_class", "n_splits", "pieces", "top_features":
      [{"name", "importance"}], "reason"}`;
    - `"model"`: None without a model, else `jazzgen.evaluation.likelihood.model_likelihood`'s
      dict (NLL per token and per note, counts, per piece; learned vs uniform realizer);
    - `"seconds"`: wall time of each stage (`read`, `measure`, `classifier`, `model`).

    Raises InputFileError when a set has no usable file.
    """
    clock = time.perf_counter()
    gen_sheets, gen_skipped = load_leadsheets(generated_paths, melody_track=melody_track, jobs=jobs)
    ref_sheets, ref_skipped = load_leadsheets(reference_paths, melody_track=melody_track, jobs=jobs)
    read_seconds = time.perf_counter() - clock
    _require("generated", gen_sheets, gen_skipped)
    _require("reference", ref_sheets, ref_skipped)
    result = evaluate_leadsheets(
        gen_sheets,
        ref_sheets,
        segment_bars=segment_bars,
        seed=seed,
        classifier=classifier,
        model=model,
        pitch_range=pitch_range,
    )
    result["generated"]["skipped"] = gen_skipped
    result["reference"]["skipped"] = ref_skipped
    result["features"] = dict(FEATURES)
    result["seconds"] = {"read": read_seconds, **result["seconds"]}
    return json_ready(result)


def json_ready(value: Any) -> Any:
    """Copy of nested dicts/lists with NaN/inf floats as None and numpy scalars as Python."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- table ------------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def report_table(result: dict[str, Any]) -> Table:
    """A rich Table of `evaluate_sets`'s result: per-set mean ± sd and the comparison."""
    from rich.table import Table

    comparison = result["comparison"]
    n_gen = len(result["generated"]["pieces"])
    n_ref = len(result["reference"]["pieces"])
    table = Table(
        title=(
            f"generated: {plural(n_gen, 'file')}, reference: {plural(n_ref, 'file')}; "
            "distances between "
            f"{comparison['unit']}s ({comparison['n_generated']} vs "
            f"{comparison['n_reference']})"
        ),
        caption="OA: overlap of the reference intra-set and inter-set distance densities "
        "(1 = indistinguishable); KLD in nats (0 = same).",
    )
    columns: list[tuple[str, JustifyMethod]] = [
        ("feature", "left"), ("generated mean ± sd", "right"), ("reference mean ± sd", "right"),
        ("intra gen", "right"), ("intra ref", "right"), ("inter", "right"),
        ("OA", "right"), ("KLD", "right"),
    ]  # fmt: skip
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=True)
    for name in FEATURES:
        gen = result["generated"]["summary"][name]
        ref = result["reference"]["summary"][name]
        comp = comparison["features"][name]
        table.add_row(
            name,
            f"{_fmt(gen['mean'], 2)} ± {_fmt(gen['std'], 2)}",
            f"{_fmt(ref['mean'], 2)} ± {_fmt(ref['std'], 2)}",
            _fmt(comp["intra_generated"]),
            _fmt(comp["intra_reference"]),
            _fmt(comp["inter"]),
            _fmt(comp["oa"]),
            _fmt(comp["kld"]),
        )
    return table


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _largest_differences(item: Mapping[str, Any], count: int = 3) -> str:
    """The `count` bins where the two sets' shares differ most: 'bin: gen% vs ref%'."""
    gen, ref = item["generated"], item["reference"]
    if not gen or not ref or None in gen or None in ref:
        return ""
    diff = np.abs(np.array(gen, dtype=float) - np.array(ref, dtype=float))
    order = np.argsort(diff)[::-1][:count]
    return ", ".join(f"{item['bins'][i]}: {_percent(gen[i])} vs {_percent(ref[i])}" for i in order)


def distributions_table(result: dict[str, Any]) -> Table:
    """A rich Table of the histogram comparisons (`result["distributions"]`)."""
    from rich.table import Table

    table = Table(
        title="Distributions, generated vs reference (all notes of each set pooled)",
        caption="JS: Jensen-Shannon divergence in bits (0 = same, 1 = disjoint); floor: JS "
        "between two random halves of the reference; overlap: sum of min shares (1 = same).",
    )
    columns: list[tuple[str, JustifyMethod]] = [
        ("histogram", "left"), ("JS", "right"), ("floor", "right"), ("overlap", "right"),
        ("largest differences (generated vs reference)", "left"),
    ]  # fmt: skip
    for name, justify in columns:
        table.add_column(name, justify=justify)
    for name, item in result["distributions"].items():
        table.add_row(
            name,
            _fmt(item["js"]),
            _fmt(item["js_reference_split"]),
            _fmt(item["overlap"]),
            _largest_differences(item),
        )
    return table


def _accuracy(test: Mapping[str, Any]) -> str:
    if test["accuracy"] is None:
        return "n/a"
    return f"{test['accuracy']:.3f} ± {_fmt(test['accuracy_sd'])}"


def _classifier_rows(table: Table, classifier: Mapping[str, Any] | None) -> None:
    if classifier is None:
        table.add_row("classifier accuracy", "off", "off", "--no-classifier")
        return
    test, baseline = classifier["generated_vs_reference"], classifier["reference_split"]
    giveaways = ", ".join(f["name"] for f in test["top_features"])
    note = test["reason"] or (
        f"{test['n_per_class']} segments per class, {test['n_splits']} folds by piece; "
        f"leans on {giveaways}"
    )
    table.add_row(
        f"classifier accuracy, {classifier['segment_bars']}-bar segments "
        "(0.5 = can't tell; reference column: reference vs itself)",
        _accuracy(test),
        _accuracy(baseline),
        note,
    )
    notes_only = classifier["without_articulation"]
    table.add_row(
        "classifier accuracy without articulation features",
        _accuracy(notes_only),
        "",
        notes_only["reason"]
        or "leans on " + ", ".join(f["name"] for f in notes_only["top_features"]),
    )


def _model_rows(table: Table, model: Mapping[str, Any] | None) -> None:
    if model is None:
        return
    low, high = model["pitch_range"]
    table.add_row(
        "model NLL per token (nats)",
        "",
        _fmt(model["nll_per_token"]),
        f"{model['oov_tokens']} of {model['tokens']} tokens out of the vocabulary "
        f"({_percent(model['oov_rate'])}), skipped",
    )
    table.add_row(
        "model NLL per note, exact pitch and grid duration (nats)",
        "",
        _fmt(model["nll_per_note"]),
        f"realizer {_fmt(model['realizer_nll_per_note'])}; {model['scored_notes']} of "
        f"{model['notes']} notes scored ({model['unrealizable_notes']} outside the "
        f"realizer's reach, range {low}-{high})",
    )
    table.add_row(
        "model NLL per note or rest (nats)",
        "",
        _fmt(model["nll_per_event"]),
        f"the same NLL over {model['scored_notes']} notes and {model['scored_rests']} rests, "
        "as models that predict a rest as a pitch value count it (MINGUS)",
    )
    if model.get("uniform_nll_per_note") is not None:
        table.add_row(
            "  the same with the uniform realizer (nats)",
            "",
            _fmt(model["uniform_nll_per_note"]),
            f"realizer {_fmt(model['uniform_realizer_nll_per_note'])}: the course's uniform "
            f"draw in each token's window, for comparison with the bundle's "
            f"{model['realizer']}",
        )


def summary_table(result: dict[str, Any]) -> Table:
    """A rich Table of the set-level measures: coherence, classifier, model NLL."""
    from rich.table import Table

    table = Table(title="Set measures")
    columns: list[tuple[str, JustifyMethod]] = [
        ("measure", "left"), ("generated", "right"), ("reference", "right"), ("note", "left"),
    ]  # fmt: skip
    for name, justify in columns:
        table.add_column(name, justify=justify)
    gen, ref = result["generated"]["coherence"], result["reference"]["coherence"]
    table.add_row(
        "chord tones (MINGUS chord coherence)",
        _percent(gen["chord"]),
        _percent(ref["chord"]),
        f"all notes pooled: {gen['notes']} vs {ref['notes']}",
    )
    table.add_row(
        "chord-scale tones (MINGUS scale coherence)",
        _percent(gen["scale"]),
        _percent(ref["scale"]),
        "core.harmony chord scales (MINGUS: 49.2% / 72.2% on WJazzD, own sets)",
    )
    _classifier_rows(table, result["classifier"])
    _model_rows(table, result["model"])
    return table


def report_tables(result: dict[str, Any]) -> list[Table]:
    """Every table of `evaluate_sets`'s result: features, distributions, set measures."""
    return [report_table(result), distributions_table(result), summary_table(result)]
