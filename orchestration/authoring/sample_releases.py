"""Lay out the reference table as sample edition bundles (`python -m orchestration.authoring.sample_releases`).

Every value in `data/reference/ai_index_published_figures.csv` goes into exactly one figure file of its
edition, as the hand-written manifest of that edition describes the file; nothing else is written.
A reference row goes to the manifest file with the same metric and figure number; the few places where
that is ambiguous are transcription decisions recorded below. The bundles are committed; this module
reproduces them, and a test checks that the committed files are what it writes.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from orchestration.authoring.release_writer import FileRows, write_csv
from orchestration.releases.manifest import FileSpec, Manifest, ValueColumn, read_manifest
from orchestration.settings import REFERENCE_CSV, SHIPPED_RELEASES_DIR

# The 2024 edition publishes patent shares as two charts (by World Bank region; by select areas) and the
# reference gives no figure number for either: the region rows go to the by-region file.
ROUTES = {
    (
        2024,
        "granted_ai_patents_share_of_world_pct",
        geo,
    ): "unnumbered_granted_ai_patents_share_of_world_pct_by_region.csv"
    for geo in ("East Asia and Pacific", "North America", "Europe and Central Asia")
} | {
    (
        2024,
        "granted_ai_patents_share_of_world_pct",
        geo,
    ): "unnumbered_granted_ai_patents_share_of_world_pct_select_areas.csv"
    for geo in ("China", "United States", "Rest of the world", "European Union and United Kingdom", "India")
}

# Spellings the editions print (reference README, "Country-name variants" and notes): kept so the loader
# and the geography seed meet them as they are published.
SPELLINGS = {
    (2023, "China"): "CN",
    (2024, "Rest of the world"): "Rest of world",  # the note: source label 'Rest of world'
    (2025, "South Korea"): "Korea, Rep",
}

# 2023 files put the place column first ("Label", "Year", value), as that edition's files do.
COLUMN_ORDER = {2023: ["Label", "Geographic Area", "Year"]}


@dataclass(frozen=True)
class ReferenceRow:
    line: int
    edition: int
    data_year: int
    metric: str
    geo: str
    geo_kind: str
    value: str
    unit: str
    figure_id: str | None
    reliability: str
    source: str
    note: str


def read_reference(path: Path = REFERENCE_CSV) -> list[ReferenceRow]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            ReferenceRow(
                line=n, edition=int(r["edition"]), data_year=int(r["data_year"]), metric=r["metric"], geo=r["geo"],
                geo_kind=r["geo_kind"], value=r["value"], unit=r["unit"],
                figure_id=r["figure_id"].removeprefix("Fig ").strip() or None,
                reliability=r["reliability"], source=r["source"], note=r["note"],
            )
            for n, r in enumerate(csv.DictReader(f), start=2)
        ]  # fmt: skip


def _route(manifest: Manifest, row: ReferenceRow) -> tuple[FileSpec, ValueColumn]:
    candidates = [
        (spec, value)
        for spec in manifest.files
        for value in spec.values
        if value.metric == row.metric
        and spec.figure_id == row.figure_id
        and (spec.year.value is None or int(spec.year.value) == row.data_year)
        and (spec.place.value is None or spec.place.value == row.geo)
    ]
    if len(candidates) > 1:
        wanted = ROUTES.get((row.edition, row.metric, row.geo))
        candidates = [c for c in candidates if c[0].path.endswith(f"/{wanted}")]
    if len(candidates) != 1:
        raise ValueError(
            f"reference line {row.line} ({row.edition} {row.metric} {row.geo} {row.data_year}): "
            f"{len(candidates)} manifest files fit; add a route"
        )
    return candidates[0]


def _readme(manifest: Manifest, counts: dict[str, int]) -> str:
    lines = [
        f"# {manifest.title}",
        "",
        "This bundle is a **partial transcription** of figures published in the Stanford HAI AI Index "
        f"{manifest.edition} report, laid out like the official public data (`{manifest.bundle}/<N>. <Chapter>/Data/`). "
        "It is **not** the official files: it holds only the values of `data/reference/ai_index_published_figures.csv` "
        "for this edition, each with its source and reliability grade in `PROVENANCE.csv`.",
        "",
        "Files named `unnumbered_<metric>.csv` hold values whose figure number no source gives.",
        "",
        "| file | values |",
        "|---|---|",
        *[f"| `{path}` | {n} |" for path, n in counts.items()],
        "",
        "Regenerate with `python -m orchestration.authoring.sample_releases`.",
        "",
    ]
    return "\n".join(lines)


def write_sample_release(edition_dir: Path, rows: list[ReferenceRow]) -> int:
    manifest = read_manifest(edition_dir)
    files: dict[str, FileRows] = {spec.path: FileRows(spec) for spec in manifest.files}
    provenance = []
    for row in rows:
        spec, value = _route(manifest, row)
        place = (
            spec.place.value
            if spec.place.value is not None
            else SPELLINGS.get((row.edition, row.geo), row.geo)
        )
        number = files[spec.path].add(str(place), row.data_year, value.metric, row.value)
        provenance.append([spec.path, number, value.metric, row.reliability, row.source, row.note, row.line])
    bundle_dir = edition_dir / manifest.bundle
    if bundle_dir.exists():
        shutil.rmtree(bundle_dir)
    counts: dict[str, int] = defaultdict(int)
    for path, file_rows in files.items():
        if not file_rows.rows:
            raise ValueError(
                f"{edition_dir / manifest.bundle / path}: the manifest lists it but no reference row fits"
            )
        header = file_rows.header(COLUMN_ORDER.get(manifest.edition))
        write_csv(bundle_dir / path, header, file_rows.records(header), file_rows.spec.encoding)
        counts[path] = sum(len(cells) for cells in file_rows.rows.values())
    provenance.sort(key=lambda p: (p[0], p[1], p[2]))
    write_csv(
        edition_dir / "PROVENANCE.csv",
        ["file", "row", "metric", "reliability", "source", "note", "reference_line"],
        ([str(c) for c in p] for p in provenance),
    )
    (edition_dir / "README.md").write_text(_readme(manifest, dict(counts)), encoding="utf-8")
    return len(provenance)


def main() -> None:
    rows_by_edition: dict[int, list[ReferenceRow]] = defaultdict(list)
    for row in read_reference():
        rows_by_edition[row.edition].append(row)
    for edition, rows in sorted(rows_by_edition.items()):
        written = write_sample_release(SHIPPED_RELEASES_DIR / str(edition), rows)
        print(f"edition {edition}: {written} values")


if __name__ == "__main__":
    main()
