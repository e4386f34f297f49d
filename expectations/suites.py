"""The release-check suites, declared in one place each, from `release_checks.yml`.

Every expectation carries `meta.check` (its name in the config, which sets its severity) and
`meta.column` (the file column a failing row points at), so a failure can name file, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass

import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from expectations.config import ReleaseCheckConfig
from orchestration.releases.loader import FILE_ROW

FILE_COLUMNS = "file_columns"
EDITION_VALUES = "edition_values"
CROSS_EDITION = "cross_edition"
SUITES = (FILE_COLUMNS, EDITION_VALUES, CROSS_EDITION)

# Columns every unexpected row reports, per suite (GE `unexpected_index_column_names`).
ROW_IDENTITY = {
    FILE_COLUMNS: ["source_file", "column_name", "status"],
    EDITION_VALUES: [
        "source_file", "row_number", "metric", "place_column", "place_as_written", "year_column",
        "year_as_written", "value_column", "value_as_written",
    ],
    CROSS_EDITION: [
        "metric", "geo_code", "data_year", "edition_from", "value_from", "value_to", "source_file", "row_number",
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Check:
    suite: str
    name: str  # key in release_checks.yml `severities`
    id: str  # unique within the suite
    description: str
    expectation: gxe.Expectation


def _severity(config: ReleaseCheckConfig, suite: str, name: str) -> str:
    return "critical" if config.severity(suite, name) == "error" else "warning"


def _check(config, suite, name, description, expectation_cls, column_hint, id_suffix="", **kwargs) -> Check:
    check_id = f"{name}[{id_suffix}]" if id_suffix else name
    expectation = expectation_cls(
        **kwargs,
        severity=_severity(config, suite, name),
        description=description,
        meta={"check": name, "check_id": check_id, "column": column_hint},
    )
    return Check(suite, name, check_id, description, expectation)


def file_columns_checks(config: ReleaseCheckConfig) -> list[Check]:
    whole_file = Column("column_name") == FILE_ROW
    return [
        _check(
            config, FILE_COLUMNS, "columns_as_declared",
            "Every column the manifest declares is in the file, and the file has no undeclared column",
            gxe.ExpectColumnValuesToBeInSet, "column_name", column="status", value_set=["used", "ignored"],
            row_condition=Column("column_name") != FILE_ROW,
        ),
        _check(
            config, FILE_COLUMNS, "files_listed",
            "Every CSV file of the bundle is listed in the manifest, or declared in ignored_files with a reason",
            gxe.ExpectColumnValuesToBeInSet, "column_name", column="status", value_set=["ignored"],
            row_condition=whole_file,
        ),
    ]  # fmt: skip


def edition_values_checks(config: ReleaseCheckConfig, edition: int) -> list[Check]:
    s = EDITION_VALUES
    checks = [
        _check(config, s, "keys_not_null", "Every value has a place (metric and year are checked below)",
               gxe.ExpectColumnValuesToNotBeNull, "place_column", column="place_as_written"),
        _check(config, s, "value_is_number",
               "Every value cell is a number in the format the manifest declares (no NaN, inf, stray % or separators)",
               gxe.ExpectColumnValuesToNotBeNull, "value_column", column="value"),
        _check(config, s, "data_year_is_year", "Every year cell is a four-digit year",
               gxe.ExpectColumnValuesToNotBeNull, "year_column", column="data_year"),
        _check(config, s, "unique_metric_year_place", "One value per (metric, data_year, place) in an edition",
               gxe.ExpectCompoundColumnsToBeUnique, "place_column",
               column_list=["metric", "data_year", "place_id"], ignore_row_if="any_value_is_missing"),
        _check(config, s, "known_place", "Every place maps to a known geography (dbt_project/seeds/geo_aliases.csv)",
               gxe.ExpectColumnValuesToNotBeNull, "place_column", column="geo_code",
               row_condition=Column("place_as_written").is_not_null()),
        _check(config, s, "aggregates_not_labelled_as_countries",
               "A file declared as a country list holds countries and the world total, never regions",
               gxe.ExpectColumnValuesToBeInSet, "place_column", column="geo_kind", value_set=["country", "world"],
               row_condition=Column("geo_grouping") == "countries"),
        _check(config, s, "shares_sum_at_most_100",
               f"Shares of one figure and year add up to at most 100 + {config.share_sum_tolerance_pct}",
               gxe.ExpectColumnValuesToBeBetween, "value_column", column="share_sum",
               max_value=100 + config.share_sum_tolerance_pct,
               row_condition=Column("metric").is_in(config.metrics_measuring("share_of_world"))),
        _check(config, s, "value_has_provenance",
               "Every value has a reliability grade: a PROVENANCE.csv row, or the manifest's default_reliability",
               gxe.ExpectColumnValuesToNotBeNull, "value_column", column="reliability"),
        _check(config, s, "country_not_above_world",
               "No country's value exceeds the world total of the same metric, year and edition",
               gxe.ExpectColumnPairValuesAToBeGreaterThanB, "value_column", column_A="world_value", column_B="value",
               or_equal=True, ignore_row_if="either_value_is_missing", row_condition=Column("geo_kind") == "country"),
    ]  # fmt: skip
    # Each row carries its metric's range (range_min, range_max from the metric registry): two expectations
    # cover every metric, instead of one pass over the frame per metric.
    checks += [
        _check(config, s, "value_in_physical_range", "value >= its metric's physical minimum (metric registry range)",
               gxe.ExpectColumnPairValuesAToBeGreaterThanB, "value_column", id_suffix="min", column_A="value",
               column_B="range_min", or_equal=True, ignore_row_if="either_value_is_missing"),
        _check(config, s, "value_in_physical_range", "value <= its metric's physical maximum (metric registry range)",
               gxe.ExpectColumnPairValuesAToBeGreaterThanB, "value_column", id_suffix="max", column_A="range_max",
               column_B="value", or_equal=True, ignore_row_if="either_value_is_missing"),
    ]  # fmt: skip
    for lag in sorted({r.publication_lag for r in config.metrics.values()}):
        metrics = sorted(m for m, r in config.metrics.items() if r.publication_lag == lag)
        checks.append(
            _check(config, s, "data_year_in_window",
                   f"data_year within [{config.first_data_year}, {edition - lag}] (edition {edition} - lag {lag})",
                   gxe.ExpectColumnValuesToBeBetween, "year_column", id_suffix=f"lag {lag}", column="data_year",
                   min_value=config.first_data_year, max_value=edition - lag,
                   row_condition=Column("metric").is_in(metrics))
        )  # fmt: skip
    return checks


def cross_edition_checks(config: ReleaseCheckConfig) -> list[Check]:
    s = CROSS_EDITION
    revision = (
        (Column("check_kind") == "revision")
        & (Column("is_methodology_break") == 0)
        & (Column("is_declared_restatement") == 0)
    )
    return [
        _check(config, s, "revision_within_error_tolerance",
               "A value restated by a later edition moves less than the metric's error tolerance, "
               "unless the later edition declares a methodology break",
               gxe.ExpectColumnPairValuesAToBeGreaterThanB, "value_column", column_A="error_tolerance_pct",
               column_B="abs_rel_change_pct", or_equal=True, row_condition=revision),
        _check(config, s, "revision_within_warning_tolerance",
               "A value restated by a later edition moves less than the metric's warning tolerance",
               gxe.ExpectColumnPairValuesAToBeGreaterThanB, "value_column", column_A="warning_tolerance_pct",
               column_B="abs_rel_change_pct", or_equal=True, row_condition=revision),
        _check(config, s, "places_still_reported",
               "Places the previous edition reports for its latest year are still reported by this edition",
               gxe.ExpectColumnValuesToBeInSet, "place_column", column="present_in_new", value_set=[1],
               row_condition=Column("check_kind") == "continuity"),
        _check(config, s, "metrics_still_reported",
               "Metrics the previous edition reports are still reported by this edition",
               gxe.ExpectColumnValuesToBeInSet, "value_column", column="present_in_new", value_set=[1],
               row_condition=Column("check_kind") == "metric_continuity"),
    ]  # fmt: skip
