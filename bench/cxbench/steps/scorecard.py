"""Items 1 and 2: the org scorecard, and the busiest team's scorecard and agent table,
timed warm against the pandas baseline; then the same step alone in a child process for
its peak memory, its cold time in a fresh process and its profile."""

from __future__ import annotations

import cProfile
import gc
from datetime import date
from pathlib import Path

from cxmetrics.metrics.engine import (
    breakdown,
    clustered_metrics,
    read_sums,
    scorecard,
    source_dates,
    targets_for,
)
from cxmetrics.metrics.registry import default_registry
from cxmetrics.periods import Period, period_containing
from cxmetrics.store import Store, open_store

from .. import db
from ..baselines import (
    BASELINE_METRICS,
    TOLERANCE,
    check_equal,
    load_frames,
    naive_agent_table,
    naive_scorecard,
    pandas_scorecard_step,
)
from ..context import Context, MainStore
from ..measure import alternating, in_child, log, median_time, memory_entry, ms, ratio, timed
from ..profiles import scorecard_profile

# What is timed: the engine's call and the pandas baseline's, per figure.
FIGURES = ("org", "team", "table")


def _calls(store: Store, frames: dict, main: MainStore, t: int) -> dict[str, tuple]:
    """{figure: (engine call, baseline call)}."""
    p, team = main.period, main.team
    return {
        "org": (lambda: scorecard(store, p), lambda: naive_scorecard(frames, p, t)),
        "team": (
            lambda: scorecard(store, p, team=team),
            lambda: naive_scorecard(frames, p, t, team),
        ),
        "table": (
            lambda: breakdown(store, p, "agent", team=team),
            lambda: naive_agent_table(frames, p, t, team),
        ),
    }


def _engine_against_pandas(ctx: Context, main: MainStore, frames: dict) -> tuple:
    """First (cold) engine calls, the baseline's answers, then warm medians with engine and
    baseline calls alternating, so that load from elsewhere hits both alike."""
    store = open_store(db.url(main.path))
    try:
        calls = _calls(store, frames, main, ctx.service_level_s)
        first = {name: timed(engine) for name, (engine, _) in calls.items()}
        naive = {name: baseline() for name, (_, baseline) in calls.items()}
        warm = alternating(
            {f"{name}{kind}": fn for name, pair in calls.items()
             for kind, fn in zip(("", "_base"), pair, strict=True)},
            ctx.opts.repeat,
        )  # fmt: skip
    finally:
        store.close()
    return first, naive, warm


def _equal_to_baseline(main: MainStore, first: dict, naive: dict) -> dict:
    """Raise unless every covered figure of the engine equals the baseline's."""
    worst = check_equal("org", first["org"][1].metrics, naive["org"])
    worst = max(worst, check_equal(f"team {main.team}", first["team"][1].metrics, naive["team"]))
    table, naive_table = first["table"][1], naive["table"]
    if set(table) != set(naive_table):
        raise AssertionError(f"agent table keys differ: {sorted(map(str, table))}")
    for key, lines in table.items():
        worst = max(worst, check_equal(f"agent {key}", lines, naive_table[key]))
    return {
        "checked": f"org, team {main.team}, {len(table)} agent-table rows × "
        f"{len(BASELINE_METRICS)} metrics (value, n, previous, previous n)",
        "tolerance": TOLERANCE,
        "max_abs_diff": worst,
        "equal": True,
    }


def scorecards(ctx: Context, main: MainStore) -> dict:
    """Items 1 and 2 in this process: equal_to_baseline, scorecard_org, scorecard_team and
    agent_table of results.json."""
    log("loading raw tables into pandas for the baseline …")
    load_s, frames = timed(load_frames, main.path)
    rows_in_memory = sum(len(frames[k]) for k in ("interactions", "surveys", "adherence"))
    log("timing scorecards (engine and pandas, alternating) …")
    first, naive, warm = _engine_against_pandas(ctx, main, frames)
    frames.clear()  # free the raw tables before the next steps
    gc.collect()
    equal = _equal_to_baseline(main, first, naive)

    def versus(name: str) -> dict:
        engine, baseline = warm[name][0], warm[f"{name}_base"][0]
        return {
            "first_ms": ms(first[name][0]),
            "warm_ms": ms(engine),
            "baseline_ms": ms(baseline),
            "ratio": ratio(baseline, engine),
        }

    org, org_warm, org_base = first["org"], warm["org"], warm["org_base"][0]
    return {
        "equal_to_baseline": equal,
        "scorecard_org": {
            "period": main.period.label,
            "previous_period": main.period.previous().label,
            "cold_ms": ms(org[0]),
            "warm_ms": ms(org_warm[0]),
            "warm_samples_ms": [ms(s) for s in org_warm[1]],
            "baseline_load_s": round(load_s, 2),
            "baseline_rows_in_memory": rows_in_memory,
            "baseline_ms": ms(org_base),
            "ratio": ratio(org_base, org_warm[0]),
            "ratio_with_load": ratio(load_s + org_base, org_warm[0]),
            "values": {
                m.id: {"value": None if m.value is None else round(m.value, 4), "n": m.n}
                for m in org[1].metrics
            },
        },
        "scorecard_team": {"team": main.team, **versus("team")},
        "agent_table": {"team": main.team, "rows": len(first["table"][1]), **versus("table")},
    }


def scorecard_memory(ctx: Context, main: MainStore) -> tuple[float, dict]:
    """The scorecard step and the pandas baseline, each alone in a child (peak RSS); the
    cold time in that fresh process, and the profile of a warm org scorecard."""
    log("peak memory of the scorecard step and of the pandas baseline (child processes) …")
    day, repeat = main.period.start.isoformat(), ctx.opts.repeat
    sc = in_child(
        scorecard_step, path=str(main.path), day=day, team=main.team, repeat=repeat, profile=True
    )
    ctx.memory["scorecard (org cold+warm, team, agent table)"] = memory_entry(sc)
    profile = {**sc["result"]["profile"], "wall_ms (unprofiled, median)": sc["result"]["parts_ms"]}
    bl = in_child(
        pandas_scorecard_step, path=str(main.path), day=day, repeat=repeat,
        t=ctx.service_level_s,
    )  # fmt: skip
    ctx.memory["pandas baseline (load raw tables + org scorecard)"] = memory_entry(bl)
    return sc["result"]["cold_ms"], profile


def week_of(day: str) -> Period:
    """The week containing an ISO date."""
    return period_containing(date.fromisoformat(day), "week")


def scorecard_step(path: str, day: str, team: str, repeat: int, profile: bool = False) -> dict:
    """Org scorecard cold + warm, team scorecard, agent table (the memory / profile step)."""
    p = week_of(day)
    store = open_store(db.url(Path(path)))
    try:
        cold, _ = timed(scorecard, store, p)
        warm, _ = median_time(lambda: scorecard(store, p), repeat)
        team_s, _ = median_time(lambda: scorecard(store, p, team=team), repeat)
        table_s, _ = median_time(lambda: breakdown(store, p, "agent", team=team), repeat)
        out = {
            "cold_ms": ms(cold),
            "warm_ms": ms(warm),
            "team_warm_ms": ms(team_s),
            "agent_table_warm_ms": ms(table_s),
        }
        if profile:
            out["parts_ms"] = _scorecard_parts(store, p, repeat)
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(repeat):
                scorecard(store, p)
            prof.disable()
            out["profile"] = scorecard_profile(prof, repeat)
    finally:
        store.close()
    return out


def _scorecard_parts(store: Store, p: Period, repeat: int) -> dict:
    """Unprofiled wall time (median) of the parts a warm org scorecard is made of."""
    prev = p.previous()
    clustered = clustered_metrics(default_registry())
    raw = db.connect()
    parts = {
        "read_sums (its statement + rows → dicts)": lambda: read_sums(
            store, prev.start, p.end, grain=p.grain, clustered=clustered
        ),
        "targets_for (1 statement)": lambda: targets_for(store, p.end, None),
        "source_dates (1 statement)": lambda: source_dates(store),
        "one statement round trip, store.scalar('SELECT 1')": lambda: store.scalar("SELECT 1"),
        "same on a plain duckdb connection": lambda: raw.execute("SELECT 1").fetchall(),
    }
    out = {name: ms(median_time(fn, repeat)[0]) for name, fn in parts.items()}
    raw.close()
    return out
