"""Typed view of `release_checks.yml`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from orchestration.metrics import metric_registry

CONFIG_PATH = Path(__file__).with_name("release_checks.yml")
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class MetricRules:
    metric: str
    min_value: float
    max_value: float
    publication_lag: int
    additive: bool
    revision_warning_pct: float
    revision_error_pct: float
    revision_floor: float


@dataclass(frozen=True)
class ReleaseCheckConfig:
    first_data_year: int
    share_sum_tolerance_pct: float
    severities: dict[str, dict[str, Severity]]
    metrics: dict[str, MetricRules]

    def severity(self, suite: str, expectation: str) -> Severity:
        return self.severities[suite][expectation]


def parse_config(raw: dict) -> ReleaseCheckConfig:
    metrics = {}
    for metric, rules in raw["metrics"].items():
        low, high = rules["range"]
        metrics[metric] = MetricRules(
            metric=metric,
            min_value=float(low),
            max_value=float(high),
            publication_lag=int(rules["publication_lag"]),
            additive=bool(rules.get("additive", False)),
            revision_warning_pct=float(rules["revision_pct"]["warning"]),
            revision_error_pct=float(rules["revision_pct"]["error"]),
            revision_floor=float(rules["revision_pct"].get("floor", 0)),
        )
    missing = sorted(set(metric_registry()) - set(metrics))
    if missing:
        raise ValueError(f"{CONFIG_PATH.name}: no rules for metrics {missing}")
    for suite, expectations in raw["severities"].items():
        for name, severity in expectations.items():
            if severity not in ("error", "warning"):
                raise ValueError(f"{CONFIG_PATH.name}: severity of {suite}.{name} must be error or warning")
    return ReleaseCheckConfig(
        first_data_year=int(raw["first_data_year"]),
        share_sum_tolerance_pct=float(raw["share_sum_tolerance_pct"]),
        severities=raw["severities"],
        metrics=metrics,
    )


@cache
def load_config(path: Path = CONFIG_PATH) -> ReleaseCheckConfig:
    return parse_config(yaml.safe_load(path.read_text(encoding="utf-8")))
