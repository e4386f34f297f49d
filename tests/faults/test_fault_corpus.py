"""Hostile and malformed editions are refused at the release gate, by name, and change nothing.

Each case corrupts a copy of the 2025 edition one way and runs the gate against a copy of the gated
warehouse (`raw` of the five editions), as a build's raw step does: the edition is rejected with the file (and row and column where
there is one) named, its raw files are as they were, and the warehouse holds exactly what it held. The
whole CLI path of a rejection (exit code, summary, marts untouched after dbt would have run) is
asserted once, in tests/test_bad_input.py.
"""

from __future__ import annotations

import signal

import pytest

from orchestration.warehouse.gate import gate_edition
from tests.faults.cases import CASES, EDITION
from tests.helpers import Workspace


def test_the_corpus_holds_at_least_thirty_cases():
    assert len(CASES) >= 30


def _rejected_named_and_nothing_changed(gated_workspace: Workspace, name: str) -> None:
    raw_before = gated_workspace.query(
        "select edition, bundle_sha256, loaded_at from raw.editions order by edition", work=True
    )
    values_before = gated_workspace.query(
        "select count(*), sum(hash(value)) from raw.indicator_values", work=True
    )
    expected = CASES[name](gated_workspace)
    files_before = gated_workspace.raw_file_hashes()

    # A FIFO or a socket must be refused at once: were the gate to block on one, fail rather than hang.
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail(f"{name}: the release gate blocked for 60 s"))
    signal.alarm(60)
    try:
        report = gate_edition(gated_workspace.releases / str(EDITION), gated_workspace.settings())
    finally:
        signal.alarm(0)

    assert report.status == "rejected", report
    message = "\n".join(report.problems)
    for text in expected:
        assert text in message, (name, text, message[-3000:])
    assert gated_workspace.raw_file_hashes() == files_before, "a raw file was modified"
    assert (
        gated_workspace.query(
            "select edition, bundle_sha256, loaded_at from raw.editions order by edition", work=True
        )
        == raw_before
    )
    assert (
        gated_workspace.query("select count(*), sum(hash(value)) from raw.indicator_values", work=True)
        == values_before
    )


# Two classes of alternate cases, so that `--dist loadscope` runs the corpus (half a minute of gate runs)
# on both workers: it sends a module's test functions, or a class's methods, to one worker.
HALVES = (sorted(CASES)[0::2], sorted(CASES)[1::2])


class TestMalformedEditionsFirstHalf:
    @pytest.mark.parametrize("name", HALVES[0])
    def test_a_malformed_edition_is_rejected_named_and_changes_nothing(
        self, gated_workspace: Workspace, name: str
    ):
        _rejected_named_and_nothing_changed(gated_workspace, name)


class TestMalformedEditionsSecondHalf:
    @pytest.mark.parametrize("name", HALVES[1])
    def test_a_malformed_edition_is_rejected_named_and_changes_nothing(
        self, gated_workspace: Workspace, name: str
    ):
        _rejected_named_and_nothing_changed(gated_workspace, name)
