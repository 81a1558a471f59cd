"""Serve the app and drive it in headless Chromium: test infrastructure, shared by the
browser tests and the page-render benchmark (bench/cxbench/steps/page.py imports it from
here), so both start, wait for and stop the app the same way.

No streamlit import: the app runs in its own process (`cxmetrics serve`'s command); page
objects are Playwright pages passed in by the caller.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cxmetrics.config import PROJECT_ROOT
from cxmetrics.serve import streamlit_command

# Chromium on this kind of machine: root (no sandbox), no GPU, and no calls to the outside
# network (refused here, and slow to fail).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A scorecard tile (cxmetrics/ui/tiles.py: one markdown block in a keyed container), its value
TILE = '[class*="st-key-tile-"]'
TILE_VALUE = TILE + ' [data-testid="stMarkdownContainer"] p:nth-child(2)'
QUIET_MS = 500
# Resolves once the document has had no mutation for `quiet` ms (or after `cap` ms).
QUIET_JS = """([quiet, cap]) => new Promise((resolve) => {
    let timer;
    const observer = new MutationObserver(() => {
        clearTimeout(timer);
        timer = setTimeout(done, quiet);
    });
    function done() { observer.disconnect(); clearTimeout(limit); resolve(); }
    const limit = setTimeout(done, cap);
    timer = setTimeout(done, quiet);
    const all = { subtree: true, childList: true, attributes: true, characterData: true };
    observer.observe(document.body, all);
})"""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    """True when `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def serve_app(
    db_url: str,
    log_path: Path,
    *options: str,
    start_timeout: float = 60.0,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """The app (`cxmetrics serve`'s command) on `port` (default: a free one) against the
    store at `db_url` (closed by the caller: DuckDB allows one process per file), with
    `env` added to the environment (e.g. CXMETRICS_AUTH); yields (base URL, server process)
    as `serve_streamlit` does."""
    port = port or free_port()
    # No "source file changed" prompt when someone edits the code during a run.
    command = streamlit_command("--server.fileWatcherType=none", *options, port=port)
    env = {**os.environ, **(env or {}), "CXMETRICS_DB_URL": db_url}
    with serve_streamlit(command, port, log_path, start_timeout, env) as served:
        yield served


@contextmanager
def serve_streamlit(
    command: list[str],
    port: int,
    log_path: Path,
    start_timeout: float = 60.0,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A Streamlit server started by `command` (listening on `port`, its output in
    `log_path`); yields (base URL, server process) once it is healthy and stops it
    afterwards. RuntimeError with the log's tail if it never is."""
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while not healthy(f"{base}/_stcore/health"):
            if server.poll() is not None or time.monotonic() > deadline:
                why = "exited" if server.poll() is not None else "is not healthy in time"
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"the Streamlit server {why}:\n{tail}")
            time.sleep(0.1)
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def wait_for_script_end(page) -> None:
    """Until the session is connected and its script run has ended."""
    app = page.locator('[data-testid="stApp"]')
    app.and_(page.locator('[data-test-connection-state="CONNECTED"]')).wait_for()
    app.and_(page.locator('[data-test-script-state="notRunning"]')).wait_for()
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def wait_for_quiet(page, quiet_ms: int = QUIET_MS, cap_ms: int = 15_000) -> None:
    """Until the DOM has not changed for `quiet_ms`: elements whose code loads on first use
    (tables, charts) appear after the script run ended."""
    page.evaluate(QUIET_JS, [quiet_ms, cap_ms])


def python_child(
    code: str, *args: str, ready: Path, what: str, timeout: float = 60
) -> subprocess.Popen:
    """`python -c code args…` in the repository (a process holding or hosting a store, for
    the store tests), returned once it has written the file `ready`. Raises AssertionError
    with the end of its stderr when it exits or `timeout` passes first (`what` it is)."""
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise AssertionError(f"{what} never started: {child.communicate()[1][-2000:]}")
        time.sleep(0.05)
    return child


def run_cli(
    *args: str, env: dict | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """`cxmetrics ARGS…` as its own process (`python -m cxmetrics.cli`), run to its end,
    with `env` added to this process's environment; its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "cxmetrics.cli", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def cli_process(*args: str) -> subprocess.Popen:
    """`cxmetrics ARGS…` started as its own process, its output piped as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "cxmetrics.cli", *args],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
