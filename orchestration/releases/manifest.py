"""An edition's manifest: which file holds which metric and how to read it.

One `manifest.yml` per edition directory (`data/releases/<edition>/manifest.yml`). Editions differ in
data, not in code: figure numbers, column names, units, number formats and methodology breaks are all
declared here, and the loader stays generic. See `data/releases/README.md` for the format.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from orchestration.errors import BundleError
from orchestration.reference.metrics import metric_registry
from orchestration.releases.boundary import LIMITS, check_path, has_control, read_regular_file

MANIFEST_NAME = "manifest.yml"
# libyaml's parser (PyYAML's C binding): ten times faster than the pure-Python one on a manifest, and it
# refuses a document nested beyond 1,000 levels at once, where the Python loader recursed for a second
# before running out of stack. A PyYAML built without libyaml falls back to the Python loader.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOO_DEEP = "exceeded maximum nesting depth"  # libyaml's words for it
GEO_GROUPINGS = ("countries", "investment_regions", "wb_regions", "select_areas")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: object) -> object:
        """Free text (titles, notes, paths, labels, reasons) may not carry control characters or NUL:
        they would reach terminals, logs and files."""
        for key, value in data.items() if isinstance(data, dict) else []:
            for text in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
                if isinstance(text, str) and has_control(text):
                    shown = text.encode("unicode_escape").decode("ascii")[:120]
                    raise ValueError(f"{key}: control characters are not accepted ({shown!r})")
            if isinstance(key, str) and has_control(key):
                raise ValueError(
                    f"a key holds control characters ({key.encode('unicode_escape').decode('ascii')!r})"
                )
        return data


class ColumnOrValue(_Strict):
    """Either a column of the CSV or one value for every row (e.g. a world-only chart)."""

    column: str | None = None
    value: str | int | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ColumnOrValue:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of 'column' or 'value'")
        return self


class ValueFormat(_Strict):
    """How the cells of one metric are written, declared, never guessed. The number as written is
    read in decimal arithmetic: affixes stripped, `(x)` negated, then multiplied by `scale` and by the
    magnitude of its suffix, so that the value is in the metric's unit and no digit is invented."""

    metric: str
    unit: str
    # Multiply the number as written by `scale` to get the metric's unit: 100 for a fraction of a
    # percent metric, 1000 for "in thousands".
    scale: Decimal = Decimal(1)
    percent_sign: bool = False
    thousands_separator: Literal[",", " ", ".", "'", "\u202f", "\u00a0"] | None = None
    # Currency prefixes a cell may carry ("$109.1B", "US$ 1.2bn"), stripped before reading the number.
    currency: list[str] = []
    # Magnitude suffixes a cell may carry, each with its factor to the metric's unit: for a metric in US$
    # billions, {B: 1, bn: 1, M: 0.001}. A suffix not declared here makes the cell "not a number".
    magnitudes: dict[str, Decimal] = {}
    # "(0.30)" is -0.30, as accounting tables write negatives.
    negative_parentheses: bool = False
    # Cells that mean "not reported": nothing is loaded for them, they are counted in the load report.
    missing: list[str] = []
    # A blank cell: "error" (default) or "skip" (not reported, as a multi-series file leaves one blank).
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

    @field_validator("magnitudes")
    @classmethod
    def _positive_magnitudes(cls, magnitudes: dict[str, Decimal]) -> dict[str, Decimal]:
        for suffix, factor in magnitudes.items():
            if not suffix.strip() or any(c.isdigit() for c in suffix):
                raise ValueError(f"magnitude suffix {suffix!r} must be letters, such as B, bn or M")
            if not factor.is_finite() or factor <= 0:
                raise ValueError(f"magnitude {suffix!r} must be a positive number")
        return magnitudes

    @model_validator(mode="after")
    def _unit_matches_registry(self) -> ValueFormat:
        expected = metric_registry()[self.metric].unit
        if self.unit != expected:
            raise ValueError(f"unit {self.unit!r} does not match metric {self.metric!r} (unit {expected!r})")
        return self


class ValueColumn(ValueFormat):
    """A column of a tidy file that holds one metric."""

    column: str


class YearColumns(_Strict):
    """The year columns of a wide file: listed, or every header cell matching a pattern."""

    columns: list[str] = []
    pattern: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> YearColumns:
        if bool(self.columns) == (self.pattern is not None):
            raise ValueError("give exactly one of 'columns' or 'pattern'")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern {self.pattern!r} is not a regular expression: {exc}") from exc
        return self

    def select(self, header: list[str]) -> list[str]:
        if self.pattern is None:
            return [c for c in self.columns if c in header]
        return [c for c in header if re.fullmatch(self.pattern, c)]


class LongValues(_Strict):
    """A long file: one column names the metric, another holds the value."""

    metric_column: str
    value_column: str
    metrics: dict[str, ValueFormat] = Field(min_length=1, description="label in the metric column -> metric")


class FileSpec(_Strict):
    path: str
    figure_id: str | None = Field(
        None, description="figure number, e.g. '4.3.8'; null for an unnumbered file"
    )
    geo_grouping: Literal[GEO_GROUPINGS] = "countries"  # type: ignore[valid-type]
    # True only where the report's figure lists every country it reports for the file's metrics: ranks
    # computed from the file are then the report's ranks ("complete"). Default: the file may be a partial
    # transcription (a top-10 chart, countries missing), and its ranks are "partial".
    lists_every_country: bool = False
    shape: Literal["tidy", "wide", "long"] = "tidy"
    # The line of the header (1-based); null: the first line that holds the declared columns. Lines above
    # it (titles, "Source: ...") are skipped and reported.
    header_row: int | None = Field(None, ge=1)
    # Trailing footnote rows: "detect" (rows starting "Source", "Note", "*", ...), "none", or how many.
    footer: Literal["detect", "none"] | int = "detect"
    place: ColumnOrValue
    year: ColumnOrValue | None = None  # tidy and long files
    values: list[ValueColumn] = []  # tidy: one column per metric
    years: YearColumns | None = None  # wide: the year columns ...
    value: ValueFormat | None = None  # ... and the one metric they hold
    long: LongValues | None = None  # long: metric column + value column
    ignored_columns: list[str] = Field([], description="columns present in the file that hold no metric")
    encoding: str = "utf-8"
    note: str | None = None

    @field_validator("path")
    @classmethod
    def _inside_bundle(cls, path: str) -> str:
        try:
            check_path(path, "path")
        except BundleError as exc:
            raise ValueError(exc.message) from None
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or "\\" in path or not path.lower().endswith(".csv"):
            raise ValueError(f"path {path!r} must be a relative .csv path inside the bundle, without '..'")
        return str(pure)  # one spelling per file: "./a.csv" and "a.csv" are the same file

    @model_validator(mode="after")
    def _shape_has_its_parts(self) -> FileSpec:
        given = {
            "year": self.year is not None, "values": bool(self.values), "years": self.years is not None,
            "value": self.value is not None, "long": self.long is not None,
        }  # fmt: skip
        needs = {"tidy": {"year", "values"}, "wide": {"years", "value"}, "long": {"year", "long"}}[self.shape]
        missing = sorted(needs - {k for k, v in given.items() if v})
        extra = sorted({k for k, v in given.items() if v} - needs)
        if missing or extra:
            raise ValueError(
                f"a {self.shape} file needs {sorted(needs)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; not for this shape: {extra}" if extra else "")
            )
        return self

    @model_validator(mode="after")
    def _unnumbered_files_say_so(self) -> FileSpec:
        name = PurePosixPath(self.path).name
        if self.figure_id is None and not name.startswith("unnumbered_"):
            raise ValueError(f"{name}: a file without figure_id must be named unnumbered_<metric>.csv")
        if self.figure_id is not None and name.startswith("unnumbered_"):
            raise ValueError(f"{name}: an unnumbered file cannot carry figure_id {self.figure_id!r}")
        return self

    @property
    def formats(self) -> list[ValueFormat]:
        """Every value format of the file, whatever its shape."""
        if self.shape == "wide":
            return [self.value]  # type: ignore[list-item]
        if self.shape == "long":
            return list(self.long.metrics.values())  # type: ignore[union-attr]
        return list(self.values)

    @property
    def metrics(self) -> list[str]:
        return list(dict.fromkeys(f.metric for f in self.formats))


class MetricNote(_Strict):
    methodology_break: bool = False
    reason: str | None = None

    @model_validator(mode="after")
    def _break_has_reason(self) -> MetricNote:
        if self.methodology_break and not self.reason:
            raise ValueError("a methodology break needs a reason")
        return self


class Alias(_Strict):
    """A place name only this edition uses, and the geo code it means."""

    label: str
    geo_code: str
    geo_grouping: Literal[GEO_GROUPINGS] | None = None  # type: ignore[valid-type]  # null: any grouping


class IgnoredFile(_Strict):
    """A file of the bundle deliberately not loaded (a glob is allowed), and why."""

    path: str
    reason: str = Field(min_length=3)


class Restatement(_Strict):
    """One value this edition restates on purpose beyond the error tolerance (not a change of method)."""

    metric: str
    geo_code: str
    data_year: int
    reason: str = Field(min_length=3)


class Source(_Strict):
    """Where the bundle comes from, pinned as OWID's ETL pins its snapshots."""

    url: str | None = None
    published_on: date | None = None
    accessed_on: date | None = None
    description: str | None = None
    # sha256 of the bundle (the zip's bytes, or every file of the folder): a bundle that no longer
    # matches is rejected; `ai-index pin EDITION` records the current one.
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


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
    source: Source | None = None
    metrics: dict[str, MetricNote]
    files: list[FileSpec] = Field(min_length=1)
    aliases: list[Alias] = []
    ignored_files: list[IgnoredFile] = []
    restatements: list[Restatement] = []

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
        not_loaded = sorted({r.metric for r in self.restatements} - loaded)
        if not_loaded:
            raise ValueError(f"restatements name metrics this edition does not load: {not_loaded}")
        return self

    def methodology_breaks(self) -> dict[str, str]:
        return {m: n.reason or "" for m, n in self.metrics.items() if n.methodology_break}


def _describe(error: dict, raw: dict) -> str:
    """`files[3] "4. Economy/Data/fig_4.3.8.csv" > values[0] > metric: ...`: the file, not only an index."""
    parts, node = [], raw
    for key in error["loc"]:
        if isinstance(key, int):
            parts[-1] += f"[{key}]"
            item = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                parts[-1] += f" {item['path']!r}"
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return f"{' > '.join(parts) or '(top level)'}: {error['msg']}"


def read_manifest(edition_dir: Path) -> Manifest:
    """Parse and validate `<edition_dir>/manifest.yml`; every problem names the manifest and the key."""
    path = edition_dir / MANIFEST_NAME
    if not path.exists() and not path.is_symlink():
        raise BundleError(path, message="manifest missing: every edition directory needs a manifest.yml")
    data = read_regular_file(path, LIMITS.manifest_bytes, str(path))  # no symlink, FIFO or huge file
    too_deep = BundleError(path, message="manifest is nested too deeply to be a manifest")
    try:
        raw = yaml.load(data.decode("utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        if _TOO_DEEP in str(exc):
            raise too_deep from None
        raise BundleError(path, message=f"manifest is not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise BundleError(path, message=f"manifest is not valid YAML: {exc}") from exc
    except RecursionError:
        raise too_deep from None
    if not isinstance(raw, dict):
        raise BundleError(path, message="manifest must be a YAML mapping")
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(e, raw) for e in exc.errors())
        raise BundleError(path, message=f"invalid manifest: {problems}") from exc
    if edition_dir.name.isdigit() and int(edition_dir.name) != manifest.edition:
        raise BundleError(
            path, message=f"edition {manifest.edition} does not match its directory name {edition_dir.name!r}"
        )
    return manifest
