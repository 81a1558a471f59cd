"""Upload batches and what they keep for the record (the batch ledger)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text


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
