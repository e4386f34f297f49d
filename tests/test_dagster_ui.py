"""`dagster dev` as its users meet it. In headless Chromium: "Materialize all" for one edition from the
global asset graph (Lineage), with `force` set in the launch dialog's config editor; the run runs
in-process and succeeds, and the asset's page shows what the load wrote.

Needs Debian's Chromium (`.ci/chromium.sh`). Screenshots and the webserver's log go to
tests/output/browser/.

The run is launched by clicking the UI ("Materialize all…" on the Lineage page, the edition picked in
the partition dialog, `ops: {raw_editions: {config: {force: true}}}` typed into "Add config", "Launch 1
run"), not through GraphQL: the buttons are reachable and the clicks are what this test is about.
GraphQL and the instance are used only to wait for the server and to read the run.

The server starts on an already built warehouse (the session's `built` copy): on an empty one,
`edition_release_sensor` (running by default) would launch a run per edition at its first tick, before
the UI is even up. With every edition current it skips, and the forced run reloads the edition for real.

The same server (one `dagster dev` start, ~20 s, for the module) then serves a second user at once: a
CLI build overlapping the run its sensor launches for an edition dropped into the releases directory.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from playwright.sync_api import Error, Page, Response, expect, sync_playwright

from orchestration.defs.raw import CHECKS as RAW_CHECKS
from orchestration.settings import PROJECT_ROOT
from tests.dagster_dev import DagsterDev, dagster_dev
from tests.helpers import Workspace, make_workspace
from tests.reliability.warm_builds import WarmBuild

pytestmark = pytest.mark.slow

EDITION = "2025"
OUTPUT = PROJECT_ROOT / "tests" / "output" / "browser"
# Without the networking flags Chromium's background services try the (closed) network.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


# --- fixtures: Chromium, the webserver on a workspace of its own, a browser page ----------------------


@pytest.fixture(scope="module")
def ui(built: Workspace, tmp_path_factory) -> Iterator[DagsterDev]:
    """`dagster dev` on a copy of the built warehouse, with the edition partitions registered, for the
    module's tests; killed after."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob("*.png"):
        old.unlink()
    workspace = make_workspace(tmp_path_factory.mktemp("dagster-dev") / "ws", warehouse_from=built.warehouse)
    with dagster_dev(workspace, OUTPUT / "dagster-dev.log") as ui:
        ui.graphql("mutation { setNuxSeen }")  # no "Join the Dagster community" dialog over the page
        yield ui


@pytest.fixture
def page(ui: DagsterDev, chromium: Path, tmp_path: Path) -> Iterator[Page]:
    """A page of a fresh Chromium profile; closed before the server stops (hence `ui`)."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile", executable_path=chromium, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1600, "height": 1000},
        )  # fmt: skip
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            yield page
        finally:
            with contextlib.suppress(Error):
                page.screenshot(path=OUTPUT / "last-page.png")  # where a failing step stopped
            context.close()


# --- the test ------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_materialize_all_from_the_asset_graph_runs_in_process_with_force_and_shows_what_it_loaded(
    ui: DagsterDev, page: Page
) -> None:
    runs_before = {r["runId"] for r in ui.runs()}
    loaded_before = ui.workspace.query("select loaded_at from raw.editions where edition = ?", [int(EDITION)])
    run_id = materialize_all_from_the_asset_graph(page, ui, EDITION)

    assert ui.wait_for_run(run_id) == "SUCCESS", f"run {run_id} did not succeed; see {ui.log}"
    assert other_runs(ui, runs_before | {run_id}) == [], "edition_release_sensor launched runs of its own"
    assert "force: true" in run_config_yaml(ui, run_id)
    # `force` reached the release gate: the unchanged edition was loaded again, not skipped.
    loaded_after = ui.workspace.query("select loaded_at from raw.editions where edition = ?", [int(EDITION)])
    assert loaded_after > loaded_before
    assert ran_in_process(ui, run_id), "the run did not use the in-process executor"

    show_run(page, ui, run_id)
    show_asset_overview(page, ui)
    show_asset_event(page, ui, run_id)
    show_asset_checks(page, ui)


# --- steps ---------------------------------------------------------------------------------------------


def materialize_all_from_the_asset_graph(page: Page, ui: DagsterDev, edition: str) -> str:
    """ "Materialize all…" on the Lineage page for one edition, `force` in the config; return the run id."""
    page.goto(f"{ui.url}/asset-groups")
    expect(page.get_by_text("Global asset lineage")).to_be_visible()
    expect(page.get_by_text("raw", exact=True).first).to_be_visible()
    page.screenshot(path=OUTPUT / "1-asset-graph.png")

    page.get_by_role("button", name="Materialize all").click()
    dialog = page.get_by_role("dialog").filter(has_text="Launch runs to materialize")
    dialog.get_by_text("Select a partition or create one").click()
    page.locator(f'[title="{edition}"]').click()
    page.keyboard.press("Escape")  # closes the partition list, not the dialog
    expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()

    # The edition is already loaded: without `force` the release gate would skip it as unchanged.
    dialog.get_by_text("Config", exact=True).click()  # unfolds the section
    dialog.get_by_role("button", name="Add config").click()
    editor = page.get_by_role("dialog").filter(has_text="Config Editor")
    expect(editor.get_by_text("raw_editions").first).to_be_visible()  # the typed run options, from the schema
    editor.locator(".CodeMirror").click()
    page.keyboard.insert_text("ops: {raw_editions: {config: {force: true}}}")
    expect(editor.get_by_text("No errors")).to_be_visible()
    page.screenshot(path=OUTPUT / "2-config-editor.png")
    editor.get_by_role("button", name="Save config").click()
    expect(editor).to_be_hidden()
    page.screenshot(path=OUTPUT / "3-launch-dialog.png")

    with page.expect_response(is_run_launch) as launched:
        dialog.get_by_role("button", name="Launch 1 run").click()
    result = launched.value.json()["data"]["launchPipelineExecution"]
    assert result["__typename"] == "LaunchRunSuccess", result
    run_id = result["run"]["id"]
    expect(page.get_by_text(f"Launched run {run_id[:8]}")).to_be_visible()
    return run_id


def run_config_yaml(ui: DagsterDev, run_id: str) -> str:
    query = "query($id: ID!) { runOrError(runId: $id) { ... on Run { runConfigYaml } } }"
    return ui.graphql(query, id=run_id)["runOrError"]["runConfigYaml"]


def ran_in_process(ui: DagsterDev, run_id: str) -> bool:
    """The in-process executor logs "Executing steps in process"; the multiprocess one starts a child per
    step ("Launching subprocess for ...")."""
    with dg.DagsterInstance.from_config(str(ui.workspace.dagster_home)) as instance:
        messages = [entry.message or "" for entry in instance.all_logs(run_id)]
    return any("in process" in m for m in messages) and not any("Launching subprocess" in m for m in messages)


def other_runs(ui: DagsterDev, known: set[str]) -> list[str]:
    return [r["runId"] for r in ui.runs() if r["runId"] not in known]


def show_run(page: Page, ui: DagsterDev, run_id: str) -> None:
    page.goto(f"{ui.url}/runs/{run_id}")
    expect(page.get_by_text("Success", exact=True).first).to_be_visible()
    expect(page.get_by_text(f"partition: {EDITION}")).to_be_visible()
    expect(page.get_by_text("RUN_SUCCESS").first).to_be_visible()
    page.screenshot(path=OUTPUT / "4-run.png")


def show_asset_overview(page: Page, ui: DagsterDev) -> None:
    """raw/indicator_values shows as row count what the warehouse holds for the edition."""
    rows = edition_rows(ui.workspace)
    page.goto(f"{ui.url}/assets/raw/indicator_values")
    body = page.locator("body")
    expect(body).to_contain_text(re.compile(rf"Row count\s+{rows}\b"), use_inner_text=True)
    for key in ("bundle_sha256", "files"):
        expect(body.get_by_text(key, exact=True)).to_be_visible()
    page.screenshot(path=OUTPUT / "5-asset.png")


def show_asset_event(page: Page, ui: DagsterDev, run_id: str) -> None:
    """The run's materialization event lists the edition's files, as raw.edition_files has them."""
    rows = edition_rows(ui.workspace)
    files = ui.workspace.query(
        "select path from raw.edition_files where edition = ? order by path", [int(EDITION)]
    )
    page.goto(f"{ui.url}/assets/raw/indicator_values?view=events")
    body = page.locator("body")
    expect(body).to_contain_text(f"Partition {EDITION} materialized in run {run_id[:8]}")
    expect(body.get_by_role("row", name=f"dagster/row_count {rows}", exact=True)).to_be_visible()
    page.screenshot(path=OUTPUT / "6-asset-event.png")

    # Table metadata renders inline, as a table (no markdown from data): every file is a cell of it.
    table = body.get_by_role("row", name=re.compile(r"^files ")).first
    assert files, f"raw.edition_files has no file of edition {EDITION}"
    for (path,) in files:
        expect(table.get_by_role("cell", name=path, exact=True)).to_be_visible()
    page.screenshot(path=OUTPUT / "7-asset-event-files.png")


def show_asset_checks(page: Page, ui: DagsterDev) -> None:
    """Each release check ran and no error-severity expectation failed (cross_edition may warn)."""
    page.goto(f"{ui.url}/assets/raw/indicator_values?view=checks")
    body = page.locator("body")
    for check, description in RAW_CHECKS.items():
        body.get_by_text(check, exact=True).first.click()
        expect(page).to_have_url(re.compile(rf"checkDetail={check}\b"))
        expect(body.get_by_text(description)).to_be_visible()  # the check's own panel
        expect(body.get_by_role("row", name=re.compile(r"^expectations_run [1-9]\d*$"))).to_be_visible()
        expect(body.get_by_role("row", name="expectations_failed 0", exact=True)).to_be_visible()
        page.screenshot(path=OUTPUT / f"8-asset-check-{check}.png")


# --- helpers -------------------------------------------------------------------------------------------


def edition_rows(ws: Workspace) -> int:
    return ws.query("select count(*) from raw.indicator_values where edition = ?", [int(EDITION)])[0][0]


def is_run_launch(response: Response) -> bool:
    """The UI's launch request (`/graphql?op=LaunchPipelineExecution`)."""
    return "/graphql" in response.url and "LaunchPipelineExecution" in (response.request.post_data or "")


# --- a second user of the same server: a CLI build while the sensor's run builds -------------------


@pytest.mark.slow
def test_a_cli_build_overlapping_a_sensor_launched_daemon_run_is_serialized_and_both_succeed(
    ui: DagsterDev, tmp_path: Path
):
    """`dagster dev` (as `make ui` starts it) builds an edition dropped into the releases directory while a
    user runs `ai-index build`: the two runs share one DuckDB file and one warehouse lock."""
    workspace, dev = ui.workspace, ui
    # The sensor's first tick finds every edition built; the next one (≤ 30 s) sees the new edition.
    workspace.add_edition_copy(2027)
    sensor_run = _first_sensor_run(dev)
    _until_started(dev, sensor_run)  # its run worker takes seconds to start; the CLI below does not
    cli_started = time.time()
    # The user's build: the CLI's code in a process of its own (forked warm, so that the test waits
    # on the two builds rather than on imports).
    cli = WarmBuild(workspace.env(), ["--force", "--edition", "2025"], tmp_path / "cli.log")
    cli_code = cli.wait(900)
    cli_output = cli.output()
    cli_finished = time.time()
    status = dev.wait_for_run(sensor_run)
    window = dev.run(sensor_run)

    assert cli_code == 0, cli_output
    assert status == "SUCCESS", f"sensor-launched run {sensor_run}: {status}; see {dev.log}"
    # The two really ran at the same time: each started before the other ended.
    assert cli_started < window["endTime"], "the CLI build started after the daemon's run ended"
    assert window["startTime"] < cli_finished, "the daemon's run started after the CLI build ended"
    assert "Could not set lock" not in cli_output + dev.log.read_text(encoding="utf-8")
    assert workspace.query("select count(*) from marts.fct_indicator_values where edition = 2027") == [(93,)]
    assert workspace.query("select count(*) from marts.fct_indicator_values where edition = 2025") == [(97,)]


def _first_sensor_run(dev, timeout_s: float = 120) -> str:
    """The id of the first run `edition_release_sensor` launched, as soon as it exists."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for run in dev.runs():
            if {"key": "ai_index/trigger", "value": "sensor"} in run["tags"]:
                return run["runId"]
        time.sleep(0.5)
    pytest.fail(f"edition_release_sensor launched no run in {timeout_s:.0f}s; see {dev.log}")


def _until_started(dev, run_id: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if dev.run(run_id)["status"] not in ("QUEUED", "NOT_STARTED", "STARTING"):
            return
        time.sleep(0.2)
    pytest.fail(f"run {run_id} did not start in {timeout_s:.0f}s; see {dev.log}")
