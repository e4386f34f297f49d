"""Crashes and concurrent builds never corrupt the warehouse (issue 6, acceptance 2 and 3)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT
from tests.helpers import (
    BY_COUNTRY,
    PER_100K,
    Workspace,
    make_workspace,
    mart_checksums,
    replace_in_file,
    run_cli,
)
from tests.reliability.warm_builds import WarmBuild

TRIALS = 20


def _restate_2025(ws: Workspace) -> None:
    """The 'new state': three 2025 values changed (ranks move, latest flags stay)."""
    replace_in_file(ws.edition_file(2025, PER_100K), "Luxembourg,15.31", "Luxembourg,15.41")
    replace_in_file(ws.edition_file(2025, BY_COUNTRY), "China,9.29", "China,9.39")
    replace_in_file(ws.edition_file(2025, BY_COUNTRY), "Sweden,4.3", "Sweden,4.6")


def _state(warehouse: Path) -> dict[str, str]:
    """Checksums of each mart's rows without load timestamps: equal means the same published state."""
    return mart_checksums(warehouse, without_timestamps=True)


def _build_process(ws: Workspace, *args: str) -> subprocess.Popen:
    """`ai-index build ARGS` in a process group of its own (dbt dies with it); its output goes to a file
    in the workspace (a pipe nobody reads would block a chatty build)."""
    path = ws.root / f"build-{time.monotonic_ns()}.log"
    with path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "build", *args],
            cwd=PROJECT_ROOT,
            env={**os.environ, **ws.env()},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log_path = path  # type: ignore[attr-defined]
    return process


def _finish(process: subprocess.Popen, timeout_s: float = 900) -> str:
    """Wait for the build; return its output."""
    process.wait(timeout=timeout_s)
    return process.log_path.read_text(encoding="utf-8")  # type: ignore[attr-defined]


@dataclass(frozen=True)
class KillTrials:
    old_state: dict[str, str]
    new_state: dict[str, str]
    duration: float  # seconds an uninterrupted build of the new state takes


@pytest.fixture(scope="module")
def kill_trials(built: Workspace, tmp_path_factory) -> KillTrials:
    root = tmp_path_factory.mktemp("kill-trials")
    old = make_workspace(root / "old", warehouse_from=built.warehouse)
    new = make_workspace(root / "new", warehouse_from=built.warehouse)
    _restate_2025(new)
    # The new state, built in a process of its own, as the trials are: its duration spreads the kills
    # over load, checks, dbt and exports.
    started = time.monotonic()
    build = WarmBuild(new.env(), [], root / "new.log")
    assert build.wait(600) == 0, build.output()
    duration = time.monotonic() - started
    trials = KillTrials(_state(old.warehouse), _state(new.warehouse), duration)
    changed = {t for t in trials.old_state if trials.old_state[t] != trials.new_state[t]}
    assert changed, "the restatement must change some marts"
    return trials


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_build_killed_at_any_moment_leaves_old_or_new_marts_and_the_next_build_succeeds(
    built: Workspace, kill_trials: KillTrials, tmp_path, trial: int
):
    old_state, new_state = kill_trials.old_state, kill_trials.new_state
    ws = make_workspace(tmp_path / "ws", warehouse_from=built.warehouse)
    _restate_2025(ws)
    # A moment anywhere in the build, the same for a trial number on every run.
    delay = random.Random(20261125 + trial).uniform(0.3, kill_trials.duration)
    build = WarmBuild(ws.env(), [], tmp_path / "build.log")
    if build.wait(delay) is None:
        # Only the build process is killed (kill -9 PID): five seconds later no process of it may be
        # left, its dbt child included, and the published snapshot must be the old state or the new.
        build.kill_and_wait_for_its_children(timeout_s=5)
    state = _state(ws.warehouse)
    assert state.keys() == old_state.keys(), f"kill at {delay:.1f}s: marts missing or added"
    mixed = {t: s for t, s in state.items() if s not in (old_state[t], new_state[t])}
    assert not mixed, f"kill at {delay:.1f}s: marts in neither state: {sorted(mixed)}"
    code, _ = run_cli(ws, "build")
    assert code == 0, f"the build after a kill at {delay:.1f}s failed"
    assert _state(ws.warehouse) == new_state, (
        f"kill at {delay:.1f}s: the next build did not reach the new state"
    )


@pytest.mark.slow
def test_two_builds_at_once_are_serialized_and_both_succeed(workspace: Workspace, tmp_path: Path):
    args = ["--force", "--edition", "2025"]
    first = WarmBuild(workspace.env(), args, tmp_path / "first.log")
    time.sleep(1.0)
    second = WarmBuild(workspace.env(), args, tmp_path / "second.log")
    codes = [build.wait(900) for build in (first, second)]
    outputs = [build.output() for build in (first, second)]
    assert codes == [0, 0], outputs
    assert "Could not set lock" not in "".join(outputs)
    assert any("waiting for it to finish" in out for out in outputs), outputs
    assert workspace.query("select count(*) from marts.fct_indicator_values where edition = 2025") == [(97,)]


@pytest.mark.slow
def test_a_cli_build_overlapping_a_sensor_launched_daemon_run_is_serialized_and_both_succeed(
    workspace: Workspace, tmp_path: Path
):
    """`dagster dev` (as `make ui` starts it) builds an edition dropped into the releases directory while a
    user runs `ai-index build`: the two runs share one DuckDB file and one warehouse lock."""
    from tests.dagster_dev import dagster_dev

    with dagster_dev(workspace, tmp_path / "dagster-dev.log") as dev:
        # The sensor's first tick finds every edition built; the next one (≤ 30 s) sees the new edition.
        shutil.copytree(workspace.releases / "2026", workspace.releases / "2027")
        replace_in_file(workspace.releases / "2027" / "manifest.yml", "edition: 2026", "edition: 2027")
        sensor_run = _first_sensor_run(dev)
        cli_started = time.time()
        cli = _build_process(workspace, "--force", "--edition", "2025")
        cli_output = _finish(cli)
        cli_finished = time.time()
        status = dev.wait_for_run(sensor_run)
        window = dev.run(sensor_run)

    assert cli.returncode == 0, cli_output
    assert status == "SUCCESS", f"sensor-launched run {sensor_run}: {status}; see {dev.log}"
    # The two really ran at the same time: each started before the other ended.
    assert cli_started < window["endTime"], "the CLI build started after the daemon's run ended"
    assert window["startTime"] < cli_finished, "the daemon's run started after the CLI build ended"
    assert "Could not set lock" not in cli_output + dev.log.read_text(encoding="utf-8")
    assert workspace.query("select count(*) from marts.fct_indicator_values where edition = 2027") == [(93,)]
    assert workspace.query("select count(*) from marts.fct_indicator_values where edition = 2025") == [(97,)]


def _first_sensor_run(dev, timeout_s: float = 120) -> str:
    """The id of the first run `edition_release_sensor` launched, as soon as it exists."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for run in dev.runs():
            if {"key": "ai_index/trigger", "value": "sensor"} in run["tags"]:
                return run["runId"]
        time.sleep(0.5)
    pytest.fail(f"edition_release_sensor launched no run in {timeout_s:.0f}s; see {dev.log}")


# A first build killed while Dagster creates its storage: here at the rename that puts the created
# storage in place (before the fix, the kill fell between two CREATE TABLEs of the same database).
_KILLED_CREATING_THE_INSTANCE = """
import os, signal, sys
from orchestration.cli.instance import get_instance, register_editions

real_rename = os.rename

def rename(src, dst):
    if sys.argv[1] == "kill" and str(dst).endswith("schedules"):
        os.kill(os.getpid(), signal.SIGKILL)
    real_rename(src, dst)

os.rename = rename
print(register_editions(get_instance(), [2024, 2025]))
"""


def test_a_first_build_killed_while_dagster_creates_its_storage_leaves_a_usable_instance(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home")}

    def child(mode: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", _KILLED_CREATING_THE_INSTANCE, mode]
        return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)

    killed = child("kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert (tmp_path / "home" / "history").is_dir() and not (tmp_path / "home" / "schedules").exists()
    after = child("run")
    assert after.returncode == 0, after.stderr[-2000:]
    assert after.stdout.strip() == "['2024', '2025']"
