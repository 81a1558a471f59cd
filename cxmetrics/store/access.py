"""The access list (`access`): who may sign in with which role, loaded as batches of kind
`access` (a file, or a change on the Access page). A batch replaces the stored rows of the
e-mails it names; the rows it replaced (or removed) are kept in `access_replaced`, so that
undoing it puts them back. E-mails are stored in lower case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, bindparam, text

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

COLUMNS = ("email", "role", "team_ids", "batch_id")

_EMAILS = bindparam("emails", expanding=True)


def access_rows(db: Store | Reader) -> pd.DataFrame:
    """Every access row (email, role, team_ids, batch_id), by e-mail."""
    with db.reading() as conn:
        result = conn.execute(
            text("SELECT email, role, team_ids, batch_id FROM access ORDER BY email")
        )
        return pd.DataFrame(result.fetchall(), columns=list(COLUMNS))


def access_row(db: Store | Reader, email: str) -> tuple[str, str | None] | None:
    """(role, team_ids) of one e-mail (lower case), or None."""
    with db.reading() as conn:
        row = conn.execute(
            text("SELECT role, team_ids FROM access WHERE email = :e"), {"e": email}
        ).first()
    return None if row is None else (row[0], row[1])


def admin_emails(db: Store | Reader) -> list[str]:
    """The e-mails with the admin role, sorted."""
    with db.reading() as conn:
        result = conn.execute(text("SELECT email FROM access WHERE role = 'admin' ORDER BY email"))
        return [r[0] for r in result]


def stored_emails(conn: Connection, emails: Sequence[str]) -> list[str]:
    """Those of `emails` the access list holds."""
    if not emails:
        return []
    statement = text("SELECT email FROM access WHERE email IN :emails").bindparams(_EMAILS)
    return [r[0] for r in conn.execute(statement, {"emails": list(emails)})]


def stored_rows(conn: Connection, emails: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """email -> (role, team_ids) of those of `emails` the access list holds."""
    if not emails:
        return {}
    statement = text("SELECT email, role, team_ids FROM access WHERE email IN :emails").bindparams(
        _EMAILS
    )
    return {r[0]: (r[1], r[2]) for r in conn.execute(statement, {"emails": list(emails)})}


def replace_rows(
    conn: Connection,
    batch_id: str,
    rows: Sequence[tuple[str, str, str | None]],
    removed: Sequence[str] = (),
) -> None:
    """Write an access batch: the stored rows of the e-mails it sets or removes are kept in
    `access_replaced` and deleted, then its (email, role, team_ids) rows are inserted."""
    emails = sorted({r[0] for r in rows} | set(removed))
    if emails:
        params = {"b": batch_id, "emails": emails}
        conn.execute(
            text(
                "INSERT INTO access_replaced (batch_id, email, role, team_ids, prior_batch_id) "
                "SELECT :b, email, role, team_ids, batch_id FROM access WHERE email IN :emails"
            ).bindparams(_EMAILS),
            params,
        )
        conn.execute(text("DELETE FROM access WHERE email IN :emails").bindparams(_EMAILS), params)
    for email, role, team_ids in rows:
        conn.execute(
            text("INSERT INTO access (email, role, team_ids, batch_id) VALUES (:e, :r, :t, :b)"),
            {"e": email, "r": role, "t": team_ids, "b": batch_id},
        )


def restore_replaced(conn: Connection, batch_id: str) -> int:
    """Undo of an access batch (its own rows are deleted by then): put back the rows it
    replaced, unless a later batch set that e-mail again or their batch was undone.
    Returns how many rows came back."""
    params = {"b": batch_id}
    restored = conn.execute(
        text(
            "INSERT INTO access (email, role, team_ids, batch_id) "
            "SELECT r.email, r.role, r.team_ids, r.prior_batch_id FROM access_replaced r "
            "JOIN upload_batches b ON b.batch_id = r.prior_batch_id "
            "WHERE r.batch_id = :b AND b.status = 'committed' "
            "AND NOT EXISTS (SELECT 1 FROM access a WHERE a.email = r.email)"
        ),
        params,
    ).rowcount
    conn.execute(text("DELETE FROM access_replaced WHERE batch_id = :b"), params)
    return max(int(restored or 0), 0)


def roster_agent(db: Store | Reader, email: str) -> str | None:
    """The agent whose roster e-mail is `email` (lower case, compared case-insensitively),
    an active one first; None when no agent has it."""
    with db.reading() as conn:
        row = conn.execute(
            text(
                "SELECT agent_id FROM agents WHERE lower(trim(email)) = :e "
                "ORDER BY CASE WHEN active THEN 0 ELSE 1 END, agent_id LIMIT 1"
            ),
            {"e": email},
        ).first()
    return None if row is None else row[0]


def supervised_teams(db: Store | Reader, email: str) -> list[str]:
    """The teams whose roster supervisor_email is `email` (case-insensitively), sorted."""
    with db.reading() as conn:
        result = conn.execute(
            text(
                "SELECT team_id FROM teams WHERE lower(trim(supervisor_email)) = :e "
                "ORDER BY team_id"
            ),
            {"e": email},
        )
        return [r[0] for r in result]


def team_ids(conn: Connection) -> set[str]:
    """Every team id of the roster."""
    return {r[0] for r in conn.execute(text("SELECT team_id FROM teams"))}


def agent_team(db: Store | Reader, agent_id: str) -> str | None:
    """The roster team of an agent now (None when unknown or without a team)."""
    with db.reading() as conn:
        row = conn.execute(
            text("SELECT team_id FROM agents WHERE agent_id = :a"), {"a": agent_id}
        ).first()
    return None if row is None else row[0]
