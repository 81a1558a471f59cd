"""Teams over time: a roster upload never rewrites the past (issue #11, "Teams over time").

The issue's example, worked by hand (`moved`): teams TA and TB; Ana (A1) and Bea (A2) in
TA, Cal (B1) in TB. Facts on the Monday of last week (the ISO week before today's) and
today; every agent-day with contacts has its adherence row, so occupancy's top and bottom
come from the same agent-days however they are matched.

                 contacts (handle s)   adherence min: scheduled  in adh.  logged  available
  last week A1   600, 600                             480        456      480     20
            A2   1200, 1200                           480        384      480      1
            B1   300                                  480        480      480    100
  today     A2   600                                  480        240      480     50
            B1   300                                  480        480      480    100

Survey answers: A2 NPS 10 last week and 9 today (both praise Bea by name), B1 NPS 6 last
week. Then a roster moves Bea to TB with no effective_from: from today on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from cxmetrics.cli import main
from cxmetrics.comments import comments
from cxmetrics.config import Settings
from cxmetrics.ingest import load_batch, undo_batch, undo_impact
from cxmetrics.metrics.engine import breakdown, scorecard, trend
from cxmetrics.org import list_agents
from cxmetrics.periods import parse_period, period_containing
from cxmetrics.recognition import find_praise, stars
from cxmetrics.store import Store, membership
from tests.fixtures.known_answer import AGENTS, TEAMS
from tests.test_store import team_rollup, team_rollup_from_scratch

ROSTER = "agent_id,agent_name,team_id,team_name\n"
FIRST_ROSTER = ROSTER + "A1,Ana Alves,TA,Alpha\nA2,Bea Brown,TA,Alpha\nB1,Cal Cruz,TB,Beta\n"
MOVE_BEA = ROSTER + "A2,Bea Brown,TB,Beta\n"
INTERACTIONS = "interaction_id,started_at,agent_id,wait_seconds,handle_seconds,abandoned\n"
ADHERENCE = (
    "agent_id,date,scheduled_minutes,in_adherence_minutes,logged_in_minutes,available_minutes\n"
)
SURVEYS = "response_id,responded_at,respondent_type,agent_id,nps,comment\n"


def _write(folder, name: str, content: str):
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def _load(store, folder, kind: str, name: str, content: str, **kw):
    report = load_batch(store, kind, _write(folder, name, content), **kw)
    assert report.rejected == 0, report.rejected_sample
    return report


class Moved:
    """The store of the module docstring, before the move, with its dates."""

    def __init__(self, store: Store, folder):
        self.store, self.folder = store, folder
        self.today = datetime.now(store.settings.tz).date()
        self.this_week = period_containing(self.today, "week")
        self.last_week = self.this_week.previous()
        monday, today = self.last_week.start, self.today
        _load(store, folder, "roster", "roster.csv", FIRST_ROSTER)
        _load(
            store,
            folder,
            "interactions",
            "interactions.csv",
            INTERACTIONS
            + f"a1,{monday} 09:00,A1,5,600,false\na2,{monday} 09:10,A1,5,600,false\n"
            + f"b1,{monday} 10:00,A2,5,1200,false\nb2,{monday} 10:30,A2,5,1200,false\n"
            + f"c1,{monday} 11:00,B1,5,300,false\n"
            + f"b3,{today} 00:00,A2,5,600,false\nc2,{today} 00:00,B1,5,300,false\n",
        )
        _load(
            store,
            folder,
            "adherence",
            "adherence.csv",
            ADHERENCE
            + f"A1,{monday},480,456,480,20\nA2,{monday},480,384,480,1\n"
            + f"B1,{monday},480,480,480,100\n"
            + f"A2,{today},480,240,480,50\nB1,{today},480,480,480,100\n",
        )
        _load(
            store,
            folder,
            "surveys",
            "surveys.csv",
            SURVEYS
            + f"r1,{monday} 12:00,customer,A2,10,Bea was wonderful thank you\n"
            + f"r2,{monday} 12:00,customer,B1,6,\n"
            + f"r3,{today} 00:00,customer,A2,9,Bea was great thanks\n",
        )
        _load(
            store,
            folder,
            "targets",
            "targets.csv",
            "metric_id,team_id,target,effective_from\nnps,TA,10,2020-01-01\nnps,TB,60,2020-01-01\n",
        )

    def line(self, period, team=None, agent=None, metric="aht"):
        return scorecard(self.store, period, team=team, agent=agent).by_id()[metric]

    def cards(self) -> dict:
        """Every scorecard of both weeks: org, each team, each agent."""
        return {
            (p.label, team, agent): scorecard(self.store, p, team=team, agent=agent).to_dict()
            for p in (self.last_week, self.this_week)
            for team, agent in (
                (None, None), ("TA", None), ("TB", None), (None, "A1"), (None, "A2"), (None, "B1")
            )
        }  # fmt: skip


@pytest.fixture
def moved(tmp_path):
    store = Store(Settings(db_url=f"duckdb:///{tmp_path / 'moved.duckdb'}", stars_min_n=1))
    yield Moved(store, tmp_path)
    store.close()


# ---------------------------------------------------------------- the example


def test_a_move_without_a_date_leaves_last_weeks_team_numbers_alone(moved):
    lw, tw = moved.last_week, moved.this_week
    ta_last_week = scorecard(moved.store, lw, team="TA").to_dict()
    org = {p.label: scorecard(moved.store, p).to_dict() for p in (lw, tw)}
    # Last week's TA before the move: occupancy (1200 + 2400) s / 60 = 60 min handled against
    # 20 + 1 min available = 60 / 81; AHT 3600 s / 4; adherence (456 + 384) / 960.
    assert moved.line(lw, "TA", metric="occupancy").value == pytest.approx(100 * 60 / 81)
    assert moved.line(lw, "TA").value == pytest.approx(900)
    assert moved.line(lw, "TA", metric="adherence").value == pytest.approx(87.5)

    report = _load(moved.store, moved.folder, "roster", "move.csv", MOVE_BEA)
    assert (report.loaded, report.duplicates) == (1, 0)

    # Unchanged (a roster that rewrote the past gave 20 / 40 = 50.0 %, 600 s and 95 %).
    assert scorecard(moved.store, lw, team="TA").to_dict() == ta_last_week
    assert moved.line(lw, "TA", metric="occupancy").value == pytest.approx(74.074, abs=1e-3)
    # Last week's TB is still Cal alone: 5 min handled / (5 + 100); AHT 300 s.
    assert moved.line(lw, "TB", metric="occupancy").value == pytest.approx(100 * 5 / 105)
    assert moved.line(lw, "TB").value == pytest.approx(300)
    # This week, from the load day, Bea's rows are TB's: AHT (600 + 300) / 2; occupancy
    # (10 + 5) / (15 + 50 + 100); adherence (240 + 480) / 960. TA has nothing left.
    assert moved.line(tw, "TB").value == pytest.approx(450)
    assert moved.line(tw, "TB", metric="occupancy").value == pytest.approx(100 * 15 / 165)
    assert moved.line(tw, "TB", metric="adherence").value == pytest.approx(75)
    assert moved.line(tw, "TA").value is None
    assert moved.line(tw, "TA", metric="adherence").value is None
    # The org does not depend on teams.
    assert {p.label: scorecard(moved.store, p).to_dict() for p in (lw, tw)} == org
    # Team breakdown and team scorecard agree; the team rollup is what the rule gives.
    by_team = breakdown(moved.store, lw, "team")
    assert [m.to_dict() for m in by_team["TA"]] == ta_last_week["metrics"]
    assert team_rollup(moved.store) == team_rollup_from_scratch(moved.store)


def test_the_dry_run_and_the_load_say_which_facts_move(moved):
    dry = load_batch(
        moved.store, "roster", _write(moved.folder, "move.csv", MOVE_BEA), dry_run=True
    )
    # Bea's rows from today on: c… b3 (one contact), r3 (one answer), one adherence day.
    expected = (
        f"1 interaction, 1 survey response and 1 adherence day move from TA to TB "
        f"(from {moved.today.isoformat()})"
    )
    assert f"team numbers restated: {expected}" in dry.warnings
    assert dry.moves == [
        {
            "from_team": "TA",
            "to_team": "TB",
            "since": moved.today,
            "interactions": 1,
            "responses": 1,
            "adherence_days": 1,
        }
    ]
    assert moved.store.scalar("SELECT count(*) FROM agent_team_changes") == 3  # nothing written
    report = load_batch(moved.store, "roster", moved.folder / "move.csv")
    assert report.moves == dry.moves and f"team numbers restated: {expected}" in report.warnings


def test_the_team_of_an_agent_follows_the_date_everywhere(moved):
    lw, tw = moved.last_week, moved.this_week
    _load(moved.store, moved.folder, "roster", "move.csv", MOVE_BEA)
    # Targets: an agent is judged against the team they were in on the period's last day.
    assert moved.line(lw, agent="A2", metric="nps").target == 10
    assert moved.line(tw, agent="A2", metric="nps").target == 60
    agent_rows = breakdown(moved.store, lw, "agent", team="TA")
    assert sorted(agent_rows) == ["A1", "A2"]
    assert {m.id: m.target for m in agent_rows["A2"]}["nps"] == 10
    trend_targets = trend(moved.store, tw, count=2, agent="A2").query("metric == 'nps'")
    assert list(trend_targets["target"]) == [10, 60]
    # Who was in a team during a period; the roster now.
    names = lambda frame: list(frame["name"])  # noqa: E731
    assert names(list_agents(moved.store, "TA", first=lw.start, last=lw.end)) == [
        "Ana Alves",
        "Bea Brown",
    ]
    assert names(list_agents(moved.store, "TB", first=lw.start, last=lw.end)) == ["Cal Cruz"]
    assert names(list_agents(moved.store, "TB", first=moved.today, last=moved.today)) == [
        "Bea Brown",
        "Cal Cruz",
    ]
    assert names(list_agents(moved.store, "TA")) == ["Ana Alves"]
    # Comments: a response's team is its agent's on the day it was answered.
    assert list(comments(moved.store, lw.start, lw.end, team="TA")[0]["response_id"]) == ["r1"]
    assert comments(moved.store, moved.today, moved.today, team="TA")[1] == 0
    assert list(comments(moved.store, moved.today, moved.today, team="TB")[0]["response_id"]) == [
        "r3"
    ]
    # Praise and stars: Bea is TA's last week and TB's this week.
    last = find_praise(moved.store, lw.start, lw.end)
    assert list(zip(last["agent_id"], last["team_id"], last["team_name"], strict=True)) == [
        ("A2", "TA", "Alpha")
    ]
    now = find_praise(moved.store, moved.today, moved.today, team="TB")
    assert list(zip(now["agent_id"], now["team_id"], strict=True)) == [("A2", "TB")]
    assert find_praise(moved.store, moved.today, moved.today, team="TA").empty
    assert [(s.agent_id, s.team_id) for s in stars(moved.store, lw)] == [
        ("A2", "TA"),
        ("B1", "TB"),
    ]
    assert [(s.agent_id, s.team_id) for s in stars(moved.store, tw)] == [("A2", "TB")]


def test_undoing_the_move_gives_back_every_number(moved):
    before = moved.cards()
    history = moved.store.rows("SELECT * FROM agent_teams ORDER BY ALL")
    report = _load(moved.store, moved.folder, "roster", "move.csv", MOVE_BEA)
    assert moved.cards() != before
    undo = undo_batch(moved.store, report.batch_id)
    assert "1 interaction, 1 survey response and 1 adherence day move from TB to TA" in undo.message
    assert moved.cards() == before
    assert moved.store.rows("SELECT * FROM agent_teams ORDER BY ALL") == history
    assert team_rollup(moved.store) == team_rollup_from_scratch(moved.store)


# ---------------------------------------------------------------- corrections (known fixture)

W44, W45 = parse_period("2026-W44"), parse_period("2026-W45")


def _roster(tmp_path, name: str, rows: list[tuple[str, str, str]]) -> object:
    """A roster file of the known fixture's agents: (agent, team, effective_from) rows."""
    names = {a[0]: a[1] for a in AGENTS} | {"A9": "Nine Newcomer"}
    team_names = {t[0]: t[1] for t in TEAMS}
    body = "".join(f"{a},{names[a]},{t},{team_names[t]},{d}\n" for a, t, d in rows)
    return _write(tmp_path, name, ROSTER.rstrip("\n") + ",effective_from\n" + body)


def _cards(store) -> dict:
    return {
        (p.label, team, agent): scorecard(store, p, team=team, agent=agent).to_dict()
        for p in (W44, W45)
        for team, agent in ((None, None), ("T1", None), ("T2", None), ("T3", None), (None, "A3"))
    }


def test_a_correction_dated_in_the_past_restates_only_its_dates(known_store, tmp_path):
    before = _cards(known_store)
    # A3 (T2 until now) was in T1 from 2026-11-02. A3's rows from that day on: 40 contacts
    # (30 quick, 10 slow, 11-05), r12..r16 (5 answers, 11-05), one adherence day (11-05);
    # its 40 contacts of 10-28 (W44) stay T2, and so do the abandons tagged T2.
    path = _roster(tmp_path, "fix.csv", [("A3", "T1", "2026-11-02")])
    move = {
        "from_team": "T2",
        "to_team": "T1",
        "since": date(2026, 11, 2),
        "interactions": 40,
        "responses": 5,
        "adherence_days": 1,
    }
    dry = load_batch(known_store, "roster", path, dry_run=True)
    assert dry.moves == [move]
    assert (
        "team numbers restated: 40 interactions, 5 survey responses and 1 adherence day move "
        "from T2 to T1 (from 2026-11-02)"
    ) in dry.warnings
    assert _cards(known_store) == before
    # A row that no full rebuild would keep: proves only the moved dates are rewritten.
    with known_store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO rollup_team_daily VALUES "
                "(DATE '2026-10-27', 'SENTINEL', 'surveys.responses', 1)"
            )
        )
    report = load_batch(known_store, "roster", path)
    assert report.moves == [move] and report.loaded == 1
    assert known_store.scalar("SELECT count(*) FROM rollup_team_daily WHERE team_id = 'SENTINEL'")
    with known_store.transaction() as conn:
        conn.execute(text("DELETE FROM rollup_team_daily WHERE team_id = 'SENTINEL'"))
    assert team_rollup(known_store) == team_rollup_from_scratch(known_store)

    after = _cards(known_store)
    t1 = {m["id"]: m for m in after[("2026-W45", "T1", None)]["metrics"]}
    t2 = {m["id"]: m for m in after[("2026-W45", "T2", None)]["metrics"]}
    # T1 W45 AHT: A1 300+400+200+500, A2 600+100 = 2100 s over 6, plus A3's 30×300 +
    # 10×600 = 15000 s over 40: 17100 / 46. Adherence: A1 432+456, A2 180, A3 468 over
    # 480+480+240+480: 1536 / 1680.
    assert t1["aht"]["value"] == pytest.approx(17100 / 46, abs=1e-4)
    assert t1["adherence"]["value"] == pytest.approx(100 * 1536 / 1680, abs=1e-4)
    # T2 W45 keeps its three abandons (tagged T2) and r21 (tagged T2, CSAT 5) only.
    assert (t2["abandon_rate"]["value"], t2["abandon_rate"]["n"]) == (100.0, 3)
    assert t2["aht"]["value"] is None and t2["nps"]["n"] == 0
    assert (t2["csat"]["value"], t2["csat"]["n"]) == (100.0, 1)
    # Before the correction's date nothing moved; the org never does.
    for key in before:
        if key[0] == "2026-W44" or key[1:] == (None, None):
            assert after[key] == before[key], key
    # A3's own numbers stay; its W45 targets are now T1's (NPS 20 in force, not the org's 35).
    a3_before = {m["id"]: m for m in before[("2026-W45", None, "A3")]["metrics"]}
    a3_after = {m["id"]: m for m in after[("2026-W45", None, "A3")]["metrics"]}
    assert {k: (m["value"], m["n"]) for k, m in a3_after.items()} == {
        k: (m["value"], m["n"]) for k, m in a3_before.items()
    }
    assert (a3_before["nps"]["target"], a3_after["nps"]["target"]) == (35, 20)

    undo = undo_batch(known_store, report.batch_id)
    assert "move from T1 to T2 (from 2026-11-02)" in undo.message
    assert _cards(known_store) == before
    assert team_rollup(known_store) == team_rollup_from_scratch(known_store)


def test_rows_that_repeat_the_history_are_duplicates_and_dated_ones_can_extend_it(
    known_store, tmp_path
):
    same = load_batch(
        known_store,
        "roster",
        _roster(tmp_path, "same.csv", [("A3", "T2", ""), ("A1", "T1", "2026-11-02")]),
    )
    assert (same.loaded, same.duplicates, same.moves) == (0, 2, [])
    load_batch(known_store, "roster", _roster(tmp_path, "a.csv", [("A3", "T1", "2026-11-02")]))
    inside = load_batch(
        known_store, "roster", _roster(tmp_path, "b.csv", [("A3", "T1", "2026-11-05")])
    )
    assert (inside.loaded, inside.duplicates) == (0, 1)  # T1 from 11-02 covers 11-05 on
    earlier = load_batch(
        known_store, "roster", _roster(tmp_path, "c.csv", [("A3", "T1", "2026-10-27")])
    )
    # W44's 40 contacts (10-28) now move too; no survey answer or adherence day of A3 there.
    assert earlier.loaded == 1
    assert earlier.moves == [
        {
            "from_team": "T2",
            "to_team": "T1",
            "since": date(2026, 10, 27),
            "interactions": 40,
            "responses": 0,
            "adherence_days": 0,
        }
    ]
    assert known_store.rows(
        "SELECT team_id, valid_from, valid_to FROM agent_teams WHERE agent_id = 'A3' ORDER BY 2"
    ) == [("T2", membership.SINCE_ALWAYS, date(2026, 10, 27)), ("T1", date(2026, 10, 27), None)]


def test_an_agents_first_team_takes_their_earlier_rows(known_store, tmp_path):
    # A9 was on no roster: i12 (11-05) and r22 (11-07) counted for the org only.
    report = load_batch(known_store, "roster", _roster(tmp_path, "a9.csv", [("A9", "T2", "")]))
    assert report.moves == [
        {
            "from_team": None,
            "to_team": "T2",
            "since": membership.SINCE_ALWAYS,
            "interactions": 1,
            "responses": 1,
            "adherence_days": 0,
        }
    ]
    assert (
        "1 interaction and 1 survey response move from no team to T2 (all dates)"
        in (report.warnings[-1])
    )
    assert scorecard(known_store, W45, team="T2").by_id()["responses"].n == 7  # r12..16, r21, r22


def test_undoing_a_middle_roster_replays_the_others(known_store, tmp_path):
    to_t1 = load_batch(
        known_store, "roster", _roster(tmp_path, "a.csv", [("A3", "T1", "2026-11-02")])
    )
    to_t3 = load_batch(
        known_store, "roster", _roster(tmp_path, "b.csv", [("A3", "T3", "2026-11-05")])
    )
    assert "1 later roster batch builds on it" in undo_impact(known_store, to_t1.batch_id)
    assert undo_impact(known_store, to_t3.batch_id) is None
    undo_batch(known_store, to_t1.batch_id)
    # As if only the T3 change had been loaded: T2 until 11-05, T3 from then on.
    assert known_store.rows(
        "SELECT team_id, valid_from, valid_to FROM agent_teams WHERE agent_id = 'A3' ORDER BY 2"
    ) == [("T2", membership.SINCE_ALWAYS, date(2026, 11, 5)), ("T3", date(2026, 11, 5), None)]
    assert known_store.scalar("SELECT team_id FROM agents WHERE agent_id = 'A3'") == "T3"
    assert team_rollup(known_store) == team_rollup_from_scratch(known_store)


def test_an_effective_date_in_the_future_is_rejected(known_store, tmp_path):
    tomorrow = datetime.now(known_store.settings.tz).date() + timedelta(days=1)
    report = load_batch(
        known_store, "roster", _roster(tmp_path, "f.csv", [("A3", "T1", tomorrow.isoformat())])
    )
    assert (report.loaded, report.rejected) == (0, 1)
    reason = report.rejected_sample[0][1]
    assert "effective_from" in reason and tomorrow.isoformat() in reason
    assert "in the future" in reason


# ---------------------------------------------------------------- undo warns first (#18)


def test_undoing_a_roster_that_later_data_names_warns_first(known_store, tmp_path):
    roster = load_batch(
        known_store,
        "roster",
        _write(tmp_path, "new.csv", ROSTER + "A7,Gus Green,T7,Gamma\n"),
    )
    facts = load_batch(
        known_store,
        "interactions",
        _write(
            tmp_path,
            "i.csv",
            INTERACTIONS
            + "g1,2026-11-03 09:00,A7,5,100,false\ng2,2026-11-03 09:05,A7,5,100,false\n",
        ),
    )
    warning = undo_impact(known_store, roster.batch_id)
    assert warning == (
        f"later data depends on batch {roster.batch_id}: 2 rows in 1 later batch name agents "
        "or teams it added (1 agent, 1 team). Undoing it takes what it added off the roster "
        "and restates team numbers: undo the later batches first, or undo it anyway"
    )
    assert undo_impact(known_store, facts.batch_id) is None  # facts: nothing builds on them
    undo_batch(known_store, facts.batch_id)
    assert undo_impact(known_store, roster.batch_id) is None  # nothing later names them now


def test_the_cli_refuses_with_one_line_and_changes_nothing(known_store, tmp_path, capsys):
    roster = load_batch(
        known_store, "roster", _write(tmp_path, "new.csv", ROSTER + "A7,Gus Green,T7,Gamma\n")
    )
    load_batch(
        known_store,
        "interactions",
        _write(tmp_path, "i.csv", INTERACTIONS + "g1,2026-11-03 09:00,A7,5,100,false\n"),
    )
    url = known_store.url
    tables = ("agents", "teams", "agent_teams", "agent_team_changes", "rollup_team_daily")
    before = {t: known_store.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    known_store.close()
    capsys.readouterr()
    assert main(["--db", url, "undo", roster.batch_id]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"cxmetrics: later data depends on batch {roster.batch_id}: 1 row")
    assert err.rstrip().endswith("or undo it anyway with --force")
    store = Store(Settings(db_url=url))
    assert {t: store.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in tables} == before
    store.close()
    assert main(["--db", url, "undo", roster.batch_id, "--force"]) == 0
    assert capsys.readouterr().out.startswith(f"undid batch {roster.batch_id} (roster)")


# ---------------------------------------------------------------- supervisor e-mail


def test_teams_keep_their_supervisors_email_and_undo_restores_it(known_store, tmp_path):
    header = "agent_id,team_id,supervisor,supervisor_email\n"
    first = load_batch(
        known_store, "roster", _write(tmp_path, "a.csv", header + "A1,T1,Dana,dana@example.com\n")
    )
    assert first.loaded == 1
    second = load_batch(
        known_store, "roster", _write(tmp_path, "b.csv", header + "A1,T1,Dana,dana@corp.example\n")
    )
    email = "SELECT supervisor_email FROM teams WHERE team_id = 'T1'"
    assert known_store.scalar(email) == "dana@corp.example"
    undo_batch(known_store, second.batch_id)
    assert known_store.scalar(email) == "dana@example.com"
    undo_batch(known_store, first.batch_id)
    assert known_store.scalar(email) is None


def test_fact_rows_keep_their_own_team(known_store, tmp_path):
    # A1 to T2 from 11-01. i05 and i06 carry T1 and no agent: they stay T1's, so T1's W45
    # contacts are i05, i06 and A2's i07, i08 (2 of 4 abandoned); r21 carries T2.
    load_batch(known_store, "roster", _roster(tmp_path, "a1.csv", [("A1", "T2", "2026-11-01")]))
    t1 = scorecard(known_store, W45, team="T1").by_id()
    assert (t1["abandon_rate"].value, t1["abandon_rate"].n) == (50.0, 4)
    t2 = scorecard(known_store, W45, team="T2").by_id()
    # T2: A3's 40 + a3x1..3 + A1's i01..i04 = 47 contacts; csat r01..r08 (7 answered)
    # + A3's 5 + r21 = 13 answers.
    assert (t2["abandon_rate"].n, t2["csat"].n) == (47, 13)
