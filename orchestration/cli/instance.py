"""The Dagster instance the CLI and `make ui` share (DAGSTER_HOME, default `.dagster_home/`), so a CLI
build shows in the UI's run list like any other, and the edition partitions registered in it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import dagster as dg

from orchestration.atomic import write_atomically
from orchestration.defs.partitions import edition_partitions
from orchestration.settings import dagster_home

DAGSTER_YAML = """# Written by ai-index on first use. Local instance for the CLI and `make ui`.
telemetry:
  enabled: false
"""


# The folders of the default SQLite storage under DAGSTER_HOME.
STORAGE_FOLDERS = ("history", "schedules")


def get_instance() -> dg.DagsterInstance:
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        write_atomically(config, DAGSTER_YAML)
    if any(not (home / folder).exists() for folder in STORAGE_FOLDERS):
        _create_storage(home)
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def _create_storage(home: Path) -> None:
    """Dagster creates its SQLite tables one statement at a time, and only when a database file does not
    exist yet: a first build killed midway left a database without some tables (e.g. dynamic_partitions),
    and every later build failed. So the storage is created in a folder beside and renamed into place."""
    staging = Path(tempfile.mkdtemp(dir=home, prefix=".storage-"))
    try:
        shutil.copy(home / "dagster.yaml", staging / "dagster.yaml")
        with dg.DagsterInstance.from_config(str(staging)):
            pass  # constructing the instance creates every table
        for folder in STORAGE_FOLDERS:
            if not (home / folder).exists():
                try:
                    os.rename(staging / folder, home / folder)
                except OSError:  # another build created it meanwhile
                    if not (home / folder).exists():
                        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def register_editions(instance: dg.DagsterInstance, editions: list[int]) -> list[str]:
    """Add missing edition partitions (in edition order); return the partition keys in order."""
    existing = set(instance.get_dynamic_partitions(edition_partitions.name))
    missing = [str(e) for e in sorted(editions) if str(e) not in existing]
    if missing:
        instance.add_dynamic_partitions(edition_partitions.name, missing)
    return list(instance.get_dynamic_partitions(edition_partitions.name))
