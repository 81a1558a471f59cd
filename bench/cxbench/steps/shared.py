"""Item 6, the shared store: PostgreSQL beside DuckDB in the same run (docs/shared-store.md).

On a throw-away PostgreSQL server (tests/pg_server.py, the machine's binaries):
- the same demo organisation, and the org scorecard warm on both stores;
- `load_batch` of the ingest step's survey CSV into a fresh PostgreSQL store (roster
  loaded, untimed) beside PostgreSQL's own COPY of the same file into a plain table;
- 20 reader threads asking for scorecards (org, team, agent table; week, month, quarter)
  while a survey ingest (`--shared-rows`, 200 k) commits from a `cxmetrics ingest`
  process: their p95 latency and errors, on each store (for DuckDB the readers share one
  Store on a copy of the main file, as the app's sessions do, and that Store hosts the
  file as the app does: the command hands its load to it, docs/shared-store.md).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import sqlalchemy as sa

from cxmetrics.ingest import load_batch
from cxmetrics.ingest.handoff import answer as load_for_command
from cxmetrics.metrics.engine import breakdown, scorecard
from cxmetrics.periods import period_containing
from cxmetrics.store import Store, open_store

from .. import db
from ..context import Context, MainStore
from ..data import write_surveys
from ..measure import in_child, log, mb, median_time, ms, ratio, timed

ROOT = Path(__file__).resolve().parents[3]
READERS = 20
COPY_REPEAT = 3  # PostgreSQL's own COPY of the file, timed this many times (median)
PLAIN_TABLE = """CREATE TABLE plain_surveys (
    response_id VARCHAR, responded_at TIMESTAMP, respondent_type VARCHAR, channel VARCHAR,
    team_id VARCHAR, agent_id VARCHAR, interaction_id VARCHAR, nps SMALLINT, csat SMALLINT,
    ces SMALLINT, comment VARCHAR)"""


def _server():
    sys.path.insert(0, str(ROOT))
    from tests import pg_server

    return pg_server


def _database(admin: str, name: str) -> str:
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return admin.rsplit("/", 1)[0] + "/" + name


def _warm_org(store: Store, main: MainStore, repeat: int) -> dict:
    scorecard(store, main.period)  # cold
    median, samples = median_time(lambda: scorecard(store, main.period), repeat)
    return {"warm_ms": ms(median), "samples_ms": [ms(s) for s in samples]}


def server_cpu_s() -> float:
    """CPU seconds (user + system) the PostgreSQL server's running processes (postmaster,
    backends, background workers) have used so far: read before and after a piece of work
    while its connections are still open (a backend that has exited takes its count along)."""
    total = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        try:
            times = process.cpu_times()
        except psutil.Error:  # exited meanwhile
            continue
        total += times.user + times.system
    return total


def _plain_copy_s(url: str, csv: str) -> tuple[float, float]:
    """PostgreSQL's own COPY of the CSV into a plain typed table (the baseline): (seconds,
    the server's CPU seconds)."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS plain_surveys")
            conn.exec_driver_sql(PLAIN_TABLE)
        server = server_cpu_s()
        started = time.perf_counter()
        with engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            with (
                cursor.copy("COPY plain_surveys FROM STDIN (FORMAT csv, HEADER true)") as copy,
                open(csv, "rb") as source,
            ):
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
            seconds = time.perf_counter() - started
            return seconds, server_cpu_s() - server
    finally:
        engine.dispose()


def load_pg(url: str, csv: str, roster_csv: str) -> dict:
    """Child-process side (`in_child`): the roster (untimed), then `load_batch` of the
    survey CSV timed; {"seconds", "loaded", "client_cpu_s", "server_cpu_s"}: the CPU
    seconds of this process (all its threads) and of the server during the load."""
    store = open_store(url)
    try:
        roster = load_batch(store, "roster", roster_csv)
        assert roster.status == "committed", roster.message
        server, client = server_cpu_s(), time.process_time()
        seconds, report = timed(load_batch, store, "surveys", csv)
        client, server = time.process_time() - client, server_cpu_s() - server
    finally:
        store.close()
    return {
        "seconds": seconds,
        "loaded": report.loaded,
        "client_cpu_s": round(client, 2),
        "server_cpu_s": round(server, 2),
    }


# The tables a survey load writes, in a store holding nothing else (the roster adds no
# rows to them): its facts, and its agent, team and org rollups with their read indexes.
WRITTEN_BY_SURVEY_LOAD = (
    "survey_responses", "rollup_surveys", "rollup_team_daily", "rollup_org_daily",
)  # fmt: skip


def _server_writes_s(url: str, rows: int) -> dict:
    """The server alone writing the rows the load wrote: each table the load wrote copied
    by `INSERT … SELECT` into a new table like it, with its indexes (no parsing, no client,
    no check): a floor under any load of these rows into this schema. Seconds per table."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    seconds = {}
    try:
        with engine.connect() as conn:
            held = conn.exec_driver_sql("SELECT count(*) FROM survey_responses").scalar_one()
            if held != rows:
                raise AssertionError(f"the ingest store holds {held} survey rows, not {rows}")
            for table in WRITTEN_BY_SURVEY_LOAD:
                copy = f"cx_floor_{table}"
                conn.exec_driver_sql(f"CREATE TABLE {copy} (LIKE {table} INCLUDING INDEXES)")
                conn.commit()
                started = time.perf_counter()
                conn.exec_driver_sql(f"INSERT INTO {copy} SELECT * FROM {table}")  # noqa: S608
                conn.commit()
                seconds[table] = round(time.perf_counter() - started, 3)
                conn.exec_driver_sql(f"DROP TABLE {copy}")
                conn.commit()
    finally:
        engine.dispose()
    return seconds


def _ingest_pg(admin: str, csv: str, roster_csv: str, rows: int) -> dict:
    """`load_batch` on PostgreSQL in a spawned child (its own peak RSS), beside COPY, and
    beside the server's own writing of the rows the load wrote (`_server_writes_s`)."""
    url = _database(admin, "cx_ingest")
    child = in_child(load_pg, url=url, csv=csv, roster_csv=roster_csv)
    seconds, loaded = child["result"]["seconds"], child["result"]["loaded"]
    if loaded != rows:
        raise AssertionError(f"load_batch loaded {loaded} of {rows} on PostgreSQL")
    writes = _server_writes_s(url, rows)
    # The baseline is short and moves with the machine (1.1–1.8 s across runs): its median
    # of three, so that one slow COPY does not flatter the ratio.
    samples = [_plain_copy_s(url, csv) for _ in range(COPY_REPEAT)]
    copies = [seconds for seconds, _ in samples]
    copy_s = statistics.median(copies)
    # The work each side did, in CPU seconds: with this machine's cores all busy and the
    # two sides overlapping perfectly, the load could not take less than its total / cores.
    cores = psutil.cpu_count() or 1
    load_cpu = child["result"]["client_cpu_s"] + child["result"]["server_cpu_s"]
    return {
        "rows": rows,
        "load_batch_s": round(seconds, 3),
        "postgres_copy_s": round(copy_s, 3),
        "postgres_copy_samples_s": [round(c, 3) for c in copies],
        "ratio_vs_copy": ratio(seconds, copy_s),
        "server_writes_s": writes,
        "server_writes_vs_copy": ratio(sum(writes.values()), copy_s),
        "cpu_s": {
            "load_client": child["result"]["client_cpu_s"],
            "load_server": child["result"]["server_cpu_s"],
            "copy_server": round(statistics.median(cpu for _, cpu in samples), 2),
            "cores": cores,
        },
        "cpu_bound_vs_copy": ratio(load_cpu / cores, copy_s),
        "peak_rss_mb": child["peak_rss_mb"],
        "base_rss_mb": child["base_rss_mb"],
    }


def _reader_calls(store: Store, main: MainStore) -> list:
    """The mixed requests of the readers: org, team, agent table; week, month, quarter."""
    day = main.period.end
    periods = [main.period] + [period_containing(day, g) for g in ("month", "quarter")]
    calls = []
    for p in periods:
        calls += [
            lambda p=p: scorecard(store, p),
            lambda p=p: scorecard(store, p, team=main.team),
            lambda p=p: breakdown(store, p, "agent", team=main.team),
        ]
    return calls


# `cxmetrics ingest` as `python -m cxmetrics.cli` runs it, writing its own VmHWM (the
# high-water mark of its resident set since its exec) to the file named first at exit.
# wait4's ru_maxrss is no use here: a forked child's counts the parent's high-water mark.
INGEST_COMMAND = """import atexit, runpy, sys
out = sys.argv.pop(1)
def peak():
    with open("/proc/self/status", encoding="ascii") as status, open(out, "w") as fh:
        fh.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(peak)
sys.argv[0] = "cxmetrics"
runpy.run_module("cxmetrics.cli", run_name="__main__", alter_sys=True)
"""


def _ingest_command(url: str, csv: str) -> tuple[int, str, int | None]:
    """Run `cxmetrics ingest surveys CSV` in its own process: (exit code, stderr, its own
    peak RSS in bytes, None when it could not say)."""
    with tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "vmhwm"
        command = subprocess.run(
            [
                sys.executable,
                "-c",
                INGEST_COMMAND,
                str(peak),
                "--db",
                url,
                "ingest",
                "surveys",
                csv,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "CXMETRICS_STORE_WAIT_SECONDS": "600"},
        )
        kb = peak.read_text(encoding="ascii") if peak.exists() else ""
    return command.returncode, command.stderr, int(kb) * 1024 if kb.isdigit() else None


class RssSampler:
    """This process's resident set every 20 ms while running: the readers' growth during
    the step, which its lifetime high-water mark (left by earlier steps) cannot tell."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._start = self._process.memory_info().rss
        self._peak = self._start
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.wait(0.02):
            self._peak = max(self._peak, self._process.memory_info().rss)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict:
        """{"start", "peak", "growth"} in MB."""
        self._done.set()
        self._thread.join()
        self._peak = max(self._peak, self._process.memory_info().rss)
        return {
            "start": mb(self._start),
            "peak": mb(self._peak),
            "growth": mb(self._peak - self._start),
        }


def _under_load(url: str, main: MainStore, csv: str) -> dict:
    """READERS threads on one Store ask for scorecards while `cxmetrics ingest` loads `csv`
    from another process; latencies from the command's start to its end."""
    store = open_store(url)
    store.host(load_for_command)  # as the app does: the command's load runs beside the reads
    calls = _reader_calls(store, main)
    for call in calls:  # warm, as the app is
        call()
    latencies: list[float] = []
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def reader(k: int) -> None:
        i = k
        while not stop.is_set():
            started = time.perf_counter()
            try:
                calls[i % len(calls)]()
            except Exception as exc:  # counted, the run goes on
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc!s:.200}")
            else:
                with lock:
                    latencies.append(time.perf_counter() - started)
            i += 1

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(READERS)]
    sampler = RssSampler()
    sampler.start()
    for t in threads:
        t.start()
    started = time.perf_counter()
    returncode, stderr, ingest_rss = _ingest_command(url, csv)
    ingest_s = time.perf_counter() - started
    stop.set()
    for t in threads:
        t.join()
    readers_rss = sampler.stop()
    store.close()
    if returncode != 0:
        errors.append(f"ingest exit {returncode}: {stderr.strip()[-300:]}")
    ordered = sorted(latencies)
    return {
        "ingest_peak_rss_mb": None if ingest_rss is None else mb(ingest_rss),
        "readers_rss_mb": readers_rss,
        "readers": READERS,
        "requests": len(ordered),
        "errors": len(errors),
        "first_errors": errors[:3],
        "ingest_s": round(ingest_s, 2),
        "p50_ms": ms(statistics.median(ordered)) if ordered else None,
        "p95_ms": ms(ordered[int(0.95 * (len(ordered) - 1))]) if ordered else None,
        "max_ms": ms(ordered[-1]) if ordered else None,
    }


def shared_store(ctx: Context, main: MainStore) -> dict:
    """The `shared_store` figures of results.json (skipped without PostgreSQL)."""
    if not ctx.opts.shared_rows:
        return {"skipped": "--shared-rows 0"}
    pg_server = _server()
    if pg_server.binaries() is None:
        return {"skipped": "PostgreSQL is not installed"}
    opts, out = ctx.opts, {}
    folder = ctx.tmp / "shared"
    folder.mkdir(exist_ok=True)
    with pg_server.postgres_server() as url:
        admin = url.rsplit("/", 1)[0] + "/postgres"
        log(f"shared store: the demo ({opts.agents} agents × {opts.weeks} weeks) on PostgreSQL …")
        pg_url = _database(admin, "cx_demo")
        from cxmetrics.demo import build_demo

        pg = open_store(pg_url)
        build_s, _ = timed(
            build_demo, pg, agents=opts.agents, weeks=opts.weeks, seed=opts.seed, end=opts.end
        )
        duck = open_store(db.url(main.path))
        out["build_postgres_s"] = round(build_s, 1)
        out["scorecard_warm"] = {
            "duckdb": _warm_org(duck, main, opts.repeat),
            "postgresql": _warm_org(pg, main, opts.repeat),
        }
        same = scorecard(duck, main.period).to_dict() == scorecard(pg, main.period).to_dict()
        out["scorecard_same_on_both"] = same
        duck.close()
        pg.close()

        if not opts.skip_ingest:
            csv = ctx.tmp / "surveys.csv"
            inputs = None
            if not csv.exists():
                inputs = write_surveys(
                    main.path, folder, opts.ingest_rows, main.first_day, main.last_day
                )
                csv = Path(inputs["survey_csv"])
            log(f"shared store: {opts.ingest_rows:,}-row ingest on PostgreSQL and its COPY …")
            roster = str(ctx.tmp / "roster.csv") if inputs is None else inputs["roster_csv"]
            out["ingest_postgres"] = _ingest_pg(admin, str(csv), roster, opts.ingest_rows)

        load_dir = folder / "load"
        load_dir.mkdir()
        rows = opts.shared_rows
        concurrent = write_surveys(main.path, load_dir, rows, main.first_day, main.last_day)
        copy = folder / "under-load.duckdb"
        shutil.copy(main.path, copy)
        out["under_load"] = {}
        for name, where in (("duckdb", db.url(copy)), ("postgresql", pg_url)):
            log(f"shared store: {READERS} readers while {rows:,} rows load ({name}) …")
            out["under_load"][name] = {
                "rows": rows,
                **_under_load(where, main, concurrent["survey_csv"]),
            }
        db.remove(copy)
    out["peak_rss_mb"] = shared_rss(out)
    return out


def shared_rss(out: dict) -> dict:
    """The peak RSS of the shared store's processes (MB): each `cxmetrics ingest` command
    (its own VmHWM), PostgreSQL's `load_batch` alone in a spawned child, and how much the
    readers' process grew while they read; `largest` is the checked figure. (The bench
    process's lifetime high-water mark would be another step's, e.g. the pandas baseline.)"""
    load = out["under_load"]
    figures = {
        "ingest_command_duckdb": load["duckdb"]["ingest_peak_rss_mb"],
        "ingest_command_postgresql": load["postgresql"]["ingest_peak_rss_mb"],
        "readers_growth_duckdb": load["duckdb"]["readers_rss_mb"]["growth"],
        "readers_growth_postgresql": load["postgresql"]["readers_rss_mb"]["growth"],
    }
    if "ingest_postgres" in out:
        figures["load_batch_postgresql"] = out["ingest_postgres"]["peak_rss_mb"]
    known = [v for v in figures.values() if v is not None]
    return {**figures, "largest": max(known) if known else None}
