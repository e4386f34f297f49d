"""The README's BI recipes, exercised as Superset and Metabase use them (issue 14): SQLAlchemy with
duckdb-engine (Superset's DuckDB driver) on the read-only snapshot and on the Parquet exports. The
PostgreSQL recipe is in tests/test_postgres.py (it needs the server). Each answers the design card's
question, South Korea's ranks with their coverage, and sees the column descriptions BI tools show."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers import Workspace

QUESTION = (
    "select data_year, value, rank_label from {relation} "
    "where geo_code = 'KOR' and metric = 'private_investment_usd_bn' order by data_year"
)


def _answer(engine: sa.Engine, relation: str) -> list[tuple]:
    with engine.connect() as con:
        return [tuple(r) for r in con.execute(sa.text(QUESTION.format(relation=relation)))]


def test_superset_on_the_duckdb_snapshot_reads_ranks_and_column_descriptions(built: Workspace):
    engine = sa.create_engine(f"duckdb:///{built.warehouse}?access_mode=read_only")
    try:
        answer = _answer(engine, "marts.mart_country_profile")
        assert (2023, 1.39, "rank 8 (tied) of 11 reported, partial list") in answer
        # The column descriptions a BI tool's data model shows, from DuckDB's catalog. (duckdb-engine
        # 0.17's SQLAlchemy inspector queries pg_catalog.pg_collation, which DuckDB lacks.)
        with engine.connect() as con:
            comments = dict(
                con.execute(
                    sa.text(
                        "select column_name, comment from duckdb_columns() "
                        "where schema_name = 'marts' and table_name = 'mart_country_profile'"
                    )
                ).all()
            )
        assert comments["rank_coverage"].startswith("`complete` where the manifest declares")
        assert all(comments.values()) and len(comments) == 20
        # Read-only: a dashboard cannot change the marts.
        with engine.connect() as con, pytest.raises(sa.exc.DBAPIError, match="read-only"):
            con.execute(sa.text("delete from marts.dim_metric"))
    finally:
        engine.dispose()


def test_the_parquet_exports_answer_the_same_through_duckdb_engine(built: Workspace):
    parquet = built.data_dir / "exports" / "latest" / "mart_country_profile.parquet"
    snapshot = sa.create_engine(f"duckdb:///{built.warehouse}?access_mode=read_only")
    memory = sa.create_engine("duckdb:///:memory:")
    try:
        assert _answer(memory, f"read_parquet('{parquet}')") == _answer(
            snapshot, "marts.mart_country_profile"
        )
    finally:
        snapshot.dispose()
        memory.dispose()
