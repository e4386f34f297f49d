"""The Dagster code location: raw, dbt and check assets, partitioned by edition (issue 2, acceptance 6)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.assets.dbt import dbt_build_args, dbt_env
from orchestration.definitions import BUILD_JOB, defs
from orchestration.partitions import edition_partitions
from orchestration.runs import contiguous_ranges


def test_definitions_hold_raw_dbt_and_check_assets_partitioned_by_edition():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw/indicator_values", "raw/editions", "raw/edition_files", "raw/edition_metrics"} <= keys
    assert {"marts/fct_indicator_values", "marts/fct_talent_migration", "marts/fct_ai_patents",
            "marts/fct_private_investment", "marts/dim_geography", "marts/dim_edition",
            "marts/mart_country_profile", "intermediate/int_indicator_values__geocoded"} <= keys  # fmt: skip
    for key in graph.get_all_asset_keys():
        assert graph.get(key).partitions_def == edition_partitions, key
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    for suite in ("file_columns", "edition_values", "cross_edition"):
        assert ("raw/indicator_values", suite) in checks
    assert any(
        asset.startswith("marts/") and "unique_combination" in name for asset, name in checks
    )  # dbt tests


def test_release_checks_are_blocking_and_dbt_depends_on_raw():
    raw = defs.resolve_assets_def(dg.AssetKey(["raw", "indicator_values"]))
    specs = {spec.name: spec for spec in raw.check_specs}
    assert all(spec.blocking for spec in specs.values())
    graph = defs.resolve_asset_graph()
    staging = dg.AssetKey(["staging", "stg_ai_index__indicator_values"])
    assert dg.AssetKey(["raw", "indicator_values"]) in graph.get(staging).parent_keys


def test_build_job_runs_in_process():
    job = defs.resolve_job_def(BUILD_JOB)
    assert job.executor_def.name == "in_process"


def test_dbt_args_carry_the_edition_partitions():
    assert dbt_build_args() == ["build"]
    assert dbt_build_args(full_refresh=True) == ["build", "--full-refresh"]
    env = dbt_env(Path("/w/ai_index.duckdb"), [2026, "2025"])
    assert env == {"AI_INDEX_WAREHOUSE": "/w/ai_index.duckdb", "AI_INDEX_DBT_EDITIONS": "2025,2026"}


def test_editions_are_grouped_into_runs_of_consecutive_partitions():
    order = ["2022", "2023", "2024", "2025", "2026"]
    assert contiguous_ranges([2023, 2024, 2026], order) == [("2023", "2024"), ("2026", "2026")]
    assert contiguous_ranges([2026, 2022], order) == [("2022", "2022"), ("2026", "2026")]
