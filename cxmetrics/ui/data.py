"""The one UI module that caches: every cached function takes its scope as arguments.

Views call these functions and never open connections or write SQL. Reads of stored data
are cached by `versioned`, keyed by the store's data version as well as their arguments:
every committed write bumps it (a page, the CLI, another process), so no writer has to
remember to clear anything, and the next rerun shows the new numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import date
from typing import ParamSpec, TypeVar

import pandas as pd
import streamlit as st

from cxmetrics import comments as survey_comments
from cxmetrics import demo, org
from cxmetrics.config import load_settings
from cxmetrics.metrics import engine
from cxmetrics.metrics.registry import Metric, business_registry, default_registry
from cxmetrics.periods import Period, last_complete, parse_period, period_containing
from cxmetrics.store import Store, is_empty, open_store

P = ParamSpec("P")
R = TypeVar("R")
CACHED_VERSIONS = 256  # results kept per function (older data versions fall out first)


@st.cache_resource(show_spinner="Opening the store…")
def get_store() -> Store:
    """The store for this server; an empty store is filled with the demo organisation
    (unless it is read-only).

    Raises StoreError when the store cannot be opened (busy, damaged, …): main.py shows it,
    and as a failure is not cached the next run tries again.
    """
    store = open_store(settings=load_settings())
    try:
        if not store.read_only and is_empty(store):
            demo.build_demo(store)
    except BaseException:
        store.close()
        raise
    return store


def waits_shown(notify: Callable[[bool], None]):
    """Context manager: within it, this session's waits for a store file that a command
    has open call `notify(True)` as they start and `notify(False)` as they end."""
    return get_store().on_wait(notify)


def data_version() -> int:
    """The store's data version now (one small read): the key of every cached read."""
    return get_store().data_version()


def versioned(
    spinner: bool | str = False,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a read of stored data by its arguments and the data version, so any committed
    write (from any process) makes it stale by itself."""

    def wrap(read: Callable[P, R]) -> Callable[P, R]:
        # (Streamlit leaves arguments named with a leading underscore out of the key.)
        def cached(read_name: str, data_version: int, *args, **kwargs):
            return read(*args, **kwargs)

        # Streamlit keys a cache by the function's qualified name and code: name it after
        # the read it wraps, and pass the name, so two reads never share entries.
        cached.__qualname__ = f"{read.__qualname__}[versioned]"
        cached_read = st.cache_data(show_spinner=spinner, max_entries=CACHED_VERSIONS)(cached)

        @functools.wraps(read)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            return cached_read(read.__qualname__, data_version(), *args, **kwargs)

        return call

    return wrap


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


def clear_demo() -> None:
    """Take the demo organisation out (your own batches stay)."""
    demo.clear_demo(get_store())


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


@versioned()
def agents(team: str | None = None, period: str | None = None) -> pd.DataFrame:
    """Roster agents (of a team when given): now, or who was in it during `period`."""
    if period is None:
        return org.list_agents(get_store(), team)
    p = parse_period(period)
    return org.list_agents(get_store(), team, first=p.start, last=p.end)


@versioned()
def scorecard(period: str, team: str | None = None, agent: str | None = None) -> dict:
    """Every metric for a period and scope, as plain data (see MetricResult.to_dict)."""
    card = engine.scorecard(get_store(), parse_period(period), team=team, agent=agent)
    return card.to_dict()


@versioned()
def breakdown(period: str, by: str, team: str | None = None) -> dict[str | None, dict]:
    """Scorecard lines per team or per agent: {key: {metric_id: line dict}}."""
    lines = engine.breakdown(get_store(), parse_period(period), by, team=team)
    return {key: {m.id: m.to_dict() for m in ms} for key, ms in lines.items()}


@versioned()
def trend(period: str, count: int = 13, team: str | None = None) -> pd.DataFrame:
    return engine.trend(get_store(), parse_period(period), count=count, team=team)


@versioned()
def business(period: str, team: str | None = None) -> list[dict]:
    return [k.to_dict() for k in engine.business_kpis(get_store(), parse_period(period), team=team)]


@versioned()
def data_as_of() -> str | None:
    day = engine.data_as_of(get_store())
    return day.isoformat() if day else None


def period_of(label: str) -> Period:
    return parse_period(label)


@versioned()
def comments(
    period: str,
    team: str | None = None,
    *,
    agent: str | None = None,
    segment: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of redacted comments for a period and scope, newest first, and their total."""
    p = parse_period(period)
    return survey_comments.comments(
        get_store(),
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


@versioned()
def rejected_csv(batch_id: str) -> bytes:
    """A batch's rejected rows as a formula-safe CSV (line_no, error, raw)."""
    from cxmetrics import export, ingest

    return export.safe_csv(ingest.rejected_rows(get_store(), batch_id))


# ----------------------------------------------------------------------------- recognition page


def recognition_min_n() -> int:
    """Answers an agent needs in a period to be a service star (setting `stars_min_n`)."""
    return get_store().settings.stars_min_n


@versioned()
def recognition_stars(period: str, team: str | None = None, limit: int = 5) -> list[dict]:
    """Service stars of a period and scope (see recognition.Star), best first."""
    from cxmetrics import recognition

    found = recognition.stars(get_store(), parse_period(period), team=team, limit=limit)
    return [s.to_dict() for s in found]


@versioned()
def recognition_improved(period: str, team: str | None = None, limit: int = 3) -> list[dict]:
    """Agents with the largest significant rise since the previous period."""
    from cxmetrics import recognition

    found = recognition.most_improved(get_store(), parse_period(period), team=team, limit=limit)
    return [i.to_dict() for i in found]


@versioned()
def recognition_team_change(period: str) -> dict | None:
    """The team with the best significant change since the previous period, or None."""
    from cxmetrics import recognition

    change = recognition.best_team_change(get_store(), parse_period(period))
    return None if change is None else change.to_dict()


@versioned(spinner="Reading comments for praise…")
def recognition_praise(period: str, team: str | None = None) -> pd.DataFrame:
    """Praise naming an agent in a period and scope, newest first (comments redacted)."""
    from cxmetrics import recognition

    p = parse_period(period)
    return recognition.find_praise(get_store(), p.start, p.end, team=team)


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
