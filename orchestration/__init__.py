"""ai-index-warehouse: the Dagster code location and the Python side of the warehouse.

One sub-package per layer; a module imports only from its own layer or the layers below it
(`tests/test_layers.py` holds the order): settings, errors, atomic -> reference -> releases ->
authoring -> expectations (top-level package) -> warehouse -> publish -> defs -> cli -> definitions.
"""
