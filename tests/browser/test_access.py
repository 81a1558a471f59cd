"""Sign-in and roles in the real app, in Chromium.

Header mode: Playwright's `extra_http_headers` go with every request of the tab,
including the WebSocket handshake that `st.context.headers` reads (checked here: each role
sees its own name in the sidebar), the way a reverse proxy such as oauth2-proxy would
send them. OpenID Connect: the real `st.login` flow against a local provider
(oidc-provider-mock) started by the test.

The store is the hand-worked fixture (tests/fixtures/known_answer.py): T1 Customer Care
(Ana Alves A1, Ben Brown A2, supervisor dana@example.com), T2 Billing (Cleo Chen A3);
week 2026-W45 has the comment "Ana was great" (A1) and, here, "Cleo was great" (A3).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from tests import harness

pytestmark = pytest.mark.browser

WEEK = "period=2026-W45"
ROLES = {
    # e-mail: (role, pages in the navigation)
    "admin@example.com": (
        "admin",
        {"All-hands scorecard", "Team scorecard", "Agent", "Recognition", "Obstacles",
         "Upload", "Definitions", "Access", "Audit log"},
    ),
    "analyst@example.com": (
        "analyst",
        {"All-hands scorecard", "Team scorecard", "Agent", "Recognition", "Obstacles",
         "Upload", "Definitions"},
    ),
    "leader@example.com": (
        "leader",
        {"All-hands scorecard", "Team scorecard", "Agent", "Recognition", "Obstacles",
         "Definitions"},
    ),
    "dana@example.com": (
        "supervisor",
        {"All-hands scorecard", "Team scorecard", "Agent", "Recognition", "Obstacles",
         "Definitions"},
    ),
    "ben@example.com": (
        "agent", {"All-hands scorecard", "Team scorecard", "Agent", "Recognition", "Definitions"}
    ),
}  # fmt: skip
# Who sees the T1 comment "Ana was great" (A1's) on the T1 team page.
SEES_ANA = {"admin@example.com", "analyst@example.com", "leader@example.com", "dana@example.com"}


def _prepare(url: str) -> None:
    from cxmetrics.access import changes
    from cxmetrics.store import open_store
    from tests.fixtures.known_answer import insert_directly

    store = open_store(url)
    try:
        insert_directly(store)
        with store.transaction() as conn:
            conn.execute(
                text("UPDATE teams SET supervisor_email = 'Dana@Example.com' WHERE team_id = 'T1'")
            )
            conn.execute(
                text(
                    "UPDATE survey_responses SET comment = 'Cleo was great' "
                    "WHERE response_id = 'r14'"
                )
            )
        for email, role in (
            ("admin@example.com", "admin"),
            ("analyst@example.com", "analyst"),
            ("leader@example.com", "leader"),
        ):
            changes.set_access(store, email, role, None, by="setup")
    finally:
        store.close()


@pytest.fixture(scope="module")
def header_app(chromium_path, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("header-app")
    url = f"duckdb:///{tmp / 'access.duckdb'}"
    _prepare(url)
    env = {"CXMETRICS_AUTH": "header", "CXMETRICS_AUTH_HEADER": "X-Forwarded-Email"}
    try:
        with harness.serve_app(url, tmp / "server.log", env=env) as (base, _):
            yield base
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _open(browser, base: str, path: str, email: str | None):
    headers = {"X-Forwarded-Email": email} if email else {}
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000}, extra_http_headers=headers
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(base + path, wait_until="domcontentloaded")
    harness.wait_for_script_end(page)
    harness.wait_for_quiet(page)
    page.locator("h1").first.wait_for(state="visible")
    return context, page


def _nav(page) -> set[str]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    return {links.nth(i).inner_text().strip().splitlines()[-1] for i in range(links.count())}


@pytest.mark.parametrize("email", sorted(ROLES))
def test_each_role_in_header_mode(browser, header_app, email):
    role, pages = ROLES[email]
    context, page = _open(browser, header_app, f"/team?{WEEK}&team=T1", email)
    try:
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert f"{email} · {role}" in sidebar.replace("\u2060", "")
        assert _nav(page) == pages
        body = page.locator("body").inner_text()
        assert ("Ana was great" in body) == (email in SEES_ANA)
        assert "Cleo was great" not in body  # T2's comment is never on T1's page
    finally:
        context.close()


def test_supervisor_link_to_another_team_shows_no_agents(browser, header_app):
    context, page = _open(browser, header_app, f"/team?{WEEK}&team=T2", "dana@example.com")
    try:
        body = page.locator("body").inner_text()
        assert "Agent rows and comments of this team are for its supervisor" in body
        assert "Cleo was great" not in body and "Cleo Chen" not in body
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/upload", "/access", "/audit"])
def test_supervisor_opening_a_page_by_url_gets_no_such_page(browser, header_app, path):
    context, page = _open(browser, header_app, f"{path}?{WEEK}", "dana@example.com")
    try:
        titles = page.locator("h1").all_inner_texts()
        assert not any(t.startswith(("Upload data", "Access", "Audit log")) for t in titles)
        body = page.locator("body").inner_text()
        assert "Batches" not in body and "admin@example.com" not in body
    finally:
        context.close()


def test_no_header_no_numbers_and_unknown_is_told_whom_to_ask(browser, header_app):
    context, page = _open(browser, header_app, f"/?{WEEK}", None)
    try:
        assert page.locator("h1").first.inner_text() == "No identity"
        assert page.locator(harness.TILE).count() == 0
    finally:
        context.close()
    context, page = _open(browser, header_app, f"/?{WEEK}", "stranger@example.com")
    try:
        assert page.locator("h1").first.inner_text() == "No access yet"
        body = page.locator("body").inner_text().replace("\u2060", "")  # inert e-mails
        assert "Ask admin@example.com to add you" in body
        assert page.locator(harness.TILE).count() == 0
    finally:
        context.close()


# ---------------------------------------------------------------- OpenID Connect


@pytest.fixture(scope="module")
def oidc_app(chromium_path, tmp_path_factory):
    """The app in auth oidc, its [auth] secrets pointing at a local provider."""
    from oidc_provider_mock import run_server_in_thread

    tmp = tmp_path_factory.mktemp("oidc-app")
    url = f"duckdb:///{tmp / 'access.duckdb'}"
    _prepare(url)
    port = harness.free_port()
    with run_server_in_thread() as provider:
        issuer = f"http://localhost:{provider.server_port}"
        secrets = Path(tmp / "secrets.toml")
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            'cookie_secret = "a-test-cookie-secret-of-enough-length"\n'
            'client_id = "cxmetrics-test"\n'
            'client_secret = "cxmetrics-test-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        try:
            with harness.serve_app(
                url,
                tmp / "server.log",
                f"--secrets.files={secrets}",
                port=port,
                env={"CXMETRICS_AUTH": "oidc"},
            ) as (base, _):
                yield base
        except RuntimeError as exc:
            pytest.fail(str(exc))


def test_sign_in_through_st_login_as_a_supervisor(browser, oidc_app):
    context, page = _open(browser, oidc_app, f"/team?{WEEK}&team=T1", None)
    try:
        assert page.locator(harness.TILE).count() == 0  # nothing before
        page.get_by_role("button", name=re.compile("Sign in")).click()
        page.locator('input[name="sub"]').fill("dana@example.com")  # the provider's form
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(re.escape(oidc_app)), timeout=30_000)
        harness.wait_for_script_end(page)
        harness.wait_for_quiet(page)
        page.locator("h1").first.wait_for(state="visible")
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text().replace("\u2060", "")
        assert "dana@example.com · supervisor" in sidebar
        assert _nav(page) == ROLES["dana@example.com"][1]
        page.goto(f"{oidc_app}/team?{WEEK}&team=T1", wait_until="domcontentloaded")
        harness.wait_for_script_end(page)
        harness.wait_for_quiet(page)
        assert "Ana was great" in page.locator("body").inner_text()  # own team: comments
        page.goto(f"{oidc_app}/team?{WEEK}&team=T2", wait_until="domcontentloaded")
        harness.wait_for_script_end(page)
        harness.wait_for_quiet(page)
        body = page.locator("body").inner_text()
        assert "Agent rows and comments of this team are for its supervisor" in body
        assert "Cleo was great" not in body
    finally:
        context.close()
