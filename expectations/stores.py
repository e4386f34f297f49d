"""Where Great Expectations keeps what outlives a run, written so that a killed build cannot break the next.

A file data context rewrites `great_expectations.yml` and its store files in place (`open(path, "w")`)
several times per run; a build killed with SIGKILL during one of those writes left a truncated file
that made every later build fail while loading the context. So the context is ephemeral (its config is
this module, not a YAML file), the parts that are rebuilt every run anyway (data source, validation
definitions, checkpoints) live in memory, and the parts that are history (expectation suites,
validation results, the Data Docs site) live on disk through a backend that writes each object to a
temporary file and renames it into place: a reader sees the old object or the new one, never half.
"""

from __future__ import annotations

from pathlib import Path

from great_expectations.data_context.store.tuple_store_backend import TupleFilesystemStoreBackend
from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig

from orchestration.atomic import write_atomically


class AtomicFilesystemStoreBackend(TupleFilesystemStoreBackend):
    """`TupleFilesystemStoreBackend` whose writes are atomic (temporary file + rename). The temporary
    files' suffix matches no store's `filepath_suffix` (.json, .html), so a leftover is never a key."""

    def _set(self, key, value, **kwargs):
        if not isinstance(key, tuple):
            key = key.to_tuple()
        target = Path(self.full_base_directory, self._convert_key_to_filepath(key))
        return str(write_atomically(target, value))


def _on_disk(directory: Path) -> dict:
    return {
        "class_name": AtomicFilesystemStoreBackend.__name__,
        "module_name": __name__,
        "base_directory": str(directory),
    }


_IN_MEMORY = {"class_name": "InMemoryStoreBackend"}


def context_config(context_dir: Path, docs_dir: Path, site_name: str) -> DataContextConfig:
    """Config of the release-check context: suites and results under `context_dir`, the Data Docs site
    `site_name` under `docs_dir`."""
    return DataContextConfig(
        stores={
            "expectations_store": {
                "class_name": "ExpectationsStore",
                "store_backend": _on_disk(context_dir / "expectations"),
            },
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": _on_disk(context_dir / "validations"),
            },
            "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": _IN_MEMORY},
            "validation_definition_store": {
                "class_name": "ValidationDefinitionStore",
                "store_backend": _IN_MEMORY,
            },
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={
            site_name: {
                "class_name": "SiteBuilder",
                "store_backend": _on_disk(docs_dir),
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
