"""The demo organisation: deterministic, realistic, tells its story, and can be removed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from cxmetrics.demo import LEARNING_TOPICS, DemoSummary, build_demo, clear_demo, is_demo_only
from cxmetrics.store import is_empty, open_store

END = date(2026, 3, 29)  # a Sunday in the past
DATA_TABLES = (
    "teams",
    "agents",
    "interactions",
    "survey_responses",
    "adherence",
    "kpi_values",
    "targets",
    "obstacle_events",
    "meetings",
    "learning",
)
ROLLUP_TABLES = (
    "rollup_interactions", "rollup_surveys", "rollup_adherence", "rollup_team_daily",
    "rollup_org_daily",
)  # fmt: skip


def _open(path):
    return open_store(f"duckdb:///{path}")


def _fingerprint(store) -> dict[str, tuple]:
    """Row count and an order-independent checksum of every data table."""
    return {
        t: tuple(store.rows(f"SELECT count(*), sum(hash(x)) FROM {t} x")[0]) for t in DATA_TABLES
    }


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """30 agents over 4 weeks."""
    store = _open(tmp_path_factory.mktemp("small") / "d.duckdb")
    summary = build_demo(store, agents=30, weeks=4, seed=7, end=END)
    yield store, summary
    store.close()


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    """The default build (60 agents, 26 weeks): the one a leader presents."""
    store = _open(tmp_path_factory.mktemp("default") / "d.duckdb")
    summary = build_demo(store, end=END)
    yield store, summary
    store.close()


# --- determinism ----------------------------------------------------------------------------


def test_same_arguments_give_identical_rows(small, tmp_path):
    store, _ = small
    again = _open(tmp_path / "again.duckdb")
    build_demo(again, agents=30, weeks=4, seed=7, end=END)
    assert _fingerprint(again) == _fingerprint(store)
    ordered = "SELECT * FROM agents ORDER BY agent_id"
    assert again.rows(ordered) == store.rows(ordered)
    assert again.rows("SELECT * FROM teams ORDER BY team_id") == store.rows(
        "SELECT * FROM teams ORDER BY team_id"
    )
    again.close()


def test_another_seed_gives_other_data(small, tmp_path):
    store, _ = small
    other = _open(tmp_path / "other.duckdb")
    build_demo(other, agents=30, weeks=4, seed=8, end=END)
    mine, theirs = _fingerprint(store), _fingerprint(other)
    for table in (
        "agents", "interactions", "survey_responses", "adherence", "kpi_values", "learning",
    ):  # fmt: skip
        assert mine[table][1] != theirs[table][1], table
    other.close()


# --- shape and volumes ----------------------------------------------------------------------


def test_summary_and_batch_row(small):
    store, s = small
    assert isinstance(s, DemoSummary)
    assert (s.agents, s.teams) == (30, 3)
    assert s.first_day == date(2026, 3, 2) and s.first_day.isoweekday() == 1
    assert s.last_day == END
    assert s.seconds > 0
    counts = {t: store.scalar(f"SELECT count(*) FROM {t}") for t in DATA_TABLES}
    assert counts["interactions"] == s.interactions
    assert counts["survey_responses"] == s.responses
    assert counts["adherence"] == s.adherence_rows
    assert counts["kpi_values"] == s.kpi_values
    assert counts["learning"] == s.learning_rows
    assert counts["targets"] == 1
    batch = store.rows("SELECT * FROM upload_batches")
    assert len(batch) == 1
    b = batch[0]._mapping
    assert (b["batch_id"], b["kind"], b["filename"], b["sha256"]) == (
        "demo",
        "demo",
        "demo organisation",
        None,
    )
    assert (b["uploaded_by"], b["status"], b["rejected"], b["duplicates"]) == (
        "cxmetrics demo",
        "committed",
        0,
        0,
    )
    assert b["rows_in"] == b["loaded"] == sum(counts.values())
    for table in DATA_TABLES:
        assert (
            store.scalar(f"SELECT count(*) FROM {table} WHERE batch_id IS DISTINCT FROM 'demo'")
            == 0
        )
    assert not is_empty(store)


def test_volumes_per_agent_and_day(small):
    store, s = small
    # one adherence row per agent per working day (5 a week); a few agents leave
    assert 0.95 * 30 * 20 <= s.adherence_rows <= 30 * 20
    assert store.scalar(
        "SELECT count(*) FROM (SELECT agent_id, date FROM adherence GROUP BY ALL)"
    ) == (s.adherence_rows)
    per_day = s.interactions / s.adherence_rows
    assert 18 <= per_day <= 20
    answered = store.scalar("SELECT count(*) FROM interactions WHERE NOT abandoned")
    assert 0.08 <= s.responses / answered <= 0.12
    # everything inside the range, and only in the weeks asked for
    lo, hi = store.rows(
        "SELECT min(CAST(started_at AS DATE)), max(CAST(responded_at AS DATE))"
        " FROM interactions, (SELECT max(responded_at) AS responded_at FROM survey_responses)"
    )[0]
    assert lo >= s.first_day and hi <= s.last_day
    assert store.scalar("SELECT max(date) FROM adherence") <= s.last_day
    # abandoned contacts: no agent, the queue's team, no handle time
    bad = store.scalar(
        "SELECT count(*) FROM interactions WHERE abandoned"
        " AND (agent_id IS NOT NULL OR team_id IS NULL OR handle_seconds <> 0)"
    )
    assert bad == 0
    assert (
        store.scalar("SELECT count(*) FROM interactions WHERE NOT abandoned AND agent_id IS NULL")
        == 0
    )
    # keys are unique
    for table, key in (("interactions", "interaction_id"), ("survey_responses", "response_id")):
        assert store.scalar(f"SELECT count(DISTINCT {key}) = count(*) FROM {table}")
    # a response points at an answered contact of the same agent and team
    assert (
        store.scalar(
            "SELECT count(*) FROM survey_responses r JOIN interactions i USING (interaction_id)"
            " WHERE i.abandoned OR i.agent_id <> r.agent_id OR i.team_id <> r.team_id"
            " OR r.responded_at < i.started_at"
        )
        == 0
    )
    # score ranges and at least one score per response
    assert (
        store.scalar(
            "SELECT count(*) FROM survey_responses WHERE nps NOT BETWEEN 0 AND 10"
            " OR csat NOT BETWEEN 1 AND 5 OR ces NOT BETWEEN 1 AND 7"
            " OR (nps IS NULL AND csat IS NULL AND ces IS NULL)"
        )
        == 0
    )


def test_roster(default):
    store, s = default
    assert (s.agents, s.teams) == (60, 6)
    teams = store.rows("SELECT team_id, name, supervisor, function FROM teams ORDER BY team_id")
    assert [t.team_id for t in teams] == ["T01", "T02", "T03", "T04", "T05", "T06"]
    functions = [t.function for t in teams]
    assert functions.count("IT help desk (internal)") == 1
    assert len(set(functions)) == 6
    assert all(t.name and t.supervisor for t in teams)
    sizes = store.rows("SELECT count(*) AS n FROM agents GROUP BY team_id")
    assert {r.n for r in sizes} == {10}
    names = [r.name for r in store.rows("SELECT name FROM agents")]
    assert len(set(names)) == 60
    emails = store.rows("SELECT email FROM agents")
    assert all(r.email.endswith("@example.com") and r.email.isascii() for r in emails)
    assert store.scalar("SELECT count(DISTINCT email) FROM agents") == 60
    assert store.scalar("SELECT count(*) FILTER (WHERE active) FROM agents") >= 54
    assert store.scalar("SELECT max(hired_on) FROM agents") < s.first_day


def test_each_demo_agent_has_its_team_since_always(default):
    store, s = default
    # One change per agent (batch demo) and one open stretch in its roster team.
    assert (
        store.scalar(
            "SELECT count(*) FROM agent_team_changes c JOIN agents a USING (agent_id, team_id) "
            "WHERE c.batch_id = 'demo' AND c.effective_from IS NULL"
        )
        == s.agents
    )
    assert store.rows(
        "SELECT count(*), count(DISTINCT h.agent_id), min(h.valid_from), max(h.valid_from), "
        "count(h.valid_to) FROM agent_teams h JOIN agents a USING (agent_id, team_id) "
        "WHERE h.batch_id = 'demo'"
    ) == [(s.agents, s.agents, date(1, 1, 1), date(1, 1, 1), 0)]


def test_big_orgs_get_about_ten_agents_per_team(tmp_path):
    store = _open(tmp_path / "wide.duckdb")
    s = build_demo(store, agents=250, weeks=1, end=END)
    assert (s.agents, s.teams) == (250, 25)
    functions = [r.function for r in store.rows("SELECT function FROM teams ORDER BY team_id")]
    assert functions[:12] == functions[:6] * 2
    assert functions.count("IT help desk (internal)") == 4  # one in six
    assert store.scalar("SELECT count(DISTINCT name) FROM teams") == 25
    store.close()


# --- realistic values (default build) -------------------------------------------------------


def _rates(store, where: str = "TRUE") -> dict[str, float]:
    row = store.rows(
        f"""SELECT
            100.0 * sum(answered_within_t) / sum(answered + abandoned_after_t) AS sl,
            100.0 * sum(abandoned) / sum(offered) AS abandon,
            100.0 * sum(transferred) / sum(answered) AS transfer,
            100.0 * sum(fcr_known) / sum(answered) AS fcr_known,
            100.0 * sum(fcr_resolved) / sum(fcr_known) AS fcr,
            100.0 * sum(callback_promised) / sum(answered) AS promised,
            100.0 * sum(callback_kept) / sum(callback_promised) AS kept,
            100.0 * sum(repeat_followed) / sum(repeat_eligible) AS repeat,
            sum(handle_seconds) / sum(answered) AS aht
        FROM rollup_interactions WHERE {where}"""
    )[0]
    return dict(row._mapping)


def _nps(store, where: str = "TRUE") -> float:
    return store.scalar(
        "SELECT 100.0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6))"
        f" / count(nps) FROM survey_responses WHERE {where}"
    )


def test_service_numbers_look_real(default):
    store, _ = default
    r = _rates(store)
    assert 75 <= r["sl"] <= 85
    assert 3 <= r["abandon"] <= 8
    assert 8 <= r["transfer"] <= 14  # the callback team pulls it up
    assert 77 <= r["fcr_known"] <= 83
    assert 68 <= r["fcr"] <= 80
    assert 4 <= r["promised"] <= 8
    assert 10 <= r["repeat"] <= 14
    assert 250 <= r["aht"] <= 600
    waits = store.rows(
        "SELECT quantile_cont(wait_seconds, 0.5) AS p50, max(wait_seconds) AS top"
        " FROM interactions WHERE NOT abandoned"
    )[0]
    assert waits.p50 < 20 and waits.top > 180
    channels = {r.channel for r in store.rows("SELECT DISTINCT channel FROM interactions")}
    assert channels == {"phone", "chat", "email"}
    adh = store.rows(
        "SELECT 100 * sum(in_adherence_minutes) / sum(scheduled_minutes) AS adherence,"
        " 100 * sum(logged_in_minutes) / sum(scheduled_minutes) AS conformance,"
        " 100 * sum(available_minutes) / sum(logged_in_minutes) AS available,"
        " min(scheduled_minutes) AS lo, max(scheduled_minutes) AS hi FROM adherence"
    )[0]
    assert 88 <= adh.adherence <= 93
    assert 97 <= adh.conformance <= 102
    assert 3 <= adh.available <= 8  # idle time: occupancy lands near its 85 % target
    assert (adh.lo, adh.hi) == (450, 480)


def test_survey_numbers_look_real(default):
    store, _ = default
    customers = "respondent_type = 'customer'"
    assert 25 <= _nps(store, customers) <= 40
    csat = store.scalar(
        f"SELECT 100.0 * count(*) FILTER (WHERE csat >= 4) / count(csat) FROM survey_responses"
        f" WHERE {customers}"
    )
    ces = store.scalar(
        f"SELECT 100.0 * count(*) FILTER (WHERE ces >= 5) / count(ces) FROM survey_responses"
        f" WHERE {customers}"
    )
    assert 80 <= csat <= 88
    assert 65 <= ces <= 75
    # scores move together (one latent satisfaction)
    assert store.scalar(f"SELECT corr(nps, csat) FROM survey_responses WHERE {customers}") > 0.5
    # some responses skip csat or ces; about 40 % leave a comment
    row = store.rows(
        "SELECT count(*) FILTER (WHERE csat IS NULL) AS no_csat,"
        " count(*) FILTER (WHERE ces IS NULL) AS no_ces,"
        " 100.0 * count(comment) / count(*) AS commented"
        f" FROM survey_responses WHERE {customers}"
    )[0]
    assert row.no_csat > 0 and row.no_ces > 0
    assert 35 <= row.commented <= 45
    # colleagues answer for the internal help desk only, with NPS only
    internal = store.rows(
        "SELECT DISTINCT r.team_id, t.function FROM survey_responses r JOIN teams t USING (team_id)"
        " WHERE r.respondent_type = 'colleague'"
    )
    assert [(r.team_id, r.function) for r in internal] == [("T04", "IT help desk (internal)")]
    assert (
        store.scalar(
            "SELECT count(*) FROM survey_responses WHERE respondent_type = 'colleague'"
            " AND (csat IS NOT NULL OR ces IS NOT NULL OR nps IS NULL)"
        )
        == 0
    )
    assert 10 <= _nps(store, "respondent_type = 'colleague'") <= 35


# --- the story ------------------------------------------------------------------------------


def test_improving_team(default):
    store, s = default
    first = f"team_id = 'T03' AND responded_at < DATE '{s.first_day + timedelta(days=28)}'"
    last = f"team_id = 'T03' AND responded_at >= DATE '{s.last_day - timedelta(days=27)}'"
    early, late = _nps(store, first), _nps(store, last)
    assert early <= 15
    assert late >= 30
    assert late - early > 20
    half = s.first_day + timedelta(days=7 * 13)
    fcr_early = _rates(store, f"team_id = 'T03' AND date < DATE '{half}'")["fcr"]
    fcr_late = _rates(store, f"team_id = 'T03' AND date >= DATE '{s.last_day - timedelta(27)}'")[
        "fcr"
    ]
    assert fcr_early < 62 and fcr_late > 78


def test_callback_team(default):
    store, _ = default
    mine = _rates(store, "team_id = 'T02'")
    others = store.rows(
        "SELECT team_id, 100.0 * sum(callback_kept) / sum(callback_promised) AS kept"
        " FROM rollup_interactions WHERE team_id <> 'T02' GROUP BY team_id"
    )
    assert mine["kept"] < 75
    assert all(r.kept > 88 for r in others)
    assert 20 <= mine["transfer"] <= 30
    assert mine["abandon"] > _rates(store, "team_id <> 'T02'")["abandon"]
    complaints = store.scalar(
        "SELECT count(*) FROM survey_responses WHERE team_id = 'T02' AND nps <= 6"
        " AND (comment ILIKE '%promised a call back%' OR comment ILIKE '%transferred three times%')"
    )
    assert complaints >= 20


def test_praise_names_the_agent(default):
    store, _ = default
    named = store.rows(
        "SELECT r.comment, a.name FROM survey_responses r JOIN agents a USING (agent_id)"
        " WHERE r.nps >= 9 AND contains(lower(strip_accents(r.comment)),"
        " lower(strip_accents(split_part(a.name, ' ', 1))))"
    )
    assert len(named) >= 50
    assert any(r.name.split()[0] in r.comment for r in named)  # as written
    assert any(r.name.split()[0].lower() in r.comment for r in named)  # lower case
    assert any(r.name in r.comment for r in named)  # the full name
    # a few promoters name a teammate instead of the agent who handled the contact
    teammates = store.scalar(
        "SELECT count(*) FROM survey_responses r JOIN agents a USING (agent_id)"
        " JOIN agents o ON o.team_id = a.team_id AND o.agent_id <> a.agent_id"
        " WHERE r.nps >= 9 AND r.comment LIKE '%' || split_part(o.name, ' ', 1) || '%'"
        " AND r.comment NOT LIKE '%' || split_part(a.name, ' ', 1) || '%'"
        " AND split_part(o.name, ' ', 1) <> split_part(a.name, ' ', 1)"
    )
    assert 5 <= teammates <= len(named) / 3


def test_comments_for_redaction_and_security(default):
    store, _ = default
    detractors = "FROM survey_responses WHERE nps <= 6 AND"
    emails = store.scalar(
        f"SELECT count(*) {detractors} regexp_matches(comment, '[a-z0-9._]+@example\\.com')"
    )
    phones = store.scalar(
        f"SELECT count(*) {detractors}"
        " regexp_matches(comment, '\\+44 7700 900\\d{3}|555-01\\d{2}|07700 900\\d{3}')"
    )
    assert emails >= 10 and phones >= 10
    assert (
        store.scalar(
            "SELECT count(*) FROM survey_responses"
            " WHERE comment LIKE '%<img src=x onerror=alert(1)>%'"
        )
        == 1
    )
    assert (
        store.scalar("SELECT count(*) FROM survey_responses WHERE comment LIKE '=HYPERLINK(%'") == 1
    )


def test_business_kpis_and_target_override(default):
    store, s = default
    kpis = {
        r.metric_id: r
        for r in store.rows(
            "SELECT metric_id, count(*) AS n, count(DISTINCT team_id) AS teams, min(value) AS lo,"
            " max(value) AS hi, avg(value) AS mean, max(isodow(date)) AS last_dow"
            " FROM kpi_values GROUP BY metric_id"
        )
    }
    # learning hours are computed from the learning table, never uploaded as a finished KPI
    assert set(kpis) == {"sales_per_fte", "quality_score"}
    working_days = 26 * 5
    assert kpis["quality_score"].n == 6 * working_days
    assert kpis["sales_per_fte"].n == 5 * working_days  # the internal help desk sells nothing
    assert 3 <= kpis["sales_per_fte"].mean <= 8
    assert kpis["quality_score"].lo >= 0 and kpis["quality_score"].hi <= 100
    targets = store.rows("SELECT metric_id, team_id, target, effective_from FROM targets")
    assert [tuple(t) for t in targets] == [("inps", "T04", 25.0, s.first_day)]


def test_learning_sessions(default):
    store, s = default
    assert s.learning_rows == store.scalar("SELECT count(*) FROM learning")
    # one session at most per agent and working day, half an hour to three hours in halves
    assert store.scalar("SELECT count(*) = count(DISTINCT (agent_id, date)) FROM learning")
    assert (
        store.scalar("SELECT count(*) FROM learning WHERE hours NOT IN (0.5, 1, 1.5, 2, 2.5, 3)")
        == 0
    )
    worked = store.scalar(
        "SELECT count(*) FROM learning l WHERE NOT EXISTS (SELECT 1 FROM adherence a "
        "WHERE a.agent_id = l.agent_id AND a.date = l.date)"
    )
    assert worked == 0  # sessions fall on days the agent worked
    topics = {r[0] for r in store.rows("SELECT DISTINCT topic FROM learning")}
    assert topics == set(LEARNING_TOPICS)
    # about one working day in eight: 60 agents work about 26 × 5 days each, less leavers
    days = store.scalar("SELECT count(*) FROM adherence")
    assert 0.10 * days <= s.learning_rows <= 0.15 * days


# --- rollups, clearing, refusing -------------------------------------------------------------


def test_rollups_match_raw(default):
    store, _ = default
    checks = [
        ("SELECT sum(offered) FROM rollup_interactions", "SELECT count(*) FROM interactions"),
        (
            "SELECT sum(answered) FROM rollup_interactions",
            "SELECT count(*) FROM interactions WHERE NOT abandoned",
        ),
        ("SELECT sum(responses) FROM rollup_surveys", "SELECT count(*) FROM survey_responses"),
        (
            "SELECT sum(promoters) FROM rollup_surveys",
            "SELECT count(*) FROM survey_responses WHERE respondent_type = 'customer' AND nps >= 9",
        ),
        ("SELECT sum(agent_days) FROM rollup_adherence", "SELECT count(*) FROM adherence"),
        (
            "SELECT sum(scheduled_minutes) FROM rollup_adherence",
            "SELECT sum(scheduled_minutes) FROM adherence",
        ),
    ]
    for rollup, raw in checks:
        assert store.scalar(rollup) == store.scalar(raw), rollup


def test_frontline_voice(default):
    from cxmetrics.meetings import last_visits
    from cxmetrics.obstacles import you_said_we_did
    from cxmetrics.periods import parse_period

    store, _ = default
    # The last week (23 – 29 Mar): the headsets (3 days before the end, 26 Mar) and the
    # refund approvals (5 days, 24 Mar) resolved; the billing team's callback tool (raised
    # 75 days before, 14 Jan) and phone menu (40 days, 18 Feb) and the retention team's chat
    # logouts (9 days, 20 Mar) still open.
    week = you_said_we_did(store, parse_period("2026-W13"), today=END)
    assert [(r.obstacle_id, r.resolved_on) for r in week.resolved_in_period] == [
        ("DEMO-04", date(2026, 3, 24)), ("DEMO-03", date(2026, 3, 26)),
    ]  # fmt: skip
    assert [(o.obstacle_id, o.team_id, o.age_days) for o in week.open] == [
        ("DEMO-01", "T02", 75), ("DEMO-06", "T02", 40), ("DEMO-08", "T06", 9),
    ]  # fmt: skip
    assert week.open_by_metric() == {"callback_kept": 1, "transfer_rate": 1}
    history = store.rows(
        "SELECT from_status, status FROM obstacle_events WHERE obstacle_id = 'DEMO-02' ORDER BY seq"
    )
    assert [tuple(h) for h in history] == [
        (None, "open"), ("open", "in_progress"), ("in_progress", "resolved"),
    ]  # fmt: skip
    # Every team visited every three weeks, T05 not for the last seven.
    visits = {v.team_id: v for v in last_visits(store, END)}
    assert [t for t, v in visits.items() if v.overdue] == ["T05"]
    assert visits["T05"].days_since == 49
    assert all(v.days_since <= 9 for t, v in visits.items() if t != "T05")


def test_refuses_to_build_twice(small):
    store, _ = small
    before = _fingerprint(store)
    with pytest.raises(ValueError, match="cxmetrics undo demo"):
        build_demo(store, agents=30, weeks=4, end=END)
    assert _fingerprint(store) == before


def test_refuses_a_store_with_real_data(tmp_path):
    store = _open(tmp_path / "real.duckdb")
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO upload_batches VALUES ('b1', 'surveys', 'x.csv', NULL, 'me',"
                " TIMESTAMP '2026-03-01 10:00:00', 1, 1, 0, 0, 'committed')"
            )
        )
    with pytest.raises(ValueError, match="empty store"):
        build_demo(store, agents=5, weeks=1, end=END)
    assert store.scalar("SELECT count(*) FROM agents") == 0
    store.close()


def test_bad_arguments(tmp_path):
    store = _open(tmp_path / "args.duckdb")
    with pytest.raises(ValueError, match="Sunday"):
        build_demo(store, agents=5, weeks=1, end=date(2026, 3, 27))
    with pytest.raises(ValueError, match="future"):
        build_demo(
            store,
            agents=5,
            weeks=1,
            end=date.today() + timedelta(days=14 - date.today().isoweekday()),
        )
    with pytest.raises(ValueError, match="at least 1"):
        build_demo(store, agents=0, weeks=1, end=END)
    assert is_empty(store)
    store.close()


def test_clear_demo_empties_the_store_and_allows_a_rebuild(tmp_path):
    store = _open(tmp_path / "clear.duckdb")
    first = build_demo(store, agents=12, weeks=2, end=END)
    clear_demo(store)
    for table in (
        *DATA_TABLES, *ROLLUP_TABLES, "rejected_rows", "recognitions", "agent_teams",
        "agent_team_changes", "obstacles",
    ):  # fmt: skip
        assert store.scalar(f"SELECT count(*) FROM {table}") == 0, table
    # the batch stays listed as undone, so the app does not bring the demo back by itself
    assert store.rows("SELECT batch_id, status FROM upload_batches") == [("demo", "undone")]
    assert not is_empty(store) and not is_demo_only(store)
    again = build_demo(store, agents=12, weeks=2, end=END)
    assert again.interactions == first.interactions
    store.close()


def test_clear_demo_keeps_uploaded_data(tmp_path):
    store = _open(tmp_path / "mixed.duckdb")
    build_demo(store, agents=12, weeks=1, end=END)
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO upload_batches VALUES ('b1', 'surveys', 'x.csv', NULL, 'me',"
                " TIMESTAMP '2026-03-30 10:00:00', 1, 1, 0, 0, 'committed')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO survey_responses (response_id, responded_at, respondent_type, nps,"
                " batch_id) VALUES ('r1', TIMESTAMP '2026-03-25 09:00:00', 'customer', 10, 'b1')"
            )
        )
    clear_demo(store)
    assert store.rows("SELECT batch_id, status FROM upload_batches ORDER BY 1") == [
        ("b1", "committed"),
        ("demo", "undone"),
    ]
    assert store.rows("SELECT response_id FROM survey_responses") == [("r1",)]
    assert store.scalar("SELECT sum(responses) FROM rollup_surveys") == 1
    assert store.scalar("SELECT count(*) FROM interactions") == 0
    assert store.scalar("SELECT count(*) FROM rollup_interactions") == 0
    store.close()
