"""Shared fixtures, from cheapest to dearest:

- `gated`: the sample editions through the release gate into `raw` only (no dbt): what the gate-level
  tests (fault corpus, corruptions, restatements) compare against; seconds.
- `built`: the sample editions built once through `ai-index build` (raw, dbt, exports): the end-to-end
  tests read it.

Tests that need `built` are marked `build` automatically, so `make test-fast` (unit and gate-level
tests) leaves them out.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestration.releases.bundle import discover_editions
from orchestration.warehouse.gate import gate_edition
from tests.helpers import Workspace, make_workspace, run_cli
from tests.pg import pg_database  # noqa: F401 - a fixture for every module that needs PostgreSQL


def pytest_itemcollected(item: pytest.Item) -> None:
    # Marked as each test is collected, so that `-m "not build"` (make test-fast) deselects it.
    if "built" in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.build)


@pytest.hookimpl(trylast=True)  # after `-m` deselected: order only the tests that run
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `--dist loadscope --no-loadscope-reorder` hands scopes (a module's functions, a class's methods) to
    # the workers in collection order. First the modules holding slow tests (minutes each, in file order),
    # so that none starts last and leaves one worker running it alone (xdist's default order, by number
    # of tests, put them last). Then the scope with the most release-gate runs, whose worker creates the
    # shared gated warehouse (`once_per_run`), while the other worker takes the scopes that need no gate
    # instead of waiting for it; then the other gate scopes by their number of gate runs (a second each:
    # `make test-fast` is mostly these).
    slow_modules = {item.module.__name__ for item in items if item.get_closest_marker("slow")}
    gate_runs: dict[str, int] = {}
    for item in items:
        gate_runs[_scope(item)] = gate_runs.get(_scope(item), 0) + bool(
            GATE_FIXTURES & set(item.fixturenames)
        )

    first = max(gate_runs, key=gate_runs.get, default=None)

    def order(item: pytest.Item) -> tuple[bool, int, int]:
        if item.module.__name__ in slow_modules:
            return False, 0, 0
        scope = _scope(item)
        return True, (0 if scope == first else 2 if gate_runs[scope] else 1), -gate_runs[scope]

    items.sort(key=order)  # stable: file order otherwise


# Fixtures whose tests run the release gate on an edition (a second each), against the gated warehouse.
GATE_FIXTURES = {"gated", "gated_workspace"}


def _scope(item: pytest.Item) -> str:
    """The unit `--dist loadscope` sends to one worker (the module, or the class of a method), found as
    xdist finds it: the node id without its last part."""
    return item.nodeid.rsplit("::", 1)[0]


def once_per_run(tmp_path_factory, name: str, create: Callable[[Workspace], None]) -> Workspace:
    """A workspace that costs a build, made once per test run. Under xdist the first worker to ask
    creates it in the run's shared temporary folder (the others wait on a lock), and each worker gets a
    copy of its own: one build instead of one per worker, and no worker sees another's writes."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run_id is None:  # one process: nothing to share
        ws = make_workspace(tmp_path_factory.mktemp(name))
        create(ws)
        return ws
    shared_root = tmp_path_factory.getbasetemp().parent / f"{name}-{run_id}"
    with open(f"{shared_root}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared_root / ".created"
        if not done.exists():
            shutil.rmtree(shared_root, ignore_errors=True)  # a worker that failed midway
            create(make_workspace(shared_root))
            done.touch()
    copy = Workspace(tmp_path_factory.mktemp(name) / "ws")
    shutil.copytree(shared_root, copy.root, symlinks=True)
    return copy


def _build(ws: Workspace) -> None:
    code, _ = run_cli(ws, "build")
    assert code == 0, "building the sample editions failed"


def _gate(ws: Workspace) -> None:
    for edition_dir in dict(sorted(discover_editions(ws.releases).items())).values():
        report = gate_edition(edition_dir, ws.settings())
        assert report.status == "loaded", report.problems


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Workspace:
    """The sample editions built once, through `ai-index build`, into a session warehouse."""
    return once_per_run(tmp_path_factory, "built", _build)


@pytest.fixture
def workspace(built: Workspace, tmp_path) -> Workspace:
    """A private copy of the built warehouse and of the releases, for tests that change them."""
    return make_workspace(tmp_path / "ws", warehouse_from=built.warehouse)


@pytest.fixture(scope="session")
def gated(tmp_path_factory) -> Workspace:
    """The sample editions loaded into `raw` through the release gate, in edition order; no dbt."""
    return once_per_run(tmp_path_factory, "gated", _gate)


@pytest.fixture
def gated_workspace(gated: Workspace, tmp_path) -> Workspace:
    """A private copy of the gated warehouse and of the releases."""
    return make_workspace(tmp_path / "ws", warehouse_from=gated.warehouse)


@pytest.fixture(scope="session")  # session scope: decided before the session's `built` warehouse
def chromium() -> Path:
    path = Path(os.environ.get("AI_INDEX_CHROMIUM", "/usr/bin/chromium"))
    if path.is_file() and os.access(path, os.X_OK):
        return path
    if os.environ.get("AI_INDEX_REQUIRE_BROWSER") == "1":
        pytest.fail(f"AI_INDEX_REQUIRE_BROWSER=1 but there is no chromium at {path}: run .ci/chromium.sh")
    pytest.skip("no chromium: run .ci/chromium.sh")
