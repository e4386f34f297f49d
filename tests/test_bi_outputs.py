"""Where users meet the warehouse (issue 4): exports, docs, metadata, sensor, profiles, claims."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.resources import WarehouseResource
from orchestration.releases.bundle import discover_editions, open_bundle
from orchestration.settings import PROJECT_ROOT
from tests.helpers import Workspace, environment, replace_in_file, run_cli

MARTS = [
    "dim_edition", "dim_geography", "dim_metric", "fct_ai_patents", "fct_indicator_values", "fct_private_investment",
    "fct_talent_migration", "mart_country_profile", "mart_release_revisions",
]  # fmt: skip


def _sorted_rows(con, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def test_parquet_exports_load_back_with_duckdb_and_match_the_marts(built: Workspace):
    exports = built.data_dir / "exports"
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        for mart in MARTS:
            columns = {r[0] for r in con.execute(f"describe marts.{mart}").fetchall()}
            latest = " where is_latest_edition" if "is_latest_edition" in columns else ""
            expected = _sorted_rows(con, f"select * from marts.{mart}{latest}")
            assert (
                _sorted_rows(con, f"select * from read_parquet('{exports}/latest/{mart}.parquet')")
                == expected
            ), mart
            assert (exports / "latest" / f"{mart}.csv").is_file()
        for edition in (2022, 2023, 2024, 2025, 2026):
            expected = _sorted_rows(
                con, f"select * from marts.fct_indicator_values where edition = {edition}"
            )
            loaded = _sorted_rows(
                con,
                f"select * from read_parquet('{exports}/editions/{edition}/fct_indicator_values.parquet')",
            )
            assert loaded == expected, edition


def test_the_exports_readme_documents_columns_from_the_dbt_docs(built: Workspace):
    readme = (built.data_dir / "exports" / "README.md").read_text(encoding="utf-8")
    assert "## fct_indicator_values" in readme
    assert (
        "| `rank_in_year` | INTEGER | RANK() by value descending among the countries the edition reports"
        in readme
    )
    assert "| `rank_coverage` | VARCHAR | `complete` where the manifest declares" in readme
    assert (built.data_dir / "docs" / "dbt" / "index.html").is_file()
    catalog = json.loads((built.data_dir / "docs" / "dbt" / "catalog.json").read_text(encoding="utf-8"))
    assert "model.ai_index.fct_indicator_values" in catalog["nodes"]


def _latest_metadata(ws: Workspace, *key: str) -> dict:
    instance = dg.DagsterInstance.from_config(str(ws.dagster_home))
    event = instance.get_latest_materialization_event(dg.AssetKey(list(key)))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def _partition_metadata(ws: Workspace, *key: str) -> dict[int, dict]:
    """The metadata of the latest materialization of each edition partition of an asset."""
    instance = dg.DagsterInstance.from_config(str(ws.dagster_home))
    latest: dict[int, dict] = {}
    for record in instance.fetch_materializations(dg.AssetKey(list(key)), limit=1000).records:  # newest first
        event = record.asset_materialization
        latest.setdefault(int(event.partition), {k: v.value for k, v in event.metadata.items()})
    return latest


def test_a_ranged_run_records_each_editions_own_row_count_files_and_fingerprint(built: Workspace):
    # The session build is one run over the range 2022-2026: each partition still gets its own numbers.
    raw = _partition_metadata(built, "raw", "indicator_values")
    assert {e: m["dagster/row_count"] for e, m in raw.items()} == dict(
        built.query("select edition, count(*) from raw.indicator_values group by edition")
    )
    assert {e: m["bundle_sha256"] for e, m in raw.items()} == dict(
        built.query("select edition, bundle_sha256 from raw.editions")
    )
    sha = open_bundle(built.releases / "2025").file_sha256("4. Economy/Data/fig_4.3.8.csv")
    files_2025 = [r.data for r in raw[2025]["files"].records]
    assert {"file": "4. Economy/Data/fig_4.3.8.csv", "figure": "4.3.8", "rows": 12, "values": 12,
            "not reported": 0, "sha256": sha} in files_2025  # fmt: skip
    assert "4. Economy/Data/fig_4.3.8.csv" not in {r.data["file"] for r in raw[2026]["files"].records}


def test_asset_metadata_shows_row_counts_previews_and_charts(built: Workspace):
    mart = _latest_metadata(built, "marts", "fct_indicator_values")
    assert mart["dagster/row_count"] == 289
    preview = mart["preview"]  # a table (no markdown from data), sorted by the mart's first columns
    assert [c.name for c in preview.schema.columns][:3] == ["metric", "subject_area", "edition"]
    keys = [(r.data["metric"], r.data["subject_area"], r.data["edition"]) for r in preview.records]
    assert len(keys) == 10 and keys == sorted(keys)
    for subject in ("fct_talent_migration", "fct_ai_patents", "fct_private_investment"):
        charts = _latest_metadata(built, "marts", subject)
        assert (
            charts["chart_top_countries"].startswith("![")
            and "data:image/png;base64," in charts["chart_top_countries"]
        )
        assert "data:image/png;base64," in charts["chart_KOR_by_edition"]


def test_a_new_edition_dropped_in_is_registered_and_built_by_the_sensor(workspace: Workspace):
    from orchestration.cli.instance import register_editions
    from orchestration.defs.jobs import BUILD_JOB
    from orchestration.defs.location import build_definitions
    from orchestration.defs.sensors import edition_release_sensor

    instance = dg.DagsterInstance.ephemeral()
    register_editions(instance, sorted(discover_editions(workspace.releases)))
    settings_resource = WarehouseResource(
        releases_dir=str(workspace.releases),
        warehouse_path=str(workspace.warehouse),
        data_dir=str(workspace.data_dir),
    )
    context = dg.build_sensor_context(instance=instance, resources={"warehouse": settings_resource})
    nothing_new = edition_release_sensor(context)
    assert nothing_new.skip_reason is not None and not nothing_new.run_requests

    workspace.add_edition_copy(2027)
    result = edition_release_sensor(context)
    assert [r.partition_key for r in result.run_requests] == ["2027"]
    assert [list(r.partition_keys) for r in result.dynamic_partitions_requests] == [["2027"]]

    # The run the sensor asked for, for real (the daemon would launch it).
    register_editions(instance, [2027])
    with environment(workspace.env()):
        defs = build_definitions(workspace_settings(workspace))
        run = defs.resolve_job_def(BUILD_JOB).execute_in_process(instance=instance, partition_key="2027")
    assert run.success
    assert workspace.query("select count(*) from marts.fct_indicator_values where edition = 2027") == [(93,)]
    assert workspace.query("select edition from marts.dim_edition order by edition desc limit 1") == [(2027,)]


def workspace_settings(ws: Workspace):
    from orchestration.settings import Settings

    return Settings(ws.releases, ws.warehouse, ws.data_dir)


def test_profile_of_korea_lists_every_value_of_every_edition(built: Workspace, capsys):
    code, out = run_cli(built, "profile", "KOR", capsys=capsys)
    assert code == 0
    expected = built.query(
        "select subject_area, metric, edition, data_year, value from marts.fct_indicator_values where geo_code = 'KOR'"
    )
    assert {row[0] for row in expected} == {"talent_migration", "ai_patents", "private_investment"}
    assert {row[2] for row in expected} == {2022, 2023, 2024, 2025, 2026}
    report = (built.data_dir / "reports" / "KOR.html").read_text(encoding="utf-8")
    for _, metric, edition, year, value in expected:
        assert f"{year}  edition {edition}: {value:g}" in out, (metric, edition, year, value)
        assert f"<td>{value:g}</td>" in report or f"<td>{value}</td>" in report, (metric, edition, value)
    assert "net_ai_talent_migration_per_10k 2023: edition 2024 -0.3 -> edition 2025 -0.3" in out
    # Ranks say among how many and from what list; units as people write them (issue 14).
    assert "2022  edition 2025: -0.04 per 10k LinkedIn members, rank 1 of 1 reported, partial list" in out
    assert "2023  edition 2024: 1.39 US$ bn, rank 8 (tied) of 11 reported, partial list" in out
    assert "2023  edition 2024: 0.79%, rank 3 of 5 reported, partial list" in out
    # The answer first: a headline sentence per subject, from the newest edition's series.
    assert (
        "Net AI talent migration per 10k LinkedIn members fell from 0.23 per 10k LinkedIn members in 2020 "
        "to -0.36 per 10k LinkedIn members in 2024 (edition 2025), rank 9 of 9 reported, partial list."
    ) in out
    assert 'class="headline"' in report and "rank 8 (tied) of 11 reported, partial list" in report
    assert report.count("data:image/png;base64,") >= 3
    assert (built.data_dir / "reports" / "index.html").is_file()


def test_profile_of_an_unknown_place_is_an_error(built: Workspace, capsys):
    code, out = run_cli(built, "profile", "XYZ", capsys=capsys)
    assert code == 2 and "not a known place" in out


def test_profile_takes_an_aggregate_or_a_name(built: Workspace, capsys):
    code, out = run_cli(built, "profile", "WLD", capsys=capsys)
    assert code == 0 and out.startswith("World (WLD)")
    for year, edition, value in built.query(
        "select data_year, edition, value from marts.fct_indicator_values where geo_code = 'WLD'"
    ):
        assert f"{year}  edition {edition}: {value:g}" in out
    code, out = run_cli(built, "profile", "South Korea", capsys=capsys)
    assert code == 0 and out.startswith("South Korea (KOR)")


def test_the_shipped_headline_claims_pass(built: Workspace, capsys):
    code, out = run_cli(
        built, "claims", str(PROJECT_ROOT / "claims" / "ai_index_2025_headlines.yml"), capsys=capsys
    )
    assert code == 0, out
    assert (
        "PASS  United States private_investment_usd_bn 2024 (edition 2025): claimed 109.1 ± 0.05, warehouse 109.08"
        in out
    )
    # The rank claim: rank 1 of the 12 countries transcribed, which cannot confirm the report's rank.
    assert (
        "UNVERIFIED  United States private_investment_usd_bn 2024 (edition 2025): claimed rank 1, "
        "warehouse rank 1 of 12 reported, partial list (edition 2025)"
    ) in out
    assert "3 passed, 0 failed, 1 unverified" in out


def test_a_wrong_figure_fails_and_shows_the_warehouse_value(built: Workspace, tmp_path: Path, capsys):
    claims = tmp_path / "wrong.yml"
    claims.write_text(
        "claims:\n"
        "  - {metric: private_investment_usd_bn, place: China, data_year: 2024, edition: 2025, value: 12.4}\n"
        "  - {metric: private_investment_usd_bn, place: U.K., data_year: 2024, value: 4.5}\n"
        "  - {metric: private_investment_usd_bn, place: CHN, data_year: 2024, edition: 2025, value: 9.29}\n"
        "  - {metric: private_investment_usd_bn, place: kor, data_year: 2019, value: 1}\n",
        encoding="utf-8",
    )
    code, out = run_cli(built, "claims", str(claims), capsys=capsys)
    assert code == 1
    assert (
        "FAIL  China private_investment_usd_bn 2024 (edition 2025): claimed 12.4 ± 0.05, warehouse 9.29"
        in out
    )
    assert "PASS  U.K. private_investment_usd_bn 2024 (latest edition)" in out
    assert "PASS  CHN private_investment_usd_bn 2024 (edition 2025)" in out  # ISO3 codes are places too
    assert (
        "FAIL  kor private_investment_usd_bn 2019 (latest edition): claimed 1 ± 0.5, warehouse has no value"
        in out
    )


@pytest.mark.parametrize(
    ("claim", "error"),
    [
        (
            "{metric: private_investment_usd_trillions, place: China, data_year: 2024, value: 1}",
            "unknown metric",
        ),
        (
            "{metric: private_investment_usd_bn, place: Atlantis, data_year: 2024, value: 1}",
            "unknown place 'Atlantis'",
        ),
    ],
)
def test_an_unknown_metric_or_place_is_an_error_not_a_failure(
    built: Workspace, tmp_path: Path, capsys, claim, error
):
    claims = tmp_path / "bad.yml"
    claims.write_text(f"claims:\n  - {claim}\n", encoding="utf-8")
    code, out = run_cli(built, "claims", str(claims), capsys=capsys)
    assert code == 2 and error in out and "FAIL" not in out


def test_the_sensors_first_tick_registers_every_edition_and_builds_only_what_the_warehouse_lacks(
    built, tmp_path
):
    from orchestration.defs.partitions import RANGE_END_TAG, RANGE_START_TAG
    from orchestration.defs.sensors import edition_release_sensor

    def first_tick(warehouse_path):
        resource = WarehouseResource(
            releases_dir=str(built.releases),
            warehouse_path=str(warehouse_path),
            data_dir=str(tmp_path / "data"),
        )
        context = dg.build_sensor_context(
            instance=dg.DagsterInstance.ephemeral(), resources={"warehouse": resource}
        )
        return edition_release_sensor(context)

    current = first_tick(built.warehouse)  # after `make run`: partitions to register, nothing to build
    assert [list(r.partition_keys) for r in current.dynamic_partitions_requests] == [
        ["2022", "2023", "2024", "2025", "2026"]
    ]
    assert current.run_requests == []
    empty = first_tick(tmp_path / "none.duckdb")  # an empty warehouse: one run for the five editions
    (request,) = empty.run_requests
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("2022", "2026")

    def built_copy_after(name: str, sql: str):
        """A copy of the built warehouse whose working database (what the sensor reads) ran `sql`."""
        serving = tmp_path / name / "ai_index.duckdb"
        work = tmp_path / name / ".build" / "ai_index.duckdb"
        work.parent.mkdir(parents=True)
        shutil.copy(built.work, work)
        with duckdb.connect(str(work)) as con:
            con.execute(sql)
        return serving

    # A warehouse that lacks the two newest editions: one run for exactly those two.
    partial = built_copy_after("partial", "delete from raw.editions where edition in (2025, 2026)")
    (request,) = first_tick(partial).run_requests
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("2025", "2026")
    # A build killed after loading 2023 but before dbt finished: its raw rows are current, its marts not.
    lagging = built_copy_after("lagging", "delete from ops.built where edition = 2023 and step = 'dbt'")
    (request,) = first_tick(lagging).run_requests
    assert request.partition_key == "2023"


def test_a_figure_declared_to_list_every_country_ranks_as_the_report(workspace: Workspace, capsys):
    """`lists_every_country: true` on a file makes its ranks `complete`; other editions stay partial."""
    replace_in_file(
        workspace.releases / "2024" / "manifest.yml",
        '  - path: "4. Economy/Data/unnumbered_private_investment_usd_bn.csv"\n',
        '  - path: "4. Economy/Data/unnumbered_private_investment_usd_bn.csv"\n    lists_every_country: true\n',
    )
    code, out = run_cli(workspace, "build", capsys=capsys)
    assert code == 0, out
    coverage = dict(
        workspace.query(
            "select edition, any_value(rank_coverage) from marts.fct_indicator_values "
            "where metric = 'private_investment_usd_bn' and geo_kind = 'country' group by edition"
        )
    )
    assert coverage == {2022: "partial", 2023: "partial", 2024: "complete", 2025: "partial", 2026: "partial"}
    code, out = run_cli(workspace, "profile", "KOR", capsys=capsys)
    assert "2023  edition 2024: 1.39 US$ bn, rank 8 (tied) of 11 reported, complete list" in out


def test_mart_charts_are_drawn_once_for_the_same_rows_and_again_when_a_plotted_value_changes(
    built: Workspace, tmp_path
):
    from orchestration.publish.charts import country_series_chart, metric_values, top_countries_chart
    from orchestration.reference.metrics import metric_registry, registry

    metric = registry().subjects["talent_migration"].headline_metric
    label = metric_registry()[metric].label
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        values = metric_values(con, metric)
    cache = tmp_path / "charts"

    drawn = top_countries_chart(values, label, cache_dir=cache)
    [cached] = cache.glob("*.png")
    assert drawn == cached.read_bytes() == top_countries_chart(values, label)  # what a fresh draw gives
    inode = cached.stat().st_ino
    assert top_countries_chart(values, label, cache_dir=cache) == drawn
    assert cached.stat().st_ino == inode, "the same rows were drawn again"

    # A value of an earlier edition is not on the top-countries chart: still the same chart.
    earlier = values["edition"] < values["edition"].max()
    unplotted = values.assign(value=values["value"].where(~earlier, values["value"] + 1))
    assert top_countries_chart(unplotted, label, cache_dir=cache) == drawn
    assert len(list(cache.glob("*.png"))) == 1

    # A plotted value changes: a chart of its own, drawn from the new rows.
    countries = values[values["geo_kind"] == "country"]
    latest = countries[countries["edition"] == countries["edition"].max()]
    top = latest[latest["data_year"] == latest["data_year"].max()]["value"].idxmax()
    changed = values.assign(value=values["value"].where(values.index != top, values["value"] * 2))
    redrawn = top_countries_chart(changed, label, cache_dir=cache)
    assert redrawn != drawn and redrawn == top_countries_chart(changed, label)
    assert len(list(cache.glob("*.png"))) == 2

    # The series chart is keyed apart from the bar chart of the same metric.
    assert country_series_chart(values, "KOR", label, cache_dir=cache) == country_series_chart(
        values, "KOR", label
    )
    assert len(list(cache.glob("*.png"))) == 3
