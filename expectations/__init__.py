"""Release checks: Great Expectations suites every edition passes before it reaches the marts.

- `release_checks.yml`: severities and edition-wide tolerances; per-metric rules are columns of the
  metric registry (`dbt_project/seeds/metrics.csv`).
- `suites.py`: the suites, declared from that file.
- `frames.py`: the frames the suites validate, built from a loaded edition.
- `runner.py`: runs the suites with Great Expectations, builds Data Docs, summarises results.
- `stores.py`: where GE keeps suites, results and Data Docs (crash-safe writes; no YAML context file).
"""
