"""Leaders on the floor: when a leader last met each team's frontline staff, and which
teams have not been met in six weeks (the all-hands and team pages).

A team counts as met in the last six weeks when a meeting falls on one of the 42 days
ending on the day looked at; a team of the roster never met has not been met.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING

from cxmetrics import org
from cxmetrics.store import meetings as stored

if TYPE_CHECKING:
    from cxmetrics.store import Store

SIX_WEEKS_DAYS = 42


@dataclass(frozen=True)
class TeamVisit:
    """When a leader last met one team, as of a day."""

    team_id: str
    team_name: str
    last_met: date | None  # None: never met (up to that day)
    leader: str | None  # who met it that day (several names joined by commas)
    days_since: int | None
    meetings: int  # meetings with the team up to that day

    @property
    def overdue(self) -> bool:
        """Not met in the six weeks ending on the day looked at."""
        return self.days_since is None or self.days_since >= SIX_WEEKS_DAYS

    def to_dict(self) -> dict:
        out = asdict(self)
        out["last_met"] = self.last_met.isoformat() if self.last_met else None
        out["overdue"] = self.overdue
        return out


def last_visits(store: Store, as_of: date, team: str | None = None) -> list[TeamVisit]:
    """Every roster team (and any other team with meetings), or `team` only, with its last
    meeting on or before `as_of`; teams longest unmet first (never met before all)."""
    met = stored.last_met(store, as_of).set_index("team_id")
    roster = org.list_teams(store)
    names = dict(zip(roster["team_id"], roster["name"], strict=True))
    team_ids = list(names) + [t for t in met.index if t not in names]
    if team is not None:
        team_ids = [team]
    visits = []
    for team_id in team_ids:
        name = names.get(team_id)
        name = team_id if name is None or name != name else str(name)  # NaN: no name given
        if team_id in met.index:
            row = met.loc[team_id]
            last = row["last_met"]
            visits.append(
                TeamVisit(team_id, name, last, str(row["leader"]), (as_of - last).days,
                          int(row["meetings"]))
            )  # fmt: skip
        else:
            visits.append(TeamVisit(team_id, name, None, None, None, 0))
    visits.sort(key=lambda v: (v.last_met is not None, v.last_met or as_of, v.team_id))
    return visits
