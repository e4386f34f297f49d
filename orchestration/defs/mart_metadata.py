"""What a data engineer sees on a mart's asset page: row count, a preview, and charts of subject marts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.defs.tables import table as metadata_table
from orchestration.reference.metrics import metric_registry, registry
from orchestration.settings import focus_country
from orchestration.warehouse.connection import connect, ident

PREVIEW_ROWS = 10


def column_schema(con, table: str, descriptions: dict[str, str]) -> dg.TableSchema:
    """The table's columns as DuckDB has them (name, type), described from the dbt docs."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, kind.lower(), description=descriptions.get(name)) for name, kind in rows
        ]
    )


def mart_metadata(
    warehouse_path: Path,
    tables: list[str],
    descriptions: dict[str, dict[str, str]] | None = None,
    chart_cache: Path | None = None,
) -> dict[str, dict[str, object]]:
    """Metadata per mart table: `dagster/row_count`, `dagster/column_schema` (the columns with their
    types and descriptions), a sorted preview table, and charts for subject marts (rendered once for the
    same rows: `chart_cache`)."""
    # Imported here: pandas, and the Dagster definitions import this module on every reload.
    from orchestration.publish.charts import (
        as_markdown_image,
        country_series_chart,
        metric_values,
        top_countries_chart,
    )

    found: dict[str, dict[str, object]] = {}
    with connect(warehouse_path) as con:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        for table in tables:
            if table not in present:
                continue
            relation = f"marts.{ident(table)}"
            count = con.execute(f"select count(*) from {relation}").fetchone()[0]  # noqa: S608 - quoted identifier
            # A sorted preview (the first columns are the mart's key), as a table: no markdown from data.
            preview = con.execute(f"select * from {relation} order by all limit ?", [PREVIEW_ROWS])  # noqa: S608
            columns = [d[0] for d in preview.description]
            preview_rows = [list(r) for r in preview.fetchall()]
            metadata: dict[str, object] = {
                "dagster/row_count": int(count),
                "dagster/column_schema": column_schema(con, table, (descriptions or {}).get(table, {})),
                "preview": metadata_table(columns, preview_rows),
            }
            metric = next(
                (s.headline_metric for s in registry().subjects.values() if s.subject_mart == table), None
            )
            if metric:
                values = metric_values(con, metric)
                label = metric_registry()[metric].label
                geo = focus_country()
                metadata["chart_top_countries"] = dg.MetadataValue.md(
                    as_markdown_image(
                        top_countries_chart(values, label, cache_dir=chart_cache), f"{label}: top countries"
                    )
                )
                metadata[f"chart_{geo}_by_edition"] = dg.MetadataValue.md(
                    as_markdown_image(
                        country_series_chart(values, geo, label, cache_dir=chart_cache),
                        f"{label}: {geo} by edition",
                    )
                )
            found[table] = metadata
    return found
