"""The metric registry (dbt_project/seeds/metrics.csv, units.csv, subjects.csv): one declaration per
metric, read alike by the loader, the release checks, the reports and the dbt marts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from orchestration.reference.metrics import RegistryError, registry
from orchestration.settings import DBT_PROJECT_DIR
from tests.helpers import Workspace, environment, run_cli

NEW_METRIC = "ai_job_postings_pct"
NEW_ROW = (
    f"{NEW_METRIC},talent_migration,AI job postings (% of all job postings),AI job postings,pct,level,"
    '4. Economy,1,true,false,,,,,,"AI job postings as a share of all job postings (Lightcast)",\n'
)


def _copy_project(target: Path) -> Path:
    shutil.copytree(DBT_PROJECT_DIR, target, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return target


def test_a_blank_rule_takes_its_units_default_and_a_declared_one_wins():
    metrics = registry().metrics
    concentration, cumulative = (
        metrics["ai_talent_concentration_pct"],
        metrics["private_investment_cumulative_since_2013_usd_bn"],
    )
    units = registry().units
    assert (concentration.range_min, concentration.range_max) == (
        units["pct"].range_min,
        units["pct"].range_max,
    )
    assert concentration.unit_label == "%"
    assert cumulative.range_max == 20000 != units["usd_bn"].range_max  # declared in metrics.csv
    assert cumulative.revision_error_pct == units["usd_bn"].revision_error_pct  # blank: the unit's


def test_every_subject_has_its_headline_metric_and_mart():
    reg = registry()
    assert {s.subject_mart for s in reg.subjects.values()} == {
        "fct_talent_migration", "fct_ai_patents", "fct_private_investment",
    }  # fmt: skip
    for subject in reg.subjects.values():
        assert subject.headline_metric in reg.subject_metrics(subject.subject_area)


@pytest.mark.parametrize(
    ("row", "named"),
    [
        ("Bad-Id,talent_migration,x,x,pct,level,c,1,true,false,,,,,,d,\n", "column 'metric'"),
        ("new_metric,talent_migration,x,x,furlongs,level,c,1,true,false,,,,,,d,\n", "column 'unit'"),
        ("new_metric,talent_migration,x,x,pct,level,c,1,maybe,false,,,,,,d,\n", "column 'higher_is_better'"),
        ("new_metric,talent_migration,x,x,pct,level,c,1,true,false,zero,,,,,d,\n", "column 'range_min'"),
    ],
)
def test_a_bad_registry_row_names_the_file_row_and_column(tmp_path, row, named):
    seeds = _copy_project(tmp_path / "dbt_project") / "seeds"
    lines = (seeds / "metrics.csv").read_text(encoding="utf-8")
    (seeds / "metrics.csv").write_text(lines + row, encoding="utf-8")
    with pytest.raises(RegistryError) as error:
        registry(seeds)
    assert "metrics.csv" in str(error.value) and f"row {lines.count(chr(10))}" in str(error.value)
    assert named in str(error.value)


def _synthetic_edition(releases: Path) -> dict[tuple[str, int], float]:
    """A synthetic edition (generated here, labelled synthetic) with one figure file of the new metric."""
    values = {("Korea, Rep", 2025): 1.25, ("Korea, Rep", 2024): 0.87, ("Germany", 2025): 2.5}
    edition_dir = releases / "2026"
    bundle = "PUBLIC DATA_ 2026 AI INDEX REPORT"
    data = edition_dir / bundle / "4. Economy" / "Data"
    data.mkdir(parents=True)
    lines = ["Geographic area,Year,AI job postings (% of all job postings)"]
    lines += [f'"{place}",{year},{value}' for (place, year), value in values.items()]
    (data / "fig_4.4.1.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = {
        "edition": 2026, "title": "SYNTHETIC edition for the registry test (not published figures)",
        "bundle": bundle, "synthetic": True, "default_reliability": "D",
        "metrics": {NEW_METRIC: {"methodology_break": False}},
        "files": [{
            "path": "4. Economy/Data/fig_4.4.1.csv", "figure_id": "4.4.1",
            "place": {"column": "Geographic area"}, "year": {"column": "Year"},
            "values": [{"metric": NEW_METRIC, "column": "AI job postings (% of all job postings)", "unit": "pct"}],
        }],
    }  # fmt: skip
    (edition_dir / "manifest.yml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return values


@pytest.mark.slow  # a full build of its own, in a copy of the dbt project
def test_a_metric_added_by_a_registry_row_alone_is_a_typed_column_of_its_subject_mart(tmp_path, capsys):
    project = _copy_project(tmp_path / "dbt_project")
    with (project / "seeds" / "metrics.csv").open("a", encoding="utf-8") as f:
        f.write(NEW_ROW)
    ws = Workspace(tmp_path / "ws")
    ws.releases.mkdir(parents=True)
    values = _synthetic_edition(ws.releases)

    with environment({"AI_INDEX_DBT_PROJECT_DIR": str(project)}):
        code, out = run_cli(ws, "build", capsys=capsys)

    assert code == 0, out
    columns = dict(
        ws.query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_talent_migration'"
        )
    )
    assert columns[NEW_METRIC] == "DOUBLE" and columns[f"{NEW_METRIC}_rank"] == "INTEGER"
    rows = ws.query(f"select geo_code, data_year, {NEW_METRIC} from marts.fct_talent_migration order by all")
    codes = {"Korea, Rep": "KOR", "Germany": "DEU"}
    assert rows == sorted((codes[place], year, value) for (place, year), value in values.items())
    # Its release-check rules came from its unit (pct), recorded with the load.
    assert ws.query(
        "select min_value, max_value from raw.release_check_rules where metric = ?", [NEW_METRIC]
    ) == [(0.0, 100.0)]
