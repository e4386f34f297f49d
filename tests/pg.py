"""The PostgreSQL server `.ci/postgres.sh` starts, for the tests: DSNs, the BI role, a database of a test
module's own (dropped afterwards, so the server's `ai_index` database is never touched).

Without a server these tests skip, unless AI_INDEX_REQUIRE_POSTGRES=1 (CI), where a missing server is a
failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import closing

import psycopg2
import pytest
from psycopg2 import sql
from psycopg2.extensions import make_dsn, parse_dsn


def _server_dsn(name: str) -> str:
    dsn = os.environ.get(name)
    if dsn:
        return dsn
    if os.environ.get("AI_INDEX_REQUIRE_POSTGRES") == "1":
        pytest.fail(
            f"PostgreSQL server missing: {name} is not set and AI_INDEX_REQUIRE_POSTGRES=1"
            ' (start one with `eval "$(bash .ci/postgres.sh)"`)'
        )
    pytest.skip(f"no PostgreSQL server: set {name} (see .ci/postgres.sh)")


def _readonly_role() -> str | None:
    bi_dsn = os.environ.get("AI_INDEX_PG_BI_DSN")
    return os.environ.get("AI_INDEX_PG_READONLY_ROLE") or (parse_dsn(bi_dsn).get("user") if bi_dsn else None)


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """DSN of a fresh database owned by the builder role, with the privileges .ci/postgres.sh gives
    `ai_index`: no PUBLIC access, CONNECT for the read-only role. Dropped after the module."""
    dsn = _server_dsn("AI_INDEX_PG_DSN")
    name = f"ai_index_test_{secrets.token_hex(4)}"
    role = _readonly_role()
    with closing(psycopg2.connect(dsn)) as admin:
        admin.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
        with admin.cursor() as cur:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            cur.execute(sql.SQL("revoke all on database {} from public").format(sql.Identifier(name)))
            if role:
                cur.execute(
                    sql.SQL("grant connect on database {} to {}").format(
                        sql.Identifier(name), sql.Identifier(role)
                    )
                )
        try:
            yield make_dsn(dsn, dbname=name)
        finally:
            with admin.cursor() as cur:
                cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def bi_dsn(database_dsn: str) -> str:
    """The read-only BI role's DSN for the database of `database_dsn`."""
    return make_dsn(_server_dsn("AI_INDEX_PG_BI_DSN"), dbname=parse_dsn(database_dsn)["dbname"])
