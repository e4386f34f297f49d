"""`dagster dev` (webserver + daemon) on a test's own workspace, driven over GraphQL.

Used by the browser test and by the concurrency test of a CLI build against a sensor-launched run. The
server runs in its own process group so that its code server, daemon and runs die with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli.instance import DAGSTER_YAML, register_editions
from orchestration.settings import PROJECT_ROOT
from tests.helpers import Workspace

LOCATION, JOB = "ai_index_warehouse", "build_editions"
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
SERVER_START_SECONDS = 180
RUN_SECONDS = 300
DONE = ("SUCCESS", "FAILURE", "CANCELED")


@dataclass
class DagsterDev:
    url: str
    workspace: Workspace
    log: Path

    def graphql(self, query: str, **variables: object) -> dict:
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local server
            return json.load(response)["data"]

    def run(self, run_id: str) -> dict:
        """status, startTime and endTime (epoch seconds) of a run."""
        query = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status startTime endTime } } }"
        return self.graphql(query, id=run_id)["runOrError"]

    def runs(self) -> list[dict]:
        query = "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"
        return self.graphql(query)["runsOrError"]["results"]

    def wait_for_run(self, run_id: str) -> str:
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            status = self.run(run_id)["status"]
            if status in DONE:
                return status
            time.sleep(2)
        return "TIMED OUT"


@contextlib.contextmanager
def dagster_dev(ws: Workspace, log: Path) -> Iterator[DagsterDev]:
    """`dagster dev -w workspace.yaml` on 127.0.0.1 with the workspace's warehouse, releases and home.

    The editions already in the releases directory are registered as partitions first."""
    prepare_instance(ws)
    log.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ, **ws.env(), "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        # The sensor's second look comes 5 s after its first instead of 30: tests wait less.
        "AI_INDEX_SENSOR_INTERVAL_S": "5",
    }  # fmt: skip
    with log.open("w") as out:
        server = subprocess.Popen(
            ["dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        dev = DagsterDev(f"http://127.0.0.1:{port}", ws, log)
        wait_until_loaded(dev, server)
        yield dev
    finally:
        stop(server)


def prepare_instance(ws: Workspace) -> list[str]:
    """A Dagster home without telemetry, where the editions already exist as partitions."""
    ws.dagster_home.mkdir(parents=True)
    (ws.dagster_home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    editions = sorted(int(p.name) for p in ws.releases.iterdir() if p.name.isdigit())
    with dg.DagsterInstance.from_config(str(ws.dagster_home)) as instance:
        return register_editions(instance, editions)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_loaded(dev: DagsterDev, server: subprocess.Popen) -> None:
    """Until the webserver answers and the code location is loaded (definitions take a few seconds)."""
    query = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, f"dagster dev exited with {server.returncode}; see {dev.log}"
        try:
            entries = dev.graphql(query)["workspaceOrError"]["locationEntries"]
            if any(e["name"] == LOCATION and e["loadStatus"] == "LOADED" for e in entries):
                return
        except OSError:
            pass  # not listening yet
        time.sleep(1)
    pytest.fail(f"the webserver did not load {LOCATION} in {SERVER_START_SECONDS}s; see {dev.log}")


def stop(server: subprocess.Popen) -> None:
    """Terminate the server's process group, then kill whatever of the group outlived it."""
    for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=grace)
