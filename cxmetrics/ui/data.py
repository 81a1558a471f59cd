"""The one UI module that caches: every cached function takes its scope as arguments.

Reads of agent rows, comments and praise are `scoped`: they read the viewer of this run
(ui/identity.py) and key their cache on its scope (role, teams, agent), so one person's
narrowed result is never served to another.

Views call these functions and never open connections or write SQL. Reads of stored data
are cached by `versioned`, keyed by the store's data version as well as their arguments:
every committed write bumps it (a page, the CLI, another process), so no writer has to
remember to clear anything, and the next rerun shows the new numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import ParamSpec, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cxmetrics import demo, org
from cxmetrics.access import Viewer, resolve, scoped
from cxmetrics.config import load_settings
from cxmetrics.metrics import engine
from cxmetrics.metrics.registry import Metric, business_registry, default_registry
from cxmetrics.periods import Period, last_complete, parse_period, period_containing
from cxmetrics.store import Store, is_empty, open_store
from cxmetrics.story.periods import PeriodNotes, period_notes, trend_count

P = ParamSpec("P")
R = TypeVar("R")
CACHED_VERSIONS = 256  # results kept per function (older data versions fall out first)


@st.cache_resource(show_spinner="Opening the store…")
def get_store() -> Store:
    """The store for this server (an empty, writable one gets the demo organisation),
    hosting its file for commands. Raises StoreError when it cannot be opened (busy,
    damaged, …): main.py shows it, and as failures are not cached the next run tries again."""
    store = open_store(settings=load_settings())
    try:
        if not store.read_only and is_empty(store):
            demo.build_demo(store)
        store.host(_load_for_command)  # a command's load runs here (docs/shared-store.md)
    except BaseException:
        store.close()
        raise
    return store


def _load_for_command(store: Store, request: dict) -> dict:
    from cxmetrics.ingest.handoff import answer  # imported when a command asks, not at start

    return answer(store, request)


def waits_shown(notify: Callable[[bool], None]):
    """Context manager: within it, this session's waits for a store file that a command
    has open call `notify(True)` as they start and `notify(False)` as they end."""
    return get_store().on_wait(notify)


def data_version() -> int:
    """The store's data version now (one small read): the key of every cached read."""
    return get_store().data_version()


def versioned(
    spinner: bool | str = False, *, shared: int = 0
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a read of stored data by its arguments and the data version, so any committed
    write (from any process) makes it stale by itself. `shared` (entries kept): every caller
    gets the same object, not a copy, for a result nobody changes and costly to unpickle."""

    def wrap(read: Callable[P, R]) -> Callable[P, R]:
        # (Streamlit leaves arguments named with a leading underscore out of the key.)
        def cached(read_name: str, data_version: int, *args, **kwargs):
            return read(*args, **kwargs)

        # Streamlit keys a cache by the function's qualified name and code: name it after
        # the read it wraps, and pass the name, so two reads never share entries.
        cached.__qualname__ = f"{read.__qualname__}[versioned]"
        cache = st.cache_resource if shared else st.cache_data
        cached_read = cache(show_spinner=spinner, max_entries=shared or CACHED_VERSIONS)(cached)

        @functools.wraps(read)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            return cached_read(read.__qualname__, data_version(), *args, **kwargs)

        return call

    return wrap


@st.cache_data(show_spinner=False, max_entries=256)
def _figure_spec(build_name: str, _build: Callable[..., go.Figure], *args, **kwargs) -> dict:
    return _build(*args, **kwargs).to_dict()


def figure(build: Callable[..., go.Figure], *args, **kwargs) -> go.Figure:
    """The figure `build(*args, **kwargs)` makes, built once per distinct input: building a
    plotly figure validates every property (most of a warm rerun's time), a cached spec
    does not need it again. The inputs are the data itself, so no entry is ever stale."""
    spec = _figure_spec(f"{build.__module__}.{build.__qualname__}", build, *args, **kwargs)
    return go.Figure(spec, _validate=False)


def scoped_read(
    spinner: bool | str = False, *, shared: int = 0
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Cache a read that takes the viewer first, keyed by the viewer's scope (and, like
    `versioned`, by the data version): callers leave the viewer out, it is this run's."""

    def wrap(read: Callable[..., R]) -> Callable[..., R]:
        def by_scope(scope: tuple, *args, **kwargs):
            return read(Viewer(None, *scope), *args, **kwargs)

        by_scope.__qualname__ = read.__qualname__
        cached = versioned(spinner, shared=shared)(by_scope)

        @functools.wraps(read)
        def call(*args, **kwargs) -> R:
            from cxmetrics.ui import identity

            return cached(identity.current().scope(), *args, **kwargs)

        return call

    return wrap


@versioned()
def viewer_for(email: str) -> Viewer:
    """The viewer an e-mail signs in as (access list, then roster)."""
    return resolve(get_store(), email)


@versioned()
def admin_emails() -> list[str]:
    """Whom to ask for access: the access list's admins."""
    from cxmetrics.store import access as stored_access

    return stored_access.admin_emails(get_store())


def ingest_limit_mb() -> int:
    """The largest file (once decompressed) a load accepts, in MB."""
    return get_store().settings.ingest.max_input_mb


def read_only() -> bool:
    """True when the store's file or folder cannot be written: pages show, never write."""
    return get_store().read_only


def registry() -> dict[str, Metric]:
    return default_registry()


def metric_label(metric_id: str) -> str:
    """A metric's label with settings filled in (the service-level threshold)."""
    return registry()[metric_id].label.format(t=get_store().settings.service_level_seconds)


@versioned()
def demo_present() -> bool:
    """True while any demo row remains: every page, slide and export says "demo data"."""
    return demo.is_demo_present(get_store())


def clear_demo(by: str | None = None) -> None:
    """Take the demo organisation out (your own batches stay); `by` goes to the audit log."""
    demo.clear_demo(get_store(), by=by)


@versioned()
def data_range() -> tuple[date, date] | None:
    return org.data_range(get_store())


@versioned()
def period_options(grain: str) -> list[str]:
    """Period labels of `grain` from the first to the last period with data, newest first."""
    span = data_range()
    today = date.today()
    newest = last_complete(grain, today)
    if span is None:
        return [p.label for p in newest.back(13)][::-1]
    last = period_containing(min(span[1], newest.end), grain)
    first = period_containing(span[0], grain)
    labels = []
    p = last
    while p >= first and len(labels) < 520:
        labels.append(p.label)
        p = p.previous()
    return labels or [newest.label]


def default_period(grain: str) -> str:
    """The last complete period of `grain` that holds data (else the last complete one)."""
    return period_options(grain)[0]


@versioned()
def teams() -> pd.DataFrame:
    return org.list_teams(get_store())


@scoped_read()
def agents(viewer: Viewer, team: str | None = None, period: str | None = None) -> pd.DataFrame:
    """Roster agents the viewer may see (of a team when given): now, or who was in it
    during `period`."""
    if period is None:
        return scoped.agents(get_store(), viewer, team)
    p = parse_period(period)
    return scoped.agents(get_store(), viewer, team, first=p.start, last=p.end)


@scoped_read()
def scorecard(
    viewer: Viewer, period: str, team: str | None = None, agent: str | None = None
) -> dict:
    """Every metric for a period and scope, as plain data (see MetricResult.to_dict); an
    agent's only when the viewer may see that agent (else {})."""
    if agent is None:
        return engine.scorecard(get_store(), parse_period(period), team=team).to_dict()
    card = scoped.agent_scorecard(get_store(), viewer, parse_period(period), agent, team=team)
    return {} if card is None else card.to_dict()


@scoped_read()
def breakdown(
    viewer: Viewer, period: str, by: str, team: str | None = None
) -> dict[str | None, dict]:
    """Scorecard lines per team, or per agent (those the viewer may see):
    {key: {metric_id: line dict}}."""
    if by == "agent":
        lines = scoped.agent_breakdown(get_store(), viewer, parse_period(period), team=team)
    else:
        lines = engine.breakdown(get_store(), parse_period(period), by, team=team)
    return {key: {m.id: m.to_dict() for m in ms} for key, ms in lines.items()}


@versioned()
def trend(period: str, team: str | None = None) -> pd.DataFrame:
    """The trend ending with `period`: up to 13 periods, starting no earlier than the data."""
    p = parse_period(period)
    return engine.trend(get_store(), p, count=trend_count(p, data_range()), team=team)


@scoped_read()
def agent_trend(viewer: Viewer, period: str, agent: str) -> pd.DataFrame:
    """An agent's trend ending with `period` (as `trend`), empty when not the viewer's."""
    p = parse_period(period)
    found = scoped.agent_trend(get_store(), viewer, p, trend_count(p, data_range()), agent)
    if found is None:
        columns = ["period", "start", "metric", "value", "n", "ci_low", "ci_high", "target"]
        return pd.DataFrame(columns=[*columns, "provisional"])
    return found


@versioned()
def business(period: str, team: str | None = None) -> list[dict]:
    return [k.to_dict() for k in engine.business_kpis(get_store(), parse_period(period), team=team)]


@versioned()
def data_as_of() -> str | None:
    day = engine.data_as_of(get_store())
    return day.isoformat() if day else None


def period_of(label: str) -> Period:
    return parse_period(label)


@scoped_read()
def comments(
    viewer: Viewer,
    period: str,
    team: str | None = None,
    *,
    agent: str | None = None,
    segment: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of redacted comments for a period and scope that the viewer may see, newest
    first, and their total."""
    p = parse_period(period)
    return scoped.comments(
        get_store(),
        viewer,
        p.start,
        p.end,
        team=team,
        agent=agent,
        segment=segment,
        limit=limit,
        offset=offset,
    )


@st.cache_data(show_spinner=False)
def definitions() -> dict[str, list[dict]]:
    """The registry as plain data: metrics (labels with settings filled in), business KPIs."""
    metrics = []
    notes = engine.metric_notes(get_store())
    for metric in registry().values():
        entry = {f.name: getattr(metric, f.name) for f in fields(metric) if f.name != "parts"}
        entry["label"] = metric_label(metric.id)
        entry["note"] = notes.get(metric.id)
        entry["sources"] = list(metric.sources)
        entry["part_names"] = sorted(metric.parts)
        metrics.append(entry)
    business_kpis = [asdict(kpi) for kpi in business_registry().values()]
    return {"metrics": metrics, "business": business_kpis}


# ----------------------------------------------------------------------------- the story


@scoped_read(spinner="Reading the period's story…", shared=32)
def story(viewer: Viewer, period: str, team: str | None = None):
    """Everything the headline, "why it moved" and the deck say about a period and scope
    (story.gather.Story, stars those the viewer may see); shared, not copied (1.3 MB
    pickled), so its headline is worked out once for every session (`Story.headline`)."""
    return scoped.story(get_store(), viewer, parse_period(period), team=team)


def coverage(period: str) -> PeriodNotes:
    """How much of a period (and of the one it is compared with) the data covers, as the
    story says it: known before the story is read, so the page can say it first."""
    return _coverage(period, business_today().isoformat())


@versioned()
def _coverage(period: str, today: str) -> PeriodNotes:
    return period_notes(parse_period(period), data_range(), date.fromisoformat(today))


def deck_maker(period: str, team: str | None = None):
    """A function that builds the PowerPoint deck of a period and scope when called (on
    the download button's click), with the stars this run's viewer may see."""
    from cxmetrics.ui import identity

    store, label, viewer = get_store(), parse_period(period), identity.current()

    def make() -> bytes:
        from cxmetrics.story.deck import deck_bytes

        return deck_bytes(scoped.story(store, viewer, label, team=team))

    return make


# ----------------------------------------------------------------------------- upload page


@versioned()
def batches() -> pd.DataFrame:
    """Every upload batch (all upload_batches columns), newest first."""
    from cxmetrics import ingest

    return ingest.list_batches(get_store())


@versioned()
def templates(kind: str | None = None) -> pd.DataFrame:
    """Saved column-mapping templates (name, kind, saved_by, saved_at), of one kind or all."""
    from cxmetrics import ingest

    return ingest.list_templates(get_store(), kind)


@versioned()
def template(name: str) -> dict:
    """One saved template: its mapping and options."""
    from cxmetrics import ingest

    return ingest.get_template(get_store(), name)


@scoped_read()
def rejected_csv(viewer: Viewer, batch_id: str) -> bytes:
    """A batch's rejected rows as a formula-safe CSV (line_no, error, raw): analysts and
    admins only (scoped.NotAllowed for others)."""
    from cxmetrics import export

    return export.safe_csv(scoped.rejected_rows(get_store(), viewer, batch_id))


# ----------------------------------------------------------------------------- recognition page


def recognition_min_n() -> int:
    """Answers an agent needs in a period to be a service star (setting `stars_min_n`)."""
    return get_store().settings.stars_min_n


@scoped_read()
def recognition_stars(
    viewer: Viewer, period: str, team: str | None = None, limit: int = 5
) -> list[dict]:
    """Service stars of a period and scope that the viewer may see (see
    recognition.Star), best first."""
    found = scoped.stars(get_store(), viewer, parse_period(period), team=team, limit=limit)
    return [s.to_dict() for s in found]


@scoped_read()
def recognition_improved(
    viewer: Viewer, period: str, team: str | None = None, limit: int = 3
) -> list[dict]:
    """Agents (the viewer may see) with the largest significant rise since the previous
    period."""
    found = scoped.most_improved(get_store(), viewer, parse_period(period), team=team, limit=limit)
    return [i.to_dict() for i in found]


@versioned()
def recognition_team_change(period: str) -> dict | None:
    """The team with the best significant change since the previous period, or None."""
    from cxmetrics import recognition

    change = recognition.best_team_change(get_store(), parse_period(period))
    return None if change is None else change.to_dict()


@scoped_read(spinner="Reading comments for praise…")
def recognition_praise(viewer: Viewer, period: str, team: str | None = None) -> pd.DataFrame:
    """Praise naming an agent the viewer may see, in a period and scope, newest first
    (comments redacted)."""
    p = parse_period(period)
    return scoped.praise(get_store(), viewer, p.start, p.end, team=team)


@versioned()
def recognition_agent_names() -> dict[str, str]:
    """agent_id -> name for every roster agent."""
    frame = org.list_agents(get_store())
    return dict(zip(frame["agent_id"], frame["name"], strict=True))


@st.cache_data(show_spinner=False, max_entries=256)
def recognition_kudos_png(
    agent_name: str,
    team_name: str | None,
    comment: str,
    responded_at: str,
    from_whom: str,
    demo: bool = False,
) -> bytes:
    """A kudos card PNG (the comment is redacted again inside), marked while demo data is in."""
    from cxmetrics import kudos

    return kudos.kudos_card_png(
        agent_name=agent_name,
        team_name=team_name,
        comment=comment,
        responded_at=responded_at,
        from_whom=from_whom,
        demo=demo,
    )


# ----------------------------------------------------------------------------- frontline voice


def business_today() -> date:
    """Today in the business time zone (ages of open obstacles, days since a visit)."""
    return datetime.now(get_store().settings.tz).date()


def you_said_we_did(period: str, team: str | None = None) -> dict:
    """Obstacles resolved in a period and open at its end (see obstacles.YouSaidWeDid),
    redacted, with the day they are counted on and the open ones per KPI."""
    return _you_said_we_did(period, team, business_today().isoformat())


@versioned()
def _you_said_we_did(period: str, team: str | None, today: str) -> dict:
    from cxmetrics import obstacles

    report = obstacles.you_said_we_did(
        get_store(), parse_period(period), team=team, today=date.fromisoformat(today)
    )
    return {
        **report.to_dict(),
        "as_of": report.as_of.isoformat(),
        "open_by_metric": report.open_by_metric(),
    }


def leader_visits(period: str, team: str | None = None) -> list[dict]:
    """When a leader last met each team (or `team`), as of the period's end or today while
    it runs: see meetings.TeamVisit."""
    return _leader_visits(period, team, business_today().isoformat())


@versioned()
def _leader_visits(period: str, team: str | None, today: str) -> list[dict]:
    from cxmetrics import meetings

    as_of = min(parse_period(period).end, date.fromisoformat(today))
    return [v.to_dict() for v in meetings.last_visits(get_store(), as_of, team)]


@versioned()
def obstacle_register(team: str | None = None) -> pd.DataFrame:
    """The obstacles register as it stands (text as typed: the page of those who keep it)."""
    from cxmetrics import obstacles

    return obstacles.register(get_store(), team, redacted=False)


@versioned()
def obstacle_history(obstacle_id: str) -> pd.DataFrame:
    """Every change to one obstacle, oldest first, with who made it and when."""
    from cxmetrics import obstacles

    return obstacles.history(get_store(), obstacle_id, redacted=False)


@versioned()
def next_obstacle_id() -> str:
    from cxmetrics import obstacles

    return obstacles.next_obstacle_id(get_store())


def obstacle_metrics() -> dict[str, str]:
    """The KPIs an obstacle may name: metric id -> label (scorecard metrics, then business
    KPIs), as the registry declares them."""
    labels = {metric_id: metric_label(metric_id) for metric_id in registry()}
    labels.update({kpi.id: kpi.label for kpi in business_registry().values()})
    return labels


# ----------------------------------------------------------------------------- supervisor, agent


@scoped_read()
def supervisor_week(viewer: Viewer, period: str, team: str) -> dict | None:
    """Who in a team is worth a conversation and who a thank-you (see coaching); None when
    the viewer may not see the team's agents."""
    return scoped.supervisor_week(get_store(), viewer, parse_period(period), team)


@scoped_read()
def agent_career(viewer: Viewer, agent: str, as_of: str) -> dict | None:
    """An agent's career in service up to a day (ISO date), see career.Career; None when not
    in the roster or not the viewer's to see."""
    return scoped.agent_career(get_store(), viewer, agent, date.fromisoformat(as_of))


@scoped_read(spinner="Reading comments for praise…")
def agent_praise(viewer: Viewer, period: str, agent: str) -> pd.DataFrame:
    """Praise naming an agent in a period, newest first, with its thanked state (empty when
    not the viewer's to see)."""
    p = parse_period(period)
    found = scoped.agent_praise(get_store(), viewer, agent, p.start, p.end)
    return pd.DataFrame() if found is None else found


@scoped_read()
def agent_learning(viewer: Viewer, agent: str) -> pd.DataFrame:
    """An agent's learning sessions, newest first: date, hours, topic (empty when not the
    viewer's to see)."""
    found = scoped.agent_learning(get_store(), viewer, agent)
    return pd.DataFrame(columns=["date", "hours", "topic"]) if found is None else found


@versioned()
def agent_team(agent: str, period: str) -> str | None:
    """The team an agent was in on the period's last day (whose targets apply), else None."""
    return engine.team_of_agent(get_store(), agent, parse_period(period).end)


# ----------------------------------------------------------------------------- access and audit


@versioned()
def access_list() -> pd.DataFrame:
    """The access list (email, role, team_ids, batch_id): for the Access page (admins)."""
    from cxmetrics.store import access as stored_access

    return stored_access.access_rows(get_store())


@versioned()
def audit_entries(limit: int = 500) -> pd.DataFrame:
    """The newest audit entries (logged_at, who, action, details): the Audit page (admins)."""
    from cxmetrics.access import audit

    return audit.entries(get_store(), limit=limit)
