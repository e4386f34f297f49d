"""How this project runs dbt against the warehouse: the executable, the environment, the arguments, and
the manifest the Dagster asset graph is read from.

Pure functions and one subprocess call, no Dagster: the dbt assets (`defs/dbt.py`), the PostgreSQL
publish and the benchmark all run dbt the same way through this module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

# The folders and files whose change alters the parsed project (and so the Dagster asset graph).
PROJECT_SOURCES = ("dbt_project.yml", "profiles.yml")
PROJECT_FOLDERS = ("models", "macros", "seeds", "tests")
MANIFEST = Path("target") / "manifest.json"


def dbt_executable() -> str:
    """The dbt of this interpreter's environment, whether or not the venv is on PATH, started through
    `ai-index-dbt` so that it dies with the process that started it (dbt_child.py)."""
    venv_bin = Path(sys.executable).parent
    for name in ("ai-index-dbt", "dbt"):
        if (venv_bin / name).exists():
            return str(venv_bin / name)
    return "dbt"


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    """The dbt command of a build. Unit tests check the models' SQL on made-up rows, not the data: the
    test suite runs them (tests/test_dbt_unit_tests.py), a build does not."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    return [*args, "--full-refresh"] if full_refresh else args


# The folder `ai-index-dbt` starts dbt in (dbt_child.py), so that profiles.yml names the database by
# its file name alone.
DBT_DIR_VARIABLE = "AI_INDEX_DBT_DIR"
# The process that starts dbt: once `ai-index-dbt` has asked to die with its parent, it checks that this
# process is still its parent, and refuses to start dbt otherwise (dbt_child.py). Without it, a build
# killed in the instant between starting the child and the child reading its parent's pid left dbt
# running, orphaned, holding the working database (a kill trial found it).
DBT_PARENT_VARIABLE = "AI_INDEX_DBT_PARENT_PID"
# The working database's file name a parse renders the profile with (`parse_project`, run by `make install`
# and by the CLI on a stale manifest), the one builds name.
PARSED_DATABASE_NAME = "ai_index.duckdb"


def dbt_env(database: Path, editions: Sequence[int | str]) -> dict[str, str]:
    """What a dbt subprocess needs to build these editions into this DuckDB database (the build's working
    database): its folder, its file name for profiles.yml, the editions for the `editions_filter` macro.

    The file name rather than the path: dbt's parse state includes the profile as rendered, and a
    different path made dbt parse the whole project again (`dbt parse` 6.2 s instead of 3.5 s) for every
    warehouse but the last one parsed; by name, every warehouse called ai_index.duckdb shares one parse."""
    return {
        DBT_DIR_VARIABLE: str(database.parent),
        "AI_INDEX_DBT_DATABASE": database.name,
        "AI_INDEX_DBT_EDITIONS": ",".join(str(e) for e in sorted(int(e) for e in editions)),
    }


def dbt_parent_env() -> dict[str, str]:
    """For a dbt started by this process with an environment of its own (`subprocess.run(env=...)`)."""
    return {DBT_PARENT_VARIABLE: str(os.getpid())}


@contextmanager
def starting_dbt_here() -> Iterator[None]:
    """For a dbt started with this process's environment (dagster-dbt's `DbtCliResource.cli`, which takes
    no environment): the parent's pid is in it while dbt starts, and gone after, so that no process this
    one starts later inherits a pid that is not its parent's."""
    os.environ.update(dbt_parent_env())
    try:
        yield
    finally:
        os.environ.pop(DBT_PARENT_VARIABLE, None)


def dbt_target_path(database: Path) -> Path:
    """Where dbt writes its artifacts (partial parse, compiled SQL, run results) when it builds `database`:
    beside it, one folder per working database, so that two warehouses' builds (two checkouts, the test
    suite's workspaces) never run dbt in the same folder at once."""
    return database.parent / "dbt"


def seed_partial_parse(project_dir: Path, target: Path) -> None:
    """A new target folder starts from the parse `make install` ran (dbt_project/target): dbt skips
    parsing unless a project file changed since (the editions to derive are not part of the parse state:
    macros/editions_filter.sql), or parses the whole project if the profile renders otherwise (a
    warehouse file not called ai_index.duckdb)."""
    parsed = project_dir / "target" / "partial_parse.msgpack"
    if parsed.exists() and not (target / parsed.name).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(parsed, target / parsed.name)


def manifest_path(project_dir: Path) -> Path:
    return project_dir / MANIFEST


def manifest_is_stale(project_dir: Path) -> bool:
    """True when the manifest is missing or older than a file of the project (a fresh clone, an edited
    model or seed)."""
    manifest = manifest_path(project_dir)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project_dir / name for name in PROJECT_SOURCES]
    for folder in PROJECT_FOLDERS:
        sources += (project_dir / folder).rglob("*")
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def parse_project(project_dir: Path) -> Path:
    """`dbt parse`: writes target/manifest.json, from which dagster-dbt builds the asset graph. Run by
    `make install` and by the CLI when the manifest is stale; never when the definitions are imported."""
    command = [dbt_executable(), "parse", "--quiet", "--project-dir", str(project_dir),
               "--profiles-dir", str(project_dir), "--target-path", "target"]  # fmt: skip
    env = {**os.environ, **dbt_parent_env(), "AI_INDEX_DBT_DATABASE": PARSED_DATABASE_NAME}  # as builds do
    env.pop(DBT_DIR_VARIABLE, None)
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed in {project_dir}:\n{(result.stdout + result.stderr)[-3000:]}")
    return manifest_path(project_dir)


def ensure_manifest(project_dir: Path) -> Path:
    """The project's manifest, parsed first if it is missing or stale."""
    return parse_project(project_dir) if manifest_is_stale(project_dir) else manifest_path(project_dir)


if __name__ == "__main__":  # `make install`: the same parse the CLI runs when the manifest is stale
    from orchestration.settings import get_settings

    parse_project(get_settings().dbt_project_dir)
