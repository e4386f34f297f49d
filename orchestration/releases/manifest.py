"""An edition's manifest: which file holds which metric and how to read it.

One `manifest.yml` per edition directory (`data/releases/<edition>/manifest.yml`). Editions differ in
data, not in code: figure numbers, column names, units, number formats and methodology breaks are all
declared here, and the loader stays generic. See `data/releases/README.md` for the format.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from orchestration.errors import BundleError
from orchestration.reference.metrics import metric_registry

MANIFEST_NAME = "manifest.yml"
GEO_GROUPINGS = ("countries", "investment_regions", "wb_regions", "select_areas")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnOrValue(_Strict):
    """Either a column of the CSV or one value for every row (e.g. a world-only chart)."""

    column: str | None = None
    value: str | int | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ColumnOrValue:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of 'column' or 'value'")
        return self


class ValueColumn(_Strict):
    metric: str
    column: str
    unit: str
    # Multiply the number as written by `scale` to get the metric's unit: 100 for a fraction of a
    # percent metric, 1000 for "in thousands". Applied in decimal arithmetic, so no digit is invented.
    scale: Decimal = Decimal(1)
    percent_sign: bool = False
    thousands_separator: Literal[",", " ", "."] | None = None
    # A blank cell: "error" (default) or "skip" (a multi-series file where a series has no value that year).
    blank: Literal["error", "skip"] = "error"

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in metric_registry():
            raise ValueError(f"unknown metric {metric!r} (known: dbt_project/seeds/metrics.csv)")
        return metric

    @field_validator("scale")
    @classmethod
    def _positive_scale(cls, scale: Decimal) -> Decimal:
        if not scale.is_finite() or scale <= 0:
            raise ValueError("scale must be a positive number")
        return scale

    @model_validator(mode="after")
    def _unit_matches_registry(self) -> ValueColumn:
        expected = metric_registry()[self.metric].unit
        if self.unit != expected:
            raise ValueError(f"unit {self.unit!r} does not match metric {self.metric!r} (unit {expected!r})")
        return self


class FileSpec(_Strict):
    path: str
    figure_id: str | None = Field(
        None, description="figure number, e.g. '4.3.8'; null for an unnumbered file"
    )
    geo_grouping: Literal[GEO_GROUPINGS] = "countries"  # type: ignore[valid-type]
    place: ColumnOrValue
    year: ColumnOrValue
    values: list[ValueColumn] = Field(min_length=1)
    ignored_columns: list[str] = Field([], description="columns present in the file that hold no metric")
    encoding: str = "utf-8"
    note: str | None = None

    @field_validator("path")
    @classmethod
    def _inside_bundle(cls, path: str) -> str:
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or "\\" in path or not path.lower().endswith(".csv"):
            raise ValueError(f"path {path!r} must be a relative .csv path inside the bundle, without '..'")
        return path

    @model_validator(mode="after")
    def _unnumbered_files_say_so(self) -> FileSpec:
        name = PurePosixPath(self.path).name
        if self.figure_id is None and not name.startswith("unnumbered_"):
            raise ValueError(f"{name}: a file without figure_id must be named unnumbered_<metric>.csv")
        if self.figure_id is not None and name.startswith("unnumbered_"):
            raise ValueError(f"{name}: an unnumbered file cannot carry figure_id {self.figure_id!r}")
        return self

    @property
    def metrics(self) -> list[str]:
        return [v.metric for v in self.values]


class MetricNote(_Strict):
    methodology_break: bool = False
    reason: str | None = None

    @model_validator(mode="after")
    def _break_has_reason(self) -> MetricNote:
        if self.methodology_break and not self.reason:
            raise ValueError("a methodology break needs a reason")
        return self


class Manifest(_Strict):
    edition: int = Field(ge=2000, le=2100)
    title: str
    bundle: str = Field(description="folder (or .zip of the same name) holding the published files")
    synthetic: bool = False
    licence: str | None = None
    provenance: str | None = Field(
        None, description="CSV beside the manifest: file,row -> source, reliability"
    )
    default_reliability: Literal["A", "B", "C", "D"] | None = None
    notes: list[str] = []
    metrics: dict[str, MetricNote]
    files: list[FileSpec] = Field(min_length=1)

    @field_validator("bundle", "provenance")
    @classmethod
    def _plain_name(cls, name: str | None) -> str | None:
        if name is not None and (not name or "/" in name or "\\" in name or name in (".", "..")):
            raise ValueError(f"{name!r} must be a plain name inside the edition directory")
        return name

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        paths = [f.path for f in self.files]
        duplicates = sorted({p for p in paths if paths.count(p) > 1})
        if duplicates:
            raise ValueError(f"files listed twice: {duplicates}")
        loaded = {m for f in self.files for m in f.metrics}
        unknown = sorted(set(self.metrics) - set(metric_registry()))
        if unknown:
            raise ValueError(f"metrics block names unknown metrics {unknown}")
        undeclared = sorted(loaded - set(self.metrics))
        if undeclared:
            raise ValueError(f"metrics {undeclared} are loaded but missing from the metrics block")
        return self

    def methodology_breaks(self) -> dict[str, str]:
        return {m: n.reason or "" for m, n in self.metrics.items() if n.methodology_break}


def _describe(error: dict) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    return f"{where}: {error['msg']}"


def read_manifest(edition_dir: Path) -> Manifest:
    """Parse and validate `<edition_dir>/manifest.yml`; every problem names the manifest and the key."""
    path = edition_dir / MANIFEST_NAME
    if not path.is_file():
        raise BundleError(path, message="manifest missing: every edition directory needs a manifest.yml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BundleError(path, message=f"manifest is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise BundleError(path, message="manifest must be a YAML mapping")
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise BundleError(path, message=f"invalid manifest: {problems}") from exc
    if edition_dir.name.isdigit() and int(edition_dir.name) != manifest.edition:
        raise BundleError(
            path, message=f"edition {manifest.edition} does not match its directory name {edition_dir.name!r}"
        )
    return manifest
