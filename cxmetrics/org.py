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


def list_agents(store: Store, team: str | None = None) -> pd.DataFrame:
    """Agents (agent_id, name, team_id, active), of one team when given."""
    return store.frame(
        "SELECT agent_id, coalesce(name, agent_id) AS name, team_id, active FROM agents "
        "WHERE CAST(:team AS VARCHAR) IS NULL OR team_id = :team ORDER BY name",
        {"team": team},
    )


def data_range(store: Store) -> tuple[date, date] | None:
    """First and last local date holding interactions, surveys or adherence."""
    row = store.rows(
        "SELECT min(d), max(d) FROM ("
        "SELECT date AS d FROM rollup_interactions UNION ALL "
        "SELECT date FROM rollup_surveys UNION ALL SELECT date FROM rollup_adherence)"
    )[0]
    return None if row[0] is None else (row[0], row[1])
