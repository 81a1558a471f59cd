"""The only place that opens database connections (SQLAlchemy engine from a URL)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Connection, text

from cxmetrics.config import DEFAULT_DB_URL, PROJECT_ROOT, Settings, load_settings
from cxmetrics.store import rollups, schema

T = TypeVar("T")


def resolve_url(url: str) -> str:
    """Make a DuckDB file URL absolute and create its folder.

    The default URL is relative to the project root (so `make run` and the CLI share one
    store wherever they are started); any other relative path is relative to the cwd.
    """
    if not url.startswith("duckdb:///") or url.startswith("duckdb:///:memory:"):
        return url
    path = Path(url.removeprefix("duckdb:///").split("?", 1)[0])
    if not path.is_absolute():
        base = PROJECT_ROOT if url == DEFAULT_DB_URL else Path.cwd()
        path = base / path
    path.parent.mkdir(parents=True, exist_ok=True)
    query = url.split("?", 1)[1] if "?" in url else ""
    return f"duckdb:///{path}" + (f"?{query}" if query else "")


class Reader:
    """Parameterised reads on one open connection (see `Store.snapshot`)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[sa.Row]:
        return list(self.conn.execute(text(sql), dict(params or {})).fetchall())

    def frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        result = self.conn.execute(text(sql), dict(params or {}))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.conn.execute(text(sql), dict(params or {})).scalar()


class Store:
    """A cxmetrics store: schema kept current, rollups kept in step with settings."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.url = resolve_url(settings.db_url)
        self.engine = sa.create_engine(self.url)
        self._writes = 0
        self._remembered: dict[Hashable, Any] = {}
        self._remembered_at = 0
        with self.transaction() as conn:
            applied = schema.migrate(conn)
            if schema.LONG_ROLLUPS in applied:
                rollups.refresh_long(conn)
            if schema.MATCHED_ROLLUP in applied:
                rollups.rebuild(conn, self.settings, ("adherence",))
            self._sync_rollup_settings(conn)

    @property
    def is_duckdb(self) -> bool:
        return self.engine.dialect.name == "duckdb"

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        self._writes += 1  # what is remembered from now on may be about to change…
        try:
            with self.engine.begin() as conn:
                yield conn
        finally:
            self._writes += 1  # …and is forgotten once the transaction has ended

    def remembered(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, remembered until the next write through `transaction()`.

        For small reads that only a write can change (targets in force, the last date with
        data). A DuckDB file has one writing process, this one, so no other writer can make
        a remembered value stale; with any other database every call computes.
        """
        if not self.is_duckdb:
            return compute()
        writes = self._writes
        if self._remembered_at != writes:
            self._remembered, self._remembered_at = {}, writes
        elif key in self._remembered:
            return self._remembered[key]
        value = compute()
        if self._writes == writes:  # no write began meanwhile
            self._remembered[key] = value
        return value

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Reader]:
        """Several reads on one connection and one transaction: they see the same data, and
        pay for the connection checkout and the BEGIN/ROLLBACK once."""
        with self.reading() as conn:
            yield Reader(conn)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[sa.Row]:
        """Run a parameterised read and return its rows."""
        with self.snapshot() as reader:
            return reader.rows(sql, params)

    def frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run a parameterised read and return a DataFrame."""
        with self.snapshot() as reader:
            return reader.frame(sql, params)

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        with self.snapshot() as reader:
            return reader.scalar(sql, params)

    def close(self) -> None:
        self.engine.dispose()

    def _sync_rollup_settings(self, conn: Connection) -> None:
        """Rebuild rollups when a setting they depend on has changed since they were built:
        the service-level thresholds (`SERVICE_LEVEL_KEY`, one value for every channel)."""
        wanted = service_level_setting(self.settings)
        stored = dict(
            conn.execute(
                text("SELECT key, value FROM store_settings WHERE key IN (:old, :new)"),
                {"old": LEGACY_SERVICE_LEVEL_KEY, "new": SERVICE_LEVEL_KEY},
            ).all()
        )
        if stored.get(SERVICE_LEVEL_KEY) == wanted:
            return
        if stored:  # rollups built under other thresholds (or under one for every channel)
            rollups.rebuild(conn, self.settings, ("interactions",))
        conn.execute(
            text("DELETE FROM store_settings WHERE key IN (:old, :new)"),
            {"old": LEGACY_SERVICE_LEVEL_KEY, "new": SERVICE_LEVEL_KEY},
        )
        conn.execute(
            text("INSERT INTO store_settings VALUES (:key, :v)"),
            {"key": SERVICE_LEVEL_KEY, "v": wanted},
        )


# The store_settings row recording the service-level thresholds the rollups were built with
# (before per-channel thresholds: one number of seconds under the legacy key).
SERVICE_LEVEL_KEY = "service_level"
LEGACY_SERVICE_LEVEL_KEY = "service_level_seconds"


def service_level_setting(settings: Settings) -> str:
    """The thresholds as one stored value: `default=20;email=86400;…`."""
    by_channel = sorted(settings.service_level_thresholds().items())
    return ";".join(
        [f"default={settings.service_level_seconds}"] + [f"{c}={t}" for c, t in by_channel]
    )


def register_table(conn: Connection, name: str, table: Any) -> None:
    """Expose an in-memory Arrow table or DataFrame to SQL on this connection (DuckDB)."""
    conn.connection.driver_connection.register(name, table)


def unregister_table(conn: Connection, name: str) -> None:
    conn.connection.driver_connection.unregister(name)


def open_store(db_url: str | None = None, settings: Settings | None = None) -> Store:
    """Open (creating and migrating when needed) the store at `db_url` or the configured one."""
    settings = settings or load_settings(db_url)
    if db_url and settings.db_url != db_url:
        settings = Settings(**{**settings.__dict__, "db_url": db_url})
    return Store(settings)


def is_empty(store: Store) -> bool:
    """True for a store that never held a batch (a cleared demo does not make it empty)."""
    return not store.scalar("SELECT count(*) FROM upload_batches")
