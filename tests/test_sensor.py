"""The new-edition sensor: at every tick it asks for what the working database lacks, and a run key
repeats only for a truly identical request."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import duckdb

from orchestration.cli.instance import register_editions
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.sensors import edition_release_sensor
from orchestration.releases.bundle import discover_editions, open_bundle
from tests.helpers import BY_COUNTRY, Workspace, replace_in_file


def _tick(ws: Workspace, instance: dg.DagsterInstance) -> dg.SensorResult:
    resource = WarehouseResource.from_settings(ws.settings())
    return edition_release_sensor(
        dg.build_sensor_context(instance=instance, resources={"warehouse": resource})
    )


def _keys(result: dg.SensorResult) -> list[str]:
    return [r.run_key for r in result.run_requests]


def _pretend_loaded(ws: Workspace, edition: int, at: datetime) -> None:
    """Record the edition's current bundle as loaded and published at `at`, as a build would."""
    fingerprint = open_bundle(ws.releases / str(edition)).fingerprint()
    with duckdb.connect(str(ws.work)) as con:
        con.execute(
            "update raw.editions set bundle_sha256 = ?, loaded_at = ? where edition = ?",
            [fingerprint, at, edition],
        )
        con.execute(
            "update ops.built set bundle_sha256 = ?, loaded_at = ? where edition = ?",
            [fingerprint, at, edition],
        )


def test_a_request_is_launched_once_but_a_reverted_or_changed_again_bundle_is_a_new_request(
    workspace: Workspace,
):
    instance = dg.DagsterInstance.ephemeral()
    register_editions(instance, sorted(discover_editions(workspace.releases)))
    assert _tick(workspace, instance).run_requests == []  # everything loaded and published

    path = workspace.edition_file(2025, BY_COUNTRY)
    original = path.read_text(encoding="utf-8")
    replace_in_file(path, "China,9.29", "China,9.31")  # bundle A -> B
    first = _keys(_tick(workspace, instance))
    assert len(first) == 1
    assert _keys(_tick(workspace, instance)) == first  # the same request: the same key, launched once

    _pretend_loaded(workspace, 2025, datetime(2026, 5, 1))  # B is loaded
    assert _tick(workspace, instance).run_requests == []
    path.write_text(original, encoding="utf-8")  # reverted to A
    reverted = _keys(_tick(workspace, instance))
    assert len(reverted) == 1 and reverted != first

    _pretend_loaded(workspace, 2025, datetime(2026, 5, 2))  # A is loaded again
    replace_in_file(path, "China,9.29", "China,9.31")  # ... and changed to B again
    again = _keys(_tick(workspace, instance))
    assert len(again) == 1 and again not in (first, reverted)


def test_every_tick_asks_for_editions_whose_marts_lag_their_raw_load(workspace: Workspace):
    instance = dg.DagsterInstance.ephemeral()
    register_editions(instance, sorted(discover_editions(workspace.releases)))
    with duckdb.connect(str(workspace.work)) as con:  # 2026 loaded to raw, its marts never built
        con.execute("delete from ops.built where edition = 2026")
    for _ in range(2):  # not only at the first tick
        (request,) = _tick(workspace, instance).run_requests
        assert request.partition_key == "2026"
