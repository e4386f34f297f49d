"""`ai-index-dbt`: dbt, as a child that dies with its parent (`dbt_executable()` runs this).

dagster-dbt starts dbt as a subprocess. If the build that started it is killed (SIGKILL of the CLI or
of a Dagster run worker), a plain dbt process lives on, still holding the DuckDB working database and
blocking the next build. Linux delivers a chosen signal to a process when its parent dies
(prctl PR_SET_PDEATHSIG), and the setting survives exec: this wrapper asks for SIGKILL, checks that its
parent is still the process that started it (the pid the build passes in AI_INDEX_DBT_PARENT_PID: a
parent that died before this wrapper could even read its parent's pid is caught too), then replaces
itself with the real dbt. Elsewhere it simply runs dbt.

It also starts dbt in the working database's folder (AI_INDEX_DBT_DIR, set by `dbt_env`), where the
profile's path, the database's file name, points: the project and profiles.yml are found through
DBT_PROJECT_DIR and DBT_PROFILES_DIR, the folder it was started in (dbt resolves its target and log paths
against the project, not the cwd).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

from orchestration.warehouse.dbt_cli import DBT_DIR_VARIABLE, DBT_PARENT_VARIABLE

PR_SET_PDEATHSIG = 1


def main() -> None:
    started_by = os.environ.pop(DBT_PARENT_VARIABLE, "")  # popped: dbt's own children need not see it
    parent = int(started_by) if started_by.isdigit() else os.getppid()
    dbt = Path(sys.executable).parent / "dbt"
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before the request took effect
            sys.exit(f"ai-index-dbt: the process that started dbt (pid {parent}) is gone: dbt not started")
    workdir = os.environ.get(DBT_DIR_VARIABLE)
    if workdir:
        # dbt finds the project and profiles.yml in the folder it was started in, unless told otherwise.
        os.environ.setdefault("DBT_PROJECT_DIR", os.getcwd())
        os.environ.setdefault("DBT_PROFILES_DIR", os.getcwd())
        os.chdir(workdir)
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


if __name__ == "__main__":
    main()
