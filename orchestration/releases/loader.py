"""Parse an edition bundle into long rows with per-row lineage.

Load / Process: every file the manifest lists is decoded and each cell parsed with the number format
the manifest declares. A file that cannot be read as a table (missing, undecodable, empty, ragged) is
an error naming the file and row; all such errors of an edition are reported together.

Everything about the *content* is judged by the release checks in `expectations/` (Great
Expectations), on the frames returned here: a cell that is not a number keeps its text in
`value_as_written` with a NaN `value`, a header that differs from the manifest shows in the column
inventory. So every problem is reported by one gate, with file, row and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from orchestration.errors import BundleError, EditionRejected
from orchestration.reference.geography import gazetteer, normalise_label
from orchestration.releases.bundle import Bundle, sha256_bytes
from orchestration.releases.manifest import FileSpec, ValueColumn
from orchestration.releases.schema import COLUMN_INVENTORY, RAW_COLUMNS

MAX_ERRORS_PER_FILE = 25


# ASCII digits only: `\d` would also accept Arabic-Indic or full-width digits, which no number parser
# downstream reads the same way (found by the property test).
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_YEAR = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class LoadedFile:
    path: str
    sha256: str
    figure_id: str | None
    metrics: tuple[str, ...]
    rows: int
    bytes: int


@dataclass(frozen=True)
class LoadedEdition:
    edition: int
    fingerprint: str
    frame: pd.DataFrame  # RAW_COLUMNS
    columns: pd.DataFrame  # COLUMN_INVENTORY
    files: tuple[LoadedFile, ...]


def _decode(data: bytes, encoding: str, where: str) -> str:
    if not data.strip():
        raise BundleError(where, message="file is empty")
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8") and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise BundleError(where, message="file is UTF-16 (byte-order mark) but the manifest declares utf-8")
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BundleError(where, row=line - 1, message=f"not valid {encoding} at byte {exc.start}") from exc
    except LookupError as exc:
        raise BundleError(where, message=f"unknown encoding {encoding!r} in the manifest") from exc


def _read_table(text: str, where: str) -> tuple[list[str], list[list[str]]]:
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise BundleError(where, message=f"malformed CSV: {exc}") from exc
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise BundleError(where, message="file is empty")
    header = [h.strip() for h in records[0]]
    if len(records) == 1:
        raise BundleError(where, message="header only: the file has no data rows")
    return header, records[1:]


def _column_inventory(spec: FileSpec, header: list[str]) -> list[tuple[str, str]]:
    """(column, status): used | ignored (declared, no metric) | undeclared (renamed or new) | missing."""
    wanted = [c for c in (spec.place.column, spec.year.column) if c is not None] + [
        v.column for v in spec.values
    ]
    inventory = [
        (c, "used" if c in wanted else "ignored" if c in spec.ignored_columns else "undeclared")
        for c in header
    ]
    inventory += [(c, "missing") for c in wanted if c not in header]
    return inventory


def _parse_values(cells: pd.Series, spec: ValueColumn) -> tuple[pd.Series, pd.Series]:
    """(value in the metric's unit, NaN where the cell is not a number; mask of blanks to skip)."""
    text = cells.str.strip()
    blank = text == ""
    if spec.percent_sign:
        text = text.str.removesuffix("%").str.rstrip()
    if spec.thousands_separator:
        sep = re.escape(spec.thousands_separator)
        grouped = text.str.fullmatch(rf"[+-]?[0-9]{{1,3}}(?:{sep}[0-9]{{3}})+(?:\.[0-9]+)?")
        text = text.where(~grouped, text.str.replace(spec.thousands_separator, "", regex=False))
    text = text.str.replace("\u2212", "-", regex=False)  # typographic minus, as some charts export it
    # Anything else (NaN, inf, "12%" undeclared, "1,234" undeclared, words) is not a number.
    ok = text.str.fullmatch(_PLAIN_NUMBER.pattern)
    values = pd.Series(float("nan"), index=text.index, dtype="float64")
    if spec.scale == 1:
        values[ok] = pd.to_numeric(text[ok])
    else:
        # Decimal arithmetic: 0.7424 x 100 is exactly 74.24, 97.99 x 1000 exactly 97990.
        values[ok] = [float(Decimal(v) * spec.scale) for v in text[ok]]
    skip = blank if spec.blank == "skip" else pd.Series(False, index=text.index)
    return values, skip


def _parse_file(
    bundle: Bundle, spec: FileSpec, provenance: dict | None
) -> tuple[pd.DataFrame, list[tuple[str, str]], LoadedFile]:
    where = bundle.describe(spec.path)
    data = bundle.read(spec.path)
    header, body = _read_table(_decode(data, spec.encoding, where), where)
    width = len(header)
    ragged = [n for n, record in enumerate(body, start=1) if len(record) != width]
    if ragged:
        raise EditionRejected(
            bundle.edition,
            [str(BundleError(where, row=n, message=f"{len(body[n - 1])} fields where the header has {width}"))
             for n in ragged[:MAX_ERRORS_PER_FILE]],
        )  # fmt: skip
    inventory = _column_inventory(spec, header)
    sha = sha256_bytes(data)
    record = LoadedFile(spec.path, sha, spec.figure_id, tuple(spec.metrics), len(body), len(data))
    if any(status == "missing" for _, status in inventory):
        return pd.DataFrame(columns=RAW_COLUMNS), inventory, record  # the column check reports it

    table = pd.DataFrame(body, columns=header, dtype="str")
    table.index = pd.RangeIndex(1, len(table) + 1)  # data row numbers
    if spec.place.column is not None:
        places = table[spec.place.column].str.strip()
    else:
        places = pd.Series(str(spec.place.value), index=table.index)
    if spec.year.column is not None:
        years_text = table[spec.year.column].str.strip()
    else:
        years_text = pd.Series(str(spec.year.value), index=table.index)

    parts = []
    for value_spec in spec.values:
        values, skip = _parse_values(table[value_spec.column], value_spec)
        keep = ~skip
        parts.append(
            pd.DataFrame(
                {
                    "metric": value_spec.metric,
                    "row_number": table.index[keep],
                    "place_as_written": places[keep].values,
                    "year_as_written": years_text[keep].values,
                    "value_column": value_spec.column,
                    "value_as_written": table.loc[keep, value_spec.column].values,
                    "value": values[keep].values,
                    "unit": value_spec.unit,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["edition"] = bundle.edition
    frame["figure_id"] = spec.figure_id
    frame["source_file"] = spec.path
    frame["file_sha256"] = sha
    frame["geo_grouping"] = spec.geo_grouping
    frame["place_column"] = spec.place.column
    frame["year_column"] = spec.year.column
    frame["place_as_written"] = frame["place_as_written"].mask(frame["place_as_written"] == "")
    frame["place_key"] = frame["place_as_written"].map(normalise_label, na_action="ignore")
    # Geocoded here, once, for the checks and the marts alike (None: unknown; `known_place` names it).
    places = gazetteer()
    codes = {
        key: getattr(places.resolve(spec.geo_grouping, key), "geo_code", None)
        for key in frame["place_key"].dropna().unique()
    }
    frame["geo_code"] = frame["place_key"].map(codes)
    # A cell that is not a four-digit year stays NaN here; the release checks name it.
    frame["data_year"] = pd.to_numeric(
        frame["year_as_written"].where(frame["year_as_written"].str.fullmatch(_YEAR.pattern)), errors="coerce"
    ).astype("Int64")
    _attach_provenance(frame, provenance, bundle)
    return frame, inventory, record


def _read_provenance(bundle: Bundle) -> dict | None:
    data = bundle.provenance_bytes()
    if data is None:
        return None
    where = str(bundle.edition_dir / str(bundle.manifest.provenance))
    header, body = _read_table(_decode(data, "utf-8", where), where)
    required = ["file", "row", "metric", "reliability", "source", "note"]
    missing = [c for c in required if c not in header]
    if missing:
        raise BundleError(where, row=0, column=missing[0], message=f"missing provenance columns {missing}")
    index = {c: header.index(c) for c in required}
    found: dict[tuple[str, int, str], tuple[str, str, str]] = {}
    for n, record in enumerate(body, start=1):
        if len(record) != len(header):
            raise BundleError(
                where, row=n, message=f"{len(record)} fields where the header has {len(header)}"
            )
        cell = {c: record[i].strip() for c, i in index.items()}
        if not cell["row"].isdigit():
            raise BundleError(where, row=n, column="row", message=f"not a row number: {cell['row']!r}")
        if cell["reliability"] not in ("A", "B", "C", "D"):
            raise BundleError(
                where, row=n, column="reliability", message=f"grade must be A-D: {cell['reliability']!r}"
            )
        found[(cell["file"], int(cell["row"]), cell["metric"])] = (
            cell["reliability"],
            cell["source"],
            cell["note"],
        )
    return found


def _attach_provenance(frame: pd.DataFrame, provenance: dict | None, bundle: Bundle) -> None:
    """Grade and sources per value; a value without provenance keeps NULLs and fails `value_has_provenance`."""
    if provenance is None:
        frame["reliability"] = bundle.manifest.default_reliability
        frame["provenance_source"] = None
        frame["provenance_note"] = None
        return
    found = [
        provenance.get(key, (None, None, None))
        for key in zip(frame["source_file"], frame["row_number"], frame["metric"], strict=True)
    ]
    frame["reliability"] = [f[0] for f in found]
    frame["provenance_source"] = [f[1] for f in found]
    frame["provenance_note"] = [f[2] or None for f in found]


def load_edition(bundle: Bundle) -> LoadedEdition:
    """Parse every file of the edition; raise EditionRejected listing every unreadable file."""
    problems: list[str] = []
    frames, inventories, files = [], [], []
    try:
        provenance = _read_provenance(bundle)
    except BundleError as exc:
        raise EditionRejected(bundle.edition, [str(exc)]) from exc
    for spec in bundle.manifest.files:
        try:
            frame, inventory, record = _parse_file(bundle, spec, provenance)
        except BundleError as exc:
            problems.append(str(exc))
            continue
        except EditionRejected as exc:
            problems += exc.problems
            continue
        frames.append(frame)
        inventories += [(bundle.edition, spec.path, column, status) for column, status in inventory]
        files.append(record)
    if problems:
        raise EditionRejected(bundle.edition, problems)
    parsed = [f for f in frames if len(f)]
    frame = (pd.concat(parsed, ignore_index=True) if parsed else pd.DataFrame()).reindex(columns=RAW_COLUMNS)
    columns = pd.DataFrame(inventories, columns=COLUMN_INVENTORY)
    return LoadedEdition(bundle.edition, bundle.fingerprint(), frame, columns, tuple(files))
