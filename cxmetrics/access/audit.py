"""The audit log as the library writes and reads it (SQL in store/audit.py): each change
that matters is recorded with who made it and when, in the transaction that makes it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection

from cxmetrics.store import audit as stored_audit

if TYPE_CHECKING:
    from cxmetrics.store import Store

ACTIONS = ("load", "undo", "clear demo", "thanked", "unthanked", "access")


def now(store: Store) -> datetime:
    """Now in the business time zone (naive local, to the microsecond: entries are ordered
    by it)."""
    return datetime.now(store.settings.tz).replace(tzinfo=None)


def record(conn: Connection, store: Store, who: str | None, action: str, details: str) -> None:
    """Record one entry in the caller's transaction (`who`: e-mail or name; None unknown)."""
    stored_audit.record(conn, now(store), who, action, details)


def entries(store: Store, limit: int | None = None) -> pd.DataFrame:
    """Entries newest first: logged_at, who, action, details."""
    return stored_audit.entries(store, limit)


def as_json_rows(frame: pd.DataFrame) -> list[dict]:
    """Entries as plain JSON values (`at` as ISO text)."""
    return [
        {
            "at": row.logged_at.isoformat(),
            "who": None if pd.isna(row.who) else row.who,
            "action": row.action,
            "details": row.details,
        }
        for row in frame.itertuples(index=False)
    ]
