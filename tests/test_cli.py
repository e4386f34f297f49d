"""The CLI as a shell user meets it (issue 14): piped into `head`, with no library warnings."""

from __future__ import annotations

import os
import subprocess
import sys

from orchestration.settings import PROJECT_ROOT
from tests.helpers import Workspace, run_cli

NOISE = ("Traceback", "BetaWarning", "PreviewWarning", "SupersessionWarning", "DeprecationWarning")


def _shell(ws: Workspace, pipeline: str) -> subprocess.CompletedProcess:
    cli = f"{sys.executable} -m orchestration.cli.main"
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {pipeline.replace('ai-index', cli)}"],
        cwd=PROJECT_ROOT, env={**os.environ, **ws.env()}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_status_piped_into_head_exits_cleanly(built: Workspace):
    done = _shell(built, "ai-index status | head -1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("warehouse ") and done.stdout.count("\n") == 1
    assert not any(word in done.stderr for word in NOISE), done.stderr


def test_commands_print_no_library_warnings(built: Workspace):
    for command in ("ai-index status", "ai-index validate --edition 2026", "ai-index profile KOR"):
        done = _shell(built, command)
        assert done.returncode == 0, (command, done.stdout + done.stderr)
        output = done.stdout + done.stderr
        assert not any(word in output for word in NOISE), (command, output)


def test_validate_lists_every_unexpected_value_on_request(built: Workspace, capsys):
    # In-process: what a shell adds (pipes, library warnings) is the tests above; this one is the listing.
    code, short = run_cli(built, "validate", "--edition", "2025", capsys=capsys)
    assert code == 0, short
    code, full = run_cli(built, "validate", "--edition", "2025", "--all", capsys=capsys)
    assert code == 0, full
    assert "more)" in short and "`ai-index validate --all` lists every unexpected value" in short
    assert full.count("\n") > short.count("\n")
    assert "1 edition validated: 0 rejected, " in full and " ," not in full


def test_build_for_postgres_without_a_dsn_fails_before_any_work(built: Workspace):
    env = {k: v for k, v in os.environ.items() if k != "AI_INDEX_PG_DSN"}
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli.main", "build", "--target", "postgres"],
        cwd=PROJECT_ROOT, env={**env, **{k: v for k, v in built.env().items() if k != "AI_INDEX_PG_DSN"}},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "set AI_INDEX_PG_DSN" in done.stdout
    assert "up to date" not in done.stdout and "run " not in done.stdout  # nothing was built or checked


def test_a_partition_created_by_mistake_is_removed_and_an_editions_is_refused(workspace: Workspace, capsys):
    from orchestration.cli.instance import get_instance
    from tests.helpers import environment, run_cli

    with environment(workspace.env()):
        instance = get_instance()
        instance.add_dynamic_partitions("edition", ["2025", "2O25"])  # "2O25": a typo in the partition picker
        code, out = run_cli(workspace, "remove-partition", "2O25", capsys=capsys)
        assert code == 0 and "removed" in out
        assert not instance.has_dynamic_partition("edition", "2O25")
        code, out = run_cli(workspace, "remove-partition", "2025", capsys=capsys)
        assert code == 2 and "is an edition" in out
        assert instance.has_dynamic_partition("edition", "2025")
