"""Ranks and is_latest_edition follow their definitions on real rows (issue 2, acceptance 3)."""

from __future__ import annotations

import csv
from collections import defaultdict

from tests.helpers import REFERENCE
from tests.test_reference_roundtrip import ISO3


def _rank_by_value(rows: list[tuple[str, float]]) -> dict[str, int]:
    """RANK(): 1 + the number of strictly greater values."""
    return {geo: 1 + sum(1 for _, other in rows if other > value) for geo, value in rows}


def test_ranks_match_an_independent_rank_of_the_reference_countries(built):
    groups: dict[tuple, list[tuple[str, float]]] = defaultdict(list)
    with REFERENCE.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["geo_kind"] == "country":
                groups[(r["metric"], int(r["edition"]), int(r["data_year"]))].append(
                    (r["geo"], float(r["value"]))
                )
    mart = {
        (m, e, y, code): rank
        for m, e, y, code, rank in built.query(
            "select metric, edition, data_year, geo_code, rank_in_year from marts.fct_indicator_values "
            "where geo_kind = 'country'"
        )
    }
    expected = {
        (metric, edition, year, ISO3[geo]): rank
        for (metric, edition, year), rows in groups.items()
        for geo, rank in _rank_by_value(rows).items()
    }
    assert mart == expected
    assert len(expected) > 200


def test_ties_share_a_rank_as_the_report_says(built):
    # 2024 edition, 2023 investment: India and South Korea tie at US$1.39 bn ("9th/10th" in the report;
    # one place higher here, as France 2023 is missing from the transcription), Singapore follows.
    ranks = dict(
        built.query(
            "select geo_code, rank_in_year from marts.fct_indicator_values where metric = 'private_investment_usd_bn' "
            "and edition = 2024 and data_year = 2023 and geo_code in ('IND', 'KOR', 'SGP')"
        )
    )
    assert ranks["IND"] == ranks["KOR"] == 8
    assert ranks["SGP"] == ranks["IND"] + 2  # the next rank skips the tie: RANK(), not DENSE_RANK()


def test_aggregates_are_never_ranked(built):
    assert built.query(
        "select count(*) from marts.fct_indicator_values where geo_kind <> 'country' and rank_in_year is not null"
    ) == [(0,)]
    # ... and do not take a country's place: the US is first in 2025 investment although World is larger.
    assert built.query(
        "select rank_in_year from marts.fct_indicator_values where metric = 'private_investment_usd_bn' "
        "and edition = 2025 and data_year = 2024 and geo_code = 'USA'"
    ) == [(1,)]


def test_a_value_reported_by_two_editions_has_exactly_one_latest_row(built):
    # World private investment for 2023: 96.0 in the 2024 edition, restated to 104.3 in the 2025 edition.
    rows = built.query(
        "select edition, value, is_latest_edition from marts.fct_indicator_values "
        "where metric = 'private_investment_usd_bn' and geo_code = 'WLD' and data_year = 2023 order by edition"
    )
    assert rows == [(2024, 96.0, False), (2025, 104.3, True)]
    # South Korea's 2023 net migration is in the 2024 and the 2025 editions.
    assert built.query(
        "select edition from marts.fct_indicator_values where metric = 'net_ai_talent_migration_per_10k' "
        "and geo_code = 'KOR' and data_year = 2023 and is_latest_edition"
    ) == [(2025,)]
    # Every value has one latest row, but those only an edition of an older method reports (the 2024
    # edition's patents before the switch to EPO PATSTAT, its talent concentration before LinkedIn's new
    # definition): they have none, so that no latest series splices two methods.
    assert built.query(
        "select count(*) from (select metric, data_year, geo_code from marts.fct_indicator_values "
        "group by all having count(*) filter (where is_latest_edition) <> 1 and bool_or(is_current_method))"
    ) == [(0,)]
    assert built.query(
        "select distinct metric, edition from marts.fct_indicator_values where not is_current_method order by all"
    ) == [
        ("ai_talent_concentration_pct", 2024), ("granted_ai_patents_count", 2024),
        ("granted_ai_patents_count_pct_change_yoy", 2024), ("granted_ai_patents_per_100k", 2024),
        ("granted_ai_patents_share_of_world_pct", 2024),
    ]  # fmt: skip
    assert built.query(
        "select count(*) from marts.fct_indicator_values where is_latest_edition and not is_current_method"
    ) == [(0,)]


def test_subject_marts_pivot_each_metric_with_its_rank(built):
    (row,) = built.query(
        "select private_investment_usd_bn, private_investment_usd_bn_rank, private_investment_cumulative_since_2013_usd_bn, "
        "is_latest_edition from marts.fct_private_investment where edition = 2025 and data_year = 2024 and geo_code = 'USA'"
    )
    assert row == (109.08, 1, 470.9, True)
    (korea,) = built.query(
        "select net_ai_talent_migration_per_10k, ai_talent_concentration_pct, relative_ai_skill_penetration "
        "from marts.fct_talent_migration where edition = 2024 and data_year = 2023 and geo_code = 'KOR'"
    )
    assert korea == (-0.3, 0.79, 1.35)


def test_country_profile_reports_the_latest_value_and_how_many_editions_report_it(built):
    (row,) = built.query(
        "select latest_edition, value, editions_reporting, previous_year_value, change_vs_previous_year "
        "from marts.mart_country_profile where geo_code = 'KOR' and metric = 'net_ai_talent_migration_per_10k' "
        "and data_year = 2023"
    )
    latest_edition, value, editions, previous, change = row
    assert (latest_edition, value, editions, previous) == (2025, -0.3, 2, -0.04)
    assert abs(change - (-0.26)) < 1e-9


def test_a_rank_says_how_many_places_it_is_among_and_that_a_transcription_is_a_partial_list(built):
    """Issue 14: ranked_count is the number of countries the edition reports for the metric and year
    (counted here from the reference table, independently of SQL); no shipped manifest declares a
    figure complete, so every rank is `partial`, and its label says so."""
    counts: dict[tuple, int] = defaultdict(int)
    with REFERENCE.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["geo_kind"] == "country":
                counts[(r["metric"], int(r["edition"]), int(r["data_year"]))] += 1
    rows = built.query(
        "select metric, edition, data_year, ranked_count, rank_coverage, rank_label, rank_in_year, is_rank_tied "
        "from marts.fct_indicator_values where geo_kind = 'country'"
    )
    assert {(m, e, y): n for m, e, y, n, *_ in rows} == counts
    assert {coverage for *_, coverage, _, _, _ in rows} == {"partial"}
    for *_, n, _, label, rank, tied in rows:
        assert label == f"rank {rank}{' (tied)' if tied else ''} of {n} reported, partial list"
    assert built.query(
        "select count(*) from marts.fct_indicator_values where geo_kind <> 'country' "
        "and (ranked_count is not null or rank_coverage is not null or rank_label is not null)"
    ) == [(0,)]
    # The acceptance cases: one country reported, and a tie among eleven.
    assert built.query(
        "select rank_in_year, ranked_count, rank_coverage from marts.fct_indicator_values "
        "where metric = 'net_ai_talent_migration_per_10k' and edition = 2025 and data_year = 2022 and geo_code = 'KOR'"
    ) == [(1, 1, "partial")]
    assert built.query(
        "select rank_in_year, ranked_count, is_rank_tied, rank_coverage from marts.fct_indicator_values "
        "where metric = 'private_investment_usd_bn' and edition = 2024 and data_year = 2023 and geo_code = 'KOR'"
    ) == [(8, 11, True, "partial")]


def test_the_subject_and_profile_marts_carry_the_rank_with_its_count_and_coverage(built):
    assert built.query(
        "select private_investment_usd_bn_rank, private_investment_usd_bn_ranked_count, "
        "private_investment_usd_bn_rank_coverage from marts.fct_private_investment "
        "where edition = 2024 and data_year = 2023 and geo_code = 'KOR'"
    ) == [(8, 11, "partial")]
    assert built.query(
        "select rank_label from marts.mart_country_profile "
        "where geo_code = 'KOR' and metric = 'private_investment_usd_bn' and data_year = 2023"
    ) == [("rank 8 (tied) of 11 reported, partial list",)]
