"""A DuckDB store file shared by processes that take turns: the app serving it, and the
command line (a nightly `cxmetrics ingest` from cron, a `cxmetrics scorecard`).

DuckDB lets one process at a time open a file (the others get "Conflicting lock"). So a
process never keeps the file while it does not use it:

- its connections are closed after a short idle time (`IDLE_SECONDS`, by a timer thread),
  and at once when another process asks for the file;
- a process that finds the file locked asks for it by writing a marker next to the store
  (`<store>.waiting`: its PID and start time), says once that it waits, and tries again
  every `RETRY_SECONDS` up to the configured wait (`CXMETRICS_STORE_WAIT_SECONDS`); it
  takes its marker away when it has the file, or gives up with StoreBusy;
- a process that sees another's marker before an operation lets the file go (once its
  own operations in flight end) and waits until the marker is gone (the other process has
  the file) before it opens the file again, so neither side starves the other;
- a marker whose process is dead, or older than the wait, is ignored.

Transactions are DuckDB's own: a process killed mid-write leaves the previous state, and
the kernel drops its lock with it.

The data version (`Store.data_version`) must stay cheap without opening the file: the
store remembers it with the file's and the WAL's identity, size and times
(`file_state`), which change with every write by any process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cxmetrics.store.errors import StoreBusy, fault_from

IDLE_SECONDS = 1.0  # a file unused this long is let go
RETRY_SECONDS = 0.1  # how often a waiting process tries the file again
# When this process gets the file, lets it go and starts waiting for it (debug level): how
# long a command holds the file, and how long the app's readers wait for it.
log = logging.getLogger(__name__)
WAITING_NOTE = "waiting for the store (another process is using it)…"


def marker_path(store_file: Path) -> Path:
    """The file a process writes while it waits for the store."""
    return store_file.with_name(store_file.name + ".waiting")


def process_started(pid: int) -> str:
    """When process `pid` started, in clock ticks since boot (Linux), else "" (unknown):
    tells a live waiter from a new process that reused a dead waiter's PID."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def process_alive(pid: int) -> bool:
    """True while process `pid` runs: a killed process its parent has not reaped yet (a
    zombie, Linux) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def read_marker(path: Path) -> tuple[int, str, float] | None:
    """A marker file's (PID, start time, age in seconds), None when there is none."""
    try:
        text = path.read_text(encoding="ascii")
        age = time.time() - path.stat().st_mtime
        pid, started = ([*text.split(), ""])[:2]
        return int(pid), started, age
    except (OSError, ValueError):
        return None


def running(pid: int, started: str) -> bool:
    """True when the process a marker names still runs: alive, and not a new process that
    reused a dead one's PID (its start time differs, when both are known)."""
    if not process_alive(pid):
        return False
    now = process_started(pid)
    return not started or not now or started == now


def write_marker(path: Path) -> None:
    """Write (or freshen) this process's marker, whole or not at all (raises OSError)."""
    pid = os.getpid()
    temporary = path.with_name(f"{path.name}.{pid}")
    temporary.write_text(f"{pid} {process_started(pid)}\n", encoding="ascii")
    os.replace(temporary, path)


def remove_own_marker(path: Path) -> None:
    """Take this process's marker away (never another's)."""
    found = read_marker(path)
    if found is not None and found[0] == os.getpid():
        with contextlib.suppress(OSError):
            path.unlink()


def file_state(store_file: Path) -> tuple:
    """The store file's and its WAL's (inode, size, mtime, ctime), None for a missing one:
    any write by any process changes it."""
    state = []
    for path in (store_file, store_file.with_name(store_file.name + ".wal")):
        try:
            found = path.stat()
        except FileNotFoundError:
            state.append(None)
            continue
        state.append((found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns))
    return tuple(state)


class FileShare:
    """Turn-taking for one DuckDB store file in this process (see the module docstring).

    `using()` surrounds every operation (a connection checked out); `connect()` opens a
    connection, waiting for the file when another process has it. `release` closes the
    pooled connections (after `checkpoint`), which lets the file go.
    """

    def __init__(
        self,
        path: Path,
        *,
        wait_seconds: float,
        release: Callable[[], None],
        label: str = "the store",
    ):
        self.path = path
        self.marker = marker_path(path)
        self.wait_seconds = wait_seconds
        self.label = label
        self._release = release
        self._pid = os.getpid()
        self._turns = threading.Condition()
        # Threads of `using` waiting for their turn: only they are woken as an operation
        # ends (waking the idle watcher after every read cost each read a GIL hand-off).
        self._waiters = 0
        self._closing = threading.Event()  # wakes the idle watcher as the store closes
        self._opening = threading.Lock()  # one thread of this process opens the file at a time
        self._active = 0  # operations of this process on the file now
        self._holding = False  # the pool may hold an open connection
        self._last_used = time.monotonic()
        self._timer: threading.Thread | None = None
        self._told = False
        self._local = threading.local()  # per thread: its wait notice, how deep in `using`
        self.closed = False

    # ----------------------------------------------------------------- who asks for the file

    def another_waits(self) -> bool:
        """True when a live process other than this one waits for the file (its marker is
        there, and not older than the wait)."""
        found = read_marker(self.marker)
        if found is None:
            return False
        pid, started, age = found
        if pid == self._pid or age > max(self.wait_seconds, 1.0):
            return False
        return running(pid, started)

    def _ask(self) -> None:
        """Write (or freshen) this process's marker, unless a live waiter's is there."""
        if self.another_waits():
            return
        with contextlib.suppress(OSError):
            write_marker(self.marker)

    def _withdraw(self) -> None:
        """Take this process's marker away (never another's)."""
        remove_own_marker(self.marker)

    # ----------------------------------------------------------------- operations

    @contextlib.contextmanager
    def on_wait(self, notify: Callable[[bool], None]) -> Iterator[None]:
        """Within the block, this thread's waits for the file call `notify(True)` when they
        start and `notify(False)` when they end (the app shows "Loading new data…")."""
        previous = getattr(self._local, "notify", None)
        self._local.notify = notify
        try:
            yield
        finally:
            self._local.notify = previous

    def _tell(self, waiting: bool) -> None:
        notify = getattr(self._local, "notify", None)
        if notify is not None:
            notify(waiting)
        elif waiting and not self._told:
            self._told = True
            print(f"cxmetrics: {WAITING_NOTE}", file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def using(self) -> Iterator[None]:
        """Around one operation: first let another process that waits have the file (when
        nothing of ours is using it, close it; then wait until that process has it)."""
        deadline = time.monotonic() + self.wait_seconds
        told = False
        depth = getattr(self._local, "depth", 0)  # an operation inside one of this thread's
        self._local.depth = depth + 1  # own never waits for itself to end
        with self._turns:
            while depth == 0 and self.another_waits() and time.monotonic() < deadline:
                if self._active == 0 and self._holding:
                    self._let_go()
                if not told and not self._holding:
                    told = True
                    self._tell(True)
                self._waiters += 1
                try:
                    self._turns.wait(RETRY_SECONDS)
                finally:
                    self._waiters -= 1
            self._active += 1
        try:
            yield
        finally:
            self._local.depth = depth
            with self._turns:
                self._active -= 1
                self._last_used = time.monotonic()
                if self._active == 0 and self._holding and self.another_waits():
                    self._let_go()
                if self._waiters:
                    self._turns.notify_all()
            if told:
                self._tell(False)

    def connect(self, open_connection: Callable[[], object]) -> object:
        """`open_connection()`, tried again every RETRY_SECONDS while another process holds
        the file (this process's marker asks it to let go), up to the wait."""
        deadline = time.monotonic() + self.wait_seconds
        told = False
        try:
            while True:
                try:
                    with self._opening:  # DuckDB must not attach one file twice at once
                        connection = open_connection()
                except Exception as exc:
                    if not isinstance(fault_from(exc, self.label), StoreBusy):
                        raise
                    if time.monotonic() >= deadline:
                        raise self._gave_up() from exc
                    self._ask()
                    if not told:
                        told = True
                        log.debug("waits for the file")
                        self._tell(True)
                    time.sleep(RETRY_SECONDS)
                    continue
                self._withdraw()
                with self._turns:
                    if not self._holding:
                        log.debug("has the file")
                    self._holding = True
                    self._start_timer()
                return connection
        finally:
            if told:
                self._withdraw()
                self._tell(False)

    def _gave_up(self) -> StoreBusy:
        waited = f"{self.wait_seconds:g} s"
        return StoreBusy(
            f"{self.label} is busy: another process has kept it open for longer than the "
            f"wait ({waited}); retry when it is done, or make the wait longer "
            "(CXMETRICS_STORE_WAIT_SECONDS)"
        )

    # ----------------------------------------------------------------- letting go

    def _let_go(self) -> None:
        """Close the pooled connections (the caller holds `_turns`, nothing is in use)."""
        self._holding = False
        self._release()
        log.debug("let the file go")

    def _start_timer(self) -> None:
        if self._timer is not None and self._timer.is_alive():
            return
        self._timer = threading.Thread(target=self._watch, name="cxmetrics-store-idle", daemon=True)
        self._timer.start()

    def _watch(self) -> None:
        """While the file is held: let it go once unused for IDLE_SECONDS, or at once when
        another process asks for it."""
        while True:
            with self._turns:
                if not self._holding or self.closed:
                    return
                idle = time.monotonic() - self._last_used
                if self._active == 0 and (idle >= IDLE_SECONDS or self.another_waits()):
                    with contextlib.suppress(Exception):  # a failed close leaves it to exit
                        self._let_go()
                    return
            self._closing.wait(RETRY_SECONDS)

    def close(self) -> None:
        with self._turns:
            self.closed = True
            self._holding = False
            self._turns.notify_all()
        self._closing.set()
        self._withdraw()
