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

import re
from dataclasses import dataclass, field
from fnmatch import fnmatch

import pandas as pd

from orchestration.errors import BundleError, EditionRejected
from orchestration.reference.geography import gazetteer, normalise_label
from orchestration.releases.boundary import LIMITS, check_table_size, first_control_cell, has_control
from orchestration.releases.bundle import Bundle, sha256_bytes
from orchestration.releases.cells import parse_cells
from orchestration.releases.manifest import FileSpec, Manifest, ValueFormat
from orchestration.releases.schema import COLUMN_INVENTORY, RAW_COLUMNS
from orchestration.releases.table import RaggedTable, Table, read_table

_YEAR = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class LoadedFile:
    """What the load did with one file: the load report's line for it."""

    path: str
    sha256: str
    figure_id: str | None
    metrics: tuple[str, ...]
    rows: int
    bytes: int
    values: int = 0  # values read (a number or not: the checks judge them)
    not_reported: int = 0  # cells that say "not reported" (missing markers, declared blanks)
    skipped_lines: tuple[int, ...] = ()  # title and source lines above the header
    footer_lines: tuple[int, ...] = ()  # footnotes under the data


@dataclass(frozen=True)
class LoadedEdition:
    edition: int
    fingerprint: str
    frame: pd.DataFrame  # RAW_COLUMNS
    columns: pd.DataFrame  # COLUMN_INVENTORY
    files: tuple[LoadedFile, ...]
    # Files of the bundle the manifest does not list: (path, "unlisted") or (path, "ignored: <reason>").
    other_files: tuple[tuple[str, str], ...] = field(default=())


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


def _declared_columns(spec: FileSpec, header: list[str]) -> list[str]:
    """The columns the manifest declares for the file (for a wide file, the year columns it finds)."""
    columns = [c for c in (spec.place.column, spec.year.column if spec.year else None) if c is not None]
    if spec.shape == "tidy":
        columns += [v.column for v in spec.values]
    elif spec.shape == "long":
        columns += [spec.long.metric_column, spec.long.value_column]  # type: ignore[union-attr]
    else:
        columns += spec.years.select(header)  # type: ignore[union-attr]
    return columns


def _column_inventory(spec: FileSpec, header: list[str]) -> list[tuple[str, str]]:
    """(column, status): used | ignored (declared, no metric) | undeclared (renamed or new) | missing."""
    wanted = _declared_columns(spec, header)
    inventory = [
        (c, "used" if c in wanted else "ignored" if c in spec.ignored_columns else "undeclared")
        for c in header
    ]
    inventory += [(c, "missing") for c in wanted if c not in header]
    if spec.shape == "wide" and not spec.years.select(header):  # type: ignore[union-attr]
        inventory.append(("(year columns)", "missing"))
    return inventory


def _cells(table: pd.DataFrame, spec: FileSpec) -> list[tuple[ValueFormat, pd.DataFrame]]:
    """Per value format, its cells in long form: row_number, place, year as written, value column, cell."""
    index = table.index
    places = (
        table[spec.place.column].str.strip() if spec.place.column is not None
        else pd.Series(str(spec.place.value), index=index)
    )  # fmt: skip

    def years_of(rows: pd.Index) -> pd.Series:
        if spec.year.column is not None:  # type: ignore[union-attr]
            return table.loc[rows, spec.year.column].str.strip()  # type: ignore[union-attr]
        return pd.Series(str(spec.year.value), index=rows)  # type: ignore[union-attr]

    def part(rows: pd.Index, years: pd.Series, column: str, cells: pd.Series, year_column) -> pd.DataFrame:
        return pd.DataFrame({
            "row_number": rows, "place_as_written": places[rows].values, "year_as_written": years.values,
            "year_column": year_column, "value_column": column, "value_as_written": cells.values,
        })  # fmt: skip

    if spec.shape == "tidy":
        return [
            (v, part(index, years_of(index), v.column, table[v.column], spec.year.column))
            for v in spec.values
        ]  # type: ignore[union-attr]
    if spec.shape == "wide":
        columns = spec.years.select(list(table.columns))  # type: ignore[union-attr]
        frames = [part(index, pd.Series(c, index=index), c, table[c], c) for c in columns]
        return [
            (
                spec.value,
                pd.concat(frames, ignore_index=True)
                if frames
                else part(index[:0], pd.Series(dtype=str), "", pd.Series(dtype=str), None),
            )
        ]  # type: ignore[list-item]
    long = spec.long  # type: ignore[union-attr]
    labels = table[long.metric_column].str.strip()
    parts = []
    for label, fmt in long.metrics.items():
        rows = index[(labels == label).to_numpy()]
        parts.append(
            (
                fmt,
                part(
                    rows,
                    years_of(rows),
                    long.value_column,
                    table.loc[rows, long.value_column],
                    spec.year.column,
                ),
            )
        )  # type: ignore[union-attr]
    return parts


def _undeclared_labels(table: pd.DataFrame, spec: FileSpec) -> list[str]:
    """Labels of a long file's metric column that the manifest maps to no metric."""
    if spec.shape != "long":
        return []
    labels = table[spec.long.metric_column].str.strip()  # type: ignore[union-attr]
    return sorted(set(labels) - set(spec.long.metrics))  # type: ignore[union-attr]


def _parse_file(
    bundle: Bundle, spec: FileSpec, provenance: dict | None
) -> tuple[pd.DataFrame, list[tuple[str, str]], LoadedFile]:
    where = bundle.describe(spec.path)
    data = bundle.read(spec.path)
    check_table_size(data, where)  # before parsing: memory follows rows and columns, not bytes
    text = _decode(data, spec.encoding, where)
    expected = [c for c in (spec.place.column, spec.year.column if spec.year else None) if c]
    expected += [v.column for v in spec.values] if spec.shape == "tidy" else []
    expected += [spec.long.metric_column, spec.long.value_column] if spec.shape == "long" else []  # type: ignore[union-attr]
    try:
        table: Table = read_table(
            text, where, expected=expected, header_row=spec.header_row, footer=spec.footer
        )
    except RaggedTable as exc:
        raise EditionRejected(bundle.edition, exc.problems) from exc
    if has_control(text):
        _refuse_control_characters(table, where)
    inventory = _column_inventory(spec, table.header)
    sha = sha256_bytes(data)
    record = LoadedFile(
        spec.path, sha, spec.figure_id, tuple(spec.metrics), len(table.rows), len(data),
        skipped_lines=tuple(table.skipped_lines), footer_lines=tuple(table.footer_lines),
    )  # fmt: skip
    if any(status == "missing" for _, status in inventory):
        return pd.DataFrame(columns=RAW_COLUMNS), inventory, record  # the column check reports it

    frame_in = pd.DataFrame(table.rows, columns=table.header, dtype="str")
    frame_in.index = pd.RangeIndex(1, len(frame_in) + 1)  # data row numbers
    unknown = _undeclared_labels(frame_in, spec)
    if unknown:
        column = spec.long.metric_column  # type: ignore[union-attr]
        inventory += [(f"{column} = {label}", "undeclared") for label in unknown]
    parts, not_reported = [], 0
    for fmt, cells in _cells(frame_in, spec):
        values, missing = parse_cells(cells["value_as_written"], fmt)
        not_reported += int(missing.sum())
        keep = (~missing).to_numpy()
        parts.append(cells[keep].assign(metric=fmt.metric, value=values[keep].values, unit=fmt.unit))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RAW_COLUMNS)
    frame["edition"] = bundle.edition
    frame["figure_id"] = spec.figure_id
    frame["source_file"] = spec.path
    frame["file_sha256"] = sha
    frame["geo_grouping"] = spec.geo_grouping
    frame["place_column"] = spec.place.column
    frame["place_as_written"] = frame["place_as_written"].mask(frame["place_as_written"] == "")
    frame["place_key"] = frame["place_as_written"].map(normalise_label, na_action="ignore")
    # Geocoded here, once, for the checks and the marts alike (None: unknown; `known_place` names it):
    # the edition's own aliases first, then the shared seeds.
    places = gazetteer().with_aliases(bundle.manifest.aliases)
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
    record = LoadedFile(
        spec.path, sha, spec.figure_id, tuple(spec.metrics), len(table.rows), len(data), values=len(frame),
        not_reported=not_reported, skipped_lines=tuple(table.skipped_lines), footer_lines=tuple(table.footer_lines),
    )  # fmt: skip
    return frame, inventory, record


def _refuse_control_characters(table: Table, where: str) -> None:
    found = first_control_cell(table.header, table.rows)
    if found is not None:
        row, column, shown = found
        raise BundleError(
            where, row=row, column=column, line=table.lines[row - 1] if row else table.header_line,
            message=f"control characters are not accepted: {shown!r}",
        )  # fmt: skip


def _read_provenance(bundle: Bundle) -> dict | None:
    data = bundle.provenance_bytes()
    if data is None:
        return None
    where = str(bundle.edition_dir / str(bundle.manifest.provenance))
    if data.count(b"\n") > LIMITS.provenance_rows:
        raise BundleError(where, message=f"more than {LIMITS.provenance_rows:,} rows: not a provenance file")
    text = _decode(data, "utf-8", where)
    table = read_table(text, where, footer="none")
    if has_control(text):
        _refuse_control_characters(table, where)
    header, body = table.header, table.rows
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
    except RaggedTable as exc:
        raise EditionRejected(bundle.edition, exc.problems) from exc
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
    other = other_files(bundle.manifest, bundle.csv_files())
    inventories += [(bundle.edition, path, FILE_ROW, status.split(":")[0]) for path, status in other]
    columns = pd.DataFrame(inventories, columns=COLUMN_INVENTORY)
    return LoadedEdition(bundle.edition, bundle.fingerprint(), frame, columns, tuple(files), tuple(other))


# The column-inventory row that stands for a whole file the manifest does not list.
FILE_ROW = "(file)"


def other_files(manifest: Manifest, present: list[str]) -> list[tuple[str, str]]:
    """CSV files of the bundle the manifest does not list: (path, "unlisted") or (path, "ignored: why")."""
    listed = {f.path for f in manifest.files}
    found = []
    for path in sorted(set(present) - listed):
        reason = next((i.reason for i in manifest.ignored_files if fnmatch(path, i.path)), None)
        found.append((path, f"ignored: {reason}" if reason else "unlisted"))
    return found
