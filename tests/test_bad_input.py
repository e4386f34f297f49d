"""Bad input, end to end through `ai-index build`: the build exits non-zero naming the file, row and
column, builds the other editions, and loses nothing. Each kind of bad input is decided by the release
gate and asserted there (tests/faults/, tests/test_release_checks.py); this is the whole path once."""

from __future__ import annotations

from tests.helpers import PER_100K, Workspace, replace_in_file, run_cli


def test_an_unknown_place_fails_the_build_names_it_and_keeps_every_mart(workspace: Workspace, capsys):
    marts_before = workspace.mart_checksums()
    raw_before = workspace.query("select edition, loaded_at from raw.editions order by edition")
    replace_in_file(workspace.edition_file(2025, PER_100K), "Luxembourg,", "Atlantis,")
    files_before = workspace.raw_file_hashes()

    code, out = run_cli(workspace, "build", capsys=capsys)

    assert code != 0
    assert "REJECTED editions [2025]" in out
    for shown in (PER_100K, "row 2", "'Geographic Area'", "known_place", "'Atlantis'"):
        assert shown in out, (shown, out)
    assert workspace.mart_checksums() == marts_before
    assert workspace.query("select edition, loaded_at from raw.editions order by edition") == raw_before
    assert workspace.raw_file_hashes() == files_before  # raw files are never modified
