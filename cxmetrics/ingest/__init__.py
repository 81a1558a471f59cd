"""Ingest: read → map → validate → load a file as one batch; undo; batch history.

`load_batch(store, kind, path)` is the one entry point the CLI and the app call; the steps
it chains live in `loader` (read, plan, write) and `canonical` (columns, parsing, rules).
"""

from __future__ import annotations

from cxmetrics.ingest.canonical import KINDS, UnreadableFile
from cxmetrics.ingest.loader import (
    BatchReport,
    UndoReport,
    list_batches,
    load_batch,
    rejected_rows,
    undo_batch,
)

__all__ = [
    "KINDS",
    "BatchReport",
    "UndoReport",
    "UnreadableFile",
    "list_batches",
    "load_batch",
    "rejected_rows",
    "undo_batch",
]
