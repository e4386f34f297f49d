"""A published CSV as a table: its header line, its data rows with their line numbers, and what was set
aside around them (title and "Source:" lines above the header, footnotes under the data, trailing empty
columns of spreadsheet exports). Any line ending (LF, CRLF, CR) is read.

Nothing is guessed silently: the header is the line the manifest declares, or the first line holding
the columns it declares; every line set aside is reported by number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from orchestration.errors import BundleError

# A footnote row starts with one of these (case-insensitive): "Source: ...", "Notes", "* ...", "¹ ...".
_FOOTNOTE = re.compile(r"^\s*(sources?\b|notes?\b|\*|†|‡|[¹²³⁴⁵⁶⁷⁸⁹])", re.IGNORECASE)
MAX_RAGGED_SHOWN = 25


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]  # data rows, as wide as the header
    lines: list[int]  # the file line (1-based) each data row starts on
    header_line: int
    skipped_lines: list[int]  # non-empty lines above the header
    footer_lines: list[int]  # footnote rows set aside under the data


def _records(text: str, where: str) -> list[tuple[int, list[str]]]:
    """(first line, cells) of every non-empty CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, line = [], 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise BundleError(where, message=f"malformed CSV near line {reader.line_num}: {exc}") from exc
    return records


def _find_header(
    records: list[tuple[int, list[str]]], expected: Iterable[str], header_row: int | None, where: str
):
    if header_row is not None:
        for index, (line, _) in enumerate(records):
            if line == header_row:
                return index
        raise BundleError(
            where, message=f"header_row {header_row}: that line is empty or not the start of a row"
        )
    wanted = {c for c in expected if c}
    for index, (_, record) in enumerate(records):
        if wanted and wanted <= {cell.strip() for cell in record}:
            return index
    return 0  # no line holds every declared column: the column check names what is missing


def _footer_start(rows: list[tuple[int, list[str]]], footer: str | int, where: str) -> int:
    if footer == "none":
        return len(rows)
    if isinstance(footer, int):
        if footer > len(rows):
            raise BundleError(
                where, message=f"footer: {footer} rows declared, the file has {len(rows)} after its header"
            )
        return len(rows) - footer
    start = len(rows)
    while start > 0:
        cells = [cell for cell in rows[start - 1][1] if cell.strip()]
        marker = _FOOTNOTE.match(cells[0] if cells else "")
        if not marker:
            break
        # A bare marker (`*`, `†`, `¹`) opens a footnote only on a line of one cell: `²,1990,0.5` is a
        # data row whose place happens to start with it, and is loaded (or refused) as data.
        if not marker.group(1).lower().startswith(("source", "note")) and len(cells) > 1:
            break
        start -= 1
    return start


def read_table(
    text: str, where: str, *, expected: Iterable[str] = (), header_row: int | None = None,
    footer: str | int = "detect",
) -> Table:  # fmt: skip
    records = _records(text, where)
    if not records:
        raise BundleError(where, message="file is empty")
    start = _find_header(records, expected, header_row, where)
    header_line, header = records[start]
    header = [h.strip() for h in header]
    while header and not header[-1]:  # trailing empty columns of a spreadsheet export: "a,b,,,"
        header.pop()
    body = records[start + 1 :]
    end = _footer_start(body, footer, where)
    data, notes = body[:end], body[end:]
    if not data:
        raise BundleError(where, message="header only: the file has no data rows")
    width, rows, ragged = len(header), [], []
    for n, (line, record) in enumerate(data, start=1):
        cells = list(record)
        while len(cells) > width and not cells[-1].strip():
            cells.pop()
        if len(cells) != width:
            ragged.append(
                BundleError(
                    where, row=n, line=line, message=f"{len(cells)} fields where the header has {width}"
                )
            )
        rows.append(cells)
    if ragged:
        raise RaggedTable([str(e) for e in ragged[:MAX_RAGGED_SHOWN]])
    return Table(
        header=header, rows=rows, lines=[line for line, _ in data], header_line=header_line,
        skipped_lines=[line for line, _ in records[:start]], footer_lines=[line for line, _ in notes],
    )  # fmt: skip


class RaggedTable(Exception):
    """Rows whose field count differs from the header's: each named by file, row and line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
