"""Undo: take a batch out again in one transaction, and say first when later data depends
on it.

Undoing deletes the batch's rows (and thank-you notes on its responses), puts back the
roster rows it replaced, replays the team history of its agents without its changes,
rewrites the obstacles register from the changes left, and rewrites the rollups of the
dates it touched. Its rejected rows stay for the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cxmetrics.ingest.reasons import plural
from cxmetrics.ingest.reports import UndoReport, move_lines
from cxmetrics.store import access as stored_access
from cxmetrics.store import audit as stored_audit
from cxmetrics.store import batches, facts, membership, rollups
from cxmetrics.store import obstacles as stored_obstacles
from cxmetrics.store import roster as stored_roster

if TYPE_CHECKING:
    from cxmetrics.store import Store


def _now(store: Store) -> datetime:
    return datetime.now(store.settings.tz).replace(tzinfo=None)


def undo_batch(store: Store, batch_id: str, *, by: str | None = None) -> UndoReport:
    """Take a batch out again in one transaction: its rows, its rollup contribution, and
    (roster) put back the rows it replaced. Its rejected rows stay for the record.

    Raises ValueError (one line) for a batch that does not exist, was undone already or is
    not committed. `by` (who undoes it) goes into the audit log."""
    with store.transaction() as conn:
        row = batches.batch_state(conn, batch_id)
        counts = facts.batch_row_counts(conn, batch_id)
        if row is None:
            if not any(counts.values()):
                raise ValueError(
                    f"there is no batch `{batch_id}`: run `cxmetrics batches` to list batch ids"
                )
            kind = "demo" if batch_id == "demo" else "unknown"
        elif row.status == "undone":
            raise ValueError(
                f"batch `{batch_id}` was already undone: nothing to do "
                "(load its file again to bring the rows back)"
            )
        elif row.status != "committed":
            raise ValueError(
                f"batch `{batch_id}` has status `{row.status}`, not committed: only committed "
                "batches can be undone"
            )
        kind = row.kind if row is not None else kind
        spans = {src: rollups.batch_dates(conn, src, batch_id) for src in rollups.SOURCES}
        stored_roster.hand_back_replaced(conn, batch_id)
        facts.delete_batch_rows(conn, batch_id, [table for table, n in counts.items() if n])
        restored = stored_roster.restore_replaced(conn, batch_id)
        if counts.get("obstacle_events"):
            stored_obstacles.rebuild(conn)  # each obstacle as its changes left now say
        restored_access = stored_access.restore_replaced(conn, batch_id)
        for src, span in spans.items():
            if span:
                rollups.refresh(conn, src, span[0], span[1], store.settings)
        restated = membership.drop_changes(conn, batch_id)
        if restated is not None:
            rollups.refresh_teams(conn, restated)
        batches.mark_undone(conn, batch_id)
        action = "clear demo" if batch_id == "demo" else "undo"
        stored_audit.record(
            conn, _now(store), by, action, f"batch {batch_id} ({kind}): {sum(counts.values())} rows"
        )
    moves = restated.moves if restated is not None else []
    removed = sum(counts.values())
    message = f"undid batch {batch_id} ({kind}): removed {plural(removed, 'row')}"
    if restored:
        message += f"; restored {plural(restored, 'replaced roster row')}"
    if restored_access:
        message += f"; restored {plural(restored_access, 'replaced access row')}"
    if moves:
        message += "; " + "; ".join(move_lines(moves))
    return UndoReport(
        batch_id=batch_id,
        kind=kind,
        removed=removed,
        restored=restored,
        message=message,
        moves=[m.to_dict() for m in moves],
    )


def undo_impact(store: Store, batch_id: str) -> str | None:
    """A one-line warning when later data depends on a roster batch (rows of later batches
    that name agents or teams it added, later roster batches that build on it), else None.

    Undoing such a batch takes those agents and teams off the roster (their rows lose
    their team) or changes what the later rosters meant: ask before `undo_batch`.
    """
    impact = batches.undo_impact_counts(store, batch_id)
    if not (impact.rows or impact.roster_batches):
        return None
    parts = []
    if impact.rows:
        added = ", ".join(
            plural(n, word) for n, word in ((impact.agents, "agent"), (impact.teams, "team")) if n
        )
        fact_batches = impact.fact_batches
        parts.append(
            f"{plural(impact.rows, 'row')} in {fact_batches} later "
            f"{'batch' if fact_batches == 1 else 'batches'} name agents or teams it added "
            f"({added})"
        )
    if impact.roster_batches:
        build = "batch builds" if impact.roster_batches == 1 else "batches build"
        parts.append(f"{impact.roster_batches} later roster {build} on it")
    return (
        f"later data depends on batch {batch_id}: {'; '.join(parts)}. Undoing it takes what "
        "it added off the roster and restates team numbers: undo the later batches first, "
        "or undo it anyway"
    )
