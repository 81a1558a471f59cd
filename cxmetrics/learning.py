"""Learning: hours of training agents logged (upload kind `learning`), per agent in a
period and scope (a business KPI of the all-hands card), and an agent's own sessions.

Hours per agent is a ratio of sums: the hours logged in the period ÷ the agents in the
scope during it (see `store/learning.py` for who counts), never an average of averages.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxmetrics.periods import Period
from cxmetrics.store import Reader, Store
from cxmetrics.store import learning as stored_learning


@dataclass(frozen=True)
class LearningHours:
    """Learning hours logged in a period and scope, and the agents they are shared by."""

    hours: float
    agents: int

    @property
    def per_agent(self) -> float | None:
        """Hours per agent (None when the scope had no agents)."""
        return self.hours / self.agents if self.agents else None


def hours_in(db: Store | Reader, period: Period, *, team: str | None = None) -> LearningHours:
    """Learning hours of `period` for a team (the rows of agents in it on the row's date)
    or the organisation, with the agents in that scope during the period."""
    hours, agents = stored_learning.hours_and_agents(db, period.start, period.end, team=team)
    return LearningHours(hours, agents)


def sessions(db: Store | Reader, agent: str) -> pd.DataFrame:
    """An agent's learning, newest first: date, hours, topic (None when not given)."""
    frame = stored_learning.of_agent(db, agent)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame["hours"] = frame["hours"].astype(float)
    frame["topic"] = frame["topic"].astype(object).where(frame["topic"].notna(), None)
    return frame
