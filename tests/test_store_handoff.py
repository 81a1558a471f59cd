"""A command's load beside the app that hosts a DuckDB store file: the app loads it, beside
its readers, instead of the command taking the file from them (docs/shared-store.md).

This process or a child plays the app (a Store that hosts the file, as ui/data.py's does);
`cxmetrics ingest` runs as its own process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxmetrics.config import SAMPLES_DIR, Settings
from cxmetrics.ingest import load_batch
from cxmetrics.ingest.handoff import HANDED_NOTE, answer
from cxmetrics.store import Store, open_store
from cxmetrics.store.handoff import host_path, inbox_path, live_host
from cxmetrics.store.sharing import WAITING_NOTE
from tests import harness

SURVEYS = SAMPLES_DIR / "surveys.csv"

# A child that hosts the store like the app: with the real load (`answer`), one that
# claims a request and then never answers ("stall"), or one that fails ("fail").
HOST = """
import pathlib, sys, time
from cxmetrics.ingest.handoff import answer
from cxmetrics.store import open_store

url, mode, ready = sys.argv[1:4]
store = open_store(url)
store.scalar("SELECT count(*) FROM agents")  # the file held, as a serving app holds it

def stall(store, request):
    pathlib.Path(ready + ".claimed").write_text("claimed")
    time.sleep(3600)

def fail(store, request):
    raise RuntimeError("the disk caught fire")

assert store.host({"load": answer, "stall": stall, "fail": fail}[mode])
pathlib.Path(ready).write_text("hosting")
time.sleep(3600)
"""


def _file(url: str) -> Path:
    return Path(url.removeprefix("duckdb:///"))


def _host_child(url: str, mode: str, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    ready = tmp_path / f"host-{mode}"
    child = harness.python_child(HOST, url, mode, str(ready), ready=ready, what="the host")
    return child, ready


def _report_without_id(stdout: str) -> dict:
    report = json.loads(stdout.strip().splitlines()[-1])
    report.pop("batch_id")
    return report


def test_a_load_beside_the_hosting_app_is_done_by_the_app(shared, tmp_path):
    """The app holds the file and keeps it: the command hands its load over, never waits
    for the file, and prints the same report as a load of its own."""
    app = Store(Settings(db_url=shared, store_wait_seconds=60))
    assert app.host(answer)
    assert live_host(_file(shared)) == os.getpid()
    before = app.data_version()
    try:
        with app.snapshot() as db:  # a read in flight all along: the file never changes hands
            db.scalar("SELECT count(*) FROM agents")
            done = harness.run_cli(
                "--db", shared, "ingest", "surveys", str(SURVEYS), "--json", "--user", "ann"
            )
            assert done.returncode == 0, done.stderr
            assert HANDED_NOTE in done.stderr and WAITING_NOTE not in done.stderr
        assert app.data_version() == before + 1
        loaded = app.scalar("SELECT count(*) FROM survey_responses")
        who = app.scalar("SELECT uploaded_by FROM upload_batches WHERE kind = 'surveys'")
    finally:
        app.close()
    assert not host_path(_file(shared)).exists()  # closing the store stops hosting
    assert list(inbox_path(_file(shared)).iterdir()) == []
    alone = tmp_path / "alone.duckdb"
    store = open_store(f"duckdb:///{alone}")
    load_batch(store, "roster", SAMPLES_DIR / "roster.csv")
    store.close()
    direct = harness.run_cli(
        "--db", f"duckdb:///{alone}", "ingest", "surveys", str(SURVEYS), "--json"
    )
    assert _report_without_id(done.stdout) == _report_without_id(direct.stdout)
    assert loaded == json.loads(direct.stdout.strip().splitlines()[-1])["loaded"] > 0
    assert who == "ann"


def test_the_same_file_again_is_already_loaded_and_errors_come_back_as_one_line(shared):
    app = Store(Settings(db_url=shared, store_wait_seconds=60))
    assert app.host(answer)
    try:
        first = harness.run_cli("--db", shared, "ingest", "surveys", str(SURVEYS))
        again = harness.run_cli("--db", shared, "ingest", "surveys", str(SURVEYS))
        unknown = harness.run_cli(
            "--db", shared, "ingest", "surveys", str(SURVEYS), "--template", "nope"
        )
        count = app.scalar("SELECT count(*) FROM upload_batches WHERE kind = 'surveys'")
    finally:
        app.close()
    assert first.returncode == 0 and again.returncode == 0, again.stderr
    assert again.stdout.startswith("already_loaded")
    assert count == 1
    assert unknown.returncode == 2
    lines = [line for line in unknown.stderr.splitlines() if HANDED_NOTE not in line]
    assert len(lines) == 1 and "nope" in lines[0], unknown.stderr


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_host_killed_before_it_answers_leaves_the_load_to_the_command(shared, tmp_path):
    host, ready = _host_child(shared, "stall", tmp_path)
    try:
        command = harness.cli_process("--db", shared, "ingest", "surveys", str(SURVEYS))
        deadline = time.monotonic() + 60
        while not Path(f"{ready}.claimed").exists():
            assert time.monotonic() < deadline and command.poll() is None
            time.sleep(0.05)
        os.kill(host.pid, signal.SIGKILL)
        out, err = command.communicate(timeout=120)
    finally:
        host.kill()
        host.wait()
    assert command.returncode == 0, err
    assert out.startswith("committed"), out
    assert list(inbox_path(_file(shared)).iterdir()) == []
    store = open_store(shared)
    assert store.scalar("SELECT count(*) FROM upload_batches WHERE kind = 'surveys'") == 1
    store.close()


def test_a_host_that_never_claims_the_request_is_given_up_after_the_wait(shared, tmp_path):
    """A host marker of a live process that does not answer (hung, or not a host at all):
    the request is withdrawn after the wait, and the command loads the file itself."""
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    try:
        from cxmetrics.store.sharing import process_started

        path = _file(shared)
        inbox_path(path).mkdir(mode=0o700)
        host_path(path).write_text(f"{idle.pid} {process_started(idle.pid)}\n")
        started = time.monotonic()
        done = harness.run_cli("--db", shared, "ingest", "surveys", str(SURVEYS),
                    env={"CXMETRICS_STORE_WAIT_SECONDS": "1"})  # fmt: skip
        took = time.monotonic() - started
    finally:
        idle.kill()
        idle.wait()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("committed")
    assert took < 30
    assert list(inbox_path(path).iterdir()) == []


def test_a_stale_host_marker_is_ignored_and_a_second_host_is_refused(shared, tmp_path):
    path = _file(shared)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True)  # fmt: skip
    host_path(path).write_text(f"{dead.stdout.strip()} 1\n")
    assert live_host(path) is None
    host, _ = _host_child(shared, "load", tmp_path)
    try:
        other = Store(Settings(db_url=shared, store_wait_seconds=60))
        assert live_host(path) == host.pid
        assert not other.host(answer)  # one host per file
        other.close()
        assert live_host(path) == host.pid  # and closing the refused one leaves it be
    finally:
        host.kill()
        host.wait()


def test_the_host_declines_a_file_it_cannot_read(shared, tmp_path):
    store = open_store(shared)
    reply = answer(store, {"what": "load", "kind": "surveys", "file": str(tmp_path / "gone.csv")})
    store.close()
    assert reply == {"declined": "the app cannot read gone.csv: No such file or directory"}


def test_a_fault_in_the_host_is_the_commands_failure_not_a_silent_fallback(shared, tmp_path):
    """A host whose load fails unexpectedly (not a refusal of the file) logs it and tells
    the command, which fails with that message: it does not load the file again itself."""
    host, _ = _host_child(shared, "fail", tmp_path)
    try:
        done = harness.run_cli("--db", shared, "ingest", "surveys", str(SURVEYS))
    finally:
        host.kill()
        _, log = host.communicate()
    assert done.returncode == 1
    assert "the app failed to load the file: the disk caught fire" in done.stderr
    assert "a command's request failed" in log and "RuntimeError" in log
    store = open_store(shared)
    assert store.scalar("SELECT count(*) FROM upload_batches WHERE kind = 'surveys'") == 0
    store.close()
