"""One benchmark run: the steps in order, in a temporary directory removed at the end;
every figure, the machine, the arguments and the methods in one results dict."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

from cxmetrics.config import load_settings

from .context import Context, Options
from .provenance import code_state, machine, methods
from .steps.history import history_sweep
from .steps.ingest import ingest
from .steps.organisation import build_main_store
from .steps.page import page_render
from .steps.qualtrics import qualtrics
from .steps.scorecard import scorecard_memory, scorecards
from .steps.shared import shared_store
from .targets import check_targets


def _measure(ctx: Context) -> dict:
    """Every step, in order; their figures in results.json's order."""
    opts = ctx.opts
    main, store_figures = build_main_store(ctx)
    res: dict = {"store": store_figures, "period": main.period.label, "team": main.team}
    res.update(scorecards(ctx, main))
    res["scorecard_org"]["cold_ms_fresh_process"], res["profile_scorecard"] = scorecard_memory(
        ctx, main
    )
    res["history"] = history_sweep(ctx, main)
    res.update({"ingest": {"skipped": True}} if opts.skip_ingest else ingest(ctx, main))
    if opts.qualtrics_rows:
        res.update(qualtrics(ctx, main, res["ingest"]))
    else:
        res["qualtrics"] = {"skipped": True}
    res["page_render"] = page_render(ctx, main)
    res["shared_store"] = shared_store(ctx, main)
    res["memory"] = ctx.memory
    return res


def run(opts: Options) -> dict:
    """Run the benchmark; the results dict that results.json holds."""
    started = time.perf_counter()
    res: dict = {
        "machine": machine(),
        "code": code_state(),
        "date": datetime.now().isoformat(timespec="seconds"),
        "args": opts.as_json(),
        "methods": methods(opts),
    }
    settings = load_settings()
    service_level_s = (settings.service_level_seconds, settings.service_level_thresholds())
    with tempfile.TemporaryDirectory(prefix="cxbench-") as tmpdir:
        res.update(_measure(Context(opts, Path(tmpdir), service_level_s)))
    res["targets"] = check_targets(res)
    res["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    res["total_run_s"] = round(time.perf_counter() - started, 1)
    return res
