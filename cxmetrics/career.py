"""An agent's career in service: tenure, the teams they were in (from the roster history),
the periods in which they were a service star, praise received over time, learning hours.

What the agent page shows beside the agent's scorecard. Every read takes the agent as a
plain argument: the one place a viewer's scope would narrow it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import pandas as pd

from cxmetrics import learning, org
from cxmetrics.periods import Period, period_containing
from cxmetrics.recognition import find_praise, stars
from cxmetrics.store import Store, membership, roster
from cxmetrics.store import recognition as recognition_store

STAR_PLACES = 5  # the stars a period names (as the Recognition page and `cxmetrics stars`)


@dataclass(frozen=True)
class Stretch:
    """A stretch of time in one team: `first` to `last` day (`first` None: since before
    the first roster the store holds; `last` None: still in it)."""

    team_id: str
    team_name: str
    first: date | None
    last: date | None


@dataclass(frozen=True)
class StarPeriod:
    """A period in which the agent was among the organisation's service stars."""

    period: str
    place: int  # 1 = the period's first star
    metric: str  # "nps" | "inps"
    value: float
    n: int
    ci_low: float


@dataclass(frozen=True)
class PraiseCount:
    """Praise naming the agent in one period, and how much of it was marked thanked."""

    period: str
    praise: int
    thanked: int


@dataclass(frozen=True)
class LearningCount:
    """Learning the agent logged in one period."""

    period: str
    hours: float
    sessions: int


@dataclass
class Career:
    """An agent's career in service up to a day (`as_of`)."""

    agent_id: str
    name: str
    hired_on: date | None
    as_of: date
    active: bool
    teams: list[Stretch] = field(default_factory=list)
    star_periods: list[StarPeriod] = field(default_factory=list)
    praise: list[PraiseCount] = field(default_factory=list)
    learning: list[LearningCount] = field(default_factory=list)

    @property
    def tenure_days(self) -> int | None:
        """Days from the hiring date to `as_of` (None without a hiring date)."""
        return None if self.hired_on is None else max((self.as_of - self.hired_on).days, 0)

    @property
    def learning_hours(self) -> float:
        return sum(entry.hours for entry in self.learning)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["tenure_days"] = self.tenure_days
        out["learning_hours"] = self.learning_hours
        return out


def tenure_text(hired_on: date | None, as_of: date) -> str:
    """Tenure in whole years and months ("3 years 2 months", "5 months", "under a month")."""
    if hired_on is None:
        return "hiring date not in the roster"
    months = (as_of.year - hired_on.year) * 12 + as_of.month - hired_on.month
    if as_of.day < hired_on.day:
        months -= 1
    if months < 1:
        return "under a month"
    years, months = divmod(months, 12)
    parts = [f"{years} year{'s' * (years != 1)}"] if years else []
    if months:
        parts.append(f"{months} month{'s' * (months != 1)}")
    return " ".join(parts)


def team_history(store: Store, agent: str) -> list[Stretch]:
    """The teams the agent was in, oldest first (a stretch's last day is the day before
    the next began)."""
    team_names = recognition_store.teams(store)
    names = dict(zip(team_names["team_id"], team_names["name"], strict=True))
    out = []
    for team_id, valid_from, valid_to in membership.stretches_of(store, agent):
        last = None if valid_to is None else valid_to - timedelta(days=1)
        first = None if valid_from == date.min else valid_from  # a first roster: "always"
        out.append(Stretch(team_id, names.get(team_id, team_id), first, last))
    return out


def periods_between(first: date, last: date, grain: str) -> list[Period]:
    """The periods of `grain` from the one holding `first` to the one holding `last`."""
    out, p = [], period_containing(first, grain)
    while p.start <= last:
        out.append(p)
        p = p.next()
    return out


def star_periods(
    store: Store, agent: str, periods: list[Period], places: int = STAR_PLACES
) -> list[StarPeriod]:
    """The periods (of those given) in which the agent was among the organisation's first
    `places` service stars (ranked by the interval's low end, at least `stars_min_n`)."""
    out = []
    for p in periods:
        for place, star in enumerate(stars(store, p, limit=places), start=1):
            if star.agent_id == agent:
                out.append(StarPeriod(p.label, place, star.metric, star.value, star.n, star.ci_low))
    return out


def praise_received(store: Store, agent: str, first: date, last: date) -> pd.DataFrame:
    """Praise naming the agent (never an ambiguous mention) answered from `first` to `last`,
    newest first: find_praise's columns, thanked state included."""
    found = find_praise(store, first, last)
    return found[found["agent_id"] == agent].reset_index(drop=True)


def _by_period(days: pd.Series, grain: str) -> pd.Series:
    return pd.Series([period_containing(d, grain).label for d in days], index=days.index)


def career(store: Store, agent: str, *, as_of: date, grain: str = "month") -> Career | None:
    """The agent's career up to `as_of`, periods of `grain` (stars, praise, learning) from
    the first with data; None when the roster does not know the agent."""
    row = roster.agent_row(store, agent)
    if row is None:
        return None
    found = Career(
        agent_id=agent,
        name=str(row["name"]),
        hired_on=row["hired_on"],
        as_of=as_of,
        active=row["active"] is not False,
        teams=team_history(store, agent),
    )
    span = org.data_range(store)
    if span is not None and span[0] <= as_of:
        periods = periods_between(span[0], min(span[1], as_of), grain)
        found.star_periods = star_periods(store, agent, periods)
        praise = praise_received(store, agent, periods[0].start, min(periods[-1].end, as_of))
        if not praise.empty:
            days = pd.Series([t.date() for t in praise["responded_at"]], index=praise.index)
            labels = _by_period(days, grain)
            for label in sorted(set(labels)):
                mine = praise[labels == label]
                found.praise.append(PraiseCount(label, len(mine), int(mine["thanked"].sum())))
    sessions = learning.sessions(store, agent)
    sessions = sessions[sessions["date"] <= as_of]
    if not sessions.empty:
        labels = _by_period(sessions["date"], grain)
        for label in sorted(set(labels)):
            mine = sessions[labels == label]
            found.learning.append(LearningCount(label, float(mine["hours"].sum()), len(mine)))
    return found
