"""A hostile organisation in Chromium: every text field of its roster, surveys, contacts and
KPI file (tests/ui/hostile.py) holds markdown, an image pointing at a local listener, KaTeX,
a colour directive and HTML. Every page and every presentation slide is visited: the page
asks no host but the app's own for anything (the listener hears nothing), no dialog opens,
and no markup from the data is rendered (no image, no KaTeX, no red "R", no bold "B", no
link out); the payloads are shown as the literal text they are.

Also here, on the same server: the batch picker's label after an undo, and the thank-you
popover closing after Save. Screenshots land in `screenshots/hostile-*.png`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlparse

import pytest

from tests.ui.hostile import payload

pytestmark = pytest.mark.browser

RENDERED_MARKUP_JS = """(pixelHost) => ({
  images: [...document.querySelectorAll("img")].map((i) => i.src)
    .filter((src) => src.includes(pixelHost)),
  katex: document.querySelectorAll(".katex, .katex-display, math").length,
  links: [...document.querySelectorAll("a[href]")].map((a) => a.href)
    .filter((href) => !href.startsWith(location.origin)),
  red: [...document.querySelectorAll("span")]
    .filter((s) => s.textContent === "R" && (s.style.color || /red/i.test(s.className))).length,
  bold: [...document.querySelectorAll("b, strong")].filter((b) => b.textContent === "B").length,
})"""
# Streamlit's main area scrolls inside its own container: scroll it (and the window) to the
# end, so that anything loaded lazily on the way would be asked for.
SCROLL_JS = """() => {
  const areas = '[data-testid="stMain"], [data-testid="stAppViewContainer"]';
  for (const el of document.querySelectorAll(areas)) el.scrollTop = el.scrollHeight;
  window.scrollTo(0, document.body.scrollHeight);
}"""
LITERAL = ":red[R]$x^2$<b>B</b>"  # how every payload's tail must read on the page
SLIDE = re.compile(r"(\d+) / (\d+) ·")


def _check(ui, pixel, where: str, *, literal: bool = True) -> bool:
    """No markup from the data rendered; with `literal`, the payload must show as text.
    Returns whether it does."""
    page = ui.page
    page.evaluate(SCROLL_JS)
    page.wait_for_timeout(400)
    found = page.evaluate(RENDERED_MARKUP_JS, urlparse(pixel.url).netloc)
    assert found == {"images": [], "katex": 0, "links": [], "red": 0, "bold": 0}, (
        f"{where}: markup from the data was rendered: {found}"
    )
    text = page.evaluate("document.body.innerText").replace("\u2060", "")
    assert LITERAL in text or not literal, f"{where}: the payload is not shown as text"
    ui.assert_no_errors(where)
    return LITERAL in text


def _foreign(ui) -> list[str]:
    own = urlparse(ui.base_url).netloc
    return [
        url
        for url in ui.requests
        if urlparse(url).scheme in ("http", "https", "ws", "wss") and urlparse(url).netloc != own
    ]


def _slides(ui, pixel, path: str, name: str) -> tuple[int, int]:
    """Visit every slide of a presentation (arrow keys), checking each; returns the count
    and how many slides showed a payload as text."""
    page = ui.open_page(path)
    main = page.locator('[data-testid="stMain"]')
    caption = main.get_by_text(SLIDE, exact=False).first
    caption.wait_for(state="visible")
    count = int(SLIDE.search(caption.inner_text()).group(2))
    shown = 0
    for number in range(1, count + 1):
        if number > 1:
            page.keyboard.press("ArrowRight")
            main.get_by_text(f"{number} / {count}", exact=False).first.wait_for(state="visible")
            ui.settle()
        shown += _check(ui, pixel, f"{name} slide {number}", literal=False)
        ui.screenshot(f"hostile-{name}-slide-{number}")
    return count, shown


def test_hostile_text_is_never_markup_and_the_browser_asks_no_other_host(
    hostile_ui, hostile_app, pixel
):
    loaded = hostile_app.loaded
    team_one, team_two = (quote(team_id, safe="") for team_id in loaded.team_ids)
    ui = hostile_ui

    ui.open_page("/")
    ui.screenshot("hostile-allhands")
    _check(ui, pixel, "all-hands")
    count, shown = _slides(ui, pixel, "/?present=true", "allhands")
    assert count >= 6 and shown >= 3  # business KPIs, stars, teams at a glance

    for number, team in enumerate((team_one, team_two), 1):
        page = ui.open_page(f"/team?team={team}")
        page.locator("h1", has_text="Team").first.wait_for(state="visible")
        ui.screenshot(f"hostile-team-{number}")
        _check(ui, pixel, f"team page {number}")
    ui.open_page(f"/team?team={team_one}&present=true")
    _check(ui, pixel, "team page, presentation")

    ui.open_page("/recognition")
    ui.screenshot("hostile-recognition")
    _check(ui, pixel, "recognition")
    ui.open_page("/recognition?present=true")
    _check(ui, pixel, "recognition, presentation")

    page = ui.open_page("/upload")
    page.get_by_role("radio", name="Business KPIs").click()
    ui.settle()
    picker = page.get_by_role("combobox", name="Saved mapping for a recurring file")
    picker.click()  # the template picker's options: the hostile template name, as text
    page.get_by_role("option").first.wait_for(state="visible")
    ui.screenshot("hostile-upload-templates")
    page.keyboard.press("Escape")
    _check(ui, pixel, "upload", literal=False)  # its hostile text sits in a canvas grid

    ui.open_page("/definitions")
    _check(ui, pixel, "definitions", literal=False)  # holds no data

    assert pixel.hits == [], f"the browser fetched the payloads' images: {pixel.hits}"
    assert _foreign(ui) == [], f"requests to other hosts: {_foreign(ui)}"
    assert not ui.console_errors, ui.console_errors
    # the payload the data holds is the literal text the pages showed
    assert payload(pixel.url, "tn1").endswith(LITERAL)


def test_after_undo_the_batch_picker_says_undone(hostile_ui, hostile_app):
    page = hostile_ui.open_page("/upload")
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Batch").last
    box.scroll_into_view_if_needed()
    picked = box.locator("input[role=combobox]")
    assert picked.input_value().startswith(f"{hostile_app.spare_batch} · kpis")
    assert picked.input_value().endswith("· committed")
    page.get_by_role("button", name="Undo batch").click()
    hostile_ui.settle()
    page.get_by_role("button", name="Yes, undo it").click()
    hostile_ui.settle()
    page.get_by_text("undid batch", exact=False).first.wait_for(state="visible")
    picked = page.locator('[data-testid="stSelectbox"]').filter(has_text="Batch").last
    value = picked.locator("input[role=combobox]").input_value()
    hostile_ui.screenshot("upload-after-undo")
    assert value.startswith(hostile_app.spare_batch) and value.endswith("· undone"), value
    hostile_ui.assert_no_errors("upload page after undo")


def test_save_closes_the_thank_you_popover_and_names_the_agent(hostile_ui):
    page = hostile_ui.open_page("/recognition")
    # The second praise: once it is thanked, the third moves into its place, where the
    # popover used to stay open with empty fields.
    item = page.locator(".st-key-praise-1")
    item.scroll_into_view_if_needed()
    meta = item.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    first_name = meta.split()[0]
    item.get_by_role("button", name="Mark thanked").click()
    hostile_ui.settle()
    body = page.locator('[data-testid="stPopoverBody"]')
    body.get_by_label("Thanked by").fill("Dana Supervisor")
    hostile_ui.screenshot("recognition-thank-open")
    body.get_by_role("button", name="Save").click()
    hostile_ui.settle()
    done = page.get_by_text("Marked as thanked", exact=False).first
    done.wait_for(state="visible")
    page.wait_for_timeout(500)
    assert page.locator('[data-testid="stPopoverBody"]:visible').count() == 0, (
        "a thank-you popover is still open after Save"
    )
    assert first_name in done.inner_text(), (first_name, done.inner_text())
    done.scroll_into_view_if_needed()
    hostile_ui.screenshot("recognition-thanked")
    hostile_ui.assert_no_errors("recognition after a thank-you")
