"""Item 3: the warm org scorecard on stores holding 13, 26, 52 and 104 weeks of history
(same agents, same week asked): it should not grow with the history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from cxmetrics.metrics.engine import clustered_metrics, read_sums, scorecard
from cxmetrics.metrics.registry import default_registry
from cxmetrics.store import open_store

from .. import db
from ..context import Context, MainStore
from ..data import build_store
from ..measure import alternating, in_child, log, mb, memory_entry, ms, ratio, timed


def rollup_scan(path: Path, first: date, last: date) -> dict:
    """Size of the org rollup an org scorecard reads, and how many of its row groups a
    scan of [first, last] must read: a row group whose date min/max (zone map) misses the
    range can be skipped."""
    con = db.connect(path, read_only=True)
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


def _sweep_stores(ctx: Context, main: MainStore) -> dict[int, tuple[Path, dict, bool]]:
    """{weeks: (path, build summary, whether it is the main store)}: the main store when its
    size matches, the others built in children (their peak RSS is a figure)."""
    opts, stores = ctx.opts, {}
    for weeks in opts.sweep_weeks:
        if weeks == opts.weeks and opts.sweep_agents == opts.agents:
            stores[weeks] = (main.path, main.summary, True)
            continue
        path = ctx.tmp / f"history-{weeks}.duckdb"
        built = in_child(
            build_store, path=str(path), agents=opts.sweep_agents, weeks=weeks, seed=opts.seed,
            end=opts.end.isoformat(),
        )  # fmt: skip
        ctx.memory[f"build demo ({opts.sweep_agents} agents × {weeks} weeks)"] = memory_entry(built)
        stores[weeks] = (path, built["result"], False)
    return stores


def _time_round_robin(paths: dict[int, Path], main: MainStore, repeat: int) -> tuple:
    """Cold scorecard per store, then warm scorecard and read_sums with the calls going
    round the stores, so that load from other processes hits every size alike."""
    period, prev = main.period, main.period.previous()
    stores = {w: open_store(db.url(path)) for w, path in paths.items()}
    try:
        colds = {w: timed(scorecard, st, period)[0] for w, st in stores.items()}
        calls = {}
        clustered = clustered_metrics(default_registry())
        for w, st in stores.items():
            calls[f"card {w}"] = lambda st=st: scorecard(st, period)
            calls[f"sums {w}"] = lambda st=st: read_sums(
                st, prev.start, period.end, grain="week", clustered=clustered
            )
        warm = alternating(calls, repeat)
    finally:
        for st in stores.values():
            st.close()
    return colds, warm


def history_sweep(ctx: Context, main: MainStore) -> dict:
    """The `history` figures of results.json."""
    opts = ctx.opts
    log(f"history sweep: {opts.sweep_agents} agents × {opts.sweep_weeks} weeks …")
    sweep = _sweep_stores(ctx, main)
    colds, warm = _time_round_robin(
        {w: path for w, (path, _, _) in sweep.items()}, main, max(opts.repeat, 11)
    )
    prev = main.period.previous()
    stores = []
    for weeks, (path, info, reused) in sweep.items():
        stores.append(
            {
                "weeks": weeks,
                "interactions": info["interactions"],
                "size_mb": mb(db.size_on_disk(path)),
                "build_s": info["seconds"],
                "cold_ms": ms(colds[weeks]),
                "warm_ms": ms(warm[f"card {weeks}"][0]),
                "read_sums_ms": ms(warm[f"sums {weeks}"][0]),
                **rollup_scan(path, prev.start, main.period.end),
                "reused_main_store": reused,
            }
        )
        if not reused:
            db.remove(path)
    warms = [x["warm_ms"] for x in stores]
    return {
        "agents": opts.sweep_agents,
        "period": main.period.label,
        "stores": stores,
        "max_min_ratio": ratio(max(warms), min(warms)) if warms else None,
        "note": None
        if opts.sweep_agents == opts.agents
        else f"sweep uses {opts.sweep_agents} agents, not {opts.agents} (--sweep-agents)",
    }
