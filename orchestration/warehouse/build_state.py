"""Which later steps (dbt, exports) have completed for each edition's current raw load (`ops.built`).

A step records its completion only after it has finished, so a build killed mid-way is finished by the
next one.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.warehouse.connection import connect
from orchestration.warehouse.raw import ensure_raw_schema

# The steps after the raw load that must complete for an edition's load to be fully built. A step records
# its completion (ops.built) only after it has finished, so a build killed mid-way is finished by the next.
BUILD_STEPS = ("dbt", "exports")


def record_built(path: Path, step: str, editions: list[int]) -> None:
    """Mark `step` complete for these editions' current raw load, in one transaction."""
    with connect(path) as con:
        ensure_raw_schema(con)
        con.execute("begin transaction")
        try:
            for edition in editions:
                con.execute("delete from ops.built where step = ? and edition = ?", [step, edition])
                con.execute(
                    "insert into ops.built select ?, edition, bundle_sha256, loaded_at, now() "
                    "from raw.editions where edition = ?",
                    [step, edition],
                )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


def marts_lag(path: Path) -> list[int]:
    """Editions loaded into raw whose later steps (dbt, exports) have not completed for that load."""
    if not path.exists():
        return []
    with connect(path) as con:
        ensure_raw_schema(con)
        rows = con.execute(
            """
            select raw.edition
            from raw.editions as raw
            where (
                select count(distinct built.step) from ops.built as built
                where built.edition = raw.edition
                  and built.bundle_sha256 = raw.bundle_sha256
                  and built.loaded_at = raw.loaded_at
            ) < ?
            """,
            [len(BUILD_STEPS)],
        ).fetchall()
    return sorted(e for (e,) in rows)
