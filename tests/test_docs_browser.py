"""The docs as a reader opens them, offline (issue 14): `ai-index docs` serves the country report and the
Great Expectations Data Docs on 127.0.0.1, headless Chromium renders them with their styles and
scripts from the local server only, and an asset check's Data Docs link opens its validation page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from orchestration.settings import PROJECT_ROOT
from tests.helpers import Workspace, run_cli
from tests.test_dagster_ui import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser]


@pytest.fixture
def docs_server(built: Workspace, capsys) -> Iterator[str]:
    run_cli(built, "profile", "KOR", capsys=capsys)  # writes data/reports/KOR.html
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli.main", "docs", "--port", str(port)],
        cwd=PROJECT_ROOT, env={**os.environ, **built.env(), "AI_INDEX_DOCS_PORT": str(port)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def page(chromium: Path, tmp_path: Path, docs_server: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        remote: list[str] = []
        # Offline: a request anywhere but the local server is recorded and refused.
        page.route(
            re.compile(r"^(?!http://127\.0\.0\.1:).*"),
            lambda route: (remote.append(route.request.url), route.abort()),
        )
        yield page
        assert remote == [], f"pages asked for remote resources: {remote}"
        browser.close()


def test_the_country_report_renders_its_headlines_charts_and_ranks(page: Page, docs_server: str):
    page.goto(f"{docs_server}/reports/KOR.html")
    expect(page.locator("h1")).to_contain_text("South Korea (KOR)")
    expect(page.locator("p.headline").first).to_contain_text("Net AI talent migration")
    charts = page.locator("img[src^='data:image/png']")
    assert charts.count() >= 3
    assert all(charts.nth(i).evaluate("i => i.naturalWidth > 100") for i in range(charts.count()))
    expect(page.locator("body")).to_contain_text("rank 8 (tied) of 11 reported, partial list")
    expect(page.locator("table").first).to_contain_text("partial list")


def test_the_data_docs_render_styled_offline_and_an_asset_checks_link_opens_its_page(
    page: Page, docs_server: str, built: Workspace
):
    page.goto(f"{docs_server}/ge/index.html")
    rows = page.locator("table.ge-index-page-validation-results-table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 15  # three suites for each of the five editions
    # Bootstrap's stylesheet is applied: its navbar and button rules, not the browser's defaults.
    assert page.locator(".btn").first.evaluate("b => getComputedStyle(b).borderRadius") != "0px"
    assert page.locator("body").evaluate("b => getComputedStyle(b).fontFamily") != '"Times New Roman"'
    rows.first.click()
    expect(page).to_have_url(re.compile(r"/ge/validations/.+\.html$"))
    expect(page.locator("body")).to_contain_text("Expectation Validation Result")
    expect(page.locator("body")).to_contain_text("Unsuccessful Expectations")

    # The asset check's link, as the Dagster UI shows it: http, to this server, and it opens.
    instance = dg.DagsterInstance.from_config(str(built.dagster_home))
    check = dg.AssetCheckKey(dg.AssetKey(["raw", "indicator_values"]), "cross_edition")
    evaluation = instance.event_log_storage.get_latest_asset_check_execution_by_key([check])[check]
    metadata = evaluation.event.dagster_event.event_specific_data.metadata
    link = metadata["data_docs_2026"].value
    assert link.startswith("http://127.0.0.1:") and "/ge/validations/cross_edition/edition_2026/" in link
    page.goto(link.replace(link.split("/ge/")[0], docs_server))
    expect(page.locator("body")).to_contain_text("cross_edition.edition_2026")
