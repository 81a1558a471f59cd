"""Changes to the access list from the Access page: each change is a batch of kind
`access` of one row (so it shows with the other batches and undo takes it back) and an
entry in the audit log."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cxmetrics.access import audit
from cxmetrics.access.rules import email_problem, role_problem, teams_problem
from cxmetrics.access.viewer import normal_email, split_teams
from cxmetrics.store import access as stored_access
from cxmetrics.store import batches

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from cxmetrics.store import Store

SOURCE = "Access page"


def _batch_id(conn: Connection) -> str:
    while True:
        candidate = datetime.now(UTC).strftime("b%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        if not batches.batch_exists(conn, candidate):
            return candidate


def _record(conn: Connection, store: Store, batch_id: str, by: str | None, rows: int) -> None:
    batches.record_batch(
        conn,
        batch_id=batch_id,
        kind="access",
        filename=SOURCE,
        sha256=None,
        uploaded_by=by,
        uploaded_at=audit.now(store),
        rows_in=rows,
        loaded=rows,
        rejected=0,
        duplicates=0,
    )


def set_access(store: Store, email: str, role: str, team_ids: str | None, *, by: str | None) -> str:
    """Give `email` the role (and teams, `;`-separated); returns the batch id.
    ValueError (one line naming the fix) for a bad e-mail, role or team id."""
    problem = email_problem(email) or role_problem(role)
    if problem:
        raise ValueError(problem)
    key, role = normal_email(email), role.strip().lower()
    teams = ";".join(split_teams(team_ids)) or None
    with store.transaction() as conn:
        problem = teams_problem(teams, stored_access.team_ids(conn))
        if problem:
            raise ValueError(problem)
        batch_id = _batch_id(conn)
        stored_access.replace_rows(conn, batch_id, [(key, role, teams)])
        _record(conn, store, batch_id, by, 1)
        audit.record(conn, store, by, "access", f"{key}: {role}" + (f" ({teams})" if teams else ""))
    return batch_id


def remove_access(store: Store, email: str, *, by: str | None) -> str:
    """Take `email` off the access list (undoing the batch puts it back); returns the
    batch id. ValueError when the list does not hold it."""
    key = normal_email(email)
    with store.transaction() as conn:
        if not stored_access.stored_emails(conn, [key]):
            raise ValueError(f"`{key}` is not on the access list: nothing to remove")
        batch_id = _batch_id(conn)
        stored_access.replace_rows(conn, batch_id, [], removed=[key])
        _record(conn, store, batch_id, by, 0)
        audit.record(conn, store, by, "access", f"{key}: removed")
    return batch_id
