"""Edition partitions: dynamic, so a new edition dropped into the releases directory becomes a
partition (CLI build or the release sensor registers it) without a code change."""

from __future__ import annotations

import dagster as dg

edition_partitions = dg.DynamicPartitionsDefinition(name="edition")

# A run over several consecutive editions (one dbt invocation) carries a partition range in these run
# tags, as Dagster's single-run backfills do; they are Dagster's documented system tag names (the
# public API offers no constant for them).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def contiguous_ranges(editions: list[int], order: list[str]) -> list[tuple[str, str]]:
    """Group editions into ranges of consecutive partition keys (in partition order): one run per range."""
    position = {key: i for i, key in enumerate(order)}
    keys = sorted((str(e) for e in editions), key=position.__getitem__)
    ranges: list[tuple[str, str]] = []
    for key in keys:
        if ranges and position[key] == position[ranges[-1][1]] + 1:
            ranges[-1] = (ranges[-1][0], key)
        else:
            ranges.append((key, key))
    return ranges
