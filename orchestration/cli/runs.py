"""Launch in-process Dagster runs of the build job for edition partitions, as the CLI does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from orchestration.cli.instance import get_instance, register_editions
from orchestration.defs.jobs import BUILD_JOB
from orchestration.defs.partitions import RANGE_END_TAG, RANGE_START_TAG, contiguous_ranges
from orchestration.settings import Settings


@dataclass
class RunRecord:
    editions: list[int]
    run_id: str
    success: bool
    step_seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)  # editions the release gate refused


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


def run_config(
    force: bool = False, full_refresh: bool = False, accept_breaks: list[int] | None = None
) -> dict:
    """The build job's run config: the typed run options of the raw and dbt steps (the same the
    launchpad shows), and a quiet console: the CLI prints its own summary (the failure description names
    file, row and column), which the console logger would repeat with a stack trace. The full log is in
    the Dagster instance."""
    return {
        "ops": {
            "raw_editions": {"config": {"force": force, "accept_breaks": sorted(accept_breaks or [])}},
            "ai_index_dbt": {"config": {"full_refresh": full_refresh}},
        },
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    }


def _execute(defs: dg.Definitions, instance, start: str, end: str, config: dict) -> RunRecord:
    job = defs.resolve_job_def(BUILD_JOB)
    result = job.execute_in_process(
        instance=instance,
        tags={RANGE_START_TAG: start, RANGE_END_TAG: end},
        raise_on_error=False,
        run_config=config,
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
            if user and user.description:  # the release gate's refusal: its own words
                record.failures.append(user.description)
                rejected = user.metadata.get("rejected_editions")
                record.rejected += list(rejected.value) if rejected is not None else []
            else:  # anything else: the step, the error and its causes (a full disk, a corrupt block)
                record.failures.append(f"step {event.step_key} failed: {_cause_chain(error)}")
    return record


def _cause_chain(error) -> str:
    """An error and every cause under it, one line each: nothing hides the real cause."""
    lines = []
    while error is not None:
        lines.append(
            error.message.strip().splitlines()[-1] if error.message.strip() else error.cls_name or "error"
        )
        error = error.cause or error.context
    return "\n  caused by: ".join(lines) if lines else "step failed"


def run_build(
    settings: Settings,
    all_editions: list[int],
    to_build: list[int],
    *,
    force: bool = False,
    full_refresh: bool = False,
    accept_breaks: list[int] | None = None,
    log: Callable[[str], None] = print,
    defs: dg.Definitions | None = None,
    instance: dg.DagsterInstance | None = None,
) -> BuildOutcome:
    """Run the build job for `to_build`; if the gate rejects some editions, build the others without them."""
    from orchestration.defs.location import build_definitions

    defs = defs or build_definitions(settings)
    instance = instance or get_instance()
    order = register_editions(instance, all_editions)
    config = run_config(force, full_refresh, accept_breaks)

    def run_ranges(editions: list[int]) -> list[RunRecord]:
        records = []
        for start, end in contiguous_ranges(editions, order):
            keys = order[order.index(start) : order.index(end) + 1]
            log(f"building editions {keys}: load + release checks, then dbt")
            record = _execute(defs, instance, start, end, config)
            record.editions = [int(k) for k in keys]
            records.append(record)
        return records

    outcome = BuildOutcome(runs=run_ranges(to_build))
    if all(r.success for r in outcome.runs):
        return outcome
    # Editions the gate refused (as the raw step reported them, never inferred); the others may build
    # alone. A run that failed for any other reason is reported with its cause, and not retried.
    outcome.rejected = sorted({e for r in outcome.runs for e in r.rejected})
    rest = [e for e in to_build if e not in outcome.rejected]
    if outcome.rejected and rest:
        log(f"editions {outcome.rejected} were rejected; building editions {rest} without them")
        outcome.runs += run_ranges(rest)
    return outcome
