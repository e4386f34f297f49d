"""The metric registry: dbt_project/seeds/metrics.csv, read by the loader and modelled by dbt."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from orchestration.settings import SEEDS_DIR

# The headline metric of each subject area: what the charts and the overview show first.
SUBJECT_METRICS = {
    "talent_migration": "net_ai_talent_migration_per_10k",
    "ai_patents": "granted_ai_patents_per_100k",
    "private_investment": "private_investment_usd_bn",
}


@dataclass(frozen=True)
class Metric:
    metric: str
    unit: str
    subject_area: str
    label: str


@cache
def metric_registry() -> dict[str, Metric]:
    with (SEEDS_DIR / "metrics.csv").open(newline="", encoding="utf-8") as f:
        return {
            row["metric"]: Metric(row["metric"], row["unit"], row["subject_area"], row["label"])
            for row in csv.DictReader(f)
        }
