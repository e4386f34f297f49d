"""Charts of the subject marts, as PNG: the Dagster UI (markdown metadata) and the HTML reports use them.

Two views answer the analysts' questions: the top countries of the latest year, and one country's
series as each edition published it (so a restatement shows as two lines that disagree).
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd

from orchestration.atomic import write_atomically
from orchestration.publish.escaping import escape_markdown

# Rendered charts kept by the cache (oldest dropped first): a build draws six.
CACHED_CHARTS = 64
# The columns of a country's rows that its series chart draws.
_SERIES_COLUMNS = ("edition", "data_year", "value", "geo_name", "method_since_edition", "is_current_method")


def metric_values(con, metric: str) -> pd.DataFrame:
    """The rows of one metric the charts draw from (marts.fct_indicator_values, every edition)."""
    return con.execute(
        "select edition, data_year, geo_code, geo_name, geo_kind, value, rank_in_year, rank_label, reliability, "
        "method_since_edition, is_current_method from marts.fct_indicator_values where metric = ?",
        [metric],
    ).df()


@cache
def _pyplot():
    """matplotlib's pyplot on the Agg backend (no display), imported on first use: ~0.6 s that a build whose
    charts are all cached does not pay."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@cache
def _renderer_fingerprint() -> str:
    """What else decides a chart's pixels: this module's code and matplotlib's version."""
    from importlib.metadata import version

    return hashlib.sha256(Path(__file__).read_bytes() + version("matplotlib").encode()).hexdigest()


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def _render(
    cache_dir: Path | None, kind: str, rows: pd.DataFrame, labels: tuple, draw: Callable[[], bytes]
) -> bytes:
    """The chart `draw` renders from `rows`, read from `cache_dir` when the same rows and labels were drawn
    before by the same code. Most builds leave most charts' rows as they were (a restated edition that is
    not the latest, a forced reload), and rendering is ~0.2 s a chart plus matplotlib's import."""
    if cache_dir is None:
        return draw()
    key = hashlib.sha256(
        "\x1f".join([_renderer_fingerprint(), kind, *map(str, labels), rows.to_csv(index=False)]).encode()
    ).hexdigest()
    path = cache_dir / f"{key}.png"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    png = draw()
    write_atomically(path, png)
    for stale in sorted(cache_dir.glob("*.png"), key=lambda p: p.stat().st_mtime)[:-CACHED_CHARTS]:
        stale.unlink(missing_ok=True)
    return png


def top_countries_chart(
    values: pd.DataFrame, label: str, top: int = 10, cache_dir: Path | None = None
) -> bytes | None:
    """Bar chart of the top countries in the latest edition's latest year. `values`: fct rows of one metric."""
    countries = values[values["geo_kind"] == "country"]
    if countries.empty:
        return None
    edition = countries["edition"].max()
    latest = countries[countries["edition"] == edition]
    year = latest["data_year"].max()
    rows = latest[latest["data_year"] == year].sort_values("value", ascending=False).head(top)
    shown = rows[["geo_name", "value"]]
    return _render(
        cache_dir,
        "top_countries",
        shown,
        (label, year, edition),
        lambda: _draw_top(shown, label, year, edition),
    )


def _draw_top(rows: pd.DataFrame, label: str, year, edition) -> bytes:
    fig, ax = _pyplot().subplots(figsize=(6, 3.2))
    ax.barh(rows["geo_name"][::-1], rows["value"][::-1], color="#4c72b0")
    ax.set_title(f"{label}: top countries, {year} ({edition} edition)", fontsize=10)
    ax.tick_params(labelsize=8)
    return _png(fig)


def country_series_chart(
    values: pd.DataFrame, geo_code: str, label: str, cache_dir: Path | None = None
) -> bytes | None:
    """One line per edition: the country's values by data year as each edition published them."""
    rows = values[values["geo_code"] == geo_code].sort_values(["edition", "data_year"])
    if rows.empty:
        return None
    shown = rows[[c for c in _SERIES_COLUMNS if c in rows]]
    return _render(cache_dir, "country_series", shown, (label,), lambda: _draw_series(shown, label))


def _draw_series(rows: pd.DataFrame, label: str) -> bytes:
    fig, ax = _pyplot().subplots(figsize=(6, 3.2))
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
