"""Who is looking: a `Viewer` (e-mail, role, teams, agent) and how an e-mail becomes one.

Roles (README, "Sign-in and roles"): admin (everything, including access and the audit
log), analyst (upload, undo, all data), leader (all data, no upload), supervisor
(aggregates of every team and the organisation; agent rows, comments and praise of their
own teams only), agent (aggregates; their own scorecard, comments and praise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxmetrics.store import access as stored_access

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

ROLES = ("admin", "analyst", "leader", "supervisor", "agent")
ALL_AGENTS = frozenset({"admin", "analyst", "leader"})  # roles that see every agent
UPLOADERS = frozenset({"admin", "analyst"})


@dataclass(frozen=True)
class Viewer:
    """A signed-in person and what they may see. `role` None: signed in but unknown (no
    numbers at all)."""

    email: str | None
    role: str | None
    team_ids: tuple[str, ...] = ()
    agent_id: str | None = None

    @property
    def known(self) -> bool:
        return self.role in ROLES

    @property
    def sees_all_agents(self) -> bool:
        return self.role in ALL_AGENTS

    @property
    def may_upload(self) -> bool:
        """Upload, undo and clear the demo."""
        return self.role in UPLOADERS

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def scope(self) -> tuple[str | None, tuple[str, ...], str | None]:
        """What a read's result depends on (a cache key): role, teams, agent."""
        return (self.role, self.team_ids, self.agent_id)

    def sees_team_agents(self, team_id: str | None) -> bool:
        """May this viewer see the agent rows and comments of `team_id` (all of them)?"""
        if self.sees_all_agents:
            return True
        return self.role == "supervisor" and team_id is not None and team_id in self.team_ids

    def sees_agent(self, agent_id: str | None, team_id: str | None) -> bool:
        """May this viewer see the row of `agent_id`, in `team_id` (the team the read
        gives it)?"""
        if self.sees_all_agents:
            return True
        if self.role == "supervisor":
            return team_id is not None and team_id in self.team_ids
        return self.role == "agent" and agent_id is not None and agent_id == self.agent_id


# Auth mode none: the embedded single-user set-up, where whoever runs the app is admin.
EVERYONE = Viewer(email=None, role="admin")


def normal_email(email: str | None) -> str:
    """An e-mail as stored and compared: trimmed, lower case."""
    return (email or "").strip().lower()


def split_teams(team_ids: str | None) -> tuple[str, ...]:
    """`T01; T02` as ("T01", "T02"): sorted, without blanks or repeats."""
    return tuple(sorted({t.strip() for t in (team_ids or "").split(";") if t.strip()}))


def resolve(db: Store | Reader, email: str | None) -> Viewer:
    """The viewer an e-mail signs in as. An access row beats the roster; otherwise a
    roster agent's e-mail is an agent, and a team's supervisor_email a supervisor (of every
    team naming it); otherwise the viewer is unknown (role None). Case-insensitive."""
    key = normal_email(email)
    if not key:
        return Viewer(email=None, role=None)
    agent_id = stored_access.roster_agent(db, key)
    explicit = stored_access.access_row(db, key)
    if explicit is not None:
        role, teams = explicit
        if role == "supervisor" and not split_teams(teams):
            # A supervisor listed without teams supervises the teams that name them.
            return Viewer(key, role, tuple(stored_access.supervised_teams(db, key)), agent_id)
        return Viewer(key, role, split_teams(teams), agent_id)
    supervised = stored_access.supervised_teams(db, key)
    if supervised:
        return Viewer(key, "supervisor", tuple(supervised), agent_id)
    if agent_id is not None:
        return Viewer(key, "agent", (), agent_id)
    return Viewer(key, None)
