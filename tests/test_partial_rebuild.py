"""Building one edition changes only that edition; an unchanged warehouse is not rebuilt."""

from __future__ import annotations

from tests.helpers import Workspace, replace_in_file, run_cli


def _loaded_at(ws: Workspace) -> dict[int, object]:
    return dict(ws.query("select edition, loaded_at from raw.editions"))


def _rows_by_edition(ws: Workspace) -> dict[int, list[tuple]]:
    rows: dict[int, list[tuple]] = {}
    for row in ws.query("select * exclude (loaded_at) from marts.fct_indicator_values order by all"):
        rows.setdefault(row[2], []).append(row)
    return rows


def test_a_changed_value_reaches_the_marts_and_only_its_edition_is_reloaded(workspace: Workspace):
    before = _loaded_at(workspace)
    path = workspace.edition_file(2025, "1. Research and Development/Data/fig_1.2.4.csv")
    replace_in_file(path, "Luxembourg,15.31", "Luxembourg,15.32")
    code, _ = run_cli(workspace, "build")  # no --edition: the unchanged editions are skipped
    assert code == 0
    after = _loaded_at(workspace)
    assert [e for e in after if after[e] != before[e]] == [2025]
    assert workspace.query(
        "select value, rank_in_year from marts.fct_indicator_values where metric = 'granted_ai_patents_per_100k' "
        "and edition = 2025 and geo_code = 'LUX'"
    ) == [(15.32, 2)]


def _derived_at(ws: Workspace) -> dict[int, object]:
    return dict(
        ws.query(
            "select edition, max(derived_at) from intermediate.int_indicator_values__geocoded group by 1"
        )
    )


def test_an_unchanged_warehouse_is_not_rebuilt(workspace: Workspace, capsys):
    import dagster as dg

    before, derived = _loaded_at(workspace), _derived_at(workspace)
    code, out = run_cli(workspace, "build", capsys=capsys)
    assert code == 0 and "up to date" in out
    assert _loaded_at(workspace) == before  # the loader did not run
    assert _derived_at(workspace) == derived  # nor did the dbt models
    home = workspace.dagster_home  # nor was any Dagster run launched (the instance is not even created)
    assert not home.exists() or dg.DagsterInstance.from_config(str(home)).get_runs_count() == 0


def test_forcing_edition_2025_reloads_and_re_derives_only_2025(workspace: Workspace):
    before, rows_before, derived = _loaded_at(workspace), _rows_by_edition(workspace), _derived_at(workspace)
    code, _ = run_cli(workspace, "build", "--edition", "2025", "--force")
    assert code == 0
    after, rows_after = _loaded_at(workspace), _rows_by_edition(workspace)
    assert after[2025] > before[2025]
    assert {e: t for e, t in after.items() if e != 2025} == {e: t for e, t in before.items() if e != 2025}
    assert rows_after == rows_before  # same bundle: same values, ranks and latest flags
    marts_loaded_at = dict(
        workspace.query("select edition, max(loaded_at) from marts.fct_indicator_values group by 1")
    )
    assert marts_loaded_at == after
    derived_after = _derived_at(workspace)  # dbt derived only the 2025 rows again
    assert derived_after[2025] > derived[2025]
    assert {e: t for e, t in derived_after.items() if e != 2025} == {
        e: t for e, t in derived.items() if e != 2025
    }


def test_adding_an_edition_loads_checks_and_derives_only_that_editions_rows(workspace, capsys):
    """Issue 15, acceptance 2: a warehouse holding the five sample editions gets a sixth (a copy of 2026
    published as 2027). Only 2027 is loaded and checked, and the incremental model derives only its
    rows: the other editions' load and derivation timestamps do not move (timed in the benchmark, not here)."""
    import dagster as dg

    ws = workspace
    loaded, derived = _loaded_at(ws), _derived_at(ws)
    assert sorted(loaded) == [2022, 2023, 2024, 2025, 2026]
    ws.add_edition_copy(2027)
    code, out = run_cli(ws, "build", capsys=capsys)
    assert code == 0, out
    loaded_after, derived_after = _loaded_at(ws), _derived_at(ws)
    assert {e: t for e, t in loaded_after.items() if e != 2027} == loaded
    assert {e: t for e, t in derived_after.items() if e != 2027} == derived
    assert 2027 in derived_after
    instance = dg.DagsterInstance.from_config(str(ws.dagster_home))
    check = dg.AssetCheckKey(dg.AssetKey(["raw", "indicator_values"]), "edition_values")
    evaluation = instance.event_log_storage.get_latest_asset_check_execution_by_key([check])[check]
    metadata = evaluation.event.dagster_event.event_specific_data.metadata
    assert metadata["editions_checked"].value == [2027]  # the release gate checked the new edition only
    assert ws.query("select count(*) from marts.fct_indicator_values where edition = 2027")[0][0] > 0
