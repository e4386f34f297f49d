"""Typed view of `release_checks.yml` (severities and edition-wide tolerances), joined with the metric
rules of the registry (ranges, lags, additivity, revision tolerances: `dbt_project/seeds/metrics.csv`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from orchestration.reference.metrics import Metric, metric_registry

CONFIG_PATH = Path(__file__).with_name("release_checks.yml")
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class BreakRules:
    max_share_of_metrics: float
    max_headline_move_pct: float
    accepted: dict[int, str]  # edition -> why the operator accepted its breaks


@dataclass(frozen=True)
class ReleaseCheckConfig:
    first_data_year: int
    share_sum_tolerance_pct: float
    severities: dict[str, dict[str, Severity]]
    metrics: dict[str, Metric]
    breaks: BreakRules

    def severity(self, suite: str, expectation: str) -> Severity:
        return self.severities[suite][expectation]

    def metrics_measuring(self, measure: str) -> list[str]:
        return [m for m, spec in self.metrics.items() if spec.measure == measure]


def parse_config(raw: dict, metrics: dict[str, Metric]) -> ReleaseCheckConfig:
    for suite, expectations in raw["severities"].items():
        for name, severity in expectations.items():
            if severity not in ("error", "warning"):
                raise ValueError(f"{CONFIG_PATH.name}: severity of {suite}.{name} must be error or warning")
    return ReleaseCheckConfig(
        first_data_year=int(raw["first_data_year"]),
        share_sum_tolerance_pct=float(raw["share_sum_tolerance_pct"]),
        severities=raw["severities"],
        metrics=metrics,
        breaks=BreakRules(
            max_share_of_metrics=float(raw["breaks"]["max_share_of_metrics"]),
            max_headline_move_pct=float(raw["breaks"]["max_headline_move_pct"]),
            accepted={int(e): str(why) for e, why in (raw["breaks"].get("accepted") or {}).items()},
        ),
    )


@cache
def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_config(path: Path = CONFIG_PATH) -> ReleaseCheckConfig:
    return parse_config(_read(path), metric_registry())
