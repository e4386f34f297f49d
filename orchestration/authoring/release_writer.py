"""Write figure CSVs the way an edition's manifest says they are read: the loader's inverse.

Used to lay out the sample editions from the reference table and to generate synthetic editions.
Numbers are converted in decimal arithmetic (74.24 with scale 100 is written 0.7424), so a value read
back by the loader is exactly the value that was written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from orchestration.releases.manifest import FileSpec, ValueColumn


def format_value(value_text: str, spec: ValueColumn) -> str:
    """The cell text for `value_text` (in the metric's unit) under the column's declared number format."""
    number = Decimal(value_text) / spec.scale if spec.scale != 1 else Decimal(value_text)
    text = format(number, "f")
    if spec.thousands_separator:
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        whole, _, fraction = digits.partition(".")
        if len(whole) > 3:
            whole = f"{int(whole):,}".replace(",", spec.thousands_separator)
        text = sign + whole + (f".{fraction}" if fraction else "")
    return text + "%" if spec.percent_sign else text


@dataclass
class FileRows:
    """The rows of one figure file, keyed by (place as written, year)."""

    spec: FileSpec
    rows: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)
    numbers: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, place: str, year: int, metric: str, value_text: str) -> int:
        """Add a value; return its 1-based data row number in the file."""
        key = (place, year)
        if key not in self.rows:
            self.rows[key] = {}
            self.numbers[key] = len(self.rows)
        cells = self.rows[key]
        if metric in cells:
            raise ValueError(f"{self.spec.path}: two values for {metric} at {place!r} {year}")
        cells[metric] = value_text
        return self.numbers[key]

    def header(self, column_order: Sequence[str] | None = None) -> list[str]:
        columns = [c for c in (self.spec.year.column, self.spec.place.column) if c is not None]
        columns += [v.column for v in self.spec.values]
        if column_order:
            columns = sorted(
                columns, key=lambda c: column_order.index(c) if c in column_order else len(column_order)
            )
        return columns

    def records(self, header: list[str]) -> Iterable[list[str]]:
        for (place, year), cells in self.rows.items():
            record = {self.spec.place.column: place, self.spec.year.column: str(year)}
            for value_spec in self.spec.values:
                text = cells.get(value_spec.metric)
                record[value_spec.column] = "" if text is None else format_value(text, value_spec)
            yield [record[c] for c in header]


def write_csv(path: Path, header: list[str], records: Iterable[list[str]], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(records)
