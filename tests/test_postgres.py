"""PostgreSQL for BI: the marts dbt-postgres builds equal the DuckDB marts row for row, and the BI role
can read them and nothing else.

Needs the server `.ci/postgres.sh` starts (AI_INDEX_PG_DSN, AI_INDEX_PG_BI_DSN); without it these tests
skip, unless AI_INDEX_REQUIRE_POSTGRES=1 (CI), where a missing server is a failure. Each run publishes
into a database of its own, dropped afterwards, so the server's `ai_index` database is never touched.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest
from psycopg2 import errors, sql
from psycopg2.extensions import make_dsn, parse_dsn

from orchestration.publish.postgres import pg_env_from_dsn, publish_to_postgres
from tests.helpers import Workspace
from tests.pg import _readonly_role, _server_dsn

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Published:
    dsn: str
    warehouse: Path


@pytest.fixture(scope="module")
def published(pg_database: str, request: pytest.FixtureRequest) -> Published:
    """The session warehouse published twice: the second run replaces raw tables that dbt views depend
    on and marts that BI was granted, as every publish after the first does."""
    # Requested here, after pg_database, so a missing server skips before the 40 s DuckDB build.
    built: Workspace = request.getfixturevalue("built")
    messages: list[str] = []
    for _ in range(2):
        publish_to_postgres(built.warehouse, pg_database, readonly_role=_readonly_role(), log=messages.append)
    assert any("PASS=" in m and "ERROR=0" in m for m in messages), messages
    return Published(pg_database, built.warehouse)


def _normalised(value: object) -> object:
    """Python values as the two drivers return them, made comparable: NUMERIC as float, aware
    timestamps as naive UTC. Floats are then compared exactly."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _sorted_rows(rows: list[tuple]) -> list[tuple]:
    normalised = [tuple(_normalised(v) for v in row) for row in rows]
    return sorted(normalised, key=lambda row: tuple((v is None, v) for v in row))


def test_every_mart_has_the_same_rows_in_postgres(published: Published) -> None:
    with (
        duckdb.connect(str(published.warehouse), read_only=True) as duck,
        closing(psycopg2.connect(published.dsn)) as pg,
        pg.cursor() as cur,
    ):
        marts = [
            name
            for (name,) in duck.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        assert "fct_indicator_values" in marts
        cur.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        )
        assert [name for (name,) in cur.fetchall()] == marts

        for table in marts:
            columns = [
                name
                for (name,) in duck.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            cur.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'marts' and table_name = %s",
                [table],
            )
            assert sorted(name for (name,) in cur.fetchall()) == sorted(columns), f"columns of marts.{table}"

            select = sql.SQL("select {} from marts.{}").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table)
            )
            text = select.as_string(pg)
            duck_rows = _sorted_rows(duck.execute(text).fetchall())
            cur.execute(select)
            pg_rows = _sorted_rows(cur.fetchall())

            assert len(pg_rows) == len(duck_rows), f"row count of marts.{table}"
            assert duck_rows, f"marts.{table} is empty: nothing was compared"
            for duck_row, pg_row in zip(duck_rows, pg_rows, strict=True):
                if duck_row != pg_row:
                    differing = {
                        c: (d, p) for c, d, p in zip(columns, duck_row, pg_row, strict=True) if d != p
                    }
                    pytest.fail(
                        f"marts.{table} differs: first row apart {dict(zip(columns, duck_row, strict=True))}\n"
                        f"columns (duckdb, postgres): {differing}"
                    )


def test_bi_role_reads_marts_and_cannot_write(published: Published) -> None:
    bi_dsn = make_dsn(_server_dsn("AI_INDEX_PG_BI_DSN"), dbname=parse_dsn(published.dsn)["dbname"])
    with closing(psycopg2.connect(bi_dsn)) as bi:
        bi.autocommit = True  # each refused statement on its own, not aborting the ones after it
        with bi.cursor() as cur:
            cur.execute("select count(*) from marts.fct_indicator_values")
            assert cur.fetchone()[0] > 0
            refused = [
                "insert into marts.fct_indicator_values (metric, edition, data_year, geo_code, value)"
                " values ('bi_probe', 1, 1, 'XXX', 0)",
                "delete from marts.fct_indicator_values",
                "create table marts.bi_probe (x integer)",
                "create table public.bi_probe (x integer)",
                "create schema bi_probe",
                "select count(*) from raw.indicator_values",
            ]
            for statement in refused:
                with pytest.raises(errors.InsufficientPrivilege):
                    cur.execute(statement)


def test_bi_role_sees_a_comment_on_every_mart_column(published: Published) -> None:
    """persist_docs: the dbt descriptions are PostgreSQL column comments, which Superset and Metabase show."""
    bi_dsn = make_dsn(_server_dsn("AI_INDEX_PG_BI_DSN"), dbname=parse_dsn(published.dsn)["dbname"])
    with closing(psycopg2.connect(bi_dsn)) as bi, bi.cursor() as cur:
        cur.execute(
            "select c.table_name, c.column_name, col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, "
            "c.ordinal_position) from information_schema.columns c where c.table_schema = 'marts'"
        )
        rows = cur.fetchall()
    assert len(rows) > 150
    assert sorted(f"{t}.{c}" for t, c, comment in rows if not comment) == []
    assert dict(((t, c), d) for t, c, d in rows)[("fct_indicator_values", "rank_coverage")].startswith(
        "`complete`"
    )


def test_superset_and_metabase_on_postgres_answer_as_duckdb(published: Published) -> None:
    """The PostgreSQL recipe through SQLAlchemy as the BI role, as Superset connects."""
    import sqlalchemy as sa

    from tests.test_bi_recipes import QUESTION

    bi = parse_dsn(make_dsn(_server_dsn("AI_INDEX_PG_BI_DSN"), dbname=parse_dsn(published.dsn)["dbname"]))
    url = sa.URL.create(
        "postgresql+psycopg2", username=bi.get("user"), password=bi.get("password"),
        host=bi.get("host"), port=int(bi["port"]) if bi.get("port") else None, database=bi["dbname"],
    )  # fmt: skip
    query = sa.text(QUESTION.format(relation="marts.mart_country_profile"))
    engine = sa.create_engine(url)
    try:
        with engine.connect() as con:
            pg_answer = [tuple(_normalised(v) for v in r) for r in con.execute(query)]
        columns = sa.inspect(engine).get_columns("mart_country_profile", schema="marts")
    finally:
        engine.dispose()
    with duckdb.connect(str(published.warehouse), read_only=True) as duck:
        assert pg_answer == duck.execute(str(query)).fetchall()
    assert all(c["comment"] for c in columns)


def test_pg_env_from_dsn_fills_the_dbt_profile() -> None:
    profile = {
        "AI_INDEX_PG_HOST": "db.example",
        "AI_INDEX_PG_PORT": "6543",
        "AI_INDEX_PG_USER": "builder",
        "AI_INDEX_PG_PASSWORD": "s@cr:t",
        "AI_INDEX_PG_DBNAME": "warehouse",
        "AI_INDEX_DBT_TARGET": "postgres",
    }
    assert pg_env_from_dsn("postgresql://builder:s%40cr%3At@db.example:6543/warehouse") == profile
    assert (
        pg_env_from_dsn("host=db.example port=6543 user=builder password='s@cr:t' dbname=warehouse")
        == profile
    )
    # Unset parts take the profile's defaults rather than whatever AI_INDEX_PG_* the environment holds.
    assert pg_env_from_dsn("postgresql://127.0.0.1/bi") == {
        "AI_INDEX_PG_HOST": "127.0.0.1",
        "AI_INDEX_PG_PORT": "5432",
        "AI_INDEX_PG_USER": "postgres",
        "AI_INDEX_PG_PASSWORD": "",
        "AI_INDEX_PG_DBNAME": "bi",
        "AI_INDEX_DBT_TARGET": "postgres",
    }
    with pytest.raises(ValueError, match="sslmode"):
        pg_env_from_dsn("postgresql://builder@db.example/warehouse?sslmode=require")
    with pytest.raises(ValueError, match="not a valid libpq DSN"):
        pg_env_from_dsn("not a dsn")
