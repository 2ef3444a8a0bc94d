"""`jazzgen evaluate` as a library call: read two sets of files, measure, compare, tabulate.

Every file is cut into a lead sheet, measured with `evaluation.metrics.piece_metrics`, and
each feature is compared between the sets with `evaluation.comparison.compare_feature`. A
set of one piece has no intra-set distances: then every piece of both sets is cut into
4-bar segments and the segments are the samples (`unit` in the report says which); a
feature with fewer than two samples in a set is reported as n/a (`null` in JSON).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jazzgen.core.errors import InputFileError, JazzgenError
from jazzgen.core.types import LeadSheet
from jazzgen.core.wording import plural
from jazzgen.evaluation.comparison import compare_feature
from jazzgen.evaluation.metrics import (
    FEATURES,
    SEGMENT_BARS,
    piece_metrics,
    segment_leadsheet,
)

if TYPE_CHECKING:
    from rich.console import JustifyMethod

logger = logging.getLogger(__name__)


def load_leadsheets(
    paths: Iterable[str | Path], *, melody_track: int | str | None = None
) -> tuple[list[LeadSheet], list[dict[str, str]]]:
    """Read and cut every file; returns (lead sheets, skipped [{"path", "reason"}])."""
    from jazzgen.analysis.leadsheet import SheetOptions, read_leadsheet
    from jazzgen.io.files import collect_inputs

    options = SheetOptions(melody_track=melody_track)
    sheets, skipped = [], []
    for path in collect_inputs(paths):
        try:
            sheets.append(read_leadsheet(path, options)[1])
        except InputFileError as exc:
            logger.warning("skipping %s: %s", path, exc.reason)
            skipped.append({"path": str(path), "reason": exc.reason})
        except JazzgenError as exc:
            logger.warning("skipping %s: %s", path, exc)
            skipped.append({"path": str(path), "reason": str(exc)})
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


def _set_report(sheets: Sequence[LeadSheet], skipped: list[dict[str, str]]) -> dict[str, Any]:
    pieces = []
    for sheet in sheets:
        metrics = piece_metrics(sheet)
        pieces.append(
            {"path": sheet.source, "bars": len(sheet.bars), "notes": len(sheet.melody), **metrics}
        )
    return {"pieces": pieces, "skipped": skipped, "summary": _summary(pieces)}


def evaluate_leadsheets(
    generated: Sequence[LeadSheet],
    reference: Sequence[LeadSheet],
    *,
    segment_bars: int = SEGMENT_BARS,
) -> dict[str, Any]:
    """Per-set metrics and the set comparison for lead sheets already in memory.

    See `evaluate_sets` for the result's layout.
    """
    result: dict[str, Any] = {
        "generated": _set_report(generated, []),
        "reference": _set_report(reference, []),
    }
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
    result["comparison"] = {
        "unit": unit,
        "n_generated": len(gen_rows),
        "n_reference": len(ref_rows),
        "kld_units": "nats",
        "features": features,
    }
    return result


def evaluate_sets(
    generated_paths: Iterable[str | Path],
    reference_paths: Iterable[str | Path],
    *,
    melody_track: int | str | None = None,
    segment_bars: int = SEGMENT_BARS,
) -> dict[str, Any]:
    """Evaluate generated files against reference files (files or folders).

    Returns one JSON-ready dict (NaN already turned into None):
    `{"generated": {"pieces": [{"path", "bars", "notes", <feature>: value}], "skipped":
    [{"path", "reason"}], "summary": {<feature>: {"mean", "std", "n"}}},
    "reference": {...same...}, "comparison": {"unit": "piece" | "4-bar segment",
    "n_generated", "n_reference", "kld_units": "nats", "features": {<feature>:
    {"intra_generated", "intra_reference", "inter", "oa", "kld", "oa_generated",
    "kld_generated"}}}, "features": {<feature>: description}}`.
    Raises InputFileError when a set has no usable file.
    """
    gen_sheets, gen_skipped = load_leadsheets(generated_paths, melody_track=melody_track)
    ref_sheets, ref_skipped = load_leadsheets(reference_paths, melody_track=melody_track)
    for name, sheets, skipped in (
        ("generated", gen_sheets, gen_skipped),
        ("reference", ref_sheets, ref_skipped),
    ):
        if not sheets:
            reasons = "; ".join(f"{s['path']}: {s['reason']}" for s in skipped[:3])
            raise InputFileError(name, f"no usable file in the {name} set ({reasons})")
    result = evaluate_leadsheets(gen_sheets, ref_sheets, segment_bars=segment_bars)
    result["generated"]["skipped"] = gen_skipped
    result["reference"]["skipped"] = ref_skipped
    result["features"] = dict(FEATURES)
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


def report_table(result: dict[str, Any]):
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
