"""The loader reads each edition's quirks as its manifest declares them, exactly."""

from __future__ import annotations

import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from orchestration.authoring.release_writer import format_value
from orchestration.errors import BundleError
from orchestration.releases.bundle import open_bundle
from orchestration.releases.loader import load_edition
from orchestration.releases.manifest import ValueColumn
from tests.helpers import RELEASES


def _value(edition: int, metric: str, geo_written: str, year: int | None = None) -> tuple[str, float]:
    frame = load_edition(open_bundle(RELEASES / str(edition))).frame
    rows = frame[(frame.metric == metric) & (frame.place_as_written == geo_written)]
    if year is not None:
        rows = rows[rows.data_year == year]
    (row,) = rows.itertuples()
    return row.value_as_written, row.value


@pytest.mark.parametrize(
    ("edition", "metric", "place", "year", "written", "value"),
    [
        (
            2026,
            "granted_ai_patents_share_of_world_pct",
            "China",
            None,
            "0.7424",
            74.24,
        ),  # decimal 0-1, scale 100
        (2026, "granted_ai_patents_count", "China", 2024, "97.99", 97990.0),  # in thousands, scale 1000
        (2025, "granted_ai_patents_count", "World", 2023, "122,511", 122511.0),  # thousands separator
        (2025, "granted_ai_patents_share_of_world_pct", "China", None, "69.70%", 69.7),  # "NN%" strings
        (2024, "ai_talent_concentration_pct", "Israel", None, "0.0113", 1.13),  # fraction
        (2023, "private_investment_usd_bn", "CN", None, "13.41", 13.41),  # 2023's "CN"
        (2025, "granted_ai_patents_per_100k", "Korea, Rep", None, "17.27", 17.27),
    ],
)
def test_values_are_read_exactly_in_each_editions_format(edition, metric, place, year, written, value):
    assert _value(edition, metric, place, year) == (written, value)


def test_a_blank_cell_of_a_multi_series_file_is_not_a_value():
    frame = load_edition(open_bundle(RELEASES / "2025")).frame
    changes = frame[frame.metric == "granted_ai_patents_count_pct_change_yoy"]
    assert changes[["data_year", "value"]].values.tolist() == [[2023, 29.6]]


def test_lineage_columns_name_file_row_and_sha(tmp_path):
    loaded = load_edition(open_bundle(RELEASES / "2025"))
    row = loaded.frame[(loaded.frame.place_as_written == "Korea, Rep")].iloc[0]
    assert row.source_file == "1. Research and Development/Data/fig_1.2.4.csv"
    assert row.row_number == 1 and row.place_column == "Geographic Area"
    sha = {f.path: f.sha256 for f in loaded.files}[row.source_file]
    assert row.file_sha256 == sha and len(sha) == 64


def test_the_official_zip_loads_like_the_folder(tmp_path):
    edition_dir = tmp_path / "2026"
    shutil.copytree(RELEASES / "2026", edition_dir)
    folder = edition_dir / "PUBLIC DATA_ 2026 AI INDEX REPORT"
    from_folder = load_edition(open_bundle(edition_dir))
    with zipfile.ZipFile(f"{folder}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*.csv")):
            archive.write(path, path.relative_to(edition_dir))  # official layout: the folder inside the zip
    shutil.rmtree(folder)
    bundle = open_bundle(edition_dir)
    assert bundle.is_zip
    from_zip = load_edition(bundle)
    pd.testing.assert_frame_equal(from_folder.frame, from_zip.frame)
    assert from_zip.fingerprint == from_folder.fingerprint


def test_a_zip_member_escaping_the_bundle_is_refused(tmp_path):
    edition_dir = tmp_path / "2026"
    shutil.copytree(RELEASES / "2026", edition_dir)
    folder = edition_dir / "PUBLIC DATA_ 2026 AI INDEX REPORT"
    shutil.rmtree(folder)
    with zipfile.ZipFile(f"{folder}.zip", "w") as archive:
        archive.writestr("../../evil.csv", "x")
    with pytest.raises(BundleError, match=r"contains '\.\.'"):
        open_bundle(edition_dir)


def test_a_manifest_error_names_the_manifest_and_the_key(tmp_path):
    edition_dir = tmp_path / "2025"
    shutil.copytree(RELEASES / "2025", edition_dir)
    manifest = edition_dir / "manifest.yml"
    manifest.write_text(
        manifest.read_text().replace(
            "metric: private_investment_usd_bn,", "metric: private_investment_usd_mn,", 1
        )
    )
    with pytest.raises(BundleError) as error:
        open_bundle(edition_dir)
    assert str(manifest) in str(error.value) and "unknown metric 'private_investment_usd_mn'" in str(
        error.value
    )


def test_a_manifest_for_another_edition_is_refused(tmp_path):
    edition_dir = tmp_path / "2027"
    shutil.copytree(RELEASES / "2026", edition_dir)
    with pytest.raises(BundleError, match="does not match its directory name"):
        open_bundle(edition_dir)


@pytest.mark.parametrize(
    ("value", "spec", "written"),
    [
        ("74.24", {"scale": 100}, "0.7424"),
        ("97990", {"scale": 1000}, "97.99"),
        ("122511", {"thousands_separator": ","}, "122,511"),
        ("-0.30", {}, "-0.30"),
        ("82.40", {"percent_sign": True}, "82.40%"),
    ],
)
def test_the_writer_inverts_the_loader_formats(value, spec, written):
    column = ValueColumn(metric="granted_ai_patents_count", column="x", unit="count", **spec)
    assert format_value(value, column) == written
    assert column.scale * Decimal(written.rstrip("%").replace(",", "")) == Decimal(value)


def test_every_file_of_the_shipped_editions_is_listed_in_its_manifest():
    for edition_dir in sorted(p for p in RELEASES.iterdir() if p.is_dir()):
        bundle = open_bundle(edition_dir)
        listed = {spec.path for spec in bundle.manifest.files}
        on_disk = {str(p.relative_to(bundle.container)) for p in Path(bundle.container).rglob("*.csv")}
        assert on_disk == listed, edition_dir
