"""The Dagster code location: assets, checks, jobs and resources assembled in one place."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import build_dbt_assets, dbt_resource
from orchestration.assets.raw import raw_editions
from orchestration.partitions import edition_partitions
from orchestration.resources import WarehouseResource
from orchestration.settings import Settings, get_settings

BUILD_JOB = "build_editions"


def build_definitions(settings: Settings) -> dg.Definitions:
    dbt_assets_def = build_dbt_assets()
    build_job = dg.define_asset_job(
        BUILD_JOB,
        selection=dg.AssetSelection.assets(raw_editions, dbt_assets_def),
        partitions_def=edition_partitions,
        description="Load edition partitions through the release gate, then build the dbt models.",
        # In-process: a process per step would re-import dagster, dbt and GE (seconds each).
        executor_def=dg.in_process_executor,
    )
    return dg.Definitions(
        assets=[raw_editions, dbt_assets_def],
        jobs=[build_job],
        resources={"warehouse": WarehouseResource.from_settings(settings), "dbt": dbt_resource()},
    )


defs = build_definitions(get_settings())
