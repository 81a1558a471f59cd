"""Where the time and memory of one call go: cProfile summaries and RSS by load_batch
stage. Run only in child processes, so the timed figures carry no profiler overhead."""

from __future__ import annotations

import cProfile
import importlib
import pstats
from pathlib import Path

import psutil

from .measure import mb, peak_rss

# (file name, function) → label, for the cumulative time of a warm org scorecard.
SCORECARD_PARTS = {
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
# The same for the stages of one load_batch call.
INGEST_PARTS = {
    ("load.py", "load_batch"): "0 total load_batch",
    ("batches.py", "committed_with"): "0a committed_with (file loaded before?)",
    ("read.py", "read_file"): "1 read_file (bytes → frame of str)",
    ("read.py", "read_grid"): "1 read_grid (bytes → grid of str)",
    ("read.py", "split_grid"): "1b split_grid (header, data rows)",
    ("prepare.py", "prepare"): "2 prepare (layout, mapping)",
    ("mapping.py", "map_columns"): "2 map_columns",
    ("validation.py", "validate"): "3 validate (types, rules)",
    ("dates.py", "parse_times"): "3a   of which parse_times",
    ("response_ids.py", "fill_response_ids"): "3b fill_response_ids",
    ("plan.py", "plan_batch"): "4 plan_batch (duplicates, unknown agents)",
    ("write.py", "write_batch"): "5 write_batch (insert, batch row, rollups)",
    ("plan.py", "to_arrow"): "5a   of which frame → Arrow (also in plan)",
    ("rollups.py", "refresh"): "5b   of which rollup refresh",
    ("duckdb_engine", "execute"): "6 DuckDB statement execution (all stages)",
}


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


def scorecard_profile(prof: cProfile.Profile, calls: int) -> dict:
    """Where a warm org scorecard spends its time (ms per call, from cProfile)."""
    stats = pstats.Stats(prof).stats
    queries = sum(v[1] for k, v in stats.items() if "duckdb_engine" in k[0] and k[2] == "execute")
    return {
        "calls_profiled": calls,
        "statements_per_call": round(queries / calls, 1),
        "ms_per_call": _cumulative(stats, calls, SCORECARD_PARTS),
        "top_own_time": _top(stats, calls),
        "note": "cProfile in a separate child process; it inflates Python-heavy parts",
    }


def ingest_profile(prof: cProfile.Profile) -> dict:
    """Seconds spent in each stage of one load_batch call (cumulative, from cProfile)."""
    stats = pstats.Stats(prof).stats
    ms_per_call = _cumulative(stats, 1, INGEST_PARTS)
    return {
        "seconds": {k: round(v / 1000, 3) for k, v in ms_per_call.items()},
        "top_own_time": _top(stats, 1, 10),
        "note": "cProfile in a separate child process (top_own_time in ms for the one call)",
    }


class StageMemory:
    """RSS and high-water RSS (VmHWM) at the entry and exit of each load_batch stage.

    Wraps, for the duration of one call, the stage functions that `load_batch` looks up at
    call time (those of STAGES that exist in this version of the library), then puts them
    back. VmHWM only grows, so the stage during which it rises is the stage that set the
    peak.
    """

    STAGES = (
        ("cxmetrics.ingest.read", "read_grid"),
        ("cxmetrics.ingest.load", "read_file"),
        ("cxmetrics.ingest.read", "split_grid"),
        ("cxmetrics.ingest.load", "prepare"),
        ("cxmetrics.ingest.load", "validate_file"),
        ("cxmetrics.ingest.load", "plan_batch"),
        ("cxmetrics.ingest.load", "write_batch"),
    )

    def __init__(self):
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
        self.rows.append((label, mb(rss), mb(peak_rss())))

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
