"""An agent's career in service on the hand-made Billing team (tests/fixtures/coaching.py):
tenure, team history, the periods they were a service star, praise and learning over time.
Every number is worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from cxmetrics import career
from cxmetrics.config import Settings
from cxmetrics.ingest import load_batch
from cxmetrics.recognition import mark_thanked
from cxmetrics.store import open_store
from tests.fixtures.coaching import insert_billing_week

AS_OF = date(2026, 11, 30)
LEARNING = """agent_id,date,hours,topic
B2,2026-10-20,1.5,Billing system
B2,2026-11-03,2,De-escalation
B2,2026-11-04,0.5,
B1,2026-11-04,1,De-escalation
"""


@pytest.fixture
def billing(tmp_path):
    """The Billing week with stars from 5 answers (so Bea's five 10s make her a star), Cal
    moved from Accounts (TA) to Billing on 2025-03-01, and some learning."""
    url = f"duckdb:///{tmp_path / 'career.duckdb'}"
    store = open_store(url, settings=Settings(db_url=url, stars_min_n=5))
    insert_billing_week(store)
    with store.transaction() as conn:
        conn.execute(
            text("INSERT INTO teams (team_id, name, batch_id) VALUES ('TA', 'Accounts', 'fx')")
        )
        conn.execute(text("DELETE FROM agent_teams WHERE agent_id = 'B2'"))
        conn.execute(
            text(
                "INSERT INTO agent_teams VALUES ('B2', 'TA', DATE '2021-05-10', DATE '2025-03-01', "
                "'fx'), ('B2', 'TB', DATE '2025-03-01', NULL, 'fx')"
            )
        )
    mark_thanked(store, "s-b1-0", "B1", thanked_by="Sam Supervisor")
    path = tmp_path / "learning.csv"
    path.write_text(LEARNING, encoding="utf-8")
    assert load_batch(store, "learning", path).loaded == 4
    yield store
    store.close()


def test_tenure_in_years_and_months():
    assert career.tenure_text(date(2021, 5, 10), AS_OF) == "5 years 6 months"
    assert career.tenure_text(date(2024, 2, 1), AS_OF) == "2 years 9 months"
    assert career.tenure_text(date(2026, 10, 31), AS_OF) == "under a month"
    assert career.tenure_text(date(2025, 11, 30), AS_OF) == "1 year"
    assert career.tenure_text(None, AS_OF) == "hiring date not in the roster"


def test_team_history_from_the_roster_history(billing):
    cal = career.career(billing, "B2", as_of=AS_OF)
    # Accounts from 2021-05-10 to the day before the move, Billing since 2025-03-01
    assert [(s.team_id, s.team_name, s.first, s.last) for s in cal.teams] == [
        ("TA", "Accounts", date(2021, 5, 10), date(2025, 2, 28)),
        ("TB", "Billing", date(2025, 3, 1), None),
    ]
    assert cal.hired_on == date(2021, 5, 10)
    # Bea has been in Billing since the first roster the store holds: no first day
    bea = career.career(billing, "B1", as_of=AS_OF)
    assert [(s.team_id, s.first, s.last) for s in bea.teams] == [("TB", None, None)]
    assert cal.tenure_days == (AS_OF - date(2021, 5, 10)).days == 2030


def test_service_star_periods(billing):
    bea = career.career(billing, "B1", as_of=AS_OF)
    # November: Bea's five answers are all 10 (NPS +100, n 5 ≥ 5): the only agent with
    # enough answers (Cal has one), so the first star. Data span only November.
    assert [(s.period, s.place, s.metric, s.value, s.n) for s in bea.star_periods] == [
        ("2026-11", 1, "nps", 100.0, 5)
    ]
    cal = career.career(billing, "B2", as_of=AS_OF)
    assert cal.star_periods == []  # one answer: never a star


def test_praise_and_learning_over_time(billing):
    bea = career.career(billing, "B1", as_of=AS_OF)
    # one praise in November, marked thanked; one learning hour
    assert [(p.period, p.praise, p.thanked) for p in bea.praise] == [("2026-11", 1, 1)]
    assert [(c.period, c.hours, c.sessions) for c in bea.learning] == [("2026-11", 1.0, 1)]
    cal = career.career(billing, "B2", as_of=AS_OF)
    assert [(p.period, p.praise, p.thanked) for p in cal.praise] == [("2026-11", 1, 0)]
    # October 1.5 h (one session); November 2 + 0.5 = 2.5 h (two); in all 4 h
    assert [(c.period, c.hours, c.sessions) for c in cal.learning] == [
        ("2026-10", 1.5, 1),
        ("2026-11", 2.5, 2),
    ]
    assert cal.learning_hours == 4.0
    # up to 31 October: the November praise and learning are not yet there
    early = career.career(billing, "B2", as_of=date(2026, 10, 31))
    assert early.praise == [] and [c.period for c in early.learning] == ["2026-10"]


def test_an_agent_the_roster_does_not_know(billing):
    assert career.career(billing, "NOPE", as_of=AS_OF) is None
