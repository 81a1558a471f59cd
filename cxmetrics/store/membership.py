"""Team membership over time: which team an agent was in on a given date.

A roster row that sets an agent's team is kept as a change (`agent_team_changes`): the
batch, its place in load order (`seq`), the agent, the team, and the date it takes effect
(`effective_from`, else the load's local date; an agent's first team counts from always,
since there was no earlier team to keep). The history (`agent_teams`: one row per stretch
of days in one team, `valid_to` exclusive, NULL while it lasts) is those changes replayed:
the team of an agent on day d is the one named by the latest-loaded change dated on or
before d. So a roster never touches the days before its date, a correction dated in the
past restates the days from that date on, and undoing a batch (dropping its changes and
replaying) gives back exactly the history there was without it.

The team of a fact row is its own team_id when it has one, else the team its agent was in
on the fact's local date (`fact_team`): every team number is built on that one rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, text

from cxmetrics.store.arrow import Registered
from cxmetrics.store.dialect import name_of, value_at_min

SINCE_ALWAYS = date(1, 1, 1)  # valid_from of a first team: covers every fact there is
_OPEN_END = "DATE '9999-12-31'"
_ALWAYS = "DATE '0001-01-01'"

# The sources whose untagged rows follow their agent's team, with the rollup sum that
# counts their facts (in the order of a Move's counts).
FACT_COUNTS = (("interactions", "offered"), ("surveys", "responses"), ("adherence", "agent_days"))


def holds(agent: str, day: str) -> str:
    """SQL: the stretch `member` (a row of agent_teams) has the agent (expression `agent`)
    in its team on local date `day` (an agent's stretches never overlap); fixed text."""
    return (
        f"member.agent_id = {agent} AND {day} >= member.valid_from "
        f"AND {day} < coalesce(member.valid_to, {_OPEN_END})"
    )


def fact_team(rows: str, day: str) -> tuple[str, str]:
    """(join, team expression) giving the team of fact rows aliased `rows` on local date
    `day`: the row's own team_id, else its agent's team that day. Both are fixed SQL text
    (the join adds alias `member`)."""
    join = f"LEFT JOIN agent_teams member ON {holds(f'{rows}.agent_id', day)}"
    return join, f"coalesce({rows}.team_id, member.team_id)"


def history_sql(changes: str, dialect: str) -> str:
    """SELECT of the history (agent_id, team_id, valid_from, valid_to, batch_id) that the
    changes in relation `changes` give, one row per stretch of days in one team."""
    first_batch = value_at_min(dialect, "batch_id", "starts")
    # A change is overtaken from the earliest date of any change loaded after it; it never
    # shows when a later change is dated on or before its own date.
    return f"""
        WITH dated AS (
            SELECT agent_id, team_id, batch_id, seq,
                CASE WHEN effective_from IS NOT NULL THEN effective_from
                     WHEN row_number() OVER (PARTITION BY agent_id ORDER BY seq) = 1
                     THEN {_ALWAYS} ELSE loaded_on END AS starts
            FROM {changes}
        ), ranked AS (
            SELECT *, min(starts) OVER (
                PARTITION BY agent_id ORDER BY seq
                ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS overtaken
            FROM dated
        ), shown AS (
            SELECT agent_id, team_id, batch_id, starts, overtaken,
                lag(team_id) OVER (PARTITION BY agent_id ORDER BY starts) AS before
            FROM ranked WHERE overtaken IS NULL OR overtaken > starts
        ), islands AS (
            SELECT *, sum(CASE WHEN team_id = before THEN 0 ELSE 1 END) OVER (
                PARTITION BY agent_id ORDER BY starts) AS island
            FROM shown
        )
        SELECT agent_id, team_id, min(starts) AS valid_from,
            CASE WHEN count(overtaken) = count(*) THEN max(overtaken) END AS valid_to,
            {first_batch} AS batch_id
        FROM islands GROUP BY agent_id, team_id, island
    """  # noqa: S608 - `changes` is a fixed relation of this package


def _changes_of(agents: str, extra: str | None = None, skip_batch: bool = False) -> str:
    """The stored changes of the agents in relation `agents` (column agent_id), without
    those of batch :b when `skip_batch`, plus the rows of relation `extra`."""
    skip = " AND batch_id IS DISTINCT FROM :b" if skip_batch else ""
    stored = (
        "SELECT batch_id, seq, agent_id, team_id, effective_from, loaded_on "  # noqa: S608
        f"FROM agent_team_changes WHERE agent_id IN (SELECT agent_id FROM {agents}){skip}"
    )
    if extra is None:
        return f"({stored}) AS changes"
    return (
        f"({stored} UNION ALL SELECT batch_id, seq, agent_id, team_id, "  # noqa: S608
        f"effective_from, loaded_on FROM {extra}) AS changes"
    )


def replay(conn: Connection, agents: str) -> None:
    """Rewrite the history of the agents in relation `agents` from their stored changes."""
    conn.execute(
        text(f"DELETE FROM agent_teams WHERE agent_id IN (SELECT agent_id FROM {agents})")  # noqa: S608
    )
    conn.execute(
        text(
            "INSERT INTO agent_teams (agent_id, team_id, valid_from, valid_to, batch_id) "
            + history_sql(_changes_of(agents), name_of(conn))
            + " ORDER BY agent_id, valid_from"
        )
    )


def next_seq(conn: Connection) -> int:
    """The load-order number the next change takes."""
    return int(
        conn.execute(text("SELECT coalesce(max(seq), 0) + 1 FROM agent_team_changes")).scalar_one()
    )


@dataclass(frozen=True)
class Move:
    """Facts whose team changes: from one team (None: none) to another, from a date on."""

    from_team: str | None
    to_team: str | None
    since: date
    interactions: int
    responses: int
    adherence_days: int

    def describe(self) -> str:
        """One line: "12 interactions and 5 adherence days move from TA to TB (from …)"."""
        counts = [
            f"{n:,} {word}" + ("" if n == 1 else "s")
            for n, word in (
                (self.interactions, "interaction"),
                (self.responses, "survey response"),
                (self.adherence_days, "adherence day"),
            )
            if n
        ]
        listed = counts[0] if len(counts) == 1 else ", ".join(counts[:-1]) + " and " + counts[-1]
        verb = (
            "moves"
            if sum((self.interactions, self.responses, self.adherence_days)) == 1
            else "move"
        )
        when = "all dates" if self.since == SINCE_ALWAYS else f"from {self.since.isoformat()}"
        return (
            f"{listed} {verb} from {self.from_team or 'no team'} to {self.to_team or 'no team'} "
            f"({when})"
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Restatement:
    """What a change of history does to facts: the moves, and per rollup source the span
    of dates whose team rows must be rewritten (None when no row of it moves)."""

    changed: list[str]  # agents whose history changes
    moves: list[Move]
    spans: dict[str, tuple[date, date] | None]


def restatement(
    conn: Connection,
    agents: str,
    *,
    extra: str | None = None,
    skip_batch: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Restatement:
    """Which facts change team when the history of the agents in relation `agents` is
    rebuilt from their stored changes plus relation `extra` (a load) or without batch :b
    (`skip_batch`, an undo), compared with the stored history. Reads only."""
    params = dict(params or {})
    new = history_sql(_changes_of(agents, extra, skip_batch), name_of(conn))
    old = (
        "SELECT agent_id, team_id, valid_from, valid_to FROM agent_teams "  # noqa: S608
        f"WHERE agent_id IN (SELECT agent_id FROM {agents})"
    )
    # Agents whose history differs, and a date before which it does not: a stretch found on
    # one side only differs from its start, unless the other side has a stretch of the same
    # team from the same day, which agrees until the first of their ends.
    changed = conn.execute(
        text(
            f"WITH new AS ({new}), old AS ({old}), "  # noqa: S608
            "new_only AS (SELECT agent_id, team_id, valid_from, valid_to FROM new "
            "EXCEPT SELECT * FROM old), "
            "old_only AS (SELECT * FROM old "
            "EXCEPT SELECT agent_id, team_id, valid_from, valid_to FROM new) "
            f"SELECT agent_id, min(since) FROM ({_first_difference('old_only', 'new')} "
            f"UNION ALL {_first_difference('new_only', 'old')}) AS differing GROUP BY agent_id "
            "ORDER BY agent_id"
        ),
        params,
    ).all()
    spans: dict[str, tuple[date, date] | None] = {s: None for s, _ in FACT_COUNTS}
    if not changed:
        return Restatement([], [], spans)
    branches = []
    for source, measure in FACT_COUNTS:
        counted = [f"sum(r.{m})" if m == measure else "0" for _, m in FACT_COUNTS]
        branches.append(
            f"SELECT '{source}', r.date, old.team_id, new.team_id, "  # noqa: S608
            f"greatest(old.valid_from, new.valid_from), {', '.join(counted)} "
            f"FROM rollup_{source} r JOIN cx_changed_agents c ON c.agent_id = r.agent_id "
            "AND r.date >= c.since "
            "LEFT JOIN old ON old.agent_id = r.agent_id AND r.date >= old.valid_from "
            f"AND r.date < coalesce(old.valid_to, {_OPEN_END}) "
            "LEFT JOIN new ON new.agent_id = r.agent_id AND r.date >= new.valid_from "
            f"AND r.date < coalesce(new.valid_to, {_OPEN_END}) "
            "WHERE r.team_id IS NULL AND old.team_id IS DISTINCT FROM new.team_id "
            "GROUP BY 2, 3, 4, 5"
        )
    ids = [agent for agent, _ in changed]
    frame = pd.DataFrame({"agent_id": ids, "since": [since for _, since in changed]})
    with Registered(conn) as reg:
        reg("cx_changed_agents", frame)
        rows = conn.execute(
            text(f"WITH new AS ({new}), old AS ({old}) " + " UNION ALL ".join(branches)),
            params,
        ).all()
    groups: dict[tuple, list[int]] = {}
    for source, day, from_team, to_team, since, *counts in rows:
        lo, hi = spans[source] or (day, day)
        spans[source] = (min(lo, day), max(hi, day))
        totals = groups.setdefault((since, from_team or "", to_team or ""), [0, 0, 0])
        for i, n in enumerate(counts):
            totals[i] += int(n or 0)
    moves = [
        Move(from_team or None, to_team or None, since, *totals)
        for (since, from_team, to_team), totals in sorted(groups.items())
    ]
    return Restatement(ids, moves, spans)


def restatement_by(conn: Connection, changes: pa.Table) -> Restatement:
    """What a load's team changes (`changes`: agent_team_changes columns, numbered to follow
    the stored ones) would do to the stored facts. Reads only."""
    with Registered(conn) as reg:
        reg("cx_roster_agents", changes.select(["agent_id"]))
        reg("cx_roster_changes", changes)
        return restatement(conn, "cx_roster_agents", extra="cx_roster_changes")


def add_changes(conn: Connection, batch_id: str, changes: pa.Table) -> None:
    """Keep a batch's team changes (`changes`, in load order from seq 0) after the stored
    ones, and replay the history of their agents."""
    with Registered(conn) as reg:
        reg("cx_team_changes", changes)
        conn.execute(
            text(
                "INSERT INTO agent_team_changes (batch_id, seq, agent_id, team_id, "
                "effective_from, loaded_on) SELECT :b, :seq + seq, agent_id, team_id, "
                "effective_from, loaded_on FROM cx_team_changes"
            ),
            {"b": batch_id, "seq": next_seq(conn)},
        )
        replay(conn, "cx_team_changes")


def drop_changes(conn: Connection, batch_id: str) -> Restatement | None:
    """Take a batch's team changes out and replay the history of its agents without them;
    returns what that does to the stored facts (None when the batch changed no team). The
    caller rewrites the team rollups of the dates whose facts change team."""
    params = {"b": batch_id}
    agents = (
        conn.execute(
            text("SELECT DISTINCT agent_id FROM agent_team_changes WHERE batch_id = :b"), params
        )
        .scalars()
        .all()
    )
    if not agents:
        return None
    with Registered(conn) as reg:
        reg("cx_undo_agents", pa.table({"agent_id": pa.array(agents, pa.string())}))
        restated = restatement(conn, "cx_undo_agents", skip_batch=True, params=params)
        conn.execute(text("DELETE FROM agent_team_changes WHERE batch_id = :b"), params)
        replay(conn, "cx_undo_agents")
    return restated


def _first_difference(rows: str, other: str) -> str:
    """(agent_id, since): the day from which each stretch of `rows`, missing from `other`,
    differs from it."""
    return (
        f"SELECT x.agent_id, CASE WHEN y.agent_id IS NULL THEN x.valid_from "  # noqa: S608
        f"ELSE least(coalesce(x.valid_to, {_OPEN_END}), coalesce(y.valid_to, {_OPEN_END})) END "
        "AS since "
        f"FROM {rows} x LEFT JOIN {other} y ON y.agent_id = x.agent_id "
        "AND y.team_id = x.team_id AND y.valid_from = x.valid_from"
    )


def team_on(db, agent: str, day: date) -> str | None:
    """The team an agent was in on `day` (a Store or a Reader), else None."""
    return db.scalar(
        "SELECT team_id FROM agent_teams WHERE agent_id = :a AND valid_from <= :d "
        "AND (valid_to IS NULL OR :d < valid_to)",
        {"a": agent, "d": day},
    )


def stretches_of(db, agent: str) -> list[tuple[str, date, date | None]]:
    """An agent's history as (team_id, valid_from, valid_to) rows, oldest first."""
    rows = db.rows(
        "SELECT team_id, valid_from, valid_to FROM agent_teams WHERE agent_id = :a "
        "ORDER BY valid_from",
        {"a": agent},
    )
    return [tuple(r) for r in rows]


def team_in(stretches: list[tuple[str, date, date | None]], day: date) -> str | None:
    """The team of `stretches_of` rows on `day`, else None."""
    for team, valid_from, valid_to in stretches:
        if valid_from <= day and (valid_to is None or day < valid_to):
            return team
    return None


class History:
    """Every agent's teams over time, in memory: many lookups without a query each."""

    def __init__(self, rows):
        self._stretches: dict[str, list[tuple[str, date, date | None]]] = {}
        for agent, team, valid_from, valid_to in rows:
            self._stretches.setdefault(agent, []).append((team, valid_from, valid_to))

    @classmethod
    def read(cls, db) -> History:
        """The stored history (a Store or a Reader)."""
        return cls(
            db.rows(
                "SELECT agent_id, team_id, valid_from, valid_to FROM agent_teams "
                "ORDER BY agent_id, valid_from"
            )
        )

    def team(self, agent: str | None, day: date) -> str | None:
        """The team `agent` was in on `day`, else None."""
        return team_in(self._stretches.get(agent, []), day) if agent is not None else None

    def on(self, day: date) -> _TeamsOn:
        """agent -> team on `day`, as a read-only mapping with `get`."""
        return _TeamsOn(self, day)


@dataclass(frozen=True)
class _TeamsOn:
    history: History
    day: date

    def get(self, agent: str | None, default: str | None = None) -> str | None:
        team = self.history.team(agent, self.day)
        return default if team is None else team


def teams_on(db, day: date) -> dict[str, str]:
    """agent_id -> the team each agent was in on `day` (a Store or a Reader)."""
    rows = db.rows(
        "SELECT agent_id, team_id FROM agent_teams WHERE valid_from <= :d "
        "AND (valid_to IS NULL OR :d < valid_to)",
        {"d": day},
    )
    return {agent: team for agent, team in rows}
