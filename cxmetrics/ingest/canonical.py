"""Canonical layouts (the columns of each kind; a sample of each in cxmetrics/samples/): column
specs per kind, header mapping, value parsing and vectorised row validation.

Everything here works on whole columns (pyarrow and pandas string kernels); nothing loops over
rows. Values in the forms files mostly hold (naive ISO date-times, plain digits) are read in
one Arrow pass, and only the others take the general path, which knows every other form; the
columns of a large file are checked on several threads. Input is a frame of *strings* (every
column read as text, nothing converted by the reader); output is a typed frame plus, per row,
the first reason it was rejected (or None). Reasons are one line of plain text naming the
file's own column label in double quotes and quoting the value in single quotes.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.export import unguarded

KINDS = ("roster", "interactions", "adherence", "surveys", "targets", "kpis")

# Cell values that mean "empty" (compared case-insensitively after trimming).
NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "null", "none", "-"})
TRUE_TOKENS = frozenset({"1", "1.0", "true", "yes", "y", "t"})
FALSE_TOKENS = frozenset({"0", "0.0", "false", "no", "n", "f"})
MAX_SHOWN = 40  # characters of a cell value quoted in a reason
MAX_LABEL_SHOWN = 60  # characters of a column label named in a reason
# Longest values stored (characters): identifiers, names and labels, free-text comments.
# A longer value rejects its row.
MAX_ID_CHARS = 128
MAX_NAME_CHARS = 200
MAX_EMAIL_CHARS = 254
MAX_COMMENT_CHARS = 10_000


class UnreadableFile(Exception):
    """The file cannot be read at all; the message is one line saying why and what to do."""

    def __init__(self, message: str):
        # One line whatever a quoted header or column name holds.
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True)
class Column:
    """One canonical column.

    type: id | text | comment | timestamp | date | number | score | bool | choice
    required: the header must have it; not_null: every row must have a value.
    blank: value for an empty cell (bools, choices); absent: value when the file has no
    such column (None = unknown/NULL). max_length: longest value in characters (ids, text
    and comments; by type unless given).
    """

    name: str
    type: str
    required: bool = False
    not_null: bool = False
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    blank: object = None
    absent: object = None
    choices: tuple[str, ...] = ()
    no_future: bool = False
    max_length: int | None = None

    @property
    def longest(self) -> int | None:
        """Longest value allowed (characters), None for typed columns."""
        if self.max_length is not None:
            return self.max_length
        return {"id": MAX_ID_CHARS, "text": MAX_NAME_CHARS, "comment": MAX_COMMENT_CHARS}.get(
            self.type
        )


@dataclass(frozen=True)
class KindSpec:
    kind: str
    table: str | None  # None for the roster (agents + teams)
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rollup: str | None = None  # rollups.SOURCES name refreshed after a load
    any_of: tuple[str, ...] = ()  # at least one of these columns must be in the header

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_ID = ("agent", "agentid", "agent_code")
_TEAM = ("team", "teamid", "team_code")

SPECS: dict[str, KindSpec] = {
    "roster": KindSpec(
        "roster",
        None,
        (
            Column("agent_id", "id", required=True, not_null=True, aliases=_ID),
            Column("agent_name", "text", aliases=("name", "full_name", "agent_full_name")),
            Column("team_id", "id", aliases=_TEAM),
            Column("team_name", "text"),
            Column("supervisor", "text", aliases=("manager", "team_lead", "supervisor_name")),
            Column(
                "supervisor_email",
                "text",
                aliases=("supervisor_e_mail", "manager_email", "team_lead_email"),
            ),
            Column("function", "text", aliases=("team_function",)),
            Column(
                "email", "text", aliases=("email_address", "e_mail"), max_length=MAX_EMAIL_CHARS
            ),
            Column("hired_on", "date", aliases=("hire_date", "hired", "start_date")),
            Column("active", "bool", aliases=("is_active",)),  # empty: keep / True
            Column("nickname", "text", aliases=("nick", "preferred_name", "known_as")),
            # The day the row's team takes effect (empty: the day of the load).
            Column(
                "effective_from",
                "date",
                no_future=True,
                aliases=("effective_date", "valid_from", "team_from", "moved_on"),
            ),
        ),
        key=("agent_id",),
    ),
    "interactions": KindSpec(
        "interactions",
        "interactions",
        (
            Column(
                "interaction_id",
                "id",
                required=True,
                not_null=True,
                aliases=("contact_id", "call_id", "interactionid"),
            ),
            Column(
                "started_at",
                "timestamp",
                required=True,
                not_null=True,
                no_future=True,
                aliases=("start_time", "started", "start", "timestamp"),
            ),
            Column("channel", "text"),
            Column("queue", "text"),
            Column("team_id", "id", aliases=_TEAM),
            Column("agent_id", "id", aliases=_ID),
            Column("customer_id", "id", aliases=("customer",)),
            Column(
                "wait_seconds",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("wait", "wait_time", "queue_seconds"),
            ),
            Column("handle_seconds", "number", minimum=0, aliases=("handle", "handle_time")),
            Column("abandoned", "bool", blank=False, absent=False, aliases=("is_abandoned",)),
            Column("transferred", "bool", blank=False, aliases=("is_transferred",)),
            Column(
                "resolved_first_contact",
                "bool",
                aliases=("fcr", "first_contact_resolution", "resolved"),
            ),
            Column("callback_promised", "bool", blank=False),
            Column("callback_kept", "bool"),
        ),
        key=("interaction_id",),
        rollup="interactions",
    ),
    "adherence": KindSpec(
        "adherence",
        "adherence",
        (
            Column("agent_id", "id", required=True, not_null=True, aliases=_ID),
            Column("date", "date", required=True, not_null=True, no_future=True),
            Column(
                "scheduled_minutes",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("scheduled",),
            ),
            Column(
                "in_adherence_minutes",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("in_adherence", "adherent_minutes"),
            ),
            Column(
                "logged_in_minutes",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("logged_in",),
            ),
            Column(
                "available_minutes",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("available",),
            ),
        ),
        key=("agent_id", "date"),
        rollup="adherence",
    ),
    "surveys": KindSpec(
        "surveys",
        "survey_responses",
        (
            Column("response_id", "id", aliases=("responseid", "respondent_id")),
            Column(
                "responded_at",
                "timestamp",
                required=True,
                not_null=True,
                no_future=True,
                aliases=("timestamp", "date", "submitted_at", "response_date", "recorded_date"),
            ),
            Column(
                "respondent_type",
                "choice",
                blank="customer",
                absent="customer",
                choices=("customer", "colleague"),
                aliases=("respondent",),
            ),
            Column("channel", "text"),
            Column("team_id", "id", aliases=_TEAM),
            Column("agent_id", "id", aliases=_ID),
            Column(
                "interaction_id",
                "id",
                aliases=("contact_id", "call_id", "ticket_id", "case_id", "conversation_id"),
            ),
            Column("nps", "score", minimum=0, maximum=10, aliases=("nps_score",)),
            Column("csat", "score", minimum=1, maximum=5, aliases=("csat_score",)),
            Column("ces", "score", minimum=1, maximum=7, aliases=("ces_score",)),
            Column("comment", "comment", aliases=("comments", "verbatim", "feedback")),
        ),
        key=("response_id",),
        rollup="surveys",
        any_of=("nps", "csat", "ces"),
    ),
    "targets": KindSpec(
        "targets",
        "targets",
        (
            Column("metric_id", "id", required=True, not_null=True, aliases=("metric",)),
            Column("team_id", "id", aliases=_TEAM),
            Column("target", "number", required=True, not_null=True, aliases=("goal",)),
            Column("amber_tolerance", "number", minimum=0, aliases=("tolerance", "amber")),
            Column(
                "effective_from",
                "date",
                required=True,
                not_null=True,
                aliases=("from", "effective_date", "start_date"),
            ),
        ),
        key=("metric_id", "team_id", "effective_from"),
    ),
    "kpis": KindSpec(
        "kpis",
        "kpi_values",
        (
            Column("date", "date", required=True, not_null=True, no_future=True),
            Column("metric_id", "id", required=True, not_null=True, aliases=("metric", "kpi")),
            Column("team_id", "id", aliases=_TEAM),
            Column("value", "number", required=True, not_null=True),
        ),
        key=("date", "metric_id", "team_id"),
    ),
}


def spec_for(kind: str) -> KindSpec:
    if kind not in SPECS:
        raise ValueError(f"unknown kind `{kind}`: use one of {', '.join(KINDS)}")
    return SPECS[kind]


# ---------------------------------------------------------------- header mapping


def normalise_header(name: str) -> str:
    """`  Agent ID ` → `agent_id`, `RecordedDate` → `recorded_date` (trim, split camelCase,
    lower case, spaces / dashes / dots / brackets → `_`)."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", str(name).strip())
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[\s\-./()\[\]]+", "_", text.lower())
    return re.sub(r"_+", "_", text).strip("_")


@dataclass
class Mapping:
    """Which file column (position) feeds each canonical column."""

    columns: dict[str, int]  # canonical name -> position in the file
    ignored: list[str] = field(default_factory=list)  # header names not used


def map_columns(spec: KindSpec, header: list[str]) -> Mapping:
    """Match a canonical file's header names to canonical columns (exact name first, then
    aliases).

    Raises UnreadableFile when a required column is missing or two columns claim one name.
    """
    from cxmetrics.ingest.layouts import Layout, detect_mapping

    labels = [str(h).strip() for h in header]
    layout = Layout("canonical", 1, labels, labels, [""] * len(labels))
    found = detect_mapping(spec, layout, pd.DataFrame())
    if found.conflicts:
        raise UnreadableFile(found.conflicts[0])
    return checked_mapping(spec, found.mapping, labels)


def checked_mapping(
    spec: KindSpec, positions: dict[str, int | None], labels: list[str], *, explicit: bool = False
) -> Mapping:
    """The mapping as positions, once every required column has a source.

    Raises UnreadableFile naming what is missing (and, for a mapping the analyst gave, that
    it is the mapping that leaves it out).
    """
    columns = {c: p for c, p in positions.items() if p is not None}
    missing = [c.name for c in spec.columns if c.required and c.name not in columns]
    if missing or (spec.any_of and not any(c in columns for c in spec.any_of)):
        need = [c.name for c in spec.columns if c.required]
        if spec.any_of:
            need.append(" or ".join(spec.any_of))
        what = f"`{missing[0]}`" if missing else " / ".join(spec.any_of)
        if explicit:
            raise UnreadableFile(
                f"the mapping gives no column for {what}: {spec.kind} files need "
                f"{', '.join(need)}; choose the file's column for it"
            )
        found_names = [name for name in labels if name and not name.endswith("(no header)")]
        shown = ", ".join(found_names[:12]) + (" …" if len(found_names) > 12 else "")
        raise UnreadableFile(
            f"no {what} column: {spec.kind} files need the columns {', '.join(need)} in their "
            f"first row (found: {shown or 'nothing'}); see the sample {spec.kind}.csv (Upload page)"
        )
    used = set(columns.values())
    ignored = [name for p, name in enumerate(labels) if p not in used and name.strip()]
    return Mapping(columns=columns, ignored=ignored)


# ---------------------------------------------------------------- validation


class Errors:
    """The first rejection reason per row (later rules never overwrite an earlier one)."""

    def __init__(self, n: int):
        self.n = n
        self._bad = np.zeros(n, dtype=bool)
        self._reason: np.ndarray | None = None  # made on the first rejection
        self._group: np.ndarray | None = None

    @property
    def reason(self) -> np.ndarray:
        """Full sentence per row (None: not rejected)."""
        if self._reason is None:
            self._reason = np.full(self.n, None, dtype=object)
        return self._reason

    @property
    def group(self) -> np.ndarray:
        """Column + rule per row, for counting (None: not rejected)."""
        if self._group is None:
            self._group = np.full(self.n, None, dtype=object)
        return self._group

    @property
    def bad(self) -> np.ndarray:
        return self._bad.copy()

    def add(self, mask, group: str, detail: Callable[[np.ndarray], object] | str) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self._bad
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        text = detail if isinstance(detail, str) else detail(idx)
        self.reason[idx] = np.asarray(text, dtype=object) if not isinstance(text, str) else text
        self.group[idx] = group
        self._bad[idx] = True


_UNPRINTABLE = r"[\x00-\x1f\x7f\x85\u2028\u2029]+"


def _shown(values: pd.Series) -> pd.Series:
    """Cell text for a reason: on one line (line breaks and control characters as spaces),
    cut to MAX_SHOWN characters."""
    text = values.fillna("").astype(str).str.replace(_UNPRINTABLE, " ", regex=True)
    long = text.str.len() > MAX_SHOWN
    return text.where(~long, text.str.slice(0, MAX_SHOWN - 1) + "…")


def quote_label(label: str) -> str:
    """A column label as reasons name it: in double quotes, on one line, cut to
    MAX_LABEL_SHOWN characters."""
    text = " ".join(re.sub(_UNPRINTABLE, " ", str(label)).split())
    if len(text) > MAX_LABEL_SHOWN:
        text = text[: MAX_LABEL_SHOWN - 1] + "…"
    return f'"{text}"'


class _Shown:
    """Cell text for reasons, computed only for the rows that need one."""

    def __init__(self, text: pd.Series):
        self.text = text

    def __getitem__(self, positions: np.ndarray) -> pd.Series:
        return _shown(self.text.iloc[positions])


def _case_variants(word: str) -> set[str]:
    out = {""}
    for ch in word:
        out = {prefix + c for prefix in out for c in {ch.lower(), ch.upper()}}
    return out


# Every upper/lower-case spelling of the null tokens (one set look-up, no lower-casing).
NULL_SPELLINGS = frozenset(v for token in NULL_TOKENS for v in _case_variants(token))


def _arrow_text(values: pd.Series) -> pa.ChunkedArray:
    """A Series of text as Arrow strings (the Series' own buffers when it is Arrow-backed)."""
    arr = pa.array(values.array, from_pandas=True)
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    if pa.types.is_null(arr.type):
        arr = arr.cast(pa.large_string())
    return arr


def _text_series(arr: pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """Arrow strings as a `str` Series (no copy of the text)."""
    return pd.Series(arr, index=index, dtype="str")


def _bools(mask: pa.ChunkedArray) -> np.ndarray:
    """An Arrow boolean result as a numpy mask (null = False)."""
    return mask.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _value_set(tokens, typ: pa.DataType) -> pa.Array:
    """Tokens as an Arrow array of `typ`, to look values up in."""
    return pa.array(sorted(tokens), typ)


def _clean(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Trimmed text with the null tokens as NaN, and the empty mask."""
    raw = _arrow_text(values)
    text = pc.utf8_trim_whitespace(raw)
    if pc.sum(pc.binary_length(text)) == pc.sum(pc.binary_length(raw)):
        text = raw  # nothing to trim: keep the buffers already read
    text = _unguarded(text)
    empty = _bools(
        pc.or_kleene(pc.is_null(text), pc.is_in(text, _value_set(NULL_SPELLINGS, text.type)))
    )
    if empty.any():
        text = pc.if_else(pa.array(empty), pa.scalar(None, text.type), text)
    return _text_series(text, values.index), empty


def _to_float(text: pd.Series) -> pd.Series:
    """Numbers from trimmed text (NaN where empty or not a number): Arrow's cast when every
    value is a number, else pandas (slower, value by value)."""
    try:
        values = pc.cast(pa.array(text.array), pa.float64())
        return pd.Series(values.to_numpy(zero_copy_only=False), index=text.index)
    except (ValueError, TypeError, NotImplementedError, pa.ArrowInvalid):
        return pd.to_numeric(text, errors="coerce").astype("float64")


@dataclass
class Validated:
    frame: pd.DataFrame  # typed canonical columns, one row per input row
    errors: Errors
    present: list[str]  # canonical columns the file had

    @property
    def ok(self) -> np.ndarray:
        return ~self.errors.bad


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
    arr = _arrow_text(text)
    plain = pc.match_substring_regex(arr, _PLAIN_ISO)
    if not pc.any(plain).as_py():
        return None
    try:
        stamps = pc.cast(_only(arr, plain), pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    values = stamps.to_numpy() if stamps.num_chunks else np.array([], dtype="datetime64[us]")
    return _bools(plain), values.astype("datetime64[us]", copy=False)


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


_DECIMAL_COMMA = r"^[+-]?(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+),[0-9]+$"


def _decimal_comma(text: pd.Series) -> pd.Series:
    """12,5 → 12.5 and 1.234,5 → 1234.5 (other values unchanged)."""
    comma = text.str.match(_DECIMAL_COMMA).fillna(False).to_numpy(dtype=bool)
    if not comma.any():
        return text
    out = text.copy()
    fixed = text[comma].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    out.loc[comma] = fixed
    return out


# ---------------------------------------------------------------- scores written as text

# 5-point satisfaction labels (CSAT 1–5) and 7-point ease / agreement labels (CES 1–7).
CSAT_LABELS = {
    "very dissatisfied": 1, "extremely dissatisfied": 1, "very unsatisfied": 1,
    "dissatisfied": 2, "somewhat dissatisfied": 2, "unsatisfied": 2,
    "neither satisfied nor dissatisfied": 3, "neither satisfied or dissatisfied": 3,
    "neutral": 3, "neither": 3,
    "satisfied": 4, "somewhat satisfied": 4,
    "very satisfied": 5, "extremely satisfied": 5,
}  # fmt: skip
CES_LABELS = {
    "very difficult": 1, "extremely difficult": 1, "difficult": 2, "somewhat difficult": 3,
    "neither easy nor difficult": 4, "neither difficult nor easy": 4, "neutral": 4,
    "somewhat easy": 5, "easy": 6, "very easy": 7, "extremely easy": 7,
    "strongly disagree": 1, "disagree": 2, "somewhat disagree": 3,
    "neither agree nor disagree": 4, "somewhat agree": 5, "agree": 6, "strongly agree": 7,
}  # fmt: skip
SCORE_LABELS = {"csat": CSAT_LABELS, "ces": CES_LABELS}
SCORE_HINTS = {"csat": ", or a label such as 'Very satisfied'", "ces": ", or 'Very easy'"}
# Words only 7-point satisfaction scales use, and the labels that are 4/5 on a 5-point scale
# but 5/6 on a 7-point one (a column holding both kinds is a 7-point scale).
_SEVEN_WORDS = r"(?:mostly|completely|slightly|moderately)"
_FIVE_ONLY = ("satisfied", "dissatisfied", "very satisfied", "very dissatisfied")

# Words of each scale's anchors: text beside a score is read only when it is a label of that
# scale (a word of these, or a label of the vendor sets above), so "banana8", "Q9" or
# "9 or 10" are not scores.
SCORE_ANCHORS = {
    "nps": r"\b(?:un)?likely\b|\brecommend",
    "csat": r"satisf|\bneutral\b",
    "ces": r"\beas(?:y|ier|ily|e)\b|\bdifficult|\beffort|\b(?:dis)?agree",
}

_LETTER = "A-Za-z\u00c0-\u024f"
_FRACTION = r"^([0-9]{1,2})(?:[.,]0+)? ?(?:/|out of|of) ?([0-9]{1,2})$"
# A score beside its label: "10 - Extremely likely", "(5) Very satisfied", "Not at all
# likely 0", "Very easy (7)": the number and the words apart by a dash, a colon, brackets
# or spaces; the words letters only (no second number).
_SCORE_NUMBER = r"([0-9]{1,2})(?:[.,]0+)?"
_SCORE_SEP = r"(?: *[-–—:] *| *[(\[] *| *[)\]] *| +)"
_SCORE_WORDS = rf"([{_LETTER}][{_LETTER}'’ ,./&-]*?)"
_LEADING = rf"^[(\[]?{_SCORE_NUMBER}[)\]]?{_SCORE_SEP}{_SCORE_WORDS}[)\]]?[ .!]*$"
_TRAILING = rf"^{_SCORE_WORDS}{_SCORE_SEP}[(\[]?{_SCORE_NUMBER}[)\]]?$"


@dataclass
class ReadScores:
    values: pd.Series  # float, NaN where no score could be read
    wrong_scale: np.ndarray  # "7/10" in a 1–5 column
    seven_point: np.ndarray  # a 7-point satisfaction label in a 5-point CSAT column


def _label_words(words: pd.Series) -> pd.Series:
    return words.str.lower().str.replace(r"[ ]+", " ", regex=True).str.strip(" .!").fillna("")


def _is_scale_label(words: pd.Series, col: Column) -> np.ndarray:
    """Which label texts belong to the column's scale: a word of its anchors, or a label of
    the vendor label set."""
    anchored = words.str.contains(SCORE_ANCHORS[col.name], case=False, regex=True)
    known = _label_words(words).isin(SCORE_LABELS.get(col.name, {}).keys())
    return (anchored.fillna(False) | known).to_numpy(dtype=bool)


def read_scores(text: pd.Series, col: Column) -> ReadScores:
    """Scores written as text: 9/10, and a number beside a label of the scale (10 - Extremely
    likely, Not at all likely 0, 5 (Very satisfied)); and, for CSAT and CES, the labels of a
    5-point satisfaction or 7-point ease / agreement scale alone."""
    n = len(text)
    values = pd.Series(np.nan, index=text.index, dtype="float64")
    wrong = np.zeros(n, dtype=bool)
    seven = np.zeros(n, dtype=bool)
    if not n:
        return ReadScores(values, wrong, seven)
    frac = text.str.extract(_FRACTION)
    has_frac = frac[0].notna().to_numpy()
    if has_frac.any():
        whole = frac[0].astype("float64")
        scale = frac[1].astype("float64")
        on_scale = (scale == col.maximum).to_numpy()
        values[has_frac & on_scale] = whole[has_frac & on_scale]
        wrong = has_frac & ~on_scale
    for pattern, number, words in ((_LEADING, 0, 1), (_TRAILING, 1, 0)):
        todo = values.isna().to_numpy() & ~wrong
        if not todo.any():
            break
        parts = text[todo].str.extract(pattern)
        parts = parts[parts[number].notna().to_numpy()]
        if len(parts):
            labelled = parts[_is_scale_label(parts[words], col)]
            values.loc[labelled.index] = labelled[number].astype("float64")
    labels = SCORE_LABELS.get(col.name)
    todo = values.isna().to_numpy() & ~wrong
    if labels and todo.any():
        low = _label_words(text[todo])
        if col.name == "csat":
            distinct = set(low.unique())
            somewhat = any(v.startswith("somewhat ") for v in distinct)
            is_seven = any(re.search(_SEVEN_WORDS, v) for v in distinct) or (
                somewhat and any(v in _FIVE_ONLY for v in distinct)
            )
            if is_seven:
                known = low.str.contains("satisf", regex=False).to_numpy()
                seven[np.flatnonzero(todo)[known]] = True
                return ReadScores(values, wrong, seven)
        values.loc[low.index] = low.map(labels).astype("float64")
    return ReadScores(values, wrong, seven)


def _date_hint(col: Column) -> str:
    return "YYYY-MM-DD" if col.type == "date" else "YYYY-MM-DD or YYYY-MM-DD HH:MM"


PARALLEL_ROWS = 50_000  # from this many rows, columns are checked on several threads


def _on_rows(detail: Callable[[np.ndarray], object], rows: np.ndarray, idx: np.ndarray):
    """`detail` of a check made on `rows` only, asked about positions of the whole column."""
    return detail(np.searchsorted(rows, idx))


class _Deferred:
    """A column's rule hits, kept in order to be applied to the file's Errors later (so that
    columns can be checked at the same time and still give each row its first reason)."""

    def __init__(self):
        self.hits: list[tuple[np.ndarray, str, Callable[[np.ndarray], object] | str]] = []

    def add(self, mask, group: str, detail: Callable[[np.ndarray], object] | str) -> None:
        self.hits.append((mask, group, detail))

    def extend(self, other: _Deferred, rows: np.ndarray, n: int) -> None:
        """Take over the hits of a check made on `rows` (sorted positions) of n rows."""
        for mask, group, detail in other.hits:
            full = np.zeros(n, dtype=bool)
            full[rows[np.asarray(mask, dtype=bool)]] = True
            if not isinstance(detail, str):
                detail = partial(_on_rows, detail, rows)
            self.hits.append((full, group, detail))

    def apply(self, errors: Errors) -> None:
        for mask, group, detail in self.hits:
            errors.add(mask, group, detail)


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
        orders = {date_order(_clean(raw[name])[0]) for name in dated} - {None}
        file_order = orders.pop() if len(orders) == 1 else None

    def check(col: Column) -> tuple[pd.Series, _Deferred]:
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
    _row_rules(spec, frame, raw, errs, labels)
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
) -> tuple[pd.Series, _Deferred]:
    """One column typed, and its rule hits in the order the rules apply. `label` is the
    column as reasons name it (the file's own label, quoted)."""
    errs = _Deferred()
    if values is None:
        return _absent(col, index), errs
    c = label
    if col.type == "comment":
        # Stored exactly as given (not even trimmed); an empty cell or a null token
        # (NA, N/A, NULL…) means "no comment".
        typed = _comment(values)
        _too_long(col, _arrow_text(values), c, errs)
        return typed, errs
    text, empty = _clean(values)
    shown = _Shown(text)
    if col.not_null:
        errs.add(empty, f"{c} empty", f"{c} is empty: fill it in (every row needs one)")
    if col.type in ("id", "text"):
        typed = text
        _too_long(col, _arrow_text(text), c, errs)
    elif col.type in ("timestamp", "date"):
        parsed = parse_times(text, tz, dayfirst, file_order=file_order, source_tz=source_tz)
        errs.add(
            parsed.bad,
            f"{c} not a date",
            lambda i, c=c, s=shown, col=col: (
                c + " is '" + s[i] + f"', not a date (use {_date_hint(col)})"
            ),
        )
        errs.add(
            parsed.ambiguous,
            f"{c} ambiguous day/month order",
            lambda i, c=c, s=shown: (
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
                lambda i, c=c, s=shown: (
                    c + " is '" + s[i] + "', in the future: check the date (and the day/month "
                    "order)"
                ),
            )
        typed = stamps
    elif col.type in ("number", "score"):
        typed = _figures(col, text, empty, errs, decimal_comma, c)
    elif col.type == "bool":
        low = pc.utf8_lower(_arrow_text(text))
        is_true = _bools(pc.is_in(low, _value_set(TRUE_TOKENS, low.type)))
        is_false = _bools(pc.is_in(low, _value_set(FALSE_TOKENS, low.type)))
        errs.add(
            ~empty & ~is_true & ~is_false,
            f"{c} not yes/no",
            lambda i, c=c, s=shown: (
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
        given = _arrow_text(text)
        lowered = pc.utf8_lower(given)
        if lowered.equals(given):
            lowered = given  # already lower case: keep the buffers already read
        known = _bools(pc.is_in(lowered, pa.array(col.choices, lowered.type)))
        choices = " or ".join(col.choices)
        errs.add(
            ~empty & ~known,
            f"{c} not {'/'.join(col.choices)}",
            lambda i, c=c, s=shown, ch=choices, b=col.blank: (
                c + " is '" + s[i] + f"': use {ch}"
                + (f" (blank means {b})" if b else "")
            ),
        )  # fmt: skip
        if col.blank is not None and empty.any():
            lowered = pc.if_else(pa.array(empty), pa.scalar(col.blank, lowered.type), lowered)
        typed = _text_series(lowered, index)
    else:  # pragma: no cover - a spec error
        raise AssertionError(f"unknown column type {col.type}")
    return typed, errs


def _too_long(col: Column, arr: pa.ChunkedArray, c: str, errs: _Deferred) -> None:
    """Reject values longer than the column allows (names, ids, labels, comments)."""
    longest = col.longest
    if longest is None or not len(arr):
        return
    # A value of at most `longest` bytes has at most `longest` characters: most columns
    # are settled by the byte lengths alone.
    if (pc.max(pc.binary_length(arr)).as_py() or 0) <= longest:
        return
    lengths = pc.utf8_length(arr)
    over = _bools(pc.greater(lengths, longest))
    if not over.any():
        return
    counts = lengths.to_numpy(zero_copy_only=False)
    errs.add(
        over,
        f"{c} too long",
        lambda i, c=c, a=arr, n=counts, m=longest: [
            c + " is '" + s + f"' ({int(k):,} characters), longer than the {m:,} allowed: "
            "shorten it"
            for s, k in zip(_shown(pd.Series(a.take(pa.array(i)).to_pylist())), n[i], strict=True)
        ],
    )


# Figures as most files write them: digits, and for numbers up to six decimals (few enough
# digits that every parser rounds them the same way).
_PLAIN_NUMBER = r"^[0-9]{1,9}(?:\.[0-9]{1,6})?$"


def _only(arr: pa.ChunkedArray, mask: pa.ChunkedArray) -> pa.ChunkedArray:
    """`arr` where `mask` holds, null elsewhere (`arr` itself when it holds on every value)."""
    if pc.all(mask).as_py() is not False:
        return arr
    return pc.if_else(mask, arr, pa.scalar(None, arr.type))


def _plain_figures(col: Column, text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose figure is plainly valid (digits in range), and their values (int16 for a
    score, float64 for a number; 0 / NaN on other rows), read in one Arrow pass."""
    arr = _arrow_text(text)
    if col.type == "score":
        plain = pc.and_(pc.ascii_is_decimal(arr), pc.less_equal(pc.binary_length(arr), 2))
        typ, fill = pa.int16(), 0
    else:
        plain = pc.match_substring_regex(arr, _PLAIN_NUMBER)
        typ, fill = pa.float64(), np.nan
    mask = _bools(plain)
    if not mask.any():
        return mask, np.full(len(text), fill, dtype=typ.to_pandas_dtype())
    nums = pc.cast(_only(arr, plain), typ)
    fits = pc.greater_equal(nums, col.minimum) if col.minimum is not None else None
    if col.maximum is not None:
        below_max = pc.less_equal(nums, col.maximum)
        fits = below_max if fits is None else pc.and_(fits, below_max)
    if fits is not None:
        mask &= _bools(fits)
    values = np.where(mask, nums.fill_null(fill).to_numpy(), fill)
    return mask, values.astype(typ.to_pandas_dtype(), copy=False)


def _figures(
    col: Column,
    text: pd.Series,
    empty: np.ndarray,
    errs: _Deferred,
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
        hits = _Deferred()
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
    errs: _Deferred,
    decimal_comma: bool,
    label: str,
) -> pd.Series:
    """A number or score column typed value by value, with the reasons its rows are wrong."""
    n = len(text)
    shown = _Shown(text)
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


def _unguarded(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells that a cxmetrics CSV export guarded against formula injection (a quote before
    `=`, `+`, `-`, `@`…) as they were before, so a fixed download loads its text unchanged."""
    guarded = _bools(pc.starts_with(text, "'"))
    if not guarded.any():
        return text
    cells = text.to_pylist()
    for pos in np.flatnonzero(guarded):
        cells[pos] = unguarded(cells[pos])
    return pa.chunked_array([pa.array(cells, text.type)])


def _comment(values: pd.Series) -> pd.Series:
    """A comment exactly as given (not even trimmed), NaN for an empty cell or a null token;
    a quote our own export put before a formula-like comment is taken off."""
    raw = _arrow_text(values)
    arr = _unguarded(raw)
    if arr is not raw:
        values = _text_series(arr, values.index)
    # Only short cells can be a null token: long comments are not copied to be trimmed and
    # lower-cased (a file of long comments would briefly need its text three times over).
    short = pc.less_equal(pc.binary_length(arr), _NULL_CELL_BYTES).fill_null(True)
    cells = _only(arr, short)
    low = pc.utf8_lower(pc.utf8_trim_whitespace(cells))
    empty = pc.or_kleene(
        pc.is_null(arr), pc.is_in(low, _value_set(NULL_TOKENS, low.type))
    ).fill_null(False)
    if not pc.any(empty).as_py():
        return values
    return _text_series(pc.if_else(empty, pa.scalar(None, arr.type), arr), values.index)


_NULL_CELL_BYTES = 64  # the longest cell read as a null token (a token and its padding)


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
        return _text_series(pa.chunked_array([pa.nulls(n, pa.large_string())]), index)
    return _text_series(
        pa.chunked_array([pa.repeat(pa.scalar(col.absent, pa.large_string()), n)]), index
    )


def _row_rules(
    spec: KindSpec,
    frame: pd.DataFrame,
    raw: dict[str, pd.Series],
    errs: Errors,
    labels: dict[str, str],
):
    """Rules across columns of one row (`labels`: canonical name -> quoted file label)."""
    if spec.kind == "interactions":
        answered = ~frame["abandoned"].fillna(False).to_numpy(dtype=bool)
        handle, abandoned = labels["handle_seconds"], labels["abandoned"]
        errs.add(
            answered & frame["handle_seconds"].isna().to_numpy(),
            f"{handle} missing on an answered contact",
            f"answered contact without {handle}: fill it in, or set {abandoned} "
            "to yes if the customer hung up before an answer",
        )
    elif spec.kind == "adherence":
        sched, adh = frame["scheduled_minutes"], frame["in_adherence_minutes"]
        over = (adh > sched).to_numpy(dtype=bool, na_value=False)
        in_adh, scheduled = labels["in_adherence_minutes"], labels["scheduled_minutes"]
        errs.add(
            over,
            f"{in_adh} above {scheduled}",
            lambda i: (
                in_adh + " is '"
                + _shown(raw["in_adherence_minutes"].iloc[i].str.strip())
                + "', more than " + scheduled + " '"
                + _shown(raw["scheduled_minutes"].iloc[i].str.strip())
                + "': time in adherence cannot exceed the schedule"
            ),
        )  # fmt: skip
    elif spec.kind == "surveys":
        none = frame[["nps", "csat", "ces"]].isna().all(axis=1).to_numpy()
        # Only rows whose scores are all *empty* (a bad score already has its own reason).
        given = [labels[name] for name in ("nps", "csat", "ces") if name in raw]
        which = given[0] if len(given) == 1 else "one of " + ", ".join(given)
        errs.add(none, "no score", f"no score: fill in {which}")


# ---------------------------------------------------------------- survey ids

_HASHED = (
    "responded_at", "respondent_type", "channel", "team_id", "agent_id", "interaction_id",
    "nps", "csat", "ces", "comment",
)  # fmt: skip


def fill_response_ids(frame: pd.DataFrame, rows: np.ndarray | None = None) -> None:
    """Give responses without an id a stable one: "h" + 16 hex of sha256(normalised row).

    The normalised row is the parsed values (local time as YYYY-MM-DD HH:MM:SS, scores as
    integers, trimmed text, the comment as given), so the same answer in a re-exported file
    gets the same id whatever its formatting.
    """
    missing = frame["response_id"].isna().to_numpy().copy()
    if rows is not None:
        missing &= rows
    if not missing.any():
        return
    sub = frame.loc[missing]
    parts = []
    for name in _HASHED:
        col = sub[name]
        if name == "responded_at":
            text = col.dt.strftime("%Y-%m-%d %H:%M:%S")
        else:
            text = col.astype("string")
        parts.append(text.fillna("").astype(str))
    content = parts[0]
    for part in parts[1:]:
        content = content + "\x1f" + part
    ids = ["h" + hashlib.sha256(s.encode("utf-8")).hexdigest()[:16] for s in content]
    frame.loc[missing, "response_id"] = ids
