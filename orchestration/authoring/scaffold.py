"""`ai-index scaffold BUNDLE`: a draft manifest for a new edition's bundle (folder or zip).

Every CSV is read and described as the manifest would: its header line (title lines above it are
skipped), its shape (tidy, wide with one column per year, long with a metric column), its place and
year columns, and for each value column a candidate metric, found by matching the header against the
column names earlier editions' manifests mapped and against the metric registry's labels. The cell
formats it sees (percent signs, thousands separators, currency and magnitude affixes, parentheses,
missing markers) are proposed, to be confirmed: the loader itself never guesses.

What it cannot decide is listed, file by file, with the reason; each such place in the draft holds
the marker `DECIDE`, which the manifest refuses, so a draft validates only once a person has decided.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from orchestration.reference.geography import gazetteer
from orchestration.reference.metrics import metric_registry
from orchestration.releases.bundle import discover_editions
from orchestration.releases.manifest import read_manifest

DECIDE = "DECIDE"
PLACE_HEADERS = ("geographic area", "country", "label", "region", "entity", "area", "economy", "geography")
YEAR_HEADERS = ("year", "years")
METRIC_HEADERS = ("indicator", "metric", "measure", "series", "variable")
VALUE_HEADERS = ("value", "values")
_YEAR = re.compile(r"^[0-9]{4}$")
_FIGURE = re.compile(r"^fig_([0-9]+(?:\.[0-9]+)+)\.csv$")
MISSING_MARKERS = ("n/a", "N/A", "na", "NA", "—", "–", "-", "..")
MAGNITUDES = {"usd_bn": {"B": "1", "bn": "1", "M": "0.001", "T": "1000"}}


@dataclass
class Draft:
    manifest: dict
    decisions: list[str] = field(default_factory=list)  # "file: what to decide (why)"

    def yaml(self) -> str:
        head = ["# Draft manifest written by `ai-index scaffold`: check every entry against the files."]
        if self.decisions:
            head.append(f"# To decide before it validates (each marked {DECIDE} below):")
            head += [f"#   - {d}" for d in self.decisions]
        return (
            "\n".join(head)
            + "\n"
            + yaml.safe_dump(self.manifest, sort_keys=False, allow_unicode=True, width=110)
        )


def _read_files(bundle: Path) -> tuple[str, dict[str, bytes]]:
    """(bundle name, {path inside the bundle: bytes}) of every CSV of a folder or a zip."""
    if bundle.is_dir():
        return bundle.name, {
            p.relative_to(bundle).as_posix(): p.read_bytes()
            for p in sorted(bundle.rglob("*.csv")) if p.is_file() and not p.is_symlink()
        }  # fmt: skip
    with zipfile.ZipFile(bundle) as archive:
        name = bundle.stem
        files = {}
        for info in archive.infolist():
            parts = PurePosixPath(info.filename).parts
            if info.is_dir() or not info.filename.lower().endswith(".csv"):
                continue
            inner = parts[1:] if parts and parts[0] == name else parts
            files[str(PurePosixPath(*inner))] = archive.read(info)
        return name, files


def _records(data: bytes) -> list[tuple[int, list[str]]]:
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    out, line = [], 1
    for record in reader:
        if any(c.strip() for c in record):
            out.append((line, [c.strip() for c in record]))
        line = reader.line_num + 1
    return out


def _header(records: list[tuple[int, list[str]]]) -> int:
    """The first record with two or more cells that the next record matches in width: lines above it
    are titles ("Figure 4.2.1 ...", "Source: ...")."""
    for index, (_, record) in enumerate(records[:-1]):
        width = len([c for c in record if c])
        following = len([c for c in records[index + 1][1] if c])
        if width >= 2 and following >= 2:
            return index
    return 0


def _known_columns() -> dict[str, str]:
    """Value column names earlier manifests map, -> metric (the shipped editions' own words)."""
    from orchestration.settings import get_settings

    names: dict[str, str] = {}
    for edition_dir in discover_editions(get_settings().releases_dir).values():
        try:
            manifest = read_manifest(edition_dir)
        except Exception:  # noqa: BLE001 - an unreadable earlier manifest only teaches less
            continue
        for spec in manifest.files:
            for value in spec.values:
                names.setdefault(value.column.casefold(), value.metric)
    return names


def candidate_metric(header: str, known: dict[str, str]) -> tuple[str | None, str]:
    """(metric, why) for a value column header, or (None, why not)."""
    if header.casefold() in known:
        return known[header.casefold()], "the same column name in an earlier edition's manifest"
    labels = {m.metric: m.label for m in metric_registry().values()}
    scored = sorted(
        ((difflib.SequenceMatcher(None, header.casefold(), label.casefold()).ratio(), metric)
         for metric, label in labels.items()), reverse=True,
    )  # fmt: skip
    best, metric = scored[0]
    if best >= 0.75 and (len(scored) == 1 or best - scored[1][0] >= 0.05):
        return metric, f"header close to the registry label {labels[metric]!r} ({best:.2f})"
    return None, f"no metric matches {header!r} (closest: {labels[metric]!r}, {best:.2f})"


def _format(metric: str | None, cells: list[str]) -> dict:
    """The cell format the draft proposes, from what the cells show."""
    fmt: dict = {}
    seen = [c for c in cells if c]
    if seen and all(c.endswith("%") for c in seen if c not in MISSING_MARKERS):
        fmt["percent_sign"] = True
    if any(re.fullmatch(r"[($-]*[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?.*", c) for c in seen):
        fmt["thousands_separator"] = ","
    prefixes = sorted(
        {p for c in seen for p in ("US$", "$") if c.lstrip("(-").startswith(p)}, key=len, reverse=True
    )
    if prefixes:
        fmt["currency"] = prefixes[:1] if prefixes == ["US$", "$"][: len(prefixes)] else prefixes
    unit = metric_registry()[metric].unit if metric else None
    suffixes = {m.group(1) for c in seen if (m := re.search(r"[0-9]\s*([A-Za-z]+)\)?$", c))}
    if suffixes:
        known = MAGNITUDES.get(unit or "", {})
        fmt["magnitudes"] = {s: known.get(s, DECIDE) for s in sorted(suffixes)}
    if any(re.fullmatch(r"\(.*\)", c) for c in seen):
        fmt["negative_parentheses"] = True
    missing = sorted({c for c in cells if c in MISSING_MARKERS})
    if missing:
        fmt["missing"] = missing
    if any(not c for c in cells):
        fmt["blank"] = "skip"
    return fmt


def _value_entry(metric: str | None, column: str | None, cells: list[str]) -> dict:
    entry: dict = {"metric": metric or DECIDE}
    if column is not None:
        entry["column"] = column
    entry["unit"] = metric_registry()[metric].unit if metric else DECIDE
    entry.update(_format(metric, cells))
    return entry


def _describe_file(path: str, data: bytes, known: dict[str, str], decisions: list[str]) -> dict | None:
    records = _records(data)
    if len(records) < 2:
        decisions.append(f"{path}: no data rows; list it under ignored_files with a reason")
        return None
    start = _header(records)
    header_line, header = records[start]
    while header and not header[-1]:
        header.pop()
    rows = [r for _, r in records[start + 1 :]]
    columns = {h: [r[i] if i < len(r) else "" for r in rows] for i, h in enumerate(header)}
    name = PurePosixPath(path).name
    figure = _FIGURE.match(name)
    spec: dict = {"path": path, "figure_id": figure.group(1) if figure else None}
    if not figure and not name.startswith("unnumbered_"):
        spec["figure_id"] = DECIDE
        decisions.append(
            f"{path}: no figure number in the file name; give figure_id (or rename it unnumbered_<metric>.csv)"
        )
    if start:
        spec["header_row"] = header_line
    years = [h for h in header if _YEAR.match(h)]
    lowered = {h.casefold(): h for h in header}
    place = next((lowered[h] for h in PLACE_HEADERS if h in lowered), None)
    if place is None:  # the column most of whose cells are known places
        scores = {
            h: sum(bool(gazetteer().resolve("countries", c)) for c in cells) for h, cells in columns.items()
        }
        best = max(scores, key=scores.get)
        place = best if scores[best] * 2 >= len(rows) else None
    spec["place"] = {"column": place} if place else {"column": DECIDE}
    if place is None:
        decisions.append(f"{path}: no place column found; name it (or give place: {{value: World}})")
    else:
        unknown = sorted({c for c in columns[place] if c and not gazetteer().resolve("countries", c)})
        if unknown:
            decisions.append(
                f"{path}: places no seed knows: {unknown[:8]}; add aliases (manifest `aliases`) or correct geo_grouping"
            )
    metric_col = next((lowered[h] for h in METRIC_HEADERS if h in lowered), None)
    value_col = next((lowered[h] for h in VALUE_HEADERS if h in lowered), None)
    year_col = next((lowered[h] for h in YEAR_HEADERS if h in lowered), None)
    if len(years) >= 2:
        spec["shape"] = "wide"
        spec["years"] = {"pattern": "^[0-9]{4}$"}
        # A wide file's header names years, not its metric: a person names it.
        cells = [c for y in years for c in columns[y]]
        spec["value"] = _value_entry(None, None, cells)
        decisions.append(f"{path}: wide file (one column per year): name its metric under value.metric")
        others = [h for h in header if h not in years and h != place]
    elif metric_col and value_col:
        spec["shape"] = "long"
        spec["year"] = {"column": year_col} if year_col else {"column": DECIDE}
        metrics = {}
        for label in sorted({c for c in columns[metric_col] if c}):
            metric, why = candidate_metric(label, known)
            cells = [v for m, v in zip(columns[metric_col], columns[value_col], strict=True) if m == label]
            metrics[label] = _value_entry(metric, None, cells)
            if metric is None:
                decisions.append(f"{path}: {metric_col} {label!r}: {why}")
        spec["long"] = {"metric_column": metric_col, "value_column": value_col, "metrics": metrics}
        others = [h for h in header if h not in (place, year_col, metric_col, value_col)]
    else:
        if year_col is None:
            year_col = next(
                (h for h, cells in columns.items() if cells and all(_YEAR.match(c) for c in cells if c)), None
            )
        spec["year"] = {"column": year_col} if year_col else {"column": DECIDE}
        if year_col is None:
            decisions.append(f"{path}: no year column found; name it (or give year: {{value: 2025}})")
        values = []
        for column in header:
            if column in (place, year_col):
                continue
            metric, why = candidate_metric(column, known)
            values.append(_value_entry(metric, column, columns[column]))
            if metric is None:
                decisions.append(f"{path}: column {column!r}: {why}")
        spec["values"] = values
        others = []
    if others:
        spec["ignored_columns"] = others
    return spec


def scaffold(bundle: Path, edition: int) -> Draft:
    """A draft manifest for the bundle (a folder or a zip) of `edition`, and what a person must decide."""
    known = _known_columns()
    name, files = _read_files(bundle)
    decisions: list[str] = []
    specs = [s for path, data in files.items() if (s := _describe_file(path, data, known, decisions))]
    metrics = sorted({v["metric"] for s in specs for v in _formats(s) if v["metric"] != DECIDE})
    manifest = {
        "edition": edition,
        "title": f"AI Index Report {edition}: public data",
        "bundle": name,
        "default_reliability": DECIDE,
        "source": {"url": None, "published_on": None, "accessed_on": None},
        "metrics": {m: {"methodology_break": False} for m in metrics},
        "files": specs,
    }
    decisions.insert(0, "default_reliability: the grade (A-D) of the source, or a PROVENANCE.csv per value")
    decisions.append(
        "metrics: declare a methodology break (with its reason) for each metric whose method changed"
    )
    return Draft(manifest, decisions)


def _formats(spec: dict) -> list[dict]:
    if spec.get("shape") == "wide":
        return [spec["value"]]
    if spec.get("shape") == "long":
        return list(spec["long"]["metrics"].values())
    return spec.get("values", [])
