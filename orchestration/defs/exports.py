"""Exports layer: the marts as Parquet and CSV for BI tools, and the dbt docs site, after every build."""

import hashlib
import os
import shutil

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource

from orchestration.atomic import write_atomically
from orchestration.defs.dbt import dbt_project
from orchestration.defs.partitions import edition_partitions
from orchestration.defs.resources import BuildLockResource, WarehouseResource
from orchestration.settings import Settings
from orchestration.warehouse.build_state import record_built, steps_behind
from orchestration.warehouse.dbt_cli import dbt_env, seed_partial_parse, starting_dbt_here
from orchestration.warehouse.lock import warehouse_lock
from orchestration.warehouse.snapshot import publish_snapshot

DOCS_FILES = ("index.html", "manifest.json", "catalog.json")


def generate_dbt_docs(dbt: DbtCliResource, settings: Settings, log) -> str:
    """The dbt docs site in data/docs/dbt/. `dbt docs generate` (~5 s) runs only when the models changed
    since the last generation (dbt_project/target/docs, keyed by the manifest's sha256): the catalog
    describes table structures, which only a model change alters."""
    project = dbt_project(settings.dbt_project_dir)
    manifest = project.project_dir / project.manifest_path
    source_sha = hashlib.sha256(manifest.read_bytes()).hexdigest()
    generated = project.project_dir / project.target_path / "docs"  # absolute: dbt runs in the build's folder
    stamp = generated / ".manifest_sha256"
    status = "unchanged"
    if not (
        stamp.exists()
        and stamp.read_text() == source_sha
        and all((generated / f).exists() for f in DOCS_FILES)
    ):
        stamp.unlink(missing_ok=True)  # a generation killed midway must not pass for a complete one
        seed_partial_parse(project.project_dir, generated)
        # --no-compile: the site shows each model's code as written, not compiled; compiling every model
        # again (their introspective macros query the warehouse) doubled the cost (10.9 -> 5.7 s measured).
        with starting_dbt_here():
            docs = dbt.cli(["docs", "generate", "--no-compile"], target_path=generated, raise_on_error=True)
        docs.wait()
        # Without compiling, dbt writes index.html and catalog.json only: the site reads the project's
        # parsed manifest, the one this stamp is keyed on.
        shutil.copyfile(manifest, generated / "manifest.json")
        write_atomically(stamp, source_sha)
        status = "generated"
    docs_dir = settings.data_dir / "docs" / "dbt"
    docs_dir.mkdir(parents=True, exist_ok=True)
    for name in DOCS_FILES:
        shutil.copy2(generated / name, docs_dir / name)
    log(f"dbt docs {status}: {docs_dir / 'index.html'}")
    return status


def build_exports_asset(mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    # A multi-asset of one spec: `backfill_policy` of `@asset` is flagged beta in Dagster 1.13 (a
    # warning every command would print), the same policy on `@multi_asset` is not.
    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                ["exports", "marts"],
                deps=mart_keys,
                group_name="exports",
                kinds={"parquet", "csv"},
                description="Every mart as Parquet and CSV under data/exports/ (latest and per edition), with "
                "a README of columns from the dbt docs; the dbt docs site under data/docs/dbt/.",
            )
        ],
        name="exports__marts",
        partitions_def=edition_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def mart_exports(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        dbt: DbtCliResource,
        build_lock: BuildLockResource,
    ):
        from orchestration.publish.files import export_marts  # pyarrow: not at definitions load

        settings = warehouse.settings
        with warehouse_lock(settings.lock_path, notify=context.log.info):
            written = export_marts(
                settings.work_path,
                settings.exports_dir,
                dbt_project(settings.dbt_project_dir).manifest_path,
            )
            # The marts passed their dbt tests (a failing test fails the dbt step before this one): the
            # working database becomes the served snapshot, whole. Published before the dbt docs are
            # generated: BI users get the new data without waiting for the docs site.
            published = publish_snapshot(settings)
            context.log.info(f"published {published.path} ({published.bytes:,} bytes)")
            os.environ.update(dbt_env(settings.work_path, context.partition_keys))  # for `dbt docs`
            docs = generate_dbt_docs(dbt, settings, context.log.info)
            # Exports and the snapshot cover every edition: each one behind is now current.
            behind = steps_behind(settings.work_path, ("exports",))
            record_built(settings.work_path, "exports", sorted({*map(int, context.partition_keys), *behind}))
        latest = {k.removeprefix("latest/"): v for k, v in written.items() if k.startswith("latest/")}
        return dg.MaterializeResult(
            metadata={
                "exports_dir": dg.MetadataValue.path(str(settings.exports_dir)),
                "latest_rows": dg.MetadataValue.json(latest),
                "files": len(written) * 2,
                "dbt_docs": dg.MetadataValue.path(str(settings.data_dir / "docs" / "dbt" / "index.html")),
                "dbt_docs_status": docs,
                "snapshot": dg.MetadataValue.path(str(published.path)),
                "snapshot_bytes": published.bytes,
            }
        )

    return mart_exports
