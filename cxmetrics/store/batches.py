"""Upload batches and what they keep for the record (the batch ledger): the batch rows, each
batch's header and rejected rows (to download, fix and load again), and what undoing a
batch would affect."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Row, text

from cxmetrics.store.arrow import Registered
from cxmetrics.store.dialect import POSTGRESQL, name_of

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store


def record_batch(
    conn: Connection,
    *,
    batch_id: str,
    kind: str,
    filename: str | None,
    sha256: str | None,
    uploaded_by: str | None,
    uploaded_at: datetime,
    rows_in: int,
    loaded: int,
    rejected: int,
    duplicates: int,
    status: str = "committed",
) -> None:
    """Write a batch's ledger row (in the caller's transaction: it commits with the rows)."""
    conn.execute(
        text(
            "INSERT INTO upload_batches (batch_id, kind, filename, sha256, uploaded_by, "
            "uploaded_at, rows_in, loaded, rejected, duplicates, status) VALUES "
            "(:b, :kind, :filename, :sha, :by, :at, :rows_in, :loaded, :rejected, :dups, "
            ":status)"
        ),
        {
            "b": batch_id,
            "kind": kind,
            "filename": filename,
            "sha": sha256,
            "by": uploaded_by,
            "at": uploaded_at,
            "rows_in": rows_in,
            "loaded": loaded,
            "rejected": rejected,
            "dups": duplicates,
            "status": status,
        },
    )


def batch_exists(conn: Connection, batch_id: str) -> bool:
    """Does the ledger hold a batch with this id (whatever its status)?"""
    return bool(
        conn.execute(
            text("SELECT count(*) FROM upload_batches WHERE batch_id = :b"), {"b": batch_id}
        ).scalar_one()
    )


def committed_with(conn: Connection, sha256: str, kind: str) -> Row | None:
    """The first committed batch of `kind` whose file had this sha256 (batch_id,
    uploaded_at), else None."""
    # Results are always read to the end: DuckDB refuses other work on a connection with
    # an unfinished result.
    rows = conn.execute(
        text(
            "SELECT batch_id, uploaded_at FROM upload_batches "
            "WHERE sha256 = :sha AND kind = :kind AND status = 'committed' "
            "ORDER BY uploaded_at LIMIT 1"
        ),
        {"sha": sha256, "kind": kind},
    ).all()
    return rows[0] if rows else None


def batch_state(conn: Connection, batch_id: str) -> Row | None:
    """A batch's (kind, status), else None."""
    rows = conn.execute(
        text("SELECT kind, status FROM upload_batches WHERE batch_id = :b"), {"b": batch_id}
    ).all()
    return rows[0] if rows else None


def mark_undone(conn: Connection, batch_id: str) -> None:
    """Mark a batch undone (its ledger row stays, with its rejected rows)."""
    conn.execute(
        text("UPDATE upload_batches SET status = 'undone' WHERE batch_id = :b"), {"b": batch_id}
    )


def record_columns(conn: Connection, batch_id: str, labels: Sequence[str]) -> None:
    """Keep a batch's header row (the labels its rejected rows download under)."""
    conn.execute(
        text("INSERT INTO batch_columns (batch_id, labels) VALUES (:b, :labels)"),
        {"b": batch_id, "labels": json.dumps(list(labels), ensure_ascii=False)},
    )


def record_rejects(
    conn: Connection,
    batch_id: str,
    *,
    line_no: Sequence[int],
    reason: Sequence[str],
    raw: Sequence[str],
    cells: Sequence[Sequence[str]],
) -> None:
    """Keep a batch's rejected rows: each one's line, reason, text as a CSV line and cells
    as read (one per header label). PostgreSQL text cannot hold a zero byte (a row is
    rejected for one): there it is kept as U+FFFD."""
    if name_of(conn) == POSTGRESQL:
        reason = [value.replace("\x00", "\ufffd") for value in reason]
        raw = [value.replace("\x00", "\ufffd") for value in raw]
    rejects = pa.table(
        {
            "line_no": pa.array(line_no, pa.int32()),
            "reason": pa.array(reason, pa.string()),
            "raw": pa.array(raw, pa.string()),
            "cells": pa.array(
                [json.dumps(list(row), ensure_ascii=False) for row in cells], pa.string()
            ),
        }
    )
    with Registered(conn) as reg:
        reg("cx_rejects", rejects)
        conn.execute(
            text(
                "INSERT INTO rejected_rows (batch_id, line_no, reason, raw, cells) "
                "SELECT :b, line_no, reason, raw, cells FROM cx_rejects"
            ),
            {"b": batch_id},
        )


def list_batches(db: Store | Reader) -> pd.DataFrame:
    """Every batch (all upload_batches columns), newest first (a Store or a Reader)."""
    return db.frame("SELECT * FROM upload_batches ORDER BY uploaded_at DESC, batch_id DESC")


def batch_columns(db: Store | Reader, batch_id: str) -> list[str] | None:
    """A batch's header row, None when it was loaded before headers were kept."""
    labels = db.scalar("SELECT labels FROM batch_columns WHERE batch_id = :b", {"b": batch_id})
    return None if labels is None else json.loads(labels)


def rejected_of(db: Store | Reader, batch_id: str) -> pd.DataFrame:
    """A batch's rejected rows by line: line_no, error (the reason), raw (the row as a CSV
    line) and cells (a list of the cells as read; None for rows kept before cells were)."""
    rows = db.frame(
        "SELECT line_no, reason AS error, raw, cells FROM rejected_rows WHERE batch_id = :b "
        "ORDER BY line_no",
        {"b": batch_id},
    )
    rows["cells"] = pd.Series(
        [json.loads(c) if isinstance(c, str) else None for c in rows["cells"]],
        index=rows.index,
        dtype=object,
    )
    return rows


# What later data a roster batch carries (see `undo_impact_counts`): agents and teams that
# undoing it takes off the roster, later rows that name them, later roster batches built on
# it.
_UNDO_IMPACT_SQL = """
WITH this AS (
    SELECT coalesce(max(uploaded_at), TIMESTAMP '0001-01-01') AS at FROM upload_batches
    WHERE batch_id = :b
), later AS (
    SELECT u.batch_id FROM upload_batches u, this
    WHERE u.batch_id <> :b AND u.status = 'committed' AND u.uploaded_at >= this.at
), gone_agents AS (
    SELECT agent_id FROM agents a WHERE a.batch_id = :b AND NOT EXISTS (
        SELECT 1 FROM roster_replaced r
        WHERE r.batch_id = :b AND r.entity = 'agent' AND r.key = a.agent_id)
), gone_teams AS (
    SELECT team_id FROM teams t WHERE t.batch_id = :b AND NOT EXISTS (
        SELECT 1 FROM roster_replaced r
        WHERE r.batch_id = :b AND r.entity = 'team' AND r.key = t.team_id)
), naming AS (
    SELECT batch_id FROM interactions
    WHERE agent_id IN (SELECT * FROM gone_agents) OR team_id IN (SELECT * FROM gone_teams)
    UNION ALL SELECT batch_id FROM survey_responses
    WHERE agent_id IN (SELECT * FROM gone_agents) OR team_id IN (SELECT * FROM gone_teams)
    UNION ALL SELECT batch_id FROM adherence WHERE agent_id IN (SELECT * FROM gone_agents)
    UNION ALL SELECT batch_id FROM learning WHERE agent_id IN (SELECT * FROM gone_agents)
    UNION ALL SELECT batch_id FROM kpi_values WHERE team_id IN (SELECT * FROM gone_teams)
    UNION ALL SELECT batch_id FROM targets WHERE team_id IN (SELECT * FROM gone_teams)
), building AS (
    SELECT batch_id FROM roster_replaced WHERE prior_batch_id = :b AND batch_id <> :b
    UNION SELECT c.batch_id FROM agent_team_changes c
    WHERE c.batch_id <> :b AND c.seq > (
        SELECT coalesce(max(seq), 0) FROM agent_team_changes WHERE batch_id = :b)
        AND c.agent_id IN (SELECT agent_id FROM agent_team_changes WHERE batch_id = :b)
    UNION SELECT batch_id FROM agents WHERE batch_id <> :b
        AND team_id IN (SELECT * FROM gone_teams)
)
SELECT
    (SELECT count(*) FROM gone_agents),
    (SELECT count(*) FROM gone_teams),
    (SELECT count(*) FROM naming WHERE batch_id IN (SELECT * FROM later)),
    (SELECT count(DISTINCT batch_id) FROM naming WHERE batch_id IN (SELECT * FROM later)),
    (SELECT count(DISTINCT batch_id) FROM building WHERE batch_id IN (SELECT * FROM later))
"""


@dataclass(frozen=True)
class UndoImpact:
    """What later data depends on a (roster) batch."""

    agents: int  # agents undoing it takes off the roster
    teams: int  # teams undoing it takes off the roster
    rows: int  # rows of later batches that name them
    fact_batches: int  # later batches holding those rows
    roster_batches: int  # later roster batches that build on it


def undo_impact_counts(db: Store | Reader, batch_id: str) -> UndoImpact:
    """What later data depends on a batch: the agents and teams undoing it takes off the
    roster, the rows of later batches that name them, later roster batches built on it."""
    return UndoImpact(*(int(n) for n in db.rows(_UNDO_IMPACT_SQL, {"b": batch_id})[0]))
