"""Place names as the AI Index prints them -> geo codes, through the dbt seeds.

The seeds (`dbt_project/seeds/geo_aliases.csv`, `geographies.csv`) hold the AI Index's own names,
aggregates and groupings; ISO 3166-1 country names come from pycountry; an edition may add aliases of
its own (manifest `aliases`). This module is the one place a label is normalised and resolved: the loader stores each value's geo_code in
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

# Typographic apostrophes and quotes read as the ASCII ones: "Côte d’Ivoire" is "Côte d'Ivoire".
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})


def normalise_label(label: str) -> str:
    """The one normalisation of a place label: quotes, whitespace (any Unicode space) and case."""
    return " ".join(label.translate(_QUOTES).split()).casefold()


@dataclass(frozen=True)
class Geography:
    geo_code: str
    geo_name: str
    geo_kind: str  # country | region | world


@dataclass(frozen=True)
class Gazetteer:
    geographies: dict[str, Geography]
    aliases: dict[tuple[str, str], str]  # (grouping or "", normalised label) -> geo_code

    def with_aliases(self, extra) -> Gazetteer:
        """This gazetteer with an edition's own aliases (manifest `aliases`), which win over the seeds."""
        if not extra:
            return self
        aliases = dict(self.aliases)
        for alias in extra:
            aliases[(alias.geo_grouping or "", normalise_label(alias.label))] = alias.geo_code
        return Gazetteer(self.geographies, aliases)

    def lookup(self, text: str) -> Geography | None:
        """A place as a user types it: an ISO 3166-1 alpha-3 code (`KOR`), an aggregate's code (`WLD`,
        `EU_UK`) or a name (`South Korea`, `World`)."""
        return self.geographies.get(text.strip().upper()) or self.resolve("", text)

    def resolve(self, grouping: str, label: str) -> Geography | None:
        """The seeds' aliases (grouping-specific first), then ISO 3166-1 country names (pycountry)."""
        key = normalise_label(label)
        code = (
            self.aliases.get((grouping, key)) or self.aliases.get(("", key)) or iso_country_names().get(key)
        )
        return self.geographies.get(code) if code else None


@cache
def iso_country_names() -> dict[str, str]:
    """Normalised ISO 3166-1 names (name, official and common name) -> alpha-3, from pycountry: the
    country names no seed needs to list ("Korea, Republic of", "Iran, Islamic Republic of")."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                names.setdefault(normalise_label(name), country.alpha_3)
    return names


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
