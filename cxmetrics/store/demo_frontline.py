"""The demo organisation's frontline voice: obstacles its staff raised (with the history of
each change) and leaders' meetings with its teams, as rows of the demo batch.

Dates count back from the demo's last day, so the default build tells a story on the
all-hands card: the billing team's callback tool still in the way (its callbacks-kept tile
says so), the knowledge-base gap the improving team had closed before its numbers rose,
things fixed in the last week, a won't-fix, and one team no leader has met in six weeks.
Built during `demo.build_demo` (its `demo_teams` table), in its transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, text

from cxmetrics.store.obstacles import rebuild

# (id, team number (of the demo's teams, wrapping), raised days before the last day, raised
# by, description, KPI, owner (None: the team's supervisor), [(status, days before the last
# day it changed, resolution)], in order)
OBSTACLES = [
    ("DEMO-01", 1, 75, "billing agent",
     "The callback tool drops the customer's number when a call is transferred",
     "callback_kept", None, [("in_progress", 60, None)]),
    ("DEMO-02", 2, 120, "tech support agent",
     "The knowledge base has no articles for the new router",
     "fcr", None, [("in_progress", 110, None),
                   ("resolved", 95, "Forty router articles written with the team")]),
    ("DEMO-03", 0, 20, "customer care agent", "Headsets crackle on long calls",
     "aht", "Facilities", [("resolved", 3, "New headsets for the whole team")]),
    ("DEMO-04", 5, 50, "retention agent",
     "Refunds wait for one person to approve them",
     "aht", None, [("in_progress", 30, None),
                   ("resolved", 5, "Team leads approve refunds up to 100 without asking")]),
    ("DEMO-05", 3, 25, "help desk analyst",
     "Password resets need a second login to the old portal",
     None, "IT", [("wont_fix", 12, "The old portal retires in January; resets move then")]),
    ("DEMO-06", 1, 40, "billing agent",
     "The phone menu sends billing questions to the sales queue",
     "transfer_rate", "Telephony", []),
    ("DEMO-07", 4, 30, "sales support agent",
     "The holiday rota comes out too late to swap shifts",
     "adherence", None, [("resolved", 10, "The rota is published six weeks ahead")]),
    ("DEMO-08", 5, 9, "retention agent", "The chat window logs agents out after an hour",
     None, None, []),
]  # fmt: skip
LEADERS = ("Priya Shah", "Tom Berg")
MEETING_EVERY = 21  # days between a leader's visits to a team
UNMET_TEAM = 4  # this team's visits stopped seven weeks before the last day
NOTES = (
    "Sat in on calls for an afternoon",
    "Stand-up with the team; asked what gets in the way",
    "Thanked the team for the week's praise",
)

_EVENT = """
INSERT INTO obstacle_events (obstacle_id, seq, raised_on, team_id, raised_by, description,
    metric_id, owner, status, resolved_on, resolution, from_status, changed_by, changed_at,
    batch_id)
VALUES (:obstacle_id, :seq, :raised_on, :team_id, :raised_by, :description, :metric_id,
    :owner, :status, :resolved_on, :resolution, :from_status, :changed_by, :changed_at,
    :batch_id)
"""
_MEETING = """
INSERT INTO meetings (date, team_id, leader, attendees, notes, batch_id)
VALUES (:date, :team_id, :leader, :attendees, :notes, :batch_id)
"""


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour))


def insert_frontline(conn: Connection, first_day: date, last_day: date, batch_id: str) -> int:
    """Add the demo's obstacles (each change an event, the register rebuilt) and meetings
    as batch `batch_id`; returns the rows added (events and meetings)."""
    teams = conn.execute(text("SELECT team_id, supervisor FROM demo_teams ORDER BY t")).all()
    events = []
    for obstacle_id, number, raised_ago, raiser, what, metric, owner, changes in OBSTACLES:
        team_id, supervisor = teams[number % len(teams)]
        raised_on = last_day - timedelta(days=raised_ago)
        state = {
            "obstacle_id": obstacle_id, "raised_on": raised_on, "team_id": team_id,
            "raised_by": f"a {raiser}", "description": what, "metric_id": metric,
            "owner": owner or supervisor, "status": "open", "resolved_on": None,
            "resolution": None, "from_status": None, "changed_by": supervisor,
            "changed_at": _at(raised_on, 9), "batch_id": batch_id,
        }  # fmt: skip
        events.append(dict(state))
        for status, ago, resolution in changes:
            day = last_day - timedelta(days=ago)
            closed = status in ("resolved", "wont_fix")
            state |= {
                "from_status": state["status"], "status": status,
                "resolved_on": day if closed else None, "resolution": resolution,
                "changed_at": _at(day, 16),
            }  # fmt: skip
            events.append(dict(state))
    for seq, event in enumerate(events, start=1):
        event["seq"] = seq
    if events:
        conn.execute(text(_EVENT), events)
        rebuild(conn)
    meetings = []
    for number, (team_id, _) in enumerate(teams):
        latest = last_day - timedelta(days=3 + number % 7)
        if number == UNMET_TEAM:
            latest = last_day - timedelta(days=49)
        visit, j = latest, 0
        while visit >= first_day:
            meetings.append(
                {"date": visit, "team_id": team_id, "leader": LEADERS[(number + j) % 2],
                 "attendees": str(5 + (number + j) % 5), "notes": NOTES[(number + j) % 3],
                 "batch_id": batch_id}
            )  # fmt: skip
            visit, j = visit - timedelta(days=MEETING_EVERY), j + 1
    if meetings:
        conn.execute(text(_MEETING), meetings)
    return len(events) + len(meetings)
