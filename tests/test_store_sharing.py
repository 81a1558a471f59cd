"""A DuckDB store file shared by processes that take turns (store/sharing.py): a command
waits for a file another process holds (saying so once), the holder lets it go when asked,
idle files are let go by themselves, and nothing is lost when the two race.

The other process is a real one (a child Python), since DuckDB's file lock is per process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxmetrics.config import SAMPLES_DIR, Settings
from cxmetrics.ingest import load_batch
from cxmetrics.store import Store, open_store
from cxmetrics.store.sharing import WAITING_NOTE, FileShare, marker_path
from tests import harness

ROOT = Path(__file__).resolve().parent.parent

# A child that opens the store, keeps it (an open read, or idle with a long idle time) and
# writes `ready`; a read ends when the file `<ready>.end` appears or after `seconds`.
HOLDER = """
import pathlib, sys, time
from cxmetrics.store import open_store, sharing

url, mode, seconds, ready = sys.argv[1:5]
sharing.IDLE_SECONDS = 3600  # never let go for idleness: only when asked
store = open_store(url)
if mode == "read":  # an operation in flight: the file is kept until it ends
    with store.snapshot() as db:
        db.scalar("SELECT count(*) FROM agents")
        pathlib.Path(ready).write_text("holding")
        deadline = time.monotonic() + float(seconds)
        while time.monotonic() < deadline and not pathlib.Path(ready + ".end").exists():
            time.sleep(0.02)
else:  # idle, with the pool still holding the file
    store.scalar("SELECT count(*) FROM agents")
    pathlib.Path(ready).write_text("holding")
    time.sleep(float(seconds))
    store.scalar("SELECT count(*) FROM agents")  # the file again after the other's turn
print("done", flush=True)
"""


def _hold(url: str, mode: str, seconds: float, tmp_path: Path) -> subprocess.Popen:
    """A child process holding the store; returns once it has the file."""
    ready = tmp_path / f"ready-{mode}"
    args = (url, mode, str(seconds), str(ready))
    return harness.python_child(HOLDER, *args, ready=ready, what="the holder")


def test_an_idle_holder_lets_go_at_once_when_a_command_asks(shared, tmp_path):
    holder = _hold(shared, "idle", 30, tmp_path)
    try:
        started = time.monotonic()
        done = harness.run_cli(
            "--db", shared, "ingest", "surveys", str(SAMPLES_DIR / "surveys.csv")
        )
        waited = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        # The holder's timer saw the marker and let go: far sooner than its 30 s.
        assert waited < 15, waited
        assert holder.poll() is None  # it kept running, and opens the file again later
    finally:
        holder.kill()
        holder.wait()
    assert not marker_path(Path(shared.removeprefix("duckdb:///"))).exists()
    store = open_store(shared)
    assert store.scalar("SELECT count(*) FROM survey_responses") > 0
    store.close()


def test_a_command_waits_for_an_operation_in_flight_and_says_so_once(shared, tmp_path):
    holder = _hold(shared, "read", 60, tmp_path)
    marker = marker_path(Path(shared.removeprefix("duckdb:///")))
    try:
        command = harness.cli_process("--db", shared, "scorecard", "--period", "2026-W46", "--json")
        deadline = time.monotonic() + 60
        while not marker.exists():  # the command asks for the file …
            assert command.poll() is None, command.communicate()
            assert time.monotonic() < deadline, "the command never asked for the store"
            time.sleep(0.05)
        time.sleep(0.5)
        assert command.poll() is None  # … and waits while the read goes on
        (tmp_path / "ready-read.end").write_text("")
        out, err = command.communicate(timeout=60)
        assert command.returncode == 0, err
        assert err.count(WAITING_NOTE) == 1, err
        assert "Traceback" not in err and '"period": "2026-W46"' in out
        assert holder.wait(timeout=30) == 0  # the read finished undisturbed
        assert not marker.exists()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_a_command_gives_up_after_the_wait_with_one_line(shared, tmp_path):
    holder = _hold(shared, "read", 20, tmp_path)
    try:
        started = time.monotonic()
        done = harness.run_cli(
            "--db",
            shared,
            "ingest",
            "surveys",
            str(SAMPLES_DIR / "surveys.csv"),
            env={"CXMETRICS_STORE_WAIT_SECONDS": "1"},
        )
        assert time.monotonic() - started < 15
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("cxmetrics: the store is busy: another process has kept it open")
    assert "CXMETRICS_STORE_WAIT_SECONDS" in lines[-1] and "Traceback" not in done.stderr
    store = open_store(shared)  # nothing of the load got in
    assert store.scalar("SELECT count(*) FROM survey_responses") == 0
    store.close()
    assert not marker_path(Path(shared.removeprefix("duckdb:///"))).exists()


def test_the_app_side_waits_for_a_command_and_is_told(shared, tmp_path):
    """This process plays the app: while a child holds the file, a read waits (the notice
    starts and ends) and then sees the child's data."""
    store = Store(Settings(db_url=shared, store_wait_seconds=60))
    before = store.data_version()
    holder = _hold(shared, "read", 1.5, tmp_path)
    told: list[bool] = []
    try:
        with store.on_wait(told.append):
            count = store.scalar("SELECT count(*) FROM agents")
    finally:
        holder.kill()
        holder.wait()
    assert told == [True, False]
    assert count > 0 and store.data_version() == before
    store.close()


def test_a_stale_marker_of_a_dead_process_is_ignored(shared, tmp_path):
    path = Path(shared.removeprefix("duckdb:///"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True)  # fmt: skip
    marker_path(path).write_text(f"{dead.stdout.strip()} 1\n")
    share = FileShare(path, wait_seconds=5, release=lambda: None)
    assert not share.another_waits()
    marker_path(path).write_text(f"{os.getppid()} 1\n")  # a live process, but not that one
    assert not share.another_waits()  # its start time differs: a reused PID
    marker_path(path).unlink()


def test_the_data_version_is_read_from_the_file_only_after_a_write(shared):
    store = open_store(shared)
    version = store.data_version()
    time.sleep(1.5)  # idle: the file is let go
    assert not store._share._holding
    assert store.data_version() == version
    assert not store._share._holding  # answered from the file's state, the file not opened
    other = open_store(shared)
    with other.transaction():
        pass
    other.close()
    assert store.data_version() == version + 1
    store.close()


def test_the_wait_setting_is_checked(monkeypatch):
    from cxmetrics.config import load_settings

    monkeypatch.setenv("CXMETRICS_STORE_WAIT_SECONDS", "soon")
    with pytest.raises(ValueError, match="CXMETRICS_STORE_WAIT_SECONDS is 'soon'"):
        load_settings()
    monkeypatch.setenv("CXMETRICS_STORE_WAIT_SECONDS", "2.5")
    assert load_settings().store_wait_seconds == 2.5


def test_many_sessions_open_the_file_at_once_when_a_command_lets_it_go(shared, tmp_path):
    """The app's sessions (threads) all waiting while a command has the file, then opening
    it at the same moment: DuckDB must not be asked to attach the file twice at once
    ("Unique file handle conflict … already attached")."""
    import threading

    store = Store(Settings(db_url=shared, store_wait_seconds=60))
    errors: list[str] = []
    for round_no in range(3):
        ready = tmp_path / f"ready-read-{round_no}"
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, shared, "read", "60", str(ready)], cwd=ROOT,
        )  # fmt: skip
        while not ready.exists():
            assert holder.poll() is None
            time.sleep(0.05)

        def read() -> None:
            try:
                store.scalar("SELECT count(*) FROM agents")
            except Exception as exc:  # the test reports every one
                errors.append(f"{type(exc).__name__}: {exc!s:.200}")

        threads = [threading.Thread(target=read) for _ in range(16)]
        for t in threads:
            t.start()
        time.sleep(0.5)  # all of them waiting for the file
        Path(f"{ready}.end").write_text("")
        for t in threads:
            t.join()
        holder.wait(timeout=30)
    store.close()
    assert errors == []


def test_a_load_takes_two_turns_for_the_file_its_checks_and_its_write(shared, monkeypatch):
    """Every turn a command takes for the file stops the app's readers while the file
    changes hands, so `cxmetrics ingest` checks the store's schema and reads what its
    checks need (the roster, whether the file was loaded before) in one turn and writes in
    the second, with its validation in between."""
    turns: list[str] = []
    using = FileShare.using

    def counted(share):
        if getattr(share._local, "depth", 0) == 0:
            turns.append("turn")
        return using(share)

    monkeypatch.setattr(FileShare, "using", counted)
    store = open_store(shared, check_later=True)
    report = load_batch(store, "surveys", SAMPLES_DIR / "surveys.csv")
    store.close()
    assert report.status == "committed" and report.loaded > 0
    assert len(turns) == 2


def test_a_store_opened_to_check_later_takes_the_file_with_its_first_operation(shared):
    store = open_store(shared, check_later=True)
    assert not store._share._holding  # opening did not take the file
    assert store.scalar("SELECT count(*) FROM agents") > 0
    assert store._share._holding
    store.close()


def test_a_warm_scorecard_on_a_file_reads_no_data_version(shared):
    """The data version its remembered reads are keyed by comes from the file's state
    when nothing was written since it was last read: one statement fewer per read."""
    import sqlalchemy as sa

    from cxmetrics.metrics.engine import scorecard
    from cxmetrics.periods import last_complete_week

    store = open_store(shared)
    week = last_complete_week()
    scorecard(store, week)  # cold: the version is read, with the file's state
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    scorecard(store, week)
    store.close()
    assert statements and not [s for s in statements if "data_version" in s]


def test_a_snapshot_keeps_its_own_data_version_when_a_write_lands_meanwhile(shared):
    store = open_store(shared)
    version = store.data_version()
    with store.snapshot() as db:
        db.scalar("SELECT count(*) FROM agents")  # DuckDB takes the snapshot here
        with store.transaction():
            pass  # a write of this process: version + 1
        assert db.data_version == version  # what this snapshot sees, not the file's now
    with store.snapshot() as db:
        db.scalar("SELECT count(*) FROM agents")
        assert db.data_version == version + 1
    with store.snapshot() as db:  # and now known from the file's state
        db.scalar("SELECT count(*) FROM agents")
        assert db._known_version() == version + 1
    store.close()
