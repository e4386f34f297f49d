"""The build job: every edition-partitioned asset (raw loads, dbt models, exports) in one job."""

from __future__ import annotations

import dagster as dg

BUILD_JOB = "build_editions"


def build_job() -> dg.UnresolvedAssetJobDefinition:
    # The partitions come from the assets, and the executor from the code location (in-process).
    return dg.define_asset_job(
        BUILD_JOB,
        selection=dg.AssetSelection.all(),
        description="Load edition partitions through the release gate, build the dbt models, export the marts.",
    )
