"""The independent computations the library's figures are compared with.

* Scorecard: each metric's formula as the registry defines it (cxmetrics/metrics/
  registry.toml, shown on the Definitions page), applied with pandas straight to the raw
  rows loaded into memory once; `check_equal` stops the run unless the engine gives the
  same numbers.
* Ingest: DuckDB's own CSV load, and pandas `read_csv` + `to_sql` through SQLAlchemy.
"""

from __future__ import annotations

import math
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from cxmetrics.periods import Period, period_containing

from . import db
from .measure import median_time, ms, timed

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

# ------------------------------------------------------------------------- the scorecard


def load_frames(path: Path) -> dict[str, pd.DataFrame]:
    """The raw tables a scorecard needs, into pandas once (DuckDB → pandas, read-only)."""
    con = db.connect(path, read_only=True)
    try:
        frames = {
            "interactions": con.execute(
                "SELECT started_at, channel, team_id, agent_id, wait_seconds, handle_seconds,"
                " abandoned, transferred, resolved_first_contact, callback_promised, callback_kept"
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
    """The metric formulas straight on raw rows: {metric id: (value, n)}. `t` is the
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
    """Raise unless the engine's value, n, previous, previous_n equal the naive ones; the
    largest absolute difference of a value."""
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


def pandas_scorecard_step(path: str, day: str, repeat: tuple, t: tuple) -> dict:
    """The pandas baseline on its own, run in a child for its peak RSS: load the raw tables,
    then the org scorecard of the week containing `day`."""
    load_s, frames = timed(load_frames, Path(path))
    p = period_containing(date.fromisoformat(day), "week")
    org, _ = median_time(lambda: naive_scorecard(frames, p, t), repeat)
    return {"load_s": round(load_s, 3), "org_ms": ms(org)}


# ------------------------------------------------------------------------- the ingest


def duckdb_load_step(csv: str, db_path: str | None = None) -> dict:
    """DuckDB's own CSV load: `CREATE TABLE t AS SELECT * FROM read_csv(path)`, into a
    database file (closed, so committed and checkpointed) or, without `db_path`, in memory."""
    t0 = time.perf_counter()
    con = db.connect(db_path)
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [csv])
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()  # a file database checkpoints here: part of the cost
    return {"seconds": round(time.perf_counter() - t0, 3), "rows": rows}


def pandas_load_step(csv: str, db_path: str) -> dict:
    """pandas.read_csv, then DataFrame.to_sql through SQLAlchemy (duckdb-engine dialect)."""
    t0 = time.perf_counter()
    frame = pd.read_csv(csv)
    engine = sa.create_engine(db.url(db_path))
    frame.to_sql("survey_responses", engine, index=False)
    engine.dispose()
    return {"seconds": round(time.perf_counter() - t0, 3), "rows": len(frame)}
