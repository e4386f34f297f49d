"""Shared test helpers: temporary project copies, CLI runs, mart checksums."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.settings import REFERENCE_CSV, SHIPPED_RELEASES_DIR, Settings

RELEASES = SHIPPED_RELEASES_DIR
REFERENCE = REFERENCE_CSV

# Files of the shipped 2025 edition that the corruption, fault and crash tests change.
BY_COUNTRY = "4. Economy/Data/fig_4.3.8.csv"  # Geographic area, investment by country 2024 (World 150.8)
BY_REGION = "4. Economy/Data/fig_4.3.10.csv"  # Year, Geographic Area, investment (Europe 2024)
SELECT_AREAS = "1. Research and Development/Data/fig_1.2.3.csv"  # "NN%" patent shares
PER_100K = "1. Research and Development/Data/fig_1.2.4.csv"  # Geographic Area, patents per 100k


@dataclass
class Workspace:
    """A warehouse, data dir, Dagster home and releases directory of a test's own."""

    root: Path

    @property
    def warehouse(self) -> Path:
        """The published snapshot (what BI tools and `status`, `profile`, `claims` read)."""
        return self.root / "warehouse" / "ai_index.duckdb"

    @property
    def work(self) -> Path:
        """The build's private working database."""
        return self.settings().work_path

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    def env(self) -> dict[str, str]:
        return {
            "AI_INDEX_WAREHOUSE": str(self.warehouse),
            "AI_INDEX_RELEASES_DIR": str(self.releases),
            "AI_INDEX_DATA_DIR": str(self.data_dir),
            "DAGSTER_HOME": str(self.dagster_home),
        }

    def settings(self) -> Settings:
        return Settings(self.releases, self.warehouse, self.data_dir)

    def edition_file(self, edition: int, relative: str) -> Path:
        return self.releases / str(edition) / f"PUBLIC DATA_ {edition} AI INDEX REPORT" / relative

    def add_edition_copy(self, edition: int, source: int = 2026) -> Path:
        """A new edition in the releases directory: a copy of `source`, published as `edition`."""
        target = self.releases / str(edition)
        shutil.copytree(self.releases / str(source), target)
        replace_in_file(target / "manifest.yml", f"edition: {source}", f"edition: {edition}")
        return target

    def query(self, sql: str, params: list | None = None, *, work: bool = False) -> list[tuple]:
        """Read the published snapshot as a BI tool does (read-only), or the working database."""
        with duckdb.connect(str(self.work if work else self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def mart_checksums(self) -> dict[str, str]:
        """sha256 of each mart's rows, sorted: equal checksums mean exactly the same rows."""
        return mart_checksums(self.warehouse)

    def raw_file_hashes(self) -> dict[str, str]:
        return file_hashes(self.releases)


def mart_checksums(warehouse: Path, without_timestamps: bool = False) -> dict[str, str]:
    """sha256 of each mart's rows, sorted. `without_timestamps`: leave out the load and derivation times,
    so that equal checksums mean the same published state, whenever it was built."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()]  # fmt: skip
        sums = {}
        for table in tables:
            columns = [
                f'"{name}"' for name, kind in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position", [table]
                ).fetchall() if not (without_timestamps and kind.startswith("TIMESTAMP"))
            ]  # fmt: skip
            rows = con.execute(f'select {", ".join(columns)} from marts."{table}"').fetchall()  # noqa: S608
            text = "\n".join(sorted(repr(r) for r in rows))
            sums[table] = hashlib.sha256(text.encode()).hexdigest()
        return sums


def file_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def make_workspace(root: Path, warehouse_from: Path | None = None) -> Workspace:
    """Releases copied from the shipped ones; with `warehouse_from` (another workspace's published
    snapshot), its snapshot and its working database copied too, where they exist."""
    ws = Workspace(root)
    shutil.copytree(RELEASES, ws.releases)
    ws.warehouse.parent.mkdir(parents=True, exist_ok=True)
    if warehouse_from is not None:
        source = Settings(ws.releases, warehouse_from, ws.data_dir)
        if warehouse_from.exists():
            shutil.copy2(warehouse_from, ws.warehouse)
        if source.work_path.exists():
            ws.work.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source.work_path, ws.work)
    return ws


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_cli(ws: Workspace, *args: str, capsys=None) -> tuple[int, str]:
    """Run `ai-index ARGS` in-process against the workspace; return (exit code, output)."""
    from orchestration.cli.main import main

    with environment(ws.env()):
        code = main(list(args))
    out = ""
    if capsys is not None:
        captured = capsys.readouterr()
        out = captured.out + captured.err
    return code, out


def replace_in_file(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
