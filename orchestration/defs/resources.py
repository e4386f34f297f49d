"""Resources, built in one place: the warehouse paths and the dbt CLI."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.settings import DBT_PROJECT_DIR, Settings


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
