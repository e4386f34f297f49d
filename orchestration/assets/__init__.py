"""Dagster assets, one module per layer: raw (edition loads behind the release gate), dbt (models)."""
