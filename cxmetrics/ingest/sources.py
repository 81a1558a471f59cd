"""Reading any export into a grid of text cells (step 1 of an ingest).

A *source* is a path (read in place, never copied into memory whole), `bytes`, or a binary
file-like object (Streamlit's UploadedFile). What it holds is found from its bytes, not its
name: gzip by its magic bytes, an .xlsx workbook by the zip magic plus an `xl/` entry, else
delimited text, whose encoding is found from byte-order marks, strict UTF-8, or
charset-normalizer (Windows-1252 preferred when it fits as well as any other code page, as
Excel writes it in the West), and whose delimiter `csv.Sniffer` picks among `, ; tab |`,
checked against how evenly each candidate splits the first records.

Delimited text is parsed by pyarrow (fast, multi-threaded, compact strings); a file it
cannot take as it is (a row longer or shorter than the header, a quote never closed) is
parsed again by the `csv` module, record by record, so each odd row can be reported alone.
Workbooks are read with python-calamine: date cells arrive as dates, numbers as numbers,
and both are written out here as unambiguous text (ISO dates, plain decimals).

Nothing is trimmed or converted beyond that: every cell of the result is the text as read.

Limits (`config.IngestLimits`: expanded size, columns, line length, cells) are checked while
the bytes stream past, before anything large is held: a .gz is decompressed once in bounded
pieces to count what it expands to (and to find one cut short), a workbook's zip members are
unpacked the same way before python-calamine (which reads a whole sheet at once) sees them.
A file past a limit is refused whole with a one-line reason.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import hashlib
import io
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cxmetrics.config import IngestLimits
from cxmetrics.ingest.canonical import UnreadableFile

HEAD_BYTES = 1 << 20  # what inspection and sniffing look at
HEAD_RECORDS = 2_000  # records parsed for an inspection
SNIFF_CHARS = 32_768  # text csv.Sniffer sees
DELIMITERS = ",;\t|"
CHUNK_RECORDS = 65_536  # rows per Arrow chunk in the record-by-record parser
BLOCK_SIZE = 8 << 20  # pyarrow block; grown when one record is larger
MAX_BLOCK = 1 << 30
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
READ_CHUNK = 1 << 20  # bytes read (and decompressed) at a time
MAX_ZIP_MEMBERS = 10_000  # parts of a workbook
DEFAULT_LIMITS = IngestLimits()

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


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB" if size >= 1 << 20 else f"{size / 1024:,.0f} KB"


def _too_big(what: str, limits: IngestLimits) -> UnreadableFile:
    return UnreadableFile(
        f"{what} more than {_megabytes(limits.input_bytes)}, the most one upload may hold: "
        "split the export into smaller files (or raise CXMETRICS_MAX_INPUT_MB)"
    )


def _line_too_long(where: str, limits: IngestLimits) -> UnreadableFile:
    return UnreadableFile(
        f"{where} is longer than {_megabytes(limits.line_bytes)}, the most one line may hold: "
        "check that it is a data export (or raise CXMETRICS_MAX_LINE_KB)"
    )


def _too_wide(width: int, limits: IngestLimits) -> UnreadableFile:
    return UnreadableFile(
        f"the header has {width:,} columns, more than the {limits.max_columns:,} one upload "
        "may have: remove the columns not needed (or raise CXMETRICS_MAX_COLUMNS)"
    )


def _check_cells(rows: int, width: int, limits: IngestLimits, *, about: bool) -> None:
    if rows * width > limits.max_cells:
        count = f"about {rows:,}" if about else f"{rows:,}"
        raise UnreadableFile(
            f"it has {count} rows of {width:,} columns, more than the {limits.max_cells:,} "
            "cells one upload may hold: split it into smaller files (or raise "
            "CXMETRICS_MAX_CELLS)"
        )


# ---------------------------------------------------------------- where the bytes are


class Source:
    """A path, bytes or a binary file-like object, with its name and its sha256."""

    def __init__(self, source: Any, filename: str | None = None):
        self.path: Path | None = None
        self.data: bytes | None = None
        if isinstance(source, str | Path):
            path = Path(source)
            if not path.exists():
                raise UnreadableFile("there is no such file: check the path and the file name")
            if path.is_dir():
                raise UnreadableFile("it is a folder, not a file: give the path of a .csv file")
            try:
                with path.open("rb"):
                    pass
            except OSError as exc:
                raise UnreadableFile(
                    f"it cannot be opened ({exc.strerror}): check its permissions"
                ) from exc
            self.path = path
            self.name = filename or path.name
        elif isinstance(source, bytes):
            self.data = source
            self.name = filename or "upload"
        elif isinstance(source, bytearray | memoryview):
            self.data = bytes(source)
            self.name = filename or "upload"
        elif hasattr(source, "read"):
            # BytesIO (and Streamlit's UploadedFile, a BytesIO) hands its bytes over without
            # a copy; a file opened from disk is read from its path; anything else once.
            name = getattr(source, "name", None)
            if isinstance(name, str) and not hasattr(source, "getvalue") and Path(name).is_file():
                self.path = Path(name)
                self.name = filename or self.path.name
                self._sha = None
                return
            if hasattr(source, "getvalue"):
                self.data = source.getvalue()
            else:
                if hasattr(source, "seek"):
                    source.seek(0)
                self.data = source.read()
            if isinstance(self.data, str):
                raise TypeError("open the file in binary mode ('rb'), not as text")
            self.name = filename or Path(str(getattr(source, "name", "") or "upload")).name
        else:
            raise TypeError(
                f"source must be a path, bytes or a binary file object, not {type(source).__name__}"
            )
        self._sha: str | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.data or b"")

    def open(self) -> IO[bytes]:
        if self.path is not None:
            return self.path.open("rb")
        return io.BytesIO(self.data or b"")

    def head(self, n: int = HEAD_BYTES) -> bytes:
        if self.path is None:
            return (self.data or b"")[:n]
        with self.open() as fh:
            return fh.read(n)

    def tail(self, n: int) -> bytes:
        if self.path is None:
            return (self.data or b"")[-n:]
        with self.open() as fh:
            fh.seek(max(0, self.size - n))
            return fh.read()

    @property
    def sha256(self) -> str:
        if self._sha is None:
            digest = hashlib.sha256()
            if self.path is None:
                digest.update(self.data or b"")
            else:
                with self.open() as fh:
                    while chunk := fh.read(1 << 20):
                        digest.update(chunk)
            self._sha = digest.hexdigest()
        return self._sha

    def arrow_input(self) -> Any:
        """What pyarrow reads: the path itself, or the bytes without a copy."""
        if self.path is not None:
            return pa.OSFile(str(self.path))
        return pa.BufferReader(pa.py_buffer(self.data or b""))


# ---------------------------------------------------------------- what the bytes are


@dataclass
class Grid:
    """A file as rows of text cells, header rows included (row 0 is the file's first record)."""

    frame: pd.DataFrame  # columns 0..width-1, every cell a str
    line_no: np.ndarray  # record number of each row (the first record is 1)
    sha256: str
    container: str  # "csv" | "gzip" | "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    complete: bool = True  # False: only the head of the file was read (inspection)
    rows_estimate: int | None = None  # records in the whole file (head reads)
    width_errors: dict[int, str] = field(default_factory=dict)  # row position -> reason
    raw_override: dict[int, str] = field(default_factory=dict)  # position -> raw text
    notes: list[str] = field(default_factory=list)  # things an analyst should know


def _sniff_container(src: Source, head: bytes) -> str:
    if not head:
        raise UnreadableFile("the file is empty (0 bytes): export it again, with its header row")
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        entries = _zip_entries(src)
        if entries is not None and entries > MAX_ZIP_MEMBERS:
            raise UnreadableFile(
                f"it is a zip archive of more than {MAX_ZIP_MEMBERS:,} parts, not a workbook: "
                "export the data as .xlsx or CSV"
            )
        try:
            with src.open() as fh, zipfile.ZipFile(fh) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise UnreadableFile(
                "it looks like a zip archive or workbook but is damaged: export it again"
            ) from exc
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        raise UnreadableFile(
            "it is a zip archive, not a spreadsheet: unzip it and load the CSV or .xlsx inside"
        )
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            "it is an old-style .xls workbook (or a password-protected one): save it as .xlsx "
            "without a password, or as CSV UTF-8"
        )
    if head[:5] == b"%PDF-":
        raise UnreadableFile("it is a PDF, not a data file: export the data as CSV or .xlsx")
    return "csv"


def _gunzip_head(src: Source, n: int) -> tuple[bytes, bool]:
    """The first `n` decompressed bytes and whether that is the whole content."""
    try:
        with src.open() as fh, gzip.GzipFile(fileobj=fh) as gz:
            data = gz.read(n + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise _damaged_gzip(exc) from exc
    return data[:n], len(data) <= n


def _damaged_gzip(exc: BaseException) -> UnreadableFile:
    if isinstance(exc, EOFError):
        return UnreadableFile(
            "the .gz file is cut short (it ends before its compressed data does), so none of "
            "it is loaded: copy or download it again, or load the uncompressed file"
        )
    return UnreadableFile(
        "the .gz file is damaged and cannot be decompressed, so none of it is loaded: "
        "compress it again, or load the uncompressed file"
    )


class _Gunzip:
    """A .gz (one member or several, zero padding allowed, as gzip writes them)
    decompressed piece by piece: no piece is larger than READ_CHUNK whatever the ratio."""

    def __init__(self):
        self.inflate: Any = zlib.decompressobj(wbits=31)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            if self.inflate is None:  # between members: zero padding, or the next member
                data = data.lstrip(b"\x00")
                if not data:
                    return
                self.inflate = zlib.decompressobj(wbits=31)
            out = self.inflate.decompress(data, READ_CHUNK)
            if out:
                yield out
            if self.inflate.eof:
                data, self.inflate = self.inflate.unused_data, None
                continue
            data = self.inflate.unconsumed_tail
            if not data and len(out) < READ_CHUNK:
                return

    @property
    def complete(self) -> bool:
        """Every member ended where its compressed data says it does."""
        return self.inflate is None


@dataclass
class Scan:
    """What one pass over a file found: the sha256 of its bytes as uploaded, and the size
    and line count of its content (decompressed, for a .gz)."""

    sha256: str
    size: int
    lines: int


def scan(src: Source, gz: bool, limits: IngestLimits) -> Scan:
    """One streaming pass: the sha256, and (a .gz decompressed in bounded pieces) the size and
    lines of the content. Refuses a file larger than the input limit, or a .gz that is cut
    short or damaged, before anything is parsed."""
    digest = hashlib.sha256()
    unzip = _Gunzip() if gz else None
    size = lines = 0
    try:
        with src.open() as fh:
            while chunk := fh.read(READ_CHUNK):
                digest.update(chunk)
                for part in (chunk,) if unzip is None else unzip.feed(chunk):
                    size += len(part)
                    lines += part.count(b"\n")
                    if size > limits.input_bytes:
                        raise _too_big("it expands to" if gz else "it holds", limits)
    except zlib.error as exc:
        raise _damaged_gzip(exc) from exc
    if unzip is not None and not unzip.complete:
        raise _damaged_gzip(EOFError())
    return Scan(digest.hexdigest(), size, lines)


def _gunzip_all(src: Source, limits: IngestLimits) -> bytes:
    """The whole content of a .gz (a workbook inside one), refused past the input limit."""
    unzip, parts, size = _Gunzip(), [], 0
    try:
        with src.open() as fh:
            while chunk := fh.read(READ_CHUNK):
                for part in unzip.feed(chunk):
                    size += len(part)
                    if size > limits.input_bytes:
                        raise _too_big("it expands to", limits)
                    parts.append(part)
    except zlib.error as exc:
        raise _damaged_gzip(exc) from exc
    if not unzip.complete:
        raise _damaged_gzip(EOFError())
    return b"".join(parts)


# ---------------------------------------------------------------- encoding


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decodes(head: bytes, encoding: str, complete: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _non_ascii_lines(data: bytes, limit: int = 65_536) -> bytes:
    """The lines that hold non-ASCII bytes (what an encoding detector needs to see)."""
    out, size = [], 0
    for line in data.splitlines(keepends=True):
        if not line.isascii():
            out.append(line)
            size += len(line)
            if size >= limit:
                break
    return b"".join(out) or data[:limit]


def detect_encoding(head: bytes, complete: bool) -> str:
    """The text encoding of a file from its first bytes (a Python codec name)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        guess = _utf16_without_bom(head)
        if guess and _decodes(head[: len(head) & ~1], guess, False):
            return guess
        # A stray zero byte in a cell rejects that row (validation); control bytes beyond
        # the odd one make it binary.
        if len(_CONTROL_BYTES.findall(head)) > max(2, 0.01 * len(head)):
            raise UnreadableFile(
                "it is not a text file (binary content): export the data as CSV (UTF-8) "
                "or .xlsx and load that file"
            )
    if _decodes(head, "utf-8", complete):
        return "utf-8"
    import charset_normalizer

    matches = list(charset_normalizer.from_bytes(_non_ascii_lines(head)))
    if not matches:
        raise UnreadableFile(
            "its text encoding cannot be recognised (it may be binary): save it as "
            "'CSV UTF-8' and load it again"
        )
    # Several code pages often read a Western file equally well; Excel writes Windows-1252.
    best = min(m.percent_chaos for m in matches)
    for m in matches:
        fits = m.percent_chaos <= best + 0.5
        western = "cp1252" in (m.encoding, *m.could_be_from_charset)
        if fits and western and _decodes(head, "cp1252", complete):
            return "cp1252"
    return matches[0].encoding


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _decode_head(head: bytes, encoding: str, complete: bool) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=complete)
    sample = text[:65_536]
    if sample and len(_CONTROL.findall(sample)) > max(2, 0.01 * len(sample)):
        raise UnreadableFile(
            "it is not a text file (binary content): export the data as CSV (UTF-8) "
            "or .xlsx and load that file"
        )
    return text


# ---------------------------------------------------------------- delimiter


def _complete_lines(text: str, limit: int, complete: bool) -> str:
    sample = text[:limit]
    if (len(text) > limit or not complete) and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    return sample


def _evenness(sample: str, delimiter: str) -> tuple[float, int]:
    """(share of records as wide as the first, width of the first) for a delimiter."""
    records = [
        r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if any(r)
    ][:200]
    if not records or len(records[0]) < 2:
        return 0.0, len(records[0]) if records else 0
    width = len(records[0])
    return sum(len(r) == width for r in records) / len(records), width


def sniff_delimiter(text: str, complete: bool = True) -> str:
    """`csv.Sniffer` restricted to , ; tab |, kept when it splits the records evenly."""
    sample = _complete_lines(text, SNIFF_CHARS, complete)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    scores = {d: _evenness(sample, d) for d in DELIMITERS}
    if sniffed in scores and scores[sniffed][1] >= 2 and scores[sniffed][0] >= 0.8:
        return sniffed
    best = max(DELIMITERS, key=lambda d: scores[d])
    return best if scores[best][1] >= 2 else ","


# ---------------------------------------------------------------- record-by-record parser


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


def _parse_records(
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
                raise _too_wide(width, limits)
            columns = [[] for _ in range(width)]
        line_no.append(pos + 1 + skip)
        if sum(map(len, rec)) + len(rec) > longest:
            raise _line_too_long(f"line {pos + 1 + skip}", limits)
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


# ---------------------------------------------------------------- delimited text


@dataclass
class TextFormat:
    encoding: str
    delimiter: str
    skip: int  # lines before the header (an Excel "sep=;" line)
    text: str  # the decoded head
    complete: bool  # the head is the whole content


_SEP_LINE = re.compile(r"^\ufeff?sep=(.)\r?\n", re.IGNORECASE)


def _check_header_line(head: bytes, complete: bool, limits: IngestLimits) -> None:
    """Refuse a file whose first line does not end within the head read (or the limit)."""
    ends = [p for p in (head.find(b"\n"), head.find(b"\r")) if p != -1]
    if not ends and not complete:
        raise UnreadableFile(
            f"the first line (the header row) is longer than {_megabytes(len(head))}: check "
            "that it is a data export whose first row holds the column names"
        )
    if (min(ends) if ends else len(head)) > limits.line_bytes:
        raise _line_too_long("the first line (the header row)", limits)


def text_format(head: bytes, complete: bool, limits: IngestLimits = DEFAULT_LIMITS) -> TextFormat:
    _check_header_line(head, complete, limits)
    encoding = detect_encoding(head, complete)
    text = _decode_head(head, encoding, complete)
    if not text.lstrip("\ufeff").strip():
        raise UnreadableFile("the file has no header row (only blank lines): export it again")
    skip = 0
    sep = _SEP_LINE.match(text)
    if sep and sep.group(1) in DELIMITERS:
        delimiter, skip = sep.group(1), 1
    else:
        delimiter = sniff_delimiter(text.lstrip("\ufeff"), complete)
    return TextFormat(encoding, delimiter, skip, text, complete)


def _text_lines(stream: IO[bytes], fmt: TextFormat, limits: IngestLimits) -> Iterator[str]:
    """The file's lines as text, a line longer than the limit refused before it is held."""
    readline = io.TextIOWrapper(stream, encoding=fmt.encoding, newline="").readline
    longest = limits.line_bytes
    number = 0
    while line := readline(longest + 1):
        number += 1
        if len(line) > longest:
            raise _line_too_long(f"line {number}", limits)
        if number == 1:
            line = line.lstrip("\ufeff")
        if number > fmt.skip:
            yield line


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _first_width(fmt: TextFormat, limits: IngestLimits) -> int:
    """Columns in the header row (refused past the column limit)."""
    lines = io.StringIO(fmt.text.lstrip("\ufeff"), newline="")
    for _ in range(fmt.skip):
        lines.readline()
    width = 1
    for rec in csv.reader(lines, delimiter=fmt.delimiter):
        width = max(1, len(rec))
        break
    if width > limits.max_columns:
        raise _too_wide(width, limits)
    return width


class _Irregular(Exception):
    """The fast parser met a row it cannot take as it is."""


class _NotUtf8(Exception):
    """A part of the file after its head is not UTF-8."""


def _check_record_lengths(table: pa.Table, first_line: int, limits: IngestLimits) -> None:
    """Refuse a file with a record longer than the line limit (naming its line)."""
    lengths = [pc.binary_length(col) for col in table.columns]
    longest = sum(pc.max(length).as_py() or 0 for length in lengths) + table.num_columns
    if longest <= limits.line_bytes:
        return  # even the longest cells of every column side by side fit
    total = lengths[0]
    for length in lengths[1:]:
        total = pc.add(total, length)
    over = np.flatnonzero(_as_numpy(total) + table.num_columns > limits.line_bytes)
    if len(over):
        raise _line_too_long(f"line {int(over[0]) + first_line}", limits)


def _as_numpy(arr: pa.ChunkedArray) -> np.ndarray:
    return arr.to_numpy() if arr.num_chunks else np.array([], dtype=np.int64)


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
                    encoding=_arrow_encoding(fmt.encoding),
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
    _check_record_lengths(table, 1 + fmt.skip, limits)
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
        return _gunzip_head(src, HEAD_BYTES)
    return src.head(), src.size <= HEAD_BYTES


def read_text(src: Source, container: str, limits: IngestLimits, lines: int) -> Grid:
    """The whole delimited file as a grid (fast path, else record by record).

    lines: how many line breaks the content holds (from `scan`), to refuse a file with more
    cells than the limit before it is parsed."""
    gz = container == "gzip"
    head, complete = _text_head(src, gz)
    fmt = text_format(head, complete, limits)
    width = _first_width(fmt, limits)
    _check_cells(max(lines - fmt.skip, 1), width, limits, about=True)
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
            return _parse_records(
                _text_lines(stream, fmt, limits), fmt.delimiter, skip=fmt.skip, limits=limits
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
    _first_width(fmt, limits)
    text = fmt.text.lstrip("\ufeff")
    if fmt.skip:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if not complete:
        text = _complete_lines(text, len(text), False)
    grid = _parse_records(
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


# ---------------------------------------------------------------- workbooks


def _cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.microsecond:
            return value.isoformat(sep=" ")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _cell_text(value.total_seconds())
    return "" if value is None else str(value)


def _zip_entries(src: Source) -> int | None:
    """How many entries a zip's end record declares (None when there is no end record);
    read before `zipfile` builds an object for each of them."""
    tail = src.tail(65_535 + 22)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return struct.unpack("<H", tail[at + 10 : at + 12])[0]


def _damaged_workbook(why: str) -> UnreadableFile:
    return UnreadableFile(
        f"the workbook is damaged ({why}): open it in Excel and save it again as .xlsx"
    )


def _unpacked_size(fh: IO[bytes], info: zipfile.ZipInfo, budget: int, limits) -> int:
    """The bytes one zip member really unpacks to, counted while it is decompressed in
    bounded pieces (refused as soon as it passes `budget`)."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise _damaged_workbook("a part cannot be found where its directory says")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        if left > budget:
            raise _too_big("its parts unpack to", limits)
        return left
    inflate = zlib.decompressobj(-15)
    size = 0
    try:
        while left > 0:
            chunk = fh.read(min(READ_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            while chunk:
                size += len(inflate.decompress(chunk, READ_CHUNK))
                if size > budget:
                    raise _too_big("its parts unpack to", limits)
                chunk = inflate.unconsumed_tail
        while not inflate.eof and (piece := inflate.decompress(b"", READ_CHUNK)):
            size += len(piece)
            if size > budget:
                raise _too_big("its parts unpack to", limits)
    except zlib.error as exc:
        raise _damaged_workbook("a part cannot be decompressed") from exc
    if not inflate.eof:
        raise _damaged_workbook("a part is cut short")
    return size


def check_workbook(src: Source, limits: IngestLimits) -> None:
    """Refuse a workbook whose parts unpack to more than the input limit, before
    python-calamine (which reads a whole sheet at once) sees it. The sizes the zip directory
    declares are checked first and then not trusted: each part is unpacked and counted."""
    if src.size > limits.input_bytes:
        raise _too_big("it holds", limits)
    try:
        with src.open() as fh, zipfile.ZipFile(fh) as book:
            infos = book.infolist()
            if sum(info.file_size for info in infos) > limits.input_bytes:
                raise _too_big("its parts unpack to", limits)
            budget = limits.input_bytes
            for info in infos:
                if info.flag_bits & 0x1:
                    raise UnreadableFile(
                        "the workbook is password-protected: save it without a password"
                    )
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise _damaged_workbook("a part uses a compression Excel does not write")
                size = _unpacked_size(fh, info, budget, limits)
                if size != info.file_size:
                    raise _damaged_workbook("a part is not the size its directory says")
                budget -= size
    except (zipfile.BadZipFile, OSError, EOFError, struct.error) as exc:
        raise _damaged_workbook("its zip directory cannot be read") from exc


def read_xlsx(src: Source, limit: int | None = None, limits: IngestLimits = DEFAULT_LIMITS) -> Grid:
    """The first worksheet with data, as text cells (dates in ISO form, plain numbers).

    The workbook must have passed `check_workbook` (its unpacked size is bounded)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with src.open() as fh:
            book = CalamineWorkbook.from_filelike(fh)
        notes = []
        chosen = None
        sheets = [
            (i, m)
            for i, m in enumerate(book.sheets_metadata)
            if str(m.visible).endswith("Visible") and "WorkSheet" in str(m.typ)
        ] or list(enumerate(book.sheets_metadata))
        for i, meta in sheets:
            sheet = book.get_sheet_by_index(i)
            if sheet.height and sheet.width:
                chosen = (meta.name, sheet)
                break
        if chosen is None:
            raise UnreadableFile(
                "the workbook has no data on any sheet: export it again, with its header row"
            )
        name, sheet = chosen
        if len(book.sheet_names) > 1:
            notes.append(f"the workbook has {len(book.sheet_names)} sheets: read '{name}'")
        start = sheet.start[0] if sheet.start else 0
        width = sheet.width
        if width > limits.max_columns:
            raise _too_wide(width, limits)
        if limit is None:
            _check_cells(sheet.height, width, limits, about=False)
        columns: list[list[pa.Array]] = [[] for _ in range(width)]
        pending: list[list[str]] = []

        def flush():
            for j in range(width):
                columns[j].append(pa.array([r[j] for r in pending], pa.large_string()))
            pending.clear()

        rows = 0
        for row in sheet.iter_rows():
            if limit is not None and rows >= limit:
                break
            cells = [_cell_text(v) for v in row[:width]]
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            pending.append(cells)
            rows += 1
            if len(pending) >= CHUNK_RECORDS:
                flush()
        flush()
        height = sheet.height
    except CalamineError as exc:
        raise UnreadableFile(
            f"the workbook cannot be read ({exc}): open it in Excel and save it again as .xlsx"
        ) from exc
    text = pa.large_string()
    table = pa.table({str(j): pa.chunked_array(columns[j], text) for j in range(width)})
    _check_record_lengths(table, start + 1, limits)
    frame = table.combine_chunks().to_pandas()
    frame.columns = range(width)
    return Grid(
        frame=frame,
        line_no=np.arange(start + 1, start + 1 + rows, dtype=np.int64),
        sha256="",
        container="xlsx",
        complete=limit is None or rows < limit,
        rows_estimate=height,
        notes=notes,
    )


# ---------------------------------------------------------------- entry points


def _container(src: Source, limits: IngestLimits) -> tuple[Source, str]:
    container = _sniff_container(src, src.head(8))
    if container == "gzip":
        inner, _ = _gunzip_head(src, 8)
        if inner[:4] == b"PK\x03\x04":  # a workbook inside a .gz
            unpacked = Source(_gunzip_all(src, limits), src.name)
            unpacked._sha = src.sha256
            check_workbook(unpacked, limits)
            return unpacked, "xlsx"
        if not inner:
            raise UnreadableFile(
                "the .gz archive holds an empty file: export it again, with its header row"
            )
    elif container == "csv" and src.size > limits.input_bytes:
        raise _too_big("it holds", limits)
    if container == "xlsx":
        check_workbook(src, limits)
    return src, container


def read_grid(src: Source, limits: IngestLimits = DEFAULT_LIMITS) -> Grid:
    """The whole file as a grid of text cells; UnreadableFile (one line) when it cannot be
    read, or holds more than `limits` allow."""
    src, container = _container(src, limits)
    if container == "xlsx":
        grid = read_xlsx(src, limits=limits)
    else:
        found = scan(src, container == "gzip", limits)
        src._sha = found.sha256
        grid = read_text(src, container, limits, found.lines)
    grid.sha256 = src.sha256
    return grid


def read_head(src: Source, limits: IngestLimits = DEFAULT_LIMITS) -> Grid:
    """The first records only (an inspection), with an estimate of the file's records."""
    src, container = _container(src, limits)
    if container == "xlsx":
        grid = read_xlsx(src, limit=HEAD_RECORDS, limits=limits)
    else:
        grid = head_text(src, container, limits)
    grid.sha256 = ""
    return grid
