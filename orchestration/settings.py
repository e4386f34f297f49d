"""Where things live. Every path the project writes is derived here, from the environment.

Environment:
    AI_INDEX_RELEASES_DIR  edition bundles (default: data/releases)
    AI_INDEX_WAREHOUSE     the DuckDB file BI tools read: the published snapshot (default:
                           data/warehouse/ai_index.duckdb). Builds work in a private copy beside it
                           (`.build/`) and publish a complete snapshot here; the one before is kept
                           as `<name>.previous.duckdb` for `ai-index rollback`.
    AI_INDEX_DATA_DIR      generated outputs: docs, exports, reports (default: data)
    AI_INDEX_DBT_PROJECT_DIR  the dbt project, whose seeds are the metric and geography registries
                           (default: dbt_project; a copy lets a test add a metric by data alone)
    AI_INDEX_FOCUS_COUNTRY the country whose series the mart charts follow (default: KOR)
    AI_INDEX_SENSOR_INTERVAL_S  seconds between two looks of the new-edition sensor (default: 30)
    DAGSTER_HOME           Dagster instance (default: .dagster_home, git-ignored)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
REFERENCE_CSV = PROJECT_ROOT / "data" / "reference" / "ai_index_published_figures.csv"
# The real editions shipped with the project: never a place for synthetic ones.
SHIPPED_RELEASES_DIR = PROJECT_ROOT / "data" / "releases"


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    releases_dir: Path
    warehouse_path: Path
    data_dir: Path
    dbt_project_dir: Path = DBT_PROJECT_DIR

    @property
    def work_path(self) -> Path:
        """The build's private working database: only builds open it, read-write."""
        return self.warehouse_path.parent / ".build" / self.warehouse_path.name

    @property
    def previous_path(self) -> Path:
        """The snapshot served before the last publish (`ai-index rollback` serves it again)."""
        return self.warehouse_path.with_name(
            f"{self.warehouse_path.stem}.previous{self.warehouse_path.suffix}"
        )

    @property
    def seeds_dir(self) -> Path:
        return self.dbt_project_dir / "seeds"

    @property
    def ge_docs_dir(self) -> Path:
        return self.data_dir / "docs" / "ge"

    @property
    def ge_context_dir(self) -> Path:
        return self.data_dir / "ge"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def chart_cache_dir(self) -> Path:
        """PNG charts of the mart metadata, by the rows they draw (publish/charts.py)."""
        return self.data_dir / "cache" / "charts"

    @property
    def lock_path(self) -> Path:
        return self.warehouse_path.with_name(self.warehouse_path.name + ".lock")


def get_settings() -> Settings:
    """Read the environment now (not at import), so tests can point a build at a temporary warehouse."""
    return Settings(
        releases_dir=_path_from_env("AI_INDEX_RELEASES_DIR", SHIPPED_RELEASES_DIR),
        warehouse_path=_path_from_env(
            "AI_INDEX_WAREHOUSE", PROJECT_ROOT / "data" / "warehouse" / "ai_index.duckdb"
        ),
        data_dir=_path_from_env("AI_INDEX_DATA_DIR", PROJECT_ROOT / "data"),
        dbt_project_dir=_path_from_env("AI_INDEX_DBT_PROJECT_DIR", DBT_PROJECT_DIR),
    )


def focus_country() -> str:
    """The country whose series the charts follow (the design card's question: is South Korea losing AI
    talent?)."""
    return os.environ.get("AI_INDEX_FOCUS_COUNTRY", "KOR").upper()


def dagster_home() -> Path:
    return _path_from_env("DAGSTER_HOME", PROJECT_ROOT / ".dagster_home")


def sensor_interval_seconds() -> int:
    """How often the new-edition sensor looks at the releases directory."""
    return int(os.environ.get("AI_INDEX_SENSOR_INTERVAL_S", "30"))


def docs_port() -> int:
    """The port `ai-index docs` serves the documentation on (127.0.0.1); asset checks link there."""
    return int(os.environ.get("AI_INDEX_DOCS_PORT", "8780"))


def docs_roots(settings: Settings) -> dict[str, Path]:
    """What `ai-index docs` serves, by URL prefix."""
    return {
        "ge": settings.ge_docs_dir, "dbt": settings.data_dir / "docs" / "dbt",
        "reports": settings.reports_dir, "exports": settings.exports_dir,
    }  # fmt: skip


def docs_url(settings: Settings, path: Path) -> str | None:
    """The http address `ai-index docs` serves a generated file at (GE Data Docs, dbt docs, reports,
    exports), or None for a file outside them. Browsers refuse file:// links from the Dagster UI."""
    from urllib.parse import quote

    resolved = path.resolve()
    for name, root in docs_roots(settings).items():
        if resolved.is_relative_to(root.resolve()):
            relative = resolved.relative_to(root.resolve()).as_posix()
            return f"http://127.0.0.1:{docs_port()}/{name}/{quote(relative)}"
    return None
