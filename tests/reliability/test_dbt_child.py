"""dbt started by a build dies with it: a SIGKILLed build leaves no dbt holding the working database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.dbt_cli import dbt_executable

# A parent that starts dbt as a build does (through dbt_executable()), prints the child's pid, and waits.
_PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.argv[1], "parse", "--no-partial-parse", "--project-dir", sys.argv[2],
                          "--profiles-dir", sys.argv[2], "--target-path", "target"],
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
        [sys.executable, "-c", _PARENT, dbt_executable(), str(project)], stdout=subprocess.PIPE, text=True
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
