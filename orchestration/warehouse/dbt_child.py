"""`ai-index-dbt`: dbt, as a child that dies with its parent (`dbt_executable()` runs this).

dagster-dbt starts dbt as a subprocess. If the build that started it is killed (SIGKILL of the CLI or
of a Dagster run worker), a plain dbt process lives on, still holding the DuckDB working database and
blocking the next build. Linux delivers a chosen signal to a process when its parent dies
(prctl PR_SET_PDEATHSIG), and the setting survives exec: this wrapper asks for SIGKILL, checks that the
parent did not die meanwhile, then replaces itself with the real dbt. Elsewhere it simply runs dbt.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def main() -> None:
    parent = os.getppid()
    dbt = Path(sys.executable).parent / "dbt"
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before the request took effect
            sys.exit(1)
    os.execv(dbt, [str(dbt), *sys.argv[1:]])


if __name__ == "__main__":
    main()
