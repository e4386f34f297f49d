"""Security properties that are not fault cases (issue 6): where a build writes, how SQL is built, where
the webserver listens."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from orchestration.settings import PROJECT_ROOT
from tests.helpers import BY_COUNTRY, Workspace, replace_in_file, run_cli

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
    replace_in_file(workspace.edition_file(2025, BY_COUNTRY), "China,9.29", "China,9.31")
    before = _snapshot()
    code, _ = run_cli(workspace, "build")
    assert code == 0
    after = _snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if after.get(k) != before.get(k))
    assert changed == [], "the build wrote, added or deleted these files inside the project"
    assert (workspace.data_dir / "exports" / "README.md").is_file()  # ... and where it was told to


def _python_sources() -> list[Path]:
    return [p for d in ("orchestration", "expectations") for p in (PROJECT_ROOT / d).rglob("*.py")]


SQL_WORDS = re.compile(r"\b(select|insert|delete|update|create|alter|drop|copy)\b", re.I)
# What an SQL f-string may interpolate: quoted identifiers, the two fragments exports.py builds from
# them (`relation` = marts."<ident>", `latest` = a fixed where clause), and `rule`, the revision rule
# rendered from the dbt macro dbt_project/macros/judged_revision_pct.sql (expectations/frames.py).
ALLOWED_FRAGMENTS = {"relation", "latest", "rule"}


def _is_sql_literal(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(SQL_WORDS.search(node.value))
    )


def test_sql_never_interpolates_values():
    """SQL text is never built from values: f-strings interpolate only quoted identifiers (ident,
    column_list) or fragments made of them, and no SQL literal goes through .format(), % or +."""
    offenders = []
    for path in _python_sources():
        where = path.relative_to(PROJECT_ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and SQL_WORDS.search(ast.unparse(node)):
                for value in node.values:
                    if isinstance(value, ast.FormattedValue):
                        expr = ast.unparse(value.value)
                        if not (expr.startswith(("ident(", "column_list(")) or expr in ALLOWED_FRAGMENTS):
                            offenders.append(f"{where}:{node.lineno}: {{{expr}}}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr == "format" and _is_sql_literal(node.func.value):
                    offenders.append(f"{where}:{node.lineno}: str.format on SQL")
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
                if _is_sql_literal(node.left) or _is_sql_literal(node.right):
                    offenders.append(f"{where}:{node.lineno}: SQL built with {type(node.op).__name__}")
    assert offenders == []


def test_the_webserver_listens_on_localhost_only(monkeypatch, tmp_path):
    """`make ui` runs `ai-index ui`, which execs `dagster dev ... -h 127.0.0.1`."""
    import os

    from orchestration.cli.main import main

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
