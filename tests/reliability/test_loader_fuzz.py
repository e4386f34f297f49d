"""Property: for any CSV and manifest of one figure, the loader either loads exactly the rows the file has
(each value parsed as an independent oracle parses it, or NaN for the release checks to name) or rejects
the file with an error naming it. It never fails with any other exception (issue 6, acceptance 4)."""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.errors import BundleError, EditionRejected
from orchestration.releases.bundle import open_bundle
from orchestration.releases.cells import parse_cells
from orchestration.releases.loader import load_edition
from orchestration.releases.manifest import ValueColumn

FILE = "4. Economy/Data/fig_4.3.8.csv"
PLACE, YEAR, VALUE = "Geographic area", "Year", "Total investment (in billions of U.S. dollars)"

numbers = st.one_of(
    st.decimals(min_value=-1e6, max_value=1e6, allow_nan=False, places=3).map(str),
    st.integers(-(10**7), 10**7).map(str),
    st.integers(1000, 10**7).map(lambda n: f"{n:,}"),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "NaN", "inf", "-", "1e3", "12%", "4,3", "\u22121.5", "١٢", "0x1F", "1_000"]),
)
cells = st.one_of(numbers, st.text(max_size=12), numbers.map(lambda s: s + "%"))
years = st.one_of(st.integers(1990, 2030).map(str), st.text(max_size=5))
places = st.one_of(
    st.sampled_from(["China", "Korea, Rep", "World", "", "Ünïcödé", 'quote "x"']), st.text(max_size=15)
)


# The oracle below shares the loader's grammar; these readings are written out by hand, so that a wrong
# grammar in both cannot pass. (cell, percent_sign, thousands separator, scale) -> value, or None for NaN.
HAND_READINGS = [
    ("1.", False, None, "1", 1.0),
    ("+.5e3", False, None, "1", 500.0),
    (" 12.5 ", False, None, "1", 12.5),
    ("\u22121.5", False, None, "1", -1.5),  # typographic minus
    ("1,234", False, None, "1", None),  # separator not declared
    ("1,234", False, ",", "1", 1234.0),
    ("12,345.6", False, ",", "1", 12345.6),
    ("1,23", False, ",", "1", None),  # not a group of three
    ("12%", False, None, "1", None),  # percent sign not declared
    ("12%", True, None, "1", 12.0),
    ("0.7424", False, None, "100", 74.24),  # exact in decimal, not 74.24000000000001
    ("97.99", False, None, "1000", 97990.0),
    ("NaN", False, None, "1", None),
    ("inf", False, None, "1", None),
    ("-", False, None, "1", None),
    ("\u0661\u0662", False, None, "1", None),  # Arabic-Indic digits
    ("\uff11\uff12", False, None, "1", None),  # full-width digits
    ("0x1F", False, None, "1", None),
    ("1_000", False, None, "1", None),
    ("1e309", False, None, "1", None),  # beyond a double: not a figure
    ("1.8e306", False, None, "100", None),  # within one, but not once scaled
]


@pytest.mark.parametrize(("cell", "percent_sign", "thousands", "scale", "want"), HAND_READINGS)
def test_cells_read_as_written_by_hand(cell, percent_sign, thousands, scale, want):
    spec = ValueColumn(metric="private_investment_usd_bn", column=VALUE, unit="usd_bn", scale=Decimal(scale),
                       percent_sign=percent_sign, thousands_separator=thousands)  # fmt: skip
    (value,) = parse_cells(pd.Series([cell]), spec)[0]
    assert math.isnan(value) if want is None else value == want, (cell, value)


def oracle(cell: str, percent_sign: bool, thousands: str | None, scale: Decimal) -> float:
    """An independent reading of a cell: the number, or NaN when it is not one."""
    text = cell.strip()
    if percent_sign and text.endswith("%"):
        text = text[:-1].rstrip()
    if thousands and re.fullmatch(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", text):
        text = text.replace(",", "")
    text = text.replace("\u2212", "-")
    if not re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", text):
        return math.nan
    try:
        value = float(Decimal(text) * scale)
    except InvalidOperation:
        return math.nan
    return value if math.isfinite(value) else math.nan  # beyond a double: not a figure


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(
    rows=st.lists(st.tuples(places, years, cells), max_size=12),
    header=st.sampled_from(["ok", "missing_value", "extra", "renamed"]),
    percent_sign=st.booleans(),
    thousands=st.sampled_from([None, ","]),
    scale=st.sampled_from(["1", "100", "1000", "0.001"]),
    blank=st.sampled_from(["error", "skip"]),
    raw_bytes=st.one_of(st.none(), st.binary(max_size=40)),
)
def test_the_loader_loads_exactly_the_rows_or_rejects_the_file(
    rows, header, percent_sign, thousands, scale, blank, raw_bytes
):
    with tempfile.TemporaryDirectory() as tmp:
        edition_dir = Path(tmp) / "2025"
        data = edition_dir / "BUNDLE" / FILE
        data.parent.mkdir(parents=True)
        value_spec = {"metric": "private_investment_usd_bn", "column": VALUE, "unit": "usd_bn", "scale": scale,
                      "percent_sign": percent_sign, "thousands_separator": thousands, "blank": blank}  # fmt: skip
        manifest = {
            "edition": 2025, "title": "fuzz", "bundle": "BUNDLE", "default_reliability": "C",
            "metrics": {"private_investment_usd_bn": {"methodology_break": False}},
            "files": [{"path": FILE, "figure_id": "4.3.8", "place": {"column": PLACE}, "year": {"column": YEAR},
                       "values": [value_spec]}],
        }  # fmt: skip
        (edition_dir / "manifest.yml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
        columns = {"ok": [PLACE, YEAR, VALUE], "missing_value": [PLACE, YEAR], "extra": [PLACE, YEAR, VALUE, "Rank"],
                   "renamed": ["Country", YEAR, VALUE]}[header]  # fmt: skip
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for place, year, cell in rows:
            writer.writerow([place, year, cell, "1"][: len(columns)])
        data.write_bytes(raw_bytes if raw_bytes is not None else buffer.getvalue().encode("utf-8"))

        try:
            loaded = load_edition(open_bundle(edition_dir))
        except (BundleError, EditionRejected) as exc:
            assert FILE in str(exc) or "manifest" in str(exc), str(exc)
            return

        if raw_bytes is not None:
            return  # arbitrary bytes that happen to parse: reading them is all that is asked
        statuses = dict(zip(loaded.columns["column_name"], loaded.columns["status"], strict=True))
        if header != "ok":
            assert set(statuses.values()) - {"used"}, "a header that differs from the manifest must show"
            return
        frame = loaded.frame.sort_values("row_number")
        records = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))[1:]
        records = [r for r in records if any(c.strip() for c in r)]
        expected = [
            (n, r[2]) for n, r in enumerate(records, start=1) if not (blank == "skip" and r[2].strip() == "")
        ]
        assert list(zip(frame["row_number"], frame["value_as_written"], strict=True)) == expected
        for (_, cell), value in zip(expected, frame["value"], strict=True):
            want = oracle(cell, percent_sign, thousands, Decimal(scale))
            assert (math.isnan(value) and math.isnan(want)) or value == want, (cell, value, want)
