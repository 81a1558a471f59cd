"""What can go wrong with a store, as one-line messages that name the problem and the fix.

The database driver reports a busy, damaged, full or read-only store in its own words, with
file paths and process ids in them; `fault_from` turns those into the errors below, whose
messages never quote a path the user did not type.
"""

from __future__ import annotations

import errno
import re

import sqlalchemy.exc

OTHER_STORE = "point the store URL (--db or CXMETRICS_DB_URL) at another store"


class StoreError(ValueError):
    """A store that cannot be used as asked; the message is one line saying why and what to do.

    A ValueError, so that every place that shows a user's mistake as a message (the CLI, the
    pages' write handlers) shows this one too instead of a traceback.
    """

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class BadStoreURL(StoreError):
    """The store URL cannot be parsed, names an unsupported database or a missing driver."""


class StoreMissing(StoreError):
    """A command that only reads found no store where the URL points."""


class StoreBusy(StoreError):
    """Another process holds the store (a DuckDB file is open in one process at a time)."""


class StoreReadOnly(StoreError):
    """The store's file or folder cannot be written."""


class StoreDamaged(StoreError):
    """The store's file is truncated or corrupt."""


class StoreTooNew(StoreError):
    """The store was made by a newer cxmetrics (a schema version this one does not know)."""


class DiskFull(StoreError):
    """A write ran out of disk (or hit a file-size limit); the transaction was rolled back."""


# Driver messages, lower-cased, that say what happened. The lock test must not match the
# "block" of a corrupt-block message: it looks for DuckDB's own phrases.
_BUSY = ("could not set lock on file", "conflicting lock is held")
_FULL = ("no space left on device", "file too large", "disk quota exceeded")
_READ_ONLY = ("read-only file system", "attached in read-only mode", "permission denied")
_DAMAGED = (
    "not a valid duckdb database file",
    "corrupt database file",
    "could not read enough bytes from file",
    "checksum",
)
_ERRNO = {
    errno.ENOSPC: "full",
    errno.EFBIG: "full",
    errno.EDQUOT: "full",
    errno.EROFS: "read_only",
    errno.EACCES: "read_only",
    errno.EPERM: "read_only",
}


def _chain(exc: BaseException):
    """The exception, what it wraps (a driver error inside SQLAlchemy's) and what it was
    raised while handling, deepest cause last; each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        item = todo.pop(0)
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [getattr(item, "orig", None), item.__cause__, item.__context__]


def _is_driver_error(exc: BaseException) -> bool:
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        return True
    module = type(exc).__module__ or ""
    return module.split(".")[0] in ("duckdb", "_duckdb", "psycopg")


def _kind(exc: BaseException, *, os_errors: bool) -> str | None:
    if isinstance(exc, StoreError):
        return "ours"
    if os_errors and isinstance(exc, OSError) and exc.errno in _ERRNO:
        return _ERRNO[exc.errno]
    if not _is_driver_error(exc):
        return None
    text = str(exc).lower()
    for kind, phrases in (
        ("full", _FULL),
        ("damaged", _DAMAGED),
        ("busy", _BUSY),
        ("read_only", _READ_ONLY),
    ):
        if any(phrase in text for phrase in phrases):
            return kind
    return None


def fault_from(exc: BaseException, store: str = "the store", *, os_errors: bool = False):
    """The StoreError that explains `exc` (or an error it was raised from or while handling),
    or None when it is not a known store fault.

    A failed write often surfaces as "transaction is aborted" raised while cleaning up; the
    real cause (a full disk) is further down the chain, so the whole chain is searched and a
    specific cause wins. `store` names the store in the message ("the store" or a relative
    path the user typed). os_errors: also read OSErrors by errno (for the store's own file
    operations; an OSError from elsewhere, such as the input file, is not the store's).
    """
    kinds = [(_kind(item, os_errors=os_errors), item) for item in _chain(exc)]
    for kind, item in kinds:
        if kind == "ours":
            return item
    found = {kind for kind, _ in kinds if kind}
    if "full" in found:
        return DiskFull(
            f"the disk holding {store} is full (or a file-size limit was reached): nothing "
            "was written; free some space and run it again"
        )
    if "damaged" in found:
        return StoreDamaged(
            f"{store} is damaged (its file is truncated or corrupt): restore it from a "
            f"backup, or {OTHER_STORE}"
        )
    if "busy" in found:
        return StoreBusy(
            f"{store} is busy: another process has it open (the app, or a load from the "
            "command line); wait for it to finish and retry, or stop the app before writing "
            "from the command line"
        )
    if "read_only" in found:
        return read_only(store)
    return None


def read_only(store: str = "the store") -> StoreReadOnly:
    return StoreReadOnly(
        f"{store} is read-only (its file or folder cannot be written): nothing was changed; "
        f"give this user write access to it, or {OTHER_STORE}"
    )


_PATH = re.compile(r"""(?:[A-Za-z]:\\|/)[^\s"'`:]+""")
_PID = re.compile(r"\bPID\s*\d+", re.IGNORECASE)


def scrub(message: str) -> str:
    """A message with file paths and process ids taken out, on one line (for errors that are
    not ours, shown before the hint to run with CXMETRICS_DEBUG=1)."""
    text = " ".join(str(message).split())
    return _PID.sub("PID …", _PATH.sub("…", text))
