"""The shipped bundles are exactly what the generator lays out from the reference table."""

from __future__ import annotations

import shutil

from orchestration.authoring.sample_releases import read_reference, write_sample_release
from tests.helpers import RELEASES


def test_regenerating_the_sample_releases_reproduces_the_committed_files(tmp_path):
    rows = read_reference()
    for edition in sorted({r.edition for r in rows}):
        target = tmp_path / str(edition)
        target.mkdir()
        shutil.copy2(RELEASES / str(edition) / "manifest.yml", target / "manifest.yml")
        written = write_sample_release(target, [r for r in rows if r.edition == edition])
        assert written == sum(1 for r in rows if r.edition == edition)
        committed = {
            p.relative_to(RELEASES / str(edition)): p.read_bytes()
            for p in (RELEASES / str(edition)).rglob("*")
            if p.is_file()
        }
        generated = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
        assert generated == committed, edition


def test_the_sample_releases_hold_every_reference_row_once():
    rows = read_reference()
    assert len(rows) == 289
    provenance_rows = sum(
        len((RELEASES / str(e) / "PROVENANCE.csv").read_text(encoding="utf-8").splitlines()) - 1
        for e in {r.edition for r in rows}
    )
    assert provenance_rows == 289
