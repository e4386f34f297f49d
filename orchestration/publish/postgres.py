"""PostgreSQL for BI: the same marts, built by dbt-postgres from a copy of the DuckDB raw schema.

DuckDB stays the warehouse of record (the release gate loads it, one edition at a time). BI tools that
speak only PostgreSQL get a mirror: `raw` is copied over whole, then `dbt build --target postgres` runs
the very models that build the DuckDB marts, so both databases derive the marts from the same rows.

Environment: AI_INDEX_PG_DSN (libpq URI or key=value string of the role that owns the database),
AI_INDEX_PG_READONLY_ROLE (role granted read access to schema `marts` after each build).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import parse_dsn
from psycopg2.extras import execute_values

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.connection import column_list, connect, ident
from orchestration.warehouse.lock import warehouse_lock
from orchestration.warehouse.raw import RAW_TABLES

DSN_ENV = "AI_INDEX_PG_DSN"

# DuckDB type (information_schema.columns.data_type) -> PostgreSQL type. VARCHAR stays varchar, not text:
# the enforced contract of fct_indicator_values declares varchar and dbt-postgres compares type names.
PG_TYPES = {
    "BOOLEAN": "boolean",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "VARCHAR": "varchar",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}
# The connection parameters the dbt profile (dbt_project/profiles.yml) reads from the environment.
PROFILE_ENV = {
    "host": "AI_INDEX_PG_HOST",
    "port": "AI_INDEX_PG_PORT",
    "user": "AI_INDEX_PG_USER",
    "password": "AI_INDEX_PG_PASSWORD",
    "dbname": "AI_INDEX_PG_DBNAME",
}
DBT_TARGET_PATH = "target/postgres"


def pg_env_from_dsn(dsn: str) -> dict[str, str]:
    """The environment that points the dbt profile's `postgres` target at `dsn`.

    The profile reads five variables, so a DSN carrying anything else (sslmode, options, a second host)
    is refused rather than silently connecting dbt differently from the copy. Missing parts get the
    profile's defaults, so a stale AI_INDEX_PG_* variable in the environment never leaks through."""
    try:
        params = parse_dsn(dsn)
    except psycopg2.ProgrammingError as error:
        raise ValueError(f"{DSN_ENV} is not a valid libpq DSN: {error}") from None
    unsupported = sorted(set(params) - set(PROFILE_ENV))
    if unsupported:
        raise ValueError(
            f"{DSN_ENV}: the dbt profile cannot carry {unsupported}; use host, port, user, password, dbname"
        )
    defaults = {"host": "127.0.0.1", "port": "5432", "user": "postgres", "password": "", "dbname": "ai_index"}
    env = {PROFILE_ENV[key]: params.get(key, default) for key, default in defaults.items()}
    env["AI_INDEX_DBT_TARGET"] = "postgres"
    return env


@contextmanager
def _transaction(dsn: str) -> Iterator[psycopg2.extensions.cursor]:
    """A cursor in one transaction: committed if the block succeeds, rolled back otherwise; then closed."""
    with closing(psycopg2.connect(dsn)) as connection, connection, connection.cursor() as cursor:
        yield cursor


def _raw_tables(warehouse_path: Path) -> dict[str, tuple[list[tuple[str, str, bool]], list[tuple]]]:
    """Per raw table, its columns (name, PostgreSQL type, nullable) and all its rows, read from DuckDB.

    Under the warehouse lock (Settings.lock_path), so a concurrent build makes this wait instead of
    failing on DuckDB's file lock, and the copy never mixes two loads."""
    tables = {}
    lock_path = warehouse_path.with_name(warehouse_path.name + ".lock")
    with warehouse_lock(lock_path), connect(warehouse_path, read_only=True) as con:
        for table in RAW_TABLES:
            described = con.execute(
                "select column_name, data_type, is_nullable = 'YES' from information_schema.columns"
                " where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            if not described:
                raise ValueError(f"{warehouse_path} has no table raw.{table}: run `ai-index build` first")
            unknown = sorted({t for _, t, _ in described} - set(PG_TYPES))
            if unknown:
                raise ValueError(f"raw.{table}: no PostgreSQL type for DuckDB type(s) {unknown}")
            columns = [(name, PG_TYPES[duck_type], nullable) for name, duck_type, nullable in described]
            select = f"select {column_list([name for name, _, _ in columns])} from raw.{ident(table)}"  # noqa: S608
            rows = con.execute(select).fetchall()
            tables[table] = (columns, rows)
    return tables


def copy_raw_to_postgres(warehouse_path: Path, dsn: str) -> dict[str, int]:
    """Replace schema `raw` in PostgreSQL with the DuckDB raw tables, in one transaction.

    Tables are dropped and recreated (CASCADE drops dbt's staging views over them, which the following
    `dbt build` recreates), so a column added in DuckDB reaches PostgreSQL without a migration; readers
    of `marts` are unaffected, and a failure leaves PostgreSQL as it was. Returns rows per table."""
    tables = _raw_tables(warehouse_path)
    with _transaction(dsn) as cur:
        cur.execute("create schema if not exists raw")
        for table, (columns, rows) in tables.items():
            target = sql.Identifier("raw", table)
            cur.execute(sql.SQL("drop table if exists {} cascade").format(target))
            definitions = [
                sql.SQL("{} {}{}").format(
                    sql.Identifier(name), sql.SQL(pg_type), sql.SQL("" if nullable else " not null")
                )
                for name, pg_type, nullable in columns
            ]
            cur.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(", ").join(definitions)))
            if rows:
                insert = sql.SQL("insert into {} ({}) values %s").format(
                    target, sql.SQL(", ").join(sql.Identifier(name) for name, _, _ in columns)
                )
                execute_values(cur, insert, rows, page_size=1000)
    return {table: len(rows) for table, (_, rows) in tables.items()}


def publish_to_postgres(
    warehouse_path: Path, dsn: str, *, readonly_role: str | None = None, log: Callable[[str], None] = print
) -> None:
    """Copy raw to PostgreSQL, build every dbt model and test there, then grant BI read access to marts.

    `--full-refresh`: raw is copied whole, so no incremental state may outlive it. dbt replaces each
    mart table on every build, and a replaced table loses its grants: they are granted again each time."""
    from orchestration.warehouse.dbt_cli import dbt_build_args, dbt_executable

    dbt_env = {**os.environ, **pg_env_from_dsn(dsn)}  # a DSN dbt cannot use fails before anything is copied
    counts = copy_raw_to_postgres(warehouse_path, dsn)
    log("postgres: copied raw (" + ", ".join(f"{t} {n}" for t, n in counts.items()) + ")")
    command = [
        dbt_executable(), *dbt_build_args(full_refresh=True), "--target", "postgres",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", DBT_TARGET_PATH, "--log-path", "logs/postgres", "--no-use-colors",
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=DBT_PROJECT_DIR,
        env=dbt_env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = (result.stdout + result.stderr).strip().splitlines()
    if result.returncode != 0:
        tail = "\n".join(output[-40:])
        raise RuntimeError(f"dbt build --target postgres failed (exit {result.returncode}):\n{tail}")
    done = next((line for line in reversed(output) if "Done." in line), "Done.")
    log("postgres: dbt build " + done[done.index("Done.") :])
    if readonly_role:
        role = sql.Identifier(readonly_role)
        with _transaction(dsn) as cur:
            cur.execute(sql.SQL("grant usage on schema marts to {}").format(role))
            cur.execute(sql.SQL("grant select on all tables in schema marts to {}").format(role))
        log(f"postgres: granted read access to schema marts to {readonly_role}")
