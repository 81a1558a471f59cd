"""A supervisor's week: agents ranked by the cautious end of their interval, who is worth a
conversation and who is worth a thank-you.

An agent's number is judged against the agent's own target (that of the team they were in
on the period's last day) by its 95 % interval, never by the point estimate alone:
- **worth a conversation**: the interval lies wholly on the wrong side of the target (even
  its better end misses it); for a metric with no better direction (conformance,
  occupancy), wholly outside target ± its tolerance;
- **worth a thank-you**: the interval lies wholly on the better side of the target, or a
  customer's praise naming the agent this period has not been thanked yet.
A metric with fewer answers than its minimum n is never judged (nor ranked, nor coloured),
however wide or narrow its interval: a week rarely has enough survey answers for one
agent, and `SupervisorWeek.too_few` says so, metric by metric, with a longer period to offer.
Ranking follows the service stars (`recognition.stars`): by the interval's low end where
higher is better, its high end where lower is better, so a few lucky answers never
outrank many good ones.

Lines are scorecard lines as plain data (`MetricResult.to_dict()`), as pages cache them.
The scope is a team (`team`) for a period: the one place a viewer's scope would narrow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime

import pandas as pd

from cxmetrics import org
from cxmetrics.metrics import engine
from cxmetrics.metrics.registry import Metric, default_registry
from cxmetrics.periods import Period, period_containing
from cxmetrics.recognition import find_praise
from cxmetrics.store import Store

JUDGED = ("green", "amber", "red")  # statuses judged against a target (not too few, etc.)
LONGER = {"week": "month", "month": "quarter", "quarter": "year"}


def cautious_end(line: Mapping, direction: str) -> float | None:
    """The end of a line's 95 % interval a ranking trusts: the low end where higher is
    better, the high end where lower is better; the value when there is no interval."""
    end = line.get("ci_high") if direction == "lower" else line.get("ci_low")
    return line.get("value") if end is None else end


def rankable(line: Mapping | None, metric: Metric) -> bool:
    """A line is ranked only with a value on at least the metric's minimum n."""
    return line is not None and line.get("value") is not None and line["n"] >= metric.min_n


def ranks(lines: Mapping[str, Mapping], metric: Metric) -> dict[str, int]:
    """Rank of each agent (key of `lines`) on `metric` by the cautious end of its interval
    (1 = best; equal ends share a rank); agents below the metric's minimum n are left out."""
    ends = {
        key: cautious_end(line, metric.direction)
        for key, line in lines.items()
        if rankable(line, metric)
    }
    sign = 1 if metric.direction == "lower" else -1
    return {
        key: 1 + sum(sign * other < sign * end for other in ends.values())
        for key, end in ends.items()
    }


def side(line: Mapping, metric: Metric) -> str | None:
    """ "worse" when the line's whole interval misses its target, "better" when it wholly
    beats it, else None (the data cannot tell, or there is nothing to judge)."""
    target, low, high = line.get("target"), line.get("ci_low"), line.get("ci_high")
    if line.get("status") not in JUDGED or target is None or low is None or high is None:
        return None
    if line["n"] < metric.min_n or line.get("provisional"):
        return None
    if metric.direction == "higher":
        return "worse" if high < target else "better" if low > target else None
    if metric.direction == "lower":
        return "worse" if low > target else "better" if high < target else None
    tolerance = line.get("amber_tolerance") or 0.0
    return "worse" if high < target - tolerance or low > target + tolerance else None


@dataclass(frozen=True)
class Finding:
    """One metric of one agent whose interval lies wholly on one side of the target."""

    metric: str
    value: float
    ci_low: float
    ci_high: float
    n: int
    target: float
    unit: str
    side: str  # "worse" | "better"


@dataclass(frozen=True)
class AgentFindings:
    """An agent and the metrics that put them on a list."""

    agent_id: str
    name: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class PraiseDue:
    """Praise naming an agent this period that no one has marked thanked yet."""

    agent_id: str
    name: str
    count: int
    newest: datetime


@dataclass(frozen=True)
class TooFew:
    """A metric that could put agents on a list but that most agents have too few answers
    for: `agents` of the `of` agents with a value are below its minimum n."""

    metric: str
    agents: int
    of: int
    min_n: int


@dataclass
class SupervisorWeek:
    """The two short lists of a team's period, and what they could not judge."""

    period: str
    team: str
    conversation: list[AgentFindings] = field(default_factory=list)
    thank_you: list[AgentFindings] = field(default_factory=list)
    praise: list[PraiseDue] = field(default_factory=list)
    praise_unattributed: int = 0  # praise whose name fits several agents (Recognition page)
    too_few: list[TooFew] = field(default_factory=list)
    longer: str | None = None  # a longer period to offer while too few answers

    def to_dict(self) -> dict:
        return asdict(self)


def judged_metrics(registry: Mapping[str, Metric]) -> list[Metric]:
    """Metrics an agent is judged on: those that mean something for one agent."""
    return [m for m in registry.values() if "agent" in m.scopes]


def findings(
    lines_by_agent: Mapping[str, Mapping[str, Mapping]],
    names: Mapping[str, str],
    registry: Mapping[str, Metric],
    wanted: str,
) -> list[AgentFindings]:
    """Agents with a metric whose interval lies wholly on the `wanted` side ("worse" or
    "better") of their target: the agents with most such metrics first, then by name; each
    agent's metrics in card order."""
    out = []
    for agent_id, lines in lines_by_agent.items():
        found = []
        for metric in judged_metrics(registry):
            line = lines.get(metric.id)
            if line is None or side(line, metric) != wanted:
                continue
            found.append(
                Finding(
                    metric=metric.id,
                    value=line["value"],
                    ci_low=line["ci_low"],
                    ci_high=line["ci_high"],
                    n=int(line["n"]),
                    target=line["target"],
                    unit=metric.unit,
                    side=wanted,
                )
            )
        if found:
            out.append(AgentFindings(agent_id, names.get(agent_id, agent_id), tuple(found)))
    return sorted(out, key=lambda a: (-len(a.findings), a.name, a.agent_id))


def too_few(
    lines_by_agent: Mapping[str, Mapping[str, Mapping]], registry: Mapping[str, Metric]
) -> list[TooFew]:
    """Metrics with a target for which at least one agent has a value on fewer answers
    than the minimum n (never judged), in card order."""
    out = []
    for metric in judged_metrics(registry):
        lines = [ls[metric.id] for ls in lines_by_agent.values() if metric.id in ls]
        valued = [
            line
            for line in lines
            if line.get("value") is not None and line.get("target") is not None
        ]
        few = [line for line in valued if line["n"] < metric.min_n]
        if few:
            out.append(TooFew(metric.id, len(few), len(valued), metric.min_n))
    return out


def praise_due(praise: pd.DataFrame, names: Mapping[str, str]) -> tuple[list[PraiseDue], int]:
    """Praise not yet thanked, per named agent (most first, then the newest first), and how
    many praises could name several agents (not attributed)."""
    if praise.empty:
        return [], 0
    waiting = praise[~praise["thanked"].astype(bool)]
    unattributed = int(waiting["ambiguous"].astype(bool).sum())
    named = waiting[~waiting["ambiguous"].astype(bool)]
    out = [
        PraiseDue(
            agent_id=str(agent_id),
            name=names.get(agent_id) or str(group["name"].iloc[0] or agent_id),
            count=len(group),
            newest=pd.Timestamp(group["responded_at"].max()).to_pydatetime(),
        )
        for agent_id, group in named.groupby("agent_id", sort=False)
    ]
    return sorted(out, key=lambda p: (-p.count, -p.newest.timestamp(), p.name)), unattributed


def longer_period(period: Period) -> str | None:
    """The period a little longer than `period` that holds its first day (the month of a
    week, the quarter of a month…); None for a year."""
    grain = LONGER.get(period.grain)
    return None if grain is None else period_containing(period.start, grain).label


def supervisor_week(
    store: Store,
    period: Period,
    *,
    team: str,
    registry: Mapping[str, Metric] | None = None,
) -> SupervisorWeek:
    """Who in `team` is worth a conversation and who a thank-you in `period`, and which
    metrics had too few answers to judge (with a longer period to offer)."""
    registry = registry or default_registry()
    lines = {
        key: {m.id: m.to_dict() for m in results}
        for key, results in engine.breakdown(store, period, "agent", team=team).items()
        if key is not None
    }
    names = agent_names(store, lines)
    week = SupervisorWeek(period=period.label, team=team)
    week.conversation = findings(lines, names, registry, "worse")
    week.thank_you = findings(lines, names, registry, "better")
    week.praise, week.praise_unattributed = praise_due(
        find_praise(store, period.start, period.end, team=team), names
    )
    week.too_few = too_few(lines, registry)
    if week.too_few:
        week.longer = longer_period(period)
    return week


def agent_names(store: Store, agent_ids: Iterable[str]) -> dict[str, str]:
    """agent_id → name for the given ids (the id itself for one the roster lacks)."""
    roster = org.list_agents(store)
    known = dict(zip(roster["agent_id"], roster["name"], strict=True))
    return {agent_id: known.get(agent_id, agent_id) for agent_id in agent_ids}
