"""Ingest: read → map → validate → load a file as one batch; undo; batch history.

`inspect_file` shows how a file would be read (layout, encoding, mapping, preview);
`load_batch(store, kind, source)` is the one entry point the CLI and the app call to load
it; the steps it chains live in `sources` (bytes → text cells), `layouts` (vendor layouts,
mapping), `canonical` (columns, parsing, rules) and `loader` (plan, write, undo).
Templates save a mapping for exports that come back.
"""

from __future__ import annotations

from cxmetrics.ingest.canonical import KINDS, UnreadableFile
from cxmetrics.ingest.inspection import Inspection, inspect_file
from cxmetrics.ingest.loader import (
    BatchReport,
    UndoReport,
    list_batches,
    load_batch,
    rejected_rows,
    undo_batch,
    undo_impact,
)
from cxmetrics.ingest.templates import get_template, list_templates, save_template

__all__ = [
    "KINDS",
    "BatchReport",
    "Inspection",
    "UndoReport",
    "UnreadableFile",
    "get_template",
    "inspect_file",
    "list_batches",
    "list_templates",
    "load_batch",
    "rejected_rows",
    "save_template",
    "undo_batch",
    "undo_impact",
]
