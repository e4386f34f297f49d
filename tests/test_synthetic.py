"""Synthetic editions (issue 5): deterministic for a seed, in the official layout, and passing the checks."""

from __future__ import annotations

import pytest

from orchestration.authoring.synthetic import SyntheticError, SynthSpec, write_synthetic_releases
from orchestration.releases.bundle import discover_editions, open_bundle
from orchestration.settings import SHIPPED_RELEASES_DIR, Settings
from orchestration.warehouse.gate import validate_releases
from tests.helpers import file_hashes

SPEC = SynthSpec(editions=3, countries=12, years=6, seed=7)


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path):
    write_synthetic_releases(tmp_path / "a", SPEC)
    write_synthetic_releases(tmp_path / "b", SPEC)
    write_synthetic_releases(tmp_path / "c", SynthSpec(3, 12, 6, seed=8))
    assert file_hashes(tmp_path / "a") == file_hashes(tmp_path / "b")
    assert file_hashes(tmp_path / "a") != file_hashes(tmp_path / "c")


def test_synthetic_bundles_are_labelled_and_pass_the_release_checks(tmp_path):
    written = write_synthetic_releases(tmp_path / "synth", SPEC)
    releases = discover_editions(tmp_path / "synth")
    assert sorted(releases) == sorted(written) == [SPEC.first_edition + i for i in range(3)]
    for edition_dir in releases.values():
        bundle = open_bundle(edition_dir)
        assert bundle.manifest.synthetic and "SYNTHETIC" in bundle.manifest.title
        assert {spec.place.column for spec in bundle.manifest.files} <= {
            "Geographic Area",
            "Geographic area",
            "Label",
            "Country",
        }
    reports = validate_releases(
        releases, Settings(tmp_path / "synth", tmp_path / "w.duckdb", tmp_path / "data")
    )
    assert all(r.ok for r in reports), [p for r in reports for p in r.problems]
    # The generated restatement of world investment is caught as a warning, as the 2025 edition's is.
    later = reports[-1].checks
    warned = {o.check_id for s in later.suites for o in s.warnings}
    assert "revision_within_warning_tolerance" in warned


def test_quirks_of_the_real_editions_are_reproduced(tmp_path):
    write_synthetic_releases(tmp_path / "synth", SPEC)
    text = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "synth").rglob("*.csv"))
    assert "World," in text  # aggregates among countries
    assert "Europe," in text  # a regional aggregate in its own grouping
    manifests = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "synth").rglob("manifest.yml"))
    assert (
        "percent_sign: true" in manifests
        and "scale: 100" in manifests
        and "thousands_separator: ','" in manifests
    )


def test_synthetic_editions_never_go_into_the_shipped_releases():
    with pytest.raises(SyntheticError, match="never go into"):
        write_synthetic_releases(SHIPPED_RELEASES_DIR / "synthetic", SPEC)
