"""Run the release-check suites with Great Expectations 1.x and summarise the results.

GE 1.24's SQL data source fails on DuckDB (`list index out of range`), so the suites validate pandas
DataFrames (a dataframe asset, whole-dataframe batch). Each run updates the Data Docs site under
`data/docs/ge/`; its page URL goes into the outcome so Dagster can link to it.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network calls from the checks

import great_expectations as gx  # noqa: E402
from great_expectations.core.run_identifier import RunIdentifier  # noqa: E402
from great_expectations.data_context.types.resource_identifiers import (  # noqa: E402
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from expectations import suites  # noqa: E402
from expectations.config import ReleaseCheckConfig, load_config  # noqa: E402
from expectations.docs_assets import localize_docs  # noqa: E402
from expectations.frames import cross_edition_frame, edition_values_frame, geocode  # noqa: E402
from expectations.stores import context_config  # noqa: E402
from orchestration.reference.geography import gazetteer  # noqa: E402
from orchestration.releases.loader import LoadedEdition  # noqa: E402

DOCS_SITE = "ai_index_release_checks"
EXAMPLES_SHOWN = 20


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    check: str  # config name: sets the severity
    check_id: str
    severity: str  # error | warning
    success: bool
    unexpected_count: int
    description: str
    examples: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return "PASS" if self.success else ("FAIL" if self.severity == "error" else "WARN")


@dataclass(frozen=True)
class SuiteOutcome:
    edition: int
    suite: str
    outcomes: tuple[ExpectationOutcome, ...]
    rows_validated: int
    docs_url: str | None = None
    result_identifier: object = field(default=None, compare=False, repr=False)

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "error"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures


@dataclass
class ReleaseCheckRun:
    edition: int
    suites: list[SuiteOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.suites)

    def problems(self) -> list[str]:
        """Human-readable lines for every blocking failure: edition, suite, expectation, rows."""
        lines = []
        for suite in self.suites:
            for outcome in suite.blocking_failures:
                lines.append(
                    f"[{suite.suite}] {outcome.check_id} failed ({outcome.unexpected_count} row(s)): "
                    f"{outcome.description}"
                )
                lines += [f"    {example}" for example in outcome.examples]
        return lines


@cache
def _context(context_dir: str, docs_dir: str):
    # Ephemeral: no great_expectations.yml to rewrite (and truncate, if the build is killed) on every run.
    context = gx.get_context(
        mode="ephemeral", project_config=context_config(Path(context_dir), Path(docs_dir), DOCS_SITE)
    )
    context.data_sources.add_or_update_pandas("release_checks")
    return context


def _batch_definition(context, suite_name: str):
    source = context.data_sources.get("release_checks")
    try:
        asset = source.get_asset(suite_name)
    except LookupError:
        asset = source.add_dataframe_asset(suite_name)
    try:
        return asset.get_batch_definition("whole_frame")
    except KeyError:
        return asset.add_batch_definition_whole_dataframe("whole_frame")


def _shown(value: object) -> str:
    if value is None or value != value or value == "":  # None, NaN or an empty cell
        return "(blank)"
    return repr(value)


def _example(suite: str, row: dict, column_field: str, prefix: str) -> str:
    if suite == suites.FILE_COLUMNS:
        if row.get("column_name") == suites.FILE_ROW:
            return f"{prefix}{row.get('source_file')}: {row.get('status')} (not in the manifest's files)"
        return f"{prefix}{row.get('source_file')}, row 0 (header), column {row.get('column_name')!r}: {row.get('status')}"
    if suite == suites.CROSS_EDITION:
        if row.get("geo_code") is None or row.get("geo_code") != row.get("geo_code"):  # a metric row
            return f"{row.get('metric')}: reported by edition {row.get('edition_from')}, not by this edition"
        value_to = row.get("value_to")
        if value_to is None or value_to != value_to:  # NaN: a continuity row, the place is gone
            return (
                f"{row.get('metric')} {row.get('geo_code')} {row.get('data_year')}: reported by edition "
                f"{row.get('edition_from')} ({row.get('value_from')}), not by this edition"
            )
        return (
            f"{row.get('metric')} {row.get('geo_code')} {row.get('data_year')}: edition {row.get('edition_from')} "
            f"published {row.get('value_from')}, this edition {row.get('value_to')} "
            f"({row.get('source_file')}, row {row.get('row_number')})"
        )
    column = row.get(column_field)
    where = f", column {column!r}" if isinstance(column, str) else ""
    return (
        f"{prefix}{row.get('source_file')}, row {row.get('row_number')}{where}: {row.get('metric')} "
        f"place {_shown(row.get('place_as_written'))}, year {_shown(row.get('year_as_written'))}, "
        f"value {_shown(row.get('value_as_written'))}"
    )


def _exception_infos(result) -> list[dict]:
    info = result.exception_info or {}
    if "raised_exception" in info:
        return [info]
    return [v for v in info.values() if isinstance(v, dict)]


def _outcomes(suite: str, checks: list[suites.Check], result, prefix: str) -> tuple[ExpectationOutcome, ...]:
    by_id = {c.id: c for c in checks}
    outcomes = []
    for r in result.results:
        meta = r.expectation_config.meta or {}
        check = by_id[meta["check_id"]]
        details = r.result or {}
        rows = details.get("partial_unexpected_index_list") or details.get("unexpected_index_list") or []
        examples = tuple(
            _example(suite, row, meta["column"], prefix)
            for row in rows[:EXAMPLES_SHOWN]
            if isinstance(row, dict)
        )
        crashed = [
            info.get("exception_message") for info in _exception_infos(r) if info.get("raised_exception")
        ]
        if crashed:  # an expectation that could not run is a failure, never a silent pass
            examples = (f"the expectation raised: {crashed[0]}",)
        outcomes.append(
            ExpectationOutcome(
                suite=suite,
                check=check.name,
                check_id=check.id,
                severity="error" if r.expectation_config.severity.value == "critical" else "warning",
                success=bool(r.success),
                unexpected_count=int(details.get("unexpected_count") or 0),
                description=check.description,
                examples=examples,
            )
        )
    return tuple(sorted(outcomes, key=lambda o: (o.success, o.check_id)))


# Per context and suite name: the fingerprint of the expectations registered, and their definition.
_definitions: dict[tuple[int, str], tuple[str, object]] = {}


def _definition(context, suite: str, name: str, checks: list[suites.Check]):
    """The validation definition of this suite for one edition, registered once per process for as long
    as its expectations do not change (a gate checks many editions and the tests many copies: the suite
    store's write and the definition's registration cost ~0.1 s each)."""
    expectations = [c.expectation for c in checks]
    fingerprint = json.dumps(
        [e.configuration.to_json_dict() for e in expectations], sort_keys=True, default=str
    )
    known = _definitions.get((id(context), name))
    if known is not None and known[0] == fingerprint:
        return known[1]
    suite_obj = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=expectations))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=_batch_definition(context, suite), suite=suite_obj)
    )
    _definitions[(id(context), name)] = (fingerprint, definition)
    return definition


def _columns_read(expectations: list) -> set[str]:
    """The frame columns these expectations read: their column arguments and their row conditions'."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("column", "column_A", "column_B") and isinstance(value, str):
                    found.add(value)
                elif key == "column_list":
                    found.update(value)
                elif key == "column" and isinstance(value, dict):  # a row condition's column
                    found.add(value["name"])
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for expectation in expectations:
        walk(expectation.configuration.kwargs)
    return found


def _validation_frame(frame: pd.DataFrame, suite: str, checks: list[suites.Check]) -> pd.DataFrame:
    """The columns the suite reads or reports, text as categories. GE filters the whole frame again for
    every metric of an expectation with a row condition (~30 filters a suite), taking every column along,
    and a take of Arrow-backed text is slow. Measured on the 1 M-value synthetic set, GE (bench baseline):
    25.8 s as loaded, 24.3 s with only these columns, 18.6 s with their text as categories."""
    wanted = _columns_read([c.expectation for c in checks]) | set(suites.ROW_IDENTITY[suite])
    frame = frame[[c for c in frame.columns if c in wanted]]
    text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype({c: "category" for c in text}).reset_index(drop=True)


def run_suite(
    suite: str,
    edition: int,
    checks: list[suites.Check],
    frame: pd.DataFrame,
    context_dir: Path,
    docs_dir: Path,
    file_prefix: str = "",
) -> SuiteOutcome:
    context = _context(str(context_dir), str(docs_dir))
    name = f"{suite}.edition_{edition}"
    result_format = {
        "result_format": "SUMMARY",
        "unexpected_index_column_names": suites.ROW_IDENTITY[suite],
        "partial_unexpected_count": EXAMPLES_SHOWN,
        # The query GE writes to fetch a failure's rows from the DataFrame (shown in the Data Docs): the
        # rows are named by file, row and column instead, and writing it cost 16 % of a suite's run.
        "return_unexpected_index_query": False,
    }
    # The validation definition runs itself (and stores its result for the Data Docs): a checkpoint
    # around it would only add its own registration and freshness checks (~0.2 s a suite), since the
    # Data Docs are rendered once per run by publish_data_docs() (~0.5 s a validation otherwise).
    run_id = RunIdentifier(run_time=datetime.datetime.now(datetime.UTC))
    result = _definition(context, suite, name, checks).run(
        batch_parameters={"dataframe": _validation_frame(frame, suite, checks)},
        result_format=result_format,
        run_id=run_id,
    )
    identifier = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
        run_id=run_id,
        batch_identifier=result.batch_id,  # the key the definition stored the result under
    )
    urls = context.get_docs_sites_urls(
        resource_identifier=identifier, site_name=DOCS_SITE, only_if_exists=False
    )
    docs_url = urls[0]["site_url"] if urls else None
    outcomes = _outcomes(suite, checks, result, file_prefix)
    return SuiteOutcome(edition, suite, outcomes, len(frame), docs_url, result_identifier=identifier)


def publish_data_docs(runs: list[ReleaseCheckRun], context_dir: Path, docs_dir: Path) -> Path:
    """Render the Data Docs pages of these validation runs (and the site index) in one pass."""
    context = _context(str(context_dir), str(docs_dir))
    identifiers = []
    for run in runs:
        for suite in run.suites:
            if suite.result_identifier is not None:
                identifiers += [
                    suite.result_identifier,
                    ExpectationSuiteIdentifier(name=f"{suite.suite}.edition_{run.edition}"),
                ]
    if identifiers:
        started = time.time()
        context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=identifiers)
        # Offline: local Bootstrap, jQuery and Font Awesome instead of CDNs, in the pages just rendered.
        localize_docs(docs_dir, since=started - 1)
    return docs_index(docs_dir)


def run_release_checks(
    loaded: LoadedEdition,
    earlier: pd.DataFrame,
    breaks: set[tuple[int, str]],
    context_dir: Path,
    docs_dir: Path,
    file_prefix: str = "",
    config: ReleaseCheckConfig | None = None,
    build_docs: bool = True,
    restated: frozenset[tuple[str, str, int]] = frozenset(),
) -> ReleaseCheckRun:
    """All three suites for one edition. `earlier`: raw rows of earlier editions; `breaks`: (edition,
    metric) pairs whose manifest declares a methodology break, this edition's included. With
    `build_docs=False` the caller publishes the Data Docs of several editions at once."""
    config = config or load_config()
    places = gazetteer()
    values = edition_values_frame(loaded.frame, places, config)
    run = ReleaseCheckRun(loaded.edition)
    run.suites.append(
        run_suite(suites.FILE_COLUMNS, loaded.edition, suites.file_columns_checks(config), loaded.columns,
                  context_dir, docs_dir, file_prefix)
    )  # fmt: skip
    run.suites.append(
        run_suite(suites.EDITION_VALUES, loaded.edition, suites.edition_values_checks(config, loaded.edition),
                  values, context_dir, docs_dir, file_prefix)
    )  # fmt: skip
    cross = cross_edition_frame(
        values, geocode(earlier, places) if len(earlier) else earlier, breaks, config, restated
    )
    run.suites.append(
        run_suite(suites.CROSS_EDITION, loaded.edition, suites.cross_edition_checks(config), cross,
                  context_dir, docs_dir, file_prefix)
    )  # fmt: skip
    if build_docs:
        publish_data_docs([run], context_dir, docs_dir)
    return run


def docs_index(docs_dir: Path) -> Path:
    return docs_dir / "index.html"
