# Two commands set up and run everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
# The venv's tools (dbt, dagster) for every recipe, whether or not the venv is activated.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run test lint ui bench validate clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(INSTALLED)

## Build every edition into data/warehouse/ai_index.duckdb and print a summary.
run: install
	$(BIN)/ai-index build
	$(BIN)/ai-index status

## Lint, then the whole test suite (unit, integration, release checks).
test: install lint
	$(BIN)/pytest

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
	rm -rf data/warehouse data/docs data/ge data/exports data/reports dbt_project/target .dagster_home
