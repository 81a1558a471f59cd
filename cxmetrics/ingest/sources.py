"""Where an upload's bytes are (`Source`: a path, bytes or a file object, never copied whole
into memory when it is a path) and what reading them gives (`Grid`: rows of text cells).

A source is a path (read in place), `bytes`, or a binary file-like object (Streamlit's
UploadedFile). What it holds is found from its bytes, not its name (`containers`); the text
of a delimited file is parsed by `records`, a workbook by `workbooks`, and `read` chains
them. Nothing is trimmed or converted: every cell of a grid is the text as read.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from cxmetrics.ingest.reasons import UnreadableFile

HEAD_BYTES = 1 << 20  # what inspection and sniffing look at
READ_CHUNK = 1 << 20  # bytes read (and decompressed) at a time
CHUNK_RECORDS = 65_536  # rows per Arrow chunk when a grid is built row by row


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
        """The sha256 of the bytes as uploaded (read once, when first asked)."""
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

    @sha256.setter
    def sha256(self, digest: str) -> None:
        """Keep a sha256 found while the bytes were read anyway (or those of the upload a
        source was unpacked from)."""
        self._sha = digest

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
