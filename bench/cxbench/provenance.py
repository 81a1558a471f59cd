"""Where and how the figures were measured: the machine, the code, and the methods, as
results.json records them beside the figures."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import psutil
import pyarrow as pa
import sqlalchemy as sa

from .baselines import BASELINE_METRICS
from .context import Options

REPO = Path(__file__).resolve().parents[2]


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


def code_state() -> dict:
    """Which library code was measured (others may be editing the checkout meanwhile)."""

    def git(*cmd: str) -> str:
        try:
            done = subprocess.run(
                ["git", *cmd], cwd=REPO, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    changed = [
        line for line in git("status", "--porcelain", "--", "cxmetrics").splitlines() if line
    ]
    return {"git_head": git("rev-parse", "--short", "HEAD") or None,
            "uncommitted_library_files": len(changed)}  # fmt: skip


def methods(opts: Options) -> dict:
    """How each kind of figure is measured (see bench/README.md for the full story)."""
    repeat = opts.repeat
    return {
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
        "timestamp-range scan per table for the period and the one before, then the "
        "registry's metric formulas; covers " + ", ".join(BASELINE_METRICS) + " (value, n, "
        "previous, previous n); not repeat_contact, not intervals or p-values",
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
        "page_render": "all-hands page (the app's default page). AppTest: in a fresh spawned "
        "process, imports done first (shown, not in the figure), Streamlit caches cleared, "
        "first at.run() = store open + every query + render; warm = median of reruns. "
        "Browser: the app served as `cxmetrics serve` serves it, on a free port against the "
        "bench store, headless "
        "Chromium (Playwright); time from page.goto until an h1 is visible and Streamlit is "
        "connected and not running: a fresh server's first visit from a new browser "
        "context, then a new context (server caches warm), then a new tab of that context "
        "(HTTP cache warm too); the last DOM change is read on the page's clock after "
        "500 ms of quiet",
    }
