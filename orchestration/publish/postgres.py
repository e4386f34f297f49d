"""PostgreSQL for BI: the same marts, built by dbt-postgres from a copy of the published raw schema.

DuckDB stays the warehouse of record (the release gate loads it, one edition at a time). BI tools that
speak only PostgreSQL get a mirror, published without a gap:

1. the published snapshot's `raw` is copied into schema `raw__build`, and `dbt build --target postgres`
   builds every layer into `<layer>__build` schemas (the very models that build the DuckDB marts);
2. the BI role is granted `usage` and `select` on `marts__build` before anyone can see it;
3. one transaction renames the served schemas away, renames the `__build` ones into their place and
   drops the old ones, under a `lock_timeout`: a BI query sees the old marts or the new ones, with
   their privileges, never none; a session that holds a lock on the old marts (idle in a transaction)
   makes the swap fail within the timeout, naming that session, and the previous marts stay served.

Environment: AI_INDEX_PG_DSN (libpq URI or key=value string of the role that owns the database),
AI_INDEX_PG_READONLY_ROLE (role granted read access to schema `marts`), AI_INDEX_PG_LOCK_TIMEOUT_S
(how long the swap may wait for readers' locks; default 10).
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
# The schemas a publish replaces, the suffix it builds them under, and the one it retires them with.
# dbt reads the suffix from AI_INDEX_SCHEMA_SUFFIX (macros/generate_schema_name.sql, staging/_sources.yml).
SERVED_SCHEMAS = ("raw", "reference", "staging", "intermediate", "marts")
BUILD_SUFFIX, OLD_SUFFIX = "__build", "__old"


class PublishBlocked(RuntimeError):
    """The swap could not take its locks within the timeout: the previous marts stay served."""


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


def _raw_tables(snapshot: Path) -> dict[str, tuple[list[tuple[str, str, bool]], list[tuple]]]:
    """Per raw table, its columns (name, PostgreSQL type, nullable) and all its rows, read from the
    published snapshot (read-only: it never changes under the reader, and a build never waits for it)."""
    tables = {}
    with connect(snapshot, read_only=True) as con:
        for table in RAW_TABLES:
            described = con.execute(
                "select column_name, data_type, is_nullable = 'YES' from information_schema.columns"
                " where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            if not described:
                raise ValueError(f"{snapshot} has no table raw.{table}: run `ai-index build` first")
            unknown = sorted({t for _, t, _ in described} - set(PG_TYPES))
            if unknown:
                raise ValueError(f"raw.{table}: no PostgreSQL type for DuckDB type(s) {unknown}")
            columns = [(name, PG_TYPES[duck_type], nullable) for name, duck_type, nullable in described]
            select = f"select {column_list([name for name, _, _ in columns])} from raw.{ident(table)}"  # noqa: S608
            rows = con.execute(select).fetchall()
            # PostgreSQL refuses NUL in text: name the table and column rather than fail in the driver.
            for row in rows:
                for (name, _, _), cell in zip(columns, row, strict=True):
                    if isinstance(cell, str) and "\x00" in cell:
                        raise ValueError(
                            f"raw.{table}, column {name!r}: a NUL character cannot go to PostgreSQL"
                        )
            tables[table] = (columns, rows)
    return tables


def _drop_build_schemas(cur) -> None:
    for schema in SERVED_SCHEMAS:
        cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema + BUILD_SUFFIX)))


def copy_raw_to_postgres(snapshot: Path, dsn: str, schema: str = "raw" + BUILD_SUFFIX) -> dict[str, int]:
    """Copy the snapshot's raw tables into `schema` (created afresh), in one transaction; rows per table."""
    tables = _raw_tables(snapshot)
    with _transaction(dsn) as cur:
        cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
        cur.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
        for table, (columns, rows) in tables.items():
            target = sql.Identifier(schema, table)
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


def _blockers(dsn: str) -> list[str]:
    """Sessions holding locks on tables of the served marts: who blocked the swap."""
    with _transaction(dsn) as cur:
        cur.execute(
            """
            select distinct activity.pid, activity.usename, activity.state,
                   to_char(activity.state_change, 'HH24:MI:SS')
            from pg_locks as locks
            join pg_class as relation on relation.oid = locks.relation
            join pg_namespace as namespace on namespace.oid = relation.relnamespace
            join pg_stat_activity as activity on activity.pid = locks.pid
            where namespace.nspname = any(%s) and locks.granted and activity.pid <> pg_backend_pid()
            """,
            [list(SERVED_SCHEMAS)],
        )
        # Another role's state is visible only to its members and pg_read_all_stats.
        return [
            f"pid {pid} ({user}" + (f", {state} since {since})" if state else ")")
            for pid, user, state, since in cur.fetchall()
        ]


def swap_in(dsn: str, lock_timeout_s: float) -> None:
    """Replace the served schemas by the `__build` ones in one transaction, waiting at most
    `lock_timeout_s` for readers' locks; on timeout nothing changes and PublishBlocked names the readers."""
    try:
        with _transaction(dsn) as cur:
            cur.execute("select set_config('lock_timeout', %s, true)", [f"{int(lock_timeout_s * 1000)}ms"])
            cur.execute("select nspname from pg_namespace where nspname = any(%s)", [list(SERVED_SCHEMAS)])
            served = {name for (name,) in cur.fetchall()}
            for schema in SERVED_SCHEMAS:
                if schema in served:
                    cur.execute(
                        sql.SQL("alter schema {} rename to {}").format(
                            sql.Identifier(schema), sql.Identifier(schema + OLD_SUFFIX)
                        )
                    )
                cur.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(schema + BUILD_SUFFIX), sql.Identifier(schema)
                    )
                )
            for schema in SERVED_SCHEMAS:
                if schema in served:  # waits for readers of the old tables, at most lock_timeout
                    cur.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema + OLD_SUFFIX)))
    except psycopg2.errors.LockNotAvailable as exc:
        blockers = ", ".join(_blockers(dsn)) or "another session"
        raise PublishBlocked(
            f"the swap waited {lock_timeout_s:g} s for locks on the served marts held by {blockers} (a "
            f"reader's open transaction, for example) and gave up "
            f"({str(exc).strip()}); the previous marts stay served. Retry when that session ends its "
            "transaction, or end it (pg_terminate_backend)."
        ) from exc


def publish_to_postgres(
    snapshot: Path,
    dsn: str,
    *,
    readonly_role: str | None = None,
    lock_timeout_s: float = 10,
    log: Callable[[str], None] = print,
) -> None:
    """Copy the published raw to PostgreSQL, build every dbt model and test there under `__build`
    schemas, grant BI read access, then swap them in (see the module's docstring)."""
    from orchestration.warehouse.dbt_cli import (
        DBT_DIR_VARIABLE,
        dbt_build_args,
        dbt_executable,
        dbt_parent_env,
    )

    # A DSN dbt cannot use fails before anything is copied.
    dbt_env = {
        **os.environ,
        **pg_env_from_dsn(dsn),
        **dbt_parent_env(),
        "AI_INDEX_SCHEMA_SUFFIX": BUILD_SUFFIX,
    }
    dbt_env.pop(DBT_DIR_VARIABLE, None)  # a DuckDB build's folder: this dbt runs in the project
    with _transaction(dsn) as cur:
        _drop_build_schemas(cur)  # what a publish that failed before its swap left
    counts = copy_raw_to_postgres(snapshot, dsn)
    log("postgres: copied raw (" + ", ".join(f"{t} {n}" for t, n in counts.items()) + ")")
    command = [
        dbt_executable(), *dbt_build_args(full_refresh=True), "--target", "postgres",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", DBT_TARGET_PATH, "--log-path", "logs/postgres", "--no-use-colors",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=DBT_PROJECT_DIR, env=dbt_env, capture_output=True, text=True, check=False
    )
    output = (result.stdout + result.stderr).strip().splitlines()
    if result.returncode != 0:
        tail = "\n".join(output[-40:])
        raise RuntimeError(f"dbt build --target postgres failed (exit {result.returncode}):\n{tail}")
    done = next((line for line in reversed(output) if "Done." in line), "Done.")
    log("postgres: dbt build " + done[done.index("Done.") :])
    if readonly_role:  # before the swap: the new marts are readable the moment they are served
        role, schema = sql.Identifier(readonly_role), sql.Identifier("marts" + BUILD_SUFFIX)
        with _transaction(dsn) as cur:
            cur.execute(sql.SQL("grant usage on schema {} to {}").format(schema, role))
            cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(schema, role))
        log(f"postgres: granted read access to the new marts to {readonly_role}")
    swap_in(dsn, lock_timeout_s)
    log("postgres: new marts swapped in")
