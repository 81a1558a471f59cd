"""Known-answer tests: every metric at org, team and agent scope on a hand-worked fixture.

The expected numbers below were worked out by hand from tests/fixtures/known_answer.py
(the arithmetic is in the comments), never by calling the engine.
Current period 2026-W45, previous 2026-W44.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cxmetrics.metrics.engine import breakdown, scorecard, trend
from cxmetrics.metrics.registry import default_registry
from cxmetrics.periods import parse_period

pytestmark = pytest.mark.both_stores

W45 = parse_period("2026-W45")
approx = pytest.approx

# ---- org scope -------------------------------------------------------------------------
# Customer NPS answers: r01-r16 and r22 = 17; promoters (9-10): r01 r02 r03 r08 r09 r12 r13
# r14 r15 r22 = 10; detractors (0-6): r06 r07 r10 r11 r16 = 5 -> 100*(10-5)/17 = 29.4118.
# CSAT answers (customers): A1 5,4,5,3,4,2,1 (top-2: 4); A2 5,1,3 (1); A3 4,5,5,4,2 (4);
#   r21 5 (1) -> 10/16 = 62.5 %.
# CES answers: A1 7,6,5,4,3,2,7 (easy >= 5: 4); A2 6,1 (1); A3 5,6,7,2 (3) -> 8/13 = 61.5385 %.
# Responses: r01..r22 = 22 (colleagues included).
# Interactions W45: answered = A1 4 + A2 2 + A3 40 + A4 2 + A9 1 = 49; abandoned = i05 i06 +
#   3 T2 = 5; offered 54; abandoned after 20 s: i05 (30), a3x1, a3x2 (50) = 3.
# Answered within 20 s: i01 i03 i07(=20) a3q*30 i09 i12 = 35 -> SL = 35/(49+3) = 67.3077 %.
# ASA = (85 + 80 + 700 + 100 + 10)/49 = 975/49 = 19.8980 s.
# AHT = (1400 + 700 + 15000 + 1200 + 100)/49 = 18400/49 = 375.5102 s.
# Abandonment = 5/54 = 9.2593 %. Transfers (answered): i02 i08 + 10 = 12/49 = 24.4898 %.
# FCR known: A1 3 (2 resolved), A2 2 (1), A3 40 (30), A4 1 (1) -> 34/46 = 73.9130 %.
# Callbacks: promised i02 (kept) i03 (not) -> 1/2 = 50 %.
# Repeat: answered with a customer: i01 i02 i03 i04 i07 i10 = 6; followed within 7 days:
#   i01 (C1 again at i04), i02 (C2 again at abandoned i06), i10 (C6 again on 11-13) -> 3/6.
# Adherence: scheduled 2160, in adherence 1936 -> 89.6296 %; logged in 2090 -> 96.7593 %.
# Occupancy and productivity count only agent-days with both contacts and logged time:
#   A1 11-03 (handle 1400 s, available 60, logged 470, answered 4), A2 11-04 (700 s, 30,
#   250, 2), A3 11-05 (15000 s, 20, 490, 40), A4 11-06 (1200 s, 200, 400, 2) = 4 days.
#   Left out: A1 11-04 (logged time, no contacts) and A9 11-05 (contacts, no adherence
#   row) = 2. Handle 18300 s = 305 min; available 310 -> 305/615 = 49.5935 %.
# Productivity: 48 answered / (1610/60 h) = 2880/1610 = 1.788820 per hour.
ORG = {
    "nps": (29.411765, 17),
    "inps": (25.0, 4),  # colleagues r17..r20: P 10, 9; D 4 -> 100*(2-1)/4
    "csat": (62.5, 16),
    "ces": (61.538462, 13),
    "responses": (22, 22),
    "service_level": (67.307692, 52),
    "asa": (19.897959, 49),
    "aht": (375.510204, 49),
    "abandon_rate": (9.259259, 54),
    "adherence": (89.629630, 5),
    "conformance": (96.759259, 5),
    "occupancy": (49.593496, 4),
    "productivity": (1.788820, 4),
    "transfer_rate": (24.489796, 49),
    "fcr": (73.913043, 46),
    "callback_kept": (50.0, 2),
    "repeat_contact": (50.0, 6),
}

# ---- team T1 (A1, A2 and the two abandons i05, i06 that carry team_id T1) --------------
# NPS: A1 P4 D2 n8 + A2 P1 D2 n3 -> 100*(5-4)/11 = 9.0909. CSAT 5/10. CES 5/9.
# Answered 6, abandoned 2 (i05 after 20 s), offered 8; within 20 s: i01 i03 i07 -> 3/7.
# ASA (85+80)/6 = 27.5; AHT 2100/6 = 350; abandon 2/8; transfers 2/6; FCR 3/5;
# callbacks 1/2; repeat: eligible i01 i02 i03 i04 i07, followed i01 i02 -> 2/5.
# Adherence 1068/1200 = 89 %; conformance 1200/1200. Matched agent-days: A1 11-03 and
# A2 11-04 (A1 11-04 left out): occupancy (1400 + 700)/60 = 35 min / (35 + 60 + 30) = 28 %;
# productivity 6 / ((470 + 250)/60) = 0.5.
T1 = {
    "nps": (9.090909, 11),
    "inps": (None, 0),
    "csat": (50.0, 10),
    "ces": (55.555556, 9),
    "responses": (11, 11),
    "service_level": (42.857143, 7),
    "asa": (27.5, 6),
    "aht": (350.0, 6),
    "abandon_rate": (25.0, 8),
    "adherence": (89.0, 3),
    "conformance": (100.0, 3),
    "occupancy": (28.0, 2),
    "productivity": (0.5, 2),
    "transfer_rate": (33.333333, 6),
    "fcr": (60.0, 5),
    "callback_kept": (50.0, 2),
    "repeat_contact": (40.0, 5),
}

# ---- team T2 (A3 and r21 whose row names team T2) ----------------------------------------
# NPS P4 D1 n5 = 60; CSAT A3 4/5 + r21 1/1 = 5/6; CES 3/4; responses 6.
# 40 answered (30 at 10 s, 10 at 40 s), 3 abandoned (two at 50 s); SL 30/42; ASA 700/40;
# AHT 15000/40; abandon 3/43; transfers 10/40; FCR 30/40; no callbacks, no customer ids.
# Adherence 468/480; conformance 490/480; occupancy 250/(250+20); productivity 40/(490/60).
T2 = {
    "nps": (60.0, 5),
    "csat": (83.333333, 6),
    "ces": (75.0, 4),
    "responses": (6, 6),
    "service_level": (71.428571, 42),
    "asa": (17.5, 40),
    "aht": (375.0, 40),
    "abandon_rate": (6.976744, 43),
    "adherence": (97.5, 1),
    "conformance": (102.083333, 1),
    "occupancy": (92.592593, 1),
    "productivity": (4.897959, 1),
    "transfer_rate": (25.0, 40),
    "fcr": (75.0, 40),
    "callback_kept": (None, 0),
    "repeat_contact": (None, 0),
}

# ---- agent A1 ------------------------------------------------------------------------------
# NPS P4 D2 n8 = 25; CSAT 4/7; CES 4/7; answered 4; AHT 1400/4; FCR 2/3; callbacks 1/2;
# repeat 2/4; adherence 888/960; conformance 950/960. Service level, speed of answer and
# abandonment are queue measures: not applicable to an agent (null, n 0).
# Matched: 11-03 only (11-04 has logged time, no contacts): occupancy 23.333/(23.333 + 60)
# = 28 %; productivity 4/(470/60) = 0.510638.
A1 = {
    "nps": (25.0, 8),
    "csat": (57.142857, 7),
    "ces": (57.142857, 7),
    "responses": (8, 8),
    "service_level": (None, 0),
    "asa": (None, 0),
    "aht": (350.0, 4),
    "abandon_rate": (None, 0),
    "adherence": (92.5, 2),
    "conformance": (98.958333, 2),
    "occupancy": (28.0, 1),
    "productivity": (0.510638, 1),
    "transfer_rate": (25.0, 4),
    "fcr": (66.666667, 3),
    "callback_kept": (50.0, 2),
    "repeat_contact": (50.0, 4),
}


def _check(card, expected):
    got = card.by_id()
    for metric_id, (value, n) in expected.items():
        line = got[metric_id]
        assert line.n == n, metric_id
        if value is None:
            assert line.value is None, metric_id
        else:
            assert line.value == approx(value, abs=1e-4), metric_id


def test_fixture_covers_every_registry_metric():
    # a new registry entry needs its known answer here (worked by hand from the fixture)
    assert set(ORG) == set(default_registry())


@pytest.mark.parametrize(
    ("scope", "expected"),
    [({}, ORG), ({"team": "T1"}, T1), ({"team": "T2"}, T2), ({"agent": "A1"}, A1)],
    ids=["org", "team-T1", "team-T2", "agent-A1"],
)
def test_every_metric_known_answer(known_store, scope, expected):
    _check(scorecard(known_store, W45, **scope), expected)


def test_internal_team_has_inps_and_no_customer_nps(known_store):
    card = scorecard(known_store, W45, team="T3").by_id()
    assert card["inps"].value == approx(25.0) and card["inps"].n == 4
    assert card["nps"].value is None and card["nps"].n == 0


def test_nps_interval_is_adjusted_wald(known_store):
    # n' = 17 + 3 = 20; p' = 10.75/20 = .5375; d' = 5.75/20 = .2875; centre .25;
    # var = (.5375 + .2875 - .25**2)/20 = .038125; se .195256; 1.96*se = .382695
    nps = scorecard(known_store, W45).by_id()["nps"]
    assert nps.ci_low == approx(-13.2695, abs=1e-3)
    assert nps.ci_high == approx(63.2695, abs=1e-3)
    # plain SE for the change test: 100*sqrt((15/17 - (5/17)**2)/17) = 21.6367
    assert nps.se == approx(21.6367, abs=1e-3)


def test_csat_interval_is_wilson(known_store):
    # 10/16, z = 1.959964: centre (p + z²/2n)/(1 + z²/n) = (.625 + .120048)/1.240096 = .600798
    # half-width z*sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n) = 1.959964*sqrt(.014648 + .003751)/1.240096
    #   = 1.959964*.135645/1.240096 = .214388  -> 38.641 % .. 81.519 %
    csat = scorecard(known_store, W45).by_id()["csat"]
    assert csat.ci_low == approx(38.641, abs=0.01)
    assert csat.ci_high == approx(81.519, abs=0.01)


def test_empty_period_is_null_and_insufficient(known_store):
    card = scorecard(known_store, parse_period("2026-W40"))
    for line in card.metrics:
        assert line.value is None, line.id
        assert line.n == 0
        assert line.status == "insufficient"
        assert line.delta is None and line.significant is None
    as_json = card.to_dict()
    assert as_json["metrics"][0]["value"] is None


def test_below_min_n_is_insufficient_not_coloured(known_store):
    card = scorecard(known_store, W45).by_id()
    # 17 NPS answers < min_n 30, though the value exists and a target applies (35)
    assert card["nps"].value is not None
    assert card["nps"].status == "insufficient"
    assert card["nps"].target_in_interval is None
    # no significance claimed on a below-min_n comparison (previous W44: P3 D1 n4 = 50)
    assert card["nps"].previous == approx(50.0)
    assert card["nps"].delta == approx(29.411765 - 50.0, abs=1e-4)
    assert card["nps"].significant is False and card["nps"].change is None


def test_lower_is_better_status_and_change(known_store):
    t2 = scorecard(known_store, W45, team="T2").by_id()
    # ASA 17.5 s against target 30 s, lower is better, n 40 >= 30 -> green
    assert t2["asa"].status == "green"
    # abandonment 6.98 % vs 5 % (lower better): 1.98 over, within the 5-point amber band
    assert t2["abandon_rate"].status == "amber"
    # transfers 25 % vs 10 %: 15 over -> red
    assert t2["transfer_rate"].status == "red"
    # FCR exactly on target 75 % -> green; SL 71.43 % vs 80 %: 8.57 under -> red
    assert t2["fcr"].status == "green"
    assert t2["service_level"].status == "red"
    # ASA rose from 10 s (W44: 40 answered at 10 s) to 17.5 s: se_now = sqrt(6750/39/40)
    # = 2.0801, se_before = 0 -> z = 7.5/2.0801 = 3.61, p = .0003: real, and worse.
    assert t2["asa"].delta == approx(7.5)
    assert t2["asa"].p_value == approx(0.000311, abs=2e-5)
    assert t2["asa"].change == "worse"
    # SL fell from 40/40 to 30/42, pooled test: p̂ = 70/82 = .853659, p̂(1 - p̂) = .124926,
    # 1/42 + 1/40 = .0488095, SE = sqrt(.0060976) = .0780871; z = -.285714/.0780871
    # = -3.6589; p = 2(1 - Φ(3.6589)) = .000253 -> significant, worse
    assert t2["service_level"].p_value == approx(0.000253, abs=5e-6)
    assert t2["service_level"].significant is True
    assert t2["service_level"].change == "worse"


def test_team_target_overrides_org_target_by_date(known_store):
    assert scorecard(known_store, W45).by_id()["nps"].target == 35  # org row from 10-01
    assert scorecard(known_store, W45, team="T1").by_id()["nps"].target == 20  # T1 from 11-01
    assert scorecard(known_store, W45, team="T2").by_id()["nps"].target == 35  # falls back
    assert scorecard(known_store, W45, agent="A1").by_id()["nps"].target == 20  # agent's team
    w43 = scorecard(known_store, parse_period("2026-W43"), team="T1").by_id()["nps"]
    assert w43.target == 35  # the T1 row was not yet in force
    assert scorecard(known_store, W45).by_id()["csat"].target == 85  # registry default


def test_status_colours_when_min_n_is_met(known_store):
    registry = {k: replace(m, min_n=1) for k, m in default_registry().items()}
    org = scorecard(known_store, W45, registry=registry).by_id()
    # NPS 29.41 vs 35 (tolerance 5): 5.59 under -> red; the interval -13.3..63.3 holds 35
    assert org["nps"].status == "red"
    assert org["nps"].target_in_interval is True
    # change vs W44 (50, n 4): se 21.6367 and 43.3013 -> z = -20.588/48.406 = -0.425
    assert org["nps"].p_value == approx(0.6706, abs=1e-3)
    assert org["nps"].change == "no real change"
    t2 = scorecard(known_store, W45, team="T2", registry=registry).by_id()
    assert t2["nps"].status == "green"  # 60 vs 35
    # aht has no target -> none; responses has neither target nor direction
    assert org["aht"].status == "none" and org["responses"].status == "none"
    # conformance has no better direction: 96.76 is within ±5 of 100 -> green;
    # occupancy 49.6 is 35.4 away from 85 -> red
    assert org["conformance"].status == "green" and org["occupancy"].status == "red"


def test_ratio_of_sums_not_average_of_ratios(known_store):
    # per-agent transfers: A1 1/4 = 25 %, A2 1/2 = 50 %; team T1 2/6 = 33.33 %, not 37.5 %
    agents = breakdown(known_store, W45, "agent", team="T1")
    tr = {key: {m.id: m for m in lines}["transfer_rate"].value for key, lines in agents.items()}
    assert tr["A1"] == approx(25.0) and tr["A2"] == approx(50.0)
    t1 = scorecard(known_store, W45, team="T1").by_id()["transfer_rate"].value
    assert t1 == approx(33.333333, abs=1e-4)


def test_breakdown_by_team_matches_team_scorecards(known_store):
    teams = breakdown(known_store, W45, "team")
    assert set(teams) == {"T1", "T2", "T3", None}  # None: A9, not in the roster
    for team in ("T1", "T2", "T3"):
        card = scorecard(known_store, W45, team=team).by_id()
        for line in teams[team]:
            assert line.value == card[line.id].value and line.n == card[line.id].n


def test_trend_has_one_row_per_period_and_metric(known_store):
    rows = trend(known_store, W45, count=13)
    assert len(rows) == 13 * len(default_registry())
    nps = rows[rows.metric == "nps"].set_index("period")
    assert nps.loc["2026-W45", "value"] == approx(29.411765, abs=1e-4)
    assert nps.loc["2026-W44", "value"] == approx(50.0)
    assert nps.loc["2026-W40", "n"] == 0


def test_month_quarter_year_cover_both_weeks(known_store):
    # November holds W45 and the 11-13 abandon (i11); W44's contacts (Oct 27-28) fall in
    # October. Offered in November: 54 + 1 = 55, abandoned 5 + 1 = 6 -> 6/55.
    nov = scorecard(known_store, parse_period("2026-11")).by_id()
    assert nov["abandon_rate"].n == 55
    assert nov["abandon_rate"].value == approx(100 * 6 / 55, abs=1e-4)
    q4 = scorecard(known_store, parse_period("2026-Q4")).by_id()
    assert q4["abandon_rate"].n == 95  # + 40 W44 contacts in October
    assert scorecard(known_store, parse_period("2026")).by_id()["nps"].n == 21  # 17 + 4


def test_repeat_contacts_are_provisional_until_seven_days_have_passed(known_store):
    # the fixture's data run to 2026-11-13 (i11): W45 ended 11-08, 5 days earlier -> provisional
    line = scorecard(known_store, W45).by_id()["repeat_contact"]
    assert line.provisional is True and line.change is None  # W44 had no eligible contact
    assert scorecard(known_store, W45).by_id()["nps"].provisional is False
    rows = trend(known_store, W45, count=2)
    flags = rows[rows.metric == "repeat_contact"].set_index("period")["provisional"]
    assert not flags["2026-W44"] and flags["2026-W45"]


def test_business_kpis_from_kpi_values(store):
    from sqlalchemy import text

    from cxmetrics.metrics.engine import business_kpis

    rows = [
        # W45: team values (sales_per_fte T1 4, 6; T2 8) and an undeclared KPI
        ("2026-11-02", "sales_per_fte", "T1", 4.0),
        ("2026-11-03", "sales_per_fte", "T1", 6.0),
        ("2026-11-02", "sales_per_fte", "T2", 8.0),
        ("2026-11-02", "nps_relational", None, 41.0),
        # W44
        ("2026-10-26", "sales_per_fte", "T1", 3.0),
    ]
    with store.transaction() as conn:
        conn.execute(
            text("INSERT INTO kpi_values VALUES (:d, :m, :t, :v, 'b')"),
            [{"d": d, "m": m, "t": t, "v": v} for d, m, t, v in rows],
        )
        conn.execute(
            text("INSERT INTO targets VALUES ('sales_per_fte', NULL, 5, NULL, '2026-01-01', 'b')")
        )
    org = {k.id: k for k in business_kpis(store, W45)}
    # org has no org-wide sales rows: mean of every team row (4 + 6 + 8)/3 = 6; W44 3
    assert org["sales_per_fte"].value == approx(6.0) and org["sales_per_fte"].n == 3
    assert org["sales_per_fte"].delta == approx(3.0)
    assert org["sales_per_fte"].status == "green"  # 6 >= target 5, higher is better
    assert org["sales_per_fte"].label == "Sales per FTE"
    assert org["nps_relational"].label == "nps relational"  # undeclared: its id
    assert org["nps_relational"].status == "none"
    t1 = {k.id: k for k in business_kpis(store, W45, team="T1")}
    assert t1["sales_per_fte"].value == approx(5.0) and "nps_relational" not in t1
    assert [k.id for k in business_kpis(store, W45)] == ["sales_per_fte", "nps_relational"]


# ---- clustered ratios: agents are the units ------------------------------------------------


@pytest.fixture
def three_agents(store):
    from tests.fixtures.known_answer import insert_three_agents

    insert_three_agents(store)
    return store


def test_adherence_interval_clusters_by_agent_three_agents(three_agents):
    # Agents' W45 totals (in adherence Y, scheduled X): P (740, 800), Q (300, 400),
    # R (1100, 1200). R = 2140/2400 = 89.1667 %. Residuals Y − R·X: 80/3, −170/3, 30;
    # squares 43400/9 = 4822.22; var = G/(G−1) · Σ/(ΣX)² = 1.5 × 4822.22 / 2400² =
    # 0.00125579; SE = 0.0354371 = 3.54371 pp; ± 1.959964 × 3.54371 = ± 6.94554 pp
    # -> 82.2211 .. 96.1122. (Over the six agent-days as if independent, the delta method
    # gave a different SE: the old interval.)
    for scope in ({}, {"team": "TX"}):
        line = scorecard(three_agents, W45, **scope).by_id()["adherence"]
        assert line.value == approx(89.166667, abs=1e-5)
        assert line.n == 6  # agent-days, what min_n 5 is compared with
        assert line.se == approx(3.54371, abs=1e-5)
        assert line.ci_low == approx(82.22113, abs=1e-4)
        assert line.ci_high == approx(96.11221, abs=1e-4)
        # W44: every agent 400 of 400 -> 100 %, every residual 0, SE 0. The change test uses
        # the same variances: z = (89.1667 − 100)/√(3.54371² + 0²) = −3.05706,
        # p = 2(1 − Φ(3.05706)) = 0.002235 -> a real change, worse.
        assert line.previous == approx(100.0)
        assert line.p_value == approx(0.002235, abs=2e-6)
        assert line.change == "worse"
    # Conformance (logged-in Y: P 800, Q 400, R 1220; X as above): R = 2420/2400 = 100.8333 %;
    # residuals −20/3, −10/3, 10; squares 1400/9 = 155.556; var = 1.5 × 155.556/2400²
    # = 4.05093e-5; SE = 0.636469 pp.
    conformance = scorecard(three_agents, W45).by_id()["conformance"]
    assert conformance.value == approx(100.833333, abs=1e-5)
    assert conformance.se == approx(0.636469, abs=1e-5)


def test_one_agents_interval_uses_its_days(three_agents):
    # An agent's scorecard has one agent (G = 1): its days are the units instead.
    # R's days (Y, X): (400, 400), (340, 400), (360, 400); R = 1100/1200 = 91.6667 %;
    # residuals 100/3, −80/3, −20/3; squares 5600/3 = 1866.67; var = 1.5 × 1866.67/1200²
    # = 0.00194444; SE = 4.40959 pp.
    line = scorecard(three_agents, W45, agent="R").by_id()["adherence"]
    assert line.value == approx(91.666667, abs=1e-5)
    assert line.se == approx(4.40959, abs=1e-5)
    agents = breakdown(three_agents, W45, "agent", team="TX")
    assert {m.id: m for m in agents["R"]}["adherence"].se == approx(4.40959, abs=1e-5)
    # Q worked one day: one unit, no spread to estimate -> no interval, no test
    q = scorecard(three_agents, W45, agent="Q").by_id()["adherence"]
    assert q.value == approx(75.0) and q.se is None and q.ci_low is None


def test_org_adherence_interval_known_fixture(known_store):
    # Agents' totals (Y, X): A1 (888, 960), A2 (180, 240), A3 (468, 480), A4 (400, 480);
    # R = 1936/2160 = 121/135. Residuals ×135: 3720, −4740, 5100, −4080 (sum 0);
    # Σ residual² = 78,962,400/18225 = 4332.64; var = 4/3 × 4332.64/2160² = 0.00123818;
    # SE = 3.51878 pp; ± 6.89668 -> 82.7329 .. 96.5263. (A9 has contacts but no
    # adherence row: it is not one of the G = 4 agents.)
    line = scorecard(known_store, W45).by_id()["adherence"]
    assert line.se == approx(3.51878, abs=1e-4)
    assert line.ci_low == approx(82.7329, abs=1e-3)
    assert line.ci_high == approx(96.5263, abs=1e-3)


# ---- proportions: the pooled two-proportion test ----------------------------------------------


def _callbacks(store, rows):
    from tests.fixtures.known_answer import INTERACTION_COLUMNS, insert_rows

    insert_rows(store, {"interactions": (INTERACTION_COLUMNS, rows)})


def test_callbacks_change_uses_the_pooled_test(store):
    # 42 of 46 callbacks kept in W45, 39 of 39 in W44 (issue #11). Pooled p̂ = 81/85,
    # SE = sqrt(.952941 × .047059 × (1/46 + 1/39)) = .046095, z = −.086957/.046095 = −1.8865,
    # p = .0592: no real change. (The unpooled test said p = .036, "worse".)
    from tests.fixtures.known_answer import _i

    rows = [
        _i(f"c{k:02d}", f"2026-11-03 09:{k:02d}:00", "T1", "A1", None, 5, 60, promised=True,
           kept=k >= 4)
        for k in range(46)
    ] + [
        _i(f"p{k:02d}", f"2026-10-27 09:{k:02d}:00", "T1", "A1", None, 5, 60, promised=True,
           kept=True)
        for k in range(39)
    ]  # fmt: skip
    _callbacks(store, rows)
    line = scorecard(store, W45).by_id()["callback_kept"]
    assert line.value == approx(100 * 42 / 46) and line.n == 46
    assert line.previous == approx(100.0) and line.previous_n == 39
    assert line.p_value == approx(0.0592, abs=1e-4)
    assert line.significant is False and line.change == "no real change"


# ---- queue measures, provisional values, business KPIs --------------------------------------


QUEUE = ("service_level", "asa", "abandon_rate")


def test_queue_measures_are_not_applicable_to_an_agent(known_store):
    # A1's contacts would give service level 2/4 and "0 % abandonment" (abandons carry no
    # agent): a queue measure says nothing about one agent, so no value and no colour.
    for line in (scorecard(known_store, W45, agent="A1").by_id()[m] for m in QUEUE):
        assert line.value is None and line.n == 0, line.id
        assert line.status == "not_applicable" and line.note == "a queue measure", line.id
        assert line.change is None and line.target is None, line.id
        assert line.to_dict()["status"] == "not_applicable"
    per_agent = breakdown(known_store, W45, "agent", team="T1")
    for lines in per_agent.values():
        by_id = {m.id: m for m in lines}
        assert all(by_id[m].status == "not_applicable" for m in QUEUE)
    rows = trend(known_store, W45, count=2, agent="A1")
    assert rows[rows.metric.isin(QUEUE)].value.isna().all()
    # teams and the org keep them (T1: service level 3/7)
    t1 = scorecard(known_store, W45, team="T1").by_id()
    assert t1["service_level"].value == approx(42.857143, abs=1e-4)
    assert t1["service_level"].status != "not_applicable"


def test_provisional_is_judged_on_interaction_data_and_not_coloured(known_store):
    from tests.fixtures.known_answer import SURVEY_COLUMNS, _s, insert_rows

    # A survey answered on 2026-11-20, twelve days after W45 ended, must not make W45's
    # repeat contacts final: the interactions run only to 2026-11-13 (5 days after).
    insert_rows(
        known_store,
        {"survey_responses": (SURVEY_COLUMNS, [_s("late", "2026-11-20 10:00:00", "A1", 9, 5, 6)])},
    )
    registry = {k: replace(m, min_n=1) for k, m in default_registry().items()}
    line = scorecard(known_store, W45, registry=registry).by_id()["repeat_contact"]
    assert line.provisional is True
    # 3/6 = 50 % against a 15 % target would be red: provisional shows no colour instead
    assert line.status == "provisional" and line.target_in_interval is None
    assert line.change is None
    # metrics that need no follow-up are coloured as usual (NPS 29.4 vs target 35: red)
    assert scorecard(known_store, W45, registry=registry).by_id()["nps"].status == "red"


def test_business_kpi_change_is_never_tested(store):
    from sqlalchemy import text

    from cxmetrics.metrics.engine import business_kpis

    with store.transaction() as conn:
        conn.execute(
            text("INSERT INTO kpi_values VALUES (:d, 'quality_score', NULL, :v, 'b')"),
            [{"d": "2026-11-03", "v": 88.4}, {"d": "2026-10-27", "v": 80.0}],
        )
    (quality,) = business_kpis(store, W45)
    # 88.4 − 80.0 = 8.4, shown, never called a real change or not
    assert quality.delta == approx(8.4) and quality.change == "no test"
    assert quality.unit == "/100"  # "88.4/100", not "88.4 score"


# ---- two-sided metrics ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "status"),
    [(100.0, "green"), (95.0, "green"), (104.9, "green"), (105.1, "amber"), (90.0, "amber"),
     (110.0, "amber"), (110.1, "red"), (89.0, "red")],
)  # fmt: skip
def test_two_sided_metrics_green_within_tolerance_amber_within_twice(value, status):
    from cxmetrics.metrics.engine import Estimate, status_of

    # conformance: target 100 %, tolerance 5 pp: green 95–105, amber 90–110, red beyond
    conformance = default_registry()["conformance"]
    assert status_of(conformance, Estimate(value, 10), 100.0, 5.0) == status


# ---- occupancy and productivity: only agent-days with both sides ---------------------------


def test_matched_ratios_count_the_agent_days_left_out(known_store):
    # W45: A1 11-04 has logged time but no contacts, A9 11-05 contacts but no adherence row
    org = scorecard(known_store, W45).by_id()
    assert org["occupancy"].excluded == 2 and org["productivity"].excluded == 2
    assert org["adherence"].excluded is None  # adherence and conformance leave nothing out
    t1 = scorecard(known_store, W45, team="T1").by_id()
    assert t1["occupancy"].excluded == 1  # A1 11-04
    # W44: A3's 40 contacts on 10-28 had no adherence row: left out, nothing matched
    w44 = scorecard(known_store, parse_period("2026-W44")).by_id()["occupancy"]
    assert w44.value is None and w44.n == 0 and w44.excluded == 1


def test_matched_sums_follow_an_interactions_upload_and_its_undo(known_store, tmp_path):
    # Loading A1's contacts for 11-04 (through ingest, which refreshes only the dates it
    # touched) pairs them with that day's logged time: T1's occupancy gains the day and
    # leaves nothing out; undoing the batch restores every number.
    from cxmetrics.ingest import load_batch, undo_batch
    from tests.fixtures.known_answer import INTERACTION_COLUMNS, _i, _write

    before = scorecard(known_store, W45, team="T1").to_dict()
    rows = [_i("late1", "2026-11-04 09:00:00", None, "A1", None, 5, 600)]
    path = _write(tmp_path / "late.csv", INTERACTION_COLUMNS, rows)
    report = load_batch(known_store, "interactions", path)
    assert report.status == "committed" and report.loaded == 1
    t1 = scorecard(known_store, W45, team="T1").by_id()["occupancy"]
    # handle (1400 + 700 + 600)/60 = 45 min; available 60 + 90 + 30 = 180 -> 45/225 = 20 %
    assert t1.value == approx(20.0) and t1.n == 3 and t1.excluded == 0
    # and the agents' week totals behind its interval: A1 (Y 2000/60 = 33.333, X 33.333 +
    # 60 + 90 = 183.333), A2 (11.667, 41.667); R = 0.2; residuals −10/3 and +10/3;
    # var = 2/1 × (200/9)/225² = 0.000877915; SE = 20/675 = 2.96296 pp
    assert t1.se == approx(2.962963, abs=1e-5)
    undo_batch(known_store, report.batch_id)
    assert scorecard(known_store, W45, team="T1").to_dict() == before


# ---- service level per channel ----------------------------------------------------------------


def _channel_rows():
    from tests.fixtures.known_answer import _i

    def contact(iid, channel, wait, abandoned=False):
        row = list(_i(iid, "2026-11-03 09:00:00", "T1", None if abandoned else "A1", None,
                      wait, 0 if abandoned else 60, abandoned=abandoned))  # fmt: skip
        row[2] = channel
        return tuple(row)

    return [
        contact("a", "phone", 10),
        contact("b", "phone", 30),
        contact("c", "phone", 15),
        contact("d", "phone", 40, abandoned=True),
        contact("e", "email", 3600),
        contact("f", "email", 90000),
        contact("g", "chat", 25),
        contact("h", " Email", 7200),  # channel names are matched trimmed, in lower case
    ]


def test_service_level_threshold_per_channel(tmp_path):
    from cxmetrics.config import Settings
    from cxmetrics.store import Store
    from tests.fixtures.known_answer import INTERACTION_COLUMNS, insert_rows

    url = f"duckdb:///{tmp_path / 'sl.duckdb'}"
    store = Store(Settings(db_url=url))
    insert_rows(store, {"interactions": (INTERACTION_COLUMNS, _channel_rows())})
    # Defaults: phone and chat 20 s, email 24 h. Answered a b c e f g h = 7; abandoned
    # after its threshold: d (40 s > 20 s) = 1 -> denominator 8. Within: phone a (10),
    # c (15); chat g (25) is over 20 s; email e (1 h), h (2 h), not f (25 h) -> 4/8 = 50 %.
    # (One 20 s threshold for every channel gave a and c only: 2/8 = 25 %.)
    line = scorecard(store, W45).by_id()["service_level"]
    assert line.value == approx(50.0) and line.n == 8
    assert line.note == "within 20 s (phone, chat, others), 24 h (email)"
    store.close()
    # Email 30 min and chat 30 s (held in store_settings: opening the store with other
    # thresholds rebuilds the rollups): within a, c, g -> 3/8 = 37.5 %.
    by_channel = (("chat", 30), ("email", 1800))
    store = Store(Settings(db_url=url, service_level_by_channel=by_channel))
    line = scorecard(store, W45).by_id()["service_level"]
    assert line.value == approx(37.5) and line.n == 8
    assert line.note == "within 20 s (phone, others), 30 s (chat), 30 min (email)"
    store.close()


def test_rollups_from_before_per_channel_thresholds_are_rebuilt(tmp_path):
    from sqlalchemy import text

    from cxmetrics.config import Settings
    from cxmetrics.store import Store
    from tests.fixtures.known_answer import INTERACTION_COLUMNS, insert_rows

    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    store = Store(Settings(db_url=url))
    insert_rows(store, {"interactions": (INTERACTION_COLUMNS, _channel_rows())})
    with store.transaction() as conn:  # as an older cxmetrics left it: one threshold, 20 s
        conn.execute(text("DELETE FROM store_settings"))
        conn.execute(text("INSERT INTO store_settings VALUES ('service_level_seconds', '20')"))
        conn.execute(text("UPDATE rollup_interactions SET answered_within_t = 0"))
    store.close()
    store = Store(Settings(db_url=url))
    assert scorecard(store, W45).by_id()["service_level"].value == approx(50.0)
    store.close()


def test_service_level_by_channel_settings(tmp_path, monkeypatch):
    from cxmetrics.config import load_settings

    monkeypatch.setenv("CXMETRICS_SERVICE_LEVEL_BY_CHANNEL", "email=8h, SMS = 90, chat=2 min")
    settings = load_settings(root=tmp_path)
    assert settings.service_level_thresholds() == {
        "phone": 20, "chat": 120, "email": 8 * 3600, "sms": 90
    }  # fmt: skip
    monkeypatch.delenv("CXMETRICS_SERVICE_LEVEL_BY_CHANNEL")
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[cxmetrics]\nservice_level_by_channel = { email = "12h", chat = 45 }\n'
    )
    assert load_settings(root=tmp_path).service_level_thresholds() == {
        "phone": 20, "chat": 45, "email": 12 * 3600
    }  # fmt: skip
    monkeypatch.setenv("CXMETRICS_SERVICE_LEVEL_BY_CHANNEL", "email=soon")
    with pytest.raises(ValueError, match=r"threshold `soon` for channel `email`.*24h"):
        load_settings(root=tmp_path)
