"""The learning table (upload kind `learning`): hours of training an agent logged on a day,
by topic. Read for an agent's page (their sessions) and for learning hours per agent in a
period and scope (a business KPI).

The team of a learning row is the team its agent was in on the row's date (the rows carry
no team of their own), as for every fact without a team (`membership.fact_team`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

# Learning rows of the scope dated first..last, and the agents in the scope during those
# days: those of the roster with a stretch in the scope's teams (leavers, `active` false,
# only when they logged learning in the period) plus every agent the counted rows name.
_IN_SCOPE = """
WITH counted AS (
    SELECT l.agent_id, l.hours FROM learning l
    LEFT JOIN agent_teams member ON member.agent_id = l.agent_id
        AND l.date >= member.valid_from AND l.date < coalesce(member.valid_to, DATE '9999-12-31')
    WHERE l.date BETWEEN :first AND :last
        AND (CAST(:team AS VARCHAR) IS NULL OR member.team_id = :team)
), members AS (
    SELECT DISTINCT s.agent_id FROM agent_teams s JOIN agents a ON a.agent_id = s.agent_id
    WHERE s.valid_from <= :last AND (s.valid_to IS NULL OR s.valid_to > :first)
        AND (CAST(:team AS VARCHAR) IS NULL OR s.team_id = :team)
        AND coalesce(a.active, true)
)
SELECT (SELECT coalesce(sum(hours), 0) FROM counted),
    (SELECT count(*) FROM (
        SELECT agent_id FROM members UNION SELECT agent_id FROM counted) AS everyone)
"""

_OF_AGENT = """
SELECT date, hours, topic FROM learning WHERE agent_id = :agent
ORDER BY date DESC, topic NULLS LAST
"""


def hours_and_agents(
    db: Store | Reader, first: date, last: date, *, team: str | None = None
) -> tuple[float, int]:
    """(hours of learning logged from `first` to `last`, agents in the scope then): the
    rows of agents in `team` on the row's date (every row for the organisation), and the
    agents in the scope during the period (see `_IN_SCOPE`)."""
    hours, agents = db.rows(_IN_SCOPE, {"first": first, "last": last, "team": team})[0]
    return float(hours), int(agents)


def of_agent(db: Store | Reader, agent: str) -> pd.DataFrame:
    """An agent's learning rows, newest first: date, hours, topic."""
    return db.frame(_OF_AGENT, {"agent": agent})
