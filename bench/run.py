"""Benchmark: the product path (`ai-index build` through Dagster) against the bare tools, same process.

    python bench/run.py [--runs 3] [--datasets sample,synth-1x,synth-10x,synth-100x]

For each dataset a worker process (so that peak RSS is the dataset's own) runs, `--runs` times each:
  (a) baseline: the same loader, the Great Expectations suites and `dbt build`, called directly;
  (b) product:  `ai-index build` (in-process Dagster run, dbt via dagster-dbt, exports and docs);
then, on the product warehouse, a no-op rebuild (nothing changed), and the addition of one edition to
a warehouse holding all the others. Besides the datasets: the load of the Dagster definitions, and the
build step of `make run` on a fresh clone. Medians go to bench/results/latest.json and bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Synthetic sizes: values = editions x countries x years x 14 metrics (+ world and regional rows).
DATASETS = {
    "sample": None,  # the shipped editions, 289 values
    "synth-1x": dict(editions=2, countries=30, years=12),  # ~10 thousand values
    "synth-10x": dict(editions=4, countries=150, years=12),  # ~100 thousand
    "synth-100x": dict(editions=10, countries=250, years=30),  # ~1 million
}
# The goals of issue 15 (build speed), and the earlier ones that still hold.
TARGETS = {
    "ratio_product_over_baseline_sample": 1.3,
    "ratio_product_over_baseline_100x": 1.15,
    "definitions_load_s": 1.5,
    "noop_over_full": 0.25,
    "add_edition_over_full": 0.40,
    "ge_100x_s": 22.0,  # half of the 44 s measured before issue 15
    "fresh_clone_build_s": 25.0,  # the build step of `make run` on a fresh clone
    "synth_100x_over_1x": 10.0,
    "peak_rss_gib": 2.0,
}


def _env(root: Path, releases: Path) -> dict[str, str]:
    return {
        "AI_INDEX_RELEASES_DIR": str(releases),
        "AI_INDEX_WAREHOUSE": str(root / "warehouse" / "ai_index.duckdb"),
        "AI_INDEX_DATA_DIR": str(root / "data"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }


def _set_env(env: dict[str, str]) -> None:
    os.environ.update(env)


def baseline_build(releases: Path, root: Path) -> dict[str, float]:
    """Loader + GE suites + warehouse write per edition, then `dbt build`: no Dagster anywhere."""
    from expectations.config import load_config
    from expectations.runner import publish_data_docs, run_release_checks
    from orchestration.releases.bundle import discover_editions, open_bundle
    from orchestration.releases.loader import load_edition
    from orchestration.settings import get_settings
    from orchestration.warehouse.dbt_cli import dbt_build_args, dbt_env, dbt_executable, dbt_parent_env
    from orchestration.warehouse.gate import checks_fingerprint
    from orchestration.warehouse.raw import earlier_editions, methodology_breaks, replace_edition

    _set_env(_env(root, releases))
    settings = get_settings()
    times = {"load": 0.0, "ge": 0.0, "write": 0.0}
    runs = []
    editions = discover_editions(releases)
    checks_fp = checks_fingerprint(settings)
    rules = load_config().metrics.values()
    for edition, edition_dir in sorted(editions.items()):
        t0 = time.perf_counter()
        bundle = open_bundle(edition_dir)
        loaded = load_edition(bundle)
        earlier = earlier_editions(settings.work_path, edition)
        breaks = methodology_breaks(settings.work_path) | {
            (edition, m) for m in bundle.manifest.methodology_breaks()
        }
        t1 = time.perf_counter()
        checks = run_release_checks(
            loaded, earlier, breaks, settings.ge_context_dir, settings.ge_docs_dir, build_docs=False
        )
        runs.append(checks)
        t2 = time.perf_counter()
        assert checks.passed, checks.problems()
        replace_edition(settings.work_path, loaded, bundle.manifest, "folder", checks_fp, rules)
        t3 = time.perf_counter()
        times["load"] += t1 - t0
        times["ge"] += t2 - t1
        times["write"] += t3 - t2
    t0 = time.perf_counter()
    publish_data_docs(runs, settings.ge_context_dir, settings.ge_docs_dir)
    times["ge"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run(
        [dbt_executable(), *dbt_build_args(), "--target-path", "target/baseline", "--quiet"],
        cwd=settings.dbt_project_dir, check=True, env={**os.environ, **dbt_env(settings.work_path, sorted(editions)), **dbt_parent_env()},
    )  # fmt: skip
    times["dbt"] = time.perf_counter() - t0
    times["total"] = sum(times.values())
    return times


def product_build(releases: Path, root: Path) -> dict[str, float]:
    """`ai-index build` as a user runs it; per-step times from the Dagster run."""
    import contextlib
    import io

    import dagster as dg

    from orchestration.cli.main import main
    from orchestration.cli.runs import run_report

    _set_env(_env(root, releases))
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["build"])
    total = time.perf_counter() - t0
    assert code == 0, f"ai-index build failed for {releases}"
    instance = dg.DagsterInstance.get()
    steps: dict[str, float] = {}
    for run in instance.get_runs(limit=5):
        for step, seconds in run_report(instance, run.run_id, True).step_seconds.items():
            steps[step] = steps.get(step, 0.0) + seconds
    return {"total": total, **steps, "overhead": total - sum(steps.values())}


def quiet_build(releases: Path, root: Path) -> float:
    import contextlib
    import io

    from orchestration.cli.main import main

    _set_env(_env(root, releases))
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["build"]) == 0
    return time.perf_counter() - t0


# Linux keeps the high-water RSS of the address space a process replaces by exec, so a child forked
# from this worker (GiBs after the 100x runs) would report the worker's RSS as its own peak. The build
# is therefore started by a fresh, small interpreter that measures it.
_RSS_PROBE = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)"
)


def product_peak_rss_gib(releases: Path, root: Path) -> float:
    """Peak RSS of `ai-index build` as a user runs it: its own process (and dbt's, whichever is larger),
    not this worker's."""
    out = subprocess.check_output(
        [sys.executable, "-c", _RSS_PROBE, sys.executable, "-m", "orchestration.cli", "build"],
        cwd=ROOT, env={**os.environ, **_env(root, releases)}, text=True,
    )  # fmt: skip
    code, max_rss_kib = map(int, out.split())
    assert code == 0, "ai-index build failed"
    return max_rss_kib / 1024 / 1024


def definitions_load_seconds(runs: int) -> float:
    # What `dagster dev` pays on each reload: the import and the lazy assembly of the code location.
    code = (
        "import time; t = time.perf_counter(); from orchestration.definitions import defs; "
        "defs().resolve_asset_graph(); print(time.perf_counter() - t)"
    )
    samples = [
        float(subprocess.check_output([sys.executable, "-c", code], cwd=ROOT, text=True).split()[-1])
        for _ in range(runs)
    ]
    return statistics.median(samples)


def fresh_clone_build_seconds(runs: int) -> float:
    """The build step of `make run` on a fresh clone, as a newcomer times it: the project's files (as they
    are in this working tree) in a new folder with nothing generated, the parse `make install` runs
    (untimed: it is the install), then `ai-index build` in its own interpreter, imports included, with the
    defaults of a clone (its own warehouse, data, dbt target and Dagster instance)."""
    files = subprocess.check_output(["git", "ls-files", "-z"], cwd=ROOT).decode().split("\0")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AI_INDEX_", "DAGSTER_", "DBT_"))}
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-clone-") as tmp:
            clone = Path(tmp) / "ai-index-warehouse"
            for name in filter(None, files):
                (clone / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, clone / name)
            subprocess.run(
                [sys.executable, "-m", "orchestration.warehouse.dbt_cli"], cwd=clone, env=env, check=True
            )
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "orchestration.cli", "build"], cwd=clone, env=env, check=True,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def run_dataset(name: str, runs: int, work: Path) -> dict:
    from orchestration.authoring.synthetic import SynthSpec, write_synthetic_releases

    releases = ROOT / "data" / "releases"
    if DATASETS[name] is not None:
        releases = work / "releases"
        write_synthetic_releases(releases, SynthSpec(seed=1, **DATASETS[name]))
    baseline, product, noop = [], [], []
    for i in range(runs):
        baseline.append(baseline_build(releases, work / f"baseline-{i}"))
        product.append(product_build(releases, work / f"product-{i}"))
        noop.append(quiet_build(releases, work / f"product-{i}"))
    # Adding one edition to a warehouse that holds all the others.
    editions = sorted(p.name for p in releases.iterdir() if p.is_dir() and p.name.isdigit())
    add = []
    for i in range(runs):
        partial = work / f"partial-releases-{i}"
        for edition in editions[:-1]:
            shutil.copytree(releases / edition, partial / edition)
        root = work / f"add-{i}"
        quiet_build(partial, root)
        shutil.copytree(releases / editions[-1], partial / editions[-1])
        add.append(quiet_build(partial, root))
    import duckdb

    from orchestration.settings import Settings
    from orchestration.warehouse.snapshot import publish_snapshot

    with duckdb.connect(str(work / "product-0" / "warehouse" / "ai_index.duckdb"), read_only=True) as con:
        values = con.execute("select count(*) from marts.fct_indicator_values").fetchone()[0]
    # The cost of publishing a snapshot (checkpoint, copy, fsync, rename), part of every build's exports
    # step: measured alone on the product warehouse.
    settings = Settings(
        releases, work / "product-0" / "warehouse" / "ai_index.duckdb", work / "product-0" / "data"
    )
    publish = []
    for _ in range(runs):
        t0 = time.perf_counter()
        published = publish_snapshot(settings)
        publish.append(time.perf_counter() - t0)
    med = lambda rows, key: statistics.median(r.get(key, 0.0) for r in rows)  # noqa: E731
    full = med(product, "total")
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "dataset": name,
        "values": values,
        "editions": len(editions),
        "runs": runs,
        "baseline_s": {k: med(baseline, k) for k in baseline[0]},
        "product_s": {k: med(product, k) for k in product[0]},
        "ratio_product_over_baseline": full / med(baseline, "total"),
        "noop_s": statistics.median(noop),
        "noop_over_full": statistics.median(noop) / full,
        "add_edition_s": statistics.median(add),
        "add_edition_over_full": statistics.median(add) / full,
        "publish_s": statistics.median(publish),
        "snapshot_mib": published.bytes / 1024 / 1024,
        "peak_rss_gib": product_peak_rss_gib(releases, work / "rss"),
        "bench_worker_peak_rss_gib": max(self_rss, child_rss) / 1024 / 1024,
    }


def _table(results: dict) -> str:
    lines = [
        "| dataset | values | baseline s (load / GE / dbt) | product s (raw / dbt / exports / overhead) | b/a | no-op s (÷full) | add edition s (÷full) | publish s (MiB) | peak RSS GiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["datasets"]:
        b, p = r["baseline_s"], r["product_s"]
        lines.append(
            f"| {r['dataset']} | {r['values']:,} | {b['total']:.1f} ({b['load']:.1f} / {b['ge']:.1f} / {b['dbt']:.1f}) "
            f"| {p['total']:.1f} ({p.get('raw_editions', 0):.1f} / {p.get('ai_index_dbt', 0):.1f} / "
            f"{p.get('exports__marts', 0):.1f} / {p['overhead']:.1f}) | {r['ratio_product_over_baseline']:.2f} "
            f"| {r['noop_s']:.2f} ({r['noop_over_full']:.2f}) | {r['add_edition_s']:.1f} ({r['add_edition_over_full']:.2f}) "
            f"| {r.get('publish_s', 0):.2f} ({r.get('snapshot_mib', 0):.1f}) | {r['peak_rss_gib']:.2f} |"
        )
    lines += ["", "| target | value | goal | met |", "|---|---|---|---|"]
    for key, (value, goal, met) in results["targets"].items():
        lines.append(f"| {key} | {value:.2f} | {'≤'} {goal} | {'yes' if met else 'NO'} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        with tempfile.TemporaryDirectory(prefix=f"bench-{args.worker}-") as work:
            print(json.dumps(run_dataset(args.worker, args.runs, Path(work))))
        return 0
    results = {
        "datasets": [],
        "definitions_load_s": definitions_load_seconds(args.runs),
        "fresh_clone_build_s": fresh_clone_build_seconds(args.runs),
    }
    for name in args.datasets.split(","):
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        out = subprocess.check_output(
            [sys.executable, __file__, "--worker", name, "--runs", str(args.runs)], cwd=ROOT, text=True
        )
        results["datasets"].append(json.loads(out.strip().splitlines()[-1]))
        partial = ROOT / "bench" / "results" / "partial.json"  # what a long run has measured so far
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(results, indent=2), encoding="utf-8")
    by_name = {r["dataset"]: r for r in results["datasets"]}
    targets = {k: results[k] for k in ("definitions_load_s", "fresh_clone_build_s")}
    if "sample" in by_name:
        targets["ratio_product_over_baseline_sample"] = by_name["sample"]["ratio_product_over_baseline"]
        targets["noop_over_full"] = by_name["sample"]["noop_over_full"]
        targets["add_edition_over_full"] = by_name["sample"]["add_edition_over_full"]
    if "synth-100x" in by_name:
        targets["ratio_product_over_baseline_100x"] = by_name["synth-100x"]["ratio_product_over_baseline"]
        targets["ge_100x_s"] = by_name["synth-100x"]["baseline_s"]["ge"]
    if "synth-1x" in by_name and "synth-100x" in by_name:
        targets["synth_100x_over_1x"] = (
            by_name["synth-100x"]["product_s"]["total"] / by_name["synth-1x"]["product_s"]["total"]
        )
    targets["peak_rss_gib"] = max(r["peak_rss_gib"] for r in results["datasets"])
    results["targets"] = {k: (v, TARGETS[k], v <= TARGETS[k]) for k, v in targets.items()}
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    table = _table(results)
    readme = ROOT / "bench" / "README.md"
    text = (
        readme.read_text(encoding="utf-8")
        if readme.exists()
        else "# Benchmarks\n\n<!-- results -->\n<!-- /results -->\n"
    )
    head, _, rest = text.partition("<!-- results -->")
    _, _, tail = rest.partition("<!-- /results -->")
    readme.write_text(f"{head}<!-- results -->\n{table}\n<!-- /results -->{tail}", encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
