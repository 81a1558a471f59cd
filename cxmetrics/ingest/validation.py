"""Validation (step 3 of a load): every canonical column typed and each row's first problem.

Input is a frame of *strings* (every column read as text, nothing converted by the reader);
output is a typed frame plus, per row, the first reason it was rejected (or None). A column
is checked by its declaration in `specs` (type, range, length, whether it may be empty or in
the future), then the kind's row rules run. The columns of a large file are checked on
several threads (Arrow's string kernels release the GIL).

`validate_file` does the same for a file as read: rows the layout excludes (Qualtrics
previews, tests, unfinished responses), rows whose width or quoting is wrong and rows with
a zero byte are rejected first; agent and team names or e-mails that match the roster
become their ids; survey responses without an id get a stable one.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.ingest import layouts
from cxmetrics.ingest.access_rows import check_access_rows
from cxmetrics.ingest.cells import (
    FALSE_TOKENS,
    TRUE_TOKENS,
    arrow_text,
    bools,
    clean,
    comment_text,
    longest_value,
    may_hold_zero_byte,
    text_series,
    value_set,
)
from cxmetrics.ingest.dates import date_order, parse_times
from cxmetrics.ingest.figures import read_figures
from cxmetrics.ingest.reasons import (
    Deferred,
    Errors,
    Shown,
    UnreadableFile,
    plural,
    quote_label,
    shown,
)
from cxmetrics.ingest.records import BROKEN_QUOTE
from cxmetrics.ingest.response_ids import fill_response_ids
from cxmetrics.ingest.roster_lookup import Roster, translate
from cxmetrics.ingest.specs import Column, KindSpec

if TYPE_CHECKING:
    from cxmetrics.ingest.prepare import Mapping
    from cxmetrics.ingest.read import RawTable
    from cxmetrics.store import Store

PARALLEL_ROWS = 50_000  # from this many rows, columns are checked on several threads


@dataclass
class Validated:
    frame: pd.DataFrame  # typed canonical columns, one row per input row
    errors: Errors
    present: list[str]  # canonical columns the file had

    @property
    def ok(self) -> np.ndarray:
        return ~self.errors.bad


def validate(
    spec: KindSpec,
    raw: dict[str, pd.Series],
    *,
    tz: ZoneInfo,
    now: datetime,
    dayfirst: bool | None = None,
    errors: Errors | None = None,
    decimal_comma: bool = False,
    labels: dict[str, str] | None = None,
    zones: dict[str, ZoneInfo] | None = None,
) -> Validated:
    """Type every canonical column and find each row's first problem.

    raw: canonical name -> string Series (as read, untrimmed) for the columns the file has;
    all Series share one RangeIndex. now: the current naive business-local time.
    decimal_comma: numbers may be written 12,5 (files delimited by ; tab or |).
    labels: canonical name -> the file's own label for it (reasons name that; default the
    canonical name). zones: canonical name -> the time zone that column's timestamps without
    an offset are in, when not the business zone `tz` (a Qualtrics export's timeZone).
    """
    labels = {c.name: quote_label((labels or {}).get(c.name) or c.name) for c in spec.columns}
    n = len(next(iter(raw.values()))) if raw else 0
    index = pd.RangeIndex(n)
    errs = errors or Errors(n)
    file_order = None
    dated = [c.name for c in spec.columns if c.type in ("timestamp", "date") and c.name in raw]
    if dayfirst is None and len(dated) > 1:
        # One column that settles the day/month order settles it for the whole file.
        orders = {date_order(clean(raw[name])[0]) for name in dated} - {None}
        file_order = orders.pop() if len(orders) == 1 else None

    def check(col: Column) -> tuple[pd.Series, Deferred]:
        return _check_column(
            col, raw.get(col.name), index, tz=tz, now=now, dayfirst=dayfirst,
            file_order=file_order, decimal_comma=decimal_comma, label=labels[col.name],
            source_tz=(zones or {}).get(col.name),
        )  # fmt: skip

    if n >= PARALLEL_ROWS:
        # Arrow's string kernels release the GIL: columns are checked side by side.
        with ThreadPoolExecutor(max_workers=min(len(spec.columns), os.cpu_count() or 1)) as pool:
            checked = list(pool.map(check, spec.columns))
    else:
        checked = [check(col) for col in spec.columns]
    out: dict[str, pd.Series] = {}
    for col, (typed, hits) in zip(spec.columns, checked, strict=True):
        out[col.name] = typed
        hits.apply(errs)
    frame = pd.DataFrame(out, index=index)
    for rule in spec.row_rules:
        rule(frame, raw, errs, labels)
    return Validated(frame=frame, errors=errs, present=[c for c in spec.names if c in raw])


def _check_column(
    col: Column,
    values: pd.Series | None,
    index: pd.RangeIndex,
    *,
    tz: ZoneInfo,
    now: datetime,
    dayfirst: bool | None,
    file_order: bool | None,
    decimal_comma: bool,
    label: str,
    source_tz: ZoneInfo | None = None,
) -> tuple[pd.Series, Deferred]:
    """One column typed, and its rule hits in the order the rules apply. `label` is the
    column as reasons name it (the file's own label, quoted)."""
    errs = Deferred()
    if values is None:
        return _absent(col, index), errs
    c = label
    if col.type == "comment":
        # Stored exactly as given (not even trimmed); an empty cell or a null token
        # (NA, N/A, NULL…) means "no comment".
        typed = comment_text(values)
        if col.not_null:
            errs.add(
                typed.isna().to_numpy(dtype=bool),
                f"{c} empty",
                f"{c} is empty: fill it in (every row needs one)",
            )
        _too_long(col, arrow_text(values), c, errs)
        return typed, errs
    text, empty = clean(values)
    quoted = Shown(text)
    if col.not_null:
        errs.add(empty, f"{c} empty", f"{c} is empty: fill it in (every row needs one)")
    if col.type in ("id", "text"):
        typed = text
        _too_long(col, arrow_text(text), c, errs)
    elif col.type in ("timestamp", "date"):
        parsed = parse_times(text, tz, dayfirst, file_order=file_order, source_tz=source_tz)
        errs.add(
            parsed.bad,
            f"{c} not a date",
            lambda i, c=c, s=quoted, col=col: (
                c + " is '" + s[i] + f"', not a date (use {_date_hint(col)})"
            ),
        )
        errs.add(
            parsed.ambiguous,
            f"{c} ambiguous day/month order",
            lambda i, c=c, s=quoted: (
                c + " is '" + s[i] + "', ambiguous (day/month or month/day?): "
                "load again with --dayfirst or --monthfirst"
            ),
        )
        stamps = parsed.values
        if col.type == "date":
            stamps = stamps.dt.normalize()
        if col.no_future:
            limit = pd.Timestamp(now) if col.type == "timestamp" else pd.Timestamp(now).normalize()
            future = (stamps > limit).to_numpy(dtype=bool, na_value=False)
            errs.add(
                future,
                f"{c} in the future",
                lambda i, c=c, s=quoted: (
                    c + " is '" + s[i] + "', in the future: check the date (and the day/month "
                    "order)"
                ),
            )
        typed = stamps
    elif col.type in ("number", "score"):
        typed = read_figures(col, text, empty, errs, decimal_comma, c)
    elif col.type == "bool":
        low = pc.utf8_lower(arrow_text(text))
        is_true = bools(pc.is_in(low, value_set(TRUE_TOKENS, low.type)))
        is_false = bools(pc.is_in(low, value_set(FALSE_TOKENS, low.type)))
        errs.add(
            ~empty & ~is_true & ~is_false,
            f"{c} not yes/no",
            lambda i, c=c, s=quoted: (
                c + " is '" + s[i] + "', not yes/no: use 1/0, true/false or yes/no"
            ),
        )
        known = is_true | is_false
        flags = is_true.copy()
        if col.blank is not None:
            flags[empty] = bool(col.blank)
            known |= empty
        typed = pd.Series(pd.arrays.BooleanArray(flags, ~known), index=index)
    elif col.type == "choice":
        given = arrow_text(text)
        lowered = pc.utf8_lower(given)
        if any("_" in choice for choice in col.choices):
            # "In progress", "in-progress" and "Won't fix" name `in_progress`, `wont_fix`.
            lowered = pc.replace_substring_regex(lowered, r"['’]", "")
            lowered = pc.replace_substring_regex(lowered, r"[\s-]+", "_")
        if lowered.equals(given):
            lowered = given  # already lower case: keep the buffers already read
        known = bools(pc.is_in(lowered, pa.array(col.choices, lowered.type)))
        choices = " or ".join(col.choices)
        errs.add(
            ~empty & ~known,
            f"{c} not {'/'.join(col.choices)}",
            lambda i, c=c, s=quoted, ch=choices, b=col.blank: (
                c + " is '" + s[i] + f"': use {ch}"
                + (f" (blank means {b})" if b else "")
            ),
        )  # fmt: skip
        if col.blank is not None and empty.any():
            lowered = pc.if_else(pa.array(empty), pa.scalar(col.blank, lowered.type), lowered)
        typed = text_series(lowered, index)
    else:  # pragma: no cover - a spec error
        raise AssertionError(f"unknown column type {col.type}")
    return typed, errs


def _too_long(col: Column, arr: pa.ChunkedArray, c: str, errs: Deferred) -> None:
    """Reject values longer than the column allows (names, ids, labels, comments)."""
    longest = col.longest
    if longest is None or not len(arr):
        return
    # A value of at most `longest` bytes has at most `longest` characters: most columns
    # are settled by the byte lengths alone.
    if longest_value(arr) <= longest:
        return
    lengths = pc.utf8_length(arr)
    over = bools(pc.greater(lengths, longest))
    if not over.any():
        return
    counts = lengths.to_numpy(zero_copy_only=False)
    errs.add(
        over,
        f"{c} too long",
        lambda i, c=c, a=arr, n=counts, m=longest: [
            c + " is '" + s + f"' ({int(k):,} characters), longer than the {m:,} allowed: "
            "shorten it"
            for s, k in zip(shown(pd.Series(a.take(pa.array(i)).to_pylist())), n[i], strict=True)
        ],
    )


def _absent(col: Column, index: pd.RangeIndex) -> pd.Series:
    """The column a file does not have: all unknown (or its `absent` default)."""
    n = len(index)
    if col.type == "bool":
        flags = np.full(n, bool(col.absent))
        return pd.Series(pd.arrays.BooleanArray(flags, np.full(n, col.absent is None)), index)
    if col.type in ("timestamp", "date"):
        return pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    if col.type == "number":
        return pd.Series(np.nan, index=index, dtype="float64")
    if col.type == "score":
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, np.int16), np.ones(n, bool)), index)
    if col.absent is None:
        return text_series(pa.chunked_array([pa.nulls(n, pa.large_string())]), index)
    return text_series(
        pa.chunked_array([pa.repeat(pa.scalar(col.absent, pa.large_string()), n)]), index
    )


def _date_hint(col: Column) -> str:
    return "YYYY-MM-DD" if col.type == "date" else "YYYY-MM-DD or YYYY-MM-DD HH:MM"


def validate_file(
    store: Store,
    spec: KindSpec,
    raw: RawTable,
    mapping: Mapping,
    dayfirst: bool | None,
    *,
    roster: Roster | None = None,
    notes: list[str] | None = None,
    zones: dict[str, ZoneInfo] | None = None,
) -> Validated:
    """Step 3 for a read file: typed columns and each row's first problem.

    Rows the layout excludes (Qualtrics previews, tests, unfinished responses) are rejected
    first, then rows with a zero byte in a cell; agent and team names or e-mails that match
    the roster become their ids. zones: the time zone of a timestamp column's times without
    an offset, when the file says it (converted to the business zone).
    """
    tz = store.settings.tz
    now = datetime.now(tz).replace(tzinfo=None)
    errors = Errors(len(raw.data))
    layout = raw.layout
    if raw.width_errors:
        pos = np.fromiter(raw.width_errors, dtype=np.int64)
        broken = np.array([raw.width_errors[p] == BROKEN_QUOTE for p in pos], dtype=bool)
        for group, rows in (
            ("unclosed quote", pos[broken]),
            ("wrong number of values", pos[~broken]),
        ):
            mask = np.zeros(len(raw.data), dtype=bool)
            mask[rows] = True
            errors.add(mask, group, lambda i: [raw.width_errors[int(p)] for p in i])
    if layout is not None:
        layouts.layout_rejections(layout, raw.data, errors, spec.kind)
    _reject_zero_bytes(raw, errors)
    columns = {name: raw.data[p] for name, p in mapping.columns.items()}
    if not columns:  # pragma: no cover - checked_mapping insists on required columns
        raise UnreadableFile("no known column in the header")
    labels = {name: raw.header[p] for name, p in mapping.columns.items()}
    checked = validate(
        spec,
        columns,
        tz=tz,
        now=now,
        dayfirst=dayfirst,
        errors=errors,
        decimal_comma=raw.decimal_comma,
        labels=labels,
        zones=zones,
    )
    if roster is not None:
        frame = checked.frame
        matched = 0
        if "agent_id" in columns:
            frame["agent_id"], count = translate(
                frame["agent_id"], roster.agent_ids, roster.agent_keys
            )
            matched += count
        if "team_id" in columns:
            frame["team_id"], count = translate(frame["team_id"], roster.team_ids, roster.team_keys)
            matched += count
        if matched and notes is not None:
            notes.append(
                f"{plural(matched, 'agent or team name')} (or e-mail) matched to ids from the "
                "roster"
            )
    if spec.kind == "surveys":
        fill_response_ids(checked.frame, checked.ok)
    if spec.kind == "access":
        check_access_rows(store, checked)
    return checked


def _reject_zero_bytes(raw: RawTable, errors: Errors) -> None:
    """Reject each row with a zero byte (NUL) in any of its cells: a stray one is a damaged
    cell, not a reason to refuse the file."""
    for pos in raw.data.columns:
        cells = pa.array(raw.data[pos].array, pa.large_string())
        if not may_hold_zero_byte(cells):
            continue
        hit = pc.match_substring(cells, "\x00")
        if not pc.any(hit).as_py():
            continue
        label = quote_label(raw.header[pos])
        errors.add(
            hit.fill_null(False).to_numpy(zero_copy_only=False),
            "zero byte (NUL) in a cell",
            f"{label} holds a zero byte (NUL, an invisible control character): delete it from "
            "the cell, or export the file again",
        )
