"""Delimited text: its encoding, its delimiter, an Excel `sep=` line, its header row.

The encoding is found from byte-order marks, strict UTF-8, or charset-normalizer
(Windows-1252 preferred when it fits as well as any other code page, as Excel writes it in
the West); the delimiter is what `csv.Sniffer` picks among `, ; tab |`, checked against how
evenly each candidate splits the first records. Binary content is refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from cxmetrics.config import IngestLimits
from cxmetrics.ingest.limits import DEFAULT_LIMITS, line_too_long, megabytes, too_wide
from cxmetrics.ingest.reasons import UnreadableFile

SNIFF_CHARS = 32_768  # text csv.Sniffer sees
DELIMITERS = ",;\t|"


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


def complete_lines(text: str, limit: int, complete: bool) -> str:
    """The first `limit` characters of `text`, cut after their last whole line when there
    is more text than that."""
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
    sample = complete_lines(text, SNIFF_CHARS, complete)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    scores = {d: _evenness(sample, d) for d in DELIMITERS}
    if sniffed in scores and scores[sniffed][1] >= 2 and scores[sniffed][0] >= 0.8:
        return sniffed
    best = max(DELIMITERS, key=lambda d: scores[d])
    return best if scores[best][1] >= 2 else ","


@dataclass
class TextFormat:
    """How a delimited file is written, found from its head."""

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
            f"the first line (the header row) is longer than {megabytes(len(head))}: check "
            "that it is a data export whose first row holds the column names"
        )
    if (min(ends) if ends else len(head)) > limits.line_bytes:
        raise line_too_long("the first line (the header row)", limits)


def text_format(head: bytes, complete: bool, limits: IngestLimits = DEFAULT_LIMITS) -> TextFormat:
    """The encoding, delimiter and lines to skip of delimited text, from its head."""
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


def text_lines(stream: IO[bytes], fmt: TextFormat, limits: IngestLimits) -> Iterator[str]:
    """The file's lines as text, a line longer than the limit refused before it is held."""
    readline = io.TextIOWrapper(stream, encoding=fmt.encoding, newline="").readline
    longest = limits.line_bytes
    number = 0
    while line := readline(longest + 1):
        number += 1
        if len(line) > longest:
            raise line_too_long(f"line {number}", limits)
        if number == 1:
            line = line.lstrip("\ufeff")
        if number > fmt.skip:
            yield line


def arrow_encoding(encoding: str) -> str:
    """A Python codec name as pyarrow's CSV reader names it."""
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def first_width(fmt: TextFormat, limits: IngestLimits) -> int:
    """Columns in the header row (refused past the column limit)."""
    lines = io.StringIO(fmt.text.lstrip("\ufeff"), newline="")
    for _ in range(fmt.skip):
        lines.readline()
    width = 1
    for rec in csv.reader(lines, delimiter=fmt.delimiter):
        width = max(1, len(rec))
        break
    if width > limits.max_columns:
        raise too_wide(width, limits)
    return width
