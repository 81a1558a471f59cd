"""The Team page's supervisor's week and the agent page in Chromium, at 1920×1080 and on a
phone (390×844): lists link to the agent page, the grid becomes cards on a phone, comments
wrap whole, the sidebar starts closed. Screenshots land in `screenshots/`."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

SIDEBAR = '[data-testid="stSidebar"]'
LINK = '[data-testid="stPageLink-NavLink"]'

# Wider than the screen: an element whose content runs past its own box or the page's.
OVERFLOW_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return {page: main.scrollWidth - main.clientWidth,
            texts: [...document.querySelectorAll('[data-testid="stText"]')]
                .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
                .map(e => e.innerText.slice(0, 60))};
}"""


def shoot(ui, selector: str, name: str) -> None:
    """Scroll `selector` into view and take a screenshot."""
    ui.page.locator(selector).first.scroll_into_view_if_needed()
    ui.page.wait_for_timeout(300)
    ui.screenshot(name)


def test_the_week_links_to_the_agent_page(ui):
    page = ui.open_page("/team?team=T02")
    ui.screenshot("team-1920")
    shoot(ui, ".st-key-week-conversation", "team-week-1920")
    assert page.locator(".st-key-wide-agents").first.is_visible()
    assert not page.locator(".st-key-cards-agents").first.is_visible()
    shoot(ui, ".st-key-wide-agents", "team-agents-1920")
    names = page.locator(f".st-key-week-conversation {LINK}, .st-key-week-thank-you {LINK}")
    assert names.count() > 0, "neither list names anyone on the demo's Billing team"
    name = names.first.inner_text().strip().split("\n")[-1]  # after the icon
    names.first.click()
    page.wait_for_url(re.compile(r"/agent\?.*agent=A\d+"))
    ui.settle()
    page.get_by_role("heading", level=1).filter(has_text=name).wait_for()
    ui.screenshot("agent-1920")
    shoot(ui, '[data-testid="stHeading"]:has-text("Praise received")', "agent-praise-1920")
    shoot(ui, '[data-testid="stHeading"]:has-text("A career in service")', "agent-career-1920")
    ui.assert_no_errors("agent page")


def test_on_a_phone_the_pages_read_as_cards(phone_ui):
    ui = phone_ui
    page = ui.open_page("/team?team=T02")
    sidebar = page.locator(SIDEBAR)
    assert sidebar.get_attribute("data-collapsed") == "true" or not sidebar.is_visible()
    ui.screenshot("team-phone")
    assert not page.locator(".st-key-wide-agents").first.is_visible()
    assert page.locator(".st-key-cards-agents").first.is_visible()
    shoot(ui, ".st-key-week-conversation", "team-week-phone")
    shoot(ui, ".st-key-cards-agents", "team-agents-phone")
    shoot(ui, ".st-key-cards-team-comments", "team-comments-phone")
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["page"] <= 1 and not overflow["texts"], overflow
    ui.open_page("/agent?agent=A0011")
    assert sidebar.get_attribute("data-collapsed") == "true" or not sidebar.is_visible()
    ui.screenshot("agent-phone")
    assert page.locator(".st-key-cards-agent-card").first.is_visible()
    shoot(ui, '[data-testid="stHeading"]:has-text("Trend")', "agent-trend-phone")
    shoot(ui, ".st-key-agent-comment-0", "agent-comments-phone")
    shoot(ui, '[data-testid="stHeading"]:has-text("A career in service")', "agent-career-phone")
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["page"] <= 1 and not overflow["texts"], overflow
    ui.assert_no_errors("agent page on a phone")
