from __future__ import annotations

import pytest

from tests.helpers import Workspace, make_workspace, run_cli


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
