"""Work handed to the process that hosts a shared DuckDB store file (the app), so that its
readers never stop for a command's write.

DuckDB lets one process at a time open a file, so a `cxmetrics ingest` beside a running app
would otherwise take the file from the app for its write, and every session's read would
wait for that turn (sharing.py). Inside one process DuckDB runs a write beside reads
(each sees its own snapshot), so the app loads the file itself when it is asked to:

- The app's store hosts (`Host`): it writes `<store>.host` (its PID and start time) and
  watches `<store>.inbox/`, a folder only its user may enter, every POLL_SECONDS.
- A command that finds a live host writes a request there (`<id>.request`, JSON: what to
  do, never code) and waits. The host claims it (renames it `<id>.working`), runs its
  handler in a worker thread and answers with `<id>.reply` (JSON).
- The command gives the work back to itself (`hand_off` returns None, and it takes the
  file by turns as before) when there is no live host, when the host does not claim the
  request within the wait, when the host dies before it answers (its transaction is
  rolled back with it, or was committed: a load then finds its file already loaded), or
  when the host declines (it cannot read the file the command named).
- A request whose owner is not this user, or a reply whose command has died, is removed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from cxmetrics.store.sharing import (
    process_alive,
    read_marker,
    remove_own_marker,
    running,
    write_marker,
)

POLL_SECONDS = 0.1  # how often the host looks into its inbox, and a command for its reply
log = logging.getLogger(__name__)

Handler = Callable[[object, dict], dict]  # (the hosting store, a request) -> its reply


def host_path(store_file: Path) -> Path:
    """The file the hosting process writes: its PID and start time."""
    return store_file.with_name(store_file.name + ".host")


def inbox_path(store_file: Path) -> Path:
    """The folder where commands leave requests for the host."""
    return store_file.with_name(store_file.name + ".inbox")


def live_host(store_file: Path) -> int | None:
    """The PID of the live process hosting `store_file` (not a dead one's, nor a new
    process that reused its PID), else None."""
    found = read_marker(host_path(store_file))
    return found[0] if found is not None and running(found[0], found[1]) else None


def _write_json(path: Path, payload: dict) -> None:
    """Write `payload` so that a reader never sees half of it (a temporary, then a rename)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(payload, default=str), encoding="utf-8")
    os.replace(temporary, path)


class Host:
    """This process hosts `store_file`: it answers the requests commands leave in its inbox
    with `handler(owner, request) -> reply`, one at a time, in a daemon thread (which holds
    the owner, the store, weakly: it must not keep the store open)."""

    def __init__(self, store_file: Path, handler: Handler, *, owner: object):
        self.store_file = store_file
        self.marker = host_path(store_file)
        self.inbox = inbox_path(store_file)
        self._handler = handler
        self._owner = weakref.ref(owner)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Start hosting; False (and nothing started) when another live process hosts the
        file already or the inbox cannot be made."""
        other = live_host(self.store_file)
        if other is not None and other != os.getpid():
            return False
        try:
            self.inbox.mkdir(mode=0o700, exist_ok=True)
            found = self.inbox.stat()
            if found.st_uid != os.getuid():
                return False
            os.chmod(self.inbox, 0o700)
            write_marker(self.marker)
        except OSError:
            return False
        self._thread = threading.Thread(target=self._run, name="cxmetrics-host", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        """Stop hosting: the marker goes (a command then takes the file by turns)."""
        self._stop.set()
        remove_own_marker(self.marker)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self._answer_waiting()
            except Exception:  # the inbox may be gone or unreadable: look again later
                log.exception("could not read the inbox")

    def _answer_waiting(self) -> None:
        for entry in sorted(self.inbox.glob("*.request")):
            if self._stop.is_set():
                return
            working = entry.with_suffix(".working")
            try:
                os.rename(entry, working)  # claimed: the command no longer withdraws it
            except FileNotFoundError:
                continue  # withdrawn meanwhile
            reply_path = entry.with_suffix(".reply")
            if working.stat().st_uid != os.getuid():
                working.unlink()
                continue
            try:
                request = json.loads(working.read_text(encoding="utf-8"))
                log.debug("answers %s", request.get("what"))
                owner = self._owner()
                if owner is None:
                    reply = {"declined": "the store was closed"}
                else:
                    reply = self._handler(owner, request)
            except Exception as exc:  # a fault, not a refusal: logged here, told to the command
                log.exception("a command's request failed")
                reply = {"error": {"type": type(exc).__name__, "message": str(exc)}}
            _write_json(reply_path, reply)
            working.unlink(missing_ok=True)
        for reply in self.inbox.glob("*.reply"):  # of commands that died waiting
            pid = reply.name.split("-", 1)[0]
            if pid.isdigit() and not process_alive(int(pid)):
                reply.unlink(missing_ok=True)


def hand_off(
    store_file: Path,
    request: dict,
    *,
    claim_seconds: float,
    waiting: Callable[[int], None] | None = None,
) -> dict | None:
    """Ask the live host of `store_file` to do `request` and return its reply; None when
    there is none, it did not claim the request within `claim_seconds`, it died before it
    answered, or it declined (`{"declined": why}`): the caller then does the work itself.
    `waiting(pid)` is called once the request is left for host `pid`."""
    pid = live_host(store_file)
    inbox = inbox_path(store_file)
    if pid is None or pid == os.getpid() or not inbox.is_dir():
        return None
    name = f"{os.getpid()}-{secrets.token_hex(6)}"
    request_path = inbox / f"{name}.request"
    working, reply_path = request_path.with_suffix(".working"), request_path.with_suffix(".reply")
    try:
        _write_json(request_path, request)
    except OSError:
        return None
    if waiting is not None:
        waiting(pid)
    deadline = time.monotonic() + claim_seconds
    try:
        while True:
            time.sleep(POLL_SECONDS)
            if reply_path.exists():
                reply = json.loads(reply_path.read_text(encoding="utf-8"))
                return None if "declined" in reply else reply
            if live_host(store_file) != pid:
                return None  # it died (or stopped hosting) before it answered
            if time.monotonic() > deadline and request_path.exists():
                with contextlib.suppress(FileNotFoundError):
                    os.rename(request_path, inbox / f"{name}.withdrawn")
                    return None  # never claimed: withdrawn
    finally:
        for leftover in (request_path, working, reply_path, inbox / f"{name}.withdrawn"):
            with contextlib.suppress(OSError):
                leftover.unlink()
