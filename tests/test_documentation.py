"""Every mart column is documented where BI users look (issue 14): the dbt docs, the DuckDB column
comments (persist_docs), the Dagster column schema of the latest materialization, and `dim_metric`."""

from __future__ import annotations

import json

import dagster as dg
import duckdb

from orchestration.authoring.mart_docs import render, schema_path
from orchestration.reference.metrics import registry
from orchestration.settings import PROJECT_ROOT
from tests.helpers import Workspace

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


def test_the_subject_marts_schema_file_is_written_from_the_registry():
    """Stale after a seed change until `ai-index mart-docs` is run: this test says so."""
    assert schema_path(DBT_PROJECT).read_text(encoding="utf-8") == render(registry(DBT_PROJECT / "seeds")), (
        "dbt_project/models/marts/_subject_marts.yml is stale: run `ai-index mart-docs`"
    )


def _mart_columns(ws: Workspace) -> dict[tuple[str, str], tuple[str, str | None]]:
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, data_type, comment from duckdb_columns() where schema_name = 'marts'"
        ).fetchall()
    return {(t, c): (kind, comment) for t, c, kind, comment in rows}


def test_every_mart_column_has_a_description_in_dbt_and_in_the_database(built: Workspace):
    columns = _mart_columns(built)
    assert len({t for t, _ in columns}) >= 9 and len(columns) > 150
    undocumented_in_duckdb = sorted(f"{t}.{c}" for (t, c), (_, comment) in columns.items() if not comment)
    assert undocumented_in_duckdb == []
    manifest = json.loads((DBT_PROJECT / "target" / "manifest.json").read_text(encoding="utf-8"))
    documented = {
        (node["name"], column): info.get("description", "")
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"].startswith("marts")
        for column, info in node["columns"].items()
    }
    assert sorted(f"{t}.{c}" for t, c in columns if not documented.get((t, c))) == []
    # The subject marts' metric columns say what the metric is, in its unit as people write it.
    assert (
        "AI talent concentration (%)" in columns[("fct_talent_migration", "ai_talent_concentration_pct")][1]
    )


def test_dim_metric_describes_every_registry_metric_and_is_exported(built: Workspace):
    metrics = registry(DBT_PROJECT / "seeds").metrics
    rows = built.query(
        "select metric, label, short_label, unit, unit_label, description, subject_area, higher_is_better, "
        "source_organisation from marts.dim_metric"
    )
    assert {r[0] for r in rows} == set(metrics)
    for metric, label, _, unit, unit_label, description, subject, _, source in rows:
        spec = metrics[metric]
        assert (label, unit, unit_label, description, subject) == (
            spec.label, spec.unit, spec.unit_label, spec.description, spec.subject_area,
        )  # fmt: skip
        assert source
    exported = built.data_dir / "exports" / "latest" / "dim_metric.parquet"
    with duckdb.connect() as con:
        assert con.execute("select count(*) from read_parquet(?)", [str(exported)]).fetchone()[0] == len(
            metrics
        )


def test_the_latest_materialization_of_each_mart_carries_its_column_schema_with_types(built: Workspace):
    columns = _mart_columns(built)
    instance = dg.DagsterInstance.from_config(str(built.dagster_home))
    for table in sorted({t for t, _ in columns}):
        event = instance.get_latest_materialization_event(dg.AssetKey(["marts", table]))
        assert event is not None, table
        schema = event.asset_materialization.metadata["dagster/column_schema"].value
        got = {c.name: (c.type, bool(c.description)) for c in schema.columns}
        want = {c: (kind.lower(), True) for (t, c), (kind, _) in columns.items() if t == table}
        assert got == want, table
