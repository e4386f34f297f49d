"""Hostile and malformed editions never corrupt the warehouse (issue 6, acceptance 1)."""

from __future__ import annotations

import pytest

from tests.faults.cases import CASES, EDITION
from tests.helpers import Workspace, run_cli


def test_the_corpus_holds_at_least_thirty_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_malformed_edition_is_rejected_named_and_changes_nothing(workspace: Workspace, name: str, capsys):
    marts_before = workspace.mart_checksums()
    raw_before = workspace.query(
        "select edition, bundle_sha256, loaded_at from raw.editions order by edition"
    )
    expected = CASES[name](workspace)
    files_before = workspace.raw_file_hashes()

    code, out = run_cli(workspace, "build", capsys=capsys)

    assert code != 0, out
    assert f"REJECTED editions [{EDITION}]" in out, out
    for text in expected:
        assert text in out, (name, text, out[-3000:])
    assert workspace.raw_file_hashes() == files_before, "a raw file was modified"
    assert workspace.mart_checksums() == marts_before, "a mart changed"
    assert (
        workspace.query("select edition, bundle_sha256, loaded_at from raw.editions order by edition")
        == raw_before
    )
