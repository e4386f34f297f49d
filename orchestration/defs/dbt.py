"""dbt layer: the dbt project's models, seeds and tests as Dagster assets and asset checks.

Partitioned by edition like the raw layer: the partitions of a run reach dbt as
the environment variable AI_INDEX_DBT_EDITIONS, so the incremental models re-derive only those
editions (an env var rather than --vars: changing --vars makes dbt re-parse the whole project).
"""

import importlib.metadata
import os
from collections.abc import Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from orchestration.defs.mart_metadata import mart_metadata
from orchestration.defs.partitions import edition_partitions
from orchestration.defs.resources import BuildLockResource, WarehouseResource
from orchestration.warehouse.build_state import record_built, steps_behind
from orchestration.warehouse.dbt_cli import (
    dbt_build_args,
    dbt_env,
    dbt_executable,
    dbt_target_path,
    seed_partial_parse,
    starting_dbt_here,
)
from orchestration.warehouse.lock import warehouse_lock


@cache
def dbt_project(project_dir: Path) -> DbtProject:
    """The dbt project whose manifest the asset graph is read from. The manifest is prepared by
    `make install` (dbt parse) or by the CLI before a build (`ensure_manifest`), and re-parsed on every
    `dagster dev` reload: never when a module is imported."""
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    project.prepare_if_dev()
    return project


class DbtBuildConfig(dg.Config):
    """Run options of the dbt step, shown in the launchpad."""

    full_refresh: bool = False  # rebuild the incremental models from scratch


class AiIndexDbtTranslator(DagsterDbtTranslator):
    """Group dbt assets by layer folder (staging, intermediate, marts) and seeds as `reference`."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else None


def build_dbt_assets(project_dir: Path) -> dg.AssetsDefinition:
    project = dbt_project(project_dir)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        partitions_def=edition_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=AiIndexDbtTranslator(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
        ),
    )
    def ai_index_dbt(
        context: AssetExecutionContext,
        config: DbtBuildConfig,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        build_lock: BuildLockResource,
    ):
        settings = warehouse.settings
        with warehouse_lock(settings.lock_path, notify=context.log.info):
            # Every run finishes what earlier runs started: besides its own partitions, dbt derives each
            # edition whose raw load is newer than its marts (a run that failed after loading raw, a
            # killed build), whatever launched this run.
            behind = steps_behind(settings.work_path, ("dbt",))
            editions = sorted({int(k) for k in context.partition_keys} | set(behind))
            if set(behind) - {int(k) for k in context.partition_keys}:
                context.log.info(f"also deriving editions {behind}, whose marts lag their raw load")
            # dbt runs as a subprocess that inherits the environment (DbtCliResource takes no env argument).
            os.environ.update(dbt_env(settings.work_path, editions))
            # A target folder per working database keeps dbt's partial parse between its builds.
            target = dbt_target_path(settings.work_path)
            seed_partial_parse(project_dir, target)
            with starting_dbt_here():
                invocation = dbt.cli(dbt_build_args(config.full_refresh), context=context, target_path=target)
            events = []
            try:
                events.extend(invocation.stream())
                record_built(settings.work_path, "dbt", editions)
            finally:
                # If event handling fails mid-stream, dbt must not outlive the step holding the DuckDB file.
                if invocation.process.poll() is None:
                    invocation.process.terminate()
                    invocation.process.wait(timeout=60)
                # dbt has released the DuckDB file: add row counts, previews and charts to the marts.
                yield from _with_mart_metadata(context, events, settings.work_path, settings.chart_cache_dir)

    return ai_index_dbt


def _with_mart_metadata(context: AssetExecutionContext, events: list, database: Path, chart_cache: Path):
    marts, descriptions = {}, {}
    for event in events:
        if isinstance(event, dg.Output):
            key = context.asset_key_for_output(event.output_name)
            if key.path[0] == "marts":
                marts[event.output_name] = key.path[-1]
                # The column docs dagster-dbt read from the manifest (the dbt schema files).
                documented = context.assets_def.specs_by_key[key].metadata.get("dagster/column_schema")
                schema = getattr(documented, "schema", documented)  # a metadata value, or the schema itself
                descriptions[key.path[-1]] = {
                    c.name: c.description for c in (schema.columns if schema else []) if c.description
                }
    metadata = (
        mart_metadata(database, sorted(set(marts.values())), descriptions, chart_cache) if marts else {}
    )
    for event in events:
        if isinstance(event, dg.Output) and marts.get(event.output_name) in metadata:
            event = event.with_metadata({**event.metadata, **metadata[marts[event.output_name]]})
        yield event


# `DbtCliResource` without two costs per invocation that buy this project nothing (measured on a
# one-edition build: 6.7 s of its 32 s):
# - dagster-dbt runs `dbt --version` (2.7 s) to tell dbt Core from dbt Fusion: the dbt here is the venv's
#   dbt-core, whose version the package metadata gives;
# - it opens dbt's adapter in-process (4.0 s: it parses every macro) only for `fetch_column_metadata` and
#   `fetch_row_counts`, which this project does not call: the mart metadata (row counts, column schemas,
#   previews) is read from DuckDB once dbt has released the file.
# Both are private members of dagster-dbt 0.29.27 (pinned); tests/test_definitions.py fails if they
# change, so that a dagster-dbt upgrade revisits this.
class WarehouseDbtCliResource(DbtCliResource):
    """dbt (the project's dbt-core) run against the DuckDB warehouse of the build."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource(project_dir: Path) -> DbtCliResource:
    return WarehouseDbtCliResource(
        project_dir=dbt_project(project_dir), profiles_dir=str(project_dir), dbt_executable=dbt_executable()
    )
