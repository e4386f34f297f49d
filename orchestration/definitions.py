"""The Dagster code location: assets, checks, jobs, sensors and resources assembled in one place."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import build_dbt_assets, dbt_resource
from orchestration.assets.exports import build_exports_asset
from orchestration.assets.raw import raw_editions
from orchestration.jobs import BUILD_JOB, build_job
from orchestration.resources import WarehouseResource
from orchestration.sensors import edition_release_sensor
from orchestration.settings import Settings, get_settings

__all__ = ["BUILD_JOB", "build_definitions", "defs"]


def build_definitions(settings: Settings) -> dg.Definitions:
    dbt_assets_def = build_dbt_assets()
    exports = build_exports_asset([key for key in dbt_assets_def.keys if key.path[0] == "marts"])
    return dg.Definitions(
        assets=[raw_editions, dbt_assets_def, exports],
        jobs=[build_job(raw_editions, dbt_assets_def, exports)],
        sensors=[edition_release_sensor],
        resources={"warehouse": WarehouseResource.from_settings(settings), "dbt": dbt_resource()},
    )


defs = build_definitions(get_settings())
