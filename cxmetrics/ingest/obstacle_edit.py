"""One obstacle added or changed by hand (the Obstacles page), checked by the same column
and row rules as a file and recorded the same way: as a batch of its own (listed, and
undone, like any load) whose one change is kept with who made it and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import pandas as pd

from cxmetrics.ingest.load import new_batch_id
from cxmetrics.ingest.plan import DUPLICATE, plan_obstacles
from cxmetrics.ingest.specs import spec_for
from cxmetrics.ingest.validation import validate
from cxmetrics.ingest.write import write_obstacle_changes
from cxmetrics.store import batches
from cxmetrics.store.obstacles import FIELDS

if TYPE_CHECKING:
    from cxmetrics.store import Store

SOURCE = "Obstacles page"  # how the batch ledger names a change made by hand


@dataclass(frozen=True)
class Change:
    """What one edit did."""

    obstacle_id: str
    changed: bool  # False: the register already said exactly this (nothing written)
    batch_id: str | None  # the batch the change was recorded as
    from_status: str | None  # the status before (None for a new obstacle)
    status: str


def _cell(value: object) -> str:
    """A value as the text a file would hold (dates as YYYY-MM-DD, nothing as empty)."""
    if value is None or (not isinstance(value, str | date) and pd.isna(value)):
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record_change(
    store: Store,
    fields: Mapping[str, object],
    *,
    changed_by: str | None,
    now: datetime | None = None,
) -> Change:
    """Add or update one obstacle: `fields` is its whole state (the register's fields;
    dates as dates or YYYY-MM-DD, a missing field empty), recorded as made by `changed_by`
    at `now` (default: business-local now).

    Raises ValueError with the first rule the state breaks, worded as for a file
    (`"description" is empty: fill it in …`), and writes nothing then.
    """
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown obstacle field(s) {', '.join(unknown)}: use {', '.join(FIELDS)}")
    now = now or datetime.now(store.settings.tz).replace(tzinfo=None, microsecond=0)
    raw = {name: pd.Series([_cell(fields.get(name))], dtype="str") for name in FIELDS}
    checked = validate(spec_for("obstacles"), raw, tz=store.settings.tz, now=now, dayfirst=False)
    if not checked.ok[0]:
        raise ValueError(str(checked.errors.reason[0]))
    obstacle_id = str(checked.frame["obstacle_id"].iloc[0])
    status = str(checked.frame["status"].iloc[0])
    with store.transaction() as conn:
        plan = plan_obstacles(conn, checked)
        if plan.status[0] == DUPLICATE:
            return Change(obstacle_id, False, None, status, status)
        batch_id = new_batch_id(conn)
        write_obstacle_changes(conn, plan, batch_id, changed_by=changed_by, changed_at=now)
        batches.record_batch(
            conn, batch_id=batch_id, kind="obstacles", filename=SOURCE, sha256=None,
            uploaded_by=changed_by, uploaded_at=now, rows_in=1, loaded=1, rejected=0,
            duplicates=0,
        )  # fmt: skip
    assert plan.rows is not None
    return Change(obstacle_id, True, batch_id, plan.rows["from_status"].iloc[0], status)
