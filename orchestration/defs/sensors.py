"""New-edition sensor: an edition dropped into the releases directory becomes a partition and is built.

Each tick fingerprints the edition directories (manifest, provenance and every listed file). A new
edition is registered as a dynamic partition and gets a run; a changed bundle gets a new run (the run
key carries the fingerprint, so an unchanged bundle is never rebuilt twice). A bundle that cannot be
opened gets a run too: its release gate reports why, on the asset checks, where users look.
"""

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
from orchestration.releases.bundle import discover_editions, open_bundle
from orchestration.settings import sensor_interval_seconds
from orchestration.warehouse.build_state import marts_lag
from orchestration.warehouse.lock import warehouse_lock


def _fingerprint(edition_dir) -> str:
    try:
        return open_bundle(edition_dir).fingerprint()
    except BundleError as exc:
        return f"unreadable:{exc}"


def _run_request(start: str, end: str, fingerprints: dict[str, str]) -> dg.RunRequest:
    key = "-".join(f"{e}:{fingerprints[e][:12]}" for e in fingerprints if int(start) <= int(e) <= int(end))
    tags = {"ai_index/trigger": "sensor"}
    if start == end:
        return dg.RunRequest(run_key=f"editions-{key}", partition_key=start, tags=tags)
    ranged = {RANGE_START_TAG: start, RANGE_END_TAG: end}
    return dg.RunRequest(run_key=f"editions-{key}", tags={**tags, **ranged})


@dg.sensor(
    name="edition_release_sensor",
    job_name=BUILD_JOB,
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers editions dropped into the releases directory as partitions and builds them.",
)
def edition_release_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings
    releases = discover_editions(settings.releases_dir)
    current = {str(edition): _fingerprint(path) for edition, path in releases.items()}
    known = set(context.instance.get_dynamic_partitions(edition_partitions.name))
    new_partitions = sorted(key for key in current if key not in known)
    if context.cursor:
        seen: dict[str, str] = json.loads(context.cursor)
        changed = sorted((key for key, fp in current.items() if seen.get(key) != fp), key=int)
    else:
        # First tick: build only what the warehouse does not hold yet (e.g. after `make run`, nothing):
        # editions whose bundle changed since raw loaded them, and editions whose load a killed or failed
        # build left without its dbt or exports step (as `ai-index build` does).
        from orchestration.warehouse.gate import editions_not_current  # pandas: not at definitions load

        try:
            with warehouse_lock(settings.lock_path, timeout_s=0):
                stale = editions_not_current(settings, sorted(releases))
                lagging = [e for e in marts_lag(settings.warehouse_path) if e in releases]
            changed = [str(e) for e in sorted({*stale, *lagging})]
        except (TimeoutError, duckdb.IOException):
            return dg.SkipReason("the warehouse is being written by a build; looking again at the next tick")
    if not new_partitions and not changed:
        return dg.SkipReason(f"no new or changed edition under {warehouse.settings.releases_dir}")
    # One run per range of consecutive editions (one dbt invocation), not one per edition.
    order = sorted(known | set(new_partitions), key=int)
    return dg.SensorResult(
        run_requests=[
            _run_request(start, end, current)
            for start, end in contiguous_ranges([int(k) for k in changed], order)
        ],
        dynamic_partitions_requests=[edition_partitions.build_add_request(new_partitions)]
        if new_partitions
        else [],
        cursor=json.dumps(current, sort_keys=True),
    )
