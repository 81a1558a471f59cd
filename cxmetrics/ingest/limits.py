"""The input limits of an upload (`config.IngestLimits`: size once decompressed, columns,
line length, cells) and the one-line refusals that name the limit and its setting.

Each reader checks them while the bytes stream past, before anything large is held.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.config import IngestLimits
from cxmetrics.ingest.cells import longest_value
from cxmetrics.ingest.reasons import UnreadableFile

DEFAULT_LIMITS = IngestLimits()


def megabytes(size: int) -> str:
    """A size as messages give it: "100 MB", "512 KB"."""
    return f"{size / (1 << 20):,.0f} MB" if size >= 1 << 20 else f"{size / 1024:,.0f} KB"


def too_big(what: str, limits: IngestLimits) -> UnreadableFile:
    """The refusal of a file larger than the input limit ("it holds", "it expands to" …)."""
    return UnreadableFile(
        f"{what} more than {megabytes(limits.input_bytes)}, the most one upload may hold: "
        "split the export into smaller files (or raise CXMETRICS_MAX_INPUT_MB)"
    )


def line_too_long(where: str, limits: IngestLimits) -> UnreadableFile:
    """The refusal of a file with a line (`where`: "line 48") longer than the limit."""
    return UnreadableFile(
        f"{where} is longer than {megabytes(limits.line_bytes)}, the most one line may hold: "
        "check that it is a data export (or raise CXMETRICS_MAX_LINE_KB)"
    )


def too_wide(width: int, limits: IngestLimits) -> UnreadableFile:
    """The refusal of a header with more columns than the limit."""
    return UnreadableFile(
        f"the header has {width:,} columns, more than the {limits.max_columns:,} one upload "
        "may have: remove the columns not needed (or raise CXMETRICS_MAX_COLUMNS)"
    )


def check_cells(rows: int, width: int, limits: IngestLimits, *, about: bool) -> None:
    """Refuse a file of more cells (rows × columns) than the limit; `about`: rows counted
    as lines, before parsing."""
    if rows * width > limits.max_cells:
        count = f"about {rows:,}" if about else f"{rows:,}"
        raise UnreadableFile(
            f"it has {count} rows of {width:,} columns, more than the {limits.max_cells:,} "
            "cells one upload may hold: split it into smaller files (or raise "
            "CXMETRICS_MAX_CELLS)"
        )


def check_record_lengths(table: pa.Table, first_line: int, limits: IngestLimits) -> None:
    """Refuse a file with a record longer than the line limit (naming its line)."""
    longest = sum(longest_value(col) for col in table.columns) + table.num_columns
    if longest <= limits.line_bytes:
        return  # even the longest cells of every column side by side fit
    lengths = [pc.binary_length(col) for col in table.columns]
    total = lengths[0]
    for length in lengths[1:]:
        total = pc.add(total, length)
    over = np.flatnonzero(_as_numpy(total) + table.num_columns > limits.line_bytes)
    if len(over):
        raise line_too_long(f"line {int(over[0]) + first_line}", limits)


def _as_numpy(arr: pa.ChunkedArray) -> np.ndarray:
    return arr.to_numpy() if arr.num_chunks else np.array([], dtype=np.int64)
