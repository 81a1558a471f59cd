"""The supervisor's week on a hand-made Billing team (tests/fixtures/coaching.py): who is
worth a conversation, who a thank-you, who is on neither list and why; ranking by the
interval's cautious end. Every interval below is worked out by hand.

Wilson 95 % interval, z = 1.96, z² = 3.8416, n = 40: 1 + z²/n = 1.09604, z²/2n = 0.04802,
z²/4n² = 0.00060025; centre = (p + 0.04802) / 1.09604,
half = 1.96 · √(p(1 − p)/40 + 0.00060025) / 1.09604.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from cxmetrics import coaching
from cxmetrics.metrics.registry import default_registry
from cxmetrics.periods import parse_period
from cxmetrics.recognition import mark_thanked
from tests.fixtures.coaching import WEEK, insert_billing_week

REGISTRY = default_registry()


@pytest.fixture
def week(store):
    insert_billing_week(store)
    mark_thanked(store, "s-b1-0", "B1", thanked_by="Sam Supervisor")
    return coaching.supervisor_week(store, parse_period(WEEK), team="TB")


def by_agent(groups: list[coaching.AgentFindings]) -> dict[str, dict[str, coaching.Finding]]:
    return {g.agent_id: {f.metric: f for f in g.findings} for g in groups}


def test_worth_a_conversation(week):
    listed = by_agent(week.conversation)
    assert [g.name for g in week.conversation] == ["Bea Burns", "Cal Cole"]
    # Bea: 15 of 40 transferred = 37.5 %; centre (0.375 + 0.04802)/1.09604 = 0.38596,
    # half 1.96·√(0.005859 + 0.000600)/1.09604 = 0.14373 → 24.22 %–52.97 %: even the low
    # end is above the 10 % target.
    bea = listed["B1"]["transfer_rate"]
    assert (bea.value, bea.n, bea.target, bea.side) == (37.5, 40, 10.0, "worse")
    assert (bea.ci_low, bea.ci_high) == pytest.approx((24.223, 52.968), abs=0.001)
    # Cal's conformance (no better direction, target 100 ± 5): logged 2,000 of 2,400
    # scheduled minutes = 83.33 %; days as units, residuals 0, 10, −10, 5, −5 of 400:
    # var = 5/4 · 250 / 2400² = 5.4253e-5, SE 0.73657 pts, ± 1.4437 → 81.89 %–84.78 %,
    # wholly below 95 %.
    cal = listed["B2"]["conformance"]
    assert (cal.value, cal.n, cal.side) == (pytest.approx(83.3333, abs=1e-4), 5, "worse")
    assert (cal.ci_low, cal.ci_high) == pytest.approx((81.890, 84.777), abs=0.001)
    assert set(listed["B1"]) == {"transfer_rate"} and set(listed["B2"]) == {"conformance"}


def test_who_is_not_worth_a_conversation_and_why(week):
    listed = by_agent(week.conversation)
    # Bea's FCR, 25 of 40 = 62.5 %, misses 75 %, but its interval, centre 0.61405 ± 0.14373
    # = 47.0 %–75.8 %, reaches the target: the data cannot say she misses it.
    assert "fcr" not in listed["B1"]
    # Dee transferred 6 of 10 (60 %): far above 10 %, but 10 contacts are fewer than the
    # 30 transfers needs: never judged, counted among the too few instead.
    assert "B3" not in listed
    assert "B4" not in listed  # Eve has no data at all


def test_worth_a_thank_you(week):
    listed = by_agent(week.thank_you)
    assert list(listed) == ["B2"]
    # Cal's adherence: 2,325 of 2,400 minutes = 96.875 %; residuals −5, 5, 0, −3, 3 of
    # 465: var = 5/4 · 68 / 2400² = 1.4757e-5, SE 0.38415 pts, ± 0.7529 → 96.12 %–97.63 %,
    # wholly above 90 %. FCR 40 of 40: centre 1.04802/1.09604 = 0.95619, half
    # 1.96·√0.00060025/1.09604 = 0.04381 → 91.24 %–100 %, wholly above 75 %. Card order.
    assert list(listed["B2"]) == ["adherence", "fcr"]
    adherence, fcr = listed["B2"]["adherence"], listed["B2"]["fcr"]
    assert (adherence.value, adherence.side) == (96.875, "better")
    assert (adherence.ci_low, adherence.ci_high) == pytest.approx((96.122, 97.628), abs=0.001)
    assert (fcr.value, fcr.n) == (100.0, 40)
    assert (fcr.ci_low, fcr.ci_high) == pytest.approx((91.238, 100.0), abs=0.001)
    # Not thanked for transfers: 2 of 40 = 5 % beats 10 %, but centre 0.08943 ± 0.07561
    # = 1.4 %–16.5 % reaches past the target.
    assert "transfer_rate" not in listed["B2"]


def test_praise_not_yet_thanked(week):
    # Cal's praise waits; Bea's was marked thanked, so she is not listed for it.
    assert [(p.agent_id, p.name, p.count) for p in week.praise] == [("B2", "Cal Cole", 1)]
    assert week.praise[0].newest == datetime(2026, 11, 3, 12, 0)
    assert week.praise_unattributed == 0


def test_too_few_to_judge_says_so_and_offers_the_month(week):
    few = {t.metric: (t.agents, t.of, t.min_n) for t in week.too_few}
    assert few == {
        "nps": (2, 2, 30),  # Bea 5 answers, Cal 1
        "csat": (1, 1, 30),  # Bea 5
        "occupancy": (1, 1, 5),  # Cal: one day with both contacts and logged time
        "transfer_rate": (1, 3, 30),  # Dee: 10 contacts
        "fcr": (1, 3, 30),  # Dee: 10 contacts
    }
    assert week.longer == "2026-11"  # the month holding the week's first day


def test_nothing_too_few_offers_no_longer_period():
    assert coaching.longer_period(parse_period("2026-W45")) == "2026-11"
    assert coaching.longer_period(parse_period("2026-11")) == "2026-Q4"
    assert coaching.longer_period(parse_period("2026-Q4")) == "2026"
    assert coaching.longer_period(parse_period("2026")) is None


def line(value, low, high, n):
    return {"value": value, "ci_low": low, "ci_high": high, "n": n}


def test_ranks_follow_the_cautious_end_of_the_interval():
    nps = REGISTRY["nps"]  # higher is better, min n 30
    lines = {
        "P": line(60.0, 20.0, 80.0, 40),
        "Q": line(80.0, 10.0, 95.0, 35),  # higher value, lower low end: ranked below P
        "R": line(100.0, 40.0, 100.0, 12),  # best of all, on 12 answers: never ranked
        "S": line(60.0, 20.0, 75.0, 90),  # the same low end as P: the same rank
        "T": line(None, None, None, 0),
    }
    assert coaching.ranks(lines, nps) == {"P": 1, "S": 1, "Q": 3}
    transfers = REGISTRY["transfer_rate"]  # lower is better: ranked by the high end
    lines = {"P": line(5.0, 1.4, 16.5, 40), "Q": line(8.0, 4.0, 12.0, 300)}
    assert coaching.ranks(lines, transfers) == {"Q": 1, "P": 2}


def test_the_wrong_side_for_each_direction():
    base = {"status": "red", "target": 10.0, "amber_tolerance": 5.0, "n": 50}
    transfers, fcr, conformance = (REGISTRY[m] for m in ("transfer_rate", "fcr", "conformance"))
    assert coaching.side({**base, **line(20.0, 12.0, 30.0, 50)}, transfers) == "worse"
    assert coaching.side({**base, **line(20.0, 10.0, 30.0, 50)}, transfers) is None  # touches
    assert coaching.side({**base, **line(5.0, 2.0, 8.0, 50)}, transfers) == "better"
    assert coaching.side({**base, **line(5.0, 2.0, 8.0, 50)}, fcr) == "worse"
    # no better direction: wholly outside target ± tolerance (5–15) is worse, never better
    assert coaching.side({**base, **line(20.0, 15.5, 24.0, 50)}, conformance) == "worse"
    assert coaching.side({**base, **line(12.0, 11.0, 13.0, 50)}, conformance) is None
    # too few, provisional or no target: never judged
    few = {**base, **line(20.0, 12.0, 30.0, 10), "status": "insufficient"}
    assert coaching.side(few, transfers) is None
    assert (
        coaching.side({**base, **line(20.0, 12.0, 30.0, 50), "provisional": True}, transfers)
        is None
    )
    assert coaching.side({**base, **line(20.0, 12.0, 30.0, 50), "target": None}, transfers) is None
