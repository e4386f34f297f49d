"""Concurrent builds are serialized, and a kill while Dagster creates its storage is harmless (issue 6,
acceptance 3; the kill-at-any-moment trials are in test_kill_trials.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT
from tests.helpers import Workspace, replace_in_file
from tests.reliability.warm_builds import WarmBuild


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
        # The user's build: the CLI's code in a process of its own (forked warm, so that the test waits
        # on the two builds rather than on imports).
        cli = WarmBuild(workspace.env(), ["--force", "--edition", "2025"], tmp_path / "cli.log")
        cli_code = cli.wait(900)
        cli_output = cli.output()
        cli_finished = time.time()
        status = dev.wait_for_run(sensor_run)
        window = dev.run(sensor_run)

    assert cli_code == 0, cli_output
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
