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
# Occupancy: handle 18400 s = 306.667 min; available 400 -> 306.667/706.667 = 43.3962 %.
# Productivity: 49 answered / (2090/60 h) = 1.406699 per hour.
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
    "occupancy": (43.396226, 5),
    "productivity": (1.406699, 5),
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
# Adherence 1068/1200 = 89 %; conformance 1200/1200; occupancy 35 min/(35+180);
# productivity 6/(1200/60) = 0.3.
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
    "occupancy": (16.279070, 3),
    "productivity": (0.3, 3),
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
# NPS P4 D2 n8 = 25; CSAT 4/7; CES 4/7; answered 4 = offered 4 (abandons have no agent);
# within 20 s i01 i03 -> 2/4; ASA 85/4; AHT 1400/4; FCR 2/3; callbacks 1/2; repeat 2/4;
# adherence 888/960; conformance 950/960; occupancy 23.333/(23.333+150); 4/(950/60).
A1 = {
    "nps": (25.0, 8),
    "csat": (57.142857, 7),
    "ces": (57.142857, 7),
    "responses": (8, 8),
    "service_level": (50.0, 4),
    "asa": (21.25, 4),
    "aht": (350.0, 4),
    "abandon_rate": (0.0, 4),
    "adherence": (92.5, 2),
    "conformance": (98.958333, 2),
    "occupancy": (13.461538, 2),
    "productivity": (0.252632, 2),
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


def test_registry_has_all_seventeen_metrics_and_fixture_covers_them():
    assert set(ORG) == set(default_registry())
    assert len(ORG) == 17


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
    # SL fell from 100 % to 71.43 %: se = 100*sqrt(.714286*.285714/42) = 6.9707,
    # z = -28.571/6.9707 = -4.099 -> significant, worse
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
    # occupancy 43.4 is 41.6 away from 85 -> red
    assert org["conformance"].status == "green" and org["occupancy"].status == "red"


def test_ratio_of_sums_not_average_of_ratios(known_store):
    # per-agent SL: A1 2/4, A2 1/2, A3 30/30+... ; the team T1 value is 3/7, not mean(50, 50)
    agents = breakdown(known_store, W45, "agent", team="T1")
    sl = {key: {m.id: m for m in lines}["service_level"].value for key, lines in agents.items()}
    assert sl["A1"] == approx(50.0) and sl["A2"] == approx(50.0)
    t1 = scorecard(known_store, W45, team="T1").by_id()["service_level"].value
    assert t1 == approx(42.857143, abs=1e-4)


def test_breakdown_by_team_matches_team_scorecards(known_store):
    teams = breakdown(known_store, W45, "team")
    assert set(teams) == {"T1", "T2", "T3", None}  # None: A9, not in the roster
    for team in ("T1", "T2", "T3"):
        card = scorecard(known_store, W45, team=team).by_id()
        for line in teams[team]:
            assert line.value == card[line.id].value and line.n == card[line.id].n


def test_trend_has_one_row_per_period_and_metric(known_store):
    rows = trend(known_store, W45, count=13)
    assert len(rows) == 13 * 17
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
