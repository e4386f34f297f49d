"""`ai-index build` in a process of its own that starts warm: forked from a server process that has
imported Dagster, dagster-dbt, Great Expectations and the project once (multiprocessing's forkserver).

A build started this way runs exactly the CLI's code in a separate process, which a test can SIGKILL
with its process group (the build and its dbt subprocess), but without the ~8 s of imports each fresh
interpreter pays before the build does anything: the crash trials spend their time in the build.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

PRELOAD = [
    "orchestration.cli.main", "orchestration.cli.runs", "orchestration.defs.location",
    "expectations.runner", "orchestration.publish.files", "orchestration.publish.charts",
]  # fmt: skip
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


def _build(env: dict[str, str], args: Sequence[str], log: str, started) -> None:
    os.setsid()  # a process group of its own: dbt is spawned into it, and dies with it
    started.set()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.environ.update(env)
    from orchestration.cli.main import main

    code = main(["build", *args])
    sys.stdout.flush()
    os._exit(code)


class WarmBuild:
    """A running `ai-index build ARGS` with the workspace environment `env`; output in `log`."""

    def __init__(self, env: dict[str, str], args: Sequence[str], log: Path):
        started = _context.Event()
        self.log = log
        self.process = _context.Process(target=_build, args=(env, list(args), str(log), started), daemon=True)
        self.process.start()
        if not started.wait(120):
            pytest.fail("the warm build process did not start")

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit code, or None if the build is still running after `timeout` seconds."""
        self.process.join(timeout)
        return self.process.exitcode

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill_and_wait_for_its_children(self, timeout_s: float = 5) -> None:
        """SIGKILL the build process alone, as `kill -9 PID` does, and wait until no process of its group
        is left: its dbt child must die with it (dbt_child.py) and release the DuckDB file."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.join()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                os.killpg(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.killpg(self.pid, signal.SIGKILL)  # do not leave it to the next test
        pytest.fail(
            f"a process of the killed build (group {self.pid}) was still alive {timeout_s}s after the kill"
        )
