"""dbt layer: the dbt project's models, seeds and tests as Dagster assets and asset checks.

Partitioned by edition like the raw layer: the partitions of a run reach dbt as
the environment variable AI_INDEX_DBT_EDITIONS, so the incremental models re-derive only those
editions (an env var rather than --vars: changing --vars makes dbt re-parse the whole project).
"""

import os
import sys
from collections.abc import Mapping, Sequence
from functools import cache
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

from orchestration.locking import warehouse_lock
from orchestration.mart_metadata import mart_metadata
from orchestration.partitions import edition_partitions
from orchestration.resources import WarehouseResource
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse import record_built


def dbt_executable() -> str:
    """The dbt of this interpreter's environment, whether or not the venv is on PATH."""
    executable = Path(sys.executable).parent / "dbt"
    return str(executable) if executable.exists() else "dbt"


def _manifest_is_stale(project: DbtProject) -> bool:
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        sources += (DBT_PROJECT_DIR / folder).rglob("*")
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if project.preparer.using_dagster_dev() or _manifest_is_stale(project):
        # The asset graph comes from the manifest: re-parse when a model changed since it was written
        # (a fresh clone, an edited model), and on every `dagster dev` reload. The stock preparer looks
        # for `dbt` on PATH, which a venv that is not activated does not have.
        resource = DbtCliResource(
            project_dir=project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
        )
        resource.cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    """The dbt command of a build (a pure function, unit-tested)."""
    return ["build", "--full-refresh"] if full_refresh else ["build"]


def dbt_env(warehouse_path: Path, editions: Sequence[int]) -> dict[str, str]:
    """What a dbt subprocess needs to build these edition partitions into this warehouse: the path for
    profiles.yml, the editions for the `editions_filter` macro."""
    return {
        "AI_INDEX_WAREHOUSE": str(warehouse_path),
        "AI_INDEX_DBT_EDITIONS": ",".join(str(e) for e in sorted(int(e) for e in editions)),
    }


class AiIndexDbtTranslator(DagsterDbtTranslator):
    """Group dbt assets by layer folder (staging, intermediate, marts) and seeds as `reference`."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else None


def build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        partitions_def=edition_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=AiIndexDbtTranslator(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
        ),
        pool="ai_index_warehouse",
    )
    def ai_index_dbt(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        settings = warehouse.settings
        editions = [int(k) for k in context.partition_keys]
        # dbt runs as a subprocess that inherits the environment (DbtCliResource takes no env argument).
        os.environ.update(dbt_env(settings.warehouse_path, editions))
        full_refresh = context.run.tags.get("ai_index/full_refresh") == "true"
        with warehouse_lock(settings.lock_path, notify=context.log.info):
            # A fixed target path keeps dbt's partial parse between runs (seconds per build).
            invocation = dbt.cli(
                dbt_build_args(full_refresh),
                context=context,
                target_path=project.target_path / "dagster",
            )
            events = []
            try:
                events.extend(invocation.stream())
                record_built(settings.warehouse_path, "dbt", editions)
            finally:
                # If event handling fails mid-stream, dbt must not outlive the step holding the DuckDB file.
                if invocation.process.poll() is None:
                    invocation.process.terminate()
                    invocation.process.wait(timeout=60)
                # dbt has released the DuckDB file: add row counts, previews and charts to the marts.
                yield from _with_mart_metadata(context, events, settings.warehouse_path)

    return ai_index_dbt


def _with_mart_metadata(context: AssetExecutionContext, events: list, warehouse_path: Path):
    marts = {}
    for event in events:
        if isinstance(event, dg.Output):
            key = context.asset_key_for_output(event.output_name)
            if key.path[0] == "marts":
                marts[event.output_name] = key.path[-1]
    metadata = mart_metadata(warehouse_path, sorted(set(marts.values()))) if marts else {}
    for event in events:
        if isinstance(event, dg.Output) and marts.get(event.output_name) in metadata:
            event = event.with_metadata({**event.metadata, **metadata[marts[event.output_name]]})
        yield event


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )
