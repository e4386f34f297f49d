"""The build job: one edition-partitioned job for raw loads, dbt models and exports."""

import dagster as dg

from orchestration.partitions import edition_partitions

BUILD_JOB = "build_editions"


def build_job(*assets: dg.AssetsDefinition):
    return dg.define_asset_job(
        BUILD_JOB,
        selection=dg.AssetSelection.assets(*assets),
        partitions_def=edition_partitions,
        description="Load edition partitions through the release gate, build the dbt models, export the marts.",
        # In-process: a process per step would re-import dagster, dbt and GE (seconds each).
        executor_def=dg.in_process_executor,
    )
