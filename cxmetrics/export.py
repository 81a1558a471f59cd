"""Files a person downloads and opens in a spreadsheet: CSV that is safe to open.

A text cell that starts with `=`, `+`, `-`, `@` (or their full-width forms `＝ ＋ － ＠`),
a tab or a carriage return, even after leading spaces, is a formula to Excel, LibreOffice
or Google Sheets ("CSV injection"); such cells get a leading `'`, which the spreadsheet
shows as text. Real numbers are left alone: a numeric column's -5 stays -5, and so does a
text cell "-5" that reads as a number. The file is UTF-8 with a byte-order mark so that
Excel shows accents right. While the store holds the demo organisation, a table export
says so in a first column on every row.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from cxmetrics.store import Store

# A formula starts with one of these, possibly after whitespace (spreadsheets trim it).
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CONTROL_STARTS = ("\t", "\r")
DEMO_COLUMN = "Note"
DEMO_NOTE = "demo data: includes the synthetic demo organisation"


def _is_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) and text == text.strip()


def looks_like_formula(text: str) -> bool:
    """True for text a spreadsheet would run as a formula (what `safe_cell` guards)."""
    if text.startswith(CONTROL_STARTS):
        return True
    return text.lstrip().startswith(FORMULA_STARTS) and not _is_number(text)


def unguarded(text: str) -> str:
    """Text as it was before `safe_cell` guarded it: a re-uploaded export loads its cells
    as they were, not with the added quote."""
    if text.startswith("'") and looks_like_formula(text[1:]):
        return text[1:]
    return text


def safe_cell(value: Any) -> Any:
    """The value, with a leading `'` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def _safe_column(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return values.map(safe_cell, na_action="ignore")


def safe_csv(frame: pd.DataFrame, *, demo: bool = False) -> bytes:
    """The frame as CSV bytes (UTF-8 with BOM, no index) with formula-like text neutralised;
    `demo` adds a first column saying the numbers include the demo organisation."""
    out = frame.copy()
    if demo:
        out.insert(0, DEMO_COLUMN, DEMO_NOTE)
    for name in out.columns:
        out[name] = _safe_column(out[name])
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def file_name(stem: str, *, demo: bool = False) -> str:
    """A download's file name: `stem.csv` (only letters, digits, `.`, `_` and `-` kept from
    ids in it), marked `demo-data-` while the demo is loaded."""
    stem = re.sub(r"(?:[^\w.-]|\.\.)+", "-", stem, flags=re.ASCII)
    stem = re.sub(r"-{2,}", "-", stem).strip("-.")[:100] or "table"
    return f"{'demo-data-' if demo else ''}{stem}.csv"


def rejected_csv(store: Store, batch_id: str) -> bytes:
    """A batch's rejected rows (line_no, error, raw) as a safe CSV download."""
    from cxmetrics.ingest import rejected_rows

    return safe_csv(rejected_rows(store, batch_id))
