"""The demo organisation every scorecard figure is measured on."""

from __future__ import annotations

from datetime import date

from cxmetrics.periods import period_containing

from .. import db
from ..context import Context, MainStore
from ..data import build_store, busiest_team
from ..measure import in_child, log, mb, memory_entry


def build_main_store(ctx: Context) -> tuple[MainStore, dict]:
    """Build the main store in a child (its peak RSS is a figure); the store, and its
    figures for results.json (row counts, build time, size on disk)."""
    opts = ctx.opts
    path = ctx.tmp / "bench.duckdb"
    log(f"building the demo organisation: {opts.agents} agents × {opts.weeks} weeks …")
    built = in_child(
        build_store, path=str(path), agents=opts.agents, weeks=opts.weeks, seed=opts.seed,
        end=opts.end.isoformat(),
    )  # fmt: skip
    ctx.memory["build demo (main store)"] = memory_entry(built)
    summary = built["result"]
    figures = {
        **summary,
        "size_mb": mb(db.size_on_disk(path)),
        "build_peak_rss_mb": built["peak_rss_mb"],
    }
    period = period_containing(date.fromisoformat(summary["last_day"]), "week")
    return MainStore(path, summary, period, busiest_team(path, period)), figures
