"""Place names as the AI Index prints them -> geo codes, through the dbt seeds.

The seeds (`dbt_project/seeds/geo_aliases.csv`, `geographies.csv`) are the single source, and this
module the one place a label is normalised and resolved: the loader stores each value's geo_code in
`raw`, the release checks reject unknown places before anything is written, and dbt joins the codes to
`geographies` for names and kinds. An alias may be specific to a grouping (the same label "Rest of the world" is a
different aggregate in the by-region and the select-areas patent charts); grouping-specific aliases
win over global ones.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.settings import get_settings


def normalise_label(label: str) -> str:
    return " ".join(label.split()).casefold()


@dataclass(frozen=True)
class Geography:
    geo_code: str
    geo_name: str
    geo_kind: str  # country | region | world


@dataclass(frozen=True)
class Gazetteer:
    geographies: dict[str, Geography]
    aliases: dict[tuple[str, str], str]  # (grouping or "", normalised label) -> geo_code

    def resolve(self, grouping: str, label: str) -> Geography | None:
        key = normalise_label(label)
        code = self.aliases.get((grouping, key)) or self.aliases.get(("", key))
        return self.geographies.get(code) if code else None


@cache
def _gazetteer(seeds_dir: Path, stamp: tuple[int, ...]) -> Gazetteer:
    with (seeds_dir / "geographies.csv").open(newline="", encoding="utf-8") as f:
        geos = {
            r["geo_code"]: Geography(r["geo_code"], r["geo_name"], r["geo_kind"]) for r in csv.DictReader(f)
        }
    aliases: dict[tuple[str, str], str] = {}
    with (seeds_dir / "geo_aliases.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["geo_grouping"], normalise_label(r["alias"]))
            if key in aliases and aliases[key] != r["geo_code"]:
                raise ValueError(f"geo_aliases.csv: alias {r['alias']!r} maps to two codes")
            aliases[key] = r["geo_code"]
    return Gazetteer(geos, aliases)


def gazetteer(seeds_dir: Path | None = None) -> Gazetteer:
    """The gazetteer of the configured dbt project's seeds, re-read when a seed changes."""
    seeds_dir = seeds_dir or get_settings().seeds_dir
    stamp = tuple((seeds_dir / name).stat().st_mtime_ns for name in ("geographies.csv", "geo_aliases.csv"))
    return _gazetteer(seeds_dir, stamp)
