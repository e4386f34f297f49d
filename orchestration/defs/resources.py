"""Resources: the warehouse paths, and the build lock a run holds from its first step to its last."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from orchestration.settings import DBT_PROJECT_DIR, Settings
from orchestration.warehouse.lock import warehouse_lock


class WarehouseResource(dg.ConfigurableResource):
    """Where the releases are read from and the DuckDB warehouse and generated docs are written."""

    releases_dir: str
    warehouse_path: str
    data_dir: str
    dbt_project_dir: str = str(DBT_PROJECT_DIR)

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            releases_dir=str(settings.releases_dir),
            warehouse_path=str(settings.warehouse_path),
            data_dir=str(settings.data_dir),
            dbt_project_dir=str(settings.dbt_project_dir),
        )

    @property
    def settings(self) -> Settings:
        return Settings(
            Path(self.releases_dir),
            Path(self.warehouse_path),
            Path(self.data_dir),
            Path(self.dbt_project_dir),
        )


class BuildLockResource(dg.ConfigurableResource):
    """The warehouse's build lock, held for the whole run: between two steps of a run (raw loaded, marts
    not yet built) no other build and no sensor tick takes the warehouse. A run launched by
    `ai-index build` already holds it (the lock is re-entrant in a thread)."""

    lock_path: str
    wait_s: float = 3600

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[BuildLockResource]:
        notify = context.log.info if context.log else None
        with warehouse_lock(Path(self.lock_path), timeout_s=self.wait_s, notify=notify):
            yield self
