"""The audit log: who loaded, undid, cleared the demo, marked praise thanked or changed
access, and when (`audit_log`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

COLUMNS = ("logged_at", "who", "action", "details")


def record(conn: Connection, at: datetime, who: str | None, action: str, details: str) -> None:
    """Add one entry, inside the caller's transaction (with the change it records)."""
    conn.execute(
        text("INSERT INTO audit_log (logged_at, who, action, details) VALUES (:at, :who, :a, :d)"),
        {"at": at, "who": who, "a": action, "d": details},
    )


def entries(db: Store | Reader, limit: int | None = None) -> pd.DataFrame:
    """Audit entries, newest first (all, or the newest `limit`)."""
    sql = (
        "SELECT logged_at, who, action, details FROM audit_log "
        "ORDER BY logged_at DESC, action, details"
    )
    params: dict = {}
    if limit is not None:
        sql += " LIMIT :n"
        params["n"] = int(limit)
    with db.reading() as conn:
        result = conn.execute(text(sql), params)
        return pd.DataFrame(result.fetchall(), columns=list(COLUMNS))
