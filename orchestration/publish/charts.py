"""Charts of the subject marts, as PNG: the Dagster UI (markdown metadata) and the HTML reports use them.

Two views answer the analysts' questions: the top countries of the latest year, and one country's
series as each edition published it (so a restatement shows as two lines that disagree).
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no display: render to memory

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from orchestration.publish.escaping import escape_markdown  # noqa: E402


def metric_values(con, metric: str) -> pd.DataFrame:
    """The rows of one metric the charts draw from (marts.fct_indicator_values, every edition)."""
    return con.execute(
        "select edition, data_year, geo_code, geo_name, geo_kind, value, rank_in_year, rank_label, reliability, "
        "method_since_edition, is_current_method from marts.fct_indicator_values where metric = ?",
        [metric],
    ).df()


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def top_countries_chart(values: pd.DataFrame, label: str, top: int = 10) -> bytes | None:
    """Bar chart of the top countries in the latest edition's latest year. `values`: fct rows of one metric."""
    countries = values[values["geo_kind"] == "country"]
    if countries.empty:
        return None
    edition = countries["edition"].max()
    latest = countries[countries["edition"] == edition]
    year = latest["data_year"].max()
    rows = latest[latest["data_year"] == year].sort_values("value", ascending=False).head(top)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.barh(rows["geo_name"][::-1], rows["value"][::-1], color="#4c72b0")
    ax.set_title(f"{label}: top countries, {year} ({edition} edition)", fontsize=10)
    ax.tick_params(labelsize=8)
    return _png(fig)


def country_series_chart(values: pd.DataFrame, geo_code: str, label: str) -> bytes | None:
    """One line per edition: the country's values by data year as each edition published them."""
    rows = values[values["geo_code"] == geo_code].sort_values(["edition", "data_year"])
    if rows.empty:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.2))
    methods = rows["method_since_edition"].nunique() if "method_since_edition" in rows else 1
    for edition, series in rows.groupby("edition"):
        series_label = f"{edition} edition"
        old_method = methods > 1 and not bool(series["is_current_method"].iloc[0])
        if methods > 1:  # a declared break: older methods dashed, and said so
            series_label += f" (method of {int(series['method_since_edition'].iloc[0])})"
        ax.plot(
            series["data_year"],
            series["value"],
            marker="o",
            label=series_label,
            linestyle="--" if old_method else "-",
        )
    name = rows["geo_name"].iloc[0]
    ax.set_title(f"{label}: {name} by edition", fontsize=10)
    ax.set_xlabel("data year", fontsize=8)
    ax.tick_params(labelsize=8)
    # The data years, a year of margin either side: a single point does not get a century-wide axis.
    first, last = int(rows["data_year"].min()), int(rows["data_year"].max())
    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_xticks(range(first, last + 1, max(1, (last - first) // 8 + 1)))
    ax.legend(fontsize=7)
    return _png(fig)


def as_markdown_image(png: bytes | None, alt: str) -> str:
    """A chart as a markdown image; the alt text (labels, place names) escaped: no markdown from data."""
    alt = escape_markdown(alt)
    if png is None:
        return f"_{alt}: no data_"
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"
