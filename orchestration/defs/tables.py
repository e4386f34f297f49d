"""Tables and images for Dagster metadata, safe from what the data holds.

Rows go into `MetadataValue.table` (rendered as a table, never interpreted as markdown): a figure id,
a file name or a place name from a bundle can carry no link, image or table breaker into the UI.
Markdown is left for the charts this project draws, whose alt text is escaped (publish/escaping.py).
"""

from __future__ import annotations

import math

import dagster as dg


def _cell(value: object) -> str | int | float | bool | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return str(value)


def table(columns: list[str], rows: list[list[object]]) -> dg.MetadataValue:
    """A metadata table; a column's type is the type of its values (text where they disagree)."""
    cells = [[_cell(v) for v in row] for row in rows]
    kinds = []
    for i in range(len(columns)):
        types = {type(r[i]) for r in cells if r[i] is not None}
        kinds.append(
            {bool: "bool", int: "int", float: "float"}.get(next(iter(types)), "string")
            if len(types) == 1
            else ("float" if types <= {int, float} else "string")
        )
    records = [
        dg.TableRecord(
            {
                c: (str(v) if k == "string" and v is not None else v)
                for c, v, k in zip(columns, r, kinds, strict=True)
            }
        )
        for r in cells
    ]
    schema = dg.TableSchema(columns=[dg.TableColumn(c, k) for c, k in zip(columns, kinds, strict=True)])
    return dg.MetadataValue.table(records=records, schema=schema)
