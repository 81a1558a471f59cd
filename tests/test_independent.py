"""The engine (rollups) against an independent pandas computation from raw tables.

The pandas side is written from DESIGN §4 directly, row by row of the raw facts, so a
rollup or query bug cannot hide behind a shared helper.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from cxmetrics.demo import build_demo
from cxmetrics.ingest import load_batch
from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import parse_period
from cxmetrics.store import open_store
from tests.fixtures.known_answer import write_csvs

END = date(2026, 3, 29)  # a Sunday
T = 20


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


def naive_metrics(raw: dict[str, pd.DataFrame], first: date, last: date, team=None) -> dict:
    changes = raw["agent_team_changes"]
    inter, surv, adh = raw["interactions"], raw["survey_responses"], raw["adherence"]
    inter = inter[(inter.started_at.dt.date >= first) & (inter.started_at.dt.date <= last)]
    surv = surv[(surv.responded_at.dt.date >= first) & (surv.responded_at.dt.date <= last)]
    adh = adh[(adh.date >= first) & (adh.date <= last)]
    if team is not None:
        # A row's own team, else its agent's team on the row's date.
        inter = inter[
            inter.team_id.fillna(team_on(changes, inter.agent_id, inter.started_at.dt.date)) == team
        ]
        surv = surv[
            surv.team_id.fillna(team_on(changes, surv.agent_id, surv.responded_at.dt.date)) == team
        ]
        adh = adh[team_on(changes, adh.agent_id, adh.date) == team]
    out = {}
    for mid, rtype in (("nps", "customer"), ("inps", "colleague")):
        s = surv[(surv.respondent_type == rtype) & surv.nps.notna()]
        n = len(s)
        out[mid] = (None if n == 0 else 100 * ((s.nps >= 9).sum() - (s.nps <= 6).sum()) / n, n)
    cust = surv[surv.respondent_type == "customer"]
    c = cust.csat.dropna()
    out["csat"] = (_pct((c >= 4).sum(), len(c)), len(c))
    e = cust.ces.dropna()
    out["ces"] = (_pct((e >= 5).sum(), len(e)), len(e))
    out["responses"] = (float(len(surv)) or None, len(surv))
    ans = inter[~inter.abandoned]
    ab = inter[inter.abandoned]
    sl_den = len(ans) + (ab.wait_seconds > T).sum()
    out["service_level"] = (_pct((ans.wait_seconds <= T).sum(), sl_den), sl_den)
    out["asa"] = (ans.wait_seconds.sum() / len(ans) if len(ans) else None, len(ans))
    out["aht"] = (ans.handle_seconds.sum() / len(ans) if len(ans) else None, len(ans))
    out["abandon_rate"] = (_pct(len(ab), len(inter)), len(inter))
    sched = adh.scheduled_minutes.sum()
    out["adherence"] = (_pct(adh.in_adherence_minutes.sum(), sched), len(adh))
    out["conformance"] = (_pct(adh.logged_in_minutes.sum(), sched), len(adh))
    handle_min = ans.handle_seconds.sum() / 60
    out["occupancy"] = (
        _pct(handle_min, handle_min + adh.available_minutes.sum()) if len(adh) else None,
        len(adh),
    )
    logged = adh.logged_in_minutes.sum()
    out["productivity"] = (len(ans) / (logged / 60) if logged else None, len(adh))
    out["transfer_rate"] = (_pct(ans.transferred.sum(), len(ans)), len(ans))
    known = ans[ans.resolved_first_contact.notna()]
    out["fcr"] = (_pct(known.resolved_first_contact.astype(bool).sum(), len(known)), len(known))
    promised = inter[inter.callback_promised.fillna(False).astype(bool)]
    kept = promised.callback_kept.fillna(False).astype(bool).sum()
    out["callback_kept"] = (_pct(kept, len(promised)), len(promised))
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
    out["repeat_contact"] = (_pct(followed.sum(), len(eligible)), len(eligible))
    return out


def _raw(store) -> dict[str, pd.DataFrame]:
    names = ("agents", "agent_team_changes", "interactions", "survey_responses", "adherence")
    raw = {t: store.frame(f"SELECT * FROM {t}") for t in names}
    raw["interactions"]["started_at"] = pd.to_datetime(raw["interactions"].started_at)
    raw["survey_responses"]["responded_at"] = pd.to_datetime(raw["survey_responses"].responded_at)
    for col in ("nps", "csat", "ces"):
        raw["survey_responses"][col] = pd.to_numeric(raw["survey_responses"][col])
    return raw


def _compare(card, expected):
    got = card.by_id()
    for mid, (value, n) in expected.items():
        assert got[mid].n == n, (mid, got[mid].n, n)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            assert got[mid].value is None, mid
        else:
            assert got[mid].value == pytest.approx(float(value), rel=1e-9, abs=1e-9), mid


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ind")
    store = open_store(f"duckdb:///{folder / 'd.duckdb'}")
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
    _compare(scorecard(demo_store, p), naive_metrics(raw, p.start, p.end))
    for team in sorted(set(raw["agent_team_changes"].team_id)):
        _compare(scorecard(demo_store, p, team=team), naive_metrics(raw, p.start, p.end, team))


def test_csv_ingest_gives_the_same_scorecards_as_direct_insertion(tmp_path, known_store):
    via_csv = open_store(f"duckdb:///{tmp_path / 'csv.duckdb'}")
    for kind, path in write_csvs(tmp_path).items():
        report = load_batch(via_csv, kind, path)
        assert report.status == "committed" and report.rejected == 0, (kind, report.reasons)
    w45 = parse_period("2026-W45")
    for scope in ({}, {"team": "T1"}, {"team": "T2"}, {"team": "T3"}, {"agent": "A1"}):
        a = scorecard(known_store, w45, **scope).to_dict()["metrics"]
        b = scorecard(via_csv, w45, **scope).to_dict()["metrics"]
        assert a == b, scope
