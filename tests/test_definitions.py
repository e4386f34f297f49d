"""The Dagster code location: raw, dbt and check assets partitioned by edition, loaded lazily, with typed
run options and the in-process executor for every run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli.runs import run_config
from orchestration.defs.jobs import BUILD_JOB
from orchestration.defs.partitions import contiguous_ranges, edition_partitions
from orchestration.settings import PROJECT_ROOT
from orchestration.warehouse.dbt_cli import dbt_build_args, dbt_env, dbt_executable


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs as lazy_defs

    return lazy_defs()


def test_definitions_hold_raw_dbt_and_check_assets_partitioned_by_edition(defs):
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


def test_release_checks_are_blocking_and_dbt_depends_on_raw(defs):
    raw = defs.resolve_assets_def(dg.AssetKey(["raw", "indicator_values"]))
    specs = {spec.name: spec for spec in raw.check_specs}
    assert all(spec.blocking for spec in specs.values())
    graph = defs.resolve_asset_graph()
    staging = dg.AssetKey(["staging", "stg_ai_index__indicator_values"])
    assert dg.AssetKey(["raw", "indicator_values"]) in graph.get(staging).parent_keys


def test_every_job_of_the_location_runs_in_process_including_materialize_all(defs):
    # "Materialize all" in the UI runs the implicit asset job: it must not use the multiprocess executor.
    assert defs.resolve_job_def(BUILD_JOB).executor_def.name == "in_process"
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"


def test_run_options_are_typed_config_of_the_raw_and_dbt_steps(defs):
    job = defs.resolve_job_def(BUILD_JOB)
    config = run_config(force=True, full_refresh=False)
    assert job.run_config_schema.config_type is not None
    # The config validates against the job's schema (what the launchpad shows), and a typo does not.
    assert dg.validate_run_config(job, config)["ops"]["raw_editions"]["config"] == {
        "force": True,
        "accept_breaks": [],
    }
    accepted = run_config(force=False, full_refresh=False, accept_breaks=[2027])
    assert dg.validate_run_config(job, accepted)["ops"]["raw_editions"]["config"]["accept_breaks"] == [2027]
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(job, {"ops": {"raw_editions": {"config": {"forse": True}}}})


def test_dbt_args_carry_the_edition_partitions():
    assert dbt_build_args() == ["build", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args(full_refresh=True)[-1] == "--full-refresh"
    env = dbt_env(Path("/w/ai_index.duckdb"), [2026, "2025"])
    assert env == {
        "AI_INDEX_DBT_DIR": "/w",
        "AI_INDEX_DBT_DATABASE": "ai_index.duckdb",
        "AI_INDEX_DBT_EDITIONS": "2025,2026",
    }


def test_editions_are_grouped_into_runs_of_consecutive_partitions():
    order = ["2022", "2023", "2024", "2025", "2026"]
    assert contiguous_ranges([2023, 2024, 2026], order) == [("2023", "2024"), ("2026", "2026")]
    assert contiguous_ranges([2026, 2022], order) == [("2022", "2022"), ("2026", "2026")]


def test_importing_the_code_location_builds_nothing_and_starts_no_dbt_process(tmp_path):
    # In a fresh interpreter, the import may not load dagster-dbt, dbt, pandas or Great Expectations, nor
    # start a dbt process (Dagster itself runs `file` to learn the architecture: not counted).
    probe = (
        "import subprocess, sys\n"
        "calls = []\n"
        "real = subprocess.Popen.__init__\n"
        "def spy(self, args, *a, **k):\n"
        "    calls.append(' '.join(map(str, args)) if isinstance(args, (list, tuple)) else str(args))\n"
        "    real(self, args, *a, **k)\n"
        "subprocess.Popen.__init__ = spy\n"
        "import orchestration.definitions\n"
        "heavy = sorted(m for m in ('dagster_dbt', 'dbt', 'pandas', 'great_expectations') if m in sys.modules)\n"
        "print(sum('dbt' in c for c in calls), heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "AI_INDEX_DBT_PROJECT_DIR": str(tmp_path / "no_project")},
    )  # fmt: skip
    assert result.stdout.split() == ["0", "[]"], result.stdout + result.stderr


def test_the_dbt_resource_skips_only_what_dagster_dbt_still_names_as_it_did():
    # WarehouseDbtCliResource overrides two private members of dagster-dbt 0.29.27; if an upgrade renames
    # them, the overrides would silently stop saving seconds per build (or break): fail here instead.
    import inspect

    from dagster_dbt import DbtCliResource

    from orchestration.defs.dbt import WarehouseDbtCliResource

    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source and "self._initialize_dbt_core_adapter(args)" in source
    resource = WarehouseDbtCliResource(
        project_dir=str(PROJECT_ROOT / "dbt_project"), dbt_executable=dbt_executable()
    )
    assert resource._cli_version.major == 1
    assert resource._initialize_dbt_core_adapter(["build"]) is None
