"""history.csv (one row per epoch, Keras CSVLogger layout): the `History` value, read once.

The file has a header `epoch,<metric>,...` (CSVLogger sorts the metric names) and one row
per completed epoch, epochs counted from 0 as Keras does. `read_history` is the only reader:
training takes its losses from it (metrics.json) and the curves picture plots it.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from jazzgen.core.errors import BundleError

MISSING = ("", "NA")  # cells CSVLogger writes for a metric an epoch did not report


@dataclass(frozen=True)
class History:
    """Per-epoch rows of a history.csv: a sequence of `{column: value}` (one per epoch).

    `names` are the columns in file order. In a row, `"epoch"` is an int (from 0) and the
    other values floats; cells that are empty, "NA" or not numbers are left out.
    """

    names: tuple[str, ...]
    rows: tuple[Mapping[str, float], ...]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Mapping[str, float]]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> Mapping[str, float]:
        return self.rows[index]

    def column(self, name: str) -> list[float]:
        """The values of `name` per epoch as floats, NaN where an epoch has none."""
        return [float(row.get(name, math.nan)) for row in self.rows]

    def epoch_numbers(self) -> list[float]:
        """Epochs as history.csv counts them (from 0), the numbers metrics.json uses
        (`best_epoch`), for plotting; 0, 1, ... for a file without an epoch column."""
        if "epoch" not in self.names:
            return [float(i) for i in range(len(self.rows))]
        return self.column("epoch")

    def best_val_loss(self) -> tuple[float, float] | None:
        """(epoch, val_loss) of the lowest validation loss (the first of equal ones, as
        metrics.json's `best_epoch`), None without validation."""
        if "val_loss" not in self.names:
            return None
        losses = [(loss, epoch) for loss, epoch in zip(self.column("val_loss"),
                  self.epoch_numbers(), strict=True) if not math.isnan(loss)]  # fmt: skip
        if not losses:
            return None
        loss, epoch = min(losses)
        return epoch, loss


def _cell(name: str, text: str | None) -> float | None:
    if text is None or text.strip() in MISSING:
        return None
    try:
        return int(text) if name == "epoch" else float(text)
    except ValueError:
        return None


def read_history(path: str | os.PathLike[str]) -> History:
    """Read a history.csv. Raises BundleError when the file cannot be read."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            records = list(reader)
            names = tuple(reader.fieldnames or ())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BundleError(f"cannot read training history {str(path)!r}: {exc}") from None
    rows = []
    for record in records:
        cells = {name: _cell(name, record.get(name)) for name in names}
        rows.append({name: value for name, value in cells.items() if value is not None})
    return History(names, tuple(rows))


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
