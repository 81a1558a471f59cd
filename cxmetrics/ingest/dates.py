"""Dates and times as files write them, read into naive business-local timestamps.

Naive ISO date-times (the form most exports use) are read in one Arrow pass; every other
form goes through the general path: ISO with a zone, year-first with slashes or dots, day
and month in either order with the year last, times with seconds, fractions and AM/PM, a
zone written as Z, UTC, GMT±h or an offset. The day/month order of a D/M/Y column comes from
the caller, else from the column (a part above 12), else from another date column of the
file; a value left ambiguous is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.ingest.cells import arrow_text, bools, only

# Patterns stay within what RE2 (pyarrow) runs natively: [0-9] and " ?" rather than \d and
# \s, which would send pandas back to Python's re, row by row.
_ISO = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)?"
    r"(?: ?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?))?$"
)
_AWARE = re.compile(
    r"[0-9]:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)? ?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
)
# Every other form: year first (2026/11/16, 2026.11.16), or day and month in either order
# with the year last (16/11/2026, 11-16-26, 16.11.2026); a time with optional seconds,
# fraction and AM/PM; an optional zone (Z, UTC, GMT, GMT+1, +02:00).
_GENERAL = (
    r"^(?:(?P<Y>[0-9]{4})[/.\-](?P<m>[0-9]{1,2})[/.\-](?P<d>[0-9]{1,2})"
    r"|(?P<a>[0-9]{1,2})(?P<sep>[/.\-])(?P<b>[0-9]{1,2})[/.\-](?P<y>[0-9]{4}|[0-9]{2}))"
    r"(?:(?:[ T]+|, ?)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})"
    r"(?::(?P<S>[0-9]{2})(?:[.,](?P<f>[0-9]{1,9}))?)?"
    r" ?(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"(?: ?(?P<tz>Z|(?:UTC|GMT)?(?P<zs>[+-])(?P<zh>[0-9]{1,2})(?::?(?P<zm>[0-9]{2}))?|UTC|GMT))?$"
)


@dataclass
class ParsedTimes:
    values: pd.Series  # datetime64[us], naive business-local time
    bad: np.ndarray  # not a date at all
    ambiguous: np.ndarray  # day/month order unknown


def date_order(text: pd.Series) -> bool | None:
    """What a column of date strings says about day/month order: True (a first part above
    12, e.g. 25/03/2026), False (a second part above 12), None (nothing, or both)."""
    parts = text.dropna().str.extract(_GENERAL)
    slashy = parts["a"].notna() & (parts["sep"] != ".")
    if not slashy.any():
        return None
    a = parts.loc[slashy, "a"].astype(int)
    b = parts.loc[slashy, "b"].astype(int)
    says_day, says_month = bool((a > 12).any()), bool((b > 12).any())
    return says_day if says_day != says_month else None


# Naive ISO date-times as exports write them (2026-11-16 14:05:09, 2026-11-16T14:05,
# 2026-11-16) on a day every year has (29 February is left to the general path): Arrow's ISO
# cast reads each of them as pandas would, and none can fail.
_PLAIN_ISO = (
    r"^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"(?:[ T](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?)?$"
)


def _plain_iso(text: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows in a plain naive ISO form and their timestamps (datetime64[us]), read in one
    Arrow pass; None when there are none (or, which the pattern rules out, Arrow refuses one:
    the general path then reads them all)."""
    arr = arrow_text(text)
    plain = pc.match_substring_regex(arr, _PLAIN_ISO)
    if not pc.any(plain).as_py():
        return None
    try:
        stamps = pc.cast(only(arr, plain), pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    values = stamps.to_numpy() if stamps.num_chunks else np.array([], dtype="datetime64[us]")
    return bools(plain), values.astype("datetime64[us]", copy=False)


def parse_times(
    text: pd.Series,
    tz: ZoneInfo,
    dayfirst: bool | None,
    *,
    file_order: bool | None = None,
    source_tz: ZoneInfo | None = None,
) -> ParsedTimes:
    """Parse trimmed, non-empty strings (NaN = empty) into naive local timestamps.

    ISO forms and values with a zone (Z, an offset, UTC / GMT±h) are converted to `tz`; naive
    values are already local, or (given `source_tz`) local time there, converted to `tz`.
    Year-first forms are never ambiguous; dotted D.M.Y dates are day-first by convention.
    Slashed or dashed D-M-Y / M-D-Y forms follow `dayfirst`, else what the column itself
    settles (a first part > 12 means day-first, a second part > 12 month-first), else
    `file_order` (what another date column of the file settled); a value
    whose parts are both ≤ 12 and differ is otherwise ambiguous.
    """
    n = len(text)
    present = text.notna().to_numpy()
    plain = _plain_iso(text) if n else None
    if plain is None:
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
        todo = text[present]
    else:
        # Plain ISO rows are read; the general path sees only the others (it learns nothing
        # about day/month order from ISO rows, so its answer for them is unchanged).
        out = pd.Series(plain[1], index=text.index)
        todo = text[present & ~plain[0]]
    ambiguous = np.zeros(n, dtype=bool)
    zoned = np.zeros(n, dtype=bool)  # the value said its zone (already converted)
    if len(todo):
        iso = todo.str.match(_ISO.pattern).fillna(False).to_numpy(dtype=bool)
        if iso.any():
            sub = todo[iso]
            aware = sub.str.contains(_AWARE.pattern).to_numpy(dtype=bool)
            if aware.any():
                conv = pd.to_datetime(sub[aware], format="ISO8601", utc=True, errors="coerce")
                out.loc[sub.index[aware]] = conv.dt.tz_convert(tz).dt.tz_localize(None)
                zoned[text.index.get_indexer(sub.index[aware])] = True
            if (~aware).any():
                out.loc[sub.index[~aware]] = pd.to_datetime(
                    sub[~aware], format="ISO8601", errors="coerce"
                )
        rest = todo[~iso]
        if len(rest):
            parts = rest.str.extract(_GENERAL)
            parts = parts[(parts["Y"].notna() | parts["a"].notna()).to_numpy()]
            if len(parts):
                out.loc[parts.index], unsure = _assemble(parts, tz, dayfirst, file_order)
                ambiguous[text.index.get_indexer(parts.index[unsure])] = True
                zoned[text.index.get_indexer(parts.index[parts["tz"].notna().to_numpy()])] = True
    bad = present & out.isna().to_numpy() & ~ambiguous
    if source_tz is not None and source_tz.key != tz.key:
        naive = np.flatnonzero(present & ~zoned & ~bad & ~ambiguous)
        if len(naive):
            out.iloc[naive] = _convert(out.iloc[naive], source_tz, tz).to_numpy()
    return ParsedTimes(out, bad, ambiguous)


def _convert(local: pd.Series, source: ZoneInfo, tz: ZoneInfo) -> pd.Series:
    """Naive local times of `source` as naive local times of `tz`. A time that occurs twice
    (clocks going back) is taken as the first; one that never occurs (clocks going forward)
    is moved forward by the gap, as a clock would show it."""
    first = np.ones(len(local), dtype=bool)
    aware = local.dt.tz_localize(source, ambiguous=first, nonexistent="shift_forward")
    return aware.dt.tz_convert(tz).dt.tz_localize(None).astype("datetime64[us]")


def _num(parts: pd.DataFrame, name: str, default: str = "0") -> pd.Series:
    return parts[name].fillna(default).astype(int)


def _assemble(
    parts: pd.DataFrame, tz: ZoneInfo, dayfirst: bool | None, file_order: bool | None
) -> tuple[pd.Series, np.ndarray]:
    """Timestamps from extracted date parts, and which rows are ambiguous."""
    year_first = parts["Y"].notna()
    a, b = _num(parts, "a"), _num(parts, "b")
    dotted = (parts["sep"] == ".") & ~year_first
    slashy = ~year_first & ~dotted
    order = dayfirst
    if order is None:
        says_day, says_month = bool((slashy & (a > 12)).any()), bool((slashy & (b > 12)).any())
        if says_day != says_month:
            order = says_day
        elif not (says_day or says_month):
            order = file_order
    if order is None:
        day_first = (a > 12).to_numpy()
        unsure = (slashy & (a <= 12) & (b <= 12) & (a != b)).to_numpy()
    else:
        day_first = np.full(len(parts), order)
        unsure = np.zeros(len(parts), dtype=bool)
    day_first = day_first | dotted.to_numpy()
    year = _num(parts, "y")
    year = year.where(parts["y"].str.len() == 4, year + 2000)
    hour = _num(parts, "H")
    pm = parts["ampm"].fillna("").str.lower().str.replace(".", "", regex=False)
    ampm_ok = (pm == "") | ((hour >= 1) & (hour <= 12))
    hour = hour.where(pm != "pm", hour % 12 + 12).where(pm != "am", hour % 12)
    minute, second = _num(parts, "M"), _num(parts, "S")
    in_range = ampm_ok & (hour <= 23) & (minute <= 59) & (second <= 59)
    frame = pd.DataFrame(
        {
            "year": _num(parts, "Y").where(year_first, year),
            "month": _num(parts, "m").where(year_first, b.where(day_first, a)),
            "day": _num(parts, "d").where(year_first, a.where(day_first, b)),
            "hour": hour,
            "minute": minute,
            "second": second,
        }
    )
    stamps = pd.to_datetime(frame, errors="coerce").astype("datetime64[us]")
    frac = parts["f"].fillna("0").str.slice(0, 6).str.pad(6, side="right", fillchar="0")
    stamps = stamps + pd.to_timedelta(frac.astype(int), unit="us")
    zoned = parts["tz"].notna().to_numpy()
    if zoned.any():
        sign = np.where(parts["zs"] == "-", -1, 1)
        offset = sign * (_num(parts, "zh") * 60 + _num(parts, "zm"))
        utc = stamps - pd.to_timedelta(offset, unit="min")
        local = utc.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
        stamps = stamps.where(~zoned, local.astype("datetime64[us]"))
    stamps = stamps.where(in_range & ~unsure)
    return stamps, unsure
