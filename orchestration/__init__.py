"""ai-index-warehouse: the Dagster code location and the Python side of the warehouse."""
