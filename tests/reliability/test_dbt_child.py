"""dbt started by a build dies with it: a SIGKILLed build leaves no dbt holding the working database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.dbt_cli import DBT_PARENT_VARIABLE, dbt_executable, dbt_parent_env

# A parent that starts dbt as a build does (through dbt_executable(), naming itself as dbt's parent),
# prints the child's pid, and waits.
_PARENT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.argv[1], "parse", "--no-partial-parse", "--project-dir", sys.argv[2],
                          "--profiles-dir", sys.argv[2], "--target-path", "target"],
                         env={**os.environ, sys.argv[3]: str(os.getpid())},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(child.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:  # a zombie is dead, only not yet reaped
        return stat.read().split(") ")[-1][0] != "Z"


def test_dbt_dies_when_the_process_that_started_it_is_killed(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    assert dbt_executable().endswith("ai-index-dbt")
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, dbt_executable(), str(project), DBT_PARENT_VARIABLE],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(parent.stdout.readline())
    time.sleep(1.5)  # dbt is parsing (a full parse takes several seconds)
    assert _alive(child), "dbt ended before the test could kill its parent"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 3
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "dbt outlived the process that started it"


def test_dbt_is_not_started_when_its_parent_is_no_longer_the_process_that_started_it():
    """A build killed in the instant between starting `ai-index-dbt` and the wrapper reading its parent's
    pid: the wrapper is then an orphan whose parent is another process. It must not start dbt, which
    would run on unwatched and hold the working database. A shell between the two stands for the new
    parent: the pid passed is this process's, the wrapper's parent is the shell. (The test above names
    dbt's true parent: there dbt starts.)"""
    env = {**os.environ, **dbt_parent_env()}
    orphan = subprocess.run(
        ["/bin/sh", "-c", '"$0" --version', dbt_executable()], env=env, capture_output=True, text=True
    )
    assert orphan.returncode == 1
    assert f"the process that started dbt (pid {os.getpid()}) is gone: dbt not started" in orphan.stderr
    assert "dbt" not in orphan.stdout.lower()  # dbt printed nothing: it never ran
