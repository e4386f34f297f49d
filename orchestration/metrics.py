"""The metric registry: dbt_project/seeds/metrics.csv, read by the loader and modelled by dbt."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from orchestration.settings import SEEDS_DIR


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
