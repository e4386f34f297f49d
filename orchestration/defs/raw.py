"""Raw layer: each edition partition loaded into DuckDB schema `raw` through the release gate.

One multi-asset writes the raw tables of an edition in one transaction. Its three asset checks are
the Great Expectations suites (`expectations/`), run *before* the write and blocking: an edition that
fails them is not written, the step fails, and the dbt models downstream do not run, so the marts keep
their previous state.
"""

from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.defs.partitions import edition_partitions
from orchestration.defs.resources import BuildLockResource, WarehouseResource
from orchestration.defs.tables import table as metadata_table
from orchestration.releases.bundle import discover_editions
from orchestration.settings import docs_url
from orchestration.warehouse.lock import warehouse_lock
from orchestration.warehouse.raw import RAW_TABLES
from orchestration.warehouse.snapshot import prepare_work

if TYPE_CHECKING:
    from orchestration.settings import Settings
    from orchestration.warehouse.gate import EditionReport

RAW_DESCRIPTIONS = {
    "indicator_values": "One row per published value: edition, metric, file, sha256, row, place and value as written.",
    "editions": "One row per loaded edition: manifest, bundle fingerprint (data version), load time.",
    "edition_files": "Files of each edition with their sha256 and row counts.",
    "edition_metrics": "Methodology breaks each edition's manifest declares, per metric.",
    "release_check_rules": "Rules each edition was checked with (the metric registry, dbt_project/seeds/metrics.csv).",
    "edition_restatements": "Values an edition's manifest declares restated on purpose, with the reason.",
}
CHECKED_ASSET = dg.AssetKey(["raw", "indicator_values"])
CHECKS = {
    "file_columns": "Every file's header matches its manifest entry (Great Expectations suite file_columns).",
    "edition_values": "The edition's values are consistent in themselves (suite edition_values).",
    "cross_edition": "Restatements of earlier editions stay within tolerance (suite cross_edition).",
}


def _served_url(url: str, settings: "Settings") -> str:
    """A Data Docs page as `ai-index docs` serves it over http (browsers refuse file:// from the UI)."""
    from urllib.parse import unquote, urlparse

    if url.startswith("file://"):
        return docs_url(settings, Path(unquote(urlparse(url).path))) or url
    return url


def _check_result(
    suite: str, reports: "list[EditionReport]", index_path: str, settings: "Settings"
) -> dg.AssetCheckResult:
    outcomes, docs, unexpected = [], {}, []
    for report in reports:
        run = report.checks
        if run is None:
            continue
        for suite_outcome in run.suites:
            if suite_outcome.suite != suite:
                continue
            outcomes += suite_outcome.outcomes
            if suite_outcome.docs_url:
                docs[report.edition] = _served_url(suite_outcome.docs_url, settings)
            for outcome in suite_outcome.outcomes:
                if not outcome.success:
                    unexpected += [
                        [report.edition, outcome.check_id, outcome.status, e] for e in outcome.examples[:10]
                    ]
    errors = [o for o in outcomes if not o.success and o.severity == "error"]
    warnings = [o for o in outcomes if not o.success and o.severity == "warning"]
    unchanged = [r.edition for r in reports if r.status == "unchanged"]
    metadata: dict[str, object] = {
        "editions_checked": sorted({r.edition for r in reports if r.checks is not None}),
        "editions_unchanged_not_rechecked": unchanged,
        "expectations_run": len(outcomes),
        "expectations_failed": len(errors),
        "expectations_warned": len(warnings),
        "failing_expectations": sorted({o.check_id for o in errors + warnings}),
        "unexpected_rows": metadata_table(["edition", "expectation", "status", "row"], unexpected[:50]),
        "data_docs_index": dg.MetadataValue.url(_served_url(Path(index_path).as_uri(), settings)),
    }
    for edition, url in docs.items():
        metadata[f"data_docs_{edition}"] = dg.MetadataValue.url(url)
    if errors:
        severity, passed = dg.AssetCheckSeverity.ERROR, False
    elif warnings:
        severity, passed = dg.AssetCheckSeverity.WARN, False
    else:
        severity, passed = dg.AssetCheckSeverity.ERROR, True
    return dg.AssetCheckResult(
        asset_key=CHECKED_ASSET, check_name=suite, passed=passed, severity=severity, metadata=metadata
    )


class RawLoadConfig(dg.Config):
    """Run options of the raw load, shown in the launchpad."""

    force: bool = False  # reload and recheck editions whose bundle and checks are unchanged
    # Editions whose methodology breaks an operator has reviewed: accepted even when they break many
    # metrics or move a headline value beyond the bound (expectations/release_checks.yml `breaks`).
    accept_breaks: list[int] = []


def _record_partitions(context: AssetExecutionContext, reports: "list[EditionReport]") -> None:
    """Metadata of each edition partition: its own row count, files and bundle fingerprint (a ranged run
    records one materialization per partition, each with its own numbers)."""
    for report in reports:
        key = str(report.edition)
        files = [
            [f.path, f.figure_id or "unnumbered", f.rows, f.values, f.not_reported, f.sha256]
            for f in report.files
        ]
        for table in RAW_TABLES:
            metadata: dict[str, object] = {"status": report.status, "bundle_sha256": report.fingerprint or ""}
            if table == "indicator_values":
                if report.status == "loaded":
                    metadata["dagster/row_count"] = report.rows
                metadata["files"] = metadata_table(
                    ["file", "figure", "rows", "values", "not reported", "sha256"], files
                )
            context.add_asset_metadata(metadata, asset_key=dg.AssetKey(["raw", table]), partition_key=key)


@dg.multi_asset(
    name="raw_editions",
    specs=[
        dg.AssetSpec(["raw", table], description=RAW_DESCRIPTIONS[table], group_name="raw", kinds={"duckdb"})
        for table in RAW_TABLES
    ],
    check_specs=[
        dg.AssetCheckSpec(name, asset=CHECKED_ASSET, description=text, blocking=True)
        for name, text in CHECKS.items()
    ],
    partitions_def=edition_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def raw_editions(
    context: AssetExecutionContext,
    config: RawLoadConfig,
    warehouse: WarehouseResource,
    build_lock: BuildLockResource,
):
    """Load the selected edition partitions (in edition order) through the release gate."""
    # Imported here, not at the top: pandas and Great Expectations would slow every definitions reload.
    from orchestration.warehouse.gate import EditionReport, gate_edition, publish_check_docs

    settings = warehouse.settings
    force = config.force
    releases = discover_editions(settings.releases_dir)
    reports: list[EditionReport] = []
    with warehouse_lock(settings.lock_path, notify=context.log.info):
        prepare_work(settings)
        for key in sorted(context.partition_keys, key=int):
            edition = int(key)
            if edition not in releases:
                reports.append(
                    EditionReport(
                        edition, "rejected", [f"{settings.releases_dir}/{key}: no such edition directory"]
                    )
                )
                continue
            report = gate_edition(
                releases[edition], settings, force=force, accept_breaks=edition in config.accept_breaks
            )
            context.log.info(f"edition {edition}: {report.status}")
            reports.append(report)
        publish_check_docs(reports, settings)
    index_path = str(settings.ge_docs_dir / "index.html")
    for suite in CHECKS:
        yield _check_result(suite, reports, index_path, settings)
    rejected = [r for r in reports if not r.ok]
    if rejected:
        summary = "\n".join(f"edition {r.edition} rejected:\n  " + "\n  ".join(r.problems) for r in rejected)
        raise dg.Failure(
            description=f"{len(rejected)} edition(s) failed the release gate; nothing of them was written.\n{summary}",
            metadata={"rejected_editions": [r.edition for r in rejected]},
        )
    _record_partitions(context, reports)
    # The data version of a one-edition run is its bundle's fingerprint (a ranged run records each
    # partition's fingerprint as `bundle_sha256` metadata: Dagster keeps one data version per output).
    version = dg.DataVersion(reports[0].fingerprint) if len(reports) == 1 and reports[0].fingerprint else None
    for table in RAW_TABLES:
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["raw", table]), data_version=version)
