"""Item 7: the all-hands page against the bench store. The server render through
Streamlit's AppTest in a fresh process, then a `streamlit run` server visited in headless
Chromium (a new browser's first visit, a returning browser's profile, and a private window
for information: `_visits`), beside a one-line Streamlit app visited the same way (the
browser's part that is Streamlit's own)."""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

from cxmetrics.serve import MAIN_SCRIPT

from .. import db
from ..context import Context, MainStore
from ..measure import in_child, log, mb, median_time, memory_entry, timed

# The app's serve-and-wait helpers are test infrastructure (tests/harness.py, shared with
# the browser tests); the benchmark runs from the source checkout, whose root holds tests/.
REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
harness = importlib.import_module("tests.harness")

APP = MAIN_SCRIPT
RENDER_TIMEOUT_S = 300  # AppTest / page waits: generous, a slow run is measured, not killed
SERVER_START_S = 60
# Runs before any page script. The page-clock time (ms since navigation start) of the
# latest DOM change, read once the page has settled; and, at the animation frame after each
# change (the frame about to be painted), how many h1s, headline sentences and metric
# tiles with their value the page holds: a part is readable from the first frame that holds
# all of it (its final count). Stamped in the page: Playwright's waits poll with a backoff
# (0, 20, 50, 100, 100, then every 500 ms), which would round these figures up.
READABLE_JS = """(() => {
  const TILES = '[class*="st-key-tile-"]:not([class*="-biz-"]) '
    + '[data-testid="stMarkdownContainer"] > p:nth-child(2)';
  window.__cxSeen = [];
  let pending = false;
  new MutationObserver(() => {
    window.__cxLastChange = performance.now();
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      window.__cxSeen.push([performance.now(), document.querySelectorAll('h1').length,
        document.querySelectorAll('.st-key-headline li').length,
        document.querySelectorAll(TILES).length]);
    });
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();"""
PARTS = ("h1", "headline", "tiles")  # READABLE_JS's counts, in order
WARM_VISITS = 5  # new tabs of the returning browser after its first visit
VIEWPORT = {"width": 1920, "height": 1080}
# Bytes the page fetched over the network (transferSize: 0 when served from the cache).
FETCHED_JS = """(() => performance.getEntriesByType('navigation').concat(
    performance.getEntriesByType('resource')).reduce((n, e) => n + (e.transferSize || 0), 0))()"""


def _app_problems(at) -> list[str]:
    """What is wrong with an AppTest run of the all-hands page (empty when nothing)."""
    problems = [f"exception: {str(e.value)[:500]}" for e in at.exception]
    titles = [t.value for t in at.title]
    if not any(str(t).startswith("All-hands scorecard") for t in titles):
        problems.append(f"no all-hands title (titles: {titles})")
    return problems


def _check_app(at, when: str) -> None:
    problems = _app_problems(at)
    if problems:
        raise AssertionError(f"all-hands page (AppTest, {when}): " + "; ".join(problems))


def _installed_components():
    """The components of the installed packages, as the server's runtime finds them once
    at its start (Runtime.__init__)."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    found = BidiComponentManager()
    found.discover_and_register_components(start_file_watching=False)
    return found


def render_step(url: str, repeat: int) -> dict:
    """The all-hands page (the default page) through Streamlit's AppTest, in this fresh
    process: imports first (untimed in the render figure), Streamlit caches cleared, then
    the first `at.run()` (store open + every query + render) and `repeat` warm reruns."""
    t0 = time.perf_counter()
    import plotly.graph_objects  # noqa: F401  (the page's own imports: once per server)
    import streamlit as st
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    # Streamlit warns about every cached function used outside a server ("No runtime
    # found"); errors still show, and exceptions in the page are checked below.
    streamlit.logger.set_log_level("error")

    from cxmetrics.ui import charts, components, data  # noqa: F401

    # Streamlit's runtime looks for installed components once, as the server starts (in
    # the browser part: server_start_s); AppTest does it in its first run unless given
    # them. Found here, untimed as the imports are, so the first run is the page's work.
    found = _installed_components()
    imports = time.perf_counter() - t0
    os.environ["CXMETRICS_DB_URL"] = url
    data.get_store.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=RENDER_TIMEOUT_S)
    if hasattr(at, "_bidi_component_manager"):  # Streamlit 1.67's AppTest keeps them here
        at._bidi_component_manager = found
    first, _ = timed(at.run)
    _check_app(at, "first run")
    title = at.title[0].value
    elements = sum(1 for _ in at.main)
    warm, samples = median_time(at.run, repeat)
    _check_app(at, "rerun")
    return {
        "imports_s": round(imports, 3),
        "first_s": round(first, 3),
        "warm_s": round(warm, 3),
        "warm_samples_s": [round(x, 3) for x in samples],
        "title": title,
        "top_level_elements": elements,
    }


def _browser_missing(chromium: str) -> str | None:
    """Why the browser variant cannot run here (None when it can)."""
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        return f"no Chromium at {chromium}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def _vm_hwm(pid: int) -> int | None:
    """High-water resident set (bytes) of another process, from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def readable_times(seen: list[list[float]]) -> dict:
    """From READABLE_JS's frames: when each part was first whole (s since navigation; None
    when the page never had it), and `readable_s`, when all of them were."""
    times = {}
    for column, part in enumerate(PARTS, start=1):
        final = seen[-1][column] if seen else 0
        first = next((frame[0] for frame in seen if frame[column] >= final), None)
        times[f"{part}_s"] = round(first / 1000, 3) if final and first is not None else None
    parts = list(times.values())
    times["readable_s"] = None if None in parts else max(parts)
    return times


def _page_load(context, base: str) -> dict:
    """Open the app in a new tab of `context` (a new Streamlit session) and time it: from
    the navigation until the title, the headline and the tiles are painted (READABLE_JS),
    until Streamlit is connected and no longer running (as tests/browser/conftest.py waits),
    and until the DOM has been quiet for half a second (the last change, on the page's
    clock: charts drawn after the script run ended)."""
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_S * 1000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        t0 = time.perf_counter()
        page.goto(base + "/", wait_until="domcontentloaded")
        dom = time.perf_counter() - t0
        page.locator("h1").first.wait_for(state="visible")
        harness.wait_for_script_end(page)
        complete = time.perf_counter() - t0
        harness.wait_for_quiet(page)
        last_change = page.evaluate("window.__cxLastChange || 0")
        seen = page.evaluate("window.__cxSeen || []")
        fetched = page.evaluate(FETCHED_JS)
        title = page.locator("h1").first.inner_text()
        exceptions = page.locator('[data-testid="stException"]').count()
    finally:
        page.close()
    if exceptions or errors:
        raise AssertionError(
            f"{base} in Chromium: {exceptions} exception(s) shown, page errors {errors[:3]}"
        )
    return {
        "dom_content_loaded_s": round(dom, 3),
        **readable_times(seen),
        "complete_s": round(complete, 3),
        "last_dom_change_s": round(last_change / 1000, 3),
        "downloaded_mb": mb(fetched),
        "title": title,
    }


def _all_hands(load: dict) -> dict:
    """A visit of the all-hands page, checked: its title, headline and tiles all shown."""
    if not load["title"].startswith("All-hands scorecard") or load["readable_s"] is None:
        raise AssertionError(f"all-hands page in Chromium: not all shown: {load}")
    return load


def _tabs(context, base: str, tabs: int) -> list[dict]:
    """`tabs` visits, each in a new tab of `context`, which is closed after."""
    context.add_init_script(READABLE_JS)
    try:
        return [_page_load(context, base) for _ in range(tabs)]
    finally:
        context.close()


def _visits(playwright, chromium: str, base: str, warm: int) -> dict:
    """The visits, each a new Streamlit session: a fresh server's first from a new browser
    (empty caches); then a returning browser, as a person's own is: a profile on disk
    (launched fresh: its first visit is the `second`, with the server's caches warm), then
    `warm` more in new tabs, its caches warm: the HTTP cache and Chromium's cache of
    compiled script, which a profile keeps and a private window does not. The same
    `1 + warm` visits in a private window (a new context of the first browser), for
    information. Also `launch_s`, the first browser's launch time."""
    t1 = time.perf_counter()
    browser = playwright.chromium.launch(executable_path=chromium, args=harness.CHROMIUM_ARGS)
    launch = time.perf_counter() - t1
    try:
        first = _tabs(browser.new_context(viewport=VIEWPORT), base, 1)
        private = _tabs(browser.new_context(viewport=VIEWPORT), base, 1 + warm)
    finally:
        browser.close()
    with tempfile.TemporaryDirectory(prefix="cx-bench-profile-") as profile:
        returning = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, args=harness.CHROMIUM_ARGS, viewport=VIEWPORT
        )
        profiled = _tabs(returning, base, 1 + warm)
    return {
        "launch_s": launch,
        "first": first[0],
        "second": profiled[0],
        "warm": profiled[1:],
        "private": {"second": private[0], "warm": private[1:]},
    }


def _median_readable(visits: list[dict]) -> float:
    return round(statistics.median(v["readable_s"] for v in visits), 3)


HELLO_APP = 'import streamlit as st\n\nst.title("Hello")\n'


def streamlit_floor(playwright, chromium: str, tmp: Path) -> dict:
    """The same visits of a one-line Streamlit app (a title, nothing else) on this machine:
    the part of the page's time that is Streamlit's own start in the browser (its warm
    visits, in the profile and in the private window)."""
    script = tmp / "hello_app.py"
    script.write_text(HELLO_APP, encoding="utf-8")
    port = harness.free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(script), f"--server.port={port}",
        "--server.headless=true", "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
    ]  # fmt: skip
    log_path = tmp / "hello-server.log"
    with harness.serve_streamlit(command, port, log_path, SERVER_START_S) as (base, _):
        visits = _visits(playwright, chromium, base, WARM_VISITS)
    samples = [load["h1_s"] for load in visits["warm"]]
    private = [load["h1_s"] for load in visits["private"]["warm"]]
    return {
        "h1_warm_s": round(statistics.median(samples), 3),
        "h1_samples_s": samples,
        "private_h1_warm_s": round(statistics.median(private), 3),
        "private_h1_samples_s": private,
    }


def browser_render(url: str, log_path: Path, chromium: str) -> dict:
    """The app (`cxmetrics serve`'s command) on a free port against the store at `url` (the
    caller has closed it: DuckDB allows one process per file), then the page opened in headless
    Chromium (see `_visits`), and the one-line app's floor."""
    why = _browser_missing(chromium)
    if why:
        return {"skipped": why}
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    with harness.serve_app(url, log_path, start_timeout=SERVER_START_S) as (base, server):
        started = time.perf_counter() - t0
        base_rss = psutil.Process(server.pid).memory_info().rss
        with sync_playwright() as playwright:
            visits = _visits(playwright, chromium, base, WARM_VISITS)
        peak = _vm_hwm(server.pid)
    with sync_playwright() as playwright:
        floor = streamlit_floor(playwright, chromium, log_path.parent)
    loads = [_all_hands(v) for v in (visits["first"], visits["second"], *visits["warm"])]
    private = [_all_hands(v) for v in (visits["private"]["second"], *visits["private"]["warm"])]
    return {
        "server_start_s": round(started, 3),
        "chromium_launch_s": round(visits["launch_s"], 3),
        "first": loads[0],
        "second": loads[1],
        "warm": loads[2:],
        "warm_readable_s": _median_readable(loads[2:]),
        "private": {
            "second": private[0],
            "warm": private[1:],
            "warm_readable_s": _median_readable(private[1:]),
        },
        "streamlit_floor": floor,
        "server_base_rss_mb": mb(base_rss),
        "server_peak_rss_mb": None if peak is None else mb(peak),
    }


def page_render(ctx: Context, main: MainStore) -> dict:
    """The `page_render` figures of results.json. Every step before has closed the store
    (DuckDB: one process per file): the AppTest child and then the server open it in turn."""
    url = db.url(main.path)
    log("page render: all-hands page through AppTest (child process) …")
    rc = in_child(render_step, url=url, repeat=ctx.opts.repeat)
    ctx.memory["page render (AppTest: imports, first run, warm reruns)"] = memory_entry(rc)
    if ctx.opts.skip_browser:
        browser = {"skipped": "--skip-browser"}
    else:
        log("page render: the served app + headless Chromium …")
        browser = browser_render(url, ctx.tmp / "streamlit-server.log", ctx.opts.chromium)
    if browser.get("skipped"):
        log(f"page render in the browser skipped: {browser['skipped']}")
    elif browser.get("server_peak_rss_mb") is not None:
        ctx.memory["Streamlit server (start + 7 page loads)"] = {
            "peak_rss_mb": browser["server_peak_rss_mb"],
            "base_rss_mb": browser["server_base_rss_mb"],
            "step_s": None,
        }
    return {"apptest": rc["result"], "browser": browser}
