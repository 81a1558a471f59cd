"""Item 4: `load_batch` of a canonical survey CSV into a fresh store whose roster is
loaded, against DuckDB's own CSV load (into a file, and in memory) and pandas
`read_csv` + `to_sql`; then each alone in a child for its peak memory and profile."""

from __future__ import annotations

import cProfile
import statistics
from collections.abc import Callable
from pathlib import Path

from cxmetrics.ingest import load_batch
from cxmetrics.store import open_store

from .. import db
from ..baselines import duckdb_load_step, pandas_load_step
from ..context import Context, MainStore
from ..data import write_surveys
from ..measure import in_child, log, mb, memory_entry, ratio, timed
from ..profiles import StageMemory, ingest_profile

REPORT_KEYS = ("rows_in", "loaded", "rejected", "duplicates", "unknown_agents")


def load_batch_step(path: str, roster_csv: str, survey_csv: str, profile: bool = False) -> dict:
    """Fresh store, roster loaded (untimed), then `load_batch(store, "surveys", csv)` timed;
    with `profile`, its cProfile and memory by stage too."""
    store = open_store(db.url(Path(path)))
    try:
        roster = load_batch(store, "roster", roster_csv)
        if roster.status != "committed" or roster.rejected:
            raise RuntimeError(f"roster did not load cleanly: {roster.message}")
        prof = cProfile.Profile() if profile else None
        stages = StageMemory() if profile else None
        if prof:
            prof.enable()
        try:
            seconds, report = timed(load_batch, store, "surveys", survey_csv)
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
        "store_mb": mb(db.size_on_disk(Path(path))),
        "layout": report.layout,
        "reasons": dict(report.reasons),
        "mapping": {k: v for k, v in report.mapping.items() if v is not None},
    }
    if prof:
        out["profile"] = ingest_profile(prof)
        out["profile"]["memory_by_stage_mb"] = stages.report()
    return out


def load_repeatedly(
    ctx: Context, stem: str, roster_csv: str, csv: str, after_each: Callable[[int, dict], None]
) -> tuple[dict, list[dict]]:
    """`load_batch` of `csv` into `--ingest-repeat` fresh stores, in this process, with
    `after_each(i, result)` after each (checks, baselines timed in turn); the first load's
    result with the median time, and every result."""
    loads = []
    for i in range(ctx.opts.ingest_runs):
        path = ctx.tmp / f"{stem}{i}.duckdb"
        loads.append(load_batch_step(str(path), roster_csv, csv))
        after_each(i, loads[-1])
        if i:
            db.remove(path)
    db.remove(ctx.tmp / f"{stem}0.duckdb")
    return {**loads[0], "seconds": statistics.median(x["seconds"] for x in loads)}, loads


def _timed_here(ctx: Context, inputs: dict) -> tuple[dict, list[dict], dict]:
    """load_batch and DuckDB's load, alternating; medians are compared."""
    log("ingest: load_batch and DuckDB read_csv (timed here) …")
    csv, rows, duck = inputs["survey_csv"], inputs["rows"], {"memory": [], "file": []}

    def then_duckdb(i: int, loaded: dict) -> None:
        if loaded["loaded"] != rows:
            raise AssertionError(f"load_batch loaded {loaded['loaded']} of {rows}")
        raw_file = ctx.tmp / f"raw{i}.duckdb"
        duck["memory"].append(duckdb_load_step(csv)["seconds"])
        duck["file"].append(duckdb_load_step(csv, str(raw_file))["seconds"])
        duck["file_mb"] = mb(db.size_on_disk(raw_file))
        db.remove(raw_file)

    lb, loads = load_repeatedly(ctx, "ingest", inputs["roster_csv"], csv, then_duckdb)
    return lb, loads, duck


def _in_children(ctx: Context, inputs: dict) -> tuple[dict, dict]:
    """The pandas baseline, run once, in a fresh spawned child: timed there around the step
    (imports excluded), and the same run gives its peak RSS. Then load_batch (profiled) and
    DuckDB's load, each alone in a child for its peak RSS."""
    csv, tmp = inputs["survey_csv"], ctx.tmp
    log("ingest: pandas read_csv + to_sql (timed and peak memory, child process) …")
    pdc = in_child(pandas_load_step, csv=csv, db_path=str(tmp / "pandas.duckdb"))
    pandas = {**pdc["result"], "size_mb": mb(db.size_on_disk(tmp / "pandas.duckdb"))}
    db.remove(tmp / "pandas.duckdb")
    log("ingest: peak memory (child processes) …")
    lbc = in_child(
        load_batch_step, path=str(tmp / "ingest-child.duckdb"), roster_csv=inputs["roster_csv"],
        survey_csv=csv, profile=True,
    )  # fmt: skip
    ctx.memory["ingest load_batch (surveys)"] = memory_entry(lbc)
    ctx.memory["ingest DuckDB read_csv (in memory)"] = memory_entry(
        in_child(duckdb_load_step, csv=csv)
    )
    ctx.memory["ingest pandas read_csv + to_sql"] = memory_entry(pdc)
    return pandas, lbc["result"]["profile"]


def ingest(ctx: Context, main: MainStore) -> dict:
    """The `ingest` and `profile_ingest` figures of results.json."""
    rows = ctx.opts.ingest_rows
    log(f"ingest: writing a {rows:,}-row survey CSV …")
    gen_s, inputs = timed(write_surveys, main.path, ctx.tmp, rows, main.first_day, main.last_day)
    lb, loads, duck = _timed_here(ctx, inputs)
    pandas, profile = _in_children(ctx, inputs)
    in_memory, in_file = statistics.median(duck["memory"]), statistics.median(duck["file"])
    return {
        "ingest": {
            "rows": rows,
            "csv_mb": inputs["csv_mb"],
            "csv_write_s": round(gen_s, 2),
            "repeat": ctx.opts.ingest_runs,
            "load_batch_s": lb["seconds"],
            "load_batch_samples_s": [x["seconds"] for x in loads],
            "duckdb_raw_samples_s": duck["memory"],
            "load_batch_report": {k: lb[k] for k in REPORT_KEYS},
            "store_mb": lb["store_mb"],
            "duckdb_raw_s": in_memory,
            "duckdb_raw_file_s": in_file,
            "duckdb_raw_file_mb": duck["file_mb"],
            "pandas_to_sql_s": pandas["seconds"],
            "pandas_store_mb": pandas["size_mb"],
            "ratio_ingest_vs_duckdb": ratio(lb["seconds"], in_memory),
            "ratio_ingest_vs_duckdb_file": ratio(lb["seconds"], in_file),
            "ratio_pandas_vs_ingest": ratio(pandas["seconds"], lb["seconds"]),
            "rows_per_s": round(rows / lb["seconds"]) if lb["seconds"] else None,
        },
        "profile_ingest": profile,
    }
