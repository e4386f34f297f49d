# Two commands set up and run everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
# The venv's tools (dbt, dagster) for every recipe, whether or not the venv is activated.
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Python caches the project's compiled modules (and pytest its rewritten test modules) in __pycache__:
# with PYTHONDONTWRITEBYTECODE set, as on this sandbox, every interpreter (each pytest worker, each CLI
# and dagster process a test starts) compiled them again: 1.4 s of pytest's collection alone.
unexport PYTHONDONTWRITEBYTECODE

# The dbt manifest, from which the Dagster asset graph is read: parsed here (never when the definitions
# are imported), again whenever a file of the dbt project is newer.
DBT_MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) \
	dbt_project/dbt_project.yml dbt_project/profiles.yml
# Two workers: the suite is mostly waiting on dbt and DuckDB subprocesses and small builds.
PYTEST_WORKERS ?= 2

.PHONY: install run test test-fast lint ui bench validate clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

# Parsed as the CLI parses a stale manifest (dbt_cli.parse_project: the profile rendered as builds render
# it), so a warehouse's first build starts from this parse (dbt_cli.seed_partial_parse).
$(DBT_MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	$(BIN)/python -m orchestration.warehouse.dbt_cli
	touch $@

install: $(INSTALLED) $(DBT_MANIFEST)

## Build every edition into data/warehouse/ai_index.duckdb and print a summary.
run: install
	$(BIN)/ai-index build
	$(BIN)/ai-index status

## Lint, then the whole test suite (unit, gate-level, end-to-end builds, PostgreSQL, browser).
test: install lint
	$(BIN)/pytest -n $(PYTEST_WORKERS)

## The inner loop: unit and gate-level tests, no full build, server or browser (well under a minute).
test-fast: install lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not build and not slow and not postgres and not browser"

lint: install
	$(BIN)/ruff check .

## Run the release checks on the shipped editions without loading anything.
validate: install
	$(BIN)/ai-index validate

## Dagster UI on http://127.0.0.1:3000 with a persistent instance in .dagster_home/.
ui: install
	$(BIN)/ai-index ui --port 3000

## Benchmark: product path vs bare tools on the sample and synthetic editions (bench/README.md).
bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf data/warehouse data/docs data/ge data/exports data/reports data/cache dbt_project/target .dagster_home
