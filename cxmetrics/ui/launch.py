"""The web server's process (`cxmetrics serve`, `make run`, the browser tests and the bench
start it): warm up, then `streamlit run` with the arguments it was given.

Warming up imports what the pages import (the UI modules, the library modules each page
script names, and the libraries Streamlit and pandas load on first use: Arrow for tables,
jinja2 for styled tables) and opens the store, before the server listens, so the first
visitor does not wait for them. A store that cannot be opened yet (busy, damaged) is left
for the page, which says why and offers Retry.

Once the server answers its health check, one session opens the app as a browser would
(the server's own WebSocket, no browser) and runs the default page, then closes (`prime`):
its reads fill the caches every visitor shares, so the first visitor after a start does not
wait for the default period's scorecard and story. It is a visitor like any other: with
sign-in on it sees the sign-in screen and reads nothing; a visitor who arrives while it runs
waits for each read it has started rather than reading twice (Streamlit computes a cached
value once); the caches are keyed by the data version, so the next write makes them stale.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import logging
import sys
import threading
import time
import urllib.request
from pathlib import Path

VIEWS = Path(__file__).resolve().parent / "views"
# Loaded by Streamlit or pandas on the first table, styled table or figure of a page run.
FIRST_USE = ("pyarrow", "pandas.io.formats.style", "plotly.graph_objs._figure", "plotly.subplots")
# What Streamlit warns while the cached functions are defined and the store's cached
# resource is made before its server runs: true, and expected here.
NO_RUNTIME_YET = ("No runtime found", "missing ScriptRunContext")


def _expected(record: logging.LogRecord) -> bool:
    return not any(text in record.getMessage() for text in NO_RUNTIME_YET)


def page_imports() -> list[str]:
    """The modules the page scripts (ui/views/*.py) import at their top, in file order."""
    names: list[str] = []
    for script in sorted(VIEWS.glob("*.py")):
        tree = ast.parse(script.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.append(node.module)
                # `from cxmetrics.ui import data`: the names may be modules too
                names += [f"{node.module}.{alias.name}" for alias in node.names]
    return list(dict.fromkeys(name for name in names if name != "__future__"))


def warm_up() -> list[str]:
    """Import what the pages need and open the store; the modules imported (for tests)."""
    # Streamlit's loggers print through their own handlers (levels reset as its settings
    # are read): filter those handlers.
    import streamlit.logger  # noqa: F401  (sets the handlers up)

    handlers = {h for logger in _streamlit_loggers() for h in logger.handlers}
    for handler in handlers:
        handler.addFilter(_expected)
    try:
        return _warm_up()
    finally:
        for handler in handlers:
            handler.removeFilter(_expected)


def _streamlit_loggers() -> list[logging.Logger]:
    return [logging.getLogger("streamlit")] + [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("streamlit.") and isinstance(logger, logging.Logger)
    ]


def _warm_up() -> list[str]:
    imported = []
    for name in (*page_imports(), *FIRST_USE):
        try:
            importlib.import_module(name)
        except ImportError:  # `from x import function`: x itself is imported above
            continue
        imported.append(name)
    # Streamlit checks once, on a process's first element, whether it runs outside
    # `streamlit run` (to warn), by reading the source of every frame of the stack: with
    # the page's modules loaded, a tenth of a second of the first visit. This process is
    # `streamlit run`.
    import streamlit.delta_generator

    streamlit.delta_generator._use_warning_has_been_displayed = True
    from cxmetrics.store.errors import StoreError
    from cxmetrics.ui import data

    with contextlib.suppress(StoreError):  # e.g. busy: the first page run tries again, says why
        data.get_store()
    return imported


PRIME_TIMEOUT_S = 300
LOCAL_HOST = "127.0.0.1"
_log = logging.getLogger(__name__)


def _server_base() -> str:
    """host:port/base of this process's Streamlit server, from its settings."""
    from streamlit import config

    address = config.get_option("server.address") or LOCAL_HOST
    if address in ("0.0.0.0", "::"):  # listening everywhere: this machine is one of them
        address = LOCAL_HOST
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"{address}:{config.get_option('server.port')}" + (f"/{base}" if base else "")


def _wait_until_listening(deadline: float) -> str | None:
    """host:port/base once this process's server answers its health check; None at the
    deadline."""
    from streamlit.runtime import Runtime

    while time.monotonic() < deadline:
        if Runtime.exists():
            server = _server_base()
            try:
                with urllib.request.urlopen(f"http://{server}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return server
            except OSError:
                pass
        time.sleep(0.05)
    return None


def prime(server: str, timeout_s: float = PRIME_TIMEOUT_S) -> str:
    """Run the default page of the app at `server` (host:port/base) in one session of its
    own, as a browser's first visit does, and close it: "ready" when its script run ended,
    "not ready in time" otherwise."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    deadline = time.monotonic() + timeout_s
    rerun = BackMsg()
    rerun.rerun_script.query_string = ""
    with connect(
        f"ws://{server}/_stcore/stream",
        subprotocols=["streamlit"],
        max_size=None,
        open_timeout=timeout_s,
    ) as socket:
        socket.send(rerun.SerializeToString())
        while (left := deadline - time.monotonic()) > 0:
            message = ForwardMsg()
            message.ParseFromString(socket.recv(timeout=left))
            if message.WhichOneof("type") == "script_finished":
                return "ready"
    return "not ready in time"


def _prime_in_background() -> None:
    def run() -> None:
        started = time.perf_counter()
        try:
            server = _wait_until_listening(time.monotonic() + PRIME_TIMEOUT_S)
            outcome = prime(server) if server else "not primed: the server did not answer"
        except Exception as exc:  # a failed prime costs the first visitor time, nothing else
            _log.warning("the default page was not primed: %s: %s", type(exc).__name__, exc)
            return
        took = time.perf_counter() - started
        print(f"  cxmetrics: default page {outcome} ({took:.1f} s)", file=sys.stderr, flush=True)

    threading.Thread(target=run, name="cxmetrics-prime", daemon=True).start()


def main() -> None:
    """`python -m cxmetrics.ui.launch run SCRIPT [flags]`: warm up, then Streamlit's CLI
    (the default page primed once it listens)."""
    warm_up()
    _prime_in_background()
    from streamlit.web import cli

    sys.argv[0] = "streamlit"
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
