"""The roster: teams and agents, the rows a roster batch replaced (`roster_replaced`, so that
undoing it puts them back), and the listings of the organisation.

Teams over time (which team an agent was in on a date) are `membership`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, text

from cxmetrics.store.arrow import Registered
from cxmetrics.store.dialect import name_of, value_at_max
from cxmetrics.store.sql import ident

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

# Each roster table: its key and the fields a roster row sets.
ROSTER_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "agents": ("agent_id", ("name", "team_id", "email", "hired_on", "active", "nickname")),
    "teams": ("team_id", ("name", "supervisor", "supervisor_email", "function")),
}


def stored_rows(conn: Connection, table: str, ids: Sequence[str]) -> pd.DataFrame:
    """The stored rows of `table` ("agents" or "teams") with these ids: its key and fields."""
    table = ident(table, ROSTER_FIELDS)
    key, fields = ROSTER_FIELDS[table]
    columns = [key, *fields]
    if not ids:
        return pd.DataFrame(columns=columns)
    # Only the names of ROSTER_FIELDS are formatted into the SQL.
    sql = (
        f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608
        f"WHERE {key} IN (SELECT id FROM cx_roster_ids)"
    )
    with Registered(conn) as reg:
        reg("cx_roster_ids", pa.table({"id": pa.array(list(ids), pa.string())}))
        result = conn.execute(text(sql))
        return pd.DataFrame(result.fetchall(), columns=columns)


def replace_roster(
    conn: Connection,
    batch_id: str,
    *,
    replaced_agents: Sequence[str],
    replaced_teams: Sequence[str],
    agents: pa.Table,
    teams: pa.Table,
) -> None:
    """Write a roster batch: the stored rows it replaces are kept in `roster_replaced` (so
    that undoing it restores them) and deleted, then its agents and teams are inserted."""
    params = {"b": batch_id}
    with Registered(conn) as reg:
        reg("cx_replaced_agents", pa.table({"id": pa.array(replaced_agents, pa.string())}))
        reg("cx_replaced_teams", pa.table({"id": pa.array(replaced_teams, pa.string())}))
        conn.execute(
            text(
                "INSERT INTO roster_replaced (batch_id, entity, key, name, team_id, email, "
                "hired_on, active, nickname, prior_batch_id) "
                "SELECT :b, 'agent', agent_id, name, team_id, email, hired_on, active, nickname, "
                "batch_id FROM agents WHERE agent_id IN (SELECT id FROM cx_replaced_agents)"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO roster_replaced (batch_id, entity, key, name, supervisor, "
                "supervisor_email, function, prior_batch_id) "
                "SELECT :b, 'team', team_id, name, supervisor, supervisor_email, function, "
                "batch_id FROM teams WHERE team_id IN (SELECT id FROM cx_replaced_teams)"
            ),
            params,
        )
        conn.execute(
            text("DELETE FROM agents WHERE agent_id IN (SELECT id FROM cx_replaced_agents)")
        )
        conn.execute(text("DELETE FROM teams WHERE team_id IN (SELECT id FROM cx_replaced_teams)"))
        reg("cx_new_agents", agents)
        conn.execute(
            text(
                "INSERT INTO agents (agent_id, name, team_id, email, hired_on, active, nickname, "
                "batch_id) SELECT agent_id, name, team_id, email, hired_on, active, nickname, :b "
                "FROM cx_new_agents"
            ),
            params,
        )
        reg("cx_new_teams", teams)
        conn.execute(
            text(
                "INSERT INTO teams (team_id, name, supervisor, supervisor_email, function, "
                "batch_id) SELECT team_id, name, supervisor, supervisor_email, function, :b "
                "FROM cx_new_teams"
            ),
            params,
        )


def hand_back_replaced(conn: Connection, batch_id: str) -> None:
    """Before a batch's rows are deleted: roster rows that later batches replaced from it
    are pointed past it (to what it had replaced in turn, or dropped)."""
    params = {"b": batch_id}
    conn.execute(
        text(
            "UPDATE roster_replaced AS c SET name = r.name, team_id = r.team_id, "
            "email = r.email, hired_on = r.hired_on, active = r.active, "
            "nickname = r.nickname, "
            "supervisor = r.supervisor, supervisor_email = r.supervisor_email, "
            "function = r.function, "
            "prior_batch_id = r.prior_batch_id "
            "FROM roster_replaced AS r "
            "WHERE c.prior_batch_id = :b AND c.batch_id <> :b AND r.batch_id = :b "
            "AND r.entity = c.entity AND r.key = c.key"
        ),
        params,
    )
    conn.execute(
        text(
            "DELETE FROM roster_replaced WHERE prior_batch_id = :b AND batch_id <> :b "
            "AND NOT EXISTS (SELECT 1 FROM roster_replaced r WHERE r.batch_id = :b "
            "AND r.entity = roster_replaced.entity AND r.key = roster_replaced.key)"
        ),
        params,
    )


def restore_replaced(conn: Connection, batch_id: str) -> int:
    """After a batch's rows are deleted: put back the roster rows it replaced (those whose
    id is not on the roster again) and forget them; returns how many came back."""
    params = {"b": batch_id}
    restored = conn.execute(
        text(
            "SELECT count(*) FROM roster_replaced r WHERE r.batch_id = :b AND ("
            "(r.entity = 'agent' AND NOT EXISTS "
            "(SELECT 1 FROM agents a WHERE a.agent_id = r.key)) OR "
            "(r.entity = 'team' AND NOT EXISTS "
            "(SELECT 1 FROM teams t WHERE t.team_id = r.key)))"
        ),
        params,
    ).scalar_one()
    conn.execute(
        text(
            "INSERT INTO agents (agent_id, name, team_id, email, hired_on, active, nickname, "
            "batch_id) SELECT key, name, team_id, email, hired_on, active, nickname, "
            "prior_batch_id FROM roster_replaced r WHERE r.batch_id = :b "
            "AND r.entity = 'agent' "
            "AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.agent_id = r.key)"
        ),
        params,
    )
    conn.execute(
        text(
            "INSERT INTO teams (team_id, name, supervisor, supervisor_email, function, "
            "batch_id) SELECT key, name, supervisor, supervisor_email, function, "
            "prior_batch_id FROM roster_replaced r WHERE r.batch_id = :b "
            "AND r.entity = 'team' "
            "AND NOT EXISTS (SELECT 1 FROM teams t WHERE t.team_id = r.key)"
        ),
        params,
    )
    conn.execute(text("DELETE FROM roster_replaced WHERE batch_id = :b"), params)
    return int(restored)


def names(db: Store | Reader) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(agents: agent_id, name, email, nickname; teams: team_id, name), to recognise agents
    and teams named in a file (a Store or a Reader). One snapshot: both lists agree, and a
    command sharing a DuckDB file with the app asks for it once."""
    if hasattr(db, "snapshot"):
        with db.snapshot() as reader:
            return names(reader)
    agents = db.frame("SELECT agent_id, name, email, nickname FROM agents")
    teams = db.frame("SELECT team_id, name FROM teams")
    return agents, teams


def teams_with_size(db: Store | Reader) -> pd.DataFrame:
    """Teams with their active agents: team_id, name (else the id), supervisor, function,
    agents; by team_id."""
    return db.frame(
        "SELECT t.team_id, coalesce(t.name, t.team_id) AS name, t.supervisor, t.function, "
        "count(a.agent_id) AS agents FROM teams t "
        "LEFT JOIN agents a ON a.team_id = t.team_id AND coalesce(a.active, true) "
        "GROUP BY t.team_id, t.name, t.supervisor, t.function ORDER BY t.team_id"
    )


def agents_now(db: Store | Reader, team: str | None) -> pd.DataFrame:
    """Agents (agent_id, name, team_id, active) with their roster team now, of `team` only
    when given; by name."""
    return db.frame(
        "SELECT agent_id, coalesce(name, agent_id) AS name, team_id, active FROM agents "
        "WHERE CAST(:team AS VARCHAR) IS NULL OR team_id = :team ORDER BY name",
        {"team": team},
    )


def agents_during(db: Store | Reader, team: str | None, first: date, last: date) -> pd.DataFrame:
    """Agents (agent_id, name, team_id, active) over local dates first..last: those of
    `team` on any of its days, each with `team`, else the last team they were in during
    the period (None when in none); by name."""
    last_team = value_at_max(name_of(db), "team_id", "valid_from")
    return db.frame(
        f"WITH stretches AS (SELECT agent_id, {last_team} AS team_id, "  # noqa: S608
        "bool_or(team_id = :team) AS in_team FROM agent_teams "
        "WHERE valid_from <= :last AND (valid_to IS NULL OR valid_to > :first) "
        "GROUP BY agent_id) "
        "SELECT a.agent_id, coalesce(a.name, a.agent_id) AS name, "
        "coalesce(CAST(:team AS VARCHAR), s.team_id) AS team_id, a.active "
        "FROM agents a LEFT JOIN stretches s ON s.agent_id = a.agent_id "
        "WHERE CAST(:team AS VARCHAR) IS NULL OR s.in_team ORDER BY name",
        {"team": team, "first": first, "last": last},
    )


def agent_row(db: Store | Reader, agent: str) -> dict | None:
    """One roster agent: agent_id, name (else the id), team_id, hired_on, active; None when
    the roster does not know the id."""
    rows = db.rows(
        "SELECT agent_id, coalesce(name, agent_id), team_id, hired_on, active FROM agents "
        "WHERE agent_id = :agent",
        {"agent": agent},
    )
    if not rows:
        return None
    return dict(zip(("agent_id", "name", "team_id", "hired_on", "active"), rows[0], strict=True))
