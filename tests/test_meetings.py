"""Leaders on the floor: the meetings kind, when a leader last met each team, and which
teams have not been met in six weeks (42 days ending on the day looked at)."""

from __future__ import annotations

from datetime import date

from cxmetrics.ingest import load_batch, undo_batch
from cxmetrics.meetings import last_visits

ROSTER = (
    "agent_id,agent_name,team_id,team_name\nA1,Ana,T1,Care\nB1,Ben,T2,Billing\nC1,Cy,T3,Help desk\n"
)
MEETINGS = (
    "date,team_id,leader,attendees,notes\n"
    "2026-09-30,T1,Priya Shah,6,\n"
    "2026-10-13,T2,Priya Shah,4,Listened to billing calls\n"
    "2026-11-10,T1,Tom Berg,8,Stand-up\n"
    "2026-11-10,T1,Priya Shah,8,\n"
    "2026-11-24,T1,Priya Shah,5,\n"
    "2026-11-02,T9,Priya Shah,,A team the roster does not name\n"
)


def _load(store, tmp_path, kind: str, content: str):
    path = tmp_path / f"{kind}.csv"
    path.write_text(content, encoding="utf-8")
    return load_batch(store, kind, path)


def _table(visits) -> list[tuple]:
    return [(v.team_id, v.team_name, v.last_met, v.leader, v.days_since, v.meetings, v.overdue)
            for v in visits]  # fmt: skip


def test_last_met_and_not_met_in_six_weeks(store, tmp_path):
    _load(store, tmp_path, "roster", ROSTER)
    report = _load(store, tmp_path, "meetings", MEETINGS)
    assert (report.loaded, report.rejected, report.duplicates) == (6, 0, 0)
    # As of 23 Nov: T3 never met (not met in six weeks); T2 last met 13 Oct, 23 Nov − 13 Oct
    # = 41 days (within the 42 days ending 23 Nov); T9 met 2 Nov, 21 days; T1 met 10 Nov by
    # both leaders, 13 days, 3 meetings so far (the one on 24 Nov comes later).
    assert _table(last_visits(store, date(2026, 11, 23))) == [
        ("T3", "Help desk", None, None, None, 0, True),
        ("T2", "Billing", date(2026, 10, 13), "Priya Shah", 41, 1, False),
        ("T9", "T9", date(2026, 11, 2), "Priya Shah", 21, 1, False),
        ("T1", "Care", date(2026, 11, 10), "Priya Shah, Tom Berg", 13, 3, False),
    ]
    # A day later T2's last meeting is 42 days back: not met in six weeks.
    a_day_later = {v.team_id: v for v in last_visits(store, date(2026, 11, 24))}
    assert (a_day_later["T2"].days_since, a_day_later["T2"].overdue) == (42, True)
    assert (a_day_later["T1"].last_met, a_day_later["T1"].leader) == (date(2026, 11, 24),
                                                                      "Priya Shah")  # fmt: skip
    only_t2 = last_visits(store, date(2026, 11, 23), team="T2")
    assert _table(only_t2) == [("T2", "Billing", date(2026, 10, 13), "Priya Shah", 41, 1, False)]


def test_a_meeting_loaded_twice_is_a_duplicate_and_undo_takes_it_out(store, tmp_path):
    first = _load(store, tmp_path, "meetings", MEETINGS)
    again = _load(
        store, tmp_path, "meetings", "date,team,leader\n2026-10-13,T2,Priya Shah\n"
    )  # the same meeting (date, team and leader), another file
    assert (again.loaded, again.duplicates) == (0, 1)
    undo_batch(store, first.batch_id)
    assert store.scalar("SELECT count(*) FROM meetings") == 0
    assert _table(last_visits(store, date(2026, 11, 23))) == []
