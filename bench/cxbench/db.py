"""DuckDB as the benchmark uses it: store URLs, quiet connections, files on disk.

DuckDB's Python client turns its progress bar on in every connection of a process whose
`__main__` has no file, which is what a `multiprocessing` spawn child looks like while it
imports the benchmark; long statements of the demo builds then drew bars across the run's
output. `quiet_progress_bars()` turns the bar off on every connection the benchmark's
processes open: its own (`connect`) and, through a SQLAlchemy pool listener, the store's,
without touching the library.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import sqlalchemy as sa
from sqlalchemy.pool import Pool

PROGRESS_BAR_OFF = "SET enable_progress_bar = false"


def url(path: Path | str) -> str:
    """The store URL of a DuckDB file."""
    return f"duckdb:///{path}"


def connect(path: Path | str | None = None, *, read_only: bool = False):
    """A plain DuckDB connection (a file, or in memory when `path` is None), no progress bar."""
    con = duckdb.connect(str(path), read_only=read_only) if path else duckdb.connect()
    con.execute(PROGRESS_BAR_OFF)
    return con


def _progress_bar_off(dbapi_connection, _record) -> None:
    if "duckdb" in type(dbapi_connection).__module__:
        dbapi_connection.execute(PROGRESS_BAR_OFF)


def quiet_progress_bars() -> None:
    """From now on, every SQLAlchemy connection this process opens to DuckDB draws no bar."""
    if not sa.event.contains(Pool, "connect", _progress_bar_off):
        sa.event.listen(Pool, "connect", _progress_bar_off)


def quoted(path: Path) -> str:
    """A path as the body of a single-quoted SQL string (COPY … TO takes no parameter)."""
    return str(path).replace("'", "''")


def size_on_disk(path: Path) -> int:
    """Bytes on disk of a DuckDB file (with its WAL, if any)."""
    total = 0
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            total += p.stat().st_size
    return total


def remove(path: Path) -> None:
    """Delete a DuckDB file and its WAL, if they exist."""
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
