"""Great Expectations release checks (issue 3): every edition consistent in itself and with earlier ones."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from urllib.parse import unquote

import dagster as dg
import pytest

from orchestration.atomic import PARTIAL_SUFFIX
from orchestration.releases.bundle import discover_editions
from orchestration.settings import PROJECT_ROOT, Settings, docs_port
from orchestration.warehouse.gate import gate_edition, validate_releases
from tests.helpers import (
    BY_COUNTRY,
    BY_REGION,
    PER_100K,
    SELECT_AREAS,
    Workspace,
    environment,
    make_workspace,
    replace_in_file,
    run_cli,
)


def _settings(ws: Workspace) -> Settings:
    return Settings(ws.releases, ws.warehouse, ws.data_dir)


def _validate(ws: Workspace) -> dict:
    return {r.edition: r for r in validate_releases(discover_editions(ws.releases), _settings(ws))}


def _gate(ws: Workspace, edition: int):
    """The release gate of one edition against the earlier editions of the workspace's built warehouse,
    without writing: what a build's raw step decides."""
    return gate_edition(ws.releases / str(edition), ws.settings(), force=True, write=False)


def _failures(report, severity: str) -> dict[str, object]:
    return {
        o.check: o
        for s in report.checks.suites
        for o in s.outcomes
        if not o.success and o.severity == severity
    }


@pytest.fixture
def sample(tmp_path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def test_the_sample_editions_pass_with_only_the_warnings_of_real_restatements(sample):
    reports = _validate(sample)
    assert sorted(reports) == [2022, 2023, 2024, 2025, 2026]
    assert all(r.ok for r in reports.values()), {e: r.problems for e, r in reports.items() if not r.ok}
    assert {e: _failures(r, "error") for e, r in reports.items()} == {e: {} for e in reports}
    warnings = {(e, name) for e, r in reports.items() for name in _failures(r, "warning")}
    assert warnings == {
        (2023, "revision_within_warning_tolerance"),  # world 2021: 93.54 -> 125.4 (+34%)
        (2025, "revision_within_warning_tolerance"),  # world 2023: 96.0 -> 104.3 (+8.6%)
        (2023, "places_still_reported"),  # 2022's Germany is not in the 2023 transcription
        (2024, "places_still_reported"),
        (2025, "places_still_reported"),  # incl. the patent regions of the CSET-based 2024 edition
        (2026, "places_still_reported"),
        # Metrics the transcriptions hold for one edition only: the 2024 edition's ungranted count and its
        # change of unstated basis, the 2025 edition's change in patents per 100k.
        (2025, "metrics_still_reported"),
        (2026, "metrics_still_reported"),
    }
    dropped = _failures(reports[2025], "warning")["metrics_still_reported"]
    assert sorted(dropped.examples) == [
        "granted_ai_patents_pct_change_basis_unstated: reported by edition 2024, not by this edition",
        "ungranted_ai_patents_count: reported by edition 2024, not by this edition",
    ]
    world_2021 = _failures(reports[2023], "warning")["revision_within_warning_tolerance"]
    assert (
        world_2021.unexpected_count == 1
        and "WLD 2021" in world_2021.examples[0]
        and "125.4" in world_2021.examples[0]
    )
    world_2023 = _failures(reports[2025], "warning")["revision_within_warning_tolerance"]
    assert (
        world_2023.unexpected_count == 1
        and "WLD 2023" in world_2023.examples[0]
        and "96.0" in world_2023.examples[0]
    )
    # World patents 2010, 3,833 -> 3,866 (+0.9%), is within tolerance: no warning for 2026.
    assert "revision_within_warning_tolerance" not in _failures(reports[2026], "warning")


def _append_row(ws: Workspace, edition: int, relative: str, line: str, metric: str, row: int) -> None:
    path = ws.edition_file(edition, relative)
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    provenance = ws.releases / str(edition) / "PROVENANCE.csv"
    provenance.write_text(
        provenance.read_text(encoding="utf-8") + f"{relative},{row},{metric},B,test,,\n", encoding="utf-8"
    )


def _add_column(path, name: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [f"{lines[0]},{name}"] + [f"{line},{n}" for n, line in enumerate(lines[1:], start=1)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _unlisted_file(ws: Workspace) -> None:
    path = ws.edition_file(2025, "4. Economy/Data/fig_4.9.1.csv")
    path.write_text("Label,Value\nx,1\n", encoding="utf-8")


# expectation -> (corruption of the 2025 copy, text the failure must show)
CORRUPTIONS = {
    "files_listed": (_unlisted_file, ["4. Economy/Data/fig_4.9.1.csv: unlisted"]),
    "columns_as_declared": (
        lambda ws: _add_column(ws.edition_file(2025, BY_COUNTRY), "Rank"),
        [BY_COUNTRY, "column 'Rank': undeclared"],
    ),
    "keys_not_null": (
        lambda ws: replace_in_file(ws.edition_file(2025, BY_COUNTRY), "\nChina,", "\n,"),
        [BY_COUNTRY, "row 2", "place (blank)"],
    ),
    "value_is_number": (
        lambda ws: replace_in_file(ws.edition_file(2025, BY_COUNTRY), "China,9.29", "China,n/a"),
        [BY_COUNTRY, "row 2", "value 'n/a'"],
    ),
    "data_year_is_year": (
        lambda ws: replace_in_file(ws.edition_file(2025, BY_REGION), "2024,Europe", "20x4,Europe"),
        [BY_REGION, "row 1", "column 'Year'", "year '20x4'"],
    ),
    "unique_metric_year_place": (
        lambda ws: _append_row(ws, 2025, BY_COUNTRY, "China,9.29", "private_investment_usd_bn", 13),
        [BY_COUNTRY, "row 2", "row 13", "place 'China'"],
    ),
    "known_place": (
        lambda ws: replace_in_file(ws.edition_file(2025, PER_100K), "Luxembourg,", "Atlantis,"),
        [PER_100K, "row 2", "place 'Atlantis'"],
    ),
    "aggregates_not_labelled_as_countries": (
        lambda ws: replace_in_file(ws.edition_file(2025, BY_COUNTRY), "Germany,", "East Asia and Pacific,"),
        [BY_COUNTRY, "place 'East Asia and Pacific'"],
    ),
    "value_in_physical_range": (
        lambda ws: replace_in_file(ws.edition_file(2025, PER_100K), "Luxembourg,15.31", "Luxembourg,150.31"),
        [PER_100K, "row 2", "value '150.31'"],
    ),
    "data_year_in_window": (
        lambda ws: replace_in_file(ws.edition_file(2025, BY_REGION), "2024,Europe", "2025,Europe"),
        [BY_REGION, "row 1", "year '2025'"],
    ),
    "shares_sum_at_most_100": (
        lambda ws: replace_in_file(ws.edition_file(2025, SELECT_AREAS), "China,69.70%", "China,79.70%"),
        [SELECT_AREAS, "place 'China'", "value '79.70%'"],
    ),
    "country_not_above_world": (
        lambda ws: replace_in_file(ws.edition_file(2025, BY_COUNTRY), "China,9.29", "China,159.29"),
        [BY_COUNTRY, "row 2", "value '159.29'"],
    ),
    "value_has_provenance": (
        lambda ws: replace_in_file(
            ws.releases / "2025" / "PROVENANCE.csv",
            "4. Economy/Data/fig_4.3.8.csv,3,",
            "4. Economy/Data/fig_4.3.8.csv,99,",
        ),
        [BY_COUNTRY, "row 3"],
    ),
}


def test_every_within_edition_expectation_has_a_corruption_test():
    from expectations.config import load_config

    assert set(CORRUPTIONS) == set(load_config().severities["file_columns"]) | set(
        load_config().severities["edition_values"]
    )


@pytest.fixture(scope="module")
def warnings_of_2025(gated) -> set[str]:
    """The warnings the unmodified 2025 edition raises (real restatements): gated once, not per corruption."""
    return set(_failures(_gate(gated, 2025), "warning"))


@pytest.mark.parametrize("expectation", sorted(CORRUPTIONS))
def test_a_corrupted_copy_fails_this_expectation_alone_and_names_the_rows(
    gated_workspace, warnings_of_2025, expectation
):
    from expectations.config import load_config

    corrupt, shown = CORRUPTIONS[expectation]
    before = warnings_of_2025
    corrupt(gated_workspace)
    report = _gate(gated_workspace, 2025)
    severity = next(v[expectation] for v in load_config().severities.values() if expectation in v)
    if severity == "error":
        assert not report.ok
        assert set(_failures(report, "error")) == {expectation}
        message = "\n".join(report.problems)
        assert expectation in message
    else:  # a warning: reported, the edition still loads
        assert report.ok and _failures(report, "error") == {}
        assert set(_failures(report, "warning")) - before == {expectation}
        message = "\n".join(_failures(report, "warning")[expectation].examples)
    for text in shown:
        assert text in message, (text, message)


def _restate_world_2025(ws: Workspace, methodology_break: bool) -> None:
    """A 2027 edition: a copy of 2026 that restates world private investment 2025 from 344.7 to 600."""
    manifest = ws.add_edition_copy(2027) / "manifest.yml"
    if methodology_break:
        replace_in_file(
            manifest,
            "\n  private_investment_usd_bn: {methodology_break: false}",
            '\n  private_investment_usd_bn: {methodology_break: true, reason: "Quid changed its company universe"}',
        )
    # The copy keeps the 2026 bundle folder, which its manifest names.
    world = ws.releases / "2027" / "PUBLIC DATA_ 2026 AI INDEX REPORT" / "4. Economy/Data/fig_4.2.2.csv"
    replace_in_file(world, "344.7", "600")


def test_a_restatement_beyond_tolerance_fails_the_cross_edition_suite(gated_workspace):
    _restate_world_2025(gated_workspace, methodology_break=False)
    report = _gate(gated_workspace, 2027)
    assert not report.ok
    assert set(_failures(report, "error")) == {"revision_within_error_tolerance"}
    assert "WLD 2025: edition 2026 published 344.7, this edition 600.0" in "\n".join(report.problems)


def test_the_same_restatement_with_a_declared_break_passes_once_accepted_and_is_flagged(
    workspace: Workspace, capsys
):
    _restate_world_2025(workspace, methodology_break=True)
    # The break moves the world's latest headline value by 74%: beyond breaks.max_headline_move_pct, so
    # it takes an operator's acceptance (security: a break cannot silently replace the figures).
    refused = _gate(workspace, 2027)
    assert not refused.ok and "--accept-breaks 2027" in "\n".join(refused.problems)
    report = gate_edition(
        workspace.releases / "2027", workspace.settings(), force=True, write=False, accept_breaks=True
    )
    assert report.ok and _failures(report, "error") == {}
    code, out = run_cli(workspace, "build", "--accept-breaks", "2027", capsys=capsys)
    assert code == 0, out
    assert workspace.query(
        "select edition_from, value_from, value_to, is_methodology_break, revision_status from marts.mart_release_revisions "
        "where metric = 'private_investment_usd_bn' and geo_code = 'WLD' and data_year = 2025"
    ) == [(2026, 344.7, 600.0, True, "methodology_break")]


def test_the_revisions_mart_holds_the_real_restatements(built):
    rows = built.query(
        "select metric, geo_code, data_year, edition_from, edition_to, value_from, value_to, round(abs_change, 6), "
        "round(pct_change, 3), is_methodology_break, within_tolerance, revision_status "
        "from marts.mart_release_revisions order by metric, geo_code, data_year, edition_to"
    )
    assert rows == [
        (
            "granted_ai_patents_count",
            "WLD",
            2010,
            2025,
            2026,
            3833.0,
            3866.0,
            33.0,
            0.861,
            False,
            True,
            "within_tolerance",
        ),
        (
            "granted_ai_patents_share_of_world_pct",
            "USA",
            2015,
            2025,
            2026,
            42.8,
            42.8,
            0.0,
            0.0,
            False,
            True,
            "unchanged",
        ),
        (
            "net_ai_talent_migration_per_10k",
            "KOR",
            2023,
            2024,
            2025,
            -0.3,
            -0.3,
            0.0,
            0.0,
            False,
            True,
            "unchanged",
        ),
        (
            "private_investment_usd_bn",
            "WLD",
            2021,
            2022,
            2023,
            93.54,
            125.4,
            31.86,
            34.06,
            False,
            False,
            "restated",
        ),
        (
            "private_investment_usd_bn",
            "WLD",
            2023,
            2024,
            2025,
            96.0,
            104.3,
            8.3,
            8.646,
            False,
            False,
            "restated",
        ),
    ]


def test_a_blocking_failure_shows_on_the_asset_check_and_stops_the_dbt_assets(workspace: Workspace):
    from orchestration.cli.instance import register_editions
    from orchestration.defs.jobs import BUILD_JOB
    from orchestration.defs.location import build_definitions
    from tests.helpers import environment

    replace_in_file(workspace.edition_file(2025, PER_100K), "Luxembourg,", "Atlantis,")
    marts_before = workspace.mart_checksums()
    instance = dg.DagsterInstance.ephemeral()
    register_editions(instance, [2022, 2023, 2024, 2025, 2026])
    with environment(workspace.env()):
        result = (
            build_definitions(_settings(workspace))
            .resolve_job_def(BUILD_JOB)
            .execute_in_process(instance=instance, partition_key="2025", raise_on_error=False)
        )
    assert not result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    failed = evaluations["edition_values"]
    assert failed.asset_key == dg.AssetKey(["raw", "indicator_values"])
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert failed.metadata["failing_expectations"].value == ["known_place"]
    assert any("Atlantis" in r.data["row"] for r in failed.metadata["unexpected_rows"].value.records)
    materialized = {e.asset_key.path[0] for e in result.get_asset_materialization_events()}
    assert materialized == set()  # neither raw nor any dbt asset
    assert "ai_index_dbt" not in {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert workspace.mart_checksums() == marts_before


def test_data_docs_are_built_and_the_asset_check_links_to_them(built):
    index = built.data_dir / "docs" / "ge" / "index.html"
    assert index.is_file() and "edition_values" in index.read_text(encoding="utf-8")
    instance = dg.DagsterInstance.from_config(str(built.dagster_home))
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey(["raw", "indicator_values"]), "edition_values")]
    )
    evaluation = next(iter(record.values())).event.dagster_event.event_specific_data
    # Links over http to `ai-index docs` (browsers refuse file:// links from the Dagster UI), each to a
    # page that exists under the Data Docs folder.
    served = f"http://127.0.0.1:{docs_port()}/ge/"
    assert evaluation.metadata["data_docs_index"].value == served + "index.html"
    page = evaluation.metadata["data_docs_2025"].value
    assert page.startswith(served + "validations/edition_values/edition_2025/")
    assert (index.parent / unquote(page.removeprefix(served))).is_file()


# A child that runs `ai-index validate` and SIGKILLs itself at its Nth store write, after the object is
# written to its temporary file and before the rename: the moment a plain `open(path, "w")` would leave a
# truncated file behind.
_KILLED_AT_A_STORE_WRITE = """
import os, signal, sys
from orchestration.cli.main import main

real_replace, writes = os.replace, 0

def replace(src, dst):
    global writes
    if str(dst).endswith(".json"):
        writes += 1
        if writes == int(sys.argv[1]):
            os.kill(os.getpid(), signal.SIGKILL)
    real_replace(src, dst)

os.replace = replace
sys.exit(main(["validate", "--edition", "2022"]))  # one edition: six store writes
"""


@pytest.mark.slow  # three validations, each in a fresh interpreter
def test_a_validation_killed_while_writing_its_stores_leaves_them_readable_and_the_next_run_succeeds(sample):
    context_dir = _settings(sample).ge_context_dir
    with environment(sample.env()):
        env = dict(os.environ)

    def validate(kill_at_write: int) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", _KILLED_AT_A_STORE_WRITE, str(kill_at_write)]
        return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True)

    first = validate(0)
    assert first.returncode == 0, first.stderr.decode()[-2000:]
    assert list(context_dir.rglob("*.json")), "the stores must keep suites and validation results on disk"

    killed = validate(4)
    assert killed.returncode == -signal.SIGKILL, "the child must die inside a store write"
    assert list(context_dir.rglob(f"*{PARTIAL_SUFFIX}")), "the killed write left its temporary file"
    for path in context_dir.rglob("*.json"):  # old or new objects, never a truncated one
        json.loads(path.read_text(encoding="utf-8"))

    after = validate(0)
    assert after.returncode == 0, after.stderr.decode()[-2000:]
    index = sample.data_dir / "docs" / "ge" / "index.html"
    # The Data Docs index links the 2022 validation of the first run and of the last (history kept).
    runs = set(
        re.findall(
            r"validations/edition_values/edition_2022/__none__/(\d{8}T\d{6}\.\d+Z)/", index.read_text("utf-8")
        )
    )
    assert len(runs) >= 2, runs
