"""The organisation as the roster describes it: teams, agents, and the span of data."""

from __future__ import annotations

from datetime import date

import pandas as pd

from cxmetrics.store import Store, facts, roster


def is_internal(function: str | None) -> bool:
    """Internal service teams serve colleagues (their function says "internal"). A team
    without a function reads as missing (None or NaN in a frame): not internal."""
    return isinstance(function, str) and "internal" in function.lower()


def list_teams(store: Store) -> pd.DataFrame:
    """Teams with their size: team_id, name, supervisor, function, internal, agents."""
    frame = roster.teams_with_size(store)
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
        return roster.agents_now(store, team)
    return roster.agents_during(store, team, first, last)


def data_range(store: Store) -> tuple[date, date] | None:
    """First and last local date holding interactions, surveys or adherence."""
    return facts.data_span(store)
