"""The raw schema of the warehouse and the per-edition atomic load (Save): an edition's rows replace its
previous load in every raw table in one transaction, or nothing changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.releases.schema import RAW_COLUMNS
from orchestration.warehouse.connection import column_list, connect, ident, transaction

if TYPE_CHECKING:  # pandas and the loader load lazily: the Dagster definitions import this module
    from collections.abc import Iterable

    import pandas as pd

    from orchestration.reference.metrics import Metric
    from orchestration.releases.loader import LoadedEdition
    from orchestration.releases.manifest import Manifest

# The raw tables an edition load replaces, in one transaction.
RAW_TABLES = (
    "indicator_values", "editions", "edition_files", "edition_metrics", "release_check_rules",
    "edition_restatements",
)  # fmt: skip

RAW_DDL = """
create schema if not exists raw;
create table if not exists raw.indicator_values (
    edition integer not null,
    metric varchar not null,
    figure_id varchar,
    source_file varchar not null,
    file_sha256 varchar not null,
    row_number integer not null,
    geo_grouping varchar not null,
    place_column varchar,
    place_as_written varchar not null,
    place_key varchar not null,
    geo_code varchar,
    year_column varchar,
    year_as_written varchar not null,
    data_year integer not null,
    value_column varchar not null,
    value_as_written varchar not null,
    value double not null,
    unit varchar not null,
    reliability varchar,
    provenance_source varchar,
    provenance_note varchar,
    loaded_at timestamp not null
);
create table if not exists raw.editions (
    edition integer primary key,
    title varchar not null,
    bundle varchar not null,
    container varchar not null,
    is_synthetic boolean not null,
    bundle_sha256 varchar not null,
    checks_sha256 varchar not null,
    files integer not null,
    values_loaded integer not null,
    manifest_json varchar not null,
    loaded_at timestamp not null
);
create table if not exists raw.edition_files (
    edition integer not null,
    path varchar not null,
    figure_id varchar,
    metrics varchar not null,
    sha256 varchar not null,
    rows integer not null,
    bytes integer not null,
    values_read integer,
    not_reported integer,
    set_aside_lines varchar,
    status varchar,
    lists_every_country boolean
);
create table if not exists raw.edition_metrics (
    edition integer not null,
    metric varchar not null,
    is_methodology_break boolean not null,
    break_reason varchar
);
create table if not exists raw.edition_restatements (
    edition integer not null,
    metric varchar not null,
    geo_code varchar not null,
    data_year integer not null,
    reason varchar not null
);
create schema if not exists ops;
create table if not exists ops.built (
    step varchar not null,
    edition integer not null,
    bundle_sha256 varchar not null,
    loaded_at timestamp not null,
    built_at timestamp not null
);
create table if not exists raw.release_check_rules (
    edition integer not null,
    metric varchar not null,
    min_value double not null,
    max_value double not null,
    publication_lag integer not null,
    is_additive boolean not null,
    revision_warning_pct double not null,
    revision_error_pct double not null,
    revision_floor double not null
);
"""
# Columns added after a table first shipped: applied to warehouses built by an older version (idempotent).
RAW_MIGRATIONS = (
    "alter table raw.release_check_rules add column if not exists revision_floor double default 0",
    "alter table raw.indicator_values add column if not exists geo_code varchar",
    "alter table raw.edition_files add column if not exists values_read integer",
    "alter table raw.edition_files add column if not exists not_reported integer",
    "alter table raw.edition_files add column if not exists set_aside_lines varchar",
    "alter table raw.edition_files add column if not exists status varchar",
    "alter table raw.edition_files add column if not exists lists_every_country boolean",
)


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)
    for statement in RAW_MIGRATIONS:
        con.execute(statement)


def replace_edition(
    path: Path,
    loaded: LoadedEdition,
    manifest: Manifest,
    container: str,
    checks_sha256: str,
    rules: Iterable[Metric],
) -> datetime:
    """Replace one edition's rows in every raw table, in one transaction; other editions are untouched.

    `rules`: the metric rules the release gate checked the edition with, recorded in
    `release_check_rules` so that the revisions mart judges a restatement by the rules that admitted it."""
    import pandas as pd

    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    values = loaded.frame[RAW_COLUMNS].assign(loaded_at=loaded_at)
    # The load report, one row per file of the bundle: what was read, what said "not reported", the
    # lines set aside (titles, footnotes), and the files not loaded with the reason.
    file_columns = ["edition", "path", "figure_id", "metrics", "sha256", "rows", "bytes", "values_read",
                    "not_reported", "set_aside_lines", "status", "lists_every_country"]  # fmt: skip
    complete = {spec.path for spec in manifest.files if spec.lists_every_country}
    files = pd.DataFrame(
        [
            (loaded.edition, f.path, f.figure_id, ",".join(f.metrics), f.sha256, f.rows, f.bytes, f.values,
             f.not_reported, _lines(f.skipped_lines, f.footer_lines), "loaded", f.path in complete)
            for f in loaded.files
        ] + [
            (loaded.edition, path, None, "", "", 0, 0, 0, 0, None, status, False)
            for path, status in loaded.other_files
        ],
        columns=file_columns,
    )  # fmt: skip
    metrics = pd.DataFrame(
        [(loaded.edition, m, n.methodology_break, n.reason) for m, n in manifest.metrics.items()],
        columns=["edition", "metric", "is_methodology_break", "break_reason"],
    )
    restatements = pd.DataFrame(
        [(loaded.edition, r.metric, r.geo_code, r.data_year, r.reason) for r in manifest.restatements],
        columns=["edition", "metric", "geo_code", "data_year", "reason"],
    ).astype({"edition": "int64", "data_year": "int64"})
    rules = pd.DataFrame(
        [
            (loaded.edition, r.metric, r.range_min, r.range_max, r.publication_lag, r.is_additive,
             r.revision_warning_pct, r.revision_error_pct, r.revision_floor)
            for r in rules
        ],
        columns=["edition", "metric", "min_value", "max_value", "publication_lag", "is_additive",
                 "revision_warning_pct", "revision_error_pct", "revision_floor"],
    )  # fmt: skip
    with connect(path) as con:
        ensure_raw_schema(con)
        con.register("new_values", values)
        con.register("new_files", files)
        con.register("new_metrics", metrics)
        con.register("new_rules", rules)
        con.register("new_restatements", restatements)
        with transaction(con):
            for table in RAW_TABLES:
                con.execute(f"delete from raw.{ident(table)} where edition = ?", [loaded.edition])  # noqa: S608
            # Columns by name: a warehouse migrated by RAW_MIGRATIONS has added columns at the end.
            columns = [*RAW_COLUMNS, "loaded_at"]
            insert = f"insert into raw.indicator_values ({column_list(columns)}) select {column_list(columns)} from new_values"  # noqa: S608
            con.execute(insert)
            con.execute(
                f"insert into raw.edition_files ({column_list(file_columns)}) select * from new_files"  # noqa: S608
            )
            con.execute("insert into raw.edition_metrics select * from new_metrics")
            con.execute("insert into raw.release_check_rules select * from new_rules")
            con.execute("insert into raw.edition_restatements select * from new_restatements")
            con.execute(
                "insert into raw.editions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    loaded.edition, manifest.title, manifest.bundle, container, manifest.synthetic,
                    loaded.fingerprint, checks_sha256, len(loaded.files), len(values),
                    json.dumps(manifest.model_dump(mode="json"), sort_keys=True), loaded_at,
                ],
            )  # fmt: skip
    return loaded_at


def _lines(skipped: tuple[int, ...], footer: tuple[int, ...]) -> str | None:
    parts = ([f"title lines {list(skipped)}"] if skipped else []) + (
        [f"footnotes {list(footer)}"] if footer else []
    )
    return "; ".join(parts) or None


def edition_loads(path: Path) -> dict[int, tuple[str, str, datetime]]:
    """(bundle_sha256, checks_sha256, loaded_at) of every loaded edition. Read-only: the sensor and the
    CLI's planning look while no build holds the working database."""
    if not path.exists():
        return {}
    with connect(path, read_only=True) as con:
        if not con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'editions'"
        ).fetchone()[0]:
            return {}
        rows = con.execute(
            "select edition, bundle_sha256, checks_sha256, loaded_at from raw.editions"
        ).fetchall()
    return {edition: (bundle, checks, loaded_at) for edition, bundle, checks, loaded_at in rows}


def warehouse_state(path: Path) -> dict[int, tuple[str, str]]:
    """(bundle_sha256, checks_sha256) of every loaded edition: what a no-op rebuild compares against."""
    return {edition: (bundle, checks) for edition, (bundle, checks, _) in edition_loads(path).items()}


def methodology_breaks(path: Path) -> set[tuple[int, str]]:
    """(edition, metric) pairs whose manifest declared a methodology break, over loaded editions."""
    if not path.exists():
        return set()
    with connect(path) as con:
        ensure_raw_schema(con)
        rows = con.execute(
            "select edition, metric from raw.edition_metrics where is_methodology_break"
        ).fetchall()
    return {(int(e), m) for e, m in rows}


# What the cross-edition checks read of earlier editions: only these columns (at a million values,
# reading every column of every earlier edition for each new one dominated the check).
EARLIER_COLUMNS = [
    "edition",
    "metric",
    "data_year",
    "geo_grouping",
    "place_as_written",
    "geo_code",
    "value",
    "source_file",
    "row_number",
]


def earlier_editions(path: Path, edition: int) -> pd.DataFrame:
    """Raw rows of every loaded edition before `edition`, for the cross-edition release checks."""
    import pandas as pd

    if not path.exists():
        return pd.DataFrame(columns=EARLIER_COLUMNS)
    with connect(path) as con:
        ensure_raw_schema(con)
        query = f"select {column_list(EARLIER_COLUMNS)} from raw.indicator_values where edition < ?"  # noqa: S608
        return con.execute(query, [edition]).df()
