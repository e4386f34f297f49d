"""Security properties that are not fault cases (issue 6): where a build writes, how SQL is built, where
the webserver listens."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from orchestration.settings import PROJECT_ROOT
from tests.helpers import Workspace, replace_in_file, run_cli

# Folders a build may write to inside the project: dbt's own working folders. Everything else it writes
# goes to AI_INDEX_WAREHOUSE, AI_INDEX_DATA_DIR and DAGSTER_HOME, which the test points elsewhere.
DBT_WORK = {"dbt_project/target", "dbt_project/logs"}
NOT_SOURCE = {".git", ".venv", ".pytest_cache", ".ruff_cache", ".hypothesis", "tests/output", *DBT_WORK}


def _snapshot() -> dict[str, float]:
    files = {}
    for path in PROJECT_ROOT.rglob("*"):
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if (
            any(relative == skip or relative.startswith(skip + "/") for skip in NOT_SOURCE)
            or "__pycache__" in relative
        ):
            continue
        if path.is_file():
            files[relative] = path.stat().st_mtime_ns
    return files


def test_a_build_writes_nothing_outside_its_data_folders(workspace: Workspace):
    replace_in_file(workspace.edition_file(2025, "4. Economy/Data/fig_4.3.8.csv"), "China,9.29", "China,9.31")
    before = _snapshot()
    code, _ = run_cli(workspace, "build")
    assert code == 0
    after = _snapshot()
    assert {k for k in after if after[k] != before.get(k)} == set(), "the build wrote inside the project"
    assert (workspace.data_dir / "exports" / "README.md").is_file()  # ... and where it was told to


def _python_sources() -> list[Path]:
    return [p for d in ("orchestration", "expectations") for p in (PROJECT_ROOT / d).rglob("*.py")]


def test_sql_never_interpolates_values():
    """Every f-string passed to execute()/sql() interpolates only quoted identifiers (ident/column_list)."""
    offenders = []
    for path in _python_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            text = ast.unparse(node)
            if not re.search(r"\b(select|insert|delete|update|create|alter|drop|copy)\b", text, re.I):
                continue
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    expr = ast.unparse(value.value)
                    allowed = expr.startswith(("ident(", "column_list(")) or expr in {
                        "relation",
                        "latest",
                        "query",
                        "insert",
                        "editions",
                    }
                    if not allowed:
                        offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {{{expr}}}")
    assert offenders == []


def test_the_webserver_listens_on_localhost_only(monkeypatch, tmp_path):
    """`make ui` runs `ai-index ui`, which execs `dagster dev ... -h 127.0.0.1`."""
    import os

    from orchestration.cli import main

    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(BIN)/ai-index ui" in makefile and "0.0.0.0" not in makefile
    calls = []
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(os, "execv", lambda path, args: calls.append(args))
    monkeypatch.setattr(os, "chdir", lambda path: None)
    main(["ui", "--port", "3999"])
    (args,) = calls
    assert args[1:] == ["dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", "3999"]
    assert "telemetry:\n  enabled: false" in (tmp_path / "home" / "dagster.yaml").read_text(encoding="utf-8")
