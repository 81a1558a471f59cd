"""Sign-in and roles in the library: who an e-mail is, the access list (upload, page
changes, undo), reads narrowed to a viewer, the audit log. Known answers from
tests/fixtures/known_answer.py (T1: A1, A2; T2: A3; T3: A4), week 2026-W45."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import text

from cxmetrics.access import EVERYONE, Viewer, changes, resolve, scoped
from cxmetrics.access.pages import PAGE_ROLES, may_open
from cxmetrics.cli import main
from cxmetrics.config import load_settings
from cxmetrics.ingest import load_batch, undo_batch
from cxmetrics.periods import parse_period
from cxmetrics.store import audit as stored_audit

W45 = parse_period("2026-W45")
SUP_T1 = Viewer("dana@example.com", "supervisor", ("T1",))
SUP_T2 = Viewer("eli@example.com", "supervisor", ("T2",))
AGENT_A1 = Viewer("ana@example.com", "agent", (), "A1")
AGENT_A2 = Viewer("ben@example.com", "agent", (), "A2")
NOBODY = Viewer("who@example.com", None)


@pytest.fixture
def org(known_store):
    """The fixture, with Dana as T1's supervisor_email (mixed case) and two praising
    comments: r01 "Ana was great" (A1, T1, already there) and r14 for Cleo (A3, T2)."""
    with known_store.transaction() as conn:
        conn.execute(
            text("UPDATE teams SET supervisor_email = 'Dana@Example.com' WHERE team_id = 'T1'")
        )
        conn.execute(
            text("UPDATE survey_responses SET comment = 'Cleo was great' WHERE response_id = 'r14'")
        )
    return known_store


# ---------------------------------------------------------------- settings


def test_auth_settings_default_and_bad_values(monkeypatch, tmp_path):
    settings = load_settings(root=tmp_path)
    assert (settings.auth, settings.auth_header) == ("none", "X-Forwarded-Email")
    monkeypatch.setenv("CXMETRICS_AUTH", "OIDC")
    assert load_settings(root=tmp_path).auth == "oidc"
    monkeypatch.setenv("CXMETRICS_AUTH", "ldap")
    with pytest.raises(
        ValueError, match="CXMETRICS_AUTH is 'ldap': set it to none, oidc or header"
    ):
        load_settings(root=tmp_path)
    monkeypatch.setenv("CXMETRICS_AUTH", "header")
    monkeypatch.setenv("CXMETRICS_AUTH_HEADER", "X Email: yes")
    with pytest.raises(ValueError, match="CXMETRICS_AUTH_HEADER is 'X Email: yes': set it"):
        load_settings(root=tmp_path)


# ---------------------------------------------------------------- who is who


def test_resolve_by_roster_and_access_list(org):
    # supervisor by teams.supervisor_email, case-insensitively
    assert resolve(org, "DANA@example.com ") == Viewer("dana@example.com", "supervisor", ("T1",))
    # agent by roster e-mail
    assert resolve(org, "Ben@Example.com") == Viewer("ben@example.com", "agent", (), "A2")
    assert resolve(org, "stranger@example.com") == Viewer("stranger@example.com", None)
    assert resolve(org, None) == Viewer(None, None)
    # an access row beats the roster
    changes.set_access(org, "dana@example.com", "leader", None, by="it@example.com")
    assert resolve(org, "dana@example.com").role == "leader"
    changes.set_access(org, "cleo@example.com", "supervisor", "T2; T3", by="it@example.com")
    assert resolve(org, "cleo@example.com") == Viewer(
        "cleo@example.com", "supervisor", ("T2", "T3"), "A3"
    )


def test_page_table_gates_each_role():
    assert may_open(EVERYONE, "upload") and may_open(EVERYONE, "audit")
    assert not may_open(SUP_T1, "upload") and may_open(SUP_T1, "team")
    assert not may_open(Viewer("a@x.io", "analyst"), "access")
    assert may_open(Viewer("a@x.io", "analyst"), "upload")
    assert not may_open(NOBODY, "allhands")
    assert not may_open(EVERYONE, "no-such-page")
    assert may_open(SUP_T1, "obstacles") and may_open(SUP_T1, "agent")
    assert not may_open(Viewer("a@x.io", "agent", agent_id="A1"), "obstacles")
    assert may_open(Viewer("a@x.io", "agent", agent_id="A1"), "agent")
    assert set(PAGE_ROLES) == {
        "allhands", "team", "agent", "recognition", "obstacles", "definitions", "upload",
        "access", "audit",
    }  # fmt: skip


def test_every_page_of_the_app_is_in_the_page_table():
    # a page added to the navigation without a line in PAGE_ROLES would open for nobody
    # (main.py is the entry script: read its PAGES table without running it)
    import ast
    from pathlib import Path

    from cxmetrics.serve import MAIN_SCRIPT

    tree = ast.parse(Path(MAIN_SCRIPT).read_text(encoding="utf-8"))
    [pages] = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES"
    ]
    assert {path for path, *_ in pages} == set(PAGE_ROLES)


# ---------------------------------------------------------------- the access list


def test_access_upload_loads_rejects_and_undo_restores(org, tmp_path):
    first = tmp_path / "people.csv"
    first.write_text(
        "email,role,team_ids\n"
        "Boss@Example.com,admin,\n"  # loaded (e-mail in lower case)
        "sup@example.com,supervisor,T2;T1\n"  # loaded, teams sorted: T1;T2
        "not an address,leader,\n"  # bad e-mail
        "x@example.com,boss,\n"  # unknown role
        "y@example.com,supervisor,T99\n"  # unknown team
        "boss@example.com,leader,\n",  # same e-mail as line 2: duplicate
        encoding="utf-8",
    )
    report = load_batch(org, "access", first, uploaded_by="it@example.com")
    assert (report.rows_in, report.loaded, report.rejected, report.duplicates) == (6, 2, 3, 1)
    assert [line for line, _ in report.rejected_sample] == [4, 5, 6]
    assert "not an e-mail address" in report.rejected_sample[0][1]
    assert "use admin or analyst or leader or supervisor or agent" in report.rejected_sample[1][1]
    assert "team id `T99` is not in the roster" in report.rejected_sample[2][1]
    rows = org.rows("SELECT email, role, team_ids FROM access ORDER BY email")
    assert [tuple(r) for r in rows] == [
        ("boss@example.com", "admin", None),
        ("sup@example.com", "supervisor", "T1;T2"),
    ]
    second = tmp_path / "people2.csv"
    second.write_text("email,role,team_ids\nsup@example.com,leader,\n", encoding="utf-8")
    again = load_batch(org, "access", second)
    assert resolve(org, "sup@example.com").role == "leader"
    undo_batch(org, again.batch_id, by="it@example.com")
    assert resolve(org, "sup@example.com") == Viewer("sup@example.com", "supervisor", ("T1", "T2"))
    undo_batch(org, report.batch_id)
    assert org.scalar("SELECT count(*) FROM access") == 0


def test_access_page_changes_are_batches_with_audit(org):
    batch = changes.set_access(org, "Lead@Example.com", "leader", None, by="it@example.com")
    assert (
        org.scalar("SELECT kind FROM upload_batches WHERE batch_id = :b", {"b": batch}) == "access"
    )
    with pytest.raises(ValueError, match="role `owner` is unknown: use one of admin"):
        changes.set_access(org, "lead@example.com", "owner", None, by="it@example.com")
    with pytest.raises(ValueError, match="team id `T7` is not in the roster"):
        changes.set_access(org, "lead@example.com", "supervisor", "T7", by="it@example.com")
    removed = changes.remove_access(org, "LEAD@example.com", by="it@example.com")
    assert resolve(org, "lead@example.com").role is None
    undo_batch(org, removed, by="it@example.com")  # undoing the removal brings the row back
    assert resolve(org, "lead@example.com").role == "leader"
    entries = stored_audit.entries(org)
    assert list(entries["action"])[::-1] == ["access", "access", "undo"]
    assert list(entries["details"])[::-1][:2] == [
        "lead@example.com: leader",
        "lead@example.com: removed",
    ]
    assert set(entries["who"]) == {"it@example.com"}


# ---------------------------------------------------------------- reads narrowed to a viewer


def _ids(frame):
    return sorted(frame["agent_id"])


def test_agents_by_role(org):
    assert _ids(scoped.agents(org, EVERYONE)) == ["A1", "A2", "A3", "A4"]
    assert _ids(scoped.agents(org, SUP_T1)) == ["A1", "A2"]
    assert _ids(scoped.agents(org, SUP_T1, "T2")) == []  # another team: nothing
    assert _ids(scoped.agents(org, AGENT_A2)) == ["A2"]
    assert _ids(scoped.agents(org, NOBODY)) == []


def test_agent_rows_and_scorecards_by_role(org):
    assert set(scoped.agent_breakdown(org, SUP_T1, W45)) == {"A1", "A2"}
    assert scoped.agent_breakdown(org, SUP_T1, W45, team="T2") == {}
    assert set(scoped.agent_breakdown(org, AGENT_A2, W45)) == {"A2"}
    assert {"A1", "A2", "A3", "A4"} <= set(scoped.agent_breakdown(org, EVERYONE, W45))
    assert scoped.agent_scorecard(org, SUP_T2, W45, "A1") is None
    assert scoped.agent_scorecard(org, AGENT_A2, W45, "A1") is None
    # A1's NPS answers r01..r08: 10 9 9 8 7 6 3 10 -> 4 promoters, 2 detractors of 8:
    # (4 - 2) / 8 = +25
    card = scoped.agent_scorecard(org, SUP_T1, W45, "A1")
    assert card.by_id()["nps"].value == pytest.approx(25.0)


def test_comments_by_role_whatever_the_request(org):
    def ids(viewer, **kw):
        page, total = scoped.comments(org, viewer, W45.start, W45.end, **kw)
        assert total == len(page)
        return sorted(page["response_id"])

    # W45 comments: r01 and r07 (A1, T1), r14 (A3, T2)
    assert ids(EVERYONE) == ["r01", "r07", "r14"]
    assert ids(SUP_T1) == ["r01", "r07"]
    assert ids(SUP_T1, team="T2") == []
    assert ids(SUP_T1, agent="A3") == []
    assert ids(SUP_T2) == ["r14"]
    assert ids(AGENT_A1) == ["r01", "r07"]
    assert ids(AGENT_A1, agent="A3") == []
    assert ids(AGENT_A2) == []
    assert ids(NOBODY) == []
    two_teams = Viewer("x@example.com", "supervisor", ("T1", "T2"))
    assert ids(two_teams) == ["r01", "r07", "r14"]


def test_praise_and_thanks_by_role(org):
    def praised(viewer):
        return sorted(scoped.praise(org, viewer, W45.start, W45.end)["agent_id"])

    # Promoters praising by name: r01 "Ana was great" (A1), r14 "Cleo was great" (A3)
    assert praised(EVERYONE) == ["A1", "A3"]
    assert praised(SUP_T1) == ["A1"]
    assert praised(SUP_T2) == ["A3"]
    assert praised(AGENT_A2) == []
    assert praised(NOBODY) == []
    with pytest.raises(scoped.NotAllowed):
        scoped.mark_thanked(org, SUP_T2, "r01", "A1", thanked_by="eli@example.com")
    scoped.mark_thanked(org, SUP_T1, "r01", "A1", thanked_by="dana@example.com")
    entries = stored_audit.entries(org)
    assert [tuple(r) for r in entries[["who", "action", "details"]].itertuples(index=False)] == [
        ("dana@example.com", "thanked", "agent A1 for response r01")
    ]


def test_rejected_rows_only_for_uploaders(org, tmp_path):
    bad = tmp_path / "people.csv"
    bad.write_text("email,role\nnope,admin\n", encoding="utf-8")
    batch = load_batch(org, "access", bad).batch_id
    assert len(scoped.rejected_rows(org, Viewer("a@x.io", "analyst"), batch)) == 1
    for viewer in (SUP_T1, Viewer("l@x.io", "leader"), AGENT_A1):
        with pytest.raises(scoped.NotAllowed):
            scoped.rejected_rows(org, viewer, batch)


# ---------------------------------------------------------------- CLI


def test_cli_ingest_access_and_audit_json(org, tmp_path, capsys):
    db = f"duckdb:///{tmp_path / 'store.duckdb'}"
    org.close()
    people = tmp_path / "people.csv"
    people.write_text("email,role,team_ids\nlead@example.com,leader,\n", encoding="utf-8")
    assert main(["--db", db, "ingest", "access", str(people), "--user", "it@example.com"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "audit", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert len(entries) == 1
    assert entries[0]["who"] == "it@example.com" and entries[0]["action"] == "load"
    assert entries[0]["details"].endswith(
        "(access, people.csv): 1 loaded, 0 rejected, 0 duplicates"
    )


# ---------------------------------------------------------------- the story and the deck


def test_story_and_deck_hold_only_the_stars_a_viewer_may_see(org, tmp_path, monkeypatch):
    from pptx import Presentation

    from cxmetrics.store import open_store
    from cxmetrics.story.deck import deck_bytes

    # Stars with at least 5 answers in W45: A1 (8 NPS answers), A3 (5); A2 has 3.
    monkeypatch.setenv("CXMETRICS_STARS_MIN_N", "5")
    org.close()
    store = open_store(f"duckdb:///{tmp_path / 'store.duckdb'}", settings=load_settings())
    try:

        def star_ids(viewer):
            return sorted(s.agent_id for s in scoped.story(store, viewer, W45).stars.stars)

        def deck_text(viewer) -> str:
            deck = Presentation(io.BytesIO(deck_bytes(scoped.story(store, viewer, W45))))
            return "\n".join(
                shape.text_frame.text
                for slide in deck.slides
                for shape in slide.shapes
                if shape.has_text_frame
            )

        assert star_ids(EVERYONE) == ["A1", "A3"]
        assert star_ids(SUP_T2) == ["A3"]
        assert star_ids(AGENT_A2) == []
        everyone, supervisor = deck_text(EVERYONE), deck_text(SUP_T2)
        assert "Ana Alves" in everyone and "Cleo Chen" in everyone
        assert "Ana Alves" not in supervisor and "Cleo Chen" in supervisor
    finally:
        store.close()


def test_clearing_the_demo_is_in_the_audit_log(store):
    from cxmetrics.demo import build_demo, clear_demo

    build_demo(store, agents=10, weeks=2)
    clear_demo(store, by="it@example.com")
    entries = stored_audit.entries(store)
    assert list(entries["action"]) == ["clear demo"]
    assert list(entries["who"]) == ["it@example.com"]


def test_undo_is_for_uploaders_and_access_batches_for_admins(org):
    batch = changes.set_access(org, "lead@example.com", "leader", None, by="it@example.com")
    analyst = Viewer("analyst@example.com", "analyst")
    for viewer in (analyst, Viewer("l@x.io", "leader"), SUP_T1):
        with pytest.raises(scoped.NotAllowed):
            scoped.undo_batch(org, viewer, batch)
    assert resolve(org, "lead@example.com").role == "leader"  # still there
    scoped.undo_batch(org, Viewer("it@example.com", "admin"), batch)
    assert resolve(org, "lead@example.com").role is None
    assert stored_audit.entries(org, limit=1)["who"].tolist() == ["it@example.com"]
