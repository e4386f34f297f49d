"""`ai-index`: build and check the warehouse from the command line.

    ai-index build [--edition YEAR ...] [--force] [--full-refresh] [--wait SECONDS] [--target duckdb|postgres]
    ai-index validate [--edition YEAR ...]
    ai-index status
    ai-index rollback [--wait SECONDS]
    ai-index scaffold BUNDLE [--edition YEAR] [--out manifest.yml]
    ai-index pin EDITION
    ai-index mart-docs
    ai-index docs [--port 8780]
    ai-index remove-partition KEY
    ai-index profile ISO3
    ai-index claims FILE.yml
    ai-index synth OUT_DIR --editions N --countries C --years Y [--seed S]
    ai-index ui [--port 3000]

`build` materializes the selected edition partitions in-process through Dagster (the same assets the
UI shows), skipping editions whose bundle and checks are unchanged since they were loaded, and
publishes the result as the snapshot BI tools read (AI_INDEX_WAREHOUSE). `status`, `profile` and
`claims` read that snapshot, read-only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from orchestration.releases.bundle import discover_editions, reading_once
from orchestration.settings import Settings, get_settings


def _print(message: str) -> None:
    """Everything the CLI prints: untrusted text (paths, names, cells) cannot drive the terminal."""
    from orchestration.publish.escaping import escape_terminal

    print(escape_terminal(message), flush=True)


def _selected(releases: dict[int, Path], wanted: Sequence[int] | None) -> list[int]:
    if not wanted:
        return sorted(releases)
    missing = sorted(set(wanted) - set(releases))
    if missing:
        raise SystemExit(f"ai-index: no edition directory for {missing} under the releases directory")
    return sorted(set(wanted))


def _editions_to_build(
    settings: Settings, releases: dict[int, Path], selected: list[int], force: bool
) -> list[int]:
    """Selected editions whose bundle or checks changed, plus those whose marts lag behind raw."""
    from orchestration.warehouse.build_state import marts_lag
    from orchestration.warehouse.gate import editions_not_current

    if force:
        return selected
    lagging = [e for e in marts_lag(settings.work_path) if e in releases]
    return sorted(set(editions_not_current(settings, selected)) | set(lagging))


def build(
    editions: Sequence[int] | None,
    force: bool = False,
    full_refresh: bool = False,
    wait_s: float = 3600,
    accept_breaks: Sequence[int] = (),
) -> int:
    from orchestration.warehouse.lock import warehouse_lock
    from orchestration.warehouse.snapshot import prepare_work

    settings = get_settings()
    releases = discover_editions(settings.releases_dir)
    _report_skipped(settings)
    if not releases:
        _print(f"ai-index build: no edition directories under {settings.releases_dir}")
        return 2
    selected = _selected(releases, editions)
    started = time.perf_counter()
    # One read of each bundle for the whole build: planning, the release gate and the load share it.
    with warehouse_lock(settings.lock_path, timeout_s=wait_s, notify=_print), reading_once():
        prepare_work(settings)
        to_build = _editions_to_build(settings, releases, selected, force or full_refresh)
        if not to_build:
            if _snapshot_readable(settings):
                _print(f"up to date: editions {selected} unchanged since they were loaded; nothing to do")
                return 0
            from orchestration.warehouse.snapshot import publish_snapshot

            published = publish_snapshot(settings)  # the served file was missing or damaged
            _print(
                f"up to date; the published snapshot was missing or unreadable: published again ({published.path})"
            )
            return 0
        from orchestration.cli.runs import run_build
        from orchestration.warehouse.dbt_cli import ensure_manifest

        ensure_manifest(settings.dbt_project_dir)  # the asset graph is read from it
        outcome = run_build(
            settings, sorted(releases), to_build, force=force, full_refresh=full_refresh,
            accept_breaks=list(accept_breaks), log=_print,
        )  # fmt: skip
    _print(outcome.summary(time.perf_counter() - started))
    return 0 if outcome.ok else 1


def _snapshot_readable(settings: Settings) -> bool:
    """The served snapshot exists and DuckDB reads its marts' catalog (a truncated or zeroed file fails)."""
    import duckdb

    from orchestration.warehouse.connection import connect

    if not settings.warehouse_path.exists():
        return False
    try:
        with connect(settings.warehouse_path, read_only=True) as con:
            _read_marts(con)
    except duckdb.Error:
        return False
    return True


def _report_skipped(settings: Settings) -> None:
    from orchestration.releases.bundle import scan_releases

    for name, why in scan_releases(settings.releases_dir)[1]:
        _print(f"skipped {settings.releases_dir}/{name}: {why}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def validate(
    editions: Sequence[int] | None, accept_breaks: Sequence[int] = (), show_all: bool = False
) -> int:
    from orchestration.warehouse.gate import validate_releases

    settings = get_settings()
    releases = discover_editions(settings.releases_dir)
    _report_skipped(settings)
    selected = set(_selected(releases, editions))
    # Earlier editions are validated too, as the cross-edition suite compares against them.
    considered = {e: d for e, d in releases.items() if e <= max(selected)}
    reports = [
        r for r in validate_releases(considered, settings, frozenset(accept_breaks)) if r.edition in selected
    ]
    rows = []
    for report in reports:
        if report.checks is None:
            rows += [(report.edition, "load", "bundle_readable", "FAIL", p) for p in report.problems]
            continue
        for suite in report.checks.suites:
            for o in suite.outcomes:
                shown = list(o.examples) if show_all else list(o.examples[:1])
                rest = o.unexpected_count - len(shown)
                if shown and rest > 0:
                    shown[-1] += f" (+{rest} more" + (", in the Data Docs)" if show_all else ")")
                for n, example in enumerate(shown or [""]):
                    rows.append(
                        (report.edition, suite.suite, o.check_id, o.status if n == 0 else "", example)
                    )
    header = ("edition", "suite", "expectation", "status", "unexpected examples")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        _print("  ".join(str(c).ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + str(row[4]))
    _print_load_report(reports)
    failed = [r.edition for r in reports if not r.ok]
    warned = sum(1 for r in rows if r[3] == "WARN")  # one per expectation (its first row)
    _print(
        f"\n{_count(len(reports), 'edition')} validated: {len(failed)} rejected"
        + (f" ({', '.join(map(str, failed))})" if failed else "")
        + f", {_count(warned, 'warning')}"
        + ("" if show_all else "; `ai-index validate --all` lists every unexpected value")
    )
    _print(f"Data Docs: {settings.ge_docs_dir / 'index.html'}")
    return 1 if failed else 0


def _print_load_report(reports) -> None:
    """What each file gave: values not reported, lines set aside, files not loaded and why."""
    lines = []
    for report in reports:
        loaded = report.loaded
        if loaded is None:
            continue
        for f in loaded.files:
            notes = [f"{f.not_reported} not reported"] if f.not_reported else []
            notes += [f"title lines {list(f.skipped_lines)}"] if f.skipped_lines else []
            notes += [f"footnotes {list(f.footer_lines)}"] if f.footer_lines else []
            if notes:
                lines.append(f"  {report.edition} {f.path}: {f.values} values read; " + "; ".join(notes))
        lines += [f"  {report.edition} {path}: not loaded ({status})" for path, status in loaded.other_files]
    if lines:
        _print("\nload report")
        for line in lines:
            _print(line)


MARTS = (
    "fct_indicator_values", "fct_talent_migration", "fct_ai_patents", "fct_private_investment",
    "dim_geography", "dim_edition", "dim_metric", "mart_country_profile", "mart_release_revisions",
)  # fmt: skip


def _read_marts(con) -> dict[str, int]:
    """Row count of every mart, reading every row and column (a hash of each row): a damaged file
    fails here with a duckdb.Error, not later in a BI user's query."""
    from orchestration.warehouse.connection import ident

    counts = {}
    for (mart,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    ).fetchall():
        query = f"select count(*), bit_xor(hash(t)) from marts.{ident(mart)} as t"  # noqa: S608 - quoted identifier
        counts[mart] = con.execute(query).fetchone()[0]
    return counts


def _served(settings: Settings, command: str) -> bool:
    if settings.warehouse_path.exists():
        return True
    _print(f"ai-index {command}: no published warehouse at {settings.warehouse_path}: run `ai-index build`")
    return False


def status() -> int:
    """The served snapshot: its editions and the row count of every mart (read-only, no lock: works
    while BI tools are connected and while a build runs)."""
    from orchestration.warehouse.build_state import marts_lag
    from orchestration.warehouse.connection import connect
    from orchestration.warehouse.lock import WarehouseBusy, holder, warehouse_lock

    settings = get_settings()
    if not _served(settings, "status"):
        return 1
    with connect(settings.warehouse_path, read_only=True) as con:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        _print(f"warehouse {settings.warehouse_path} (the published snapshot BI tools read)")
        if "dim_edition" in present:
            for edition, files, values, loaded_at, breaks in con.execute(
                "select edition, files, values_loaded, loaded_at, methodology_breaks from marts.dim_edition order by edition"
            ).fetchall():
                _print(
                    f"  edition {edition}: {files} files, {values} values, loaded {loaded_at:%Y-%m-%d %H:%M:%S} UTC"
                    + (f", methodology breaks: {breaks}" if breaks else "")
                )
        counts = _read_marts(con)
        for mart in MARTS:
            _print(f"  marts.{mart}: {counts.get(mart, 'missing')} rows")
    if settings.previous_path.exists():
        _print(f"previous snapshot: {settings.previous_path} (`ai-index rollback` serves it again)")
    # The working database is the build's: look at it only while no build holds it.
    try:
        with warehouse_lock(settings.lock_path, timeout_s=0):
            lagging = marts_lag(settings.work_path) if settings.work_path.exists() else []
    except WarehouseBusy:
        _print(
            f"a build is running ({holder(settings.lock_path)}); it publishes a new snapshot when it succeeds"
        )
        return 0
    if lagging:
        _print(
            f"editions {lagging} are loaded but not yet published: the next `ai-index build` finishes them"
        )
    return 0


def profile(code: str) -> int:
    from orchestration.publish.profiles import build_profile
    from orchestration.reference.geography import gazetteer

    settings = get_settings()
    geo = gazetteer().lookup(code)
    if geo is None:
        _print(
            f"ai-index profile: {code!r} is not a known place (an ISO 3166-1 alpha-3 code such as KOR, "
            "an aggregate such as WLD, or a name)"
        )
        return 2
    if not _served(settings, "profile"):
        return 1
    text, path = build_profile(settings.warehouse_path, settings.reports_dir, geo.geo_code)
    _print(text)
    _print(f"\nreport: {path}\noverview: {settings.reports_dir / 'index.html'}")
    return 0


def claims(file: str) -> int:
    from orchestration.publish.claims import ClaimsError, check_claims, read_claims

    settings = get_settings()
    try:
        statement, items = read_claims(Path(file))
    except ClaimsError as exc:
        _print(f"ai-index claims: error: {exc}")
        return 2
    if not _served(settings, "claims"):
        return 1
    results = check_claims(settings.warehouse_path, items)
    if statement:
        _print(f"statement: {statement}")
    for r in results:
        _print(f"{r.verdict}  {r.claim.describe()}: claimed {r.expected}, warehouse {r.found}")
    verdicts = [r.verdict for r in results]
    failed, unverified = verdicts.count("FAIL"), verdicts.count("UNVERIFIED")
    _print(
        f"{verdicts.count('PASS')} passed, {failed} failed"
        + (f", {unverified} unverified (ranks from partial lists)" if unverified else "")
    )
    return 1 if failed else 0


def rollback(wait_s: float) -> int:
    """Serve the previous snapshot again (under the build lock, so no publish runs meanwhile)."""
    from orchestration.warehouse.lock import warehouse_lock
    from orchestration.warehouse.snapshot import SnapshotError
    from orchestration.warehouse.snapshot import rollback as serve_previous

    settings = get_settings()
    with warehouse_lock(settings.lock_path, timeout_s=wait_s, notify=_print):
        try:
            serve_previous(settings)
        except SnapshotError as exc:
            _print(f"ai-index rollback: {exc}")
            return 1
    _print(
        f"serving the previous snapshot at {settings.warehouse_path}; the one it replaced is kept as "
        f"{settings.previous_path} (`ai-index rollback` again undoes this). BI connections opened before "
        "keep their snapshot until they reconnect."
    )
    return 0


PG_DSN_HINT = "set AI_INDEX_PG_DSN (postgresql://user:pass@127.0.0.1:5432/ai_index)"


def publish_postgres() -> int:
    from orchestration.publish.postgres import publish_to_postgres

    dsn = os.environ.get("AI_INDEX_PG_DSN")
    if not dsn:
        _print(f"ai-index build --target postgres: {PG_DSN_HINT}")
        return 2
    import psycopg2

    settings = get_settings()
    try:
        publish_to_postgres(
            settings.warehouse_path,
            dsn,
            readonly_role=os.environ.get("AI_INDEX_PG_READONLY_ROLE"),
            lock_timeout_s=float(os.environ.get("AI_INDEX_PG_LOCK_TIMEOUT_S", "10")),
            log=_print,
        )
    except (RuntimeError, ValueError, psycopg2.Error) as exc:
        _print(f"ai-index build --target postgres: publishing failed: {exc}")
        return 1
    _print("marts published to PostgreSQL")
    return 0


def scaffold(bundle: str, edition: int | None, out: str | None) -> int:
    """Write a draft manifest for a bundle (folder or zip) and list what a person must decide."""
    from orchestration.authoring.scaffold import scaffold as draft_manifest

    path = Path(bundle)
    year = edition or next((int(y) for y in re.findall(r"(?<![0-9])(20[0-9]{2})(?![0-9])", path.name)), None)
    if not path.exists() or year is None:
        _print(
            f"ai-index scaffold: {bundle}: no such folder or zip, or no edition year in its name (--edition)"
        )
        return 2
    draft = draft_manifest(path, year)
    target = Path(out) if out else None
    if target:
        target.write_text(draft.yaml(), encoding="utf-8")
        _print(f"draft manifest: {target}")
    else:
        _print(draft.yaml())
    for decision in draft.decisions:
        _print(f"decide: {decision}")
    return 0


def docs(port: int | None) -> int:
    """Serve data/docs, the reports and the exports on http://127.0.0.1:PORT until interrupted."""
    from orchestration.publish.docs_server import make_server
    from orchestration.settings import docs_port

    settings = get_settings()
    server = make_server(settings, docs_port() if port is None else port)
    address = f"http://127.0.0.1:{server.server_address[1]}"
    _print(
        f"docs on {address}/ (GE Data Docs {address}/ge/, dbt docs {address}/dbt/, reports {address}/reports/)"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def remove_partition(key: str) -> int:
    """Remove an edition partition created by mistake (e.g. in the UI's partition picker). A partition
    whose edition directory exists is refused: the sensor would register it again."""
    from orchestration.cli.instance import get_instance
    from orchestration.defs.partitions import edition_partitions

    settings = get_settings()
    if key.isascii() and key.isdigit() and int(key) in discover_editions(settings.releases_dir):
        _print(
            f"ai-index remove-partition: {key} is an edition under {settings.releases_dir}; remove it there first"
        )
        return 2
    instance = get_instance()
    if not instance.has_dynamic_partition(edition_partitions.name, key):
        _print(f"ai-index remove-partition: no partition {key!r}")
        return 2
    instance.delete_dynamic_partition(edition_partitions.name, key)
    _print(f"partition {key!r} removed (its past runs stay in the run history)")
    return 0


def mart_docs() -> int:
    """Rewrite the subject marts' dbt schema file from the metric registry (after a seed change)."""
    from orchestration.authoring.mart_docs import write

    path, changed = write(get_settings().dbt_project_dir)
    _print(f"{path}: {'written' if changed else 'already current'}")
    return 0


def pin(edition: int) -> int:
    """Record the bundle's sha256 in the edition's manifest (source.sha256)."""
    from orchestration.authoring.pinning import pin as pin_bundle
    from orchestration.errors import BundleError

    settings = get_settings()
    releases = discover_editions(settings.releases_dir)
    if edition not in releases:
        _print(f"ai-index pin: no edition directory {edition} under {settings.releases_dir}")
        return 2
    try:
        sha = pin_bundle(releases[edition])
    except BundleError as exc:
        _print(f"ai-index pin: {exc}")
        return 1
    _print(f"edition {edition} pinned: source.sha256 = {sha}")
    return 0


def synth(out_dir: str, editions: int, countries: int, years: int, seed: int) -> int:
    from orchestration.authoring.synthetic import SyntheticError, SynthSpec, write_synthetic_releases

    try:
        written = write_synthetic_releases(Path(out_dir), SynthSpec(editions, countries, years, seed))
    except SyntheticError as exc:
        _print(f"ai-index synth: {exc}")
        return 2
    _print(
        f"{len(written)} synthetic edition(s), {sum(written.values()):,} values, under {out_dir}: {written}"
    )
    _print(
        f"build them with AI_INDEX_RELEASES_DIR={out_dir} and a warehouse of their own (AI_INDEX_WAREHOUSE)"
    )
    return 0


def ui(port: int) -> int:
    """`dagster dev` on 127.0.0.1 with the project's instance (DAGSTER_HOME, default .dagster_home/)."""
    import os
    import sys

    from orchestration.cli.instance import get_instance
    from orchestration.settings import PROJECT_ROOT

    get_instance()  # creates DAGSTER_HOME and its dagster.yaml (telemetry off) on first use
    venv_bin = Path(sys.executable).parent
    dagster = str(venv_bin / "dagster")
    # dagster-dbt re-parses the project on every `dagster dev` reload with the `dbt` on PATH.
    os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    os.chdir(PROJECT_ROOT)
    os.execv(dagster, [dagster, "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)])
    return 0  # not reached


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; a busy or locked warehouse is a one-line error saying who holds it and what to do."""
    import duckdb

    from orchestration.warehouse.lock import WarehouseBusy

    try:
        return _dispatch(argv)
    except BrokenPipeError:
        # The reader stopped reading (`ai-index status | head -1`): not an error of ours. Point stdout at
        # /dev/null so that the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except WarehouseBusy as exc:
        _print(f"ai-index: {exc}")
        return 3
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, duckdb.IOException) and "lock" in first.lower():
            # DuckDB names the file and the conflicting process (PID) in its message.
            _print(f"ai-index: a DuckDB file is locked by another process: {first}")
            return 3
        settings = get_settings()
        _print(
            f"ai-index: a warehouse database cannot be read ({type(exc).__name__}: {first}). It may be damaged. "
            f"Recover: `ai-index rollback` serves the previous snapshot ({settings.previous_path}); or remove "
            f"{settings.warehouse_path} and run `ai-index build`, which publishes it again; if the working "
            f"database {settings.work_path} is the damaged one, remove it too: the build reloads every edition."
        )
        return 4


def _dispatch(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(
        prog="ai-index", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    p_build = commands.add_parser("build", help="load, check and model the selected editions (default: all)")
    p_build.add_argument("--edition", type=int, action="append", help="edition year; repeat for several")
    p_build.add_argument("--force", action="store_true", help="reload and recheck even unchanged editions")
    p_build.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental dbt models from scratch"
    )
    p_build.add_argument(
        "--accept-breaks", type=int, action="append", default=[], metavar="EDITION",
        help="accept the methodology breaks an edition declares, once reviewed (see release_checks.yml)",
    )  # fmt: skip
    p_build.add_argument(
        "--wait", type=float, default=3600, metavar="SECONDS",
        help="how long to wait for another build to finish (default 3600; 0: fail at once, naming it)",
    )  # fmt: skip
    p_build.add_argument(
        "--target", choices=["duckdb", "postgres"], default="duckdb",
        help="postgres: after the DuckDB build, build the same marts in PostgreSQL (AI_INDEX_PG_DSN) with dbt-postgres",
    )  # fmt: skip
    p_validate = commands.add_parser("validate", help="run the release checks without loading anything")
    p_validate.add_argument("--edition", type=int, action="append")
    p_validate.add_argument("--accept-breaks", type=int, action="append", default=[], metavar="EDITION")
    p_validate.add_argument("--all", action="store_true", help="list every unexpected value, not the first")
    commands.add_parser("status", help="the published snapshot: its editions and mart row counts")
    p_rollback = commands.add_parser("rollback", help="serve the previous published snapshot again")
    p_rollback.add_argument("--wait", type=float, default=3600, metavar="SECONDS")
    p_profile = commands.add_parser(
        "profile", help="a country's values, ranks and revisions; writes data/reports/"
    )
    p_profile.add_argument("iso3")
    p_claims = commands.add_parser("claims", help="check published statements (YAML) against the warehouse")
    p_claims.add_argument("file")
    p_ui = commands.add_parser("ui", help="the Dagster UI on http://127.0.0.1:PORT (local only)")
    p_ui.add_argument("--port", type=int, default=3000)
    p_scaffold = commands.add_parser(
        "scaffold", help="draft a manifest for a new edition's bundle (folder or zip)"
    )
    p_scaffold.add_argument("bundle")
    p_scaffold.add_argument("--edition", type=int)
    p_scaffold.add_argument("--out", help="write the draft here (default: print it)")
    p_docs = commands.add_parser(
        "docs", help="serve the docs, reports and exports on http://127.0.0.1 (local only)"
    )
    p_docs.add_argument("--port", type=int, help="default: AI_INDEX_DOCS_PORT or 8780; 0 picks a free port")
    p_remove = commands.add_parser("remove-partition", help="remove an edition partition created by mistake")
    p_remove.add_argument("key")
    commands.add_parser("mart-docs", help="rewrite the subject marts' column docs from the metric registry")
    p_pin = commands.add_parser("pin", help="record an edition's bundle sha256 in its manifest")
    p_pin.add_argument("edition", type=int)
    p_synth = commands.add_parser(
        "synth", help="write synthetic editions (official layout and quirks) for scale tests"
    )
    p_synth.add_argument("out_dir")
    p_synth.add_argument("--editions", type=int, required=True)
    p_synth.add_argument("--countries", type=int, required=True)
    p_synth.add_argument("--years", type=int, required=True)
    p_synth.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "build":
        if args.target == "postgres" and not os.environ.get("AI_INDEX_PG_DSN"):
            # Missing configuration fails before any work, not after the DuckDB build.
            _print(f"ai-index build --target postgres: {PG_DSN_HINT}")
            return 2
        code = build(
            args.edition, force=args.force, full_refresh=args.full_refresh, wait_s=args.wait,
            accept_breaks=args.accept_breaks,
        )  # fmt: skip
        return publish_postgres() if code == 0 and args.target == "postgres" else code
    if args.command == "validate":
        return validate(args.edition, args.accept_breaks, show_all=args.all)
    if args.command == "scaffold":
        return scaffold(args.bundle, args.edition, args.out)
    if args.command == "docs":
        return docs(args.port)
    if args.command == "remove-partition":
        return remove_partition(args.key)
    if args.command == "mart-docs":
        return mart_docs()
    if args.command == "pin":
        return pin(args.edition)
    if args.command == "rollback":
        return rollback(args.wait)
    if args.command == "status":
        return status()
    if args.command == "profile":
        return profile(args.iso3)
    if args.command == "claims":
        return claims(args.file)
    if args.command == "ui":
        return ui(args.port)
    if args.command == "synth":
        return synth(args.out_dir, args.editions, args.countries, args.years, args.seed)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
