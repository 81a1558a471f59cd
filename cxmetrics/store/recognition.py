"""What recognition reads and writes: the roster's names and teams as praise and stars need
them, and the thank-you notes (`recognitions`: one row per praised response and agent)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, text

from cxmetrics.store.comments import window

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

_ROSTER_NOW = """
SELECT a.agent_id, coalesce(a.name, a.agent_id) AS name, a.nickname, a.team_id,
    coalesce(t.name, a.team_id) AS team_name, t.function
FROM agents a LEFT JOIN teams t ON t.team_id = a.team_id
ORDER BY a.agent_id
"""
_ROSTER_ON = """
WITH member AS (
    SELECT agent_id, team_id FROM agent_teams
    WHERE valid_from <= :on AND (valid_to IS NULL OR :on < valid_to)
)
SELECT a.agent_id, coalesce(a.name, a.agent_id) AS name, a.nickname,
    coalesce(CAST(:team AS VARCHAR), m.team_id) AS team_id,
    coalesce(t.name, CAST(:team AS VARCHAR), m.team_id) AS team_name, t.function
FROM agents a LEFT JOIN member m ON m.agent_id = a.agent_id
LEFT JOIN teams t ON t.team_id = coalesce(CAST(:team AS VARCHAR), m.team_id)
ORDER BY a.agent_id
"""
_TEAMS = "SELECT team_id, coalesce(name, team_id) AS name, function FROM teams ORDER BY team_id"
_THANKS_BETWEEN = """
SELECT r.response_id, r.agent_id, r.thanked_by, r.thanked_at, r.note
FROM recognitions r JOIN survey_responses s ON s.response_id = r.response_id
WHERE s.responded_at >= :start AND s.responded_at < :stop
"""
_FOUND = """
SELECT (SELECT count(*) FROM survey_responses WHERE response_id = :r),
    (SELECT count(*) FROM agents WHERE agent_id = :a)
"""
_FORGET = "DELETE FROM recognitions WHERE response_id = :r AND agent_id = :a"
_RECORD = (
    "INSERT INTO recognitions (response_id, agent_id, thanked_by, thanked_at, note) "
    "VALUES (:r, :a, :by, :at, :note)"
)


def roster(db: Store | Reader, on: date | None = None, team: str | None = None) -> pd.DataFrame:
    """agent_id, name (the id when none), nickname, team_id, team_name, function: one row
    per roster agent, by agent id.

    The team is `team` when given, else the team each agent was in on `on`, else (no
    date) their roster team now."""
    if on is None:
        return db.frame(_ROSTER_NOW)
    return db.frame(_ROSTER_ON, {"on": on, "team": team})


def teams(db: Store | Reader) -> pd.DataFrame:
    """team_id, name (the id when none), function: one row per team, by team id."""
    return db.frame(_TEAMS)


def thanks_between(db: Store | Reader, first: date, last: date) -> pd.DataFrame:
    """The thank-you notes on responses answered from local day `first` to `last`:
    response_id, agent_id, thanked_by, thanked_at, note."""
    return db.frame(_THANKS_BETWEEN, window(first, last))


def response_and_agent_exist(
    conn: Connection, response_id: str, agent_id: str
) -> tuple[bool, bool]:
    """(the survey response is stored, the agent is in the roster)."""
    found = conn.execute(text(_FOUND), {"r": response_id, "a": agent_id}).one()
    return bool(found[0]), bool(found[1])


def record_thanks(
    conn: Connection,
    response_id: str,
    agent_id: str,
    *,
    thanked_by: str,
    thanked_at: datetime,
    note: str | None,
) -> None:
    """Keep one thank-you note for (response, agent), replacing any before it."""
    params = {"r": response_id, "a": agent_id, "by": thanked_by, "at": thanked_at, "note": note}
    conn.execute(text(_FORGET), params)
    conn.execute(text(_RECORD), params)


def forget_thanks(conn: Connection, response_id: str, agent_id: str) -> None:
    """Take the thank-you note for (response, agent) away, if there is one."""
    conn.execute(text(_FORGET), {"r": response_id, "a": agent_id})
