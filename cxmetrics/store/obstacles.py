"""The obstacles register: `obstacle_events` keeps every change to an obstacle (its whole
state after the change, the status before it, who made it and when, the batch that
brought it); `obstacles` is the register as it stands, each obstacle's last event
replayed, rewritten in the same transaction whenever events come (a load, an edit on the
Obstacles page) or go (an undo).

Status as of a day: each event takes effect on a day — a change that closes an obstacle
on its `resolved_on`, an obstacle's first event on its `raised_on`, any other change on
the day it was recorded — and an obstacle raised by then has the status of its latest
event in effect, else `open`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, text

from cxmetrics.store.arrow import Registered

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

# An obstacle's state, as the register and each event hold it.
FIELDS = (
    "obstacle_id", "raised_on", "team_id", "raised_by", "description", "metric_id", "owner",
    "status", "resolved_on", "resolution",
)  # fmt: skip
# What an event adds to the state: its order, the status before it, who and when.
EVENT_FIELDS = ("seq", "from_status", "changed_by", "changed_at")
_STATE = ", ".join(FIELDS)
_EVENT = ", ".join((*FIELDS, *EVENT_FIELDS))

# The register, rebuilt from the events: each obstacle's last event.
_REBUILD = f"""
INSERT INTO obstacles ({_STATE}, changed_by, changed_at)
SELECT {_STATE}, changed_by, changed_at FROM (
    SELECT e.*, row_number() OVER (PARTITION BY obstacle_id ORDER BY seq DESC) AS newest
    FROM obstacle_events e
) last_event WHERE newest = 1
"""  # noqa: S608 - fixed column names of this module

# Each obstacle raised by :day with its status as of :day (see the module's docstring).
_AS_OF = """
WITH effective AS (
    SELECT obstacle_id, seq, status, resolved_on, resolution,
        CASE WHEN status IN ('resolved', 'wont_fix') THEN resolved_on
             WHEN from_status IS NULL THEN raised_on
             ELSE CAST(changed_at AS DATE) END AS effective_on
    FROM obstacle_events
), in_effect AS (
    SELECT obstacle_id, status, resolved_on, resolution,
        row_number() OVER (PARTITION BY obstacle_id ORDER BY seq DESC) AS newest
    FROM effective WHERE effective_on <= :day
)
SELECT o.obstacle_id, o.team_id, o.raised_by, o.description, o.metric_id, o.owner,
    o.raised_on, coalesce(s.status, 'open') AS status, s.resolved_on, s.resolution
FROM obstacles o LEFT JOIN in_effect s ON s.obstacle_id = o.obstacle_id AND s.newest = 1
WHERE o.raised_on <= :day
"""


def states_of(conn: Connection, obstacle_ids: Sequence[str]) -> pd.DataFrame:
    """The register's rows (FIELDS) of these obstacles, those it holds."""
    ids = pa.table({"obstacle_id": pa.array(list(obstacle_ids), pa.string())})
    with Registered(conn) as reg:
        reg("cx_obstacle_ids", ids)
        result = conn.execute(
            text(
                f"SELECT {_STATE} FROM obstacles "  # noqa: S608 - fixed column names
                "WHERE obstacle_id IN (SELECT obstacle_id FROM cx_obstacle_ids)"
            )
        )
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def next_seq(conn: Connection) -> int:
    """The number the next event is recorded under (events are replayed in this order)."""
    return int(
        conn.execute(text("SELECT coalesce(max(seq), 0) + 1 FROM obstacle_events")).scalar_one()
    )


def add_events(conn: Connection, events: pa.Table, batch_id: str) -> None:
    """Record changes (columns FIELDS and EVENT_FIELDS) as batch `batch_id`, then rewrite
    the register."""
    with Registered(conn) as reg:
        reg("cx_obstacle_events", events)
        conn.execute(
            text(
                f"INSERT INTO obstacle_events ({_EVENT}, batch_id) "  # noqa: S608
                f"SELECT {_EVENT}, :b FROM cx_obstacle_events"
            ),
            {"b": batch_id},
        )
    rebuild(conn)


def rebuild(conn: Connection) -> None:
    """Rewrite the register from the events (after events were added or a batch's taken out)."""
    conn.execute(text("DELETE FROM obstacles"))
    conn.execute(text(_REBUILD))


def register(db: Store | Reader, team: str | None = None) -> pd.DataFrame:
    """The register as it stands (FIELDS, changed_by, changed_at), of one team when given,
    oldest raised first."""
    where = "WHERE team_id = :team " if team is not None else ""
    return db.frame(
        f"SELECT {_STATE}, changed_by, changed_at FROM obstacles {where}"  # noqa: S608
        "ORDER BY raised_on, obstacle_id",
        {"team": team} if team is not None else None,
    )


def history(db: Store | Reader, obstacle_id: str) -> pd.DataFrame:
    """Every change to one obstacle, oldest first: its state after it, the status before it,
    who made it and when, and the batch that brought it."""
    return db.frame(
        f"SELECT {_EVENT}, batch_id FROM obstacle_events "  # noqa: S608
        "WHERE obstacle_id = :id ORDER BY seq",
        {"id": obstacle_id},
    )


def as_of(db: Store | Reader, day: date, team: str | None = None) -> pd.DataFrame:
    """Each obstacle raised on or before `day` (of one team when given) with its status,
    resolved_on and resolution as of that day, and its other fields as they stand now;
    oldest raised first."""
    where = "AND o.team_id = :team " if team is not None else ""
    params: dict[str, object] = {"day": day}
    if team is not None:
        params["team"] = team
    return db.frame(_AS_OF + where + "ORDER BY o.raised_on, o.obstacle_id", params)
