"""Workbooks (.xlsx): checked before they are opened, then read with python-calamine.

A workbook's parts are unpacked and counted in bounded pieces before python-calamine (which
reads a whole sheet at once) sees them, whatever its zip directory declares; a damaged or
password-protected workbook is refused. Date cells arrive as dates and numbers as numbers,
and both are written out here as unambiguous text (ISO dates, plain decimals).
"""

from __future__ import annotations

import datetime as dt
import math
import struct
import zipfile
import zlib
from typing import IO, Any

import numpy as np
import pyarrow as pa

from cxmetrics.config import IngestLimits
from cxmetrics.ingest.limits import (
    DEFAULT_LIMITS,
    check_cells,
    check_record_lengths,
    too_big,
    too_wide,
)
from cxmetrics.ingest.reasons import UnreadableFile
from cxmetrics.ingest.sources import CHUNK_RECORDS, READ_CHUNK, Grid, Source

MAX_ZIP_MEMBERS = 10_000  # parts of a workbook


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


def zip_entries(src: Source) -> int | None:
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
            raise too_big("its parts unpack to", limits)
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
                    raise too_big("its parts unpack to", limits)
                chunk = inflate.unconsumed_tail
        while not inflate.eof and (piece := inflate.decompress(b"", READ_CHUNK)):
            size += len(piece)
            if size > budget:
                raise too_big("its parts unpack to", limits)
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
        raise too_big("it holds", limits)
    try:
        with src.open() as fh, zipfile.ZipFile(fh) as book:
            infos = book.infolist()
            if sum(info.file_size for info in infos) > limits.input_bytes:
                raise too_big("its parts unpack to", limits)
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
            raise too_wide(width, limits)
        if limit is None:
            check_cells(sheet.height, width, limits, about=False)
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
    check_record_lengths(table, start + 1, limits)
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
