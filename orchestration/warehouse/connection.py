"""The one way this project opens the DuckDB warehouse, and identifier quoting for the SQL it builds.

DuckDB admits one read-write process per file, and dbt runs as a subprocess: every connection here is
short-lived and closed before dbt starts. Values are always bound (`?`), identifiers come from code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


def ident(name: str) -> str:
    """Quote an identifier. Identifiers come from code constants; values are always bound with `?`."""
    return '"' + name.replace('"', '""') + '"'


def column_list(columns: list[str]) -> str:
    return ", ".join(ident(c) for c in columns)


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one way this project opens the warehouse; always closed on exit so dbt can take the file."""
    if read_only and not path.exists():
        raise FileNotFoundError(f"warehouse {path} does not exist yet: run `ai-index build` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction: committed if the block succeeds, rolled back otherwise. A rollback after a
    failed COMMIT (a full disk) raises "no transaction is active": that must not hide the real cause."""
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass  # the commit itself failed: DuckDB has already rolled back
        raise
