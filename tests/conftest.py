"""Shared fixtures, from cheapest to dearest:

- `gated`: the sample editions through the release gate into `raw` only (no dbt): what the gate-level
  tests (fault corpus, corruptions, restatements) compare against; seconds.
- `built`: the sample editions built once through `ai-index build` (raw, dbt, exports): the end-to-end
  tests read it.

Tests that need `built` are marked `build` automatically, so `make test-fast` (unit and gate-level
tests) leaves them out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.releases.bundle import discover_editions
from orchestration.warehouse.gate import gate_edition
from tests.helpers import Workspace, make_workspace, run_cli
from tests.pg import pg_database  # noqa: F401 - a fixture for every module that needs PostgreSQL


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "built" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.build)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Workspace:
    """The sample editions built once, through `ai-index build`, into a session warehouse."""
    ws = make_workspace(tmp_path_factory.mktemp("built"))
    code, _ = run_cli(ws, "build")
    assert code == 0, "building the sample editions failed"
    return ws


@pytest.fixture
def workspace(built: Workspace, tmp_path) -> Workspace:
    """A private copy of the built warehouse and of the releases, for tests that change them."""
    return make_workspace(tmp_path / "ws", warehouse_from=built.warehouse)


@pytest.fixture(scope="session")
def gated(tmp_path_factory) -> Workspace:
    """The sample editions loaded into `raw` through the release gate, in edition order; no dbt."""
    ws = make_workspace(tmp_path_factory.mktemp("gated"))
    for edition_dir in dict(sorted(discover_editions(ws.releases).items())).values():
        report = gate_edition(edition_dir, ws.settings())
        assert report.status == "loaded", report.problems
    return ws


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
