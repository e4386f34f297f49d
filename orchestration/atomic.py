"""Writes that a killed process cannot leave half-done."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Temporary files end in this suffix, so a leftover of a killed write is recognisable (and matches no
# `.json`, `.html` or `.yaml` pattern a reader looks for).
PARTIAL_SUFFIX = ".partial"


def write_atomically(path: Path, data: bytes | str) -> Path:
    """Write `data` to a temporary file next to `path` and rename it into place: readers (and the next
    run after a SIGKILL) see the old content or the new, never a truncated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path
