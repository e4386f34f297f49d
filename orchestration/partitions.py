"""Edition partitions: dynamic, so a new edition dropped into the releases directory becomes a
partition (CLI build or the release sensor registers it) without a code change."""

import dagster as dg

edition_partitions = dg.DynamicPartitionsDefinition(name="edition")
