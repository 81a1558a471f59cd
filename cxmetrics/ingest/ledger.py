"""The batch ledger as its readers see it: every batch, and a batch's rejected rows laid out
as the file they came from, to fix in a spreadsheet and load again."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cxmetrics.ingest.layouts import DOWNLOAD_COLUMNS
from cxmetrics.store import batches

if TYPE_CHECKING:
    from cxmetrics.store import Store


def list_batches(store: Store) -> pd.DataFrame:
    """Every batch (all upload_batches columns), newest first."""
    return batches.list_batches(store)


def rejected_rows(store: Store, batch_id: str) -> pd.DataFrame:
    """A batch's rejected rows, to fix in a spreadsheet and load again: the file's own
    columns (its header labels, each cell as read), then `line_no` and `error` (the reason).

    A batch loaded before its header was kept gives line_no, error and raw (the row as a
    CSV line).
    """
    with store.snapshot() as reader:
        if not batches.batch_exists(reader.conn, batch_id):
            raise ValueError(
                f"there is no batch `{batch_id}`: run `cxmetrics batches` to list batch ids"
            )
        labels = batches.batch_columns(reader, batch_id)
        rows = batches.rejected_of(reader, batch_id)
    if labels is None or rows["cells"].isna().any():
        return rows[["line_no", "error", "raw"]]
    cells = list(rows["cells"])
    keep = [p for p, label in enumerate(labels) if label not in DOWNLOAD_COLUMNS]
    out = pd.DataFrame(
        {str(p): [row[p] if p < len(row) else "" for row in cells] for p in keep},
        index=rows.index,
        dtype="str",
    )
    out.columns = [labels[p] for p in keep]
    out["line_no"] = rows["line_no"].astype("int64")
    out["error"] = rows["error"].astype("str")
    return out.reset_index(drop=True)
