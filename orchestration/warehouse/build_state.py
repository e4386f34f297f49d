"""Which later steps (dbt, exports) have completed for each edition's current raw load (`ops.built`).

A step records its completion only after it has finished, so a build killed mid-way is finished by the
next one.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.warehouse.connection import connect, transaction
from orchestration.warehouse.raw import ensure_raw_schema

# The steps after the raw load that must complete for an edition's load to be fully built. A step records
# its completion (ops.built) only after it has finished, so a build killed mid-way is finished by the next.
BUILD_STEPS = ("dbt", "exports")


def record_built(path: Path, step: str, editions: list[int]) -> None:
    """Mark `step` complete for these editions' current raw load, in one transaction."""
    with connect(path) as con:
        ensure_raw_schema(con)
        with transaction(con):
            for edition in editions:
                con.execute("delete from ops.built where step = ? and edition = ?", [step, edition])
                con.execute(
                    "insert into ops.built select ?, edition, bundle_sha256, loaded_at, now() "
                    "from raw.editions where edition = ?",
                    [step, edition],
                )


def steps_behind(path: Path, steps: tuple[str, ...] = BUILD_STEPS) -> list[int]:
    """Editions loaded into raw for which one of `steps` has not completed since that load. Read-only: the
    sensor and the planner look while no build holds the working database."""
    if not path.exists():
        return []
    with connect(path, read_only=True) as con:
        present = {
            (schema, table)
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('raw', 'ops')"
            ).fetchall()
        }
        if ("raw", "editions") not in present:
            return []
        if ("ops", "built") not in present:
            return sorted(e for (e,) in con.execute("select edition from raw.editions").fetchall())
        rows = con.execute(
            """
            select raw.edition
            from raw.editions as raw
            where (
                select count(distinct built.step) from ops.built as built
                where built.edition = raw.edition
                  and list_contains(?::varchar[], built.step)
                  and built.bundle_sha256 = raw.bundle_sha256
                  and built.loaded_at = raw.loaded_at
            ) < ?
            """,
            [list(steps), len(steps)],
        ).fetchall()
    return sorted(e for (e,) in rows)


def marts_lag(path: Path) -> list[int]:
    """Editions loaded into raw whose later steps (dbt, exports and publish) have not completed."""
    return steps_behind(path, BUILD_STEPS)
