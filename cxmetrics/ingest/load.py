"""Loading a file as one batch: read → prepare → validate → plan → write, in one transaction.

`load_batch` is the one entry point the CLI and the app call. Each step lives in its own
module (`read`, `prepare`, `validation`, `plan`, `write`) and is looked up here at call
time; the plan is made inside the writing transaction, so it always sees every batch
committed before it (a dry run plans the same way and writes nothing).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection

from cxmetrics.ingest.plan import plan_batch
from cxmetrics.ingest.prepare import (
    Prepared,
    download_header,
    prepare,
    read_roster,
    template_for,
)
from cxmetrics.ingest.read import read_file
from cxmetrics.ingest.reasons import plural
from cxmetrics.ingest.reports import BatchReport, already_loaded, batch_report
from cxmetrics.ingest.sources import Source
from cxmetrics.ingest.specs import spec_for
from cxmetrics.ingest.validation import validate_file
from cxmetrics.ingest.write import Batch, write_batch
from cxmetrics.store import batches

if TYPE_CHECKING:
    from cxmetrics.store import Store


class _Progress:
    """Calls the caller's progress function with a fraction that never goes back."""

    def __init__(self, fn):
        self.fn, self.last = fn, 0.0

    def __call__(self, fraction: float, message: str) -> None:
        if self.fn is None:
            return
        self.last = min(1.0, max(self.last, fraction))
        self.fn(self.last, message)


def load_batch(
    store: Store,
    kind: str,
    source,
    *,
    mapping: dict[str, str | None] | None = None,
    template: str | None = None,
    dry_run: bool = False,
    dayfirst: bool | None = None,
    uploaded_by: str | None = None,
    filename: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> BatchReport:
    """Load one file of `kind` as one batch (one transaction) and say what became of every row.

    source: a path, bytes or a binary file object (.csv with any delimiter and encoding,
    .csv.gz, .xlsx). mapping: canonical column -> source column (as `inspect_file` lists
    them), overriding detection; template: a saved mapping (and its options) by name.
    dayfirst: True reads 03/04/2026 as 3 April, False as March 4, None leaves it to the
    template, the layout or the file (ambiguous rows are rejected). progress(fraction,
    message) is called at each stage (read, validate, write).

    Raises UnreadableFile (nothing written) when the file cannot be read at all, ValueError
    for an unknown kind or template.
    """
    spec = spec_for(kind)
    tell = _Progress(progress)
    saved, options = template_for(store, template, kind)
    if mapping is None:
        mapping = saved
    tell(0.0, "reading the file")
    src = Source(source, filename)
    raw = read_file(src, spec, limits=store.settings.ingest)
    # What the checks need from the store, read in one turn for a DuckDB file shared with
    # the app (each turn stops the app's readers for a moment): the write is the other.
    with store.keeping():
        roster = read_roster(store, spec)
        with store.reading() as conn:
            earlier = batches.committed_with(conn, raw.sha256, kind)
    prep = prepare(
        store, spec, raw, mapping=mapping, dayfirst=dayfirst, options=options, roster=roster
    )
    filename = src.name
    label = raw.layout.label if raw.layout else "canonical columns"
    if earlier is not None:
        tell(1.0, "already loaded")
        return already_loaded(kind, filename, raw, prep, earlier)
    tell(0.3, f"checking {plural(len(raw.data), 'row')} ({label})")
    checked = validate_file(
        store, spec, raw, prep.mapping, prep.dayfirst, roster=prep.roster, notes=prep.warnings,
        zones=prep.zones,
    )  # fmt: skip
    raw.keep_rows(np.flatnonzero(~checked.ok))
    pa.default_memory_pool().release_unused()  # hand the text no longer needed back to the OS
    uploaded_at = datetime.now(store.settings.tz).replace(tzinfo=None)
    tell(0.55, "comparing with the store (duplicates, unknown agents)")
    today = uploaded_at.date()  # a roster row without effective_from dates from here
    if dry_run:
        with store.reading() as conn:
            plan = plan_batch(conn, spec, checked, today=today)
        batch = Batch(
            "", spec, raw, checked, plan, filename, uploaded_by, uploaded_at,
            prep.mapping.ignored, *_about(prep),
        )  # fmt: skip
        tell(1.0, "dry run done: nothing written")
        return batch_report(batch, "dry_run")
    with store.transaction() as conn:
        # Loaded meanwhile by someone else?
        earlier = batches.committed_with(conn, raw.sha256, kind)
        if earlier is not None:
            return already_loaded(kind, filename, raw, prep, earlier)
        plan = plan_batch(conn, spec, checked, today=today)
        batch_id = new_batch_id(conn)
        batch = Batch(
            batch_id, spec, raw, checked, plan, filename, uploaded_by, uploaded_at,
            prep.mapping.ignored, *_about(prep),
        )  # fmt: skip
        write_batch(conn, batch, store.settings, progress=tell)
        tell(0.97, "writing: committing")
    tell(1.0, "done")
    return batch_report(batch, "committed")


def _about(prep: Prepared) -> tuple[str, dict, list[str], list[str], str | None, str]:
    """What a Batch carries from the prepared file, in the order of its fields."""
    return (
        prep.layout_name, prep.labels, prep.warnings, download_header(prep), prep.timezone,
        prep.time_note,
    )  # fmt: skip


def new_batch_id(conn: Connection) -> str:
    """A batch id no batch has yet: `b` + the UTC time + 4 random hex digits."""
    while True:
        candidate = datetime.now(UTC).strftime("b%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        if not batches.batch_exists(conn, candidate):
            return candidate
