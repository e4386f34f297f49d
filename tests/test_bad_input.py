"""Bad input is rejected with file, row and column, and loses nothing (issue 2, acceptance 5)."""

from __future__ import annotations

import pytest

from tests.helpers import BY_COUNTRY, PER_100K, Workspace, replace_in_file, run_cli


def corrupt_unknown_place(ws: Workspace) -> tuple[str, str, str]:
    replace_in_file(ws.edition_file(2025, PER_100K), "Luxembourg,", "Atlantis,")
    return PER_100K, "row 2", "'Geographic Area'"


def corrupt_non_numeric_value(ws: Workspace) -> tuple[str, str, str]:
    replace_in_file(ws.edition_file(2025, PER_100K), "6.08", "6.O8")
    return PER_100K, "row 3", "'Granted AI patents (per 100,000 inhabitants)'"


def corrupt_missing_column(ws: Workspace) -> tuple[str, str, str]:
    replace_in_file(ws.edition_file(2025, PER_100K), "Geographic Area,", "Area,")
    return PER_100K, "row 0 (header)", "'Geographic Area'"


def corrupt_duplicate_place_year(ws: Workspace) -> tuple[str, str, str]:
    path = ws.edition_file(2025, BY_COUNTRY)
    path.write_text(path.read_text(encoding="utf-8") + "China,9.29\n", encoding="utf-8")
    return BY_COUNTRY, "row 13", "'Geographic area'"


def corrupt_missing_file(ws: Workspace) -> tuple[str, str | None, str | None]:
    ws.edition_file(2025, BY_COUNTRY).unlink()
    return BY_COUNTRY, None, None


@pytest.mark.parametrize(
    "corrupt",
    [corrupt_unknown_place, corrupt_non_numeric_value, corrupt_missing_column, corrupt_duplicate_place_year,
     corrupt_missing_file],
)  # fmt: skip
def test_bad_input_fails_the_build_names_the_place_and_keeps_every_mart(
    workspace: Workspace, corrupt, capsys
):
    marts_before = workspace.mart_checksums()
    raw_before = workspace.query("select edition, loaded_at from raw.editions order by edition")
    file, row, column = corrupt(workspace)
    files_before = workspace.raw_file_hashes()

    code, out = run_cli(workspace, "build", capsys=capsys)

    assert code != 0
    assert "REJECTED editions [2025]" in out
    assert file in out
    if row is not None:
        assert row in out and column in out, out
    assert workspace.mart_checksums() == marts_before
    assert workspace.query("select edition, loaded_at from raw.editions order by edition") == raw_before
    assert workspace.raw_file_hashes() == files_before  # raw files are never modified


def test_unknown_place_is_reported_by_name(workspace: Workspace, capsys):
    corrupt_unknown_place(workspace)
    _, out = run_cli(workspace, "build", capsys=capsys)
    assert "known_place" in out and "'Atlantis'" in out
