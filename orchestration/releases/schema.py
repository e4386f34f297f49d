"""Column lists of a loaded edition, in a module light enough for the Dagster definitions to import."""

# Column order of raw.indicator_values (and of the frame the release checks validate).
RAW_COLUMNS = [
    "edition", "metric", "figure_id", "source_file", "file_sha256", "row_number", "geo_grouping",
    "place_column", "place_as_written", "place_key", "geo_code", "year_column", "year_as_written", "data_year",
    "value_column", "value_as_written", "value", "unit", "reliability", "provenance_source", "provenance_note",
]  # fmt: skip

# Column inventory of the files: one row per (file, column), with its role against the manifest.
COLUMN_INVENTORY = ["edition", "source_file", "column_name", "status"]
