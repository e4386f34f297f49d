"""Cells as the manifest declares them written, read in exact decimal arithmetic.

A cell is, after trimming: a missing marker ("n/a", "—", "-", or blank where declared): not reported,
nothing loaded, counted; or a number, possibly with its declared affixes: a currency prefix ("$",
"US$"), a magnitude suffix ("B", "bn", "M") with its declared factor, a percent sign, thousands
separators, parentheses for a negative, a typographic minus. Anything else is not a number (NaN): the
release check `value_is_number` names the file, row and column. Nothing is guessed: an affix the
manifest does not declare makes the cell not a number.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from orchestration.releases.manifest import ValueFormat

# ASCII digits only: `\d` would also accept Arabic-Indic or full-width digits, which no number parser
# downstream reads the same way (found by the property test).
UNSIGNED_NUMBER = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
PLAIN_NUMBER = r"[+-]?" + UNSIGNED_NUMBER
_MINUS = "\u2212"  # the typographic minus some charts export


def _strip_prefixes(text: pd.Series, prefixes: list[str]) -> pd.Series:
    for prefix in sorted(prefixes, key=len, reverse=True):  # "US$" before "$"
        text = text.str.removeprefix(prefix).str.lstrip()
    return text


def parse_cells(cells: pd.Series, fmt: ValueFormat) -> tuple[pd.Series, pd.Series]:
    """(value in the metric's unit, NaN where the cell is not a number; mask of cells not reported)."""
    text = cells.fillna("").str.strip()
    missing = text.isin([m.strip() for m in fmt.missing]) | ((text == "") & (fmt.blank == "skip"))
    negative = pd.Series(False, index=text.index)
    if fmt.negative_parentheses:
        wrapped = text.str.fullmatch(r"\(.*\)")
        negative = wrapped.fillna(False)
        text = text.where(~negative, text.str.slice(1, -1).str.strip())
    text = text.str.replace(_MINUS, "-", regex=False)
    sign = text.str.extract(r"^([+-]?)", expand=False).fillna("")
    text = text.str.replace(r"^[+-]", "", regex=True)
    if fmt.currency:  # "$-5" as well as "-$5"
        text = _strip_prefixes(text, fmt.currency)
        inner = text.str.extract(r"^([+-]?)", expand=False).fillna("")
        take = (sign == "") & (inner != "")
        sign = sign.where(~take, inner)
        text = text.where(~take, text.str.slice(1))
    factor = pd.Series(Decimal(1), index=text.index, dtype=object)
    if fmt.magnitudes:
        suffixes = "|".join(re.escape(s) for s in sorted(fmt.magnitudes, key=len, reverse=True))
        found = text.str.extract(rf"^(.*?)\s*({suffixes})$", expand=True)
        has = found[1].notna()
        text = text.where(~has, found[0])
        factor = factor.where(~has, found[1].map(fmt.magnitudes))
    if fmt.percent_sign:
        text = text.str.removesuffix("%").str.rstrip()
    if fmt.thousands_separator:
        sep = re.escape(fmt.thousands_separator)
        grouped = text.str.fullmatch(rf"[0-9]{{1,3}}(?:{sep}[0-9]{{3}})+(?:\.[0-9]+)?")
        text = text.where(~grouped.fillna(False), text.str.replace(fmt.thousands_separator, "", regex=False))
    has_sign = sign.str.len() > 0
    # A number, not "not reported", and not both signed and in parentheses ("(-0.3)" means nothing sure).
    ok = text.str.fullmatch(UNSIGNED_NUMBER).fillna(False) & ~missing & ~(negative & has_sign)
    values = pd.Series(float("nan"), index=text.index, dtype="float64")
    signed = (sign + text).where(~negative, "-" + text)
    plain = ok & (factor == Decimal(1)) & (fmt.scale == 1)
    values[plain] = pd.to_numeric(signed[plain])
    # A number beyond a double ("1e309") is not a figure we can store: not a number, as in `_exact`.
    values[plain & ~np.isfinite(values)] = float("nan")
    exact = ok & ~plain
    if exact.any():
        # Decimal arithmetic: 0.7424 x 100 is exactly 74.24, 97.99 x 1000 exactly 97990.
        values[exact] = [_exact(v, f, fmt.scale) for v, f in zip(signed[exact], factor[exact], strict=True)]
    return values, missing


def _exact(text: str, factor: Decimal, scale: Decimal) -> float:
    try:
        number = Decimal(text) * factor * scale
    except (InvalidOperation, ArithmeticError):
        return float("nan")
    value = float(number) if number.is_finite() else float("nan")
    return value if math.isfinite(value) else float("nan")
