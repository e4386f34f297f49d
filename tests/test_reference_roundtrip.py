"""Every reference figure reaches the marts unchanged, and nothing else does (issue 2, acceptance 2)."""

from __future__ import annotations

import csv

import pytest

from tests.helpers import REFERENCE

# An oracle written from the reference README and ISO 3166, independent of the seeds under test.
ISO3 = {
    "Israel": "ISR", "Singapore": "SGP", "South Korea": "KOR", "Luxembourg": "LUX", "Finland": "FIN",
    "Ireland": "IRL", "Switzerland": "CHE", "Estonia": "EST", "Germany": "DEU", "Netherlands": "NLD",
    "Lithuania": "LTU", "Canada": "CAN", "India": "IND", "Poland": "POL", "Cyprus": "CYP",
    "United States": "USA", "China": "CHN", "Japan": "JPN", "Sweden": "SWE", "United Kingdom": "GBR",
    "Denmark": "DNK", "France": "FRA", "Australia": "AUS", "Greece": "GRC", "United Arab Emirates": "ARE",
    "Mexico": "MEX", "South Africa": "ZAF", "Saudi Arabia": "SAU", "Hong Kong": "HKG", "Spain": "ESP",
    "Austria": "AUT", "Brazil": "BRA", "Italy": "ITA", "Belgium": "BEL",
}  # fmt: skip
AGGREGATES = {
    "World": "WLD", "East Asia and Pacific": "EAP", "North America": "NAC", "Europe and Central Asia": "ECA",
    "South Asia": "SAS", "Latin America and the Caribbean": "LAC", "Middle East and North Africa": "MNA",
    "Sub-Saharan Africa": "SSA", "European Union and United Kingdom": "EU_UK",
}  # fmt: skip


def expected_geo_code(row: dict) -> str:
    geo = row["geo"]
    if geo in ISO3:
        return ISO3[geo]
    if geo in AGGREGATES:
        return AGGREGATES[geo]
    if geo == "Rest of the world":  # two different aggregates in 2025: Fig 1.2.2 by region vs select areas
        return "ROW_WB_REGIONS" if row["figure_id"] == "Fig 1.2.2" else "ROW_SELECT_AREAS"
    if geo == "Europe":  # investment's Europe is the EU+UK line; the patent charts' Europe is its own area
        return "EUROPE" if row["metric"].startswith("granted_ai_patents") else "EU_UK"
    raise AssertionError(f"no oracle for {geo!r}")


def reference_rows() -> list[dict]:
    with REFERENCE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def mart_rows(built) -> dict[tuple, tuple]:
    rows = built.query(
        "select metric, edition, data_year, geo_code, geo_kind, value, unit, reliability, figure_id, source_file "
        "from marts.fct_indicator_values"
    )
    return {(r[0], r[1], r[2], r[3]): r[4:] for r in rows}


def test_every_reference_row_is_in_the_mart_with_its_value_place_and_grade(mart_rows):
    missing, wrong = [], []
    for row in reference_rows():
        key = (row["metric"], int(row["edition"]), int(row["data_year"]), expected_geo_code(row))
        if key not in mart_rows:
            missing.append(key)
            continue
        geo_kind, value, unit, reliability, figure_id, source_file = mart_rows[key]
        expected_figure = row["figure_id"].removeprefix("Fig ") or None
        if (geo_kind, value, unit, reliability, figure_id) != (
            row["geo_kind"], float(row["value"]), row["unit"], row["reliability"], expected_figure
        ):  # fmt: skip
            wrong.append((key, mart_rows[key], row))
        if expected_figure is None:
            assert "/unnumbered_" in source_file, (key, source_file)
    assert not missing, f"reference rows missing from marts.fct_indicator_values: {missing}"
    assert not wrong, f"reference rows changed on the way: {wrong[:5]}"


def test_the_mart_holds_no_value_absent_from_the_reference(mart_rows):
    reference_keys = {
        (r["metric"], int(r["edition"]), int(r["data_year"]), expected_geo_code(r)) for r in reference_rows()
    }
    assert len(reference_keys) == len(reference_rows()) == 289
    extra = set(mart_rows) - reference_keys
    assert not extra, f"values in the mart that the reference does not have: {sorted(extra)[:10]}"


def test_provenance_names_the_reference_sources(built):
    # Israel's 2024-edition talent concentration: grade B, TW first, a press source for the extra digit.
    (source, reliability, note), = built.query(
        "select provenance_source, reliability, provenance_note from marts.fct_indicator_values "
        "where metric = 'ai_talent_concentration_pct' and edition = 2024 and geo_code = 'ISR'"
    )  # fmt: skip
    assert reliability == "B"
    assert source.startswith("tingwei161803/ai-index-report:2024/data/economy.js")
    assert "rounds it to 1.1" in note


def test_real_figures_are_never_marked_synthetic(built):
    assert built.query("select count(*) from marts.fct_indicator_values where is_synthetic") == [(0,)]
