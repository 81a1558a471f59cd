"""You said, we did: the obstacles frontline staff raised that were resolved in a period,
and those still open at its end, by team with their age (the all-hands card, the deck and
`cxmetrics obstacles`).

An obstacle is open as of a day when it was raised by then and was not resolved or
won't-fix as of that day (status as of a day: see store/obstacles.py). Ages are counted
to the period's last day, or to today while the period is still running. Descriptions and
resolutions are redacted like customer comments (e-mail, phone, card and IBAN numbers).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import pandas as pd

from cxmetrics.periods import Period
from cxmetrics.privacy import redact
from cxmetrics.store import obstacles as stored

if TYPE_CHECKING:
    from cxmetrics.store import Store

OPEN = ("open", "in_progress")
STATUS_WORDS = {
    "open": "open",
    "in_progress": "in progress",
    "resolved": "resolved",
    "wont_fix": "won't fix",
}


@dataclass(frozen=True)
class Resolved:
    """An obstacle resolved in the period, and what was done."""

    obstacle_id: str
    team_id: str
    description: str
    metric_id: str | None
    owner: str | None
    resolved_on: date
    resolution: str | None


@dataclass(frozen=True)
class Open:
    """An obstacle still open (open or in progress) at the period's end, and its age."""

    obstacle_id: str
    team_id: str
    description: str
    metric_id: str | None
    owner: str | None
    status: str
    raised_on: date
    age_days: int


@dataclass(frozen=True)
class TeamOpen:
    """A team's open obstacles: how many, and the age of the oldest."""

    open: int
    oldest_days: int


@dataclass(frozen=True)
class YouSaidWeDid:
    """Obstacles resolved in a period and open at its end (of one team or all)."""

    period: Period
    as_of: date  # the day open obstacles are counted on and their ages run to
    resolved_in_period: list[Resolved]
    open: list[Open]  # oldest first
    by_team: dict[str, TeamOpen]  # teams with open obstacles, by team id

    def to_dict(self) -> dict:
        """`{period, resolved_in_period: [...], open: [...], by_team: {team_id: {open,
        oldest_days}}}`, dates as YYYY-MM-DD (the JSON of `cxmetrics obstacles`)."""

        def plain(item) -> dict:
            return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(item).items()}

        return {
            "period": self.period.label,
            "resolved_in_period": [plain(r) for r in self.resolved_in_period],
            "open": [plain(o) for o in self.open],
            "by_team": {team: asdict(counts) for team, counts in self.by_team.items()},
        }

    def open_by_metric(self) -> dict[str, int]:
        """Open obstacles per KPI they hurt (those that name one)."""
        return dict(Counter(o.metric_id for o in self.open if o.metric_id))


def tile_note(count: int, metric_label: str) -> str:
    """What a KPI's tile says about its open obstacles: "2 open obstacles on handle time"."""
    label = metric_label
    if label[:1].isupper() and not label[1:2].isupper():  # "Avg handle time", not "NPS"
        label = label[:1].lower() + label[1:]
    return f"{count} open obstacle{'' if count == 1 else 's'} on {label}"


def _text(value: object, redacted: bool) -> str | None:
    if value is None or pd.isna(value):
        return None
    return redact(str(value)) if redacted else str(value)


def _day(value: object) -> date:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def you_said_we_did(
    store: Store,
    period: Period,
    *,
    team: str | None = None,
    today: date | None = None,
    redacted: bool = True,
) -> YouSaidWeDid:
    """Obstacles resolved in `period` (with their resolution) and open at its end (with
    their age in days), of `team` or all, and the open ones counted by team.

    today: the business-local date (default: now in the business time zone); ages run to
    the earlier of it and the period's end. redacted: descriptions and resolutions with
    personal data masked (as on every page).
    """
    today = today or datetime.now(store.settings.tz).date()
    as_of = min(period.end, today)
    rows = stored.as_of(store, as_of, team)
    resolved, still_open = [], []
    for row in rows.itertuples(index=False):
        description = _text(row.description, redacted) or ""
        metric = _text(row.metric_id, False)
        owner = _text(row.owner, False)
        if row.status in OPEN:
            raised = _day(row.raised_on)
            still_open.append(
                Open(row.obstacle_id, row.team_id, description, metric, owner, row.status,
                     raised, (as_of - raised).days)
            )  # fmt: skip
        elif row.status == "resolved" and period.start <= _day(row.resolved_on) <= period.end:
            resolved.append(
                Resolved(row.obstacle_id, row.team_id, description, metric, owner,
                         _day(row.resolved_on), _text(row.resolution, redacted))
            )  # fmt: skip
    resolved.sort(key=lambda r: (r.resolved_on, r.obstacle_id))
    still_open.sort(key=lambda o: (-o.age_days, o.obstacle_id))
    by_team: dict[str, TeamOpen] = {}
    for team_id in sorted({o.team_id for o in still_open}):
        ages = [o.age_days for o in still_open if o.team_id == team_id]
        by_team[team_id] = TeamOpen(open=len(ages), oldest_days=max(ages))
    return YouSaidWeDid(period, as_of, resolved, still_open, by_team)


def register(store: Store, team: str | None = None, *, redacted: bool = True) -> pd.DataFrame:
    """The register as it stands (every field, who changed it last and when), of one team
    when given, oldest raised first; free text redacted unless asked otherwise."""
    frame = stored.register(store, team)
    if redacted:
        for column in ("description", "resolution"):
            frame[column] = frame[column].map(lambda v: _text(v, True))
    return frame


def history(store: Store, obstacle_id: str, *, redacted: bool = True) -> pd.DataFrame:
    """Every change to one obstacle, oldest first: who, when, the status before and after,
    and the state after it; free text redacted unless asked otherwise."""
    frame = stored.history(store, obstacle_id)
    if redacted:
        for column in ("description", "resolution"):
            frame[column] = frame[column].map(lambda v: _text(v, True))
    return frame


def next_obstacle_id(store: Store) -> str:
    """An id for an obstacle raised on the page: `OB-` and the next number after the
    largest `OB-` number in the register (`OB-001` first)."""
    ids = stored.register(store)["obstacle_id"]
    numbers = ids.str.extract(r"^OB-(\d+)$", expand=False).dropna().astype(int)
    return f"OB-{(int(numbers.max()) + 1 if len(numbers) else 1):03d}"
