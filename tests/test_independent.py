"""The engine (rollups) against an independent pandas computation from raw tables.

The pandas side is written from the metric definitions (README "How the numbers are made",
issue #11 "Statistics") directly, row by row of the raw facts, so a rollup or query bug
cannot hide behind a shared helper: service level with each channel's threshold; occupancy
and productivity over agent-days that have both contacts and logged time; intervals of the
agent-day ratios from agents' totals (var R = G/(G−1)·Σ(Y_g − R·X_g)²/(ΣX)²); changes of
proportions by the pooled two-proportion test.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from cxmetrics.demo import build_demo
from cxmetrics.ingest import load_batch
from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import parse_period
from cxmetrics.store import open_store
from tests.conftest import STORE_KINDS, new_store_url
from tests.fixtures.known_answer import write_csvs

END = date(2026, 3, 29)  # a Sunday
T_DEFAULT = 20  # seconds: phone, chat and any channel without its own threshold
T_CHANNEL = {"email": 24 * 3600}
Z = 1.959963984540054
CLUSTERED = {  # metric: (numerator column, denominator columns) of an agent-day
    "adherence": ("in_adherence_minutes", ("scheduled_minutes",)),
    "conformance": ("logged_in_minutes", ("scheduled_minutes",)),
    "occupancy": ("handle_minutes", ("handle_minutes", "available_minutes")),
    "productivity": ("answered", ("logged_in_minutes",)),
}
SCALE = {"adherence": 100, "conformance": 100, "occupancy": 100, "productivity": 60}


def _pct(num, den):
    return None if den == 0 else 100.0 * num / den


def team_on(changes: pd.DataFrame, agent_ids: pd.Series, days: pd.Series) -> pd.Series:
    """The team of each (agent, day), straight from what the roster loads said: among the
    agent's changes dated on or before the day, the one loaded last. A change dates from its
    effective_from, else from its load day, except an agent's first, which counts always."""
    dated = changes.sort_values("seq").copy()
    first = ~dated.duplicated("agent_id")
    dated["starts"] = dated["effective_from"].where(
        dated["effective_from"].notna(), dated["loaded_on"].where(~first, date(1, 1, 1))
    )
    facts = pd.DataFrame(
        {"agent_id": agent_ids.to_numpy(), "day": list(days), "pos": range(len(agent_ids))}
    )
    said = facts.merge(dated[["agent_id", "team_id", "seq", "starts"]], on="agent_id")
    said = said[said.starts <= said.day].sort_values("seq")
    last_said = said.drop_duplicates("pos", keep="last").set_index("pos").team_id
    return pd.Series(facts.pos.map(last_said).to_numpy(), index=agent_ids.index, dtype=object)


def _threshold(channel) -> int:
    key = str(channel).strip().lower() if isinstance(channel, str) else ""
    return T_CHANNEL.get(key, T_DEFAULT)


def agent_days(inter: pd.DataFrame, adh: pd.DataFrame) -> pd.DataFrame:
    """One row per agent-day: adherence minutes (0 without a row), the agent's contacts
    (rows naming the agent), answered and handle minutes, and whether both sides exist."""
    named = inter[inter.agent_id.notna()].assign(day=inter.started_at.dt.date)
    named = named.assign(
        answered=~named.abandoned,
        handle_minutes=named.handle_seconds.where(~named.abandoned, 0) / 60,
    )
    worked = named.groupby(["agent_id", "day"]).agg(
        contacts=("interaction_id", "size"),
        answered=("answered", "sum"),
        handle_minutes=("handle_minutes", "sum"),
    )
    cols = ["scheduled_minutes", "in_adherence_minutes", "logged_in_minutes", "available_minutes"]
    planned = adh.assign(day=adh.date).groupby(["agent_id", "day"])[cols].sum()
    planned["rows"] = adh.groupby(["agent_id", adh.date.rename("day")]).size()
    days = planned.join(worked, how="outer").fillna(0).reset_index()
    days["matched"] = (days.contacts > 0) & (days.logged_in_minutes > 0)
    days["one_side"] = (days.contacts > 0) != (days.logged_in_minutes > 0)
    return days


def _ratio_interval(metric: str, days: pd.DataFrame, unit: str):
    """(value, se, ci_low, ci_high) of a clustered ratio over `unit` totals."""
    num, dens = CLUSTERED[metric]
    days = days[days.matched if metric in ("occupancy", "productivity") else days.rows > 0]
    y = days.groupby(unit)[num].sum()
    x = sum(days.groupby(unit)[d].sum() for d in dens)
    if len(y) == 0 or x.sum() == 0:
        return None, None, None, None
    r = y.sum() / x.sum()
    value = SCALE[metric] * r
    g = len(y)
    if g < 2:
        return value, None, None, None
    se = SCALE[metric] * math.sqrt(g / (g - 1) * ((y - r * x) ** 2).sum() / x.sum() ** 2)
    return value, se, value - Z * se, value + Z * se


def naive_metrics(
    raw: dict[str, pd.DataFrame], first: date, last: date, team=None, agent=None
) -> dict:
    """{metric: (value, n)} plus "_counts" (successes, n of each proportion) and
    "_ratios" (value, se, low, high of each clustered ratio) and "_excluded"."""
    changes = raw["agent_team_changes"]
    inter, surv, adh = raw["interactions"], raw["survey_responses"], raw["adherence"]
    inter = inter[(inter.started_at.dt.date >= first) & (inter.started_at.dt.date <= last)]
    surv = surv[(surv.responded_at.dt.date >= first) & (surv.responded_at.dt.date <= last)]
    adh = adh[(adh.date >= first) & (adh.date <= last)]
    # agent-days are the agent's: all its contacts that day, whatever team a contact names
    days = agent_days(inter, adh)
    if team is not None:
        # A row's own team, else its agent's team on the row's date.
        inter = inter[
            inter.team_id.fillna(team_on(changes, inter.agent_id, inter.started_at.dt.date)) == team
        ]
        surv = surv[
            surv.team_id.fillna(team_on(changes, surv.agent_id, surv.responded_at.dt.date)) == team
        ]
        adh = adh[team_on(changes, adh.agent_id, adh.date) == team]
        days = days[team_on(changes, days.agent_id, days.day) == team]
    if agent is not None:
        inter, surv = inter[inter.agent_id == agent], surv[surv.agent_id == agent]
        adh, days = adh[adh.agent_id == agent], days[days.agent_id == agent]
    out = {}
    counts = {}
    for mid, rtype in (("nps", "customer"), ("inps", "colleague")):
        s = surv[(surv.respondent_type == rtype) & surv.nps.notna()]
        n = len(s)
        out[mid] = (None if n == 0 else 100 * ((s.nps >= 9).sum() - (s.nps <= 6).sum()) / n, n)

    def proportion(mid, hits, n):
        counts[mid] = (int(hits), int(n))
        out[mid] = (_pct(hits, n), int(n))

    cust = surv[surv.respondent_type == "customer"]
    c = cust.csat.dropna()
    proportion("csat", (c >= 4).sum(), len(c))
    e = cust.ces.dropna()
    proportion("ces", (e >= 5).sum(), len(e))
    out["responses"] = (float(len(surv)) or None, len(surv))
    ans = inter[~inter.abandoned]
    ab = inter[inter.abandoned]
    t_ans = ans.channel.map(_threshold).astype("int64")
    t_ab = ab.channel.map(_threshold).astype("int64")
    proportion(
        "service_level",
        (ans.wait_seconds <= t_ans).sum(),
        len(ans) + (ab.wait_seconds > t_ab).sum(),
    )
    out["asa"] = (ans.wait_seconds.sum() / len(ans) if len(ans) else None, len(ans))
    out["aht"] = (ans.handle_seconds.sum() / len(ans) if len(ans) else None, len(ans))
    proportion("abandon_rate", len(ab), len(inter))
    unit = "day" if agent is not None else "agent_id"
    ratios = {m: _ratio_interval(m, days, unit) for m in CLUSTERED}
    for mid in ("adherence", "conformance"):
        out[mid] = (ratios[mid][0], len(adh))
    matched = int(days.matched.sum())
    for mid in ("occupancy", "productivity"):
        out[mid] = (ratios[mid][0], matched)
    proportion("transfer_rate", ans.transferred.sum(), len(ans))
    known = ans[ans.resolved_first_contact.notna()]
    proportion("fcr", known.resolved_first_contact.astype(bool).sum(), len(known))
    promised = inter[inter.callback_promised.fillna(False).astype(bool)]
    proportion(
        "callback_kept", promised.callback_kept.fillna(False).astype(bool).sum(), len(promised)
    )
    # repeat: the next contact of the same customer (any contact, any date) within 7 days
    allc = (
        raw["interactions"]
        .dropna(subset=["customer_id"])
        .sort_values(["customer_id", "started_at", "interaction_id"])
    )
    allc["next_at"] = allc.groupby("customer_id").started_at.shift(-1)
    nxt = allc.set_index("interaction_id").next_at
    eligible = ans[ans.customer_id.notna()]
    followed = (eligible.interaction_id.map(nxt) - eligible.started_at) <= timedelta(days=7)
    proportion("repeat_contact", followed.sum(), len(eligible))
    if agent is not None:  # queue measures belong to the queue, not to one agent
        for mid in ("service_level", "asa", "abandon_rate"):
            out[mid] = (None, 0)
            counts.pop(mid, None)
    out["_counts"] = counts
    out["_ratios"] = ratios
    out["_excluded"] = int(days.one_side.sum())
    return out


def pooled_p(cur: tuple[int, int], prev: tuple[int, int]) -> float | None:
    """Two-sided p of the pooled two-proportion z-test (Newcombe 1998)."""
    (x1, n1), (x2, n2) = cur, prev
    if n1 == 0 or n2 == 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


def _raw(store) -> dict[str, pd.DataFrame]:
    names = ("agents", "agent_team_changes", "interactions", "survey_responses", "adherence")
    raw = {t: store.frame(f"SELECT * FROM {t}") for t in names}
    raw["interactions"]["started_at"] = pd.to_datetime(raw["interactions"].started_at)
    raw["survey_responses"]["responded_at"] = pd.to_datetime(raw["survey_responses"].responded_at)
    for col in ("nps", "csat", "ces"):
        raw["survey_responses"][col] = pd.to_numeric(raw["survey_responses"][col])
    return raw


def _close(got, want) -> bool:
    if want is None:
        return got is None
    return got is not None and got == pytest.approx(float(want), rel=1e-9, abs=1e-9)


def _compare(card, expected, previous=None):
    got = card.by_id()
    for mid, pair in expected.items():
        if mid.startswith("_"):
            continue
        value, n = pair
        assert got[mid].n == n, (mid, got[mid].n, n)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            assert got[mid].value is None, mid
        else:
            assert got[mid].value == pytest.approx(float(value), rel=1e-9, abs=1e-9), mid
    for mid, (_value, se, low, high) in expected["_ratios"].items():
        assert _close(got[mid].se, se), (mid, got[mid].se, se)
        assert _close(got[mid].ci_low, low) and _close(got[mid].ci_high, high), mid
    for mid in ("occupancy", "productivity"):
        assert got[mid].excluded == expected["_excluded"], mid
    if previous is None:
        return
    for mid, counts in expected["_counts"].items():
        line, before = got[mid], previous["_counts"].get(mid)
        tested = before and counts[1] >= line.min_n and before[1] >= line.min_n
        tested = tested and not line.provisional
        assert _close(line.p_value, pooled_p(counts, before) if tested else None), mid


@pytest.fixture(scope="module", params=STORE_KINDS)
def demo_store(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ind")
    store = open_store(new_store_url(request, request.param, folder))
    build_demo(store, agents=40, weeks=3, end=END)
    # Moves in the middle of the weeks asked: A0001 to T02 from Wednesday of W12, then
    # A0002 to T03 from Monday of W13, then a correction sending A0001 on to T04 from
    # Friday of W12; rows tagged with a team keep theirs.
    for name, rows in (
        ("a.csv", "A0001,T02,2026-03-18\nA0002,T03,2026-03-23\n"),
        ("b.csv", "A0001,T04,2026-03-20\n"),
    ):
        path = folder / name
        path.write_text("agent_id,team_id,effective_from\n" + rows)
        report = load_batch(store, "roster", path)
        assert report.loaded == rows.count("\n") and report.moves, report.message
    yield store
    store.close()


@pytest.mark.parametrize("period", ["2026-W12", "2026-W13", "2026-03"])
def test_engine_matches_pandas_for_org_and_every_team(demo_store, period):
    raw = _raw(demo_store)
    p = parse_period(period)
    q = p.previous()

    def naive(p, **scope):
        return naive_metrics(raw, p.start, p.end, **scope)

    _compare(scorecard(demo_store, p), naive(p), naive(q))
    for team in sorted(set(raw["agent_team_changes"].team_id)):
        _compare(scorecard(demo_store, p, team=team), naive(p, team=team), naive(q, team=team))
    for agent in sorted(raw["agents"].agent_id)[:5]:
        card = scorecard(demo_store, p, agent=agent)
        _compare(card, naive(p, agent=agent), naive(q, agent=agent))
        for mid in ("service_level", "asa", "abandon_rate"):
            assert card.by_id()[mid].status == "not_applicable", mid


@pytest.mark.both_stores
def test_csv_ingest_gives_the_same_scorecards_as_direct_insertion(
    request, tmp_path, store_kind, known_store
):
    via_csv = open_store(new_store_url(request, store_kind, tmp_path / "csv"))
    for kind, path in write_csvs(tmp_path).items():
        report = load_batch(via_csv, kind, path)
        assert report.status == "committed" and report.rejected == 0, (kind, report.reasons)
    w45 = parse_period("2026-W45")
    for scope in ({}, {"team": "T1"}, {"team": "T2"}, {"team": "T3"}, {"agent": "A1"}):
        a = scorecard(known_store, w45, **scope).to_dict()["metrics"]
        b = scorecard(via_csv, w45, **scope).to_dict()["metrics"]
        assert a == b, scope
