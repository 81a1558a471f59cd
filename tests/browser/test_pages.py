"""The real app in Chromium at 1920×1080: every page loads, presentation mode, no XSS.

Each test leaves screenshots in `screenshots/` (git-ignored) for a human to look at.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from cxmetrics.periods import last_complete_week
from tests import harness
from tests.browser.conftest import MARKDOWN_LINK, XSS_IMG, XSS_SCRIPT

pytestmark = pytest.mark.browser

KNOWN_PAGES = {"/": "allhands", "/team": "team", "/definitions": "definitions"}
SIDEBAR = '[data-testid="stSidebar"]'
METRIC_VALUE = harness.TILE_VALUE
ROW = 35  # st.dataframe's header and row height in pixels


def _shot_name(path: str) -> str:
    return KNOWN_PAGES.get(path) or path.strip("/").replace("/", "-") or "allhands"


def test_every_page_in_the_navigation_loads(ui):
    page = ui.open_page("/")
    links = page.locator('[data-testid="stSidebarNav"] a')
    found = [urlparse(links.nth(i).get_attribute("href") or "").path for i in range(links.count())]
    assert {"/", "/team", "/definitions"} <= set(found), f"sidebar navigation: {found}"
    paths = list(dict.fromkeys([*KNOWN_PAGES, *found]))
    problems = []
    for path in paths:
        seen_errors, seen_console = len(ui.page_errors), len(ui.console_errors)
        try:
            if path != "/":  # already open
                ui.open_page(path)
        except Exception as error:  # a page that never shows its title
            problems.append(f"{path}: did not finish loading ({error!s:.300})")
            ui.screenshot(_shot_name(path))
            continue
        ui.screenshot(_shot_name(path))
        exceptions = page.locator('[data-testid="stException"]')
        if exceptions.count():
            problems.append(f"{path}: exception shown: {exceptions.first.inner_text()[:1500]}")
        if page.locator("h1").count() == 0:
            problems.append(f"{path}: no h1")
        if len(ui.page_errors) > seen_errors:
            problems.append(f"{path}: page errors {ui.page_errors[seen_errors:]}")
        if len(ui.console_errors) > seen_console:
            problems.append(f"{path}: console errors {ui.console_errors[seen_console:]}")
    assert not ui.dialogs, f"dialogs opened: {ui.dialogs}"
    assert not problems, "\n".join(problems)


def test_presentation_mode(ui):
    page = ui.open_page("/?present=true")
    page.locator("h3", has_text="The headline").first.wait_for(state="visible")
    week = last_complete_week().label

    assert page.locator(SIDEBAR).is_hidden(), "sidebar shows in presentation mode"
    assert page.locator('[data-testid="stHeader"]').is_hidden(), "header shows"
    assert page.locator('[data-testid="stToolbar"]').is_hidden(), "toolbar shows"
    sentence = page.locator(".st-key-headline li").first
    size = sentence.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 26, f"headline sentence font-size {size}px in presentation mode"
    assert page.locator("h1", has_text=week).is_visible(), f"period {week} not in the title"
    main = page.locator('[data-testid="stMain"]')
    assert main.get_by_text("data as of", exact=False).first.is_visible()
    assert main.get_by_text("1 / ", exact=False).first.is_visible()
    first_subheader = page.locator("h3").first.inner_text()
    ui.screenshot("present-1")

    page.keyboard.press("ArrowRight")
    main.get_by_text("2 / ", exact=False).first.wait_for(state="visible")
    page.locator("h3", has_text="What customers feel").first.wait_for(state="visible")
    page.locator(METRIC_VALUE).first.wait_for(state="visible")
    page.wait_for_timeout(500)
    assert page.locator("h3").first.inner_text() != first_subheader
    assert page.locator("h1", has_text=week).is_visible()
    size = page.locator(METRIC_VALUE).first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 48, f"metric value font-size {size}px in presentation mode"
    ui.screenshot("present-2")

    page.get_by_role("button", name="Exit presentation").click()
    page.locator(SIDEBAR).wait_for(state="visible")
    page.locator('[data-testid="stSidebarNav"]').wait_for(state="visible")
    ui.settle()
    assert page.locator(SIDEBAR).get_attribute("data-collapsed") == "false"
    box = page.locator(SIDEBAR).bounding_box()
    assert box and box["x"] >= 0 and box["width"] > 200, f"sidebar not expanded: {box}"
    ui.assert_no_errors("presentation mode")


LUMINANCE_JS = """e => {
    const style = getComputedStyle(e);
    const colour = e instanceof SVGElement ? style.fill : style.color;
    const [r, g, b] = colour.match(/\\d+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""
BACKGROUND_JS = """e => {
    const [r, g, b] = getComputedStyle(e).backgroundColor.match(/\\d+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""


def _choose_theme(ui, name: str) -> None:
    """Pick a theme in the app menu (top right), as a viewer would."""
    page = ui.page
    page.locator('[data-testid="stMainMenu"]').click()
    page.get_by_role("menuitemradio", name=name).click()
    page.keyboard.press("Escape")
    ui.settle()


def test_the_dark_theme_can_be_chosen_in_the_app_menu(ui):
    page = ui.open_page("/")
    app = page.locator('[data-testid="stApp"]')
    assert app.evaluate(BACKGROUND_JS) > 0.8, "the app does not start light"
    _choose_theme(ui, "Dark")
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('[data-testid=stApp]'))"
        ".backgroundColor !== 'rgb(255, 255, 255)'"
    )
    assert app.evaluate(BACKGROUND_JS) < 0.2, "the background is not dark"
    assert page.locator("h1").first.evaluate(LUMINANCE_JS) > 0.6
    ui.screenshot("allhands-dark")
    # the choice is remembered: presentation mode (no menu there) stays dark
    # (slide 2 holds the tiles, slide 3 the trend chart)
    dark = []
    for slide, selectors in (
        ("2", (METRIC_VALUE, "h1", '[data-testid="stMain"] [data-testid="stCaptionContainer"] p')),
        # the chart's own text, drawn by the server's figure
        ("3", (".js-plotly-plot .xtick text", ".js-plotly-plot .legendtext")),
    ):
        page = ui.open_page(f"/?present=true&slide={slide}")
        page.locator(selectors[0]).first.wait_for()
        assert page.locator('[data-testid="stApp"]').evaluate(BACKGROUND_JS) < 0.2
        ui.screenshot(f"present-dark-{slide}")
        for selector in selectors:
            light = page.locator(selector).first.evaluate(LUMINANCE_JS)
            if light <= 0.6:
                dark.append(f"{selector} ({light:.2f})")
    assert not dark, f"text not light on the dark theme: {', '.join(dark)}"
    ui.assert_no_errors("presentation mode, dark theme")


TABLES = '[data-testid="stElementContainer"]:has([data-testid="stDataFrame"])'


def _toolbar_labels(page, index: int) -> list[str]:
    """The buttons of a table's own toolbar, shown while the pointer is over it."""
    container = page.locator(TABLES).nth(index)
    grid = container.locator('[data-testid="stDataFrame"]')
    grid.scroll_into_view_if_needed()
    page.mouse.move(0, 0)  # leave the table hovered before, if any
    page.wait_for_timeout(300)
    grid.hover(position={"x": 60, "y": 12})
    buttons = container.locator('[data-testid="stElementToolbar"] button')
    buttons.first.wait_for(state="visible")
    return [buttons.nth(i).get_attribute("aria-label") or "" for i in range(buttons.count())]


def test_tables_offer_only_the_formula_safe_download(ui):
    page = ui.open_page("/")
    page.locator("h3", has_text="Teams at a glance").wait_for(state="visible")
    labels = _toolbar_labels(page, page.locator(TABLES).count() - 1)
    assert "Search" in labels, labels  # the toolbar is there…
    assert not [label for label in labels if "Download" in label], labels  # …without export
    ours = page.locator(".st-key-glance-csv").get_by_role("button", name="Download CSV")
    assert ours.is_visible()
    ui.screenshot("allhands-teams-download")
    page = ui.open_page("/team?team=T01")
    page.locator("h3", has_text="Agents").wait_for(state="visible")
    for index in range(page.locator(TABLES).count()):
        labels = _toolbar_labels(page, index)
        assert not [label for label in labels if "Download" in label], labels
    for key in ("team-vs-org-csv", "agents-csv"):
        button = page.locator(f".st-key-{key}").get_by_role("button", name="Download CSV")
        button.first.wait_for(state="visible")  # the page may still be drawing below "Agents"
        assert button.count() == 1, key
    ui.assert_no_errors("tables and their downloads")


def test_comments_are_plain_text_never_html(ui):
    page = ui.open_page("/team?team=T01")
    assert "Customer Care" in page.locator("h1").first.inner_text()
    page.locator("h3", has_text="said about the team").wait_for(state="visible")
    for hostile in (XSS_IMG, XSS_SCRIPT, MARKDOWN_LINK.split("(")[0]):
        page.get_by_text(hostile, exact=False).first.wait_for(state="visible", timeout=10_000)
    # markdown in a comment stays text: no live link a customer could plant
    assert page.locator('a[href*="evil.example"]').count() == 0
    page.get_by_text(XSS_IMG, exact=False).first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    ui.screenshot("team-comments")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    scripts = page.evaluate(
        "[...document.querySelectorAll('script')].filter(s => s.text.includes('__pwned')).length"
    )
    assert scripts == 0, "the comment became a <script> element"
    assert not ui.dialogs, f"a dialog opened: {ui.dialogs}"
    ui.assert_no_errors("team page")


def test_teams_at_a_glance_opens_a_team(ui):
    page = ui.open_page("/")
    page.locator("h3", has_text="Teams at a glance").wait_for(state="visible")
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.scroll_into_view_if_needed()
    grid.wait_for(state="visible")
    page.wait_for_timeout(300)
    ui.screenshot("allhands-teams")
    ui.assert_no_errors("all-hands page")
    # The grid is a canvas: pick the second row (T02) by its selection cell.
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 16, box["y"] + ROW * 2 + ROW / 2)
    page.wait_for_url("**/team?*team=T02*")
    page.locator("h1", has_text="Billing").wait_for(state="visible")
    ui.settle()
    ui.assert_no_errors("team page, opened from the all-hands table")
