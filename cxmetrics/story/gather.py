"""Every read a story needs for one period and scope, in one place: the scorecard, the
teams' lines, the trend, business KPIs, stars and praise, why the headline metric moved,
how much of the period the data covers, and whether demo rows remain. The headline and
the deck are made from a `Story` without reading the store again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from cxmetrics import org
from cxmetrics.demo import is_demo_present
from cxmetrics.meetings import TeamVisit, last_visits
from cxmetrics.metrics.engine import (
    BusinessResult,
    MetricResult,
    Scorecard,
    breakdown,
    business_kpis,
    scorecard,
    trend,
)
from cxmetrics.metrics.registry import default_registry
from cxmetrics.metrics.registry import headline_metric as registry_headline
from cxmetrics.obstacles import YouSaidWeDid, you_said_we_did
from cxmetrics.periods import Period
from cxmetrics.recognition import find_praise
from cxmetrics.story.explain import Decomposition, explain
from cxmetrics.story.headline import Headline, headline
from cxmetrics.story.periods import PeriodNotes, period_notes, trend_count
from cxmetrics.story.stars import StarsPick, pick_stars, praise_count, praise_within
from cxmetrics.story.wording import label_of


def headline_metric(card: Scorecard, internal: bool) -> str:
    """The metric a scope is judged by: the registry's headline (iNPS in its place for an
    internal service team, and for an organisation whose only answers are colleagues')."""
    registry = default_registry()
    head, stand_in = registry_headline(registry), registry_headline(registry, internal=True)
    lines = card.by_id()
    if internal or (lines[head].n == 0 and lines[stand_in].n > 0):
        return stand_in
    return head


@dataclass
class Story:
    """The numbers of one period and scope that the headline and the deck are made from."""

    period: Period
    team: str | None
    scope_name: str  # "the organisation" or the team's name
    internal: bool  # an internal service team (its headline is iNPS)
    card: Scorecard
    teams: dict[str | None, list[MetricResult]]  # per team, for the organisation's story
    team_names: dict[str, str]
    team_internal: dict[str, bool]
    labels: dict[str, str]  # metric id -> label with the service-level threshold
    business: list[BusinessResult]
    trend: pd.DataFrame  # engine.trend, starting no earlier than the data
    stars: StarsPick
    star_praise: pd.DataFrame  # praise over the stars' span, for their quotes (redacted)
    praise: int  # comments praising an agent by name in the period
    why: Decomposition | None  # why the headline metric moved (None for an empty period)
    coverage: PeriodNotes
    demo: bool  # demo rows remain: every slide says "Demo data"
    headline_metric: str
    org_card: Scorecard | None = None  # the organisation beside a team's story
    frontline: YouSaidWeDid | None = None  # obstacles resolved in the period, open at its end
    visits: list[TeamVisit] = field(default_factory=list)  # when a leader last met each team
    _told: Headline | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return self.coverage.empty

    def headline(self) -> Headline:
        """The headline's sentences, worked out once per story (the story is read-only)."""
        if self._told is None:
            self._told = headline(
                self.card,
                self.teams,
                team_names=self.team_names,
                scope_name=self.scope_name,
                labels=self.labels,
                stars=self.stars,
                praise=self.praise,
                coverage=self.coverage,
            )
        return self._told


def _listed(ids: list[str], limit: int = 12) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def business_today(store) -> date:
    """Today's date in the business time zone."""
    return datetime.now(store.settings.tz).date()


def _praise(
    store, period: Period, stars_span: Period | None, team: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(praise in `period`, praise over the stars' span for their quotes), from one scan of
    the comments over both spans (a week's stars may be the month's so far): praise is
    found comment by comment, so each span's is the scan's rows answered within it."""
    if stars_span is None or stars_span == period:
        praise = find_praise(store, period.start, period.end, team=team)
        return praise, praise
    first = min(period.start, stars_span.start)
    last = max(period.end, stars_span.end)
    both = find_praise(store, first, last, team=team)
    return praise_within(both, period), praise_within(both, stars_span)


def read_story(
    store, period: Period, *, team: str | None = None, today: date | None = None
) -> Story:
    """Read everything the story of `period` (the organisation's, or `team`'s) needs;
    `today` (default: the business date now) tells a running period from an ended one."""
    teams_frame = org.list_teams(store)
    team_names = teams_frame.set_index("team_id")["name"].to_dict()
    team_internal = teams_frame.set_index("team_id")["internal"].astype(bool).to_dict()
    if team is not None and team not in team_names:
        known = f"teams: {_listed(sorted(team_names))}" if team_names else "no roster yet"
        raise ValueError(f"team `{team}` is not in the roster; {known}")
    span = org.data_range(store)
    today = today or business_today(store)
    coverage = period_notes(period, span, today)
    card = scorecard(store, period, team=team)
    internal = bool(team_internal.get(team, False)) if team is not None else False
    metric = headline_metric(card, internal)
    seconds = store.settings.service_level_seconds
    labels = {m.id: label_of(m.label, seconds) for m in default_registry().values()}
    pick = pick_stars(store, period, team=team)
    praise, star_praise = _praise(store, period, pick.span, team)
    return Story(
        period=period,
        team=team,
        scope_name=team_names.get(team, team) if team is not None else "the organisation",
        internal=internal,
        card=card,
        teams=breakdown(store, period, "team") if team is None else {},
        team_names=team_names,
        team_internal=team_internal,
        labels=labels,
        business=business_kpis(store, period, team=team),
        trend=trend(store, period, count=trend_count(period, span), team=team),
        stars=pick,
        star_praise=star_praise,
        praise=praise_count(praise),
        why=None if coverage.empty else explain(store, period, metric, team=team),
        coverage=coverage,
        demo=is_demo_present(store),
        headline_metric=metric,
        org_card=scorecard(store, period) if team is not None else None,
        frontline=you_said_we_did(store, period, team=team, today=today),
        visits=last_visits(store, min(period.end, today), team),
    )
