"""One writer at a time: DuckDB allows a single read-write process per file.

`ai-index build`, a Dagster run launched from the UI and a sensor-launched run all take this file
lock before they write, so a second writer waits (with a message) instead of failing on a DuckDB
lock error. Re-entrant within a thread: the CLI holds it for the whole build and the ops of its
in-process run, in the same thread, do not take it twice. Another thread of the same process waits
like another process would (each acquisition opens its own file description, and `flock` locks are
held per description).
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_held = threading.local()  # per thread: {lock path: depth}


class WarehouseBusy(TimeoutError):
    """Another build holds the warehouse lock; the message names it and what to do."""

    def __init__(self, lock_path: Path, waited_s: float):
        self.holder = holder(lock_path)
        super().__init__(
            f"the warehouse is being built by {self.holder or 'another process'} (lock {lock_path}); "
            f"gave up after waiting {waited_s:.0f} s. Run again when it has finished, or give --wait SECONDS."
        )


def holder(lock_path: Path) -> str | None:
    """Who holds the lock, as it wrote itself into the lock file: `pid N (command), since HH:MM:SS`."""
    try:
        pid, started, command = lock_path.read_text(encoding="utf-8").strip().split(" ", 2)
        since = time.strftime("%H:%M:%S", time.localtime(float(started)))
    except (OSError, ValueError):
        return None
    return f"pid {pid} ({command}), since {since}"


def _depths() -> dict[str, int]:
    if not hasattr(_held, "depths"):
        _held.depths = {}
    return _held.depths


@contextmanager
def warehouse_lock(
    lock_path: Path, timeout_s: float = 3600, notify: Callable[[str], None] | None = None
) -> Iterator[None]:
    key = str(lock_path.resolve())
    depths = _depths()
    if depths.get(key):
        depths[key] += 1
        try:
            yield
        finally:
            depths[key] -= 1
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(lock_path, timeout_s) from None
                if not told and notify is not None:
                    notify(f"another build holds {lock_path} ({holder(lock_path)}); waiting for it to finish")
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:300]
        os.write(fd, f"{os.getpid()} {time.time():.0f} {command}\n".encode())
        depths[key] = 1
        try:
            yield
        finally:
            del depths[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
