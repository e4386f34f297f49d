"""Concurrent builds are serialized, and a kill while Dagster creates its storage is harmless (issue 6,
acceptance 3). The kill-at-any-moment trials are in test_kill_trials.py; a CLI build overlapping a
sensor-launched run of `dagster dev` is in tests/test_dagster_ui.py, which shares one server start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT
from tests.helpers import Workspace
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
