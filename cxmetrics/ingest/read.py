"""Reading (step 1 of a load): any upload to its data rows as text.

`read_grid` finds which reader the bytes need (a .gz, a workbook, delimited text) and gives
the file as a grid of text cells; `split_grid` takes the layout's header rows off, and
blank rows and headers repeated mid-file out, keeping each row's record number in the file.
`read_head` reads only the first records (an inspection of a large file).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxmetrics.config import IngestLimits
from cxmetrics.ingest import layouts
from cxmetrics.ingest.containers import container_of, scan
from cxmetrics.ingest.limits import DEFAULT_LIMITS
from cxmetrics.ingest.reasons import UnreadableFile
from cxmetrics.ingest.records import HEAD_RECORDS, head_text, read_text
from cxmetrics.ingest.sources import Grid, Source
from cxmetrics.ingest.specs import KindSpec, spec_for
from cxmetrics.ingest.workbooks import read_xlsx


def read_grid(src: Source, limits: IngestLimits = DEFAULT_LIMITS) -> Grid:
    """The whole file as a grid of text cells; UnreadableFile (one line) when it cannot be
    read, or holds more than `limits` allow."""
    src, container = container_of(src, limits)
    if container == "xlsx":
        grid = read_xlsx(src, limits=limits)
    else:
        found = scan(src, container == "gzip", limits)
        src.sha256 = found.sha256
        grid = read_text(src, container, limits, found.lines)
    grid.sha256 = src.sha256
    return grid


def read_head(src: Source, limits: IngestLimits = DEFAULT_LIMITS) -> Grid:
    """The first records only (an inspection), with an estimate of the file's records."""
    src, container = container_of(src, limits)
    if container == "xlsx":
        grid = read_xlsx(src, limit=HEAD_RECORDS, limits=limits)
    else:
        grid = head_text(src, container, limits)
    grid.sha256 = ""
    return grid


@dataclass
class RawTable:
    """A file's data rows as text (header rows split off): nothing trimmed or converted yet."""

    header: list[str]  # source-column labels (question text when there is one)
    data: pd.DataFrame  # columns 0..width-1, str cells, RangeIndex over data rows
    line_no: np.ndarray  # record number of each row in the file (first record = 1)
    sha256: str
    width_errors: dict[int, str] = field(default_factory=dict)  # row position -> reason
    raw_override: dict[int, str] = field(default_factory=dict)  # position -> raw text
    layout: layouts.Layout | None = None
    encoding: str | None = None
    delimiter: str | None = None
    container: str = "csv"
    notes: list[str] = field(default_factory=list)
    complete: bool = True  # False: the head of the file only (inspection)
    rows_estimate: int | None = None

    @property
    def rows(self) -> int:
        """Data rows read (also once `keep_rows` has let the others go)."""
        return len(self.line_no)

    def keep_rows(self, positions: np.ndarray) -> None:
        """Keep the text of these rows only (a checked batch still needs the text of its
        rejected rows, and nothing else); rows keep their positions as labels."""
        self.data = self.data.iloc[positions]

    @property
    def decimal_comma(self) -> bool:
        """Numbers may be written 12,5: delimited text that is not comma-delimited."""
        return self.delimiter is not None and self.delimiter != ","


def _remap(found: dict[int, str], keep: np.ndarray) -> dict[int, str]:
    new_pos = {int(old): new for new, old in enumerate(keep)}
    return {new_pos[p]: v for p, v in found.items() if p in new_pos}


def split_grid(grid: Grid, spec: KindSpec | None) -> RawTable:
    """Header rows off (as many as the layout has), blank rows and repeated headers out."""
    frame = grid.frame
    if spec is None:
        spec = spec_for("kpis")  # any non-survey kind: one header row, canonical
    top = frame.iloc[:3].to_numpy(dtype=object).tolist()
    if not top or not any(str(h).strip() for h in top[0]):
        raise UnreadableFile("the first row is empty: the first row must hold the column names")
    layout = layouts.detect_layout(top, spec)
    h = layout.header_rows
    body = frame.iloc[h:].reset_index(drop=True)
    line_no = grid.line_no[h:]
    width_errors = {p - h: r for p, r in grid.width_errors.items() if p >= h}
    raw_override = {p - h: r for p, r in grid.raw_override.items() if p >= h}
    drop = np.zeros(len(body), dtype=bool)
    if len(body):
        # Fully blank records (empty lines, rows of bare delimiters) are not rows, and
        # neither is a header repeated mid-file (exports pasted together).
        first = body[0].str.strip()
        blank = np.array(first == "", dtype=bool)
        for col in body.columns[1:]:
            cand = np.flatnonzero(blank)
            if not len(cand):
                break
            blank[cand] = (body[col].iloc[cand].str.strip() == "").to_numpy(dtype=bool)
        repeated = np.zeros(len(body), dtype=bool)
        for header in layout.header_values:
            header = [str(v).strip() for v in header]
            if not any(header):
                continue
            same = np.array(first == header[0], dtype=bool)
            for col in body.columns[1:]:
                cand = np.flatnonzero(same)
                if not len(cand):
                    break
                value = header[col] if col < len(header) else ""
                same[cand] = (body[col].iloc[cand].str.strip() == value).to_numpy(dtype=bool)
            repeated |= same
        drop = (blank | repeated) & ~np.isin(np.arange(len(body)), list(width_errors))
    if drop.any():
        keep = np.flatnonzero(~drop)
        body = body.iloc[keep].reset_index(drop=True)
        line_no = line_no[keep]
        width_errors = _remap(width_errors, keep)
        raw_override = _remap(raw_override, keep)
    return RawTable(
        header=layout.labels,
        data=body,
        line_no=line_no,
        sha256=grid.sha256,
        width_errors=width_errors,
        raw_override=raw_override,
        layout=layout,
        encoding=grid.encoding,
        delimiter=grid.delimiter,
        container=grid.container,
        notes=list(grid.notes),
        complete=grid.complete,
        rows_estimate=grid.rows_estimate,
    )


def read_file(
    source,
    spec: KindSpec | None = None,
    *,
    filename: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> RawTable:
    """Read a whole file (path, bytes, binary file object or Source) into data rows of text.

    Raises UnreadableFile (one line) when it cannot be read at all, or holds more than
    `limits` allow.
    """
    if not isinstance(source, Source):
        source = Source(source, filename)
    return split_grid(read_grid(source, limits), spec)
