"""Load one edition through the release gate: read, check with Great Expectations, then write.

Nothing of an edition reaches `raw` (and so the marts) unless its blocking checks pass; a rejected
edition leaves the warehouse exactly as it was. Used by the Dagster raw asset and by
`ai-index validate` (which stops before writing).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from orchestration.errors import BundleError, EditionRejected
from orchestration.releases.bundle import Bundle, open_bundle
from orchestration.releases.loader import LoadedEdition, load_edition
from orchestration.releases.schema import RAW_COLUMNS
from orchestration.settings import EXPECTATIONS_DIR, SHIPPED_RELEASES_DIR, Settings
from orchestration.warehouse.raw import earlier_editions, methodology_breaks, replace_edition, warehouse_state

# What the checks and the raw rows depend on besides the bundle: a change here reloads unchanged editions.
REGISTRY_SEEDS = ("geo_aliases.csv", "geographies.csv", "metrics.csv", "units.csv", "subjects.csv")


def check_inputs(settings: Settings) -> list[Path]:
    return [
        EXPECTATIONS_DIR / "release_checks.yml",
        settings.dbt_project_dir / "macros" / "judged_revision_pct.sql",
        *(settings.seeds_dir / name for name in REGISTRY_SEEDS),
    ]


def checks_fingerprint(settings: Settings) -> str:
    digest = hashlib.sha256(",".join(RAW_COLUMNS).encode())  # the raw layout the rows were written in
    digest.update(importlib.metadata.version("pycountry").encode())  # the ISO country names it resolves
    for path in check_inputs(settings):
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class EditionReport:
    edition: int
    status: str  # loaded | unchanged | rejected | validated
    problems: list[str] = field(default_factory=list)
    checks: object | None = (
        None  # expectations.runner.ReleaseCheckRun (imported lazily: GE is slow to import)
    )
    loaded: LoadedEdition | None = None  # dropped once written: a run may load many large editions
    loaded_at: datetime | None = None
    fingerprint: str | None = None
    rows: int = 0
    files: tuple = ()  # orchestration.releases.loader.LoadedFile of each file

    @property
    def ok(self) -> bool:
        return self.status != "rejected"


def _reject(edition: int, problems: list[str], **kwargs) -> EditionReport:
    return EditionReport(edition, "rejected", problems=problems, **kwargs)


def editions_not_current(settings: Settings, editions: list[int]) -> list[int]:
    """Editions whose bundle (or the checks) changed since raw last loaded them, or that cannot be read."""
    from orchestration.releases.bundle import discover_editions

    releases = discover_editions(settings.releases_dir)
    state, checks_fp = warehouse_state(settings.work_path), checks_fingerprint(settings)
    stale = []
    for edition in editions:
        try:
            current = (open_bundle(releases[edition]).fingerprint(), checks_fp)
        except (BundleError, KeyError):
            current = None
        if current is None or state.get(edition) != current:
            stale.append(edition)
    return stale


def gate_edition(
    edition_dir: Path,
    settings: Settings,
    *,
    force: bool = False,
    write: bool = True,
    accept_breaks: bool = False,
) -> EditionReport:
    """Open, parse, check and (if `write` and the checks pass) load one edition."""
    edition = int(edition_dir.name)
    try:
        bundle: Bundle = open_bundle(edition_dir)
        fingerprint = bundle.fingerprint()
    except BundleError as exc:
        return _reject(edition, [str(exc)])
    if bundle.manifest.synthetic and edition_dir.resolve().parent == SHIPPED_RELEASES_DIR:
        return _reject(
            edition, [f"{edition_dir}: a synthetic edition may not be loaded from {SHIPPED_RELEASES_DIR}"]
        )
    checks_fp = checks_fingerprint(settings)
    if write and not force and warehouse_state(settings.work_path).get(edition) == (fingerprint, checks_fp):
        return EditionReport(edition, "unchanged", fingerprint=fingerprint)
    try:
        loaded = load_edition(bundle)
    except EditionRejected as exc:
        return _reject(edition, exc.problems, fingerprint=fingerprint)
    except BundleError as exc:
        return _reject(edition, [str(exc)], fingerprint=fingerprint)
    earlier = earlier_editions(settings.work_path, edition)
    breaks = methodology_breaks(settings.work_path) | {
        (edition, m) for m in bundle.manifest.methodology_breaks()
    }
    return _check_and_write(bundle, loaded, earlier, breaks, settings, checks_fp, write, accept_breaks)


def break_problems(bundle: Bundle, loaded: LoadedEdition, earlier: pd.DataFrame, config) -> list[str]:
    """Why this edition's breaks need an operator's acceptance: too many metrics broken at once, or a
    headline value moved beyond the bound against the value that was latest (a poisoned edition could
    otherwise declare breaks everywhere and replace every figure)."""
    from orchestration.reference.metrics import registry

    declared = bundle.manifest.methodology_breaks()
    if not declared:
        return []
    problems = []
    share = len(declared) / max(len(bundle.manifest.metrics), 1)
    if share > config.breaks.max_share_of_metrics:
        problems.append(
            f"breaks declared on {len(declared)} of {len(bundle.manifest.metrics)} metrics ({share:.0%}), above "
            f"the {config.breaks.max_share_of_metrics:.0%} bound: {sorted(declared)}"
        )
    headline = {s.headline_metric for s in registry().subjects.values()} & set(declared)
    if headline and len(earlier):
        before = (
            earlier[earlier["metric"].isin(headline)].dropna(subset=["geo_code"])
            .sort_values("edition").drop_duplicates(["metric", "geo_code", "data_year"], keep="last")
        )  # fmt: skip
        now = loaded.frame[loaded.frame["metric"].isin(headline)].dropna(subset=["geo_code", "value"])
        moved = now.merge(before, on=["metric", "geo_code", "data_year"], suffixes=("", "_before"))
        moved = moved[moved["value_before"] != 0]
        moved = moved.assign(
            pct=100 * (moved["value"] - moved["value_before"]).abs() / moved["value_before"].abs()
        )
        beyond = moved[moved["pct"] > config.breaks.max_headline_move_pct].sort_values("pct", ascending=False)
        for r in beyond.head(10).itertuples():
            problems.append(
                f"break on headline metric {r.metric}: {r.geo_code} {r.data_year} moves from {r.value_before:g} "
                f"(edition {r.edition_before}) to {r.value:g} ({r.pct:+.0f}%), above the "
                f"{config.breaks.max_headline_move_pct:g}% bound"
            )
    if problems:
        problems.append(
            f"breaks waive the revision checks of their metrics: if this edition's breaks are reviewed, accept "
            f"them with `ai-index build --accept-breaks {bundle.edition}` (or in expectations/release_checks.yml)"
        )
    return problems


def _check_and_write(
    bundle, loaded, earlier: pd.DataFrame, breaks, settings: Settings, checks_fp: str, write: bool,
    accept_breaks: bool = False,
):  # fmt: skip
    from expectations.config import load_config
    from expectations.runner import run_release_checks

    config = load_config()
    # Data Docs are rendered once for all the editions of a run: see publish_check_docs().
    checks = run_release_checks(
        loaded, earlier, breaks, settings.ge_context_dir, settings.ge_docs_dir,
        file_prefix=f"{bundle.edition_dir}/{bundle.manifest.bundle}/", config=config, build_docs=False,
        restated=frozenset((r.metric, r.geo_code, r.data_year) for r in bundle.manifest.restatements),
    )  # fmt: skip
    report = EditionReport(
        loaded.edition, "validated", checks=checks, loaded=loaded, fingerprint=loaded.fingerprint,
        rows=len(loaded.frame), files=loaded.files,
    )  # fmt: skip
    if not checks.passed:
        report.status = "rejected"
        report.problems = checks.problems()
        return report
    accepted = accept_breaks or bundle.edition in config.breaks.accepted
    deliberate = [] if accepted else break_problems(bundle, loaded, earlier, config)
    if deliberate:
        report.status = "rejected"
        report.problems = [f"[breaks] {p}" for p in deliberate]
        return report
    if write:
        container = "zip" if bundle.is_zip else "folder"
        report.loaded_at = replace_edition(
            settings.work_path, loaded, bundle.manifest, container, checks_fp, config.metrics.values()
        )
        report.status = "loaded"
        report.loaded = None  # the rows are in the warehouse now; keep only what the metadata needs
    return report


def publish_check_docs(reports: list[EditionReport], settings: Settings) -> Path:
    """Render the GE Data Docs pages of these editions' validations, and the site index, in one pass."""
    from expectations.runner import publish_data_docs

    return publish_data_docs(
        [r.checks for r in reports if r.checks is not None], settings.ge_context_dir, settings.ge_docs_dir
    )


def validate_releases(
    releases: dict[int, Path], settings: Settings, accept_breaks: frozenset[int] = frozenset()
) -> list[EditionReport]:
    """Check editions in order against each other (not against the warehouse): `ai-index validate`."""
    reports, earlier, breaks = [], [], set()
    for edition, edition_dir in sorted(releases.items()):
        try:
            bundle = open_bundle(edition_dir)
            loaded = load_edition(bundle)
        except (BundleError, EditionRejected) as exc:
            problems = exc.problems if isinstance(exc, EditionRejected) else [str(exc)]
            reports.append(_reject(edition, problems))
            continue
        breaks |= {(edition, m) for m in bundle.manifest.methodology_breaks()}
        previous = pd.concat(earlier, ignore_index=True) if earlier else loaded.frame.iloc[0:0]
        report = _check_and_write(
            bundle,
            loaded,
            previous,
            breaks,
            settings,
            "",
            write=False,
            accept_breaks=edition in accept_breaks,
        )
        reports.append(report)
        if report.ok:
            earlier.append(loaded.frame)
    publish_check_docs(reports, settings)
    return reports
