"""Each role on every page, signed in through Streamlit's own st.user (auth oidc; AppTest
sets the user), including links that ask for more than the role allows. The hand-worked
fixture (tests/fixtures/known_answer.py): T1 Customer Care (Ana Alves A1, Ben Brown A2),
T2 Billing (Cleo Chen A3), T3 IT Help Desk (Dev Das A4); week 2026-W45 has the comments
r01 "Ana was great" and r07 (A1), and here r14 "Cleo was great" (A3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from cxmetrics.access import changes
from cxmetrics.store import open_store
from tests.ui.conftest import APP
from tests.ui.tiles import tiles

VIEWS = Path(APP).parent / "views"
ALL_PAGES = (
    "allhands", "team", "agent", "recognition", "obstacles", "definitions", "upload", "access",
    "audit",
)  # fmt: skip
EVERYONES = {"allhands", "team", "agent", "recognition", "definitions"}
ROLE_PAGES = {
    "admin@example.com": set(ALL_PAGES),
    "analyst@example.com": EVERYONES | {"obstacles", "upload"},
    "leader@example.com": EVERYONES | {"obstacles"},
    "dana@example.com": EVERYONES | {"obstacles"},  # supervisor of T1
    "ben@example.com": EVERYONES,  # agent A2
}


@pytest.fixture
def signed_in_db(known_db, monkeypatch):
    """The fixture with Dana supervising T1 (roster), an access list of an admin, an
    analyst and a leader, and sign-in by OpenID Connect."""
    store = open_store(known_db)
    with store.transaction() as conn:
        conn.execute(
            text("UPDATE teams SET supervisor_email = 'dana@example.com' WHERE team_id = 'T1'")
        )
        conn.execute(
            text("UPDATE survey_responses SET comment = 'Cleo was great' WHERE response_id = 'r14'")
        )
    for email, role in (
        ("admin@example.com", "admin"),
        ("analyst@example.com", "analyst"),
        ("leader@example.com", "leader"),
    ):
        changes.set_access(store, email, role, None, by="setup")
    store.close()
    monkeypatch.setenv("CXMETRICS_AUTH", "oidc")
    return known_db


def run_as(email: str | None, query: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.user = {"is_logged_in": True, "email": email} if email else {"is_logged_in": False}
    at.query_params["period"] = "2026-W45"
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"views/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


def shown_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "text", "info") for e in getattr(at, kind)]
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for table in at.table:
        parts.append(table.value.to_string())
    return "\n".join(str(p) for p in parts)


def no_numbers(at: AppTest) -> None:
    assert not tiles(at) and not at.metric and not at.dataframe and not at.table


def test_not_signed_in_sees_a_sign_in_button_only(signed_in_db):
    at = run_as(None)
    assert [b.label for b in at.button] == ["Sign in"]
    no_numbers(at)


def test_signed_in_but_unknown_sees_whom_to_ask(signed_in_db):
    at = run_as("stranger@example.com")
    assert [t.value for t in at.title] == ["No access yet"]
    shown = at.info[0].value.replace("\u2060", "").replace("\\", "")  # inert markup
    assert "Ask admin@example.com to add you" in shown
    no_numbers(at)


@pytest.mark.parametrize("email", sorted(ROLE_PAGES))
def test_each_role_opens_its_pages_and_no_other(signed_in_db, email):
    allowed = ROLE_PAGES[email]
    for page in ALL_PAGES:
        if page in allowed:
            at = run_as(email, page=page)
            assert not any(t.value == "Not available" for t in at.title)
        else:
            at = run_as(email)
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(f"views/{page}.py")


@pytest.mark.parametrize("page", ["upload", "access", "audit", "team", "agent", "obstacles"])
def test_a_page_script_run_without_a_known_viewer_refuses(signed_in_db, page):
    at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=60)
    at.session_state["period"] = "2026-W45"
    at.run()
    assert [t.value for t in at.title] == ["Not available"]
    no_numbers(at)


def _agent_table(at: AppTest):
    """The team page's agent table (the one with an Agent column), or None."""
    return next((d.value for d in at.dataframe if "Agent" in d.value.columns), None)


def _agent_names(at: AppTest) -> list[str]:
    # each cell is a link to the agent's page, its text after the "#"
    return sorted(str(cell).rpartition("#")[2] for cell in _agent_table(at)["Agent"])


def test_supervisor_sees_own_team_agents_and_comments(signed_in_db):
    at = run_as("dana@example.com", {"team": "T1"}, page="team")
    assert _agent_names(at) == ["Ana Alves", "Ben Brown"]
    assert "Ana was great" in shown_text(at)


def test_supervisor_asking_for_another_team_gets_no_agents_or_comments(signed_in_db):
    at = run_as("dana@example.com", {"team": "T2"}, page="team")
    assert at.selectbox(key="team").value == "T2"  # the team's numbers: yes
    assert tiles(at)  # aggregates of every team
    assert _agent_table(at) is None
    text_shown = shown_text(at)
    assert "Cleo Chen" not in text_shown and "Cleo was great" not in text_shown
    assert "Agent rows and comments of this team are for its supervisor" in text_shown


def test_agent_sees_only_their_own_row(signed_in_db):
    at = run_as("ben@example.com", {"team": "T1"}, page="team")
    assert _agent_names(at) == ["Ben Brown"]
    assert "Ana was great" not in shown_text(at)  # A1's comment


def _agent_choices(at: AppTest) -> list[str]:
    return sorted(at.selectbox(key="agent").options) if at.selectbox else []


def test_agent_page_offers_only_the_agents_a_role_may_see(signed_in_db):
    # the fixture's roster: A1 Ana Alves and A2 Ben Brown in T1 (Dana's), A3 Cleo Chen and
    # A4 Dev Das in T2
    leader = run_as("leader@example.com", page="agent")
    assert len(_agent_choices(leader)) == 4
    dana = run_as("dana@example.com", page="agent")
    assert [o.split(" (")[0] for o in _agent_choices(dana)] == ["Ana Alves", "Ben Brown"]
    ben = run_as("ben@example.com", page="agent")
    assert [o.split(" (")[0] for o in _agent_choices(ben)] == ["Ben Brown"]


def test_a_link_to_another_teams_agent_shows_nothing_of_them(signed_in_db):
    # Dana supervises T1: Cleo (A3, T2) in the link gives a note and Dana's own agent
    at = run_as("dana@example.com", {"agent": "A3"}, page="agent")
    assert not at.exception
    text = shown_text(at)
    assert any("not yours to see" in w.value for w in at.warning)
    assert "Cleo" not in text and "Cleo was great" not in text
    assert at.selectbox(key="agent").value in ("A1", "A2")
    # an agent asking for a colleague by link sees only their own page
    ben = run_as("ben@example.com", {"agent": "A1"}, page="agent")
    assert ben.selectbox(key="agent").value == "A2"
    assert "Ana was great" not in shown_text(ben)


def test_supervisor_week_only_for_own_team(signed_in_db):
    own = run_as("dana@example.com", {"team": "T1"}, page="team")
    other = run_as("dana@example.com", {"team": "T2"}, page="team")
    lists = "Worth a conversation, worth a thank-you"
    assert lists in [h.value for h in own.subheader]
    assert lists not in [h.value for h in other.subheader]


def test_leader_sees_every_agent(signed_in_db):
    at = run_as("leader@example.com", {"team": "T1"}, page="team")
    assert _agent_names(at) == ["Ana Alves", "Ben Brown"]
    assert "Ana was great" in shown_text(at)


def test_recognition_praise_by_role(signed_in_db):
    admin = shown_text(run_as("admin@example.com", page="recognition"))
    assert "Ana was great" in admin and "Cleo was great" in admin
    supervisor = shown_text(run_as("dana@example.com", page="recognition"))
    assert "Ana was great" in supervisor and "Cleo was great" not in supervisor
    agent = shown_text(run_as("ben@example.com", page="recognition"))
    assert "Ana was great" not in agent and "Cleo was great" not in agent


def test_upload_records_the_signed_in_person_and_has_no_name_box(signed_in_db):
    at = run_as("analyst@example.com", page="upload")
    assert not [t for t in at.text_input if t.key == "uploaded_by"]
    assert "Access" not in at.segmented_control(key="upload_kind").options  # admins only
    admin = run_as("admin@example.com", page="upload")
    assert "Access" in admin.segmented_control(key="upload_kind").options


def test_admin_changes_access_on_the_access_page_and_sees_the_audit(signed_in_db):
    at = run_as("admin@example.com", page="access")
    at.text_input(key="access_email").input("Eli@Example.com")
    at.selectbox(key="access_role").select("supervisor")
    at.multiselect(key="access_teams").select("T2")
    at.button(key="FormSubmitter:access-form-Save").click().run()
    assert not at.exception, at.exception
    assert any("is supervisor" in s.value for s in at.success)  # (the e-mail shown inert)
    eli = run_as("eli@example.com", {"team": "T2"}, page="team")
    assert _agent_names(eli) == ["Cleo Chen"]
    audit = run_as("admin@example.com", page="audit")
    frame = next(d.value for d in audit.dataframe if "Action" in d.value.columns)
    first = frame.iloc[0]
    assert (first["Who"], first["Action"], first["Details"]) == (
        "admin@example.com",
        "access",
        "eli@example.com: supervisor (T2)",
    )


def test_open_mode_says_so_and_everyone_is_admin(known_db):
    # auth none (the default) and no server address (every interface): the open-mode note
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["period"] = "2026-W45"
    at.run()
    assert not at.exception
    assert any("Open mode: anyone who can reach this server sees everything" in c.value
               for c in at.sidebar.caption)  # fmt: skip
    at.switch_page("views/audit.py")  # admin pages are there
    at.run()
    assert [t.value for t in at.title] == ["Audit log"]


def test_clear_demo_only_for_analysts_and_admins(app_db, monkeypatch):
    from cxmetrics.demo import build_demo

    store = open_store(app_db)
    build_demo(store, agents=10, weeks=3)
    changes.set_access(store, "leader@example.com", "leader", None, by="setup")
    changes.set_access(store, "analyst@example.com", "analyst", None, by="setup")
    store.close()
    monkeypatch.setenv("CXMETRICS_AUTH", "oidc")
    leader = run_as("leader@example.com")
    assert any("Demo data" in i.value for i in leader.info)
    assert not [b for b in leader.button if b.key == "demo_clear"]
    analyst = run_as("analyst@example.com")
    assert [b.label for b in analyst.button if b.key == "demo_clear"] == ["Clear demo data"]


def test_team_page_opens_on_the_viewers_own_team(signed_in_db):
    store = open_store(signed_in_db)
    changes.set_access(store, "eli@example.com", "supervisor", "T2", by="setup")
    store.close()
    assert run_as("eli@example.com", page="team").selectbox(key="team").value == "T2"
    assert run_as("cleo@example.com", page="team").selectbox(key="team").value == "T2"  # A3
    assert run_as("leader@example.com", page="team").selectbox(key="team").value == "T1"
