"""What an upload's bytes are (gzip, a workbook, else delimited text), found from the bytes
and never from the name, and a .gz read in bounded pieces.

A .gz is decompressed once, piece by piece, to count what it expands to and to find one
cut short or damaged before anything is parsed; a workbook inside a .gz is unpacked and
checked like any workbook. Old .xls, PDFs and other zip archives are refused by name.
"""

from __future__ import annotations

import gzip
import hashlib
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cxmetrics.config import IngestLimits
from cxmetrics.ingest.limits import too_big
from cxmetrics.ingest.reasons import UnreadableFile
from cxmetrics.ingest.sources import READ_CHUNK, Source
from cxmetrics.ingest.workbooks import MAX_ZIP_MEMBERS, check_workbook, zip_entries


def _sniff_container(src: Source, head: bytes) -> str:
    if not head:
        raise UnreadableFile("the file is empty (0 bytes): export it again, with its header row")
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        entries = zip_entries(src)
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


def gunzip_head(src: Source, n: int) -> tuple[bytes, bool]:
    """The first `n` decompressed bytes and whether that is the whole content."""
    try:
        with src.open() as fh, gzip.GzipFile(fileobj=fh) as gz:
            data = gz.read(n + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise damaged_gzip(exc) from exc
    return data[:n], len(data) <= n


def damaged_gzip(exc: BaseException) -> UnreadableFile:
    """The refusal of a .gz cut short (EOFError) or otherwise damaged."""
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
                        raise too_big("it expands to" if gz else "it holds", limits)
    except zlib.error as exc:
        raise damaged_gzip(exc) from exc
    if unzip is not None and not unzip.complete:
        raise damaged_gzip(EOFError())
    return Scan(digest.hexdigest(), size, lines)


def gunzip_all(src: Source, limits: IngestLimits) -> bytes:
    """The whole content of a .gz (a workbook inside one), refused past the input limit."""
    unzip, parts, size = _Gunzip(), [], 0
    try:
        with src.open() as fh:
            while chunk := fh.read(READ_CHUNK):
                for part in unzip.feed(chunk):
                    size += len(part)
                    if size > limits.input_bytes:
                        raise too_big("it expands to", limits)
                    parts.append(part)
    except zlib.error as exc:
        raise damaged_gzip(exc) from exc
    if not unzip.complete:
        raise damaged_gzip(EOFError())
    return b"".join(parts)


def container_of(src: Source, limits: IngestLimits) -> tuple[Source, str]:
    """What the bytes are ("csv", "gzip" or "xlsx") and the source to read (a workbook
    inside a .gz unpacked), refused when too large or not a data file."""
    container = _sniff_container(src, src.head(8))
    if container == "gzip":
        inner, _ = gunzip_head(src, 8)
        if inner[:4] == b"PK\x03\x04":  # a workbook inside a .gz
            unpacked = Source(gunzip_all(src, limits), src.name)
            unpacked.sha256 = src.sha256
            check_workbook(unpacked, limits)
            return unpacked, "xlsx"
        if not inner:
            raise UnreadableFile(
                "the .gz archive holds an empty file: export it again, with its header row"
            )
    elif container == "csv" and src.size > limits.input_bytes:
        raise too_big("it holds", limits)
    if container == "xlsx":
        check_workbook(src, limits)
    return src, container
