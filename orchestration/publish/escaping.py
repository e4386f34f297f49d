"""Untrusted text on its way out: every output gets it escaped for its own syntax.

- markdown (Dagster metadata, reports' alt texts): every markdown sign escaped, line breaks folded;
- CSV for spreadsheets: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
  prefixed with `'` (the OWASP CSV-injection rule), so Excel or LibreOffice shows it as text instead of
  evaluating `=HYPERLINK(...)` or `+cmd|' /C calc'!A0`;
- the terminal: control characters shown as escapes (`\\x1b`), so no text can clear lines, hide the
  summary or rewrite what the user reads.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
FORMULA_START = r"^[=+\-@\t\r]"
# C0 controls but tab and line feed, DEL, C1: shown as escapes in a terminal.
_TERMINAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_markdown(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def escape_terminal(text: str) -> str:
    return _TERMINAL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def neutralize_csv(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with every text cell that a spreadsheet would read as a formula prefixed with `'`."""
    columns = []
    for column in batch.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.fill_null(pc.match_substring_regex(column, FORMULA_START), False)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)
