"""Country profiles and the latest-edition overview: `ai-index profile ISO3`.

The profile answers "is South Korea losing AI talent?": every value of the country in the three
subject areas, per edition, with its rank, and how later editions revised earlier ones.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from orchestration.atomic import write_atomically
from orchestration.publish.charts import country_series_chart, metric_values, top_countries_chart
from orchestration.reference.metrics import metric_registry, registry
from orchestration.warehouse.connection import connect

VALUE_COLUMNS = [
    "metric",
    "edition",
    "data_year",
    "value",
    "unit_label",
    "rank_label",
    "is_latest_edition",
    "reliability",
    "provenance_source",
    "figure_id",
    "method_since_edition",
]


def _values(con, geo_code: str) -> pd.DataFrame:
    values = con.execute(
        "select subject_area, metric, edition, data_year, value, unit, rank_in_year, ranked_count, "
        "rank_coverage, rank_label, is_latest_edition, reliability, provenance_source, figure_id, geo_name, "
        "method_since_edition from marts.fct_indicator_values where geo_code = ? "
        "order by subject_area, metric, data_year, edition",
        [geo_code],
    ).df()
    return values.assign(unit_label=[metric_registry()[m].unit_label for m in values["metric"]])


def with_unit(value: float, unit_label: str) -> str:
    """A value as people write it: `12.5%`, `9.29 US$ bn`, `-0.04 per 10k LinkedIn members`."""
    if unit_label == "%":
        return f"{value:g}%"
    return f"{value:g}" if unit_label == "count" else f"{value:g} {unit_label}"


def headline(rows: pd.DataFrame, metric: str) -> str | None:
    """One sentence on the metric for the country, from the newest edition's series (one method, one
    edition: never a splice), e.g. "Net AI talent migration per 10k LinkedIn members fell from 0.23 in
    2020 to -0.36 in 2024 (edition 2025), rank 9 of 9 reported, partial list"."""
    series = rows[(rows["metric"] == metric) & rows["is_latest_edition"].astype(bool)]
    if series.empty:
        return None
    edition = series["edition"].max()
    series = series[series["edition"] == edition].sort_values("data_year")
    first, last = series.iloc[0], series.iloc[-1]
    label, unit = metric_registry()[metric].label, last["unit_label"]
    rank = f", {last['rank_label']}" if isinstance(last["rank_label"], str) else ""
    if len(series) == 1:
        return f"{label}: {with_unit(last['value'], unit)} in {last['data_year']} (edition {edition}){rank}."
    verb = "rose" if last["value"] > first["value"] else "fell" if last["value"] < first["value"] else "held"
    return (
        f"{label} {verb} from {with_unit(first['value'], unit)} in {first['data_year']} to "
        f"{with_unit(last['value'], unit)} in {last['data_year']} (edition {edition}){rank}."
    )


def _revisions(con, geo_code: str) -> pd.DataFrame:
    return con.execute(
        "select metric, data_year, edition_from, edition_to, value_from, value_to, pct_change, revision_status "
        "from marts.mart_release_revisions where geo_code = ? order by metric, data_year, edition_to",
        [geo_code],
    ).df()


def _by_subject(values: pd.DataFrame):
    """(subject, its rows of the country) for each subject area, in the registry's order."""
    for subject in registry().subjects.values():
        yield subject, values[values["subject_area"] == subject.subject_area]


def profile_text(values: pd.DataFrame, revisions: pd.DataFrame, geo_code: str) -> str:
    name = values["geo_name"].iloc[0] if len(values) else geo_code
    lines = [f"{name} ({geo_code})"]
    for subject, rows in _by_subject(values):
        lines.append(f"\n{subject.title}")
        if rows.empty:
            lines.append("  no value in any loaded edition")
            continue
        sentence = headline(rows, subject.headline_metric)
        if sentence:
            lines.append(f"  {sentence}")
        for metric, group in rows.groupby("metric", sort=False):
            lines.append(f"  {metric_registry()[metric].label} [{metric}]")
            for r in group.itertuples():
                rank = r.rank_label if isinstance(r.rank_label, str) else "unranked"
                latest = "  (latest)" if r.is_latest_edition else ""
                if group["method_since_edition"].nunique() > 1:  # a break: say which method a value is
                    latest += f"  [method since edition {r.method_since_edition}]"
                lines.append(
                    f"    {r.data_year}  edition {r.edition}: {with_unit(r.value, r.unit_label)}, {rank}, "
                    f"grade {r.reliability}{latest}"
                )
    lines.append("\nRevisions between editions")
    if revisions.empty:
        lines.append("  none: no value of this country is reported by two editions")
    for r in revisions.itertuples():
        change = f"{r.pct_change:+.1f}%" if pd.notna(r.pct_change) else "n/a"
        lines.append(
            f"  {r.metric} {r.data_year}: edition {r.edition_from} {r.value_from:g} -> edition {r.edition_to} "
            f"{r.value_to:g} ({change}, {r.revision_status})"
        )
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:g}"


def _img(png: bytes | None, alt: str) -> str:
    if png is None:
        return ""
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _page(title: str, body: list[str]) -> str:
    style = "body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{style}</style></head><body>{''.join(body)}</body></html>"


def write_profile_html(con, values: pd.DataFrame, revisions: pd.DataFrame, geo_code: str, path: Path) -> None:
    name = values["geo_name"].iloc[0] if len(values) else geo_code
    body = [
        f"<h1>{html.escape(name)} ({geo_code})</h1>",
        "<p>Every value the loaded AI Index editions publish for this country.</p>",
    ]
    for subject, rows in _by_subject(values):
        body.append(f"<h2>{html.escape(subject.title)}</h2>")
        if rows.empty:
            body.append("<p>No value in any loaded edition.</p>")
            continue
        sentence = headline(rows, subject.headline_metric)
        if sentence:
            body.append(f'<p class="headline">{html.escape(sentence)}</p>')
        for metric in rows["metric"].unique():
            series = metric_values(con, metric)
            body.append(_img(country_series_chart(series, geo_code, metric_registry()[metric].label), metric))
        body.append(rows[VALUE_COLUMNS].to_html(index=False, na_rep="", float_format=_number, escape=True))
    body.append("<h2>Revisions between editions</h2>")
    body.append(
        revisions.to_html(index=False, na_rep="", float_format=_number) if len(revisions) else "<p>None.</p>"
    )
    write_atomically(path, _page(f"{name}: AI Index profile", body))


def write_index_html(con, path: Path) -> None:
    edition = con.execute("select max(edition) from marts.fct_indicator_values").fetchone()[0]
    body = [f"<h1>AI Index warehouse: the {edition} edition</h1>"]
    for subject in registry().subjects.values():
        metric = subject.headline_metric
        values = metric_values(con, metric)
        label = metric_registry()[metric].label
        body.append(f"<h2>{html.escape(subject.title)}: {html.escape(label)}</h2>")
        body.append(_img(top_countries_chart(values, label), label))
        latest = values[(values["edition"] == values["edition"].max()) & (values["geo_kind"] == "country")]
        latest = latest[latest["data_year"] == latest["data_year"].max()].sort_values("rank_in_year")
        body.append(
            latest[["geo_code", "geo_name", "data_year", "value", "rank_label", "reliability"]].to_html(
                index=False, na_rep="", float_format=_number, escape=True
            )
        )
    write_atomically(path, _page(f"AI Index {edition}", body))


def build_profile(warehouse_path: Path, reports_dir: Path, geo_code: str) -> tuple[str, Path]:
    """Return the profile text and write <reports_dir>/<ISO3>.html and index.html."""
    with connect(warehouse_path, read_only=True) as con:
        values, revisions = _values(con, geo_code), _revisions(con, geo_code)
        path = reports_dir / f"{geo_code}.html"
        write_profile_html(con, values, revisions, geo_code, path)
        write_index_html(con, reports_dir / "index.html")
    return profile_text(values, revisions, geo_code), path
