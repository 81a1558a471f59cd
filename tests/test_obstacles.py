"""Obstacles: the register loaded as a kind, changes kept with who and when, status as of a
day, "you said, we did" on a hand-made register (resolved in a week and in a month, open
as of a date, ages, by team), edits by hand, undo, and `cxmetrics obstacles --json`."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from cxmetrics.cli import INGEST_KINDS, main
from cxmetrics.ingest import KINDS, load_batch, undo_batch
from cxmetrics.ingest.obstacle_edit import record_change
from cxmetrics.obstacles import next_obstacle_id, register, tile_note, you_said_we_did
from cxmetrics.periods import parse_period

HEADER = (
    "obstacle_id,raised_on,team_id,raised_by,description,metric_id,owner,status,resolved_on,"
    "resolution\n"
)
# The hand-made register (ISO weeks: W45 is 2 – 8 Nov 2026, W46 9 – 15, W47 16 – 22).
REGISTER = HEADER + (
    "O1,2026-10-01,T1,A1,Callback tool loses numbers,callback_kept,Ann,resolved,2026-11-04,"
    "Tool fixed\n"
    "O2,2026-10-20,T1,A2,Refund script unclear,aht,Ann,resolved,2026-11-20,New script\n"
    "O3,2026-10-26,T2,B1,Menu routes billing to sales,transfer_rate,Bo,in_progress,,\n"
    "O4,2026-11-03,T2,B2,Old portal needs a second login,,Bo,wont_fix,2026-11-06,"
    "Portal retires in January\n"
    "O5,2026-11-05,T1,A1,Headset shortage,aht,,open,,\n"
    "O6,2026-11-10,T3,C1,Holiday rota late,,Cy,resolved,2026-11-12,Rota published\n"
)
TODAY = date(2026, 11, 28)


def _load(store, tmp_path, content: str, name: str = "obstacles.csv", **kw):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    report = load_batch(store, "obstacles", path, **kw)
    assert report.rows_in == report.loaded + report.rejected + report.duplicates
    return report


@pytest.fixture
def hand_made(store, tmp_path):
    report = _load(store, tmp_path, REGISTER, uploaded_by="Ann")
    assert (report.loaded, report.rejected, report.duplicates) == (6, 0, 0)
    return store


def _ids(items) -> list[str]:
    return [item.obstacle_id for item in items]


def test_a_week_resolved_open_at_its_end_with_ages_and_by_team(hand_made):
    # W45 (2 – 8 Nov), counted on 8 Nov: O6 is not raised yet. O1 resolved on 4 Nov (in
    # the week). O2 closes only on 20 Nov: open on 8 Nov, 8 Nov − 20 Oct = 19 days. O3 in
    # progress since 26 Oct: 13 days. O4 won't fix on 6 Nov: closed, in neither list. O5
    # raised 5 Nov: 3 days. By team: T1 has O2 and O5 (oldest 19), T2 has O3 (13).
    report = you_said_we_did(hand_made, parse_period("2026-W45"), today=TODAY)
    assert report.as_of == date(2026, 11, 8)
    assert _ids(report.resolved_in_period) == ["O1"]
    done = report.resolved_in_period[0]
    assert (done.resolved_on, done.resolution) == (date(2026, 11, 4), "Tool fixed")
    assert done.team_id == "T1"
    assert [(o.obstacle_id, o.age_days, o.status) for o in report.open] == [
        ("O2", 19, "open"),  # its only change closes it later: open until then
        ("O3", 13, "in_progress"),
        ("O5", 3, "open"),
    ]
    assert report.to_dict()["by_team"] == {
        "T1": {"open": 2, "oldest_days": 19},
        "T2": {"open": 1, "oldest_days": 13},
    }
    assert report.open_by_metric() == {"aht": 2, "transfer_rate": 1}


def test_a_month_resolved_and_open_at_its_end(hand_made):
    # November, counted on 28 Nov (today, the month still running): resolved O1 (4 Nov),
    # O6 (12 Nov), O2 (20 Nov); O4 is won't fix (not "we did"). Open: O3 28 Nov − 26 Oct =
    # 33 days, O5 28 Nov − 5 Nov = 23 days.
    report = you_said_we_did(hand_made, parse_period("2026-11"), today=TODAY)
    assert report.as_of == TODAY
    assert _ids(report.resolved_in_period) == ["O1", "O6", "O2"]
    assert [(o.obstacle_id, o.age_days) for o in report.open] == [("O3", 33), ("O5", 23)]
    assert report.to_dict()["by_team"] == {
        "T1": {"open": 1, "oldest_days": 23},
        "T2": {"open": 1, "oldest_days": 33},
    }


def test_other_weeks_and_a_running_one(hand_made):
    # W46 (to 15 Nov): O6 resolved 12 Nov; O2 open 26 days, O3 20, O5 10.
    w46 = you_said_we_did(hand_made, parse_period("2026-W46"), today=TODAY)
    assert _ids(w46.resolved_in_period) == ["O6"]
    assert [(o.obstacle_id, o.age_days) for o in w46.open] == [("O2", 26), ("O3", 20), ("O5", 10)]
    # W47 (to 22 Nov): O2 resolved 20 Nov; O3 27 days, O5 17.
    w47 = you_said_we_did(hand_made, parse_period("2026-W47"), today=TODAY)
    assert _ids(w47.resolved_in_period) == ["O2"]
    assert [(o.obstacle_id, o.age_days) for o in w47.open] == [("O3", 27), ("O5", 17)]
    # W48 (23 – 29 Nov) seen on 25 Nov: ages run to today, 30 and 20 days.
    w48 = you_said_we_did(hand_made, parse_period("2026-W48"), today=date(2026, 11, 25))
    assert w48.as_of == date(2026, 11, 25) and not w48.resolved_in_period
    assert [(o.obstacle_id, o.age_days) for o in w48.open] == [("O3", 30), ("O5", 20)]
    # Before anything was raised: nothing at all.
    early = you_said_we_did(hand_made, parse_period("2026-W39"), today=TODAY)
    assert (early.resolved_in_period, early.open, early.by_team) == ([], [], {})


def test_one_team(hand_made):
    report = you_said_we_did(hand_made, parse_period("2026-11"), team="T1", today=TODAY)
    assert _ids(report.resolved_in_period) == ["O1", "O2"]
    assert [(o.obstacle_id, o.age_days) for o in report.open] == [("O5", 23)]
    assert report.to_dict()["by_team"] == {"T1": {"open": 1, "oldest_days": 23}}


def test_a_later_file_moves_a_status_on_and_keeps_who_and_when(hand_made, tmp_path):
    update = HEADER + (
        "O5,2026-11-05,T1,A1,Headset shortage,aht,Dee,resolved,2026-11-27,Headsets ordered\n"
        "O3,2026-10-26,T2,B1,Menu routes billing to sales,transfer_rate,Bo,in_progress,,\n"
        "O5,2026-11-05,T1,A1,Headset shortage,aht,Dee,resolved,2026-11-27,Headsets ordered\n"
    )
    dry = _load(hand_made, tmp_path, update, dry_run=True)
    assert (dry.status, dry.loaded, dry.duplicates) == ("dry_run", 1, 2)
    assert register(hand_made).set_index("obstacle_id").loc["O5", "status"] == "open"
    report = _load(hand_made, tmp_path, update, uploaded_by="Dee")
    assert (report.loaded, report.rejected, report.duplicates) == (1, 0, 2)
    assert report.duplicate_sample == [
        (3, "already in the register as it is: nothing changed"),
        (4, "the same obstacle as line 2: nothing changed"),
    ]
    now = register(hand_made).set_index("obstacle_id")
    assert (now.loc["O5", "status"], now.loc["O5", "owner"], now.loc["O5", "changed_by"]) == (
        "resolved", "Dee", "Dee",
    )  # fmt: skip
    events = hand_made.rows(
        "SELECT from_status, status, changed_by, batch_id FROM obstacle_events "
        "WHERE obstacle_id = 'O5' ORDER BY seq"
    )
    batch_ids = [r.batch_id for r in events]
    assert [tuple(r)[:3] for r in events] == [(None, "open", "Ann"), ("open", "resolved", "Dee")]
    assert batch_ids[1] == report.batch_id != batch_ids[0]
    # November now: O5 resolved on 27 Nov too; O3 the only one open.
    month = you_said_we_did(hand_made, parse_period("2026-11"), today=TODAY)
    assert _ids(month.resolved_in_period) == ["O1", "O6", "O2", "O5"]
    assert _ids(month.open) == ["O3"]
    # Undo the update: O5 is open again, its first change is all that is left.
    undo_batch(hand_made, report.batch_id)
    assert register(hand_made).set_index("obstacle_id").loc["O5", "status"] == "open"
    assert hand_made.scalar("SELECT count(*) FROM obstacle_events WHERE obstacle_id = 'O5'") == 1
    assert _ids(you_said_we_did(hand_made, parse_period("2026-11"), today=TODAY).open) == [
        "O3", "O5",
    ]  # fmt: skip


def test_a_file_may_carry_an_obstacles_history_line_by_line(store, tmp_path):
    history = HEADER + (
        "H1,2026-11-02,T1,A1,Queue board frozen,,Ann,open,,\n"
        "H1,2026-11-02,T1,A1,Queue board frozen,,Ann,in progress,,\n"
        "H1,2026-11-02,T1,A1,Queue board frozen,,Ann,Resolved,2026-11-09,Board replaced\n"
    )
    report = _load(store, tmp_path, history)
    assert (report.loaded, report.duplicates) == (3, 0)
    statuses = store.rows("SELECT from_status, status FROM obstacle_events ORDER BY seq")
    assert [tuple(r) for r in statuses] == [
        (None, "open"), ("open", "in_progress"), ("in_progress", "resolved"),
    ]  # fmt: skip
    w45 = you_said_we_did(store, parse_period("2026-W45"), today=TODAY)
    w46 = you_said_we_did(store, parse_period("2026-W46"), today=TODAY)
    assert (_ids(w45.open), _ids(w46.resolved_in_period)) == (["H1"], ["H1"])


def test_rows_that_break_the_rules_are_rejected_with_a_reason(store, tmp_path):
    bad = HEADER + (
        "R1,2026-11-02,T1,,Resolved without a day,,,resolved,,\n"
        "R2,2026-11-02,T1,,Open with a closing day,,,open,2026-11-04,\n"
        "R3,2026-11-05,T1,,Closed before raised,,,wont_fix,2026-11-01,\n"
        "R4,2026-11-02,T1,,Unknown metric,handle_time,,open,,\n"
        "R5,2026-11-02,T1,,,aht,,open,,\n"
        "R6,2026-11-02,T1,,Odd status,,,closed,,\n"
        "R7,2026-11-02,T1,,Won't fix spelled as people write it,,,Won't fix,2026-11-03,\n"
    )
    report = _load(store, tmp_path, bad)
    assert (report.loaded, report.rejected) == (1, 6)
    reasons = dict(report.rejected_sample)
    assert reasons[2] == (
        '"status" is \'resolved\' but "resolved_on" is empty: give the day it was closed '
        "(YYYY-MM-DD)"
    )
    assert reasons[3] == (
        '"resolved_on" is given but "status" is \'open\': set "status" to resolved or '
        'wont_fix, or empty "resolved_on"'
    )
    assert reasons[4] == (
        "\"resolved_on\" is '2026-11-01', before \"raised_on\" '2026-11-05': an obstacle is "
        "closed on or after the day it was raised"
    )
    assert reasons[5].startswith("\"metric_id\" is 'handle_time', not a metric of the registry: ")
    assert "aht" in reasons[5] and "sales_per_fte" in reasons[5]
    assert reasons[6] == '"description" is empty: fill it in (every row needs one)'
    assert reasons[7].startswith("\"status\" is 'closed': use open or in_progress")
    assert register(store)["obstacle_id"].tolist() == ["R7"]
    assert register(store)["status"].tolist() == ["wont_fix"]


def test_edits_by_hand_are_batches_kept_with_who_and_when(store):
    assert next_obstacle_id(store) == "OB-001"
    raised = {
        "obstacle_id": "OB-001",
        "raised_on": date(2026, 11, 3),
        "team_id": "T1",
        "raised_by": "A1",
        "description": "Chat widget logs agents out",
        "metric_id": "aht",
        "owner": None,
        "status": "open",
    }
    first = record_change(store, raised, changed_by="Sam", now=datetime(2026, 11, 3, 9, 0))
    assert (first.changed, first.from_status, first.status) == (True, None, "open")
    assert next_obstacle_id(store) == "OB-002"
    same = record_change(store, raised, changed_by="Sam", now=datetime(2026, 11, 3, 9, 5))
    assert (same.changed, same.batch_id) == (False, None)
    resolved = {**raised, "owner": "Kim", "status": "resolved", "resolved_on": date(2026, 11, 10),
                "resolution": "Session timeout raised to 8 hours"}  # fmt: skip
    done = record_change(store, resolved, changed_by="Kim", now=datetime(2026, 11, 10, 16, 0))
    assert (done.changed, done.from_status, done.status) == (True, "open", "resolved")
    events = store.rows(
        "SELECT from_status, status, changed_by, changed_at FROM obstacle_events ORDER BY seq"
    )
    assert [tuple(e) for e in events] == [
        (None, "open", "Sam", datetime(2026, 11, 3, 9, 0)),
        ("open", "resolved", "Kim", datetime(2026, 11, 10, 16, 0)),
    ]
    ledger = store.rows(
        "SELECT kind, filename, uploaded_by, rows_in, loaded FROM upload_batches "
        "WHERE batch_id = :b",
        {"b": done.batch_id},
    )
    assert [tuple(r) for r in ledger] == [("obstacles", "Obstacles page", "Kim", 1, 1)]
    w46 = you_said_we_did(store, parse_period("2026-W46"), today=TODAY)
    assert _ids(w46.resolved_in_period) == ["OB-001"]
    # An edit that breaks a rule says which, and writes nothing.
    with pytest.raises(ValueError, match='"resolved_on" is empty: give the day it was closed'):
        record_change(store, {**resolved, "resolved_on": None}, changed_by="Kim")
    with pytest.raises(ValueError, match="unknown obstacle field"):
        record_change(store, {**raised, "colour": "red"}, changed_by="Kim")
    assert store.scalar("SELECT count(*) FROM obstacle_events") == 2
    # The resolution can be undone like any batch.
    undo_batch(store, done.batch_id)
    assert register(store)["status"].tolist() == ["open"]


def test_a_reopened_obstacle_keeps_its_earlier_resolution_in_the_past(hand_made):
    # O1 was resolved on 4 Nov; reopened by hand on 20 Nov.
    o1 = register(hand_made, redacted=False).set_index("obstacle_id").loc["O1"]
    state = {k: o1[k] for k in ("raised_on", "team_id", "raised_by", "description",
                                "metric_id", "owner")}  # fmt: skip
    reopened = record_change(
        hand_made, {**state, "obstacle_id": "O1", "status": "open"}, changed_by="Ann",
        now=datetime(2026, 11, 20, 8, 30),
    )  # fmt: skip
    assert (reopened.from_status, reopened.status) == ("resolved", "open")
    # W45 still says it was resolved then; W46 (to 15 Nov) has it closed, in neither list;
    # W47 (to 22 Nov) has it open again: 22 Nov − 1 Oct = 52 days.
    w45 = you_said_we_did(hand_made, parse_period("2026-W45"), today=TODAY)
    assert _ids(w45.resolved_in_period) == ["O1"]
    w46 = you_said_we_did(hand_made, parse_period("2026-W46"), today=TODAY)
    assert "O1" not in _ids(w46.open) + _ids(w46.resolved_in_period)
    w47 = you_said_we_did(hand_made, parse_period("2026-W47"), today=TODAY)
    assert ("O1", 52) in [(o.obstacle_id, o.age_days) for o in w47.open]


def test_descriptions_are_redacted_on_the_card(store, tmp_path):
    _load(store, tmp_path, HEADER + (
        "P1,2026-11-02,T1,,Customer on +44 20 7946 0958 cannot get a callback,,,open,,\n"
    ))  # fmt: skip
    shown = you_said_we_did(store, parse_period("2026-W45"), today=TODAY).open[0].description
    assert "7946" not in shown and "cannot get a callback" in shown
    stored = you_said_we_did(store, parse_period("2026-W45"), today=TODAY, redacted=False)
    assert "+44 20 7946 0958" in stored.open[0].description


def test_tile_note_wording():
    assert tile_note(2, "Avg handle time") == "2 open obstacles on avg handle time"
    assert tile_note(1, "NPS") == "1 open obstacle on NPS"


def test_the_cli_offers_every_kind():
    assert INGEST_KINDS == KINDS


def test_obstacles_json_has_the_issues_shape(tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    db = ["--db", f"duckdb:///{tmp_path / 'cli.duckdb'}"]
    assert main([*db, "ingest", "obstacles", str(path), "--user", "Ann"]) == 0
    capsys.readouterr()
    assert main([*db, "obstacles", "--period", "2026-W45", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == {
        "period": "2026-W45",
        "resolved_in_period": [
            {"obstacle_id": "O1", "team_id": "T1", "description": "Callback tool loses numbers",
             "metric_id": "callback_kept", "owner": "Ann", "resolved_on": "2026-11-04",
             "resolution": "Tool fixed"},
        ],
        "open": [
            {"obstacle_id": "O2", "team_id": "T1", "description": "Refund script unclear",
             "metric_id": "aht", "owner": "Ann", "status": "open", "raised_on": "2026-10-20",
             "age_days": 19},
            {"obstacle_id": "O3", "team_id": "T2", "description": "Menu routes billing to sales",
             "metric_id": "transfer_rate", "owner": "Bo", "status": "in_progress",
             "raised_on": "2026-10-26", "age_days": 13},
            {"obstacle_id": "O5", "team_id": "T1", "description": "Headset shortage",
             "metric_id": "aht", "owner": None, "status": "open", "raised_on": "2026-11-05",
             "age_days": 3},
        ],
        "by_team": {"T1": {"open": 2, "oldest_days": 19}, "T2": {"open": 1, "oldest_days": 13}},
    }  # fmt: skip
    assert main([*db, "obstacles", "--period", "2026-W47", "--team", "T2"]) == 0
    human = capsys.readouterr().out.splitlines()
    # W47 ends on 22 Nov: O3 raised 26 Oct is 27 days old; no T2 obstacle resolved then.
    assert human == [
        "You said, we did: 2026-W47, team T2",
        "Resolved in 2026-W47: 0",
        "Open on 2026-11-22: 1",
        "  O3 (T2) in progress, 27 days, owner Bo: Menu routes billing to sales",
        "  team T2: 1 open, the oldest 27 days",
    ]
    assert main([*db, "obstacles", "--team", "NOPE"]) == 2
    assert "team `NOPE` is not in the roster nor in the obstacles register" in (
        capsys.readouterr().err
    )
