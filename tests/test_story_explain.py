"""Why it moved: the change split by team into rate and mix, against hand computations.

rate = Σ w₁·(V₁ − V₀), mix = Σ (w₁ − w₀)·V₀ with w a part's share of the period's answers;
each part's mix is shown as (w₁ − w₀)·(V₀ of the part − V₀ of the whole), which sums to the
same total because Σ (w₁ − w₀) = 0. A part with no previous answers is measured against the
whole's previous value.
"""

from __future__ import annotations

import random

import pytest

from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import parse_period
from cxmetrics.story.explain import PartInput, decompose, explain, waterfall
from tests.fixtures.known_answer import SURVEY_COLUMNS, _s, insert_rows

W45 = parse_period("2026-W45")
approx = pytest.approx

# Four teams and answers with no team (agent Z9 is in no roster), W44 (previous) and W45:
#            W44 NPS answers            W45 NPS answers
#   TA  10: 6 × 10, 2 × 3, 2 × 8 -> +40   5: 3 × 9, 1 × 5, 1 × 7 -> +40
#   TB  10: 2 × 10, 4 × 3, 4 × 8 -> -20  10: 3 × 9, 3 × 6, 4 × 7 ->   0
#   TC   —                                4: 2 × 10, 2 × 8        -> +50
#   TD   5: 5 × 0                -> -100  —
#   none —                                1: 1 × 10               -> +100
# Whole: W44 P 8, D 11 of 25 -> -12; W45 P 9, D 4 of 20 -> +25; change +37.
# Shares w₀: TA .4, TB .4, TD .2;  w₁: TA .25, TB .5, TC .2, none .05.
# Rate: TA .25·(40 − 40) = 0; TB .5·(0 + 20) = 10; TC .2·(50 + 12) = 12.4 (no W44 answers:
#   against the whole's -12); none .05·(100 + 12) = 5.6; TD 0 -> 28.
# Mix (centred on -12): TA (.25 − .4)·(40 + 12) = -7.8; TB (.5 − .4)·(-20 + 12) = −.8;
#   TC and none 0; TD (0 − .2)·(-100 + 12) = 17.6 -> 9.0.
#   Uncentred, Σ (w₁ − w₀)·V₀ = −.15·40 + .1·(-20) + .2·(-12) + .05·(-12) − .2·(-100) = 9.0.
# 28 + 9 = 37 = 25 − (-12).
#
# CSAT on the same answers (top-2 = 4 or 5):
#   TA W44 8 of 10 -> 80 %, W45 4 of 5 -> 80 %; TB 4/10 -> 40 %, 6/10 -> 60 %;
#   TC W45 2/4 -> 50 %; TD W44 0/5 -> 0 %; none W45 1/1 -> 100 %.
#   Whole W44 12/25 = 48 %, W45 13/20 = 65 %: +17 points.
#   Rate: TA 0; TB .5·20 = 10; TC .2·(50 − 48) = .4; none .05·(100 − 48) = 2.6 -> 13.
#   Mix: TA −.15·(80 − 48) = -4.8; TB .1·(40 − 48) = −.8; TD −.2·(0 − 48) = 9.6 -> 4.
GROUPS = {
    # (team, agent, week start day): (NPS scores, CSAT scores)
    ("TA", None, "2026-10-27"): ([10] * 6 + [3] * 2 + [8] * 2, [5] * 8 + [2] * 2),
    ("TB", None, "2026-10-27"): ([10] * 2 + [3] * 4 + [8] * 4, [4] * 4 + [2] * 6),
    ("TD", None, "2026-10-27"): ([0] * 5, [1] * 5),
    ("TA", None, "2026-11-03"): ([9] * 3 + [5, 7], [5] * 4 + [3]),
    ("TB", None, "2026-11-03"): ([9] * 3 + [6] * 3 + [7] * 4, [4] * 6 + [1] * 4),
    ("TC", None, "2026-11-03"): ([10, 10, 8, 8], [5, 5, 3, 3]),
    (None, "Z9", "2026-11-03"): ([10], [5]),
}
TEAMS = [(t, f"Team {t[1]}", None, "customer service") for t in ("TA", "TB", "TC", "TD")]


def _survey_rows(groups):
    rows = []
    for (team, agent, day), (nps, csat) in groups.items():
        for k, (n, c) in enumerate(zip(nps, csat, strict=True)):
            rid = f"{team or agent}-{day}-{k}"
            rows.append(_s(rid, f"{day} 10:{k:02d}:00", agent, n, c, None, team=team))
    return rows


@pytest.fixture
def shares_store(store):
    insert_rows(
        store,
        {
            "teams": (["team_id", "name", "supervisor", "function"], TEAMS),
            "survey_responses": (SURVEY_COLUMNS, _survey_rows(GROUPS)),
        },
    )
    return store


def test_nps_rate_and_mix_by_team_known_answer(shares_store):
    d = explain(shares_store, W45, "nps")
    assert (d.value, d.previous, d.delta) == (approx(25.0), approx(-12.0), approx(37.0))
    assert d.rate_effect == approx(28.0) and d.mix_effect == approx(9.0)
    parts = {p.key: p for p in d.parts}
    assert list(parts) == ["TA", "TB", "TC", "TD", None]  # ids in order, no team last
    expected = {  # key: (w₁, w₀, V₁, V₀, rate, mix)
        "TA": (0.25, 0.4, 40.0, 40.0, 0.0, -7.8),
        "TB": (0.5, 0.4, 0.0, -20.0, 10.0, -0.8),
        "TC": (0.2, 0.0, 50.0, None, 12.4, 0.0),
        "TD": (0.0, 0.2, None, -100.0, 0.0, 17.6),
        None: (0.05, 0.0, 100.0, None, 5.6, 0.0),
    }
    for key, (w1, w0, v1, v0, rate, mix) in expected.items():
        p = parts[key]
        assert (p.weight, p.previous_weight) == (approx(w1), approx(w0)), key
        assert p.value == (None if v1 is None else approx(v1)), key
        assert p.previous_value == (None if v0 is None else approx(v0)), key
        assert (p.rate_effect, p.mix_effect) == (approx(rate, abs=1e-9), approx(mix, abs=1e-9))
    assert parts["TA"].name == "Team A" and parts[None].name == "No team"
    assert d.rate_effect + d.mix_effect == approx(d.delta, abs=1e-9)


def test_csat_rate_and_mix_in_points(shares_store):
    d = explain(shares_store, W45, "csat")
    assert (d.value, d.previous) == (approx(65.0), approx(48.0))
    assert d.rate_effect == approx(13.0) and d.mix_effect == approx(4.0)
    parts = {p.key: p for p in d.parts}
    assert parts["TB"].rate_effect == approx(10.0) and parts["TD"].mix_effect == approx(9.6)
    assert parts["TC"].rate_effect == approx(0.4) and parts[None].rate_effect == approx(2.6)


def test_json_has_the_issue_shape(shares_store):
    out = explain(shares_store, W45, "nps").to_dict()
    assert list(out) == [
        "metric", "period", "previous_period", "value", "previous", "delta",
        "rate_effect", "mix_effect", "parts",
    ]  # fmt: skip
    assert list(out["parts"][0]) == [
        "team_id", "team_name", "weight", "previous_weight", "value", "previous_value",
        "rate_effect", "mix_effect",
    ]  # fmt: skip
    assert out["period"] == "2026-W45" and out["previous_period"] == "2026-W44"
    assert out["parts"][-1]["team_id"] is None


def test_within_a_team_by_agent_known_fixture(known_store):
    # T1's CSAT: W45 A1 4 of 7, A2 1 of 3 -> 5/10 = 50 %; W44 A1 3 of 4 (5, 5, 2, 4) = 75 %.
    # w₁ A1 .7, A2 .3; w₀ A1 1. Rate A1 .7·(57.142857 − 75) = -12.5; A2 (no W44 answers,
    # against the team's 75) .3·(33.333333 − 75) = -12.5; mix (.7 − 1)·(75 − 75) = 0.
    d = explain(known_store, W45, "csat", team="T1")
    assert d.by == "agent" and d.team == "T1"
    assert (d.value, d.previous, d.delta) == (approx(50.0), approx(75.0), approx(-25.0))
    parts = {p.key: p for p in d.parts}
    assert parts["A1"].rate_effect == approx(-12.5) and parts["A2"].rate_effect == approx(-12.5)
    assert d.mix_effect == approx(0.0, abs=1e-12)
    assert parts["A1"].name == "Ana Alves"
    assert d.to_dict()["team"] == "T1" and "agent_id" in d.to_dict()["parts"][0]
    # T2's CSAT: A3 4 of 5 and r21 (team T2, no agent) 1 of 1 -> shares 5/6 and 1/6;
    # nothing in W44: no change to split.
    t2 = explain(known_store, W45, "csat", team="T2")
    shares = {p.key: p.weight for p in t2.parts}
    assert shares == {"A3": approx(5 / 6), None: approx(1 / 6)}
    assert t2.delta is None and t2.rate_effect is None and t2.mix_effect is None
    assert {p.key: p.name for p in t2.parts}[None] == "No agent"


def test_org_nps_on_the_known_fixture_adds_up(known_store):
    # W45: T1 11 answers (+9.0909), T2 5 (+60), A9 (no team) 1 (+100) of 17 -> +29.4118;
    # W44: T1 4 answers (+50). Rate T1 11/17·(9.0909 − 50) = -26.4706, T2 5/17·(60 − 50)
    # = 2.9412, no team 1/17·(100 − 50) = 2.9412; mix 0 (T1 stays at the whole's 50).
    d = explain(known_store, W45, "nps")
    rates = {p.key: p.rate_effect for p in d.parts}
    assert rates == {"T1": approx(-26.470588), "T2": approx(2.941176), None: approx(2.941176)}
    assert d.rate_effect + d.mix_effect == approx(29.411765 - 50.0)


def test_unknown_or_unsplittable_metric_is_refused(known_store):
    with pytest.raises(ValueError, match=r"metric `aht` cannot be split.*use nps, inps, csat"):
        explain(known_store, W45, "aht")
    with pytest.raises(ValueError, match="queue measure"):
        explain(known_store, W45, "service_level", team="T1")


@pytest.mark.parametrize("seed", range(200))
def test_parts_add_up_on_random_parts(seed):
    rng = random.Random(seed)
    inputs = []
    for k in range(rng.randint(1, 6)):
        n, n0 = rng.choice([0, 0, 1, 3, 17]), rng.choice([0, 1, 2, 9, 40])
        value = rng.uniform(-100, 100) if n else None
        previous = rng.uniform(-100, 100) if n0 else None
        inputs.append(PartInput(f"T{k}", f"T{k}", n, value, n0, previous))
    rate, mix, parts = decompose(inputs)
    total, total0 = sum(p.n for p in inputs), sum(p.previous_n for p in inputs)
    if not total or not total0:
        assert rate is None and mix is None
        return
    whole = sum(p.n * p.value for p in inputs if p.n) / total
    whole0 = sum(p.previous_n * p.previous_value for p in inputs if p.previous_n) / total0
    assert rate + mix == approx(whole - whole0, abs=1e-9)
    assert sum(p.rate_effect for p in parts) == approx(rate, abs=1e-9)
    assert sum(p.mix_effect for p in parts) == approx(mix, abs=1e-9)
    assert sum(p.weight for p in parts) == approx(1.0)
    assert sum(p.previous_weight for p in parts) == approx(1.0)
    # the uncentred mix of the issue, new parts at the whole's previous value, is the same
    uncentred = sum(
        (p.weight - p.previous_weight) * (p.previous_value if p.previous_n else whole0)
        for p in parts
    )
    assert uncentred == approx(mix, abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_parts_add_up_to_the_scorecard_change_on_random_stores(store, seed):
    rng = random.Random(seed)
    groups = {}
    for team in ("TA", "TB", "TC", "TD", None):
        for day in ("2026-10-27", "2026-11-03"):
            size = rng.choice([0, 1, 4, 12])
            if size:
                key = (team, None if team else "Z9", day)
                groups[key] = (
                    [rng.randint(0, 10) for _ in range(size)],
                    [rng.randint(1, 5) for _ in range(size)],
                )
    rows = _survey_rows(groups)
    if not rows:
        return
    insert_rows(
        store,
        {
            "teams": (["team_id", "name", "supervisor", "function"], TEAMS),
            "survey_responses": (SURVEY_COLUMNS, rows),
        },
    )
    card = scorecard(store, W45).by_id()
    for metric in ("nps", "csat"):
        d = explain(store, W45, metric)
        assert d.value == card[metric].value and d.previous == card[metric].previous
        if d.delta is not None:
            assert d.rate_effect + d.mix_effect == approx(d.delta, abs=1e-9)
            assert sum(p.weight * p.value for p in d.parts if p.n) == approx(d.value)


def test_waterfall_steps_run_from_previous_to_current(shares_store):
    # Previous -12; rate steps largest first: TC +12.4, TB +10, none +5.6 (TA and TD add
    # nothing); mix +9; ends at +25.
    steps = waterfall(explain(shares_store, W45, "nps"))
    assert [(s.label, s.kind) for s in steps] == [
        ("2026-W44", "total"),
        ("Team C", "rate"),
        ("Team B", "rate"),
        ("No team", "rate"),
        ("Mix: shares of answers", "mix"),
        ("2026-W45", "total"),
    ]
    assert [round(s.end, 6) for s in steps] == [-12.0, 0.4, 10.4, 16.0, 25.0, 25.0]
    assert steps[1].start == approx(-12.0)
    # one part more than `most` is shown as itself; two or more are grouped
    alone = waterfall(explain(shares_store, W45, "nps"), most=2)
    assert [s.label for s in alone[1:4]] == ["Team C", "Team B", "No team"]
    grouped = waterfall(explain(shares_store, W45, "nps"), most=1)
    assert grouped[2].label == "Other teams (2)" and grouped[2].amount == approx(15.6)
