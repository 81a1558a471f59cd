"""Ingest: read → prepare → validate → plan → write a file as one batch; undo; the ledger.

`inspect_file` shows how a file would be read (layout, encoding, mapping, preview);
`load_batch(store, kind, source)` is the one entry point the CLI and the app call to load
it; `undo_batch` takes a batch out again (`undo_impact` says first what depends on it);
templates save a mapping for exports that come back. docs/ingest.md states the rules, and
the README's module map says which module does which step.
"""

from __future__ import annotations

from cxmetrics.ingest.inspection import Inspection, inspect_file
from cxmetrics.ingest.ledger import list_batches, rejected_rows
from cxmetrics.ingest.load import load_batch
from cxmetrics.ingest.reasons import UnreadableFile
from cxmetrics.ingest.reports import BatchReport, UndoReport
from cxmetrics.ingest.specs import KINDS
from cxmetrics.ingest.templates import get_template, list_templates, save_template
from cxmetrics.ingest.undo import undo_batch, undo_impact

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
