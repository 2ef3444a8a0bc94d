"""history.csv (one row per epoch, Keras CSVLogger layout): reading and truncating it."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

from jazzgen.core.errors import RenderError


def read_history(path: Path) -> list[dict[str, float]]:
    """history.csv rows as dicts of floats (epoch as int)."""
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [
        {
            k: (int(v) if k == "epoch" else float(v))
            for k, v in row.items()
            if v not in ("", "NA", None)
        }
        for row in rows
    ]


def truncate_history(path: Path, last_epoch: int) -> None:
    """Keep only rows of epochs <= last_epoch (drops a row written before a kill)."""
    if not path.is_file():
        return
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return
    kept = [rows[0]] + [r for r in rows[1:] if r and int(r[0]) <= last_epoch]
    tmp = path.with_name(".history.csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(kept)
    os.replace(tmp, path)


def read_history_csv(history_csv: str | os.PathLike[str]) -> dict[str, list[float]]:
    """Columns of a Keras `history.csv` (CSVLogger) as float lists; 'epoch' counted from 1.

    Raises RenderError when the file is missing or has no `loss` column.
    """
    path = Path(history_csv)
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise RenderError(f"cannot read training history {str(path)!r}: {exc}") from None
    if not rows or "loss" not in rows[0]:
        raise RenderError(f"{path}: expected a CSV with columns epoch, loss[, val_loss, ...]")
    columns: dict[str, list[float]] = {}
    for name in rows[0]:
        values = []
        for row in rows:
            try:
                values.append(float(row[name]))
            except (TypeError, ValueError):
                values.append(math.nan)
        columns[name] = values
    if "epoch" in columns and columns["epoch"] and columns["epoch"][0] == 0:
        columns["epoch"] = [e + 1 for e in columns["epoch"]]  # Keras counts from 0
    columns.setdefault("epoch", [float(i + 1) for i in range(len(rows))])
    return columns
