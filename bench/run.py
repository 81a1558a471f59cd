"""Scale benchmark: scorecard, team view, history growth, ingest (canonical and Qualtrics
layout), memory and the all-hands page render, with baselines.

Run ``python bench/run.py --agents 2000 --weeks 52`` (``make bench``) or ``--agents 200``
(``make bench-quick``). Every figure is printed beside a baseline or a target; baselines are
measured in the same process (the pandas ingest baseline alone runs in a child process), as a
ratio; targets are checked and reported (pass / MISS), never asserted, except that the pandas
baseline must give the engine's numbers (to 1e-6), the Qualtrics export must be detected,
mapped and filtered as written, and the page must render without an exception, or the script
fails.

Where each figure comes from (see bench/README.md for what they mean):

* timings: this process, ``time.perf_counter``; "warm" is the median of ``--repeat`` calls;
  the page render: a fresh spawned process (AppTest) and a ``streamlit run`` server opened
  in headless Chromium (Playwright);
* peak RSS: each step again in a fresh ``multiprocessing`` *spawn* child that runs only that
  step; its peak is the child's ``VmHWM`` (Linux ``/proc/self/status``: high-water resident
  set of that process since its exec, interpreter and imports included);
* profiles: cProfile inside those children, so the timed figures carry no profiler overhead.

Nothing is written outside a temporary directory except ``--out`` and ``--readme``.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import json
import math
import multiprocessing as mp
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import psutil
import pyarrow as pa
import sqlalchemy as sa

from cxmetrics.config import load_settings
from cxmetrics.demo import build_demo
from cxmetrics.ingest import load_batch
from cxmetrics.metrics.engine import (
    breakdown,
    clustered_metrics,
    read_sums,
    scorecard,
    source_dates,
    targets_for,
)
from cxmetrics.metrics.registry import default_registry
from cxmetrics.periods import Period, last_complete_week, period_containing
from cxmetrics.store import open_store
from cxmetrics.ui import harness

HERE = Path(__file__).resolve().parent
START, END = "<!-- results:start -->", "<!-- results:end -->"

APP = HERE.parent / "app.py"
RENDER_TIMEOUT_S = 300  # AppTest / page waits: generous, a slow run is measured, not killed
SERVER_START_S = 60
CHROMIUM = os.environ.get("CXMETRICS_CHROMIUM", "/usr/bin/chromium")
# Runs before any page script: the page-clock time (ms since navigation start) of the
# latest DOM change, read once the page has settled.
LAST_MUTATION_JS = """new MutationObserver(() => { window.__cxLastChange = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});"""
# Bytes the page fetched over the network (transferSize: 0 when served from the cache).
FETCHED_JS = """(() => performance.getEntriesByType('navigation').concat(
    performance.getEntriesByType('resource')).reduce((n, e) => n + (e.transferSize || 0), 0))()"""

# Metrics the pandas baseline computes (value and n, current and previous week). Left out:
# repeat_contact (needs every customer's next contact over the whole history), and the
# intervals / p-values (O(1) arithmetic on the same sums, no data access).
QUEUE_MEASURES = ("service_level", "asa", "abandon_rate")
BASELINE_METRICS = (
    "nps", "inps", "csat", "ces", "responses", "service_level", "asa", "aht", "abandon_rate",
    "adherence", "conformance", "occupancy", "productivity", "transfer_rate", "fcr",
    "callback_kept",
)  # fmt: skip
TOLERANCE = 1e-6

TARGETS = {
    "scorecard_ratio": ("org scorecard: pandas baseline / warm", ">=", 20.0, "x"),
    "scorecard_warm_ms": ("org scorecard warm", "<=", 100.0, "ms"),
    "history_flat": ("scorecard warm, max/min over history sizes", "<=", 1.5, "x"),
    "ingest_vs_duckdb": (
        "ingest: load_batch / DuckDB read_csv into a table in a database file",
        "<=",
        2.0,
        "x",
    ),
    "pandas_vs_ingest": ("ingest: pandas to_sql / load_batch", ">", 1.0, "x"),
    "rss_ingest_mb": ("peak RSS of ingest (load_batch)", "<=", 1000.0, "MB"),
    "rss_scorecard_mb": ("peak RSS of scorecard step", "<=", 1000.0, "MB"),
    "rss_qualtrics_mb": ("peak RSS of Qualtrics-layout ingest (load_batch)", "<=", 1000.0, "MB"),
    "render_first_s": ("all-hands page, server render (AppTest, first run)", "<=", 2.0, "s"),
}
# Item 5: a Qualtrics export as the vendor writes it (data/samples/surveys_qualtrics.csv):
# three header rows (column ids, question text, ImportId JSON), then one row per response.
# (column id, question text, ImportId); "{tz}" is the business time zone of the settings.
QUALTRICS_COLUMNS = (
    ("StartDate", "Start Date", '{{"ImportId":"startDate","timeZone":"{tz}"}}'),
    ("EndDate", "End Date", '{{"ImportId":"endDate","timeZone":"{tz}"}}'),
    ("Status", "Response Type", '{{"ImportId":"status"}}'),
    ("IPAddress", "IP Address", '{{"ImportId":"ipAddress"}}'),
    ("Progress", "Progress", '{{"ImportId":"progress"}}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{{"ImportId":"duration"}}'),
    ("Finished", "Finished", '{{"ImportId":"finished"}}'),
    ("RecordedDate", "Recorded Date", '{{"ImportId":"recordedDate","timeZone":"{tz}"}}'),
    ("ResponseId", "Response ID", '{{"ImportId":"_recordId"}}'),
    ("RecipientLastName", "Recipient Last Name", '{{"ImportId":"recipientLastName"}}'),
    ("RecipientFirstName", "Recipient First Name", '{{"ImportId":"recipientFirstName"}}'),
    ("RecipientEmail", "Recipient Email", '{{"ImportId":"recipientEmail"}}'),
    ("ExternalReference", "External Data Reference", '{{"ImportId":"externalDataReference"}}'),
    ("LocationLatitude", "Location Latitude", '{{"ImportId":"locationLatitude"}}'),
    ("LocationLongitude", "Location Longitude", '{{"ImportId":"locationLongitude"}}'),
    ("DistributionChannel", "Distribution Channel", '{{"ImportId":"distributionChannel"}}'),
    ("UserLanguage", "User Language", '{{"ImportId":"userLanguage"}}'),
    ("Q1", "How likely are you to recommend Acme Energy to a friend or colleague?",
     '{{"ImportId":"QID1"}}'),
    ("Q1_NPS_GROUP",
     "How likely are you to recommend Acme Energy to a friend or colleague? - Group",
     '{{"ImportId":"QID1_NPS_GROUP"}}'),
    ("Q2", "Overall, how satisfied were you with the service you received today?",
     '{{"ImportId":"QID2"}}'),
    ("Q3", "How easy was it to get your issue resolved?", '{{"ImportId":"QID3"}}'),
    ("Q4", "Is there anything else you would like to tell us about your experience?",
     '{{"ImportId":"QID4_TEXT"}}'),
    ("AgentID", "AgentID", '{{"ImportId":"AgentID"}}'),
)  # fmt: skip
# What auto-detection must choose (canonical column -> column id); checked on every load.
QUALTRICS_EXPECTED_MAPPING = {
    "response_id": "ResponseId", "responded_at": "RecordedDate", "agent_id": "AgentID",
    "nps": "Q1", "csat": "Q2", "ces": "Q3", "comment": "Q4",
}  # fmt: skip
# The rows the layout must reject, by position (deterministic, spread through the file):
# previews (Status "Survey Preview", channel "preview"), test responses ("Survey Test",
# "test") and unfinished responses (Finished False, Progress < 100, only Q1 answered).
QUALTRICS_KIND_SQL = """CASE WHEN i % 250 = 7 THEN 'preview' WHEN i % 333 = 11 THEN 'test'
    WHEN i % 50 = 3 THEN 'unfinished' ELSE 'complete' END"""
QUALTRICS_REPORT_KEYS = (
    "layout", "rows_in", "loaded", "rejected", "duplicates", "unknown_agents", "reasons",
    "mapping",
)  # fmt: skip
QUALTRICS_REASONS = {
    "preview": "survey preview response",
    "test": "survey test response",
    "unfinished": "unfinished response",
}
QUALTRICS_SQL = """
CREATE TABLE q AS
WITH r AS (
  SELECT range AS i, hash(range, 'bench-qualtrics') AS h, {kind} AS kind FROM range($rows)
), s AS (
  SELECT r.*, ro.agent_id,
    CAST($first AS TIMESTAMP) + to_seconds(CAST(h % $span AS BIGINT)) AS started,
    CAST(40 + (h >> 20) % 1200 AS INTEGER) AS duration
  FROM r JOIN roster ro ON ro.k = (h >> 44) % $agents
)
SELECT i, kind,
  strftime(started, '%Y-%m-%d %H:%M:%S') AS start_date,
  strftime(started + to_seconds(duration), '%Y-%m-%d %H:%M:%S') AS end_date,
  CASE kind WHEN 'preview' THEN 'Survey Preview' WHEN 'test' THEN 'Survey Test'
            ELSE 'IP Address' END AS status,
  CASE WHEN kind IN ('preview', 'test') THEN NULL
       ELSE '203.0.113.' || CAST(1 + (h >> 8) % 254 AS VARCHAR) END AS ip,
  CASE WHEN kind = 'unfinished' THEN CAST(10 + (h >> 12) % 80 AS VARCHAR)
       ELSE '100' END AS progress,
  CAST(duration AS VARCHAR) AS duration,
  CASE WHEN kind = 'unfinished' THEN 'False' ELSE 'True' END AS finished,
  strftime(started + to_seconds(duration + 1), '%Y-%m-%d %H:%M:%S') AS recorded_date,
  'R_' || substr(md5(CAST(i AS VARCHAR)), 1, 7) || lpad(CAST(i AS VARCHAR), 8, '0')
    AS response_id,
  '39.7392' AS latitude, '-104.9903' AS longitude,
  CASE kind WHEN 'preview' THEN 'preview' WHEN 'test' THEN 'test'
       ELSE ['anonymous', 'email', 'sms'][1 + CAST((h >> 16) % 3 AS INTEGER)] END AS channel,
  'EN' AS language,
  CAST((h >> 24) % 11 AS INTEGER) AS nps,
  CASE WHEN kind = 'unfinished' OR (h >> 28) % 12 = 0 THEN NULL
       ELSE CAST(1 + (h >> 32) % 5 AS INTEGER) END AS csat,
  CASE WHEN kind = 'unfinished' OR (h >> 36) % 8 = 0 THEN NULL
       ELSE CAST(1 + (h >> 40) % 7 AS INTEGER) END AS ces,
  CASE WHEN kind <> 'unfinished' AND (h >> 50) % 3 = 0 THEN [
      'Quick, friendly and sorted first time.',
      'Waited ages on hold, then got cut off.',
      'Fine – had to explain my problem twice',
      'Great service "as always"',
      'Two things:' || chr(10) || '1. the app logged me out' || chr(10) || '2. nobody called back',
      'Très bien, merci — Ben was great 👍'][1 + CAST((h >> 52) % 6 AS INTEGER)] END
    AS comment,
  agent_id
FROM s
"""
QUALTRICS_BODY_SQL = """
SELECT start_date, end_date, status, ip, progress, duration, finished, recorded_date,
  response_id, NULL, NULL, NULL, NULL, latitude, longitude, channel, language,
  CAST(nps AS VARCHAR),
  CASE WHEN nps >= 9 THEN 'Promoter' WHEN nps >= 7 THEN 'Passive' ELSE 'Detractor' END,
  CAST(csat AS VARCHAR), CAST(ces AS VARCHAR), comment, agent_id
FROM q ORDER BY i
"""

SURVEY_SQL = """
COPY (
  WITH r AS (SELECT range AS i, hash(range, 'bench-surveys') AS h FROM range($rows))
  SELECT 'BR' || lpad(CAST(i AS VARCHAR), 9, '0') AS response_id,
    strftime(CAST($first AS TIMESTAMP) + to_seconds(CAST(h % $span AS BIGINT)),
             '%Y-%m-%d %H:%M:%S') AS responded_at,
    CASE WHEN ro.internal THEN 'colleague' ELSE 'customer' END AS respondent_type,
    ['phone', 'chat', 'email'][1 + CAST((h >> 8) % 3 AS INTEGER)] AS channel,
    ro.team_id, ro.agent_id,
    CASE WHEN (h >> 10) % 4 = 0 THEN NULL
         ELSE 'IX' || lpad(CAST(i AS VARCHAR), 9, '0') END AS interaction_id,
    CAST((h >> 12) % 11 AS INTEGER) AS nps,
    CASE WHEN ro.internal OR (h >> 16) % 12 = 0 THEN NULL
         ELSE CAST(1 + (h >> 20) % 5 AS INTEGER) END AS csat,
    CASE WHEN ro.internal OR (h >> 24) % 8 = 0 THEN NULL
         ELSE CAST(1 + (h >> 28) % 7 AS INTEGER) END AS ces,
    CASE WHEN (h >> 32) % 3 = 0 THEN [
        'Quick, friendly and sorted first time.',
        'Waited ages on hold, then got cut off.',
        'Fine – had to explain my problem twice',
        'Great service "as always"'][1 + CAST((h >> 36) % 4 AS INTEGER)] END AS comment
  FROM r JOIN roster ro ON ro.k = h % $agents
  ORDER BY i
) TO '{path}' (HEADER, DELIMITER ',')
"""

ROSTER_SQL = """
COPY (
  SELECT a.agent_id, a.name AS agent_name, a.team_id, t.name AS team_name, t.supervisor,
         t.function, a.email, a.hired_on, a.active
  FROM src.agents a LEFT JOIN src.teams t USING (team_id) ORDER BY a.agent_id
) TO '{path}' (HEADER, DELIMITER ',')
"""


# ------------------------------------------------------------------------------- helpers


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)


def _mb(nbytes: float) -> float:
    return round(nbytes / 1e6, 1)


def _size(path: Path) -> int:
    """Bytes on disk of a DuckDB file (with its WAL, if any)."""
    total = 0
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            total += p.stat().st_size
    return total


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def _median_time(fn, repeat: int) -> tuple[float, list[float]]:
    samples = [_timed(fn)[0] for _ in range(repeat)]
    return statistics.median(samples), samples


def _alternating(calls: dict, repeat: int) -> dict[str, tuple[float, list[float]]]:
    """Time each call `repeat` times, round-robin (rotating the order every round);
    returns {name: (median seconds, samples)}."""
    names = list(calls)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(repeat):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            samples[name].append(_timed(calls[name])[0])
    return {n: (statistics.median(v), v) for n, v in samples.items()}


def _peak_rss() -> int:
    """High-water resident set of this process (bytes)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _measured(name: str, kwargs: dict) -> dict:
    """Child-process side: run one step, report its result and this process's peak RSS."""
    base = psutil.Process().memory_info().rss
    seconds, result = _timed(globals()[name], **kwargs)
    return {
        "result": result,
        "seconds": round(seconds, 3),
        "base_rss_mb": _mb(base),
        "peak_rss_mb": _mb(_peak_rss()),
    }


def in_child(name: str, **kwargs) -> dict:
    """Run step `name` alone in a fresh spawned process (honest per-step peak RSS)."""
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_measured, name, kwargs).result()


def _url(path: Path) -> str:
    return f"duckdb:///{path}"


# ------------------------------------------------------------------------------- steps
# Module-level functions, so the spawned children can run them by name.


def step_build(path: str, agents: int, weeks: int, seed: int, end: str) -> dict:
    store = open_store(_url(Path(path)))
    try:
        summary = build_demo(
            store, agents=agents, weeks=weeks, seed=seed, end=date.fromisoformat(end)
        )
    finally:
        store.close()
    out = asdict(summary)
    out["first_day"], out["last_day"] = summary.first_day.isoformat(), summary.last_day.isoformat()
    return out


def _top(stats: dict, calls: int, n: int = 8) -> list[str]:
    """The `n` functions with the most own time, as "ms per call  file:function"."""
    ranked = sorted(stats.items(), key=lambda kv: -kv[1][2])[:n]
    out = []
    for (file, line, func), (_cc, nc, tt, _ct, _callers) in ranked:
        where = "/".join(Path(file).parts[-2:]) if file != "~" else "builtin"
        out.append(f"{tt * 1000 / calls:8.2f} ms  {where}:{line} {func} ({nc // calls} calls)")
    return out


def _cumulative(stats: dict, calls: int, wanted: dict[tuple[str, str], str]) -> dict[str, float]:
    """Cumulative ms per call of the functions named in `wanted` ((file name, function))."""
    out: dict[str, float] = {}
    for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items():
        label = wanted.get((Path(file).name, func)) if "site-packages" not in file else None
        if label is None and "duckdb_engine" in file:
            label = wanted.get(("duckdb_engine", func))
        if label is None and "sqlalchemy" in file:
            label = wanted.get(("sqlalchemy", func))
        if label:
            out[label] = round(out.get(label, 0.0) + ct * 1000 / calls, 2)
    return dict(sorted(out.items()))


def _profile_scorecard(prof: cProfile.Profile, calls: int) -> dict:
    """Where a warm org scorecard spends its time (ms per call, from cProfile)."""
    stats = pstats.Stats(prof).stats
    wanted = {
        ("engine.py", "scorecard"): "0 total scorecard()",
        ("engine.py", "read_sums"): "1 read_sums (its statement + rows → dicts)",
        ("engine.py", "targets_for"): "2 targets_for (1 query)",
        ("engine.py", "source_dates"): "3 source_dates (1 query)",
        ("engine.py", "result_for"): "4 result_for (estimates, intervals, tests)",
        ("duckdb_engine", "execute"): "5 DuckDB statement execution (duckdb_engine execute)",
        ("duckdb_engine", "do_begin"): "6 BEGIN per connection checkout",
        ("sqlalchemy", "do_rollback"): "7 ROLLBACK on connection return",
        ("sqlalchemy", "fetchall"): "8 fetchall (rows → Python)",
    }
    queries = sum(v[1] for k, v in stats.items() if "duckdb_engine" in k[0] and k[2] == "execute")
    return {
        "calls_profiled": calls,
        "statements_per_call": round(queries / calls, 1),
        "ms_per_call": _cumulative(stats, calls, wanted),
        "top_own_time": _top(stats, calls),
        "note": "cProfile in a separate child process; it inflates Python-heavy parts",
    }


def step_scorecard(path: str, period: str, team: str, repeat: int, profile: bool = False) -> dict:
    """Org scorecard cold + warm, team scorecard, agent table (the memory / profile step)."""
    p = _period(period)
    store = open_store(_url(Path(path)))
    try:
        cold, _ = _timed(scorecard, store, p)
        warm, _ = _median_time(lambda: scorecard(store, p), repeat)
        team_s, _ = _median_time(lambda: scorecard(store, p, team=team), repeat)
        table_s, _ = _median_time(lambda: breakdown(store, p, "agent", team=team), repeat)
        out = {
            "cold_ms": _ms(cold),
            "warm_ms": _ms(warm),
            "team_warm_ms": _ms(team_s),
            "agent_table_warm_ms": _ms(table_s),
        }
        if profile:
            out["parts_ms"] = _scorecard_parts(store, p, repeat)
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(repeat):
                scorecard(store, p)
            prof.disable()
            out["profile"] = _profile_scorecard(prof, repeat)
    finally:
        store.close()
    return out


def _scorecard_parts(store, p: Period, repeat: int) -> dict:
    """Unprofiled wall time (median) of the parts a warm org scorecard is made of."""
    prev = p.previous()
    clustered = clustered_metrics(default_registry())
    raw = duckdb.connect()
    parts = {
        "read_sums (its statement + rows → dicts)": lambda: read_sums(
            store, prev.start, p.end, grain=p.grain, clustered=clustered
        ),
        "targets_for (1 statement)": lambda: targets_for(store, p.end, None),
        "source_dates (1 statement)": lambda: source_dates(store),
        "one statement round trip, store.scalar('SELECT 1')": lambda: store.scalar("SELECT 1"),
        "same on a plain duckdb connection": lambda: raw.execute("SELECT 1").fetchall(),
    }
    out = {name: _ms(_median_time(fn, repeat)[0]) for name, fn in parts.items()}
    raw.close()
    return out


def step_baseline(path: str, period: str, team: str, repeat: int, t: tuple) -> dict:
    """The pandas baseline on its own: load raw tables, compute (the memory step)."""
    load_s, frames = _timed(load_frames, Path(path))
    p = _period(period)
    org, _ = _median_time(lambda: naive_scorecard(frames, p, t), repeat)
    return {"load_s": round(load_s, 3), "org_ms": _ms(org)}


def step_load_batch(path: str, roster_csv: str, survey_csv: str, profile: bool = False) -> dict:
    """Fresh store, roster loaded (untimed), then `load_batch(store, "surveys", csv)` timed."""
    store = open_store(_url(Path(path)))
    try:
        roster = load_batch(store, "roster", roster_csv)
        if roster.status != "committed" or roster.rejected:
            raise RuntimeError(f"roster did not load cleanly: {roster.message}")
        prof = cProfile.Profile() if profile else None
        stages = _StageMemory() if profile else None
        if prof:
            prof.enable()
        try:
            seconds, report = _timed(load_batch, store, "surveys", survey_csv)
        finally:
            if prof:
                prof.disable()
            if stages:
                stages.restore()
    finally:
        store.close()
    out = {
        "seconds": round(seconds, 3),
        "rows_in": report.rows_in,
        "loaded": report.loaded,
        "rejected": report.rejected,
        "duplicates": report.duplicates,
        "unknown_agents": len(report.unknown_agents),
        "status": report.status,
        "store_mb": _mb(_size(Path(path))),
        "layout": report.layout,
        "reasons": dict(report.reasons),
        "mapping": {k: v for k, v in report.mapping.items() if v is not None},
    }
    if prof:
        out["profile"] = _profile_ingest(prof)
        out["profile"]["memory_by_stage_mb"] = stages.report()
    return out


class _StageMemory:
    """RSS and high-water RSS (VmHWM) at the entry and exit of each load_batch stage.

    Bench-only instrumentation: wraps, for the duration of one call, the stage functions
    that `load_batch` looks up at call time (those of STAGES that exist in this version of
    the library), then puts them back. VmHWM only grows, so the stage during which it rises
    is the stage that set the peak.
    """

    STAGES = (
        ("cxmetrics.ingest.sources", "read_grid"),
        ("cxmetrics.ingest.loader", "read_file"),
        ("cxmetrics.ingest.loader", "split_grid"),
        ("cxmetrics.ingest.loader", "prepare"),
        ("cxmetrics.ingest.loader", "validate_file"),
        ("cxmetrics.ingest.loader", "plan_batch"),
        ("cxmetrics.ingest.loader", "write_batch"),
    )

    def __init__(self):
        import importlib

        self.originals, self.rows = [], []
        self.mark("start")
        for module_name, name in self.STAGES:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            original = getattr(module, name, None)
            if callable(original):
                self.originals.append((module, name, original))
                setattr(module, name, self._wrap(name, original))

    def mark(self, label: str) -> None:
        rss = psutil.Process().memory_info().rss
        self.rows.append((label, _mb(rss), _mb(_peak_rss())))

    def _wrap(self, name, original):
        def wrapper(*args, **kwargs):
            self.mark(f"enter {name}")
            try:
                return original(*args, **kwargs)
            finally:
                self.mark(f"leave {name}")

        return wrapper

    def restore(self) -> None:
        self.mark("load_batch returned (after commit)")
        for module, name, original in self.originals:
            setattr(module, name, original)

    def report(self) -> list[str]:
        return [
            f"{label}: rss {rss:,.0f} MB, peak so far {hwm:,.0f} MB"
            for label, rss, hwm in self.rows
        ]


def _profile_ingest(prof: cProfile.Profile) -> dict:
    """Seconds spent in each stage of load_batch (cumulative, from cProfile)."""
    stats = pstats.Stats(prof).stats
    wanted = {
        ("loader.py", "load_batch"): "0 total load_batch",
        ("loader.py", "_earlier"): "0a _earlier (file loaded before?)",
        ("loader.py", "read_file"): "1 read_file (bytes → frame of str)",
        ("sources.py", "read_grid"): "1 read_grid (bytes → grid of str)",
        ("loader.py", "split_grid"): "1b split_grid (header, data rows)",
        ("loader.py", "prepare"): "2 prepare (layout, mapping)",
        ("canonical.py", "map_columns"): "2 map_columns",
        ("canonical.py", "validate"): "3 validate (types, rules)",
        ("canonical.py", "parse_times"): "3a   of which parse_times",
        ("canonical.py", "fill_response_ids"): "3b fill_response_ids",
        ("loader.py", "plan_batch"): "4 plan_batch (duplicates, unknown agents)",
        ("loader.py", "write_batch"): "5 write_batch (insert, batch row, rollups)",
        ("loader.py", "_arrow"): "5a   of which frame → Arrow (also in plan)",
        ("rollups.py", "refresh"): "5b   of which rollup refresh",
        ("duckdb_engine", "execute"): "6 DuckDB statement execution (all stages)",
    }
    ms = _cumulative(stats, 1, wanted)
    return {
        "seconds": {k: round(v / 1000, 3) for k, v in ms.items()},
        "top_own_time": _top(stats, 1, 10),
        "note": "cProfile in a separate child process (top_own_time in ms for the one call)",
    }


def step_duckdb_raw(csv: str, db: str | None = None) -> dict:
    """DuckDB's own CSV load: `CREATE TABLE t AS SELECT * FROM read_csv(path)`."""
    t0 = time.perf_counter()
    con = duckdb.connect(db) if db else duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [csv])
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()  # a file database checkpoints here: part of the cost
    return {"seconds": round(time.perf_counter() - t0, 3), "rows": rows}


def step_pandas(csv: str, db: str) -> dict:
    """pandas.read_csv, then DataFrame.to_sql through SQLAlchemy (duckdb-engine dialect)."""
    t0 = time.perf_counter()
    frame = pd.read_csv(csv)
    engine = sa.create_engine(f"duckdb:///{db}")
    frame.to_sql("survey_responses", engine, index=False)
    engine.dispose()
    return {"seconds": round(time.perf_counter() - t0, 3), "rows": len(frame)}


def check_qualtrics(out: dict, expected: dict) -> None:
    """Raise unless a Qualtrics load was auto-detected as such, mapped the expected columns,
    rejected exactly the previews, tests and unfinished responses, and loaded the rest."""
    kinds = expected["kinds"]
    labels = {col[0]: col[1] for col in QUALTRICS_COLUMNS}
    want_mapping = {canon: labels[cid] for canon, cid in QUALTRICS_EXPECTED_MAPPING.items()}
    want_reasons = {QUALTRICS_REASONS[k]: kinds[k] for k in QUALTRICS_REASONS if kinds[k]}
    problems = []
    if out["layout"] != "qualtrics":
        problems.append(f"layout {out['layout']!r}, not 'qualtrics'")
    if out["mapping"] != want_mapping:
        problems.append(f"mapping {out['mapping']} ≠ {want_mapping}")
    if out["reasons"] != want_reasons:
        problems.append(f"rejected {out['reasons']} ≠ {want_reasons}")
    got = (out["rows_in"], out["loaded"], out["duplicates"], out["unknown_agents"])
    if got != (expected["rows"], kinds["complete"], 0, 0):
        problems.append(
            f"rows_in {out['rows_in']}, loaded {out['loaded']}, duplicates {out['duplicates']},"
            f" unknown agents {out['unknown_agents']}; expected {expected['rows']} in,"
            f" {kinds['complete']} loaded, none duplicate or unknown"
        )
    if out["status"] != "committed":
        problems.append(f"status {out['status']!r}")
    if problems:
        raise AssertionError("Qualtrics-layout ingest: " + "; ".join(problems))


def _app_problems(at) -> list[str]:
    """What is wrong with an AppTest run of the all-hands page (empty when nothing)."""
    problems = [f"exception: {str(e.value)[:500]}" for e in at.exception]
    titles = [t.value for t in at.title]
    if not any(str(t).startswith("All-hands scorecard") for t in titles):
        problems.append(f"no all-hands title (titles: {titles})")
    return problems


def step_render(url: str, repeat: int) -> dict:
    """The all-hands page (app.py, default page) through Streamlit's AppTest, in this fresh
    process: imports first (untimed in the render figure), Streamlit caches cleared, then
    the first `at.run()` (store open + every query + render) and `repeat` warm reruns."""
    t0 = time.perf_counter()
    import plotly.graph_objects  # noqa: F401  (the page's own imports: once per server)
    import streamlit as st
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    # Streamlit warns about every cached function used outside a server ("No runtime
    # found"); errors still show, and exceptions in the page are checked below.
    streamlit.logger.set_log_level("error")

    from cxmetrics.ui import charts, components, data  # noqa: F401

    imports = time.perf_counter() - t0
    os.environ["CXMETRICS_DB_URL"] = url
    data.get_store.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=RENDER_TIMEOUT_S)
    first, _ = _timed(at.run)
    problems = _app_problems(at)
    if problems:
        raise AssertionError("all-hands page (AppTest, first run): " + "; ".join(problems))
    title = at.title[0].value
    elements = sum(1 for _ in at.main)
    warm, samples = _median_time(at.run, repeat)
    problems = _app_problems(at)
    if problems:
        raise AssertionError("all-hands page (AppTest, rerun): " + "; ".join(problems))
    return {
        "imports_s": round(imports, 3),
        "first_s": round(first, 3),
        "warm_s": round(warm, 3),
        "warm_samples_s": [round(x, 3) for x in samples],
        "title": title,
        "top_level_elements": elements,
    }


def _browser_missing(chromium: str) -> str | None:
    """Why the browser variant cannot run here (None when it can)."""
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        return f"no Chromium at {chromium}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def _vm_hwm(pid: int) -> int | None:
    """High-water resident set (bytes) of another process, from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _page_load(context, base: str) -> dict:
    """Open the app in a new tab of `context` (a new Streamlit session) and time it: from the
    navigation until an h1 is visible and Streamlit is connected and no longer running (as
    tests/browser/conftest.py waits), then until the DOM has been quiet for half a second (the
    last change, on the page's clock: charts drawn after the script run ended)."""
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_S * 1000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        t0 = time.perf_counter()
        page.goto(base + "/", wait_until="domcontentloaded")
        dom = time.perf_counter() - t0
        page.locator("h1").first.wait_for(state="visible")
        h1 = time.perf_counter() - t0
        harness.wait_for_script_end(page)
        complete = time.perf_counter() - t0
        harness.wait_for_quiet(page)
        last_change = page.evaluate("window.__cxLastChange || 0")
        fetched = page.evaluate(FETCHED_JS)
        title = page.locator("h1").first.inner_text()
        exceptions = page.locator('[data-testid="stException"]').count()
    finally:
        page.close()
    if exceptions or errors or not title.startswith("All-hands scorecard"):
        raise AssertionError(
            f"all-hands page in Chromium: {exceptions} exception(s) shown, page errors "
            f"{errors[:3]}, title {title!r}"
        )
    return {
        "dom_content_loaded_s": round(dom, 3),
        "h1_visible_s": round(h1, 3),
        "complete_s": round(complete, 3),
        "last_dom_change_s": round(last_change / 1000, 3),
        "downloaded_mb": _mb(fetched),
        "title": title,
    }


def browser_render(url: str, log_path: Path, chromium: str) -> dict:
    """`streamlit run app.py` on a free port against the store at `url` (the caller has
    closed it: DuckDB allows one process per file), then the page opened three times in
    headless Chromium: a fresh server's first visit from a new browser (empty HTTP cache),
    a second new browser (the server's caches warm), and that browser again (its HTTP
    cache warm too). Each visit is a new Streamlit session."""
    why = _browser_missing(chromium)
    if why:
        return {"skipped": why}
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    with harness.serve_app(url, log_path, start_timeout=SERVER_START_S) as (base, server):
        started = time.perf_counter() - t0
        base_rss = psutil.Process(server.pid).memory_info().rss
        with sync_playwright() as playwright:
            t1 = time.perf_counter()
            browser = playwright.chromium.launch(
                executable_path=chromium, args=harness.CHROMIUM_ARGS
            )
            launch = time.perf_counter() - t1
            try:
                # 1: fresh server, new browser (empty HTTP cache); 2: the server's caches
                # warm, a new browser again; 3: that browser again (its HTTP cache warm too).
                loads = []
                for tabs in (1, 2):
                    context = browser.new_context(viewport={"width": 1920, "height": 1080})
                    context.add_init_script(LAST_MUTATION_JS)
                    try:
                        loads += [_page_load(context, base) for _ in range(tabs)]
                    finally:
                        context.close()
            finally:
                browser.close()
        peak = _vm_hwm(server.pid)
    return {
        "server_start_s": round(started, 3),
        "chromium_launch_s": round(launch, 3),
        "first": loads[0],
        "second": loads[1],
        "third": loads[2],
        "server_base_rss_mb": _mb(base_rss),
        "server_peak_rss_mb": None if peak is None else _mb(peak),
    }


# ------------------------------------------------------------------------------- baseline


def load_frames(path: Path) -> dict[str, pd.DataFrame]:
    """The raw tables a scorecard needs, into pandas once (DuckDB → pandas, read-only)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        frames = {
            "interactions": con.execute(
                "SELECT started_at, channel, team_id, agent_id, wait_seconds, handle_seconds,"
                " abandoned,"
                " transferred, resolved_first_contact, callback_promised, callback_kept"
                " FROM interactions"
            ).df(),
            "surveys": con.execute(
                "SELECT responded_at, respondent_type, team_id, agent_id, nps, csat, ces"
                " FROM survey_responses"
            ).df(),
            "adherence": con.execute(
                "SELECT agent_id, date, scheduled_minutes, in_adherence_minutes,"
                " logged_in_minutes, available_minutes FROM adherence"
            ).df(),
            "agents": con.execute("SELECT agent_id, team_id FROM agents").df(),
        }
    finally:
        con.close()
    frames["agent_team"] = frames["agents"].set_index("agent_id")["team_id"]
    return frames


def _pct(num: float, den: float) -> float | None:
    return None if den == 0 else 100.0 * num / den


def naive_metrics(inter: pd.DataFrame, surv: pd.DataFrame, adh: pd.DataFrame, t: tuple) -> dict:
    """The metric definitions straight on raw rows: {metric id: (value, n)}. `t` is the
    service-level threshold of channels without their own and the per-channel ones."""
    default_t, channel_t = t
    out: dict[str, tuple[float | None, int]] = {}
    for mid, rtype in (("nps", "customer"), ("inps", "colleague")):
        s = surv.nps[surv.respondent_type == rtype].dropna()
        n = len(s)
        out[mid] = (None if n == 0 else 100.0 * (int((s >= 9).sum()) - int((s <= 6).sum())) / n, n)
    cust = surv[surv.respondent_type == "customer"]
    c, e = cust.csat.dropna(), cust.ces.dropna()
    out["csat"] = (_pct(int((c >= 4).sum()), len(c)), len(c))
    out["ces"] = (_pct(int((e >= 5).sum()), len(e)), len(e))
    out["responses"] = (float(len(surv)) if len(surv) else None, len(surv))
    answered_mask = ~inter.abandoned
    ans, ab = inter[answered_mask], inter[~answered_mask]

    def threshold(rows: pd.DataFrame) -> pd.Series:
        channel = rows.channel.astype("string").str.strip().str.lower()
        return channel.map(channel_t).fillna(default_t).astype("float64")

    sl_den = len(ans) + int((ab.wait_seconds > threshold(ab)).sum())
    sl_num = int((ans.wait_seconds <= threshold(ans)).sum())
    out["service_level"] = (_pct(sl_num, sl_den), sl_den)
    out["asa"] = (float(ans.wait_seconds.sum()) / len(ans) if len(ans) else None, len(ans))
    out["aht"] = (float(ans.handle_seconds.sum()) / len(ans) if len(ans) else None, len(ans))
    out["abandon_rate"] = (_pct(len(ab), len(inter)), len(inter))
    sched = float(adh.scheduled_minutes.sum())
    n_adh = len(adh)
    out["adherence"] = (_pct(adh.in_adherence_minutes.sum(), sched) if n_adh else None, n_adh)
    out["conformance"] = (_pct(adh.logged_in_minutes.sum(), sched) if n_adh else None, n_adh)
    # occupancy and productivity: only agent-days with both contacts and logged time
    named = inter[inter.agent_id.notna()]
    worked = (
        named.assign(
            day=named.started_at.dt.normalize(),
            answered=~named.abandoned,
            handle=named.handle_seconds.where(~named.abandoned, 0.0) / 60.0,
        )
        .groupby(["agent_id", "day"])[["answered", "handle"]]
        .sum()
    )
    logged = adh[adh.logged_in_minutes > 0].assign(day=pd.to_datetime(adh.date))
    logged = logged.groupby(["agent_id", "day"])[["logged_in_minutes", "available_minutes"]].sum()
    both = worked.join(logged, how="inner")
    handle_min, days = float(both.handle.sum()), len(both)
    occ_den = handle_min + float(both.available_minutes.sum())
    out["occupancy"] = (_pct(handle_min, occ_den) if days and occ_den else None, days)
    logged_min = float(both.logged_in_minutes.sum())
    out["productivity"] = (
        60.0 * float(both.answered.sum()) / logged_min if days and logged_min else None,
        days,
    )
    out["transfer_rate"] = (_pct(int(ans.transferred.sum()), len(ans)), len(ans))
    known = ans.resolved_first_contact.dropna()
    out["fcr"] = (_pct(int(known.sum()), len(known)), len(known))
    promised = inter[inter.callback_promised.fillna(False)]
    out["callback_kept"] = (_pct(int(promised.callback_kept.sum()), len(promised)), len(promised))
    return out


def _window(frames: dict, p: Period, team: str | None):
    """Rows of the period and the one before (one scan per table), optionally one team's."""
    prev = p.previous()
    lo, hi = pd.Timestamp(prev.start), pd.Timestamp(p.end + timedelta(days=1))
    inter, surv, adh = frames["interactions"], frames["surveys"], frames["adherence"]
    inter = inter[(inter.started_at >= lo) & (inter.started_at < hi)]
    surv = surv[(surv.responded_at >= lo) & (surv.responded_at < hi)]
    adh = adh[(adh.date >= lo) & (adh.date < hi)]
    if team is not None:
        agent_team = frames["agent_team"]
        inter = inter[inter.team_id.fillna(inter.agent_id.map(agent_team)) == team]
        surv = surv[surv.team_id.fillna(surv.agent_id.map(agent_team)) == team]
        adh = adh[adh.agent_id.map(agent_team) == team]
    mid = pd.Timestamp(p.start)
    cur = (inter[inter.started_at >= mid], surv[surv.responded_at >= mid], adh[adh.date >= mid])
    old = (inter[inter.started_at < mid], surv[surv.responded_at < mid], adh[adh.date < mid])
    return cur, old


def naive_scorecard(frames: dict, p: Period, t: tuple, team: str | None = None) -> dict:
    """{metric: (value, n, previous, previous_n)} for the org or a team."""
    cur, old = _window(frames, p, team)
    now, before = naive_metrics(*cur, t), naive_metrics(*old, t)
    return {m: (*now[m], *before[m]) for m in BASELINE_METRICS}


def naive_agent_table(frames: dict, p: Period, t: tuple, team: str) -> dict:
    """{agent id or None: {metric: (value, n, previous, previous_n)}} within a team."""
    cur, old = _window(frames, p, team)

    def groups(parts):
        return [dict(tuple(f.groupby("agent_id", dropna=False, sort=False))) for f in parts]

    cur_g, old_g = groups(cur), groups(old)
    keys = set().union(*cur_g, *old_g)
    out = {}
    for key in keys:
        now = naive_metrics(*(g.get(key, f.iloc[:0]) for g, f in zip(cur_g, cur, strict=True)), t)
        before = naive_metrics(
            *(g.get(key, f.iloc[:0]) for g, f in zip(old_g, old, strict=True)), t
        )
        row = {m: (*now[m], *before[m]) for m in BASELINE_METRICS}
        for m in QUEUE_MEASURES:  # a queue measure is not applicable to one agent
            row[m] = (None, 0, None, 0)
        out[None if pd.isna(key) else key] = row
    return out


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=TOLERANCE)


def check_equal(label: str, engine_lines, naive: dict) -> float:
    """Raise unless the engine's value, n, previous, previous_n equal the naive ones."""
    got = {m.id: m for m in engine_lines}
    worst = 0.0
    for mid in BASELINE_METRICS:
        value, n, previous, previous_n = naive[mid]
        line = got[mid]
        pairs = (("value", line.value, value), ("previous", line.previous, previous))
        for what, mine, theirs in pairs:
            if not _close(mine, theirs):
                raise AssertionError(f"{label} {mid} {what}: engine {mine!r} ≠ pandas {theirs!r}")
            if mine is not None:
                worst = max(worst, abs(float(mine) - float(theirs)))
        if line.n != n or line.previous_n != previous_n:
            raise AssertionError(
                f"{label} {mid} n: engine {line.n}/{line.previous_n} ≠ pandas {n}/{previous_n}"
            )
    return worst


# ------------------------------------------------------------------------------- the run


def _period(label_or_day: str) -> Period:
    return period_containing(date.fromisoformat(label_or_day), "week")


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 2)


def _verdict(key: str, value: float | None) -> dict:
    label, op, threshold, unit = TARGETS[key]
    shown = {">=": "≥", "<=": "≤", ">": ">"}[op]
    if value is None:
        passed = None
    elif op == ">=":
        passed = value >= threshold
    elif op == ">":
        passed = value > threshold
    else:
        passed = value <= threshold
    return {
        "target": f"{shown} {threshold:g}{'×' if unit == 'x' else ' ' + unit}",
        "label": label,
        "value": value,
        "pass": passed,
    }


def code_state() -> dict:
    """Which library code was measured (others may be editing the checkout meanwhile)."""

    def git(*cmd: str) -> str:
        try:
            done = subprocess.run(
                ["git", *cmd], cwd=HERE.parent, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    changed = [
        line for line in git("status", "--porcelain", "--", "cxmetrics").splitlines() if line
    ]
    return {"git_head": git("rev-parse", "--short", "HEAD") or None,
            "uncommitted_library_files": len(changed)}  # fmt: skip


def machine() -> dict:
    return {
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
        "sqlalchemy": sa.__version__,
    }


def rollup_scan(path: Path, first: date, last: date) -> dict:
    """Size of the org rollup an org scorecard reads, and how many of its row groups a
    scan of [first, last] must read: a row group whose date min/max (zone map) misses the
    range can be skipped."""
    con = duckdb.connect(str(path), read_only=True)
    rows = total = overlapping = None
    try:
        rows = con.execute("SELECT count(*) FROM rollup_org_daily").fetchone()[0]
        total, overlapping = con.execute(
            "SELECT count(DISTINCT row_group_id), count(DISTINCT row_group_id) FILTER ("
            " WHERE CAST(stats['min'] AS DATE) <= ? AND CAST(stats['max'] AS DATE) >= ?)"
            " FROM pragma_storage_info('rollup_org_daily')"
            " WHERE column_name = 'date' AND segment_type = 'DATE'",
            [last, first],
        ).fetchone()
    except duckdb.Error:  # storage_info layout differs in another DuckDB version
        pass
    finally:
        con.close()
    return {"rollup_rows": rows, "row_groups": total, "row_groups_in_range": overlapping}


def _roster_table(con, store_path: Path) -> int:
    """Table `roster` (k, agent_id, team_id, internal) of the store's agents; their count."""
    con.execute("ATTACH ? AS src (READ_ONLY)", [str(store_path)])
    con.execute(
        "CREATE TABLE roster AS SELECT row_number() OVER (ORDER BY a.agent_id) - 1 AS k,"
        " a.agent_id, a.team_id, coalesce(t.function LIKE '%internal%', false) AS internal"
        " FROM src.agents a LEFT JOIN src.teams t USING (team_id)"
    )
    return con.execute("SELECT count(*) FROM roster").fetchone()[0]


def write_roster(store_path: Path, tmp: Path) -> str:
    """The demo roster as a roster CSV (loaded, untimed, before each timed survey load)."""
    roster_csv = tmp / "roster.csv"
    if not roster_csv.exists():
        con = duckdb.connect()
        try:
            con.execute("ATTACH ? AS src (READ_ONLY)", [str(store_path)])
            con.execute(ROSTER_SQL.format(path=_quoted(roster_csv)))
        finally:
            con.close()
    return str(roster_csv)


def write_inputs(store_path: Path, tmp: Path, rows: int, first: date, last: date) -> dict:
    """The roster CSV and a canonical survey CSV of `rows` rows (DuckDB COPY, no row loop)."""
    roster_csv, survey_csv = write_roster(store_path, tmp), tmp / "surveys.csv"
    con = duckdb.connect()
    try:
        agents = _roster_table(con, store_path)
        con.execute("DETACH src")
        span = int((last - first).days + 1) * 86400
        con.execute(
            SURVEY_SQL.format(path=_quoted(survey_csv)),
            {"rows": rows, "first": datetime.combine(first, datetime.min.time()), "span": span,
             "agents": agents},
        )  # fmt: skip
    finally:
        con.close()
    return {
        "roster_csv": roster_csv,
        "survey_csv": str(survey_csv),
        "csv_mb": _mb(survey_csv.stat().st_size),
        "rows": rows,
        "agents": agents,
    }


def write_qualtrics(
    store_path: Path, tmp: Path, rows: int, first: date, last: date, tz: str
) -> dict:
    """A Qualtrics-layout export of `rows` responses: the three header rows (csv module, three
    lines), then the body written by DuckDB `COPY` (no Python loop per row) and appended as
    bytes. Agents are the demo roster's; times fall inside [first, last] (none in the future).
    Returns the path and how many rows of each kind (complete, preview, test, unfinished)."""
    path, body = tmp / "qualtrics.csv", tmp / "qualtrics-body.csv"
    con = duckdb.connect()
    try:
        agents = _roster_table(con, store_path)
        con.execute("DETACH src")
        # The last response is recorded at most duration + 1 s (≤ 1241 s) after it started.
        span = max(int((last - first).days + 1) * 86400 - 1300, 1)
        con.execute(
            QUALTRICS_SQL.format(kind=QUALTRICS_KIND_SQL),
            {"rows": rows, "first": datetime.combine(first, datetime.min.time()), "span": span,
             "agents": agents},
        )  # fmt: skip
        kinds = dict(con.execute("SELECT kind, count(*) FROM q GROUP BY kind").fetchall())
        con.execute(
            f"COPY ({QUALTRICS_BODY_SQL}) TO '{_quoted(body)}' (HEADER false, DELIMITER ',')"
        )
    finally:
        con.close()
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        for row in range(3):
            writer.writerow([col[row].format(tz=tz) for col in QUALTRICS_COLUMNS])
    with open(path, "ab") as out, open(body, "rb") as src:
        shutil.copyfileobj(src, out, 16 << 20)
    body.unlink()
    return {
        "csv": str(path),
        "csv_mb": _mb(path.stat().st_size),
        "rows": rows,
        "agents": agents,
        "kinds": {k: int(kinds.get(k, 0)) for k in ("complete", *QUALTRICS_REASONS)},
    }


def run(args: argparse.Namespace) -> dict:
    end = date.fromisoformat(args.end) if args.end else last_complete_week().end
    repeat = max(5, args.repeat)
    ingest_rows = args.ingest_rows or (1_000_000 if args.agents >= 1000 else 100_000)
    qualtrics_rows = args.qualtrics_rows
    if qualtrics_rows is None:
        qualtrics_rows = 200_000 if args.agents >= 1000 else 20_000
    sweep_agents = args.sweep_agents or args.agents
    sweep_weeks = sorted({int(w) for w in args.sweep_weeks.split(",") if w.strip()})
    settings = load_settings()
    t_sl = (settings.service_level_seconds, settings.service_level_thresholds())
    started = time.perf_counter()
    res: dict = {
        "machine": machine(),
        "code": code_state(),
        "date": datetime.now().isoformat(timespec="seconds"),
        "args": {
            "agents": args.agents,
            "weeks": args.weeks,
            "seed": args.seed,
            "end": end.isoformat(),
            "repeat": repeat,
            "ingest_rows": None if args.skip_ingest else ingest_rows,
            "sweep_agents": sweep_agents,
            "sweep_weeks": sweep_weeks,
            "skip_ingest": args.skip_ingest,
            "ingest_repeat": args.ingest_repeat,
            "qualtrics_rows": qualtrics_rows,
            "skip_browser": args.skip_browser,
        },
        "methods": {
            "timing": "time.perf_counter in the benchmark process; warm = median of "
            f"{repeat} calls after the first; engine and baseline in the same process, their "
            "calls alternating; the history stores are timed round-robin (median of "
            f"{max(repeat, 11)})",
            "cold": "first scorecard() after open_store() in this process, before any other "
            "engine call (the OS file cache is warm: the store was just written and read); "
            "also in a fresh spawned process",
            "peak_rss": "VmHWM of a fresh multiprocessing spawn child running only that step "
            "(includes the interpreter and imports, shown as base_rss_mb)",
            "baseline_scorecard": "pandas on raw tables loaded once (DuckDB .df()); one "
            "timestamp-range scan per table for the period and the one before, then DESIGN §4 "
            "formulas; covers " + ", ".join(BASELINE_METRICS) + " (value, n, previous, "
            "previous n); not repeat_contact, not intervals or p-values",
            "baseline_ingest_pandas": "pandas.read_csv + DataFrame.to_sql via a SQLAlchemy "
            "engine on the duckdb-engine dialect (duckdb:///file), default method "
            "(executemany INSERT); run once, in a fresh spawned process (timed there around "
            "the step, imports excluded; the same run gives its peak RSS)",
            "baseline_ingest_duckdb": "duckdb.connect() (in memory) + CREATE TABLE t AS "
            "SELECT * FROM read_csv(path); also shown into a file database",
            "qualtrics": "load_batch(store, 'surveys', path) with no mapping into a fresh store "
            "whose roster was loaded first (untimed); median of --ingest-repeat; the export is "
            "written by DuckDB COPY (three header rows written first); per row compared with the "
            "canonical ingest of item 4",
            "page_render": "all-hands page (app.py's default page). AppTest: in a fresh spawned "
            "process, imports done first (shown, not in the figure), Streamlit caches cleared, "
            "first at.run() = store open + every query + render; warm = median of reruns. "
            "Browser: `streamlit run app.py` on a free port against the bench store, headless "
            "Chromium (Playwright); time from page.goto until an h1 is visible and Streamlit is "
            "connected and not running: a fresh server's first visit from a new browser "
            "context, then a new context (server caches warm), then a new tab of that context "
            "(HTTP cache warm too); the last DOM change is read on the page's clock after "
            "500 ms of quiet",
        },
    }
    with tempfile.TemporaryDirectory(prefix="cxbench-") as tmpdir:
        tmp = Path(tmpdir)
        main_db = tmp / "bench.duckdb"

        # -- the organisation --------------------------------------------------------------
        log(f"building the demo organisation: {args.agents} agents × {args.weeks} weeks …")
        built = in_child(
            "step_build",
            path=str(main_db),
            agents=args.agents,
            weeks=args.weeks,
            seed=args.seed,
            end=end.isoformat(),
        )
        summary = built["result"]
        res["store"] = {
            **summary,
            "size_mb": _mb(_size(main_db)),
            "build_peak_rss_mb": built["peak_rss_mb"],
        }
        period = period_containing(date.fromisoformat(summary["last_day"]), "week")
        prev = period.previous()
        con = duckdb.connect(str(main_db), read_only=True)
        team = con.execute(
            "SELECT team_id FROM interactions WHERE started_at >= ? AND started_at < ?"
            " GROUP BY team_id ORDER BY count(*) DESC, team_id LIMIT 1",
            [period.start, period.end + timedelta(days=1)],
        ).fetchone()[0]
        con.close()
        res["period"], res["team"] = period.label, team

        # -- 1 + 2: scorecards against pandas ------------------------------------------------
        log("loading raw tables into pandas for the baseline …")
        load_s, frames = _timed(load_frames, main_db)
        rows_in_memory = sum(len(frames[k]) for k in ("interactions", "surveys", "adherence"))
        log("timing scorecards (engine and pandas, alternating) …")
        store = open_store(_url(main_db))
        try:
            cold, first = _timed(scorecard, store, period)
            team_cold, team_card = _timed(scorecard, store, period, team=team)
            table_cold, table = _timed(breakdown, store, period, "agent", team=team)
            naive_org = naive_scorecard(frames, period, t_sl)
            naive_team = naive_scorecard(frames, period, t_sl, team)
            naive_table = naive_agent_table(frames, period, t_sl, team)
            # Engine and baseline calls alternate, so load from elsewhere hits both alike.
            timed = _alternating(
                {
                    "org": lambda: scorecard(store, period),
                    "org_base": lambda: naive_scorecard(frames, period, t_sl),
                    "team": lambda: scorecard(store, period, team=team),
                    "team_base": lambda: naive_scorecard(frames, period, t_sl, team),
                    "table": lambda: breakdown(store, period, "agent", team=team),
                    "table_base": lambda: naive_agent_table(frames, period, t_sl, team),
                },
                repeat,
            )
        finally:
            store.close()
        (warm, warm_samples), (base_org, _) = timed["org"], timed["org_base"]
        team_warm, base_team = timed["team"][0], timed["team_base"][0]
        table_warm, base_table = timed["table"][0], timed["table_base"][0]
        frames.clear()  # free the raw tables before the next steps
        gc.collect()

        worst = check_equal("org", first.metrics, naive_org)
        worst = max(worst, check_equal(f"team {team}", team_card.metrics, naive_team))
        if set(table) != set(naive_table):
            raise AssertionError(f"agent table keys differ: {sorted(map(str, table))}")
        for key, lines in table.items():
            worst = max(worst, check_equal(f"agent {key}", lines, naive_table[key]))
        res["equal_to_baseline"] = {
            "checked": f"org, team {team}, {len(table)} agent-table rows × "
            f"{len(BASELINE_METRICS)} metrics (value, n, previous, previous n)",
            "tolerance": TOLERANCE,
            "max_abs_diff": worst,
            "equal": True,
        }
        res["scorecard_org"] = {
            "period": period.label,
            "previous_period": prev.label,
            "cold_ms": _ms(cold),
            "warm_ms": _ms(warm),
            "warm_samples_ms": [_ms(s) for s in warm_samples],
            "baseline_load_s": round(load_s, 2),
            "baseline_rows_in_memory": rows_in_memory,
            "baseline_ms": _ms(base_org),
            "ratio": _ratio(base_org, warm),
            "ratio_with_load": _ratio(load_s + base_org, warm),
            "values": {
                m.id: {"value": None if m.value is None else round(m.value, 4), "n": m.n}
                for m in first.metrics
            },
        }
        res["scorecard_team"] = {
            "team": team,
            "first_ms": _ms(team_cold),
            "warm_ms": _ms(team_warm),
            "baseline_ms": _ms(base_team),
            "ratio": _ratio(base_team, team_warm),
        }
        res["agent_table"] = {
            "team": team,
            "rows": len(table),
            "first_ms": _ms(table_cold),
            "warm_ms": _ms(table_warm),
            "baseline_ms": _ms(base_table),
            "ratio": _ratio(base_table, table_warm),
        }

        log("peak memory of the scorecard step and of the pandas baseline (child processes) …")
        mem: dict[str, dict] = {"build demo (main store)": _mem(built)}
        sc = in_child(
            "step_scorecard", path=str(main_db), period=period.start.isoformat(), team=team,
            repeat=repeat, profile=True,
        )  # fmt: skip
        mem["scorecard (org cold+warm, team, agent table)"] = _mem(sc)
        res["scorecard_org"]["cold_ms_fresh_process"] = sc["result"]["cold_ms"]
        res["profile_scorecard"] = sc["result"]["profile"]
        res["profile_scorecard"]["wall_ms (unprofiled, median)"] = sc["result"]["parts_ms"]
        bl = in_child(
            "step_baseline", path=str(main_db), period=period.start.isoformat(), team=team,
            repeat=repeat, t=t_sl,
        )  # fmt: skip
        mem["pandas baseline (load raw tables + org scorecard)"] = _mem(bl)

        # -- 3: history sweep ----------------------------------------------------------------
        log(f"history sweep: {sweep_agents} agents × {sweep_weeks} weeks …")
        # All sweep stores are built first, then timed round-robin (the calls alternate
        # between stores), so that load from other processes hits every size alike.
        sweep, dbs = [], {}
        for weeks in sweep_weeks:
            reuse = weeks == args.weeks and sweep_agents == args.agents
            db = main_db if reuse else tmp / f"history-{weeks}.duckdb"
            info = summary
            if not reuse:
                b = in_child(
                    "step_build", path=str(db), agents=sweep_agents, weeks=weeks,
                    seed=args.seed, end=end.isoformat(),
                )  # fmt: skip
                info = b["result"]
                mem[f"build demo ({sweep_agents} agents × {weeks} weeks)"] = _mem(b)
            dbs[weeks] = (db, info, reuse)
        stores = {w: open_store(_url(db)) for w, (db, _, _) in dbs.items()}
        try:
            colds = {w: _timed(scorecard, st, period)[0] for w, st in stores.items()}
            calls = {}
            clustered = clustered_metrics(default_registry())
            for w, st in stores.items():
                calls[f"card {w}"] = lambda st=st: scorecard(st, period)
                calls[f"sums {w}"] = lambda st=st: read_sums(
                    st, prev.start, period.end, grain="week", clustered=clustered
                )
            timed = _alternating(calls, max(repeat, 11))
        finally:
            for st in stores.values():
                st.close()
        for weeks, (db, info, reuse) in dbs.items():
            sweep.append(
                {
                    "weeks": weeks,
                    "interactions": info["interactions"],
                    "size_mb": _mb(_size(db)),
                    "build_s": info["seconds"],
                    "cold_ms": _ms(colds[weeks]),
                    "warm_ms": _ms(timed[f"card {weeks}"][0]),
                    "read_sums_ms": _ms(timed[f"sums {weeks}"][0]),
                    **rollup_scan(db, prev.start, period.end),
                    "reused_main_store": reuse,
                }
            )
            if not reuse:
                db.unlink(missing_ok=True)
                Path(str(db) + ".wal").unlink(missing_ok=True)
        warms = [x["warm_ms"] for x in sweep]
        res["history"] = {
            "agents": sweep_agents,
            "period": period.label,
            "stores": sweep,
            "max_min_ratio": _ratio(max(warms), min(warms)) if warms else None,
            "note": None
            if sweep_agents == args.agents
            else f"sweep uses {sweep_agents} agents, not {args.agents} (--sweep-agents)",
        }

        # -- 4: ingest -----------------------------------------------------------------------
        if args.skip_ingest:
            res["ingest"] = {"skipped": True}
        else:
            log(f"ingest: writing a {ingest_rows:,}-row survey CSV …")
            gen_s, inputs = _timed(
                write_inputs, main_db, tmp, ingest_rows,
                date.fromisoformat(summary["first_day"]), date.fromisoformat(summary["last_day"]),
            )  # fmt: skip
            csv = inputs["survey_csv"]
            log("ingest: load_batch and DuckDB read_csv (timed here) …")
            # load_batch and DuckDB alternate, `--ingest-repeat` times; medians are compared.
            lbs, raws, files = [], [], []
            for i in range(max(1, args.ingest_repeat)):
                lbs.append(
                    step_load_batch(str(tmp / f"ingest{i}.duckdb"), inputs["roster_csv"], csv)
                )
                if lbs[-1]["loaded"] != ingest_rows:
                    raise AssertionError(f"load_batch loaded {lbs[-1]['loaded']} of {ingest_rows}")
                raws.append(step_duckdb_raw(csv)["seconds"])
                files.append(step_duckdb_raw(csv, str(tmp / f"raw{i}.duckdb"))["seconds"])
                raw_file_mb = _mb(_size(tmp / f"raw{i}.duckdb"))
                (tmp / f"raw{i}.duckdb").unlink(missing_ok=True)
                if i:
                    (tmp / f"ingest{i}.duckdb").unlink(missing_ok=True)
            lb = {**lbs[0], "seconds": statistics.median(x["seconds"] for x in lbs)}
            raw_mem = {"seconds": statistics.median(raws)}
            raw_file = {"seconds": statistics.median(files), "size_mb": raw_file_mb}
            (tmp / "ingest0.duckdb").unlink(missing_ok=True)
            # The pandas baseline is run once, in a fresh spawned child: its time is measured
            # there around the step (imports excluded), and the same run gives its peak RSS.
            # (It takes 25× as long as load_batch; running it a second time only for the
            # memory figure doubled the cost of the slowest step of the benchmark.)
            log("ingest: pandas read_csv + to_sql (timed and peak memory, child process) …")
            pdc = in_child("step_pandas", csv=csv, db=str(tmp / "pandas.duckdb"))
            pdl = {**pdc["result"], "size_mb": _mb(_size(tmp / "pandas.duckdb"))}
            (tmp / "pandas.duckdb").unlink(missing_ok=True)
            log("ingest: peak memory (child processes) …")
            lbc = in_child(
                "step_load_batch", path=str(tmp / "ingest-child.duckdb"),
                roster_csv=inputs["roster_csv"], survey_csv=csv, profile=True,
            )  # fmt: skip
            mem["ingest load_batch (surveys)"] = _mem(lbc)
            mem["ingest DuckDB read_csv (in memory)"] = _mem(in_child("step_duckdb_raw", csv=csv))
            mem["ingest pandas read_csv + to_sql"] = _mem(pdc)
            res["ingest"] = {
                "rows": ingest_rows,
                "csv_mb": inputs["csv_mb"],
                "csv_write_s": round(gen_s, 2),
                "repeat": max(1, args.ingest_repeat),
                "load_batch_s": lb["seconds"],
                "load_batch_samples_s": [x["seconds"] for x in lbs],
                "duckdb_raw_samples_s": raws,
                "load_batch_report": {k: lb[k] for k in ("rows_in", "loaded", "rejected",
                                                          "duplicates", "unknown_agents")},
                "store_mb": lb["store_mb"],
                "duckdb_raw_s": raw_mem["seconds"],
                "duckdb_raw_file_s": raw_file["seconds"],
                "duckdb_raw_file_mb": raw_file["size_mb"],
                "pandas_to_sql_s": pdl["seconds"],
                "pandas_store_mb": pdl["size_mb"],
                "ratio_ingest_vs_duckdb": _ratio(lb["seconds"], raw_mem["seconds"]),
                "ratio_ingest_vs_duckdb_file": _ratio(lb["seconds"], raw_file["seconds"]),
                "ratio_pandas_vs_ingest": _ratio(pdl["seconds"], lb["seconds"]),
                "rows_per_s": round(ingest_rows / lb["seconds"]) if lb["seconds"] else None,
            }  # fmt: skip
            res["profile_ingest"] = lbc["result"]["profile"]

        # -- 5: Qualtrics-layout ingest ------------------------------------------------------
        first_day = date.fromisoformat(summary["first_day"])
        last_day = date.fromisoformat(summary["last_day"])
        if not qualtrics_rows:
            res["qualtrics"] = {"skipped": True}
        else:
            log(f"Qualtrics-layout ingest: writing a {qualtrics_rows:,}-row export …")
            gen_s, qin = _timed(
                write_qualtrics, main_db, tmp, qualtrics_rows, first_day, last_day,
                load_settings().timezone,
            )  # fmt: skip
            roster_csv = write_roster(main_db, tmp)
            log("Qualtrics-layout ingest: load_batch with no mapping (timed here) …")
            qbs = []
            for i in range(max(1, args.ingest_repeat)):
                db = tmp / f"qualtrics{i}.duckdb"
                qbs.append(step_load_batch(str(db), roster_csv, qin["csv"]))
                check_qualtrics(qbs[-1], qin)
                if i:
                    db.unlink(missing_ok=True)
            qb = {**qbs[0], "seconds": statistics.median(x["seconds"] for x in qbs)}
            (tmp / "qualtrics0.duckdb").unlink(missing_ok=True)
            log("Qualtrics-layout ingest: peak memory (child process) …")
            qbc = in_child(
                "step_load_batch", path=str(tmp / "qualtrics-child.duckdb"),
                roster_csv=roster_csv, survey_csv=qin["csv"], profile=True,
            )  # fmt: skip
            check_qualtrics(qbc["result"], qin)
            mem["Qualtrics ingest load_batch (auto-detected layout)"] = _mem(qbc)
            per_row = qb["seconds"] / qualtrics_rows
            ing = res["ingest"]
            canonical_per_row = None if ing.get("skipped") else ing["load_batch_s"] / ing["rows"]
            res["qualtrics"] = {
                "rows": qualtrics_rows,
                "csv_mb": qin["csv_mb"],
                "csv_write_s": round(gen_s, 2),
                "repeat": max(1, args.ingest_repeat),
                "kinds_written": qin["kinds"],
                "load_batch_s": qb["seconds"],
                "load_batch_samples_s": [x["seconds"] for x in qbs],
                "rows_per_s": round(qualtrics_rows / qb["seconds"]) if qb["seconds"] else None,
                "us_per_row": round(per_row * 1e6, 3),
                "canonical_us_per_row": None
                if canonical_per_row is None
                else round(canonical_per_row * 1e6, 3),
                "ratio_per_row_vs_canonical": _ratio(per_row, canonical_per_row),
                "csv_mb_per_s": round(qin["csv_mb"] / qb["seconds"], 1) if qb["seconds"] else None,
                "canonical_csv_mb_per_s": None
                if canonical_per_row is None
                else round(ing["csv_mb"] / ing["load_batch_s"], 1),
                "ratio_per_mb_vs_canonical": None
                if canonical_per_row is None
                else _ratio(ing["csv_mb"] / ing["load_batch_s"], qin["csv_mb"] / qb["seconds"]),
                "load_batch_report": {k: qb[k] for k in QUALTRICS_REPORT_KEYS},
                "store_mb": qb["store_mb"],
                "checked": "layout qualtrics; mapping auto-detected as expected; rejected = "
                "exactly the previews, tests and unfinished rows written; all others loaded",
            }
            res["profile_qualtrics"] = qbc["result"]["profile"]

        # -- 7: the all-hands page at this scale ----------------------------------------------
        # The store is closed by every step above (DuckDB: one process per file): the AppTest
        # child and then the Streamlit server open it in turn.
        log("page render: all-hands page through AppTest (child process) …")
        rc = in_child("step_render", url=_url(main_db), repeat=repeat)
        mem["page render (AppTest: imports, first run, warm reruns)"] = _mem(rc)
        render: dict = {"apptest": rc["result"]}
        if args.skip_browser:
            render["browser"] = {"skipped": "--skip-browser"}
        else:
            log("page render: streamlit run app.py + headless Chromium …")
            render["browser"] = browser_render(
                _url(main_db), tmp / "streamlit-server.log", args.chromium
            )
        if render["browser"].get("skipped"):
            log(f"page render in the browser skipped: {render['browser']['skipped']}")
        elif render["browser"].get("server_peak_rss_mb") is not None:
            mem["Streamlit server (start + 3 page loads)"] = {
                "peak_rss_mb": render["browser"]["server_peak_rss_mb"],
                "base_rss_mb": render["browser"]["server_base_rss_mb"],
                "step_s": None,
            }
        res["page_render"] = render
        res["memory"] = mem

    # -- targets ------------------------------------------------------------------------------
    ing = res["ingest"]
    rss_ingest = mem.get("ingest load_batch (surveys)", {}).get("peak_rss_mb")
    res["targets"] = {
        "scorecard_ratio": _verdict("scorecard_ratio", res["scorecard_org"]["ratio"]),
        "scorecard_warm_ms": _verdict("scorecard_warm_ms", res["scorecard_org"]["warm_ms"]),
        "history_flat": _verdict("history_flat", res["history"]["max_min_ratio"]),
        "ingest_vs_duckdb": _verdict("ingest_vs_duckdb", ing.get("ratio_ingest_vs_duckdb_file")),
        "pandas_vs_ingest": _verdict("pandas_vs_ingest", ing.get("ratio_pandas_vs_ingest")),
        "rss_ingest_mb": _verdict("rss_ingest_mb", rss_ingest),
        "rss_scorecard_mb": _verdict(
            "rss_scorecard_mb", mem["scorecard (org cold+warm, team, agent table)"]["peak_rss_mb"]
        ),
        "rss_qualtrics_mb": _verdict(
            "rss_qualtrics_mb",
            mem.get("Qualtrics ingest load_batch (auto-detected layout)", {}).get("peak_rss_mb"),
        ),
        "render_first_s": _verdict("render_first_s", res["page_render"]["apptest"]["first_s"]),
    }
    res["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    res["total_run_s"] = round(time.perf_counter() - started, 1)
    return res


def _mem(child: dict) -> dict:
    return {
        "peak_rss_mb": child["peak_rss_mb"],
        "base_rss_mb": child["base_rss_mb"],
        "step_s": child["seconds"],
    }


_STARTED = time.perf_counter()


def log(msg: str) -> None:
    print(f"… {time.perf_counter() - _STARTED:6.1f} s  {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------- reporting


def _f(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int | float) and abs(value) >= 1000:
        return f"{value:,.0f}{unit}"
    return f"{value:.{digits}f}{unit}"


def _status(res: dict, key: str | None) -> str:
    if key is None:
        return "info"
    passed = res["targets"][key]["pass"]
    return "—" if passed is None else ("pass" if passed else "MISS")


def table_rows(res: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(figure, measured, baseline, ratio, target, status) rows for stdout and the README."""
    o, tm, at, h, ing = (
        res["scorecard_org"],
        res["scorecard_team"],
        res["agent_table"],
        res["history"],
        res["ingest"],
    )
    tg = res["targets"]
    rows = [
        (f"1 org scorecard {o['period']}, cold", _f(o["cold_ms"], " ms"), "", "", "", "info"),
        (
            "1 org scorecard, cold in a fresh process",
            _f(o["cold_ms_fresh_process"], " ms"),
            "",
            "",
            "",
            "info",
        ),
        (
            f"1 org scorecard, warm (median of {res['args']['repeat']})",
            _f(o["warm_ms"], " ms"),
            f"pandas {_f(o['baseline_ms'], ' ms')}",
            _f(o["ratio"], "×"),
            tg["scorecard_ratio"]["target"],
            _status(res, "scorecard_ratio"),
        ),
        (
            "1 org scorecard, warm time",
            _f(o["warm_ms"], " ms"),
            "",
            "",
            tg["scorecard_warm_ms"]["target"],
            _status(res, "scorecard_warm_ms"),
        ),
        (
            "1 baseline: load raw tables into pandas (once)",
            _f(o["baseline_load_s"], " s", 2),
            f"{o['baseline_rows_in_memory']:,} rows",
            "",
            "",
            "info",
        ),
        (
            "1 (load + compute) / warm, if pandas re-read per request",
            _f(o["warm_ms"], " ms"),
            f"pandas {_f(o['baseline_load_s'] * 1000 + o['baseline_ms'], ' ms')}",
            _f(o["ratio_with_load"], "×"),
            "",
            "info",
        ),
        (
            f"2 team scorecard {tm['team']}, warm",
            _f(tm["warm_ms"], " ms"),
            f"pandas {_f(tm['baseline_ms'], ' ms')}",
            _f(tm["ratio"], "×"),
            "",
            "info",
        ),
        (
            f"2 agent table {at['team']} ({at['rows']} rows), warm",
            _f(at["warm_ms"], " ms"),
            f"pandas {_f(at['baseline_ms'], ' ms')}",
            _f(at["ratio"], "×"),
            "",
            "info",
        ),
    ]
    for s in h["stores"]:
        rows.append(
            (
                f"3 scorecard with {s['weeks']} weeks of history, warm",
                _f(s["warm_ms"], " ms"),
                f"{s['interactions']:,} interactions",
                "",
                "",
                "info",
            )
        )
    rows.append(
        (
            f"3 history max/min ({h['agents']} agents)",
            "",
            "",
            _f(h["max_min_ratio"], "×", 2),
            tg["history_flat"]["target"],
            _status(res, "history_flat"),
        )
    )
    if ing.get("skipped"):
        rows.append(("4 ingest", "skipped (--skip-ingest)", "", "", "", "—"))
    else:
        rows += [
            (
                f"4 ingest {ing['rows']:,} survey rows: load_batch (median of {ing['repeat']})"
                " vs DuckDB read_csv into a table in a database file",
                _f(ing["load_batch_s"], " s", 2),
                f"DuckDB file {_f(ing['duckdb_raw_file_s'], ' s', 2)}",
                _f(ing["ratio_ingest_vs_duckdb_file"], "×"),
                tg["ingest_vs_duckdb"]["target"],
                _status(res, "ingest_vs_duckdb"),
            ),
            (
                "4 ingest vs DuckDB read_csv into an in-memory table (no file, no commit)",
                _f(ing["load_batch_s"], " s", 2),
                f"DuckDB in memory {_f(ing['duckdb_raw_s'], ' s', 2)}",
                _f(ing["ratio_ingest_vs_duckdb"], "×"),
                "",
                "info",
            ),
            (
                "4 ingest: pandas read_csv + to_sql / load_batch",
                _f(ing["load_batch_s"], " s", 2),
                f"pandas {_f(ing['pandas_to_sql_s'], ' s', 2)}",
                _f(ing["ratio_pandas_vs_ingest"], "×"),
                tg["pandas_vs_ingest"]["target"],
                _status(res, "pandas_vs_ingest"),
            ),
        ]
    rows += qualtrics_rows(res)
    for step, m in res["memory"].items():
        key = None
        if step.startswith("ingest load_batch"):
            key = "rss_ingest_mb"
        elif step.startswith("scorecard"):
            key = "rss_scorecard_mb"
        elif step.startswith("Qualtrics ingest"):
            key = "rss_qualtrics_mb"
        rows.append(
            (
                f"6 peak RSS: {step}",
                _f(m["peak_rss_mb"], " MB"),
                f"base {_f(m['base_rss_mb'], ' MB')}",
                "",
                res["targets"][key]["target"] if key else "",
                _status(res, key),
            )
        )
    rows.append(("6 store on disk", _f(res["store"]["size_mb"], " MB"), "", "", "", "info"))
    if not ing.get("skipped"):
        rows.append(
            (
                "6 ingest store on disk (roster + surveys)",
                _f(ing["store_mb"], " MB"),
                f"CSV {_f(ing['csv_mb'], ' MB')}",
                "",
                "",
                "info",
            )
        )
    q = res["qualtrics"]
    if not q.get("skipped"):
        rows.append(
            (
                "6 Qualtrics ingest store on disk (roster + surveys)",
                _f(q["store_mb"], " MB"),
                f"CSV {_f(q['csv_mb'], ' MB')}",
                "",
                "",
                "info",
            )
        )
    return rows + render_rows(res)


def qualtrics_rows(res: dict) -> list[tuple[str, str, str, str, str, str]]:
    """Item 5: the Qualtrics-layout export through load_batch."""
    q = res["qualtrics"]
    if q.get("skipped"):
        return [("5 Qualtrics-layout ingest", "skipped (--qualtrics-rows 0)", "", "", "", "—")]
    r, kinds = q["load_batch_report"], q["kinds_written"]
    dropped = ", ".join(f"{k} {kinds[k]:,}" for k in QUALTRICS_REASONS)
    canonical = q["canonical_us_per_row"]
    return [
        (
            f"5 Qualtrics-layout ingest {q['rows']:,} rows, no mapping: load_batch "
            f"(median of {q['repeat']})",
            _f(q["load_batch_s"], " s", 2),
            f"{q['rows_per_s']:,} rows/s",
            "",
            "",
            "info",
        ),
        (
            "5 Qualtrics: loaded / rejected (previews, tests, unfinished)",
            f"{r['loaded']:,} / {r['rejected']:,}",
            dropped,
            "",
            "",
            "info",
        ),
        (
            "5 Qualtrics per row vs canonical ingest per row (item 4)",
            _f(q["us_per_row"], " µs/row", 2),
            "—" if canonical is None else f"canonical {_f(canonical, ' µs/row', 2)}",
            _f(q["ratio_per_row_vs_canonical"], "×", 2),
            "",
            "info",
        ),
        (
            "5 Qualtrics CSV MB/s vs canonical CSV MB/s (wider rows: more bytes per row)",
            _f(q["csv_mb_per_s"], " MB/s"),
            "—"
            if q["canonical_csv_mb_per_s"] is None
            else f"canonical {_f(q['canonical_csv_mb_per_s'], ' MB/s')}",
            _f(q["ratio_per_mb_vs_canonical"], "×", 2),
            "",
            "info",
        ),
    ]


def render_rows(res: dict) -> list[tuple[str, str, str, str, str, str]]:
    """Item 7: the all-hands page against the bench store."""
    pr, tg = res["page_render"], res["targets"]
    a, b = pr["apptest"], pr["browser"]
    rows = [
        (
            "7 all-hands page, first render (AppTest, cold caches, fresh process)",
            _f(a["first_s"], " s", 2),
            f"imports before it {_f(a['imports_s'], ' s', 2)}",
            "",
            tg["render_first_s"]["target"],
            _status(res, "render_first_s"),
        ),
        (
            f"7 all-hands page, warm rerun (AppTest, median of {len(a['warm_samples_s'])})",
            _f(a["warm_s"], " s", 2),
            "",
            "",
            "",
            "info",
        ),
    ]
    if b.get("skipped"):
        rows.append(
            (
                "7 all-hands page in Chromium",
                f"skipped ({b['skipped']})",
                "",
                "",
                "",
                "—",
            )
        )
        return rows
    f = b["first"]
    rows += [
        (
            "7 all-hands page in Chromium, fresh server, new browser: navigation → complete",
            _f(f["complete_s"], " s", 2),
            f"h1 visible {_f(f['h1_visible_s'], ' s', 2)}",
            "",
            "",
            "info",
        ),
        (
            "7 … same visit: last DOM change (charts drawn)",
            _f(f["last_dom_change_s"], " s", 2),
            f"{_f(f['downloaded_mb'], ' MB')} downloaded",
            "",
            "",
            "info",
        ),
    ]
    for key, what in (
        ("second", "warm server, new browser"),
        ("third", "warm server, same browser again"),
    ):
        v = b[key]
        rows.append(
            (
                f"7 all-hands page in Chromium, {what}: navigation → complete",
                _f(v["complete_s"], " s", 2),
                f"charts drawn {_f(v['last_dom_change_s'], ' s', 2)}; "
                f"{_f(v['downloaded_mb'], ' MB')} downloaded",
                "",
                "",
                "info",
            )
        )
    return rows


HEADER = ("figure", "measured", "baseline", "ratio", "target", "status")


def headline(res: dict) -> str:
    a, s, m = res["args"], res["store"], res["machine"]
    return (
        f"cxmetrics scale benchmark — {a['agents']} agents × {a['weeks']} weeks "
        f"(seed {a['seed']}, last week {res['period']}); {m['cpu_count']} CPUs, "
        f"{m['ram_gb']} GB RAM, Python {m['python']}, DuckDB {m['duckdb']}; {res['date']}; "
        f"load average {m['load_average_at_start'][0]} at start, "
        f"{m['load_average_at_end'][0]} at end\n"
        f"store: {s['interactions']:,} interactions, {s['responses']:,} survey responses, "
        f"{s['adherence_rows']:,} adherence rows, {s['teams']} team"
        f"{'s' * (s['teams'] != 1)}; built in {s['seconds']:.1f} s"
    )


def text_table(res: dict) -> str:
    rows = [HEADER, *table_rows(res)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(res: dict) -> str:
    rows = table_rows(res)
    out = [
        f"Latest run: `python bench/run.py --agents {res['args']['agents']} "
        f"--weeks {res['args']['weeks']}` on {res['date']}.",
        "",
        headline(res).replace("\n", "  \n"),
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    misses = [v["label"] for v in res["targets"].values() if v["pass"] is False]
    out += ["", "Targets missed: " + ("; ".join(misses) if misses else "none") + "."]
    if res["history"].get("note"):
        out.append(f"History sweep: {res['history']['note']}.")
    return "\n".join(out)


def profile_text(res: dict) -> str:
    pr = res["profile_scorecard"]
    lines = [
        f"profile of a warm org scorecard (cProfile, ms per call, {pr['calls_profiled']} calls,"
        f" {pr['statements_per_call']} SQL statements per call):"
    ]
    lines.append("  wall time of the parts, unprofiled (median ms):")
    lines += [f"    {k}: {v}" for k, v in pr["wall_ms (unprofiled, median)"].items()]
    lines.append("  cProfile, cumulative ms per call:")
    lines += [f"    {k}: {v}" for k, v in pr["ms_per_call"].items()]
    lines += ["  most own time:", *(f"    {t}" for t in pr["top_own_time"])]
    if "profile_ingest" in res:
        pi = res["profile_ingest"]
        lines.append("profile of load_batch (cProfile, cumulative seconds, one call):")
        lines += [f"  {k}: {v}" for k, v in pi["seconds"].items()]
        lines += ["  most own time:", *(f"    {t}" for t in pi["top_own_time"])]
    lines.append(
        "history sweep (warm scorecard; read_sums alone; rows of the org rollup it reads, "
        "and its row groups whose date range overlaps the 2 weeks asked / all):"
    )
    for st in res["history"]["stores"]:
        lines.append(
            f"  {st['weeks']:>3} weeks: scorecard {st['warm_ms']} ms, read_sums "
            f"{st['read_sums_ms']} ms, {st['rollup_rows']:,} org rollup rows, row groups "
            f"{st['row_groups_in_range']}/{st['row_groups']}"
        )
    if "profile_ingest" in res:
        lines.append("memory by load_batch stage (one call, separate process):")
        lines += [f"  {m}" for m in res["profile_ingest"]["memory_by_stage_mb"]]
    if "profile_qualtrics" in res:
        pq = res["profile_qualtrics"]
        lines.append("profile of load_batch on the Qualtrics export (cProfile, seconds, one call):")
        lines += [f"  {k}: {v}" for k, v in pq["seconds"].items()]
        lines += ["  most own time:", *(f"    {t}" for t in pq["top_own_time"])]
        lines.append("memory by load_batch stage, Qualtrics export (one call, separate process):")
        lines += [f"  {m}" for m in pq["memory_by_stage_mb"]]
    q = res["qualtrics"]
    if not q.get("skipped"):
        lines.append(f"Qualtrics mapping (auto-detected): {q['load_batch_report']['mapping']}")
        lines.append(f"Qualtrics rejections: {q['load_batch_report']['reasons']}")
    b = res["page_render"]["browser"]
    lines.append(
        f"page render, AppTest: title {res['page_render']['apptest']['title']!r}, warm reruns "
        f"{res['page_render']['apptest']['warm_samples_s']} s"
    )
    if b.get("skipped"):
        lines.append(f"page render in Chromium: skipped ({b['skipped']})")
    else:
        lines.append(
            f"page render in Chromium: server start {b['server_start_s']} s, Chromium launch "
            f"{b['chromium_launch_s']} s"
        )
        lines += [f"  {key} visit: {b[key]}" for key in ("first", "second", "third")]
    return "\n".join(lines)


def update_readme(path: Path, block: str) -> None:
    body = f"{START}\n{block}\n{END}"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            tail = rest.split(END, 1)[1]
            path.write_text(head + body + tail, encoding="utf-8")
            return
        path.write_text(text.rstrip("\n") + "\n\n" + body + "\n", encoding="utf-8")
        return
    path.write_text(f"# cxmetrics benchmarks\n\n{body}\n", encoding="utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--end", help="last Sunday of the demo (default: last complete week)")
    ap.add_argument("--repeat", type=int, default=7, help="warm calls per median (min 5)")
    ap.add_argument(
        "--ingest-rows",
        type=int,
        help="survey CSV rows (default 1,000,000 with --agents ≥ 1000, else 100,000)",
    )
    ap.add_argument(
        "--sweep-agents", type=int, help="agents in the history sweep (default --agents)"
    )
    ap.add_argument("--sweep-weeks", default="13,26,52,104", help="history sizes, comma-separated")
    ap.add_argument(
        "--ingest-repeat",
        type=int,
        default=3,
        help="load_batch / DuckDB runs, also for the Qualtrics export (median); pandas once",
    )
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument(
        "--qualtrics-rows",
        type=int,
        help="Qualtrics-layout export rows (default 200,000 with --agents ≥ 1000, else 20,000;"
        " 0 skips it)",
    )
    ap.add_argument(
        "--skip-browser",
        action="store_true",
        help="page render through AppTest only (no Streamlit server, no Chromium)",
    )
    ap.add_argument(
        "--chromium",
        default=CHROMIUM,
        help="Chromium for the browser page load (default $CXMETRICS_CHROMIUM or "
        "/usr/bin/chromium; missing: that part is skipped and says so)",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    ap.add_argument("--readme", type=Path, default=HERE / "README.md")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # DuckDB draws progress bars on file descriptor 1 for long statements (also inside the
    # library's connections and in the children): send them to stderr, keep stdout clean.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        res = run(args)
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    print(headline(res))
    print()
    print(text_table(res))
    print()
    print(profile_text(res))
    args.out.write_text(json.dumps(res, indent=2, default=str) + "\n", encoding="utf-8")
    update_readme(args.readme, markdown(res))
    print(f"\nwrote {args.out} and the table in {args.readme} ({res['total_run_s']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
