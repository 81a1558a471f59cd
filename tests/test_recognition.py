"""Recognition: service stars (known answers), praise that names an agent, thank-you loop."""

from __future__ import annotations

import ast
import json
import re
from datetime import date, datetime, timedelta
from itertools import count
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from cxmetrics import comments as comments_module
from cxmetrics import demo as demo_module
from cxmetrics import recognition as rec
from cxmetrics.comments import comments
from cxmetrics.config import Settings
from cxmetrics.metrics import stats
from cxmetrics.periods import parse_period
from cxmetrics.store import open_store, rollups

WEEK = parse_period("2026-W45")  # Mon 2026-11-02 .. Sun 2026-11-08
PREVIOUS = WEEK.previous()  # 2026-W44
_ids = count(1)

TEAMS = [
    ("T1", "Customer Care", "Dana", "customer service"),
    ("T2", "Billing", "Eli", "billing"),
    ("T3", "IT Help Desk", "Fay", "IT help desk (internal)"),
]
# (agent_id, name, team_id, nickname)
AGENTS = [
    ("A01", "Ana Alves", "T1", None),
    ("A02", "José Pérez", "T1", None),
    ("A03", "Tomás Novák", "T2", None),
    ("A04", "Will Turner", "T1", None),
    ("A05", "Grace Kim", "T2", None),
    ("A06", "Maria Silva", "T1", None),
    ("A07", "Maria Santos", "T2", None),
    ("A08", "Beatriz Costa", "T2", "Bea"),
    ("A09", "Dev Das", "T3", None),
    ("A10", "Anastasia Ivanova", "T1", None),
    ("A11", "María López", "T2", None),
    ("A12", "Zoe Quinn", "T1", None),
    ("A13", "Hope Adams", "T2", None),
    ("A14", "Chase Park", "T1", None),
]


def insert_org(store, agents=AGENTS) -> None:
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO teams (team_id, name, supervisor, function, batch_id) "
                "VALUES (:t, :n, :s, :f, 'test')"
            ),
            [dict(zip("tnsf", row, strict=True)) for row in TEAMS],
        )
        conn.execute(
            text(
                "INSERT INTO agents (agent_id, name, team_id, active, nickname, batch_id) "
                "VALUES (:a, :n, :t, true, :k, 'test')"
            ),
            [dict(zip("antk", row, strict=True)) for row in agents],
        )
        # Each agent in its team since always (as a first roster load says).
        conn.execute(
            text(
                "INSERT INTO agent_teams (agent_id, team_id, valid_from, batch_id) "
                "VALUES (:a, :t, DATE '0001-01-01', 'test')"
            ),
            [{"a": row[0], "t": row[2]} for row in agents],
        )


def response(
    agent: str | None,
    nps: int | None,
    comment: str | None = None,
    *,
    day: date | None = None,
    csat: int | None = None,
    kind: str = "customer",
    team: str | None = None,
) -> dict:
    rid = f"R{next(_ids):05d}"
    return {
        "response_id": rid,
        "responded_at": datetime.combine(day or WEEK.start + timedelta(days=2), datetime.min.time())
        + timedelta(hours=10, minutes=next(_ids) % 600),
        "respondent_type": kind,
        "team_id": team,
        "agent_id": agent,
        "nps": nps,
        "csat": csat,
        "comment": comment,
    }


def insert_responses(store, rows: list[dict]) -> None:
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO survey_responses (response_id, responded_at, respondent_type, "
                "team_id, agent_id, nps, csat, comment, batch_id) VALUES (:response_id, "
                ":responded_at, :respondent_type, :team_id, :agent_id, :nps, :csat, :comment, "
                "'test')"
            ),
            rows,
        )
        rollups.rebuild(conn, store.settings, ("surveys",))


def scores(
    agent: str,
    promoters: int,
    passives: int,
    detractors: int,
    *,
    day: date | None = None,
    kind: str = "customer",
) -> list[dict]:
    """Responses without comments: `promoters` 10s, `passives` 8s, `detractors` 0s."""
    return [
        response(agent, nps, day=day, kind=kind)
        for nps, k in ((10, promoters), (8, passives), (0, detractors))
        for _ in range(k)
    ]


def lower_bound(promoters: int, passives: int, detractors: int) -> float:
    return stats.nps_interval(promoters, detractors, promoters + passives + detractors)[0]


@pytest.fixture
def org(store):
    insert_org(store)
    return store


@pytest.fixture
def open_min_n(tmp_path):
    """A store whose stars need only one answer (to show the lower bound doing the work)."""
    url = f"duckdb:///{tmp_path / 'min1.duckdb'}"
    s = open_store(url, settings=Settings(db_url=url, stars_min_n=1))
    insert_org(s)
    yield s
    s.close()


# ============================================================================ service stars


def test_two_perfect_answers_lose_to_seventy_over_eighty(open_min_n):
    store = open_min_n
    insert_responses(
        store,
        scores("A01", 2, 0, 0)  # +100 over 2
        + scores("A02", 60, 16, 4)  # +70 over 80
        + scores("A03", 19, 5, 1),  # +72 over 25: higher score, wider interval
    )
    found = rec.stars(store, WEEK)
    assert [s.agent_id for s in found] == ["A02", "A03", "A01"]
    a02 = found[0]
    assert a02.metric == "nps" and a02.n == 80 and a02.value == pytest.approx(70.0)
    assert a02.ci_low == pytest.approx(lower_bound(60, 16, 4))
    assert a02.ci_high == pytest.approx(stats.nps_interval(60, 4, 80)[1])
    assert found[1].value == pytest.approx(72.0) and found[1].ci_low < a02.ci_low
    assert found[2].value == pytest.approx(100.0) and found[2].ci_low < 0
    assert (a02.name, a02.team_id, a02.team_name) == ("José Pérez", "T1", "Customer Care")


def test_below_stars_min_n_is_never_a_star(org):
    assert org.settings.stars_min_n == 20
    insert_responses(org, scores("A01", 19, 0, 0) + scores("A02", 12, 4, 4))
    found = rec.stars(org, WEEK)
    assert [s.agent_id for s in found] == ["A02"]
    assert found[0].n == 20


def test_ties_broken_by_n_then_agent_id(org):
    # All detractors: every lower bound is clipped to -100, so only n and the id decide.
    insert_responses(
        org,
        scores("A05", 0, 0, 20)
        + scores("A03", 0, 0, 20)
        + scores("A06", 0, 0, 25)
        + scores("A01", 15, 5, 0),
    )
    found = rec.stars(org, WEEK, limit=10)
    assert [s.agent_id for s in found] == ["A01", "A06", "A03", "A05"]
    assert {s.ci_low for s in found[1:]} == {-100.0}
    assert [s.agent_id for s in rec.stars(org, WEEK, limit=2)] == ["A01", "A06"]


def test_internal_team_agents_are_ranked_on_colleague_inps(org):
    insert_responses(
        org,
        scores("A09", 22, 2, 1, kind="colleague")  # iNPS +84 over 25
        + scores("A09", 0, 0, 30)  # customers of an internal agent do not count
        + scores("A01", 20, 10, 0),
    )
    found = {s.agent_id: s for s in rec.stars(org, WEEK)}
    dev = found["A09"]
    assert (dev.metric, dev.n, dev.value) == ("inps", 25, pytest.approx(84.0))
    assert dev.ci_low == pytest.approx(lower_bound(22, 2, 1))
    assert found["A01"].metric == "nps"


def test_team_scope(org):
    insert_responses(org, scores("A01", 20, 0, 0) + scores("A03", 25, 0, 0))
    assert [s.agent_id for s in rec.stars(org, WEEK, team="T2")] == ["A03"]
    assert [s.agent_id for s in rec.stars(org, WEEK, team="T1")] == ["A01"]
    assert rec.stars(org, WEEK, team="T3") == []


def test_stars_on_an_empty_store(store):
    assert rec.stars(store, WEEK) == []
    assert rec.most_improved(store, WEEK) == []
    assert rec.best_team_change(store, WEEK) is None
    assert rec.find_praise(store, WEEK.start, WEEK.end).empty


def test_most_improved_needs_a_significant_rise(org):
    before, after = PREVIOUS.start + timedelta(days=1), WEEK.start + timedelta(days=1)
    insert_responses(
        org,
        # A01: 0 -> +60 over 40 each: significant
        scores("A01", 10, 20, 10, day=before)
        + scores("A01", 26, 12, 2, day=after)
        # A02: +40 -> +45: not significant
        + scores("A02", 20, 16, 4, day=before)
        + scores("A02", 20, 18, 2, day=after)
        # A03: big rise, but too few answers last week
        + scores("A03", 2, 5, 5, day=before)
        + scores("A03", 30, 0, 0, day=after)
        # A05: a significant fall
        + scores("A05", 30, 10, 0, day=before)
        + scores("A05", 5, 15, 20, day=after),
    )
    found = rec.most_improved(org, WEEK)
    assert [i.agent_id for i in found] == ["A01"]
    a01 = found[0]
    z = stats.z_test(60.0, stats.nps_se(26, 2, 40), 0.0, stats.nps_se(10, 10, 40))
    assert (a01.previous, a01.value, a01.delta) == (0.0, pytest.approx(60.0), pytest.approx(60.0))
    assert a01.p_value == pytest.approx(z[1]) and a01.p_value < 0.05
    assert a01.previous_n == 40 and a01.n == 40

    team = rec.best_team_change(org, WEEK)
    # T1 = A01 + A02 + the rest: 30/36/14 of 80 -> 46/30/4 of 80; T2 fell.
    assert team is not None and team.team_id == "T1" and team.metric == "nps"
    assert team.previous == pytest.approx(100 * (30 - 14) / 80)
    assert team.value == pytest.approx(100 * (46 - 4) / 80)
    assert team.p_value < 0.05


def test_scores_are_the_scorecards_nps_to_the_last_digit(org):
    """Stars take NPS from metrics/stats, exactly as the scorecard does. A01: 1 promoter,
    15 passives, 4 detractors = 20 answers: 100·(1 − 4)/20 = −15 exactly. (Recomputed as
    100·(1/20 − 4/20) in pandas it came out −15.000000000000002.)"""
    insert_responses(org, scores("A01", 1, 15, 4))
    (star,) = rec.stars(org, WEEK)
    assert star.value == -15.0
    assert star.value == stats.nps_score(1, 4, 20)


def test_most_improved_scores_are_the_scorecards_nps(org):
    """Last week 0 promoters, 9 passives, 11 detractors: 100·(0 − 11)/20 = −55 exactly;
    this week 15 promoters, 5 passives: 100·15/20 = +75; the rise is 130. (The pandas
    recomputation made last week −55.00000000000001.)"""
    before, after = PREVIOUS.start + timedelta(days=1), WEEK.start + timedelta(days=1)
    insert_responses(org, scores("A01", 0, 9, 11, day=before) + scores("A01", 15, 5, 0, day=after))
    (a01,) = rec.most_improved(org, WEEK)
    assert (a01.previous, a01.value, a01.delta) == (-55.0, 75.0, 130.0)
    assert (a01.previous_n, a01.n) == (20, 20)
    # se last week 100·√((0.55 − 0.3025)/20) ≈ 11.12, this week 100·√((0.75 − 0.5625)/20)
    # ≈ 9.68: z = 130/√(11.12² + 9.68²) ≈ 8.8, far beyond 1.96.
    z = stats.z_test(75.0, stats.nps_se(15, 0, 20), -55.0, stats.nps_se(0, 11, 20))
    assert z[0] == pytest.approx(8.8, abs=0.05) and a01.p_value == pytest.approx(z[1])


# ============================================================================ praise: names


def praise_of(store, rows: list[dict], **kwargs):
    insert_responses(store, rows)
    return rec.find_praise(store, WEEK.start, WEEK.end, **kwargs)


def named(frame, response_id: str) -> list:
    return sorted(frame.loc[frame["response_id"] == response_id, "agent_id"].dropna())


def test_accents_and_case_both_ways(org):
    rows = [
        response("A02", 10, "jose was great, thank you!"),  # roster José, comment plain
        response("A03", 9, "TOMAS sorted it quickly, brilliant"),
        response("A12", 10, "Zoë was fantastic"),  # roster Zoe, comment Zoë
        response("A03", 10, "Thanks to tomás for the help, really kind"),
    ]
    frame = praise_of(org, rows)
    assert named(frame, rows[0]["response_id"]) == ["A02"]
    assert named(frame, rows[1]["response_id"]) == ["A03"]
    assert named(frame, rows[2]["response_id"]) == ["A12"]
    assert named(frame, rows[3]["response_id"]) == ["A03"]
    assert set(frame["mention"]) == {"jose", "TOMAS", "Zoë", "tomás"}


def test_word_boundaries(org):
    rows = [
        response("A01", 10, "Banana bread for everyone, great service!"),
        response("A01", 10, "Anastasia was lovely"),
        response("A01", 10, "Ana's help was excellent"),
        response("A01", 10, "Great job (Ana) - thanks"),
    ]
    frame = praise_of(org, rows)
    assert named(frame, rows[0]["response_id"]) == []
    assert named(frame, rows[1]["response_id"]) == ["A10"]
    assert named(frame, rows[2]["response_id"]) == ["A01"]
    assert named(frame, rows[3]["response_id"]) == ["A01"]


def test_ordinary_word_names(org):
    rows = [
        response("A04", 10, "Brilliant – will recommend."),  # Will's own response
        response("A04", 10, "I will definitely call again, very good."),
        response("A04", 10, "Thanks! Will recommend."),
        response("A04", 10, "Will was great, thank you"),  # sentence-initial + own agent
        response("A04", 9, "will sorted it in minutes, thank you!"),  # lower case, own agent
        response("A01", 10, "Thanks to Will Turner for a great job"),  # full name
        response("A05", 10, "Will was great"),  # neither Will's response nor his team
        response("A05", 10, "The agent Will was brilliant"),  # capitalised mid-sentence
        response("A01", 10, "Handled with grace and patience, lovely"),  # Grace in T2
        response("A05", 10, "I hope it stays fixed, great help"),  # Grace's response
        response("A05", 10, "Grace was a star"),
    ]
    frame = praise_of(org, rows)
    found = [named(frame, r["response_id"]) for r in rows]
    assert found == [[], [], [], ["A04"], ["A04"], ["A04"], [], ["A04"], [], [], ["A05"]]


def test_names_inside_addresses_and_verbs_are_not_mentions(org):
    rows = [
        response("A02", 10, "Great service, write to ana.alves@example.com if needed"),
        response("A02", 10, "Lovely, see www.ana.com for my review"),
        response("A14", 10, "Had to chase once but it got sorted, great"),  # Chase's own
        response("A14", 10, "Thanks to chase for sorting it, great"),
    ]
    frame = praise_of(org, rows)
    assert [named(frame, r["response_id"]) for r in rows] == [[], [], [], ["A14"]]


def test_named_agent_other_than_the_response_agent(org):
    rows = [response("A01", 10, "Actually it was José who fixed it – thank you José!")]
    frame = praise_of(org, rows)
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["agent_id"], row["response_agent_id"]) == ("A02", "A01")
    assert (row["name"], row["team_id"]) == ("José Pérez", "T1")
    assert not row["ambiguous"]


def test_two_names_in_one_comment(org):
    rows = [response("A01", 10, "Ana and José were both brilliant, thanks")]
    frame = praise_of(org, rows)
    assert named(frame, rows[0]["response_id"]) == ["A01", "A02"]


def test_shared_first_name_resolved_or_ambiguous(org):
    rows = [
        response("A07", 10, "Maria was brilliant"),  # the response's own agent
        response("A01", 10, "Maria was brilliant"),  # only Maria in T1 is A06
        response("A03", 10, "Maria was brilliant"),  # T2 has two Marias: A07, A11
        response(None, 10, "Maria was brilliant"),  # no agent, no team: anyone
        response("A01", 10, "Maria Santos was brilliant"),  # full name settles it
    ]
    frame = praise_of(org, rows)
    by_id = frame.set_index("response_id")
    assert by_id.loc[rows[0]["response_id"], "agent_id"] == "A07"
    assert by_id.loc[rows[1]["response_id"], "agent_id"] == "A06"
    third = by_id.loc[rows[2]["response_id"]]
    assert third["ambiguous"] and third["agent_id"] is None
    assert third["candidates"] == ["A07", "A11"]
    assert third["team_id"] == "T2"  # the response's team until someone settles it
    fourth = by_id.loc[rows[3]["response_id"]]
    assert fourth["ambiguous"] and fourth["candidates"] == ["A06", "A07", "A11"]
    assert by_id.loc[rows[4]["response_id"], "agent_id"] == "A07"
    assert not by_id.loc[rows[0]["response_id"], "ambiguous"]


def test_ambiguous_praise_is_settled_by_a_thank_you(org):
    rows = [response("A03", 10, "Maria was brilliant")]
    frame = praise_of(org, rows)
    assert frame.iloc[0]["ambiguous"]
    rec.mark_thanked(org, rows[0]["response_id"], "A11", thanked_by="Eli")
    row = rec.find_praise(org, WEEK.start, WEEK.end).iloc[0]
    assert (row["agent_id"], row["name"], bool(row["ambiguous"])) == ("A11", "María López", False)
    assert row["thanked"] and row["thanked_by"] == "Eli"


def test_nickname(org):
    rows = [response("A03", 10, "bea was fantastic, thanks"), response("A03", 9, "Beatriz rocks!")]
    frame = praise_of(org, rows)
    assert named(frame, rows[0]["response_id"]) == ["A08"]
    assert frame.loc[frame["response_id"] == rows[0]["response_id"], "mention"].item() == "bea"


def test_detractors_and_negative_comments_are_never_praise(org):
    rows = [
        response("A01", 3, "Ana was great but nothing got fixed"),
        response("A01", 0, "Thanks Ana, lovely"),  # positive words, detractor score
        response("A01", None, "Ana was brilliant", csat=2),  # detractor by CSAT
        response("A01", 7, "Ana was brilliant"),  # passive
        response("A01", 9, "Ana was not helpful at all"),  # promoter, negative words
        response("A01", None, "Ana was brilliant", csat=5),  # promoter by CSAT: praise
        response("A01", 10, "Ana"),  # no positive cue
    ]
    frame = praise_of(org, rows)
    assert list(frame["response_id"]) == [rows[5]["response_id"]]
    assert pd.isna(frame.iloc[0]["nps"]) and frame.iloc[0]["csat"] == 5


def test_praise_is_redacted(org):
    rows = [
        response(
            "A01",
            10,
            "Ana was brilliant! Call me on 07700 900123 or write to jane.doe@example.com",
        )
    ]
    frame = praise_of(org, rows)
    comment = frame.iloc[0]["comment"]
    assert "[phone]" in comment and "[email]" in comment
    assert "07700" not in comment and "jane.doe" not in comment


def test_team_filter_follows_the_named_agent(org):
    rows = [
        response("A01", 10, "José was great"),  # T1 response, T1 agent
        response("A03", 10, "Thanks to Ana from the other team, lovely"),  # T2 names T1
        response("A03", 10, "Tomás was great"),
    ]
    t1 = praise_of(org, rows, team="T1")
    assert sorted(t1["agent_id"]) == ["A01", "A02"]
    t2 = rec.find_praise(org, WEEK.start, WEEK.end, team="T2")
    assert list(t2["agent_id"]) == ["A03"]


def test_praise_columns_and_order(org):
    rows = [
        response("A01", 10, "Ana was great", day=WEEK.start),
        response("A01", 10, "Ana was great again", day=WEEK.end),
        response("A01", 10, "Ana was great before", day=PREVIOUS.end),
    ]
    frame = praise_of(org, rows)
    assert list(frame.columns) == rec.PRAISE_COLUMNS
    assert list(frame["response_id"]) == [rows[1]["response_id"], rows[0]["response_id"]]
    assert not frame["thanked"].any()


def test_praise_reads_the_scorecards_comment_window(org):
    """Praise is read from the comments the team scorecard lists as promoters: the same
    window (local days, both ends included), the same segment rule (NPS 9–10, else CSAT 5)."""
    rows = [
        response("A01", 10, "Ana was great", day=WEEK.start),  # first day: in
        response("A01", 9, "Ana was great again", day=WEEK.end),  # last day: in
        response("A01", 10, "Ana was great before", day=PREVIOUS.end),  # the day before: out
        response("A01", None, "Ana was lovely", csat=5),  # no NPS, CSAT 5: a promoter
        response("A01", None, "Ana was lovely too", csat=4),  # CSAT 4: passive, never praise
        response("A01", 8, "Ana was nice"),  # a passive
    ]
    praise = praise_of(org, rows)
    page, total = comments(org, WEEK.start, WEEK.end, segment="promoter", limit=50)
    assert total == 3
    expected = {rows[i]["response_id"] for i in (0, 1, 3)}
    assert set(praise["response_id"]) == set(page["response_id"]) == expected


def test_fold_keeps_length_and_folds_accents():
    for word, plain in [
        ("Tomás", "tomas"),
        ("ŁUKASZ", "lukasz"),
        ("Søren", "soren"),
        ("İrem", "irem"),
    ]:
        assert rec.fold(word) == plain
    text_ = "Zoë’s “help” – Ørsted İ"
    assert len(rec.fold(text_)) == len(text_)


def test_positivity_with_negation():
    def positive(t: str) -> bool:
        return rec.is_positive(rec.fold(t))

    assert positive("was brilliant")
    assert positive("no problem at all")
    assert positive("couldn't have been more helpful")
    assert positive("can't fault her")
    assert not positive("not helpful at all")
    assert not positive("thanks for nothing")
    assert not positive("would not recommend")
    assert not positive("ok")


# ============================================================================ thank-you loop


def test_mark_thanked_persists_and_is_idempotent(org):
    rows = [response("A01", 10, "Ana was brilliant")]
    insert_responses(org, rows)
    rid = rows[0]["response_id"]
    rec.mark_thanked(org, rid, "A01", thanked_by="Dana", note="Card sent")
    rec.mark_thanked(org, rid, "A01", thanked_by="Dana S.", note="Card and coffee")
    got = org.rows("SELECT response_id, agent_id, thanked_by, note, thanked_at FROM recognitions")
    assert len(got) == 1
    assert tuple(got[0][:4]) == (rid, "A01", "Dana S.", "Card and coffee")
    assert got[0][4] is not None
    row = rec.find_praise(org, WEEK.start, WEEK.end).iloc[0]
    assert row["thanked"] and row["thanked_by"] == "Dana S." and row["note"] == "Card and coffee"
    rec.unmark_thanked(org, rid, "A01")
    assert not rec.find_praise(org, WEEK.start, WEEK.end).iloc[0]["thanked"]


def test_mark_thanked_checks_its_input(org):
    rows = [response("A01", 10, "Ana was brilliant")]
    insert_responses(org, rows)
    with pytest.raises(ValueError, match="who"):
        rec.mark_thanked(org, rows[0]["response_id"], "A01", thanked_by="  ")
    with pytest.raises(ValueError, match="no survey response"):
        rec.mark_thanked(org, "nope", "A01", thanked_by="Dana")
    with pytest.raises(ValueError, match="no agent"):
        rec.mark_thanked(org, rows[0]["response_id"], "A99", thanked_by="Dana")


# ============================================================================ report


def test_stars_report_json_shape(org):
    insert_responses(
        org,
        [
            *scores("A01", 20, 5, 0),
            response("A01", 10, "Ana was brilliant, call 07700 900123"),
            response("A03", 10, "Maria was brilliant"),
        ],
    )
    report = rec.stars_report(org, "2026-W45")
    assert json.loads(json.dumps(report)) == report
    assert list(report) == ["period", "stars", "most_improved", "praise"]
    assert report["period"] == "2026-W45"
    assert set(report["stars"][0]) == {
        "agent_id", "name", "team_id", "metric", "value", "n", "ci_low", "ci_high",
    }  # fmt: skip
    assert report["stars"][0]["agent_id"] == "A01" and report["stars"][0]["n"] == 26
    assert report["most_improved"] == []
    assert all(
        set(p) == {"response_id", "agent_id", "name", "responded_at", "comment", "thanked"}
        for p in report["praise"]
    )
    by_agent = {p["agent_id"]: p for p in report["praise"]}
    assert "[phone]" in by_agent["A01"]["comment"] and by_agent["A01"]["thanked"] is False
    assert by_agent[None]["name"] is None  # the ambiguous Maria
    datetime.fromisoformat(by_agent["A01"]["responded_at"])


def test_most_improved_in_report(org):
    before, after = PREVIOUS.start + timedelta(days=1), WEEK.start + timedelta(days=1)
    insert_responses(
        org, scores("A01", 10, 20, 10, day=before) + scores("A01", 26, 12, 2, day=after)
    )
    improved = rec.stars_report(org, WEEK)["most_improved"]
    assert [i["agent_id"] for i in improved] == ["A01"]
    assert {"previous", "delta", "p_value"} <= set(improved[0])


# ============================================================================ where SQL lives

_SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+)?(?:TABLE|MACRO|VIEW|INDEX)\b"
    r"|\bDROP\s+(?:TABLE|MACRO|VIEW)\b|\bALTER\s+TABLE\b|\bWITH\s+\w+\s+AS\s*\("
)
_NO_SQL_MODULES = [
    *sorted(Path(rec.__file__).parent.glob("*.py")),
    Path(comments_module.__file__),
    Path(demo_module.__file__),
]


@pytest.mark.parametrize("path", _NO_SQL_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_recognition_comments_and_demo_hold_no_sql(path):
    """Their statements live in store/ (recognition, comments, demo_sql): these modules
    call store functions, never build SQL, and never reach for the database driver."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    strings = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]
    for value in strings:
        assert not _SQL.search(value), f"SQL in {path.name}: {value[:60]!r}"
    assert "driver_connection" not in source
    assert "import sqlalchemy" not in source and "from sqlalchemy import text" not in source


# ============================================================================ the demo


def test_demo_praise_is_found_and_detractors_never_are(store):
    from cxmetrics.demo import TEMPLATES, build_demo

    summary = build_demo(store)
    pattern = "|".join(
        re.escape(body)
        .replace(r"\{first\}", ".+")
        .replace(r"\{full\}", ".+")
        .replace(r"\{other\}", ".+")
        for body in TEMPLATES["praise"] + TEMPLATES["praise_other"]
    )
    templates = re.compile(f"^(?:{pattern})$")
    comments = store.frame(
        "SELECT response_id, nps, csat, comment FROM survey_responses WHERE comment IS NOT NULL"
    )
    promoter = (comments["nps"] >= 9) | (comments["nps"].isna() & (comments["csat"] == 5))
    detractor = (comments["nps"] <= 6) | (comments["nps"].isna() & (comments["csat"] <= 3))
    names_agent = comments["comment"].map(lambda c: bool(templates.match(c)))
    expected = set(comments.loc[promoter & names_agent, "response_id"])
    frame = rec.find_praise(store, summary.first_day, summary.last_day)
    found = set(frame["response_id"])
    assert len(expected) > 500
    assert found == expected
    assert not found & set(comments.loc[detractor, "response_id"])
    assert not frame["ambiguous"].any()


def test_a_very_long_nickname_breaks_nothing(store):
    """A 500-character nickname (a store loaded before names had a length limit) once raised
    RecursionError in the name matcher: it is simply never looked for."""
    long_nick = "Bea" + "x" * 497
    agents = [*AGENTS[:7], ("A08", "Beatriz Costa", "T2", long_nick)]
    insert_org(store, agents)
    rows = [response("A08", 10, "Beatriz was wonderful, thank you"), *scores("A08", 25, 0, 0)]
    frame = praise_of(store, rows)
    assert named(frame, rows[0]["response_id"]) == ["A08"]
    assert rec.stars(store, WEEK)[0].agent_id == "A08"
    assert rec.stars_report(store, WEEK)["praise"]
