"""New-edition sensor: an edition dropped into the releases directory becomes a partition and is built,
and every tick finishes what earlier runs left undone.

Each tick registers new edition directories as partitions, then (unless a build holds the warehouse)
asks for a run of every edition the working database does not hold as it is now: a new or changed
bundle, changed checks, or a load whose marts were never published (a run that failed after loading
raw, a killed build). A bundle that cannot be opened gets a run too: its release gate reports why, on
the asset checks, where users look.

The run key is the request itself: each edition's bundle fingerprint together with the load the
warehouse holds for it (fingerprint and time) and whether its marts lag. Dagster launches a run key
once, so an identical request never runs twice (a rejected bundle is not retried every tick), while a
bundle reverted to earlier content, or changed again after a load, is a new request.
"""

import hashlib
import json

import dagster as dg
import duckdb

from orchestration.defs.jobs import BUILD_JOB
from orchestration.defs.partitions import (
    RANGE_END_TAG,
    RANGE_START_TAG,
    contiguous_ranges,
    edition_partitions,
)
from orchestration.defs.resources import WarehouseResource
from orchestration.errors import BundleError
from orchestration.releases.bundle import discover_editions, open_bundle, reading_once
from orchestration.settings import sensor_interval_seconds
from orchestration.warehouse.build_state import marts_lag
from orchestration.warehouse.lock import warehouse_lock
from orchestration.warehouse.raw import edition_loads


def _fingerprint(edition_dir) -> str:
    try:
        return open_bundle(edition_dir).fingerprint()
    except BundleError as exc:
        return f"unreadable:{exc}"


def _run_request(keys: list[str], requested: dict[str, str]) -> dg.RunRequest:
    digest = hashlib.sha256(json.dumps([[k, requested[k]] for k in keys]).encode()).hexdigest()[:24]
    tags = {"ai_index/trigger": "sensor"}
    if len(keys) == 1:
        return dg.RunRequest(run_key=f"editions-{keys[0]}-{digest}", partition_key=keys[0], tags=tags)
    ranged = {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}
    return dg.RunRequest(run_key=f"editions-{keys[0]}-{keys[-1]}-{digest}", tags={**tags, **ranged})


@dg.sensor(
    name="edition_release_sensor",
    job_name=BUILD_JOB,
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers editions dropped into the releases directory as partitions and builds them.",
)
def edition_release_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    # Imported here: pandas and the gate's dependencies load only when the sensor evaluates.
    from orchestration.warehouse.gate import editions_not_current

    settings = warehouse.settings
    with reading_once():  # each bundle read and hashed once per tick
        return _evaluate(context, settings, editions_not_current)


def _evaluate(context: dg.SensorEvaluationContext, settings, editions_not_current) -> dg.SensorResult:
    releases = discover_editions(settings.releases_dir)
    current = {str(edition): _fingerprint(path) for edition, path in releases.items()}
    known = set(context.instance.get_dynamic_partitions(edition_partitions.name))
    new_partitions = sorted((key for key in current if key not in known), key=int)
    register = [edition_partitions.build_add_request(new_partitions)] if new_partitions else []
    try:
        with warehouse_lock(settings.lock_path, timeout_s=0):
            stale = editions_not_current(settings, sorted(releases))
            lagging = [e for e in marts_lag(settings.work_path) if e in releases]
            loads = edition_loads(settings.work_path)
    except (TimeoutError, duckdb.IOException):
        return dg.SensorResult(
            dynamic_partitions_requests=register,
            skip_reason="a build is writing the warehouse; looking again at the next tick",
        )
    wanted = sorted({*stale, *lagging})
    if not wanted:
        return dg.SensorResult(
            dynamic_partitions_requests=register,
            skip_reason=f"every edition under {settings.releases_dir} is loaded and published",
        )
    requested = {
        str(e): json.dumps(
            [current[str(e)], *(str(v) for v in loads.get(e, ("", "", ""))), e in lagging], sort_keys=True
        )
        for e in wanted
    }
    # One run per range of consecutive editions (one dbt invocation), not one per edition.
    order = sorted(known | set(new_partitions), key=int)
    runs = []
    for start, end in contiguous_ranges(wanted, order):
        keys = order[order.index(start) : order.index(end) + 1]
        runs.append(_run_request(keys, {k: requested.get(k, current.get(k, "")) for k in keys}))
    return dg.SensorResult(run_requests=runs, dynamic_partitions_requests=register)
