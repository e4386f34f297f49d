"""Place names as the AI Index prints them -> geo codes, through the dbt seeds.

The seeds (`dbt_project/seeds/geo_aliases.csv`, `geographies.csv`) are the single source: dbt joins
them to harmonise the marts, and the release checks use this lookup to reject unknown places before
anything is written. An alias may be specific to a grouping (the same label "Rest of the world" is a
different aggregate in the by-region and the select-areas patent charts); grouping-specific aliases
win over global ones.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from orchestration.settings import SEEDS_DIR


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
def gazetteer() -> Gazetteer:
    with (SEEDS_DIR / "geographies.csv").open(newline="", encoding="utf-8") as f:
        geos = {
            r["geo_code"]: Geography(r["geo_code"], r["geo_name"], r["geo_kind"]) for r in csv.DictReader(f)
        }
    aliases: dict[tuple[str, str], str] = {}
    with (SEEDS_DIR / "geo_aliases.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["geo_grouping"], normalise_label(r["alias"]))
            if key in aliases and aliases[key] != r["geo_code"]:
                raise ValueError(f"geo_aliases.csv: alias {r['alias']!r} maps to two codes")
            aliases[key] = r["geo_code"]
    return Gazetteer(geos, aliases)
