"""What a data engineer sees on a mart's asset page: row count, a preview, and charts of subject marts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.reference.metrics import metric_registry, registry
from orchestration.settings import focus_country
from orchestration.warehouse.connection import connect, ident

PREVIEW_ROWS = 10


def mart_metadata(warehouse_path: Path, tables: list[str]) -> dict[str, dict[str, object]]:
    """Metadata per mart table: `dagster/row_count`, a markdown preview, and charts for subject marts."""
    # Imported here: matplotlib costs ~0.8 s, and the Dagster definitions import this module on every reload.
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
            preview = con.execute(f"select * from {relation} limit ?", [PREVIEW_ROWS]).df()  # noqa: S608
            metadata: dict[str, object] = {
                "dagster/row_count": int(count),
                "preview": dg.MetadataValue.md(
                    preview.to_markdown(index=False) if len(preview) else "_empty_"
                ),
            }
            metric = next(
                (s.headline_metric for s in registry().subjects.values() if s.subject_mart == table), None
            )
            if metric:
                values = metric_values(con, metric)
                label = metric_registry()[metric].label
                geo = focus_country()
                metadata["chart_top_countries"] = dg.MetadataValue.md(
                    as_markdown_image(top_countries_chart(values, label), f"{label}: top countries")
                )
                metadata[f"chart_{geo}_by_edition"] = dg.MetadataValue.md(
                    as_markdown_image(country_series_chart(values, geo, label), f"{label}: {geo} by edition")
                )
            found[table] = metadata
    return found
