"""The only place that opens database connections (SQLAlchemy engine from a URL), to a
DuckDB file (the embedded default) or a PostgreSQL database (a shared deployment).

Opening checks the URL and the file before connecting, so a mistyped, unsupported or
unusable store is refused with one line (see `errors`) and nothing is half-created: a
command that only reads never creates a store, a store whose file or folder cannot be
written is opened read-only, and opening a store whose schema is current writes nothing.

Several processes share a store: on PostgreSQL writers take turns by an advisory lock
(`postgres.py`) and readers read snapshots; a DuckDB file is opened by one process at a
time, so processes take turns for it and never keep it while idle (`sharing.py`).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Connection, text

from cxmetrics.config import DEFAULT_DB_URL, PROJECT_ROOT, Settings, load_settings
from cxmetrics.store import measures, postgres, rollups, schema
from cxmetrics.store.dialect import POSTGRESQL
from cxmetrics.store.errors import (
    OTHER_STORE,
    BadStoreURL,
    StoreError,
    StoreMissing,
    StoreReadOnly,
    fault_from,
    read_only,
)
from cxmetrics.store.handoff import Host, hand_off
from cxmetrics.store.sharing import FileShare, file_state

T = TypeVar("T")

# One write lock per store URL in this process: writers (two browser sessions, a page and a
# thread) take turns, so a transaction always plans against every batch committed before it
# and a key can never be stored twice, whoever races.
_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(url: str) -> threading.RLock:
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(url, threading.RLock())


# Databases a store may live in, and the package that brings each driver module.
SUPPORTED = ("duckdb", "postgresql")
DRIVER_PACKAGES = {
    "duckdb": "duckdb-engine",
    "duckdb_engine": "duckdb-engine",
    "psycopg": "'psycopg[binary]'",
    "psycopg2": "psycopg2-binary",
    "pg8000": "pg8000",
    "asyncpg": "asyncpg",
}
EXAMPLE_URL = "duckdb:///data/cxmetrics.duckdb"


@dataclass(frozen=True)
class Location:
    """Where a store URL points, checked before anything is opened."""

    url: str  # with a DuckDB file path made absolute
    dialect: str
    path: Path | None  # the DuckDB file; None in memory or on a server
    label: str  # how messages name it: a relative path the user typed, else "the store"

    @property
    def in_memory(self) -> bool:
        return self.dialect == "duckdb" and self.path is None


def _parse(url: str) -> sa.URL:
    try:
        return sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        pass
    if "://" not in url:
        relative = url and not Path(url).is_absolute() and not url.startswith("~")
        example = f"duckdb:///{url}" if relative else "duckdb:////absolute/path/store.duckdb"
        raise BadStoreURL(
            f"the store URL is a path, not a URL: write it as {example} (three slashes before "
            "a relative path, four before an absolute one)"
        )
    scheme = url.split("://", 1)[0][:30]
    raise BadStoreURL(f"the store URL `{scheme}://…` cannot be parsed: write it like {EXAMPLE_URL}")


def locate(url: str) -> Location:
    """Check a store URL without connecting: it parses, names a supported database whose
    driver is installed, and (DuckDB) its file path made absolute.

    The default URL is relative to the project root (so `make run` and the CLI share one
    store wherever they are started); any other relative path is relative to the cwd.
    Raises BadStoreURL naming the problem and the fix.
    """
    url = url.strip()
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED:
        raise BadStoreURL(
            f"the store URL names `{backend[:30]}`, which cxmetrics does not support: use a "
            f"DuckDB file such as {EXAMPLE_URL} (or postgresql+psycopg://…)"
        )
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as exc:
        module = (getattr(exc, "name", None) or parsed.get_driver_name()).split(".")[0]
        package = DRIVER_PACKAGES.get(module, module)
        raise BadStoreURL(
            f"the store URL needs the {backend} driver `{module}`, which is not installed: "
            f"pip install {package}"
        ) from exc
    except sa.exc.NoSuchModuleError as exc:
        raise BadStoreURL(
            f"the store URL names the driver `{parsed.drivername[:40]}`, which SQLAlchemy "
            f"does not know: use {EXAMPLE_URL}"
        ) from exc
    if backend != "duckdb":
        return Location(url, backend, None, "the store")
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith(":memory:"):
        return Location(url, backend, None, "the in-memory store")
    typed = Path(database)
    label = "the store"
    if not typed.is_absolute() and url != DEFAULT_DB_URL:
        label = f"the store `{database}`"
    if not typed.is_absolute():
        typed = (PROJECT_ROOT if url == DEFAULT_DB_URL else Path.cwd()) / typed
    query = url.split("?", 1)[1] if "?" in url else ""
    return Location(f"duckdb:///{typed}" + (f"?{query}" if query else ""), backend, typed, label)


def resolve_url(url: str) -> str:
    """The store URL with a DuckDB file path made absolute (see `locate`)."""
    return locate(url).url


def _check_file(where: Location, *, create: bool) -> bool:
    """Check a DuckDB store's file before connecting; True when it can only be read.

    create: a missing store may be created (commands that write); otherwise a missing file
    is refused, so that a mistyped path never leaves an empty store behind.
    """
    path, label = where.path, where.label
    if path is None:
        if where.in_memory and not create:
            raise StoreMissing(
                "an in-memory store (duckdb:///:memory:) is always empty: point the store URL "
                f"(--db or CXMETRICS_DB_URL) at a store file such as {EXAMPLE_URL}"
            )
        return False
    if path.is_dir():
        raise BadStoreURL(
            f"the store URL points at a folder, not a file: add a file name to it, e.g. "
            f"{EXAMPLE_URL}"
        )
    if path.exists():
        if not os.access(path, os.R_OK):
            raise StoreError(
                f"{label} cannot be read (permission denied): give this user read access "
                f"to it, or {OTHER_STORE}"
            )
        # DuckDB writes a journal file beside the store, so the folder must be writable too.
        return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
    if not create:
        place = label.removeprefix("the store ") if label != "the store" else "that path"
        raise StoreMissing(
            f"there is no store at {place}: check the store URL (--db or CXMETRICS_DB_URL), "
            "or create one with `cxmetrics demo` or `cxmetrics ingest`"
        )
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        raise StoreReadOnly(
            f"{label} cannot be created: its folder is read-only; give this user write "
            f"access to it, or {OTHER_STORE}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise (fault_from(exc, label, os_errors=True) or exc) from exc
    return False


class Reader:
    """Parameterised reads on one open connection and transaction (see `Store.snapshot`):
    they all see the same data."""

    def __init__(self, conn: Connection, store: Store | None = None):
        self.conn = conn
        self.store = store
        self._version: int | None = None
        self._read = False  # a statement ran: the snapshot is taken (DuckDB takes it then)
        # A DuckDB file's state before the snapshot is taken (see `data_version`).
        share = store._share if store is not None else None
        self._state = file_state(share.path) if share is not None else None

    @property
    def data_version(self) -> int:
        """The data version this snapshot sees (read once).

        On a DuckDB file, without a statement when the store knows the version of the
        file's state and the file is in that state both before this snapshot was taken and
        now: no write came in between, so the snapshot sees that version."""
        if self._version is None:
            self._version = self._known_version()
        if self._version is None:
            self._version = int(self.scalar("SELECT version FROM data_version"))
            if self._state is not None:  # taken before the snapshot, as Store.data_version
                self.store._version_seen = (self._state, self._version)
        return self._version

    def _known_version(self) -> int | None:
        seen = self.store._version_seen if self._state is not None else None
        if seen is None or not self._read or seen[0] != self._state:
            return None
        return seen[1] if file_state(self.store._share.path) == self._state else None

    def remembered(self, key: Hashable, compute: Callable[[Reader], T]) -> T:
        """`compute(self)`, remembered by the store for the data version this snapshot sees:
        any committed write, by this process or another, makes it stale."""
        if self.store is None:
            return compute(self)
        return self.store._remember(self.data_version, key, lambda: compute(self))

    def _execute(self, sql: str, params: Mapping[str, Any] | None) -> sa.CursorResult:
        result = self.conn.execute(text(sql), dict(params or {}))
        self._read = True
        return result

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[sa.Row]:
        return list(self._execute(sql, params).fetchall())

    def frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        result = self._execute(sql, params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._execute(sql, params).scalar()


class Store:
    """A cxmetrics store: schema kept current, rollups kept in step with settings.

    create=False refuses a store that does not exist yet (commands that only read).
    check_later: the schema and rollups of an existing DuckDB file are brought up to date
    by the first operation, not here (a load reads a file for seconds before its first one:
    a file shared with the app is then asked for once for both). A
    DuckDB store whose file or folder cannot be written opens read-only (`read_only`):
    reads work, and every write raises StoreReadOnly before it starts. Driver errors that
    say the store is busy, damaged, full or read-only are raised as StoreErrors.
    """

    def __init__(self, settings: Settings, *, create: bool = True, check_later: bool = False):
        self.settings = settings
        self.location = locate(settings.db_url)
        self.url = self.location.url
        self.read_only = _check_file(self.location, create=create)
        self.engine = _engine(self.location, self.read_only)
        self.dialect = self.engine.dialect.name
        self._write_lock = _write_lock(self.url)
        self._memo: dict[Hashable, Any] = {}
        self._memo_version: int | None = None
        self._memo_lock = threading.Lock()
        # A DuckDB file is shared with other processes by taking turns (sharing.py); its
        # data version is remembered with the file's state, read again when that changes.
        self._share: FileShare | None = None
        self._version_seen: tuple[tuple, int] | None = None
        if self.location.path is not None:
            self._share = FileShare(
                self.location.path,
                wait_seconds=settings.store_wait_seconds,
                release=_weakly(self._let_go),
                label=self.label,
            )
        # Closed when garbage or at exit at the latest: a DuckDB connection still open as the
        # interpreter ends (the idle timer's pool) would outlive its module.
        self._hosting: list[Host] = []  # (a list: the finalizer stops a host started later)
        self._closer = weakref.finalize(self, _close, self._share, self.engine, self._hosting)
        self._current = False  # schema and rollups checked (and brought up to date)
        self._checking = False  # this thread is checking them: its own reads go ahead
        self._check_lock = threading.RLock()
        path = self.location.path
        if not (check_later and path is not None and path.exists()):
            try:
                self._ensure_current()
            except BaseException:
                self.close()
                raise

    def _ensure_current(self) -> None:
        """Bring the schema and rollups up to date once, before this store's first
        operation (other threads wait for it)."""
        if self._current:
            return
        with self._check_lock:
            if self._current or self._checking:
                return
            self._checking = True
            try:
                self._bring_up_to_date()
                self._current = True
            finally:
                self._checking = False

    @property
    def is_duckdb(self) -> bool:
        return self.dialect == "duckdb"

    @property
    def label(self) -> str:
        """How messages name this store ("the store", or a relative path the user typed)."""
        return self.location.label

    def _bring_up_to_date(self) -> None:
        """Migrate the schema and bring the rollups in line with their declarations and
        settings, writing nothing when all are current (so a read-only store opens)."""
        with self.reading() as conn:
            have = schema.current_version(conn)
            schema.check_not_newer(have)
            built = rollups.built_with(conn) if have else {}
        layout_current = built.get(rollups.LAYOUT_KEY) == measures.layout_signature()
        wanted = rollups.service_level_setting(self.settings)
        if (
            have == schema.SCHEMA_VERSION
            and layout_current
            and built.get(rollups.SERVICE_LEVEL_KEY) == wanted
        ):
            return
        if self.read_only:
            if have < schema.SCHEMA_VERSION or not layout_current:
                raise StoreReadOnly(
                    f"{self.label} is read-only and "
                    + (
                        "holds no cxmetrics store yet"
                        if not have
                        else f"was made by an older cxmetrics (schema {have}; this one uses "
                        f"{schema.SCHEMA_VERSION})"
                        if have < schema.SCHEMA_VERSION
                        else "its rollups were built by another cxmetrics version"
                    )
                    + ": open it once with write access so it can be set up, or "
                    + OTHER_STORE
                )
            # The rollups were built for other thresholds and cannot be rebuilt here: show
            # the numbers they hold, labelled with the thresholds they were built for.
            self.settings = rollups.settings_built_for(
                self.settings, built[rollups.SERVICE_LEVEL_KEY]
            )
            return
        with self.transaction() as conn:
            applied = schema.migrate(conn)
            rollups.bring_current(conn, self.settings, migrated=bool(applied))
            schema.create_read_indexes(conn)

    @contextmanager
    def _faults(self) -> Iterator[None]:
        """Raise a driver error that says the store is busy, damaged, full or read-only as
        the StoreError that says so (and what to do)."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            fault = fault_from(exc, self.label)
            if fault is None:
                raise
            raise fault from exc

    def require_writable(self) -> None:
        """Raise StoreReadOnly now, before any work, when this store cannot be written."""
        if self.read_only:
            raise read_only(self.label)

    @contextmanager
    def _connection(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A checked-out connection; a DuckDB file is opened (waiting for it while another
        process has it) or kept for this operation. snapshot: on PostgreSQL, its
        transaction sees one snapshot (REPEATABLE READ) however long it reads."""
        self._ensure_current()
        if self._share is None:
            with self.engine.connect() as conn:
                if snapshot and self.dialect == POSTGRESQL:
                    conn.execution_options(isolation_level="REPEATABLE READ")
                yield conn
            return
        with self._share.using(), self._share.connect(self.engine.connect) as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error.

        Write transactions on one store take turns: threads of this process by
        `_write_lock`, processes by PostgreSQL's advisory lock (a DuckDB file is held by one
        process at a time anyway)."""
        self.require_writable()
        with self._write_lock, self._faults(), self._connection() as conn, conn.begin():
            if self.dialect == POSTGRESQL:
                postgres.lock_writes(conn)
            yield conn
            # Committed with the writes: every cache keyed by the version goes stale.
            conn.execute(text("UPDATE data_version SET version = version + 1"))
        self._version_seen = None

    def remembered(self, key: Hashable, compute: Callable[[Reader], T]) -> T:
        """`compute(reader)`, remembered for the store's current data version (see
        `Reader.remembered`): small reads that only a write can change."""
        with self.snapshot() as db:
            return db.remembered(key, compute)

    def data_version(self) -> int:
        """The store's data version: it changes with every committed write, from any
        process, so caches keyed by it never serve what a writer replaced.

        On a DuckDB file it is remembered with the file's state (taken before the read, so
        a write that lands meanwhile is read next time): while no process writes, this
        opens nothing, and the app reruns without taking the file from a command."""
        if self._share is None:
            with self.snapshot() as db:
                return db.data_version
        state = file_state(self._share.path)
        seen = self._version_seen
        if seen is not None and seen[0] == state:
            return seen[1]
        with self.snapshot() as db:
            version = db.data_version
        self._version_seen = (state, version)
        return version

    def on_wait(self, notify: Callable[[bool], None]):
        """Context manager: within it, this thread's waits for a DuckDB file that another
        process has open call `notify(True)` as they start and `notify(False)` as they end
        (the app says "Loading new data…"); elsewhere a wait is said once on stderr."""
        if self._share is None:
            return nullcontext()
        return self._share.on_wait(notify)

    def host(self, handler: Callable[[Store, dict], dict]) -> bool:
        """Host this DuckDB file for commands (the app does): a command's work that
        `handler(store, request) -> reply` can do (a load) is asked of this process and
        runs here, beside its readers (store/handoff.py). False when there is no file to
        host or another process hosts it."""
        if self._share is not None and not self.read_only and not self._hosting:
            host = Host(self._share.path, handler, owner=self)
            if host.start():
                self._hosting.append(host)
        return bool(self._hosting)

    def hand_off(self, request: dict, waiting: Callable[[int], None] | None = None) -> dict | None:
        """The reply of the process hosting this DuckDB file to `request`; None when no other
        process hosts it or it could not answer (the caller does the work itself)."""
        if self._share is None:
            return None
        wait = self.settings.store_wait_seconds
        return hand_off(self._share.path, request, claim_seconds=wait, waiting=waiting)

    def _let_go(self) -> None:
        """Close every pooled connection, so that the DuckDB file is free for another
        process. First (while the file is still ours, so nobody else can change it) write
        the WAL into the file and remember the data version with the file's state."""
        try:
            with self.engine.connect() as conn:
                if not self.read_only:
                    conn.exec_driver_sql("CHECKPOINT")
                version = int(conn.execute(text("SELECT version FROM data_version")).scalar())
                self._version_seen = (file_state(self._share.path), version)
        except Exception:  # a store being set up has no version yet: just close
            self._version_seen = None
        finally:
            self.engine.dispose()

    def _remember(self, version: int, key: Hashable, compute: Callable[[], T]) -> T:
        with self._memo_lock:
            if self._memo_version != version:
                self._memo, self._memo_version = {}, version
            elif key in self._memo:
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            if self._memo_version == version:
                self._memo[key] = value
        return value

    @contextmanager
    def keeping(self) -> Iterator[None]:
        """Several operations of this thread as one turn for a DuckDB file: another process
        that asks for it meanwhile gets it when the block ends, not between them (each turn
        stops the app's readers for a moment). Nothing on PostgreSQL."""
        if self._share is None:
            yield
            return
        with self._share.using():
            yield

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads, in one transaction that sees one snapshot of the data."""
        with self._faults(), self._connection(snapshot=True) as conn:
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Reader]:
        """Several reads on one connection and one transaction: they see the same data, and
        pay for the connection checkout and the BEGIN/ROLLBACK once."""
        with self.reading() as conn:
            yield Reader(conn, self)

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
        self._closer()


def _weakly(method: Callable[[], None]) -> Callable[[], None]:
    """`method`, called only while its object lives (the file share must not keep the
    store alive)."""
    ref = weakref.WeakMethod(method)

    def call() -> None:
        bound = ref()
        if bound is not None:
            bound()

    return call


def _close(share: FileShare | None, engine: sa.Engine, hosting: list[Host]) -> None:
    for host in hosting:
        host.stop()
    if share is not None:
        share.close()
    engine.dispose()


def _engine(where: Location, read_only: bool) -> sa.Engine:
    """The SQLAlchemy engine of a store: on PostgreSQL a pool for the app's concurrent
    sessions (each reads on its own connection) and numbers read as numbers."""
    if where.dialect == POSTGRESQL:
        engine = sa.create_engine(where.url, pool_size=5, max_overflow=25, pool_timeout=60)
        postgres.configure(engine)
        return engine
    return sa.create_engine(where.url, connect_args={"read_only": True} if read_only else {})


def open_store(
    db_url: str | None = None,
    settings: Settings | None = None,
    *,
    create: bool = True,
    check_later: bool = False,
) -> Store:
    """Open (migrating when needed) the store at `db_url` or the configured one.

    create=False, for commands that only read: a store that does not exist is refused
    (StoreMissing) instead of being created empty. check_later: migrate with the first
    operation instead (see `Store`).
    """
    settings = settings or load_settings(db_url)
    if db_url and settings.db_url != db_url:
        settings = replace(settings, db_url=db_url)
    return Store(settings, create=create, check_later=check_later)


def is_empty(store: Store) -> bool:
    """True for a store that never held a batch (a cleared demo does not make it empty)."""
    return not store.scalar("SELECT count(*) FROM upload_batches")
