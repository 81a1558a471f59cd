"""Numbers and scores as files write them, typed a whole column at a time.

Plain figures (digits, up to six decimals) are read in one Arrow pass; the rest go through
the general path, which reads decimal commas (12,5 and 1.234,5 in files delimited by ; tab
or |) and scores written as text (`scores.read_scores`), and gives every other value the
reason it is not a number or not a score of its scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.ingest.cells import arrow_text, bools, only
from cxmetrics.ingest.reasons import Deferred, Shown
from cxmetrics.ingest.scores import SCORE_HINTS, read_scores

if TYPE_CHECKING:
    from cxmetrics.ingest.specs import Column

# Figures as most files write them: digits, and for numbers up to six decimals (few enough
# digits that every parser rounds them the same way).
_PLAIN_NUMBER = r"^[0-9]{1,9}(?:\.[0-9]{1,6})?$"


def _plain_figures(col: Column, text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose figure is plainly valid (digits in range), and their values (int16 for a
    score, float64 for a number; 0 / NaN on other rows), read in one Arrow pass."""
    arr = arrow_text(text)
    if col.type == "score":
        plain = pc.and_(pc.ascii_is_decimal(arr), pc.less_equal(pc.binary_length(arr), 2))
        typ, fill = pa.int16(), 0
    else:
        plain = pc.match_substring_regex(arr, _PLAIN_NUMBER)
        typ, fill = pa.float64(), np.nan
    mask = bools(plain)
    if not mask.any():
        return mask, np.full(len(text), fill, dtype=typ.to_pandas_dtype())
    nums = pc.cast(only(arr, plain), typ)
    fits = pc.greater_equal(nums, col.minimum) if col.minimum is not None else None
    if col.maximum is not None:
        below_max = pc.less_equal(nums, col.maximum)
        fits = below_max if fits is None else pc.and_(fits, below_max)
    if fits is not None:
        mask &= bools(fits)
    values = np.where(mask, nums.fill_null(fill).to_numpy(), fill)
    return mask, values.astype(typ.to_pandas_dtype(), copy=False)


def read_figures(
    col: Column,
    text: pd.Series,
    empty: np.ndarray,
    errs: Deferred,
    decimal_comma: bool,
    label: str,
) -> pd.Series:
    """A number or score column typed. Plain figures are read at once; the others (scores
    written as text, decimal commas, mistakes) go through `_figures_in_full`, which sees all
    of them, so whatever it settles from the column as a whole is settled the same way."""
    n = len(text)
    plain, values = _plain_figures(col, text)
    unknown = ~plain
    rest = np.flatnonzero(unknown & ~empty)
    if len(rest):
        hits = Deferred()
        part = _figures_in_full(
            col, text.iloc[rest].reset_index(drop=True), empty[rest], hits, decimal_comma, label
        )
        errs.extend(hits, rest, n)
        if col.type == "score":
            unknown[rest] = part.isna().to_numpy()
            values[rest] = part.fillna(0).to_numpy(dtype=np.int16)
        else:
            values[rest] = part.to_numpy(dtype="float64", na_value=np.nan)
    if col.type == "score":
        return pd.Series(pd.arrays.IntegerArray(values, unknown), index=text.index)
    return pd.Series(values, index=text.index)


# A figure written as a number: digits, an optional sign and decimals (no exponent, no
# "inf" or "nan", which float() would take).
_DECIMAL = r"^[+-]?[0-9]+(?:\.[0-9]+)?$"


def _figures_in_full(
    col: Column,
    text: pd.Series,
    empty: np.ndarray,
    errs: Deferred,
    decimal_comma: bool,
    label: str,
) -> pd.Series:
    """A number or score column typed value by value, with the reasons its rows are wrong."""
    n = len(text)
    shown = Shown(text)
    c = label
    figures = _decimal_comma(text) if decimal_comma else text
    if col.type == "score":
        # A score is a number as written (7, 7.0) or a label of its scale (read_scores).
        numeric = figures.str.match(_DECIMAL).fillna(False).to_numpy(dtype=bool)
        nums = pd.Series(np.nan, index=text.index, dtype="float64")
        if numeric.any():
            nums[numeric] = _to_float(figures[numeric]).to_numpy(dtype="float64")
    else:
        nums = _to_float(figures)
    finite = np.isfinite(nums.to_numpy(dtype="float64", na_value=np.nan))
    not_number = ~empty & ~finite
    if col.type == "score" and not_number.any():
        rng = f"{col.minimum:g}–{col.maximum:g}"
        pos = np.flatnonzero(not_number)
        read = read_scores(figures.iloc[pos], col)
        values = read.values.to_numpy(dtype="float64", na_value=np.nan)
        nums.iloc[pos] = values
        wrong = np.zeros(n, dtype=bool)
        wrong[pos[read.wrong_scale]] = True
        seven = np.zeros(n, dtype=bool)
        seven[pos[read.seven_point]] = True
        finite = np.isfinite(nums.to_numpy(dtype="float64", na_value=np.nan))
        errs.add(
            wrong,
            f"{c} not on the {rng} scale",
            lambda i, c=c, s=shown, r=rng: c + " is '" + s[i] + f"', not on the {r} scale",
        )
        errs.add(
            seven,
            f"{c} label from a 7-point scale",
            lambda i, c=c, s=shown, r=rng: (
                c + " is '" + s[i] + "': a label of a 7-point scale cannot be read "
                f"as {r}; give numbers {r}"
            ),
        )
        hint = SCORE_HINTS.get(col.name, "")
        errs.add(
            ~empty & ~finite,
            f"{c} not a score",
            lambda i, c=c, s=shown, r=rng, h=hint: (
                c + " is '" + s[i] + f"', not a score (use a whole number from {r}{h})"
            ),
        )
    errs.add(
        ~empty & ~finite,
        f"{c} not a number",
        lambda i, c=c, s=shown: (
            c + " is '" + s[i] + "', not a number (use digits, e.g. 42 or 42.5)"
        ),
    )
    nums = nums.where(finite)
    if col.type == "score":
        rng = f"{col.minimum:g}–{col.maximum:g}"
        fraction = (nums.notna() & (nums != np.floor(nums))).to_numpy(dtype=bool)
        errs.add(
            fraction,
            f"{c} not a whole number",
            lambda i, c=c, s=shown, r=rng: c + " is '" + s[i] + f"', not a whole number from {r}",
        )
        outside = ((nums < col.minimum) | (nums > col.maximum)).to_numpy(dtype=bool)
        errs.add(
            outside,
            f"{c} outside {rng}",
            lambda i, c=c, s=shown, r=rng: c + " is '" + s[i] + f"', outside {r}",
        )
        ok = ~fraction & ~outside
        return nums.where(ok).astype("Int16")
    if col.minimum is not None:
        below = (nums < col.minimum).to_numpy(dtype=bool)
        errs.add(
            below,
            f"{c} below {col.minimum:g}",
            lambda i, c=c, s=shown, m=col.minimum: (
                c + " is '" + s[i] + f"', below {m:g}: it must be {m:g} or more"
            ),
        )
    return nums


DECIMAL_COMMA = r"^[+-]?(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+),[0-9]+$"


def _decimal_comma(text: pd.Series) -> pd.Series:
    """12,5 → 12.5 and 1.234,5 → 1234.5 (other values unchanged)."""
    comma = text.str.match(DECIMAL_COMMA).fillna(False).to_numpy(dtype=bool)
    if not comma.any():
        return text
    out = text.copy()
    fixed = text[comma].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    out.loc[comma] = fixed
    return out


def _to_float(text: pd.Series) -> pd.Series:
    """Numbers from trimmed text (NaN where empty or not a number): Arrow's cast when every
    value is a number, else pandas (slower, value by value)."""
    try:
        values = pc.cast(pa.array(text.array), pa.float64())
        return pd.Series(values.to_numpy(zero_copy_only=False), index=text.index)
    except (ValueError, TypeError, NotImplementedError, pa.ArrowInvalid):
        return pd.to_numeric(text, errors="coerce").astype("float64")
