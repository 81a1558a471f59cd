"""Item 6, the shared store: PostgreSQL beside DuckDB in the same run (docs/shared-store.md).

On a throw-away PostgreSQL server (tests/pg_server.py, the machine's binaries):
- the same demo organisation, and the org scorecard warm on both stores;
- `load_batch` of the ingest step's survey CSV into a fresh PostgreSQL store (roster
  loaded, untimed) beside PostgreSQL's own COPY of the same file into a plain table;
- 20 reader threads asking for scorecards (org, team, agent table; week, month, quarter)
  while a survey ingest (`--shared-rows`, 200 k) commits from a `cxmetrics ingest`
  process: their p95 latency and errors, on each store (for DuckDB the readers share one
  Store on a copy of the main file, as the app's sessions do, and the command takes turns
  for the file).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from cxmetrics.ingest import load_batch
from cxmetrics.metrics.engine import breakdown, scorecard
from cxmetrics.periods import period_containing
from cxmetrics.store import Store, open_store

from .. import db
from ..context import Context, MainStore
from ..data import write_surveys
from ..measure import log, mb, median_time, ms, peak_rss, ratio, timed

ROOT = Path(__file__).resolve().parents[3]
READERS = 20
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


def _plain_copy_s(url: str, csv: str) -> float:
    """PostgreSQL's own COPY of the CSV into a plain typed table (the baseline)."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS plain_surveys")
            conn.exec_driver_sql(PLAIN_TABLE)
        started = time.perf_counter()
        with engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            with (
                cursor.copy("COPY plain_surveys FROM STDIN (FORMAT csv, HEADER true)") as copy,
                open(csv, "rb") as source,
            ):
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def _ingest_pg(admin: str, csv: str, roster_csv: str, rows: int) -> dict:
    url = _database(admin, "cx_ingest")
    store = open_store(url)
    try:
        roster = load_batch(store, "roster", roster_csv)
        assert roster.status == "committed", roster.message
        seconds, report = timed(load_batch, store, "surveys", csv)
        if report.loaded != rows:
            raise AssertionError(f"load_batch loaded {report.loaded} of {rows} on PostgreSQL")
    finally:
        store.close()
    copy_s = _plain_copy_s(url, csv)
    return {
        "rows": rows,
        "load_batch_s": round(seconds, 3),
        "postgres_copy_s": round(copy_s, 3),
        "ratio_vs_copy": ratio(seconds, copy_s),
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


def _under_load(url: str, main: MainStore, csv: str) -> dict:
    """READERS threads on one Store ask for scorecards while `cxmetrics ingest` loads `csv`
    from another process; latencies from the command's start to its end."""
    store = open_store(url)
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
    for t in threads:
        t.start()
    started = time.perf_counter()
    command = subprocess.run(
        [sys.executable, "-m", "cxmetrics.cli", "--db", url, "ingest", "surveys", csv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CXMETRICS_STORE_WAIT_SECONDS": "600"},
    )
    ingest_s = time.perf_counter() - started
    stop.set()
    for t in threads:
        t.join()
    store.close()
    if command.returncode != 0:
        errors.append(f"ingest exit {command.returncode}: {command.stderr.strip()[-300:]}")
    ordered = sorted(latencies)
    return {
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
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    out["peak_rss_mb"] = {"bench_process": mb(peak_rss()), "largest_child": mb(children)}
    return out
