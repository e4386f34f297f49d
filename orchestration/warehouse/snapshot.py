"""The serving snapshot: the DuckDB file BI tools read, published whole and never written in place.

A build works in a private database (`Settings.work_path`, under `.build/` beside the served file):
the release gate writes `raw` there and dbt builds the marts there. Only when the build's checks and
dbt tests have passed is the working database checkpointed and copied beside the served file, fsynced,
and renamed over it. A reader connected to the served file keeps the snapshot it opened (its open file
is the old inode) until it reconnects; a reader connecting after the rename gets the new one; nobody
ever sees half a build. The builder never opens the served file, so a reader's lock never blocks it.

The snapshot served before is kept as `<name>.previous.duckdb`: `ai-index rollback` serves it again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from orchestration.atomic import PARTIAL_SUFFIX
from orchestration.settings import Settings
from orchestration.warehouse.connection import connect


class SnapshotError(Exception):
    """The snapshot cannot be published or rolled back; the message says why and what to do."""


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    previous: Path | None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_beside(source: Path, target: Path) -> Path:
    """A complete, fsynced copy of `source` in `target`'s folder, under a temporary name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=PARTIAL_SUFFIX)
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return Path(partial)


def _remove_leftovers(target: Path) -> None:
    """Temporary copies a publish killed midway left beside `target`."""
    for leftover in target.parent.glob(f".{target.name}.*{PARTIAL_SUFFIX}"):
        leftover.unlink(missing_ok=True)


def prepare_work(settings: Settings) -> Path:
    """The working database. A warehouse built before snapshots existed (or a copy of a served file)
    has none: it starts as a copy of the served snapshot, which holds everything a build needs."""
    work = settings.work_path
    if not work.exists() and settings.warehouse_path.exists():
        os.replace(_copy_beside(settings.warehouse_path, work), work)
        _fsync_dir(work.parent)
    return work


def publish_snapshot(settings: Settings) -> Published:
    """Publish the working database as the served snapshot, atomically; keep the one it replaces."""
    work, serving, previous = settings.work_path, settings.warehouse_path, settings.previous_path
    with connect(work) as con:
        con.execute("checkpoint")  # everything into the main file, so a copy of it is complete
    wal = work.with_name(work.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise SnapshotError(
            f"{work} still has a write-ahead log after a checkpoint: another process writes it"
        )
    _remove_leftovers(serving)
    staged = _copy_beside(work, serving)
    try:
        kept = None
        if serving.exists():
            # A second name for the served file, then renamed to `previous`: at every moment `serving`
            # exists and is a complete snapshot, old or new.
            link = serving.with_name(f".{serving.name}.previous{PARTIAL_SUFFIX}")
            link.unlink(missing_ok=True)
            os.link(serving, link)
            os.replace(link, previous)
            kept = previous
        os.replace(staged, serving)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    _fsync_dir(serving.parent)
    return Published(serving, serving.stat().st_size, kept)


def rollback(settings: Settings) -> Path:
    """Serve the previous snapshot again; the one it replaces becomes `previous` (rollback again undoes)."""
    serving, previous = settings.warehouse_path, settings.previous_path
    if not previous.exists():
        raise SnapshotError(f"no previous snapshot at {previous}: nothing to roll back to")
    if not serving.exists():
        raise SnapshotError(f"no served snapshot at {serving}: run `ai-index build`")
    link = serving.with_name(f".{serving.name}.rollback{PARTIAL_SUFFIX}")
    link.unlink(missing_ok=True)
    os.link(serving, link)
    os.replace(previous, serving)
    os.replace(link, previous)
    _fsync_dir(serving.parent)
    return serving
