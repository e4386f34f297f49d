"""The frames the release-check suites validate, derived from a loaded edition.

Great Expectations checks columns of a frame; the cross-row facts a check needs (the world total of
the same year, the sum of a figure's shares, the value an earlier edition published) are computed
here as columns, so that each expectation stays a plain, readable GE expectation whose unexpected
rows carry file, row, place, year and value.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import jinja2
import numpy as np
import pandas as pd

from expectations.config import ReleaseCheckConfig
from orchestration.reference.geography import Gazetteer
from orchestration.settings import get_settings

_CROSS_EDITION_DTYPES = {
    "data_year": "Int64", "edition_from": "Int64", "edition_to": "Int64", "value_from": "float64",
    "value_to": "float64", "abs_rel_change_pct": "float64", "is_methodology_break": "Int64",
    "warning_tolerance_pct": "float64", "error_tolerance_pct": "float64", "present_in_new": "Int64",
    "is_declared_restatement": "Int64",
    "row_number": "Int64",
}  # fmt: skip
CROSS_EDITION_COLUMNS = [
    "check_kind", "metric", "geo_code", "data_year", "edition_from", "edition_to", "value_from", "value_to",
    "abs_rel_change_pct", "is_methodology_break", "is_declared_restatement", "warning_tolerance_pct",
    "error_tolerance_pct",
    "present_in_new", "place_as_written", "source_file", "row_number",
]  # fmt: skip


@cache
def _revision_rule(macro_path: Path, stamp: int) -> str:
    """The revision rule as a SQL expression over (value_from, value_to, revision_floor), rendered from the
    dbt macro that `mart_release_revisions` uses: the checks and the mart judge a restatement alike."""
    module = jinja2.Environment(autoescape=False).from_string(macro_path.read_text(encoding="utf-8")).module
    return str(module.judged_revision_pct("value_from", "value_to", "revision_floor"))


def judged_revision_pct(revisions: pd.DataFrame) -> pd.Series:
    """The relative change (%) a restatement is judged by: `value_from`, `value_to`, `revision_floor`."""
    path = get_settings().dbt_project_dir / "macros" / "judged_revision_pct.sql"
    rule = _revision_rule(path, path.stat().st_mtime_ns)
    frame = revisions[["value_from", "value_to", "revision_floor"]].astype("float64")
    with duckdb.connect() as con:
        con.register("revisions", frame)
        judged = con.execute(f"select {rule} as judged from revisions").df()["judged"]  # noqa: S608 - the dbt macro
    return pd.Series(judged.to_numpy(dtype="float64"), index=revisions.index)


def _lookup(keys: pd.Series, mapping: dict, dtype: str = "float64") -> pd.Series:
    """`keys.map(mapping)` through categories: one lookup per distinct key (a few dozen metrics or places)
    rather than a Python call per row of a million."""
    return keys.astype("category").map(mapping).astype(dtype)


def geocode(frame: pd.DataFrame, gazetteer: Gazetteer) -> pd.DataFrame:
    """Add geo_kind to the loader's geo_code (None for an unknown or blank place)."""
    kinds = {code: geo.geo_kind for code, geo in gazetteer.geographies.items()}
    out = frame.copy()
    out["geo_kind"] = _lookup(out["geo_code"], kinds, "str")
    return out


def edition_values_frame(
    frame: pd.DataFrame, gazetteer: Gazetteer, config: ReleaseCheckConfig
) -> pd.DataFrame:
    out = geocode(frame, gazetteer)
    # The key of a value: its geo code, or the place as written when it has none (so that an unknown
    # place is reported once, by `known_place`, and not again as a duplicate).
    out["place_id"] = out["geo_code"].where(
        out["geo_code"].notna(), out["geo_grouping"] + ":" + out["place_key"].astype("string")
    )
    shares = out["metric"].isin(config.metrics_measuring("share_of_world"))
    out["share_sum"] = np.nan
    if shares.any():
        out.loc[shares, "share_sum"] = (
            out[shares].groupby(["source_file", "data_year"])["value"].transform("sum")
        )
    additive = [m for m, rules in config.metrics.items() if rules.is_additive]
    world = (
        out[(out["geo_code"] == "WLD") & out["metric"].isin(additive)]
        .groupby(["metric", "data_year"], as_index=False)["value"]
        .max()
        .rename(columns={"value": "world_value"})
    )
    out = out.merge(world, on=["metric", "data_year"], how="left")
    out["range_min"] = _lookup(out["metric"], {m: r.range_min for m, r in config.metrics.items()})
    out["range_max"] = _lookup(out["metric"], {m: r.range_max for m, r in config.metrics.items()})
    return out


def _flagged(frame: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    """1 where the row's values in the columns of `keys` are a row of `keys`, else 0: a join, not a Python
    loop over a million rows."""
    columns = list(keys.columns)
    if keys.empty:
        return np.zeros(len(frame), dtype="int64")
    found = keys.astype(frame[columns].dtypes.to_dict()).drop_duplicates().assign(_flag=1)
    joined = frame[columns].merge(found, on=columns, how="left")
    return joined["_flag"].fillna(0).to_numpy(dtype="int64")


def cross_edition_frame(
    new: pd.DataFrame,
    earlier: pd.DataFrame,
    breaks: set[tuple[int, str]],
    config: ReleaseCheckConfig,
    restated: frozenset[tuple[str, str, int]] = frozenset(),
) -> pd.DataFrame:
    """Revision rows (value of N against each earlier edition), continuity rows (places of N-1's latest
    year) and metric rows (metrics N-1 reported) for edition N. `new` and `earlier` are geocoded;
    `breaks` holds (edition, metric); `restated` the (metric, geo_code, data_year) N declares restated."""
    if new.empty or earlier.empty:
        return pd.DataFrame(columns=CROSS_EDITION_COLUMNS).astype(_CROSS_EDITION_DTYPES)
    edition = int(new["edition"].iloc[0])
    keys = ["metric", "data_year", "geo_code"]
    left = new.dropna(subset=["geo_code", "data_year"])[
        keys + ["value", "place_as_written", "source_file", "row_number"]
    ]
    right = earlier.dropna(subset=["geo_code"])[keys + ["edition", "value"]].rename(
        columns={"edition": "edition_from", "value": "value_from"}
    )
    revisions = left.rename(columns={"value": "value_to"}).merge(right, on=keys, how="inner")
    revisions["edition_to"] = edition
    revisions["check_kind"] = "revision"
    metric_rules = config.metrics
    revisions["revision_floor"] = revisions["metric"].pipe(
        _lookup, {m: r.revision_floor for m, r in metric_rules.items()}
    )
    revisions["abs_rel_change_pct"] = judged_revision_pct(revisions)
    # A pair (edition_from, metric) is exempt when a later edition up to N declares a break of the metric.
    pairs = revisions[["edition_from", "metric"]].drop_duplicates()
    pairs["is_methodology_break"] = [
        int(any((e, m) in breaks for e in range(int(f) + 1, edition + 1)))
        for f, m in zip(pairs["edition_from"], pairs["metric"], strict=True)
    ]
    revisions = revisions.merge(pairs, on=["edition_from", "metric"], how="left")
    revisions["is_declared_restatement"] = _flagged(
        revisions, pd.DataFrame(sorted(restated), columns=["metric", "geo_code", "data_year"])
    )
    # One row per value of edition N: its largest revision against an earlier edition that no declared
    # break separates from it (pairs across a break are exempt). The frame stays as long as the edition
    # however many editions came before, so checking the tenth edition costs what checking the second does.
    revisions = revisions.sort_values(["is_methodology_break", "abs_rel_change_pct"], ascending=[True, False])
    revisions = revisions.drop_duplicates(subset=keys, keep="first")
    revisions["warning_tolerance_pct"] = revisions["metric"].pipe(
        _lookup, {m: r.revision_warning_pct for m, r in metric_rules.items()}
    )
    revisions["error_tolerance_pct"] = revisions["metric"].pipe(
        _lookup, {m: r.revision_error_pct for m, r in metric_rules.items()}
    )

    previous = int(earlier["edition"].max())
    last = earlier[earlier["edition"] == previous].dropna(subset=["geo_code"])
    shared = set(last["metric"].unique()) & set(new["metric"].unique())
    last = last[last["metric"].isin(shared)]
    last = last[last["data_year"] == last.groupby("metric")["data_year"].transform("max")]
    continuity = pd.DataFrame(
        {
            "check_kind": "continuity",
            "metric": last["metric"].values,
            "geo_code": last["geo_code"].values,
            "data_year": last["data_year"].values,
            "edition_from": previous,
            "edition_to": edition,
            "value_from": last["value"].values,
            "present_in_new": _flagged(last, new[["metric", "geo_code"]]),
            "place_as_written": last["place_as_written"].values,
            "source_file": last["source_file"].values,
            "row_number": last["row_number"].values,
        }
    ).drop_duplicates(subset=["metric", "geo_code"])
    # Metrics the previous edition reported that this one does not report at all.
    dropped = sorted(earlier.loc[earlier["edition"] == previous, "metric"].unique())
    reported_metrics = set(new["metric"].unique())
    metrics = pd.DataFrame(
        {
            "check_kind": "metric_continuity",
            "metric": dropped,
            "edition_from": previous,
            "edition_to": edition,
            "present_in_new": [int(m in reported_metrics) for m in dropped],
        }
    )
    frame = pd.concat([revisions, continuity, metrics], ignore_index=True).reindex(
        columns=CROSS_EDITION_COLUMNS
    )
    return frame.astype(_CROSS_EDITION_DTYPES).reset_index(drop=True)
