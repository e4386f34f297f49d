"""Edition partitions: dynamic, so a new edition dropped into the releases directory becomes a
partition (CLI build or the release sensor registers it) without a code change."""

import dagster as dg

# A run over several consecutive editions (one dbt invocation) is tagged with a partition range, as a
# single-run backfill is. Dagster does not export these tag names publicly; this is the one import of them.
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG as RANGE_END_TAG
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_START_TAG as RANGE_START_TAG

__all__ = ["RANGE_END_TAG", "RANGE_START_TAG", "edition_partitions"]

edition_partitions = dg.DynamicPartitionsDefinition(name="edition")
