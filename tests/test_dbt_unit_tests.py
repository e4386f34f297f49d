"""dbt unit tests of the marts' rules (dbt_project/models/marts/_unit_tests.yml): ranks and ties, the
latest edition, revision judgements. They need the models' parents to exist: run on a copy of the
session's built warehouse."""

from __future__ import annotations

import os
import shutil
import subprocess

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.dbt_cli import dbt_executable
from tests.helpers import Workspace


def test_the_dbt_unit_tests_pass(built: Workspace, tmp_path):
    warehouse = tmp_path / "ai_index.duckdb"
    shutil.copy(built.warehouse, warehouse)
    command = [dbt_executable(), "test", "--select", "test_type:unit", "--target-path", "target/unit_tests",
               "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]  # fmt: skip
    env = {**os.environ, "AI_INDEX_DBT_DATABASE": str(warehouse)}
    result = subprocess.run(
        command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "PASS=4 " in output and "ERROR=0" in output, output[-2000:]
