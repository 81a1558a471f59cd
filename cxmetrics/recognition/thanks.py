"""The thank-you loop: a leader marks that an agent was thanked for a praise (who, when, an
optional note), or takes the mark back. `find_praise` shows the marks."""

from __future__ import annotations

from datetime import datetime

from cxmetrics.store import Store
from cxmetrics.store import audit as stored_audit
from cxmetrics.store import recognition as recognition_store


def _now(store: Store) -> datetime:
    """Now in the business time zone, as the naive local timestamp the store keeps."""
    return datetime.now(store.settings.tz).replace(tzinfo=None, microsecond=0)


def _audit_now(store: Store) -> datetime:
    """Now to the microsecond: the audit log orders entries by it."""
    return datetime.now(store.settings.tz).replace(tzinfo=None)


def mark_thanked(
    store: Store, response_id: str, agent_id: str, *, thanked_by: str, note: str | None = None
) -> None:
    """Record that the agent was thanked for this praise (who, when, an optional note).

    Idempotent per (response_id, agent_id): marking again replaces who, when and the note.
    """
    who = (thanked_by or "").strip()
    if not who:
        raise ValueError("say who thanked the agent (thanked_by is empty)")
    note = (note or "").strip() or None
    with store.transaction() as conn:
        response_found, agent_found = recognition_store.response_and_agent_exist(
            conn, response_id, agent_id
        )
        if not response_found:
            raise ValueError(f"no survey response `{response_id}`")
        if not agent_found:
            raise ValueError(f"no agent `{agent_id}` in the roster")
        recognition_store.record_thanks(
            conn, response_id, agent_id, thanked_by=who, thanked_at=_now(store), note=note
        )
        stored_audit.record(
            conn, _audit_now(store), who, "thanked", f"agent {agent_id} for response {response_id}"
        )


def unmark_thanked(store: Store, response_id: str, agent_id: str, *, by: str | None = None) -> None:
    """Take a thank-you mark back (the praise returns to "new"); `by` goes to the audit log."""
    with store.transaction() as conn:
        recognition_store.forget_thanks(conn, response_id, agent_id)
        stored_audit.record(
            conn, _audit_now(store), by, "unthanked", f"agent {agent_id} for response {response_id}"
        )
