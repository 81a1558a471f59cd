"""Canonical layouts (DESIGN §3): column specs per kind, header mapping, value parsing and
vectorised row validation.

Everything here works on whole columns (pandas / pyarrow string kernels); nothing loops over
rows, so a million-row file validates in seconds. Input is a frame of *strings* (every column
read as text, nothing converted by the reader); output is a typed frame plus, per row, the
first reason it was rejected (or None).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

KINDS = ("roster", "interactions", "adherence", "surveys", "targets", "kpis")

# Cell values that mean "empty" (compared case-insensitively after trimming).
NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "null", "none"})
TRUE_TOKENS = frozenset({"1", "1.0", "true", "yes", "y", "t"})
FALSE_TOKENS = frozenset({"0", "0.0", "false", "no", "n", "f"})
MAX_SHOWN = 40  # characters of a cell value quoted in a reason


class UnreadableFile(Exception):
    """The file cannot be read at all; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class Column:
    """One canonical column.

    type: id | text | comment | timestamp | date | number | score | bool | choice
    required: the header must have it; not_null: every row must have a value.
    blank: value for an empty cell (bools, choices); absent: value when the file has no
    such column (None = unknown/NULL).
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
            Column("function", "text", aliases=("team_function",)),
            Column("email", "text", aliases=("email_address", "e_mail")),
            Column("hired_on", "date", aliases=("hire_date", "hired", "start_date")),
            Column("active", "bool", aliases=("is_active",)),  # empty: keep / True
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
            Column("response_id", "id", aliases=("responseid",)),
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
            Column("interaction_id", "id", aliases=("contact_id", "call_id")),
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
    """`  Agent ID ` → `agent_id` (trim, lower case, spaces / dashes / dots → `_`)."""
    text = re.sub(r"[\s\-./]+", "_", str(name).strip().lower())
    return text.strip("_")


@dataclass
class Mapping:
    """Which file column (position) feeds each canonical column."""

    columns: dict[str, int]  # canonical name -> position in the file
    ignored: list[str] = field(default_factory=list)  # header names not used


def map_columns(spec: KindSpec, header: list[str]) -> Mapping:
    """Match header names to canonical columns (exact name first, then aliases).

    Raises UnreadableFile when a required column is missing or two columns claim one name.
    """
    exact: dict[str, list[int]] = {}
    alias: dict[str, list[int]] = {}
    lookup = {c.name: c.name for c in spec.columns}
    aliases = {a: c.name for c in spec.columns for a in c.aliases}
    ignored = []
    for pos, raw in enumerate(header):
        norm = normalise_header(raw)
        if not norm:
            continue
        if norm in lookup:
            exact.setdefault(lookup[norm], []).append(pos)
        elif norm in aliases:
            alias.setdefault(aliases[norm], []).append(pos)
        else:
            ignored.append(str(raw).strip())
    columns: dict[str, int] = {}
    for col in spec.names:
        found = exact.get(col) or alias.get(col) or []
        if len(found) > 1:
            names = " and ".join(f"`{str(header[p]).strip()}`" for p in found)
            raise UnreadableFile(
                f"columns {names} (columns {', '.join(str(p + 1) for p in found)}) both mean "
                f"`{col}`: rename or remove one"
            )
        if found:
            columns[col] = found[0]
        # An alias that lost to the exact name is not used: say so.
        if exact.get(col) and alias.get(col):
            ignored.extend(str(header[p]).strip() for p in alias[col])
    missing = [c.name for c in spec.columns if c.required and c.name not in columns]
    if missing or (spec.any_of and not any(c in columns for c in spec.any_of)):
        found_names = [str(h).strip() for h in header if str(h).strip()]
        shown = ", ".join(found_names[:12]) + (" …" if len(found_names) > 12 else "")
        need = [c.name for c in spec.columns if c.required]
        if spec.any_of:
            need.append(" or ".join(spec.any_of))
        what = f"no `{missing[0]}` column" if missing else f"no {' / '.join(spec.any_of)} column"
        raise UnreadableFile(
            f"{what}: {spec.kind} files need the columns {', '.join(need)} in their first row "
            f"(found: {shown or 'nothing'}); see data/samples/{spec.kind}.csv"
        )
    return Mapping(columns=columns, ignored=ignored)


# ---------------------------------------------------------------- validation


class Errors:
    """The first rejection reason per row (later rules never overwrite an earlier one)."""

    def __init__(self, n: int):
        self.reason = np.full(n, None, dtype=object)  # full sentence
        self.group = np.full(n, None, dtype=object)  # column + rule, for counting

    @property
    def bad(self) -> np.ndarray:
        return pd.notna(self.reason)

    def add(self, mask, group: str, detail: Callable[[np.ndarray], object] | str) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self.bad
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        text = detail if isinstance(detail, str) else detail(idx)
        self.reason[idx] = np.asarray(text, dtype=object) if not isinstance(text, str) else text
        self.group[idx] = group


def _shown(values: pd.Series) -> pd.Series:
    """Cell text for a reason: trimmed, cut to MAX_SHOWN characters."""
    text = values.fillna("").astype(str)
    long = text.str.len() > MAX_SHOWN
    return text.where(~long, text.str.slice(0, MAX_SHOWN - 1) + "…")


class _Shown:
    """Cell text for reasons, computed only for the rows that need one."""

    def __init__(self, text: pd.Series):
        self.text = text

    def __getitem__(self, positions: np.ndarray) -> pd.Series:
        return _shown(self.text.iloc[positions])


def _clean(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Trimmed text with the null tokens as NaN, and the empty mask."""
    text = values.str.strip()
    empty = text.str.lower().isin(NULL_TOKENS).to_numpy()
    return text.mask(empty), empty


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
_YEAR_SLASHED = r"^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}(?:[ T]|$)"
_SLASHED = (
    r"^(?P<a>[0-9]{1,2})[/.\-](?P<b>[0-9]{1,2})[/.\-](?P<y>[0-9]{4}|[0-9]{2})"
    r"(?:[ T](?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))? ?(?P<ampm>[AaPp][Mm])?)?$"
)


@dataclass
class ParsedTimes:
    values: pd.Series  # datetime64[us], naive business-local time
    bad: np.ndarray  # not a date at all
    ambiguous: np.ndarray  # day/month order unknown


def parse_times(text: pd.Series, tz: ZoneInfo, dayfirst: bool | None) -> ParsedTimes:
    """Parse trimmed, non-empty strings (NaN = empty) into naive local timestamps.

    ISO forms with Z or an offset are converted to `tz`; naive values are already local.
    Slashed / dotted D-M-Y or M-D-Y forms follow `dayfirst`, else whatever the column itself
    settles (a first part > 12 means day-first, a second part > 12 month-first), else a value
    whose parts are both ≤ 12 and differ is ambiguous.
    """
    n = len(text)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    present = text.notna().to_numpy()
    # Year first with slashes (2026/11/16) is never ambiguous: read it as ISO.
    year_first = text.str.match(_YEAR_SLASHED).fillna(False).to_numpy(dtype=bool)
    if year_first.any():
        text = text.where(~year_first, text.str.replace("/", "-", n=2, regex=False))
    iso = text.str.match(_ISO.pattern).fillna(False).to_numpy(dtype=bool) & present
    if iso.any():
        sub = text[iso]
        aware = sub.str.contains(_AWARE.pattern).to_numpy(dtype=bool)
        if aware.any():
            conv = pd.to_datetime(sub[aware], format="ISO8601", utc=True, errors="coerce")
            out.loc[sub.index[aware]] = conv.dt.tz_convert(tz).dt.tz_localize(None)
        if (~aware).any():
            out.loc[sub.index[~aware]] = pd.to_datetime(
                sub[~aware], format="ISO8601", errors="coerce"
            )
    ambiguous = np.zeros(n, dtype=bool)
    rest = present & ~iso
    if rest.any():
        parts = text[rest].str.extract(_SLASHED)
        matched = parts["a"].notna().to_numpy()
        parts = parts[matched]
        if len(parts):
            a = parts["a"].astype(int)
            b = parts["b"].astype(int)
            if dayfirst is None:
                says_day, says_month = bool((a > 12).any()), bool((b > 12).any())
                if says_day != says_month:
                    dayfirst = says_day
            if dayfirst is None:
                day_first = (a > 12).to_numpy()
                unsure = ((a <= 12) & (b <= 12) & (a != b)).to_numpy()
            else:
                day_first = np.full(len(parts), dayfirst)
                unsure = np.zeros(len(parts), dtype=bool)
            year = parts["y"].astype(int)
            year = year.where(parts["y"].str.len() == 4, year + 2000)
            hour = parts["H"].fillna("0").astype(int)
            pm = parts["ampm"].fillna("").str.lower()
            ampm_ok = (pm == "") | ((hour >= 1) & (hour <= 12))
            hour = hour.where(pm != "pm", hour % 12 + 12).where(pm != "am", hour % 12)
            minute = parts["M"].fillna("0").astype(int)
            second = parts["S"].fillna("0").astype(int)
            in_range = ampm_ok & (hour <= 23) & (minute <= 59) & (second <= 59)
            frame = pd.DataFrame(
                {
                    "year": year,
                    "month": b.where(day_first, a),
                    "day": a.where(day_first, b),
                    "hour": hour,
                    "minute": minute,
                    "second": second,
                }
            )
            stamps = pd.to_datetime(frame, errors="coerce").where(in_range & ~unsure)
            out.loc[parts.index] = stamps.astype("datetime64[us]")
            ambiguous[text.index.get_indexer(parts.index[unsure])] = True
    bad = present & out.isna().to_numpy() & ~ambiguous
    return ParsedTimes(out, bad, ambiguous)


def _date_hint(col: Column) -> str:
    return "YYYY-MM-DD" if col.type == "date" else "YYYY-MM-DD or YYYY-MM-DD HH:MM"


def validate(
    spec: KindSpec,
    raw: dict[str, pd.Series],
    *,
    tz: ZoneInfo,
    now: datetime,
    dayfirst: bool | None = None,
    errors: Errors | None = None,
) -> Validated:
    """Type every canonical column and find each row's first problem.

    raw: canonical name -> string Series (as read, untrimmed) for the columns the file has;
    all Series share one RangeIndex. now: the current naive business-local time.
    """
    n = len(next(iter(raw.values()))) if raw else 0
    index = pd.RangeIndex(n)
    errs = errors or Errors(n)
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name not in raw:
            out[col.name] = _absent(col, index)
            continue
        values = raw[col.name]
        if col.type == "comment":
            # Stored exactly as given (not even trimmed); an empty cell or a null token
            # (NA, N/A, NULL…) means "no comment".
            empty = values.str.strip().str.lower().isin(NULL_TOKENS).to_numpy()
            out[col.name] = values.mask(empty)
            continue
        text, empty = _clean(values)
        shown = _Shown(text)
        c = f"`{col.name}`"
        if col.not_null:
            errs.add(empty, f"{c} empty", f"{c} is empty: fill it in (every row needs one)")
        if col.type in ("id", "text"):
            out[col.name] = text
        elif col.type in ("timestamp", "date"):
            parsed = parse_times(text, tz, dayfirst)
            errs.add(
                parsed.bad,
                f"{c} not a date",
                lambda i, c=c, s=shown, col=col: (
                    c + " " + s[i] + f" is not a date (use {_date_hint(col)})"
                ),
            )
            errs.add(
                parsed.ambiguous,
                f"{c} ambiguous day/month order",
                lambda i, c=c, s=shown: (
                    c + " " + s[i] + " is ambiguous (day/month or month/day?): "
                    "load again with --dayfirst or --monthfirst"
                ),
            )
            stamps = parsed.values
            if col.type == "date":
                stamps = stamps.dt.normalize()
            if col.no_future:
                limit = (
                    pd.Timestamp(now) if col.type == "timestamp" else pd.Timestamp(now).normalize()
                )
                future = (stamps > limit).to_numpy(dtype=bool, na_value=False)
                errs.add(
                    future,
                    f"{c} in the future",
                    lambda i, c=c, s=shown: (
                        c + " " + s[i] + " is in the future: check the date "
                        "(and the day/month order)"
                    ),
                )
            out[col.name] = stamps
        elif col.type in ("number", "score"):
            nums = pd.to_numeric(text, errors="coerce").astype("float64")
            finite = np.isfinite(nums.to_numpy(dtype="float64", na_value=np.nan))
            not_number = ~empty & ~finite
            errs.add(
                not_number,
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
                    lambda i, c=c, s=shown, r=rng: (
                        c + " is " + s[i] + f", not a whole number from {r}"
                    ),
                )
                outside = ((nums < col.minimum) | (nums > col.maximum)).to_numpy(dtype=bool)
                errs.add(
                    outside,
                    f"{c} outside {rng}",
                    lambda i, c=c, s=shown, r=rng: c + " is " + s[i] + f", outside {r}",
                )
                ok = ~fraction & ~outside
                out[col.name] = nums.where(ok).astype("Int16")
            else:
                if col.minimum is not None:
                    below = (nums < col.minimum).to_numpy(dtype=bool)
                    errs.add(
                        below,
                        f"{c} below {col.minimum:g}",
                        lambda i, c=c, s=shown, m=col.minimum: (
                            c + " is " + s[i] + f", below {m:g}: it must be {m:g} or more"
                        ),
                    )
                out[col.name] = nums
        elif col.type == "bool":
            low = text.str.lower()
            is_true = low.isin(TRUE_TOKENS).to_numpy()
            is_false = low.isin(FALSE_TOKENS).to_numpy()
            errs.add(
                ~empty & ~is_true & ~is_false,
                f"{c} not yes/no",
                lambda i, c=c, s=shown: (
                    c + " is '" + s[i] + "', not yes/no: use 1/0, true/false or yes/no"
                ),
            )
            vals = pd.Series(pd.array([None] * n, dtype="boolean"), index=index)
            vals[is_true] = True
            vals[is_false] = False
            if col.blank is not None:
                vals[empty] = bool(col.blank)
            out[col.name] = vals
        elif col.type == "choice":
            low = text.str.lower()
            known = low.isin(col.choices).to_numpy()
            choices = " or ".join(col.choices)
            errs.add(
                ~empty & ~known,
                f"{c} not {'/'.join(col.choices)}",
                lambda i, c=c, s=shown, ch=choices, b=col.blank: (
                    c + " is '" + s[i] + f"': use {ch}"
                    + (f" (blank means {b})" if b else "")
                ),
            )  # fmt: skip
            out[col.name] = low.mask(empty, col.blank) if col.blank is not None else low
        else:  # pragma: no cover - a spec error
            raise AssertionError(f"unknown column type {col.type}")
    frame = pd.DataFrame(out, index=index)
    _row_rules(spec, frame, raw, errs)
    return Validated(frame=frame, errors=errs, present=[c for c in spec.names if c in raw])


def _absent(col: Column, index: pd.RangeIndex) -> pd.Series:
    """The column a file does not have: all unknown (or its `absent` default)."""
    n = len(index)
    if col.type == "bool":
        return pd.Series(pd.array([col.absent] * n, dtype="boolean"), index=index)
    if col.type in ("timestamp", "date"):
        return pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    if col.type == "number":
        return pd.Series(np.nan, index=index, dtype="float64")
    if col.type == "score":
        return pd.Series(pd.array([None] * n, dtype="Int16"), index=index)
    return pd.Series([col.absent] * n, index=index, dtype="str")


def _row_rules(spec: KindSpec, frame: pd.DataFrame, raw: dict[str, pd.Series], errs: Errors):
    """Rules across columns of one row."""
    if spec.kind == "interactions":
        answered = ~frame["abandoned"].fillna(False).to_numpy(dtype=bool)
        errs.add(
            answered & frame["handle_seconds"].isna().to_numpy(),
            "`handle_seconds` missing on an answered contact",
            "answered contact without `handle_seconds`: fill it in, or set `abandoned` "
            "to yes if the customer hung up before an answer",
        )
    elif spec.kind == "adherence":
        sched, adh = frame["scheduled_minutes"], frame["in_adherence_minutes"]
        over = (adh > sched).to_numpy(dtype=bool, na_value=False)
        errs.add(
            over,
            "`in_adherence_minutes` above `scheduled_minutes`",
            lambda i: (
                "`in_adherence_minutes` "
                + _shown(raw["in_adherence_minutes"].iloc[i].str.strip())
                + " is more than `scheduled_minutes` "
                + _shown(raw["scheduled_minutes"].iloc[i].str.strip())
                + ": time in adherence cannot exceed the schedule"
            ),
        )
    elif spec.kind == "surveys":
        none = frame[["nps", "csat", "ces"]].isna().all(axis=1).to_numpy()
        # Only rows whose scores are all *empty* (a bad score already has its own reason).
        errs.add(
            none,
            "no nps, csat or ces",
            "no score: fill in at least one of `nps`, `csat`, `ces`",
        )


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
