"""kill -9 in the middle of a large load leaves the store exactly as it was before the batch.

A child process loads a 300,000-row survey file into a store (a DuckDB file under tmp_path,
and a PostgreSQL database, whose server rolls the killed client's transaction back). Its
`progress` callback writes each stage to a marker file and, once the rows have been
inserted (the "updating the daily rollups" stage, inside the open transaction), parks the
process; the test then sends SIGKILL, reopens the store and compares every table the load
touches with what it held before.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from cxmetrics.config import SAMPLES_DIR
from cxmetrics.ingest import list_batches, load_batch
from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import parse_period
from cxmetrics.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = SAMPLES_DIR
ROWS = 300_000
TABLES = (
    "survey_responses", "upload_batches", "rejected_rows", "agents", "teams",
    "rollup_surveys", "rollup_interactions", "rollup_adherence", "rollup_team_daily",
    "rollup_org_daily",
)  # fmt: skip

CHILD = """
import pathlib, sys, time
from cxmetrics.store import open_store
from cxmetrics.ingest import load_batch

url, source, marker = sys.argv[1:4]
marker = pathlib.Path(marker)

def progress(fraction, message):
    with marker.open("a", encoding="utf-8") as fh:
        fh.write(f"{fraction:.2f} {message}\\n")
    if message.startswith("writing: updating"):
        time.sleep(300)  # rows inserted, transaction open: the parent kills us here

load_batch(open_store(url), "surveys", source, progress=progress)
"""


def state(store) -> dict:
    out = {t: sorted(map(tuple, store.rows(f"SELECT * FROM {t}"))) for t in TABLES}
    out["scorecard"] = scorecard(store, parse_period("2026-10")).to_dict()
    return out


def big_survey_file(path: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    stamps = np.datetime64("2026-10-01T00:00:00") + rng.integers(0, 30 * 86400, n).astype(
        "timedelta64[s]"
    )
    table = pa.table(
        {
            "response_id": pa.array([f"K{i:07d}" for i in range(n)]),
            "responded_at": pa.array(stamps.astype("datetime64[s]").astype(str)),
            "agent_id": pa.array(rng.choice(["0101", "0102", "0201", "0301"], n)),
            "nps": pa.array(rng.integers(0, 11, n)),
            "csat": pa.array(rng.integers(1, 6, n)),
            "comment": pa.array(rng.choice(["great", "slow, but fine", ""], n)),
        }
    )
    pacsv.write_csv(table, path)


@pytest.mark.both_stores
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_kill_9_during_the_write_leaves_the_store_as_before(tmp_path, store_url):
    url = store_url
    store = open_store(url)
    load_batch(store, "roster", SAMPLES / "roster.csv")
    load_batch(store, "surveys", SAMPLES / "surveys_google_forms.csv")
    before = state(store)
    batches = list_batches(store)["batch_id"].tolist()
    store.close()

    source = tmp_path / "big.csv"
    big_survey_file(source, ROWS)
    marker = tmp_path / "progress.txt"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(source), str(marker)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if marker.exists() and "writing: updating" in marker.read_text(encoding="utf-8"):
                break
            if child.poll() is not None:
                pytest.fail(f"the load ended before it was killed: {child.stderr.read()[-2000:]}")
            time.sleep(0.05)
        else:
            pytest.fail("the load never reached its write phase")
        stages = marker.read_text(encoding="utf-8")
        assert f"writing {ROWS} rows" in stages
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:  # pragma: no cover - only when an assertion failed above
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    store = open_store(url)
    try:
        assert state(store) == before
        assert list_batches(store)["batch_id"].tolist() == batches
        assert (
            store.scalar("SELECT count(*) FROM survey_responses WHERE response_id LIKE 'K%'") == 0
        )
        # The store still works, and the same file loads completely afterwards.
        report = load_batch(store, "surveys", source)
        assert (report.status, report.loaded) == ("committed", ROWS)
    finally:
        store.close()


# Plays the app beside the load: reads the survey count every 0.1 s (each read an operation
# that takes turns for the file), writing each answer to a file, until `<out>.stop` appears.
READER = """
import pathlib, sys, time
from cxmetrics.store import open_store

url, out = sys.argv[1:3]
store = open_store(url)
with open(out, "a", encoding="utf-8") as fh:
    while not pathlib.Path(out + ".stop").exists():
        fh.write(f"{store.scalar('SELECT count(*) FROM survey_responses')}\\n")
        fh.flush()
        time.sleep(0.1)
store.close()
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_kill_9_of_a_load_while_other_processes_share_the_duckdb_file(tmp_path):
    """An app-like process reading all along and a `cxmetrics scorecard` started mid-write
    wait for the file while a load has it; the load is killed; both then read the state
    from before it, and the store loads the file afterwards."""
    url = f"duckdb:///{tmp_path / 'shared.duckdb'}"
    store = open_store(url)
    load_batch(store, "roster", SAMPLES / "roster.csv")
    load_batch(store, "surveys", SAMPLES / "surveys_google_forms.csv")
    before = state(store)
    count_before = store.scalar("SELECT count(*) FROM survey_responses")
    store.close()
    source = tmp_path / "big.csv"
    big_survey_file(source, 100_000)
    reads = tmp_path / "reads.txt"

    def spawn(*args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip

    reader = spawn("-c", READER, url, str(reads))
    marker = tmp_path / "progress.txt"
    loader = scorecard_cli = None
    try:
        while not reads.exists() or not reads.read_text():
            assert reader.poll() is None, reader.communicate()
            time.sleep(0.05)
        loader = spawn("-c", CHILD, url, str(source), str(marker))
        deadline = time.monotonic() + 90
        while not (marker.exists() and "writing: updating" in marker.read_text()):
            assert loader.poll() is None, loader.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the load never reached its write phase"
            time.sleep(0.05)
        scorecard_cli = spawn("-m", "cxmetrics.cli", "--db", url, "scorecard", "--period",
                              "2026-10", "--json")  # fmt: skip
        time.sleep(1.0)
        assert scorecard_cli.poll() is None  # it waits for the file the load holds
        reads_at_kill = len(reads.read_text().split())
        os.kill(loader.pid, signal.SIGKILL)
        loader.wait(timeout=30)
        out, err = scorecard_cli.communicate(timeout=90)
        assert scorecard_cli.returncode == 0, err
        assert "Traceback" not in err
        shown = {m["id"]: m["n"] for m in json.loads(out)["metrics"]}
        assert shown == {m["id"]: m["n"] for m in before["scorecard"]["metrics"]}
        time.sleep(0.5)  # a few more reads after the kill
        (tmp_path / "reads.txt.stop").write_text("")
        assert reader.wait(timeout=60) == 0, reader.communicate()[1][-2000:]
    finally:
        for child in (reader, loader, scorecard_cli):
            if child is not None and child.poll() is None:
                child.kill()
                child.wait()
    # The app-like reader went on after the kill and never saw a half-loaded store: only the
    # count from before.
    assert len(reads.read_text().split()) > reads_at_kill
    assert set(reads.read_text().split()) == {str(count_before)}
    store = open_store(url)
    try:
        assert state(store) == before
        report = load_batch(store, "surveys", source)
        assert (report.status, report.loaded) == ("committed", 100_000)
    finally:
        store.close()
