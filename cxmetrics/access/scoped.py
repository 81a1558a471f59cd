"""Reads of agent-level rows and comments, narrowed to what a viewer may see.

Every read here takes the `Viewer`: admins, analysts and leaders see every agent;
a supervisor sees the agents and comments of their own teams; an agent their own. A request
for more (another team, another agent) returns nothing, whatever the page or link asked.
Aggregates (the organisation, the teams) are not narrowed: they read through `engine` for
everyone signed in and known. A new read of agent rows gets its viewer argument here.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from cxmetrics import comments as survey_comments
from cxmetrics import org, recognition
from cxmetrics.access.viewer import Viewer
from cxmetrics.metrics import engine
from cxmetrics.periods import Period
from cxmetrics.store import access as stored_access

if TYPE_CHECKING:
    from cxmetrics.store import Store
    from cxmetrics.story.gather import Story


EVERY = 100_000  # "no limit" for a ranking narrowed after it is read


class NotAllowed(PermissionError):
    """The viewer's role may not do this (the message says who may)."""


def visible_agents(store: Store, viewer: Viewer, first: date, last: date) -> set[str] | None:
    """The agents the viewer may see during first..last (None: every agent): a
    supervisor's, those in their teams on any day of it; an agent's, themselves."""
    if viewer.sees_all_agents:
        return None
    if viewer.role == "supervisor":
        seen: set[str] = set()
        for team in viewer.team_ids:
            seen.update(org.list_agents(store, team, first=first, last=last)["agent_id"])
            seen.update(org.list_agents(store, team)["agent_id"])
        return seen
    if viewer.role == "agent" and viewer.agent_id:
        return {viewer.agent_id}
    return set()


def agents(
    store: Store,
    viewer: Viewer,
    team: str | None = None,
    *,
    first: date | None = None,
    last: date | None = None,
) -> pd.DataFrame:
    """org.list_agents narrowed to the viewer (see there for the columns)."""
    frame = org.list_agents(store, team, first=first, last=last)
    if viewer.sees_all_agents:
        return frame
    keep = [
        viewer.sees_agent(a, t) for a, t in zip(frame["agent_id"], frame["team_id"], strict=True)
    ]
    return frame[pd.Series(keep, index=frame.index, dtype=bool)].reset_index(drop=True)


def agent_breakdown(
    store: Store, viewer: Viewer, period: Period, team: str | None = None
) -> dict[str | None, list]:
    """engine.breakdown by agent, with only the agents the viewer may see."""
    allowed = visible_agents(store, viewer, period.start, period.end)
    if allowed is not None and not allowed:
        return {}
    lines = engine.breakdown(store, period, "agent", team=team)
    if allowed is None:
        return lines
    return {key: value for key, value in lines.items() if key in allowed}


def agent_scorecard(
    store: Store, viewer: Viewer, period: Period, agent: str, team: str | None = None
):
    """One agent's scorecard, or None when the viewer may not see that agent."""
    allowed = visible_agents(store, viewer, period.start, period.end)
    if allowed is not None and agent not in allowed:
        return None
    return engine.scorecard(store, period, team=team, agent=agent)


def comments(
    store: Store,
    viewer: Viewer,
    first: date,
    last: date,
    *,
    team: str | None = None,
    agent: str | None = None,
    segment: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """comments.comments narrowed to the viewer: a supervisor's teams, an agent's own."""
    teams = None
    nothing = (pd.DataFrame(columns=survey_comments.COLUMNS), 0)
    if not viewer.sees_all_agents:
        if viewer.role == "supervisor":
            if not viewer.team_ids or (team is not None and team not in viewer.team_ids):
                return nothing
            teams = viewer.team_ids
        elif viewer.role == "agent" and viewer.agent_id:
            if agent is not None and agent != viewer.agent_id:
                return nothing
            agent = viewer.agent_id
        else:
            return nothing
    return survey_comments.comments(
        store,
        first,
        last,
        team=team,
        agent=agent,
        segment=segment,
        limit=limit,
        offset=offset,
        teams=teams,
    )


def _seen_rows(viewer: Viewer, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows (agent_id, team_id) the viewer may see; ambiguous praise (no agent) only for
    those who see every agent."""
    if viewer.sees_all_agents or frame.empty:
        return frame
    keep = [
        a is not None and not pd.isna(a) and viewer.sees_agent(a, t)
        for a, t in zip(frame["agent_id"], frame["team_id"], strict=True)
    ]
    return frame[pd.Series(keep, index=frame.index, dtype=bool)].reset_index(drop=True)


def praise(
    store: Store, viewer: Viewer, first: date, last: date, *, team: str | None = None
) -> pd.DataFrame:
    """recognition.find_praise narrowed to the agents the viewer may see."""
    if not viewer.known:
        return pd.DataFrame(columns=recognition.PRAISE_COLUMNS)
    return _seen_rows(viewer, recognition.find_praise(store, first, last, team=team))


def stars(
    store: Store, viewer: Viewer, period: Period, *, team: str | None = None, limit: int = 5
) -> list:
    """Service stars the viewer may see (recognition.stars)."""
    wanted = limit if viewer.sees_all_agents else EVERY
    found = recognition.stars(store, period, team=team, limit=wanted)
    return [s for s in found if viewer.sees_agent(s.agent_id, s.team_id)][:limit]


def most_improved(
    store: Store, viewer: Viewer, period: Period, *, team: str | None = None, limit: int = 3
) -> list:
    """Most improved agents the viewer may see (recognition.most_improved)."""
    wanted = limit if viewer.sees_all_agents else EVERY
    found = recognition.most_improved(store, period, team=team, limit=wanted)
    return [s for s in found if viewer.sees_agent(s.agent_id, s.team_id)][:limit]


def story(store: Store, viewer: Viewer, period: Period, *, team: str | None = None) -> Story:
    """The story of a period and scope (story.gather.read_story): its numbers are
    aggregates; its stars and their quotes only those the viewer may see."""
    from cxmetrics.story.gather import read_story

    told = read_story(store, period, team=team)
    if viewer.sees_all_agents:
        return told
    shown = [s for s in told.stars.stars if viewer.sees_agent(s.agent_id, s.team_id)]
    return dataclasses.replace(
        told,
        stars=dataclasses.replace(told.stars, stars=shown),
        star_praise=_seen_rows(viewer, told.star_praise),
    )


def mark_thanked(
    store: Store,
    viewer: Viewer,
    response_id: str,
    agent_id: str,
    *,
    thanked_by: str,
    note: str | None = None,
) -> None:
    """recognition.mark_thanked, for an agent the viewer may see (NotAllowed otherwise)."""
    if not viewer.sees_agent(agent_id, stored_access.agent_team(store, agent_id)):
        raise NotAllowed("only the agent's supervisor, a leader or an analyst can mark it")
    recognition.mark_thanked(store, response_id, agent_id, thanked_by=thanked_by, note=note)


def unmark_thanked(
    store: Store, viewer: Viewer, response_id: str, agent_id: str, *, by: str | None = None
) -> None:
    """recognition.unmark_thanked, for an agent the viewer may see (NotAllowed otherwise)."""
    if not viewer.sees_agent(agent_id, stored_access.agent_team(store, agent_id)):
        raise NotAllowed("only the agent's supervisor, a leader or an analyst can unmark it")
    recognition.unmark_thanked(store, response_id, agent_id, by=by)


def rejected_rows(store: Store, viewer: Viewer, batch_id: str) -> pd.DataFrame:
    """A batch's rejected rows (their cells hold uploaded data): analysts and admins only."""
    from cxmetrics import ingest

    if not viewer.may_upload:
        raise NotAllowed("rejected rows are for analysts and admins")
    return ingest.rejected_rows(store, batch_id)


def undo_batch(store: Store, viewer: Viewer, batch_id: str, *, by: str | None = None):
    """ingest.undo_batch for analysts and admins; a batch of the access list only for
    admins (undoing one changes who sees what). `by`: who, for the audit log (default the
    viewer's e-mail). Returns its UndoReport."""
    from cxmetrics import ingest
    from cxmetrics.store import batches

    if not viewer.may_upload:
        raise NotAllowed("undo is for analysts and admins")
    with store.reading() as conn:
        state = batches.batch_state(conn, batch_id)
    if state is not None and state.kind == "access" and not viewer.is_admin:
        raise NotAllowed("a batch of the access list can be undone by an admin only")
    return ingest.undo_batch(store, batch_id, by=by or viewer.email)


def may_see_agent(
    store: Store, viewer: Viewer, agent_id: str, first: date | None = None, last: date | None = None
) -> bool:
    """True when the viewer may see this agent's own rows (during first..last when given)."""
    if viewer.sees_all_agents:
        return True
    today = date.today()
    allowed = visible_agents(store, viewer, first or today, last or today)
    return allowed is None or agent_id in allowed


def supervisor_week(store: Store, viewer: Viewer, period: Period, team: str) -> dict | None:
    """The supervisor's week of a team (coaching.supervisor_week, as plain data) for those
    who see that team's agents; None for anyone else."""
    from cxmetrics import coaching

    if not viewer.sees_team_agents(team):
        return None
    return coaching.supervisor_week(store, period, team=team).to_dict()


def agent_career(store: Store, viewer: Viewer, agent_id: str, as_of: date) -> dict | None:
    """An agent's career in service up to a day (career.Career as plain data), or None when
    the viewer may not see the agent (or the agent is not in the roster)."""
    from cxmetrics import career

    if not may_see_agent(store, viewer, agent_id, last=as_of):
        return None
    found = career.career(store, agent_id, as_of=as_of)
    return None if found is None else found.to_dict()


def agent_praise(
    store: Store, viewer: Viewer, agent_id: str, first: date, last: date
) -> pd.DataFrame | None:
    """Praise naming the agent in first..last with its thanked state (None: not allowed)."""
    from cxmetrics import career

    if not may_see_agent(store, viewer, agent_id, first, last):
        return None
    return career.praise_received(store, agent_id, first, last)


def agent_learning(store: Store, viewer: Viewer, agent_id: str) -> pd.DataFrame | None:
    """The agent's learning sessions, newest first (None: not allowed)."""
    from cxmetrics import learning

    if not may_see_agent(store, viewer, agent_id):
        return None
    return learning.sessions(store, agent_id)


def agent_trend(store: Store, viewer: Viewer, period: Period, count: int, agent_id: str):
    """The agent's trend (engine.trend) or None when the viewer may not see the agent."""
    if not may_see_agent(store, viewer, agent_id, period.start, period.end):
        return None
    return engine.trend(store, period, count=count, agent=agent_id)
