"""The metric registry: every fact about a metric, declared once in the dbt seeds.

- `metrics.csv`: one row per metric: subject, labels, unit, measure (level, share_of_world, change),
  chapter, publication lag, whether higher is better, whether it adds up to a world total, and its
  release-check rules (range and revision tolerances); a blank rule takes its unit's default.
- `units.csv`: per unit, how people write it (`US$ bn`, `%`) and the default rules.
- `subjects.csv`: the three subject areas: title, headline metric, subject mart, source organisation.

dbt builds the subject marts, `dim_metric` and the revision judgements from these seeds; the loader,
the release checks, the reports and the synthetic generator read them here. Adding a metric is a new
row in `metrics.csv` (see data/releases/README.md), never a code change.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.settings import get_settings

MEASURES = ("level", "share_of_world", "change")
# A metric id becomes a column of its subject mart: a plain SQL identifier, nothing to quote.
_METRIC_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_RULES = ("range_min", "range_max", "revision_warning_pct", "revision_error_pct", "revision_floor")


class RegistryError(ValueError):
    """A seed of the registry is inconsistent; the message names the file, row and column."""


@dataclass(frozen=True)
class Unit:
    unit: str
    unit_label: str
    range_min: float
    range_max: float
    revision_warning_pct: float
    revision_error_pct: float
    revision_floor: float
    typical_min: float
    typical_max: float


@dataclass(frozen=True)
class Subject:
    subject_area: str
    title: str
    headline_metric: str
    subject_mart: str
    description: str = ""
    source_organisation: str = ""


@dataclass(frozen=True)
class Metric:
    metric: str
    subject_area: str
    label: str
    short_label: str
    unit: str
    unit_label: str
    measure: str
    chapter: str
    publication_lag: int
    higher_is_better: bool
    is_additive: bool
    range_min: float
    range_max: float
    revision_warning_pct: float
    revision_error_pct: float
    revision_floor: float
    description: str


@dataclass(frozen=True)
class Registry:
    metrics: dict[str, Metric]
    units: dict[str, Unit]
    subjects: dict[str, Subject]

    def subject_metrics(self, subject_area: str) -> list[str]:
        return [m for m, spec in self.metrics.items() if spec.subject_area == subject_area]


def _rows(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise RegistryError(f"{path}: missing columns {missing}")
        return list(enumerate(reader, start=1))


def _number(path: Path, row: int, column: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise RegistryError(f"{path}, row {row}, column {column!r}: not a number: {text!r}") from None


def _boolean(path: Path, row: int, column: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise RegistryError(f"{path}, row {row}, column {column!r}: write true or false, not {text!r}")
    return text == "true"


def _read_units(path: Path) -> dict[str, Unit]:
    numbers = [*_RULES, "typical_min", "typical_max"]
    units = {}
    for n, r in _rows(path, ["unit", "unit_label", *numbers]):
        units[r["unit"]] = Unit(r["unit"], r["unit_label"], **{c: _number(path, n, c, r[c]) for c in numbers})
    return units


def _read_subjects(path: Path) -> dict[str, Subject]:
    rows = _rows(path, ["subject_area", "title", "headline_metric", "subject_mart"])
    return {
        r["subject_area"]: Subject(
            r["subject_area"], r["title"], r["headline_metric"], r["subject_mart"],
            r.get("description") or "", r.get("source_organisation") or "",
        )
        for _, r in rows
    }  # fmt: skip


def _read_metrics(path: Path, units: dict[str, Unit], subjects: dict[str, Subject]) -> dict[str, Metric]:
    columns = ["metric", "subject_area", "label", "short_label", "unit", "measure", "chapter",
               "publication_lag", "higher_is_better", "is_additive", *_RULES, "description"]  # fmt: skip
    metrics: dict[str, Metric] = {}
    for n, r in _rows(path, columns):
        where = f"{path}, row {n}"
        if not _METRIC_ID.match(r["metric"]):
            raise RegistryError(f"{where}, column 'metric': {r['metric']!r} is not a lower_snake_case id")
        if r["metric"] in metrics:
            raise RegistryError(f"{where}, column 'metric': {r['metric']!r} is declared twice")
        if r["unit"] not in units:
            raise RegistryError(f"{where}, column 'unit': unknown unit {r['unit']!r} (units.csv)")
        if r["subject_area"] not in subjects:
            raise RegistryError(f"{where}, column 'subject_area': unknown subject {r['subject_area']!r}")
        if r["measure"] not in MEASURES:
            raise RegistryError(f"{where}, column 'measure': one of {MEASURES}, not {r['measure']!r}")
        if not r["publication_lag"].isdigit():
            raise RegistryError(f"{where}, column 'publication_lag': a whole number of years")
        unit = units[r["unit"]]
        rules = {c: _number(path, n, c, r[c]) if r[c].strip() else getattr(unit, c) for c in _RULES}
        metrics[r["metric"]] = Metric(
            metric=r["metric"], subject_area=r["subject_area"], label=r["label"],
            short_label=r["short_label"] or r["label"], unit=r["unit"], unit_label=unit.unit_label,
            measure=r["measure"], chapter=r["chapter"], publication_lag=int(r["publication_lag"]),
            higher_is_better=_boolean(path, n, "higher_is_better", r["higher_is_better"]),
            is_additive=_boolean(path, n, "is_additive", r["is_additive"]),
            description=r["description"], **rules,
        )  # fmt: skip
    for subject in subjects.values():
        if metrics.get(subject.headline_metric, None) is None:
            raise RegistryError(f"subjects.csv: headline metric {subject.headline_metric!r} is not in {path}")
    return metrics


@cache
def _registry(seeds_dir: Path, stamp: tuple[int, ...]) -> Registry:
    units = _read_units(seeds_dir / "units.csv")
    subjects = _read_subjects(seeds_dir / "subjects.csv")
    return Registry(_read_metrics(seeds_dir / "metrics.csv", units, subjects), units, subjects)


def registry(seeds_dir: Path | None = None) -> Registry:
    """The registry of the configured dbt project (AI_INDEX_DBT_PROJECT_DIR), re-read when a seed changes."""
    seeds_dir = seeds_dir or get_settings().seeds_dir
    stamp = tuple(
        (seeds_dir / name).stat().st_mtime_ns for name in ("units.csv", "subjects.csv", "metrics.csv")
    )
    return _registry(seeds_dir, stamp)


def metric_registry() -> dict[str, Metric]:
    return registry().metrics
