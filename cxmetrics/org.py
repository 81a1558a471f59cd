"""The organisation as the roster describes it: teams, agents, and the span of data."""

from __future__ import annotations

from datetime import date

import pandas as pd

from cxmetrics.store import Store


def is_internal(function: str | None) -> bool:
    """Internal service teams serve colleagues (their function says "internal"). A team
    without a function reads as missing (None or NaN in a frame): not internal."""
    return isinstance(function, str) and "internal" in function.lower()


def list_teams(store: Store) -> pd.DataFrame:
    """Teams with their size: team_id, name, supervisor, function, internal, agents."""
    frame = store.frame(
        "SELECT t.team_id, coalesce(t.name, t.team_id) AS name, t.supervisor, t.function, "
        "count(a.agent_id) AS agents FROM teams t "
        "LEFT JOIN agents a ON a.team_id = t.team_id AND coalesce(a.active, true) "
        "GROUP BY ALL ORDER BY t.team_id"
    )
    frame["internal"] = frame["function"].map(is_internal)
    return frame


def list_agents(
    store: Store,
    team: str | None = None,
    *,
    first: date | None = None,
    last: date | None = None,
) -> pd.DataFrame:
    """Agents (agent_id, name, team_id, active), of one team when given.

    Without a period, each agent's roster team now. With one (local dates first..last,
    both given), the agents of `team` are those in it on any day of the period, and each
    agent's team_id is `team`, else the last team they were in during the period (None
    when in none).
    """
    if first is None or last is None:
        return store.frame(
            "SELECT agent_id, coalesce(name, agent_id) AS name, team_id, active FROM agents "
            "WHERE CAST(:team AS VARCHAR) IS NULL OR team_id = :team ORDER BY name",
            {"team": team},
        )
    return store.frame(
        "WITH stretches AS (SELECT agent_id, arg_max(team_id, valid_from) AS team_id, "
        "bool_or(team_id = :team) AS in_team FROM agent_teams "
        "WHERE valid_from <= :last AND (valid_to IS NULL OR valid_to > :first) "
        "GROUP BY agent_id) "
        "SELECT a.agent_id, coalesce(a.name, a.agent_id) AS name, "
        "coalesce(CAST(:team AS VARCHAR), s.team_id) AS team_id, a.active "
        "FROM agents a LEFT JOIN stretches s ON s.agent_id = a.agent_id "
        "WHERE CAST(:team AS VARCHAR) IS NULL OR s.in_team ORDER BY name",
        {"team": team, "first": first, "last": last},
    )


def data_range(store: Store) -> tuple[date, date] | None:
    """First and last local date holding interactions, surveys or adherence."""
    row = store.rows(
        "SELECT min(d), max(d) FROM ("
        "SELECT date AS d FROM rollup_interactions UNION ALL "
        "SELECT date FROM rollup_surveys UNION ALL SELECT date FROM rollup_adherence)"
    )[0]
    return None if row[0] is None else (row[0], row[1])
