"""Delimited text parsed into a grid of text cells.

pyarrow parses a file that is regular (fast, multi-threaded, compact strings); a file it
cannot take as it is (a row longer or shorter than the header, a quote never closed) is
parsed again by the `csv` module, record by record, so each odd row is kept with the reason
it will be rejected. A line longer than the limit is refused before it is held.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Iterator
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from cxmetrics.config import IngestLimits
from cxmetrics.ingest.containers import gunzip_head
from cxmetrics.ingest.delimited import (
    TextFormat,
    arrow_encoding,
    complete_lines,
    detect_encoding,
    first_width,
    text_format,
    text_lines,
)
from cxmetrics.ingest.limits import (
    DEFAULT_LIMITS,
    check_cells,
    check_record_lengths,
    line_too_long,
    too_wide,
)
from cxmetrics.ingest.reasons import UnreadableFile
from cxmetrics.ingest.sources import CHUNK_RECORDS, HEAD_BYTES, Grid, Source

HEAD_RECORDS = 2_000  # records parsed for an inspection
BLOCK_SIZE = 8 << 20  # pyarrow block; grown when one record is larger
MAX_BLOCK = 1 << 30

BROKEN_QUOTE = (
    'the row opens a quote (") that is never closed, which would swallow the rest of the '
    "file into one value: close or remove that quote"
)


def _long_row(values: int, width: int) -> str:
    return (
        f"the row has {values} values but the header has {width} columns: "
        "quote values that contain the delimiter, or remove the extra values"
    )


def _short_row(values: int, width: int) -> str:
    return (
        f"the row has {values} values but the header has {width} columns: add the missing "
        "values (an empty one still needs its delimiter)"
    )


class _Records:
    """csv.reader over lines, with each record's physical lines at hand.

    An opening quote that is never closed makes the csv module read the rest of the file
    into one value; here the first line of such a record becomes a record of its own
    (marked broken) and the lines after it are parsed again.
    """

    def __init__(self, lines: Iterable[str], delimiter: str):
        self.lines = iter(lines)
        self.delimiter = delimiter
        self.buf: list[str] = []

    def _feed(self, lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            self.buf.append(line)
            yield line

    def __iter__(self) -> Iterator[tuple[list[str], str | None]]:
        lines = self.lines
        while True:
            self.buf = []
            last: tuple[list[str], list[str]] | None = None
            for rec in csv.reader(self._feed(lines), delimiter=self.delimiter):
                if last is not None:
                    yield last[0], None
                last = (rec, self.buf)
                self.buf = []
            if last is None:
                return
            rec, rec_lines = last
            if len(rec_lines) > 1 and _unclosed(rec_lines, self.delimiter):
                yield [rec_lines[0].rstrip("\r\n")], rec_lines[0].rstrip("\r\n")
                lines = iter(rec_lines[1:])
                continue
            yield rec, None
            return


def _unclosed(lines: list[str], delimiter: str) -> bool:
    try:
        list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _raw_csv(values: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(values)
    return buf.getvalue()


def _fit(values: list[str], width: int, delimiter: str) -> list[str]:
    """A record's values in `width` cells: values past the last column are kept, joined
    by the delimiter, in the last cell (so a rejected row still shows all its text)."""
    if len(values) > width:
        return [*values[: width - 1], delimiter.join(values[width - 1 :])]
    return values + [""] * (width - len(values))


def parse_records(
    lines: Iterable[str],
    delimiter: str,
    *,
    skip: int = 0,
    limit: int | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> Grid:
    """Parse text record by record into a grid (header = the first record).

    A row with more or fewer values than the header is kept (its cells as read, see `_fit`)
    with the reason it will be rejected; so is the first line of a quote never closed."""
    csv.field_size_limit(2**31 - 1)
    width = 0
    columns: list[list[pa.Array]] = []
    pending: list[list[str]] = []
    line_no: list[int] = []
    width_errors: dict[int, str] = {}
    raw_override: dict[int, str] = {}
    longest = limits.line_bytes

    def flush():
        if not pending:
            return
        for j in range(width):
            columns[j].append(pa.array([r[j] for r in pending], pa.large_string()))
        pending.clear()

    for pos, (rec, broken) in enumerate(_Records(lines, delimiter)):
        if limit is not None and pos >= limit:
            break
        if pos == 0:
            width = max(1, len(rec))
            if width > limits.max_columns:
                raise too_wide(width, limits)
            columns = [[] for _ in range(width)]
        line_no.append(pos + 1 + skip)
        if sum(map(len, rec)) + len(rec) > longest:
            raise line_too_long(f"line {pos + 1 + skip}", limits)
        if broken is not None:
            width_errors[pos] = BROKEN_QUOTE
            raw_override[pos] = broken
            rec = _fit(next(csv.reader([broken], delimiter=delimiter), []), width, delimiter)
        elif len(rec) > width:
            if any(cell.strip() for cell in rec[width:]):
                width_errors[pos] = _long_row(len(rec), width)
                raw_override[pos] = _raw_csv(rec, ",")
                rec = _fit(rec, width, delimiter)
            else:
                rec = rec[:width]
        elif len(rec) < width:
            if any(cell.strip() for cell in rec):  # a blank line is no row (dropped later)
                width_errors[pos] = _short_row(len(rec), width)
            rec = _fit(rec, width, delimiter)
        pending.append(rec)
        if len(pending) >= CHUNK_RECORDS:
            flush()
    flush()
    if not width:
        raise UnreadableFile("the file has no header row (only blank lines): export it again")
    table = pa.table(
        {str(j): pa.chunked_array(columns[j], pa.large_string()) for j in range(width)}
    ).combine_chunks()
    frame = table.to_pandas()
    frame.columns = range(width)
    return Grid(
        frame=frame,
        line_no=np.asarray(line_no, dtype=np.int64),
        sha256="",
        container="csv",
        width_errors=width_errors,
        raw_override=raw_override,
    )


class _Irregular(Exception):
    """The fast parser met a row it cannot take as it is."""


class _NotUtf8(Exception):
    """A part of the file after its head is not UTF-8."""


def _read_arrow(src: Source, fmt: TextFormat, gz: bool, width: int, limits: IngestLimits):
    names = [f"f{i}" for i in range(width)]

    def refuse(row) -> str:
        return "error"

    block = BLOCK_SIZE
    while True:
        stream = src.arrow_input()
        if gz:
            stream = pa.CompressedInputStream(stream, "gzip")
        try:
            table = pacsv.read_csv(
                stream,
                read_options=pacsv.ReadOptions(
                    column_names=names,
                    skip_rows=fmt.skip,
                    encoding=arrow_encoding(fmt.encoding),
                    block_size=block,
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=fmt.delimiter,
                    quote_char='"',
                    double_quote=True,
                    escape_char=False,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=refuse,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.large_string() for n in names},
                    null_values=[],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    check_utf8=True,
                ),
            )
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if "straddling" in message:
                # One record is larger than a block: grow the block while a record of that
                # size may be allowed, else let the record parser name the line too long.
                if block >= 2 * limits.line_bytes or block >= MAX_BLOCK:
                    raise _Irregular(message) from exc
                block = min(block * 8, MAX_BLOCK)
                continue
            if "UTF8" in message or "UTF-8" in message:
                raise _NotUtf8(message) from exc
            raise _Irregular(message) from exc
        finally:
            stream.close()
        break
    if table.num_rows:
        last = table.slice(table.num_rows - 1)
        for col in last.columns:
            if "\n" in (col[0].as_py() or "") or "\r" in (col[0].as_py() or ""):
                # Maybe a quote never closed swallowed the end of the file: check slowly.
                raise _Irregular("a value in the last record spans lines")
    check_record_lengths(table, 1 + fmt.skip, limits)
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _whole_file_encoding(src: Source, gz: bool, limits: IngestLimits) -> str:
    """Encoding when the head was UTF-8 but a later part is not: look at those lines."""
    with src.open() as fh:
        stream: IO[bytes] = gzip.GzipFile(fileobj=fh) if gz else fh
        found, size = [], 0
        while line := stream.readline(limits.line_bytes + 1):
            if line.isascii():
                continue
            if not found:
                try:
                    line.decode("utf-8")
                    continue
                except UnicodeDecodeError:
                    pass
            found.append(line)
            size += len(line)
            if size >= 65_536:
                break
    return detect_encoding(b"".join(found), False) if found else "utf-8"


def _text_head(src: Source, gz: bool) -> tuple[bytes, bool]:
    if gz:
        return gunzip_head(src, HEAD_BYTES)
    return src.head(), src.size <= HEAD_BYTES


def read_text(src: Source, container: str, limits: IngestLimits, lines: int) -> Grid:
    """The whole delimited file as a grid (fast path, else record by record).

    lines: how many line breaks the content holds (from `scan`), to refuse a file with more
    cells than the limit before it is parsed."""
    gz = container == "gzip"
    head, complete = _text_head(src, gz)
    fmt = text_format(head, complete, limits)
    width = first_width(fmt, limits)
    check_cells(max(lines - fmt.skip, 1), width, limits, about=True)
    notes: list[str] = []
    for _attempt in range(2):
        try:
            frame = _read_arrow(src, fmt, gz, width, limits)
            line_no = np.arange(1 + fmt.skip, len(frame) + 1 + fmt.skip, dtype=np.int64)
            grid = Grid(frame=frame, line_no=line_no, sha256="", container=container)
            break
        except _NotUtf8:
            encoding = _whole_file_encoding(src, gz, limits)
            notes.append(
                f"the file starts as UTF-8 but later lines are {encoding}: read as {encoding}; "
                "check accented letters"
            )
            fmt = TextFormat(encoding, fmt.delimiter, fmt.skip, fmt.text, fmt.complete)
        except _Irregular:
            grid = _read_slow(src, fmt, gz, limits)
            break
    else:  # pragma: no cover - the second attempt has a single-byte encoding
        grid = _read_slow(src, fmt, gz, limits)
    grid.container = container
    grid.encoding = fmt.encoding
    grid.delimiter = fmt.delimiter
    grid.notes = notes
    return grid


def _read_slow(src: Source, fmt: TextFormat, gz: bool, limits: IngestLimits) -> Grid:
    with src.open() as fh:
        stream: IO[bytes] = gzip.GzipFile(fileobj=fh) if gz else fh
        try:
            return parse_records(
                text_lines(stream, fmt, limits), fmt.delimiter, skip=fmt.skip, limits=limits
            )
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"it is not valid {fmt.encoding} text throughout ({exc.reason}): save it as "
                "'CSV UTF-8' and load it again"
            ) from exc


def head_text(src: Source, container: str, limits: IngestLimits) -> Grid:
    """The first records of a delimited file (for an inspection), with a row estimate."""
    gz = container == "gzip"
    head, complete = _text_head(src, gz)
    fmt = text_format(head, complete, limits)
    first_width(fmt, limits)
    text = fmt.text.lstrip("\ufeff")
    if fmt.skip:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if not complete:
        text = complete_lines(text, len(text), False)
    grid = parse_records(
        io.StringIO(text, newline=""), fmt.delimiter, skip=fmt.skip, limit=HEAD_RECORDS,
        limits=limits,
    )  # fmt: skip
    grid.container, grid.encoding, grid.delimiter = container, fmt.encoding, fmt.delimiter
    records = len(grid.frame)
    grid.complete = complete and records < HEAD_RECORDS
    if grid.complete:
        grid.rows_estimate = records
    else:
        total: int | None = src.size
        if gz:
            isize = int.from_bytes(src.tail(4), "little") if src.size >= 18 else 0
            total = isize if isize >= len(head) else None
        lines = text.count("\n")
        grid.rows_estimate = round(lines * total / len(head)) if total and head else None
    return grid
