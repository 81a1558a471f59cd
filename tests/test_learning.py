"""Learning (upload kind `learning`): loaded, rejected, undone like every kind, and learning
hours per agent among the business KPIs, worked out by hand on the known-answer fixture.

The fixture (tests/fixtures/known_answer.py): T1 has A1 and A2, T2 has A3, T3 (internal)
has A4, all since always and active; A9 is in no roster. W45 = 2026-11-02..08, W44 before.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from cxmetrics import learning
from cxmetrics.ingest import load_batch, undo_batch, undo_impact
from cxmetrics.metrics.engine import business_kpis
from cxmetrics.periods import parse_period

W45, W44 = parse_period("2026-W45"), parse_period("2026-W44")

LEARNING = """agent_id,date,hours,topic
A1,2026-11-03,1.5,De-escalation
A1,2026-11-05,2,Product update
A2,2026-11-04,0.5,Product update
A3,2026-11-06,3,
A9,2026-11-06,1,Product update
A1,2026-10-28,1,Billing system
A1,2026-11-03,1.5,De-escalation
A2,2026-11-05,25,Product update
A2,2026-11-05,-1,Product update
A2,2099-01-01,1,Product update
"""
# Lines 2–7 load; line 8 repeats line 2 (a duplicate); 9 is more than a day, 10 negative,
# 11 in the future (rejected).


@pytest.fixture
def loaded(known_store, tmp_path):
    path = tmp_path / "learning.csv"
    path.write_text(LEARNING, encoding="utf-8")
    report = load_batch(known_store, "learning", path)
    return known_store, report


def learning_line(store, period, team=None):
    lines = {k.id: k for k in business_kpis(store, period, team=team)}
    return lines.get("learning_hours")


def test_learning_rows_load_reject_and_count_duplicates(loaded):
    store, report = loaded
    assert (report.rows_in, report.loaded, report.rejected, report.duplicates) == (10, 6, 3, 1)
    assert report.unknown_agents == ["A9"]
    reasons = dict(store.rows("SELECT line_no, reason FROM rejected_rows ORDER BY line_no"))
    assert set(reasons) == {9, 10, 11}
    assert reasons[9] == (
        "\"hours\" is '25', more than the 24 hours of a day: give the hours of one day per row"
    )
    assert reasons[10].startswith("\"hours\" is '-1', below 0")
    assert "future" in reasons[11]
    rows = store.rows("SELECT agent_id, date, hours, topic FROM learning ORDER BY date, agent_id")
    assert [tuple(r) for r in rows] == [
        ("A1", date(2026, 10, 28), 1.0, "Billing system"),
        ("A1", date(2026, 11, 3), 1.5, "De-escalation"),
        ("A2", date(2026, 11, 4), 0.5, "Product update"),
        ("A1", date(2026, 11, 5), 2.0, "Product update"),
        ("A3", date(2026, 11, 6), 3.0, None),
        ("A9", date(2026, 11, 6), 1.0, "Product update"),
    ]


def test_the_same_file_twice_loads_nothing_and_a_dry_run_writes_nothing(loaded, tmp_path):
    store, _ = loaded
    again = tmp_path / "again.csv"
    again.write_text(LEARNING, encoding="utf-8")
    assert load_batch(store, "learning", again).loaded == 0
    other = tmp_path / "other.csv"
    other.write_text("agent_id,date,hours,topic\nA2,2026-11-06,2,Coaching\n", encoding="utf-8")
    dry = load_batch(store, "learning", other, dry_run=True)
    assert (dry.status, dry.loaded) == ("dry_run", 1)
    assert store.scalar("SELECT count(*) FROM learning") == 6


def test_learning_hours_per_agent_by_hand(loaded):
    store, _ = loaded
    # W45, organisation: 1.5 + 2 + 0.5 + 3 + 1 = 8 hours; agents: A1..A4 in a team during
    # the week, and A9 whose row counts: 5 → 8 / 5 = 1.6. W44: 1 hour (A1) / 4 agents.
    org = learning.hours_in(store, W45)
    assert (org.hours, org.agents, org.per_agent) == (8.0, 5, 1.6)
    assert learning.hours_in(store, W44).per_agent == 0.25
    line = learning_line(store, W45)
    assert line.label == "Learning hours per agent"
    assert (line.value, line.n, line.previous) == (1.6, 5, 0.25)
    assert line.delta == pytest.approx(1.35)
    assert line.change == "no test"  # never called a real change
    assert line.basis == "8.00 hours logged, 5 agents in scope"
    # T1: A1 1.5 + 2 and A2 0.5 = 4 hours over its 2 agents = 2.0; W44 1 / 2 = 0.5
    t1 = learning_line(store, W45, "T1")
    assert (t1.value, t1.n, t1.previous) == (2.0, 2, 0.5)
    # T2: A3's 3 hours over 1 agent; nothing in W44, so no previous value and no change
    t2 = learning_line(store, W45, "T2")
    assert (t2.value, t2.previous, t2.delta, t2.change) == (3.0, None, None, None)
    # T3 (A4) logged nothing in either week: no learning line at all
    assert learning_line(store, W45, "T3") is None


def test_a_learning_row_follows_the_agents_team_on_its_date(loaded, tmp_path):
    store, _ = loaded
    roster = tmp_path / "roster.csv"
    roster.write_text(  # A2 moves to T2 from 2026-11-05: the 11-04 session stays with T1
        "agent_id,agent_name,team_id,team_name,effective_from\n"
        "A2,Ben Brown,T2,Billing,2026-11-05\n",
        encoding="utf-8",
    )
    assert load_batch(store, "roster", roster).loaded == 1
    # T1: A1 3.5 + A2 0.5 = 4 hours; A1 and A2 were both in T1 during the week → 2.0
    assert learning.hours_in(store, W45, team="T1").per_agent == 2.0
    # T2: A3 3 hours; A3 and A2 (from the 5th) in it → 3 / 2 = 1.5
    assert learning.hours_in(store, W45, team="T2").per_agent == 1.5


def test_a_leaver_counts_only_with_learning_in_the_period(loaded):
    store, _ = loaded
    with store.transaction() as conn:
        conn.execute(text("UPDATE agents SET active = false WHERE agent_id IN ('A2', 'A4')"))
    # A4 left and logged nothing: out; A2 left but logged 0.5 h in W45: in.
    # 8 hours over A1, A2, A3, A9 = 2.0
    assert learning.hours_in(store, W45).per_agent == 2.0


def test_undo_takes_the_learning_rows_and_the_kpi_away(loaded):
    store, report = loaded
    assert learning_line(store, W45) is not None
    undo_batch(store, report.batch_id)
    assert store.scalar("SELECT count(*) FROM learning") == 0
    assert learning_line(store, W45) is None


def test_an_agents_sessions_newest_first(loaded):
    store, _ = loaded
    frame = learning.sessions(store, "A1")
    assert list(frame.itertuples(index=False, name=None)) == [
        (date(2026, 11, 5), 2.0, "Product update"),
        (date(2026, 11, 3), 1.5, "De-escalation"),
        (date(2026, 10, 28), 1.0, "Billing system"),
    ]
    assert learning.sessions(store, "A4").empty


def test_a_kpis_row_naming_learning_hours_is_rejected(store, tmp_path):
    path = tmp_path / "kpis.csv"
    path.write_text(
        "date,metric_id,team_id,value\n"
        "2026-11-16,learning_hours,T01,6\n"
        "2026-11-16,sales_per_fte,T01,4.2\n",
        encoding="utf-8",
    )
    report = load_batch(store, "kpis", path)
    assert (report.loaded, report.rejected) == (1, 1)
    reason = store.scalar("SELECT reason FROM rejected_rows")
    assert reason == (
        "\"metric_id\" is 'learning_hours', which is computed from the learning uploads: "
        "load those rows as kind learning instead"
    )


def test_undoing_a_roster_batch_warns_of_later_learning_naming_its_agents(known_store, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("agent_id,agent_name,team_id\nA7,Gus Green,T1\n", encoding="utf-8")
    added = load_batch(known_store, "roster", roster)
    path = tmp_path / "learning.csv"
    path.write_text("agent_id,date,hours,topic\nA7,2026-11-03,2,Induction\n", encoding="utf-8")
    sessions = load_batch(known_store, "learning", path)
    warning = undo_impact(known_store, added.batch_id)
    assert warning is not None and "1 row in 1 later batch name agents" in warning
    undo_batch(known_store, sessions.batch_id)
    assert undo_impact(known_store, added.batch_id) is None
