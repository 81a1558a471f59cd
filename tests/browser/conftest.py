"""Browser tests: the real app in a Streamlit server, driven by the machine's Chromium.

Without Chromium the tests skip, unless CXMETRICS_REQUIRE_BROWSER=1 (set by .ci/run): then
they fail. CXMETRICS_CHROMIUM overrides the browser path (e.g. to prove the skip rule).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as clock
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import text

from tests import harness
from tests.ui import hostile

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = os.environ.get("CXMETRICS_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>window.__pwned=1</script>"
MARKDOWN_LINK = "**bold** [click me](https://evil.example/phish)"
PROBES = ("/_stcore/host-config", "/_stcore/health")


def _browser_missing(reason: str) -> None:
    """Skip locally; fail when the browser is required (CI)."""
    if os.environ.get("CXMETRICS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CXMETRICS_REQUIRE_BROWSER=1: browser tests may not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The browser every browser test needs; checked before the server is started."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _browser_missing(f"no Chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _browser_missing("the playwright package is not installed")
    return CHROMIUM


def _prepare_store(url: str) -> None:
    """The demo organisation plus two hostile comments for team T01 in the last full week."""
    from cxmetrics.demo import build_demo
    from cxmetrics.periods import last_complete_week
    from cxmetrics.store import open_store, rollups

    store = open_store(url)
    try:
        build_demo(store, agents=60, weeks=14)
        sunday = last_complete_week().end
        with store.transaction() as conn:
            agent_id = conn.execute(
                text("SELECT min(agent_id) FROM agents WHERE team_id = 'T01'")
            ).scalar_one()
            insert = text(
                "INSERT INTO survey_responses (response_id, responded_at, respondent_type, "
                "channel, team_id, agent_id, interaction_id, nps, csat, ces, comment, batch_id) "
                "VALUES (:id, :at, 'customer', 'phone', 'T01', :agent, NULL, 2, NULL, NULL, "
                ":comment, 'demo')"
            )
            # Late on the last day: newest first, so both are on the first page of comments.
            for minute, (response_id, comment) in enumerate(
                [("R-XSS-IMG", XSS_IMG), ("R-XSS-SCRIPT", XSS_SCRIPT), ("R-MD", MARKDOWN_LINK)]
            ):
                conn.execute(
                    insert,
                    {
                        "id": response_id,
                        "at": datetime.combine(sunday, clock(21, minute)),
                        "agent": agent_id,
                        "comment": comment,
                    },
                )
            rollups.rebuild(conn, store.settings)
    finally:
        store.close()  # DuckDB: one process per file, and the server is the next one


@contextmanager
def _serve(db_url: str, log_path: Path, *options: str) -> Iterator[str]:
    """The app served against its own store; the test fails with the log if it won't start."""
    try:
        with harness.serve_app(db_url, log_path, *options) as (base, _):
            yield base
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def app_dir(chromium_path, tmp_path_factory) -> Path:
    """A temp dir with the prepared store `browser.duckdb`."""
    tmp = tmp_path_factory.mktemp("browser-app")
    _prepare_store(f"duckdb:///{tmp / 'browser.duckdb'}")
    return tmp


@pytest.fixture(scope="session")
def app_url(app_dir):
    """Base URL of the real app (`streamlit run app.py`) on the prepared store."""
    with _serve(f"duckdb:///{app_dir / 'browser.duckdb'}", app_dir / "server.log") as base:
        yield base


@dataclass
class Pixel:
    """A local listener the hostile payloads point their images at: it must hear nothing."""

    url: str
    hits: list[str]


@pytest.fixture(scope="session")
def pixel() -> Iterator[Pixel]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        do_HEAD = do_POST = do_GET

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Pixel(f"http://127.0.0.1:{server.server_address[1]}/pixel.png", hits)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class HostileApp:
    """The app on a store holding only the hostile organisation (tests/ui/hostile.py)."""

    base_url: str
    loaded: hostile.Hostile
    spare_batch: str  # a batch of its own, for the undo test to take out


@pytest.fixture(scope="session")
def hostile_app(chromium_path, pixel, tmp_path_factory) -> Iterator[HostileApp]:
    from cxmetrics import ingest
    from cxmetrics.periods import last_complete_week
    from cxmetrics.store import open_store

    tmp = tmp_path_factory.mktemp("hostile-app")
    url = f"duckdb:///{tmp / 'hostile.duckdb'}"
    store = open_store(url)
    try:
        loaded = hostile.load(store, pixel.url)
        day = last_complete_week().start.isoformat()
        content = f"date,metric_id,value\n{day},spare_kpi,1\n".encode()
        spare = ingest.load_batch(store, "kpis", content, filename="spare.csv")
    finally:
        store.close()
    with _serve(url, tmp / "server.log") as base:
        yield HostileApp(base, loaded, spare.batch_id)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=harness.CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class UI:
    """One test's browser tab, with what went wrong in it recorded."""

    page: object
    base_url: str
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for

    def open_page(self, path: str = "/"):
        """Navigate and wait until a title shows and Streamlit has finished running."""
        self.page.goto(self.base_url + path, wait_until="domcontentloaded")
        self.settle()
        return self.page

    def settle(self) -> None:
        """Wait for the script run to end and the page to stop changing, with an h1 shown.

        Streamlit's status widget never shows for short runs, and elements whose code is
        loaded on first use (tables, charts) appear after the run ended: so the page is
        settled once the DOM has been quiet for half a second.
        """
        harness.wait_for_script_end(self.page)
        harness.wait_for_quiet(self.page)
        self.page.locator("h1").first.wait_for(state="visible")

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def assert_no_errors(self, where: str) -> None:
        exceptions = self.page.locator('[data-testid="stException"]')
        assert exceptions.count() == 0, f"{where}: {exceptions.first.inner_text()[:2000]}"
        assert not self.page_errors, f"{where}: page errors {self.page_errors}"
        assert not self.dialogs, f"{where}: a dialog opened: {self.dialogs}"


def _tab(browser, base_url: str, viewport: dict | None = None, **device) -> Iterator[UI]:
    """A fresh browser context (1920×1080 unless told) whose errors and dialogs are
    recorded."""
    context = browser.new_context(viewport=viewport or VIEWPORT, **device)
    page = context.new_page()
    page.set_default_timeout(30_000)
    state = UI(page=page, base_url=base_url)
    page.on("pageerror", lambda error: state.page_errors.append(str(error)))
    page.on("request", lambda request: state.requests.append(request.url))

    def on_console(message) -> None:
        # Not the app's: resources of other hosts (the favicon's icon font fails offline),
        # and the 404s of Streamlit's frontend probing `<page>/_stcore/...` for its base URL.
        where = urlparse(message.location.get("url") or base_url)
        if message.type != "error" or where.hostname not in (None, "localhost", "127.0.0.1"):
            return
        if where.path.endswith(PROBES) and where.path.count("/") > 2:
            return
        state.console_errors.append(message.text)

    def on_dialog(dialog) -> None:
        state.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("dialog", on_dialog)
    try:
        yield state
    finally:
        context.close()


@pytest.fixture
def ui(browser, app_url):
    yield from _tab(browser, app_url)


@pytest.fixture
def phone_ui(browser, app_url):
    """The app on a phone: 390×844, touch, at twice the pixels."""
    yield from _tab(browser, app_url, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


@pytest.fixture
def hostile_ui(browser, hostile_app):
    yield from _tab(browser, hostile_app.base_url)
