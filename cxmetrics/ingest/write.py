"""Writing (step 5 of a load): a planned batch inside the caller's transaction.

Facts stream to the store from their typed Arrow columns (demo rows with the key of a loaded
row give way first); a roster replaces the rows it changes (kept so that undo restores
them) and records each agent's team change; obstacles are recorded as events with who and
when, and the register follows; rejected rows are kept with their cells as read
(to download, fix and load again), then the batch's ledger row, then the rollups of the
dates it touched. Nothing is written unless every row is loaded, rejected or a duplicate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection

from cxmetrics.config import Settings
from cxmetrics.demo import BATCH_ID as DEMO_BATCH
from cxmetrics.ingest.plan import (
    AGENT_FIELDS,
    DUPLICATE,
    LOADED,
    REJECTED,
    TEAM_FIELDS,
    Plan,
    none_if_blank,
    to_arrow,
)
from cxmetrics.ingest.read import RawTable
from cxmetrics.ingest.reasons import plural
from cxmetrics.ingest.specs import KindSpec
from cxmetrics.ingest.validation import Validated
from cxmetrics.store import access as stored_access
from cxmetrics.store import audit as stored_audit
from cxmetrics.store import batch_rollups, batches, facts, membership, rollups
from cxmetrics.store import obstacles as stored_obstacles
from cxmetrics.store import roster as stored_roster


@dataclass
class Batch:
    """Everything needed to write one batch."""

    batch_id: str
    spec: KindSpec
    raw: RawTable
    checked: Validated
    plan: Plan
    filename: str
    uploaded_by: str | None
    uploaded_at: datetime
    ignored: list[str] = field(default_factory=list)  # header names not used
    layout: str = "canonical"
    mapping: dict[str, str | None] = field(default_factory=dict)  # canonical -> source label
    warnings: list[str] = field(default_factory=list)
    download_header: list[str] = field(default_factory=list)  # rejected rows' header row
    timezone: str | None = None  # zone of times without an offset (None: no times)
    time_note: str = ""  # the report's sentence about it

    @property
    def counts(self) -> tuple[int, int, int, int]:
        s = self.plan.status
        return (
            len(s),
            int((s == LOADED).sum()),
            int((s == REJECTED).sum()),
            int((s == DUPLICATE).sum()),
        )


def _write_roster(conn: Connection, b: Batch) -> None:
    plan = b.plan
    agents = plan.rows[["agent_id", *AGENT_FIELDS]].copy()
    agents["hired_on"] = pd.to_datetime(agents["hired_on"]).astype("datetime64[us]")
    for col in ("agent_id", "name", "team_id", "email", "nickname"):
        agents[col] = agents[col].astype("str")
    teams = plan.teams[["team_id", *TEAM_FIELDS]].astype("str")
    stored_roster.replace_roster(
        conn,
        b.batch_id,
        replaced_agents=plan.replaced_agents,
        replaced_teams=plan.replaced_teams,
        agents=to_arrow(agents, ("hired_on",)),
        teams=to_arrow(teams),
    )
    # Every agent row written states its team (from its date on): kept in load order, then
    # the history of those agents is replayed and the team rows of the dates whose facts
    # change team are rewritten.
    if plan.changes is not None and plan.changes.num_rows:
        membership.add_changes(conn, b.batch_id, plan.changes)
    if plan.restated is not None:
        rollups.refresh_teams(conn, plan.restated)


def obstacle_events(
    changes: pd.DataFrame, *, seq_from: int, changed_by: str | None, changed_at: datetime
) -> pa.Table:
    """Planned obstacle changes as the events the store records, numbered from `seq_from`."""
    n = len(changes)
    columns = {
        name: pa.array(
            changes[name].tolist(),
            pa.date32() if name in ("raised_on", "resolved_on") else pa.string(),
        )
        for name in stored_obstacles.FIELDS
    }
    columns["seq"] = pa.array(np.arange(seq_from, seq_from + n, dtype=np.int64))
    columns["from_status"] = pa.array(changes["from_status"].tolist(), pa.string())
    columns["changed_by"] = pa.array([changed_by] * n, pa.string())
    columns["changed_at"] = pa.array([changed_at] * n, pa.timestamp("us"))
    return pa.table(columns)


def write_obstacle_changes(
    conn: Connection, plan: Plan, batch_id: str, *, changed_by: str | None, changed_at: datetime
) -> None:
    """Record an obstacles plan's changes as batch `batch_id`, made by `changed_by` at
    `changed_at` (the register is rewritten from the events)."""
    if plan.rows is None or plan.rows.empty:
        return
    events = obstacle_events(
        plan.rows, seq_from=stored_obstacles.next_seq(conn), changed_by=changed_by,
        changed_at=changed_at,
    )  # fmt: skip
    stored_obstacles.add_events(conn, events, batch_id)


def _write_access(conn: Connection, b: Batch) -> None:
    """Access rows replace the stored rows of their e-mails (kept for undo)."""
    frame = b.plan.rows if b.plan.rows is not None else b.checked.frame
    rows = [
        (str(r.email), str(r.role), none_if_blank(r.team_ids))
        for r in frame[b.plan.status == LOADED].itertuples(index=False)
    ]
    stored_access.replace_rows(conn, b.batch_id, rows)


def _write_facts(
    conn: Connection, b: Batch, settings: Settings
) -> tuple[tuple | None, batch_rollups.BatchRollups | None]:
    """Insert the loaded rows (demo rows with their keys give way first); returns the local
    date span of the demo rows that gave way (their rollup rows change too), and the
    batch's rollups when they are computed in this process meanwhile (only when no demo
    row gave way: the rows are then the only change on their dates)."""
    spec, plan = b.spec, b.plan
    assert plan.table is not None and spec.table is not None
    incoming = plan.table.append_column("cx_loaded", pa.array(plan.status == LOADED))
    demo_span = None
    if plan.demo_giving_way:
        demo_span = facts.replace_demo_rows(
            conn,
            spec.table,
            spec.key,
            spec.nullable_key,
            incoming.select([*spec.key, "cx_loaded"]),
            demo_batch=DEMO_BATCH,
            rollup=spec.rollup,
        )
    computing = None
    if spec.rollup and demo_span is None:
        computing = batch_rollups.start(conn, spec.rollup, incoming, settings)
    facts.insert_rows(conn, spec.table, spec.names, incoming, b.batch_id)
    return demo_span, computing


def write_batch(
    conn: Connection,
    b: Batch,
    settings: Settings,
    progress: Callable[[float, str], None] | None = None,
) -> None:
    """Write a planned batch inside the caller's transaction (facts, rejects, batch, rollups).

    progress(fraction, message), when given, is told as each part is written."""
    tell = progress or (lambda fraction, message: None)
    rows_in, loaded, rejected, duplicates = b.counts
    if rows_in != loaded + rejected + duplicates or rows_in != b.raw.rows:
        raise RuntimeError(
            f"internal error: {rows_in} rows in but {loaded} loaded + {rejected} rejected + "
            f"{duplicates} duplicates; nothing was written"
        )
    spec = b.spec
    tell(0.65, f"writing {plural(loaded, 'row')}")
    demo_span, computed = None, None
    if spec.kind == "roster":
        _write_roster(conn, b)
    elif spec.kind == "obstacles":
        write_obstacle_changes(
            conn, b.plan, b.batch_id, changed_by=b.uploaded_by, changed_at=b.uploaded_at
        )
    elif spec.kind == "access":
        _write_access(conn, b)
    elif loaded:
        demo_span, computed = _write_facts(conn, b, settings)
    bad = np.flatnonzero(b.plan.status == REJECTED)
    if len(bad):
        batches.record_rejects(
            conn,
            b.batch_id,
            line_no=b.raw.line_no[bad].tolist(),
            reason=b.checked.errors.reason[bad].astype(str).tolist(),
            raw=_raw_lines(b.raw, bad),
            cells=_cells(b.raw, bad),
        )
    batches.record_columns(conn, b.batch_id, b.download_header)
    batches.record_batch(
        conn,
        batch_id=b.batch_id,
        kind=spec.kind,
        filename=b.filename,
        sha256=b.raw.sha256,
        uploaded_by=b.uploaded_by,
        uploaded_at=b.uploaded_at,
        rows_in=rows_in,
        loaded=loaded,
        rejected=rejected,
        duplicates=duplicates,
    )
    stored_audit.record(
        conn,
        b.uploaded_at,
        b.uploaded_by,
        "load",
        f"batch {b.batch_id} ({spec.kind}, {b.filename}): {loaded} loaded, {rejected} "
        f"rejected, {duplicates} duplicates",
    )
    if spec.rollup:
        tell(0.85, "writing: updating the daily rollups")
        # The batch's rollups computed meanwhile know its dates (the store would scan them).
        if computed is not None:
            span = computed.span
        else:
            span = rollups.batch_dates(conn, spec.rollup, b.batch_id)
        if span and demo_span:
            span = (min(span[0], demo_span[0]), max(span[1], demo_span[1]))
        if span:
            batch_rollups.refresh(conn, spec.rollup, span[0], span[1], settings, computed)
        elif computed is not None:
            computed.abandon()


def _cells(raw: RawTable, positions: np.ndarray) -> list[list[str]]:
    """The given rows' cells as read (the rejected-rows download)."""
    values = raw.data.loc[positions].to_numpy(dtype=object)
    return [["" if v is None else str(v) for v in row] for row in values]


def _raw_lines(raw: RawTable, positions: np.ndarray) -> list[str]:
    """The given rows as they were read, re-encoded as CSV lines."""
    out = []
    values = raw.data.loc[positions].to_numpy(dtype=object)
    for pos, row in zip(positions, values, strict=True):
        override = raw.raw_override.get(int(pos))
        if override is not None:
            out.append(override)
            continue
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(["" if v is None else v for v in row])
        out.append(buf.getvalue())
    return out
