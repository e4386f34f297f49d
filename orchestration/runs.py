"""Launch in-process Dagster runs of the build job for edition partitions, as the CLI does.

Runs go to the Dagster instance under DAGSTER_HOME (default `.dagster_home/`), so a CLI build shows
in the UI's run list like any other.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.atomic import write_atomically
from orchestration.jobs import BUILD_JOB
from orchestration.partitions import RANGE_END_TAG, RANGE_START_TAG, edition_partitions
from orchestration.settings import Settings, dagster_home

DAGSTER_YAML = """# Written by ai-index on first use. Local instance for the CLI and `make ui`.
telemetry:
  enabled: false
"""


# The folders of the default SQLite storage under DAGSTER_HOME.
STORAGE_FOLDERS = ("history", "schedules")


def get_instance() -> dg.DagsterInstance:
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        write_atomically(config, DAGSTER_YAML)
    if any(not (home / folder).exists() for folder in STORAGE_FOLDERS):
        _create_storage(home)
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def _create_storage(home: Path) -> None:
    """Dagster creates its SQLite tables one statement at a time, and only when a database file does not
    exist yet: a first build killed midway left a database without some tables (e.g. dynamic_partitions),
    and every later build failed. So the storage is created in a folder beside and renamed into place."""
    staging = Path(tempfile.mkdtemp(dir=home, prefix=".storage-"))
    try:
        shutil.copy(home / "dagster.yaml", staging / "dagster.yaml")
        with dg.DagsterInstance.from_config(str(staging)):
            pass  # constructing the instance creates every table
        for folder in STORAGE_FOLDERS:
            if not (home / folder).exists():
                try:
                    os.rename(staging / folder, home / folder)
                except OSError:  # another build created it meanwhile
                    if not (home / folder).exists():
                        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def register_editions(instance: dg.DagsterInstance, editions: list[int]) -> list[str]:
    """Add missing edition partitions (in edition order); return the partition keys in order."""
    existing = set(instance.get_dynamic_partitions(edition_partitions.name))
    missing = [str(e) for e in sorted(editions) if str(e) not in existing]
    if missing:
        instance.add_dynamic_partitions(edition_partitions.name, missing)
    return list(instance.get_dynamic_partitions(edition_partitions.name))


def contiguous_ranges(editions: list[int], order: list[str]) -> list[tuple[str, str]]:
    """Group editions into ranges of consecutive partition keys: one in-process run per range."""
    position = {key: i for i, key in enumerate(order)}
    keys = sorted((str(e) for e in editions), key=position.__getitem__)
    ranges: list[tuple[str, str]] = []
    for key in keys:
        if ranges and position[key] == position[ranges[-1][1]] + 1:
            ranges[-1] = (ranges[-1][0], key)
        else:
            ranges.append((key, key))
    return ranges


@dataclass
class RunRecord:
    editions: list[int]
    run_id: str
    success: bool
    step_seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@dataclass
class BuildOutcome:
    runs: list[RunRecord] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected and all(r.success for r in self.runs if r.editions)

    def summary(self, seconds: float) -> str:
        lines = []
        for run in self.runs:
            steps = ", ".join(f"{k} {v:.1f}s" for k, v in run.step_seconds.items())
            state = "ok" if run.success else "FAILED"
            lines.append(f"run {run.run_id[:8]} editions {run.editions}: {state} ({steps})")
            lines += [f"  {line}" for f in run.failures for line in f.splitlines()]
        if self.rejected:
            lines.append(
                f"REJECTED editions {self.rejected}: nothing of them was written; the marts keep their previous state"
            )
        lines.append(f"build {'succeeded' if self.ok else 'FAILED'} in {seconds:.1f}s")
        return "\n".join(lines)


def _execute(defs: dg.Definitions, instance, start: str, end: str, tags: dict[str, str]) -> RunRecord:
    job = defs.resolve_job_def(BUILD_JOB)
    result = job.execute_in_process(
        instance=instance,
        tags={RANGE_START_TAG: start, RANGE_END_TAG: end, **tags},
        raise_on_error=False,
        # The CLI prints its own summary (the failure description names file, row and column); the
        # console logger would repeat it with a stack trace. The full log is in the Dagster instance.
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    return run_report(instance, result.run_id, result.success)


def run_report(instance: dg.DagsterInstance, run_id: str, success: bool) -> RunRecord:
    """Step durations and failure messages of a run, from its event log."""
    record = RunRecord([], run_id, success)
    starts: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in starts:
            record.step_seconds[event.step_key] = entry.timestamp - starts[event.step_key]
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            user = event.step_failure_data.user_failure_data
            record.failures.append(
                (user.description if user and user.description else None)
                or (error.message if error else "step failed")
            )
    return record


def run_build(
    settings: Settings,
    all_editions: list[int],
    to_build: list[int],
    *,
    force: bool = False,
    full_refresh: bool = False,
    log: Callable[[str], None] = print,
    defs: dg.Definitions | None = None,
    instance: dg.DagsterInstance | None = None,
) -> BuildOutcome:
    """Run the build job for `to_build`; if the gate rejects some editions, build the others without them."""
    from orchestration.definitions import build_definitions
    from orchestration.release_gate import editions_not_current

    defs = defs or build_definitions(settings)
    instance = instance or get_instance()
    order = register_editions(instance, all_editions)
    tags = {"ai_index/force": str(force).lower(), "ai_index/full_refresh": str(full_refresh).lower()}

    def run_ranges(editions: list[int]) -> list[RunRecord]:
        records = []
        for start, end in contiguous_ranges(editions, order):
            keys = order[order.index(start) : order.index(end) + 1]
            log(f"building editions {keys}: load + release checks, then dbt")
            record = _execute(defs, instance, start, end, tags)
            record.editions = [int(k) for k in keys]
            records.append(record)
        return records

    outcome = BuildOutcome(runs=run_ranges(to_build))
    if all(r.success for r in outcome.runs):
        return outcome
    # Editions whose current bundle is not in raw were rejected by the gate; the others may build alone.
    outcome.rejected = editions_not_current(settings, to_build)
    rest = [e for e in to_build if e not in outcome.rejected]
    if outcome.rejected and rest:
        log(f"editions {outcome.rejected} were rejected; building editions {rest} without them")
        outcome.runs += run_ranges(rest)
    return outcome
