"""Targets: what each metric should reach, per team or org-wide, from a date on."""

from __future__ import annotations

from datetime import date

from cxmetrics.store import Reader, Store


def rows_in_force(db: Store | Reader, on: date) -> list[tuple]:
    """Every target row effective on or before `on` (any team): (metric_id, team_id,
    target, amber_tolerance, effective_from)."""
    rows = db.rows(
        "SELECT metric_id, team_id, target, amber_tolerance, effective_from FROM targets "
        "WHERE effective_from <= :on",
        {"on": on},
    )
    return [tuple(r) for r in rows]
