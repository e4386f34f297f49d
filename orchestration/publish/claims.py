"""Check published statements against the warehouse: `ai-index claims FILE.yml`.

A claims file lists statements as checkable claims:

    statement: "U.S. private AI investment hit $109.1 billion in 2024 ..."
    claims:
      - {metric: private_investment_usd_bn, place: United States, data_year: 2024, edition: 2025, value: 109.1}
      - {metric: private_investment_usd_bn, place: United States, data_year: 2024, edition: 2025, rank: 1}

`value` passes within `tolerance` (default: half a unit of the claim's last digit, i.e. the claim is
the warehouse value as rounded); `rank` passes when it equals `rank_in_year`. Without `edition`, the
latest edition's value is used. An unknown metric or place is an error (exit 2), not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from orchestration.reference.geography import gazetteer
from orchestration.reference.metrics import metric_registry
from orchestration.warehouse.connection import connect


class ClaimsError(Exception):
    """The claims file cannot be checked (unreadable, unknown metric or place): not a failed claim."""


@dataclass(frozen=True)
class Claim:
    metric: str
    place: str
    geo_code: str
    data_year: int
    edition: int | None
    value: Decimal | None
    tolerance: Decimal | None
    rank: int | None

    def describe(self) -> str:
        edition = f"edition {self.edition}" if self.edition else "latest edition"
        return f"{self.place} {self.metric} {self.data_year} ({edition})"


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    passed: bool
    expected: str
    found: str
    # A rank claim checked against a partial list (rank_coverage 'partial') can be neither confirmed nor
    # refuted: a country missing from the transcription could change the rank.
    unverified: bool = False

    @property
    def verdict(self) -> str:
        return "UNVERIFIED" if self.unverified else "PASS" if self.passed else "FAIL"


def _default_tolerance(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    return Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal(0)


def read_claims(path: Path) -> tuple[str, list[Claim]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ClaimsError(f"{path}: cannot read claims: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
        raise ClaimsError(f"{path}: expected a mapping with a 'claims' list")
    places, claims = gazetteer(), []
    for n, item in enumerate(document["claims"], start=1):
        where = f"{path}, claim {n}"
        if not isinstance(item, dict):
            raise ClaimsError(f"{where}: a claim is a mapping")
        metric = item.get("metric")
        if metric not in metric_registry():
            raise ClaimsError(f"{where}: unknown metric {metric!r}")
        place = str(item.get("place", ""))
        geo = places.lookup(place)
        if geo is None:
            raise ClaimsError(
                f"{where}: unknown place {place!r} (an ISO 3166-1 alpha-3 code, WLD, or a name)"
            )
        if ("value" in item) == ("rank" in item):
            raise ClaimsError(f"{where}: give exactly one of 'value' or 'rank'")
        value = Decimal(str(item["value"])) if "value" in item else None
        tolerance = (
            Decimal(str(item["tolerance"]))
            if "tolerance" in item
            else (_default_tolerance(value) if value is not None else None)
        )
        try:
            data_year = int(item["data_year"])
            edition = int(item["edition"]) if item.get("edition") is not None else None
            rank = int(item["rank"]) if "rank" in item else None
        except (KeyError, TypeError, ValueError) as exc:
            raise ClaimsError(f"{where}: data_year, edition and rank must be integers ({exc})") from exc
        claims.append(Claim(metric, place, geo.geo_code, data_year, edition, value, tolerance, rank))
    return str(document.get("statement", "")), claims


def check_claims(warehouse_path: Path, claims: list[Claim]) -> list[ClaimResult]:
    results = []
    with connect(warehouse_path, read_only=True) as con:
        for claim in claims:
            row = con.execute(
                "select edition, value, rank_in_year, rank_label, rank_coverage from marts.fct_indicator_values "
                "where metric = ? and geo_code = ? and data_year = ? "
                "and (edition = ? or (? is null and is_latest_edition))",
                [claim.metric, claim.geo_code, claim.data_year, claim.edition, claim.edition],
            ).fetchone()
            if claim.value is not None:
                expected = f"{claim.value} ± {claim.tolerance}"
                if row is None:
                    results.append(ClaimResult(claim, False, expected, "has no value"))
                    continue
                passed = abs(Decimal(repr(row[1])) - claim.value) <= claim.tolerance
                results.append(ClaimResult(claim, passed, expected, f"{row[1]:g} (edition {row[0]})"))
            else:
                expected = f"rank {claim.rank}"
                if row is None:
                    results.append(ClaimResult(claim, False, expected, "has no value"))
                    continue
                if row[2] is None:
                    results.append(
                        ClaimResult(claim, False, expected, f"has no rank for it (edition {row[0]})")
                    )
                    continue
                partial = row[4] != "complete"
                found = f"{row[3]} (edition {row[0]})" + (
                    ": a rank from a partial list is not the report's rank" if partial else ""
                )
                results.append(ClaimResult(claim, row[2] == claim.rank, expected, found, unverified=partial))
    return results
