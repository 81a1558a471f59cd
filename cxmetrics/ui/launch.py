"""The web server's process (`cxmetrics serve`, `make run`, the browser tests and the bench
start it): warm up, then `streamlit run` with the arguments it was given.

Warming up imports what the pages import (the UI modules, the library modules each page
script names, and the libraries Streamlit and pandas load on first use: Arrow for tables,
jinja2 for styled tables) and opens the store, before the server listens, so the first
visitor does not wait for them. A store that cannot be opened yet (busy, damaged) is left
for the page, which says why and offers Retry.

Then it runs the default page once, in this process, as a first visit would (Streamlit's
in-process script runner, no server yet): its reads go into the caches every session of
the server shares, so the first visitor after a start finds the default period's
scorecard and story read. It is a visitor like any other: with sign-in on it sees the
sign-in screen and reads nothing; the caches are keyed by the data version, so the next
write makes them stale; a run that fails costs the first visitor time, nothing else.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import logging
import sys
from pathlib import Path

VIEWS = Path(__file__).resolve().parent / "views"
# Loaded by Streamlit or pandas on the first table, styled table or figure of a page run.
FIRST_USE = ("pyarrow", "pandas.io.formats.style", "plotly.graph_objs._figure", "plotly.subplots")
# What Streamlit warns while the cached functions are defined and the store's cached
# resource is made before its server runs: true, and expected here.
NO_RUNTIME_YET = ("No runtime found", "missing ScriptRunContext")
DEFAULT_PAGE_TIMEOUT_S = 300
_log = logging.getLogger(__name__)


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
    """Import what the pages need, open the store and run the default page once (its reads
    fill the shared caches); the modules imported (for tests)."""
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
        run_default_page()
    return imported


def run_default_page() -> list[str]:
    """Run the app's default page once in this process (the caches it fills are the ones the
    server's sessions use); the exceptions it showed, for the log and tests."""
    from streamlit.testing.v1 import AppTest

    from cxmetrics.serve import MAIN_SCRIPT

    app = AppTest.from_file(str(MAIN_SCRIPT), default_timeout=DEFAULT_PAGE_TIMEOUT_S)
    try:
        app.run()
    except Exception as exc:  # e.g. too slow: the server starts all the same
        shown = [f"{type(exc).__name__}: {exc!s:.300}"]
    else:
        shown = [str(e.value)[:300] for e in app.exception]
    for problem in shown:
        _log.warning("the default page, run as the server starts, showed: %s", problem)
    return shown


def _settings_with_flags(argv: list[str]) -> None:
    """Read Streamlit's settings with the flags of `run SCRIPT [flags]` now, as `streamlit
    run` does: the default page's run reads them, and the server then finds them unchanged
    (read without the flags, it would warn that its [server] settings changed)."""
    from streamlit.web import bootstrap, cli

    if argv[:1] != ["run"]:
        return
    parsed = cli.main_run.make_context("run", list(argv[1:]))
    bootstrap.load_config_options(
        flag_options={k: v for k, v in parsed.params.items() if k not in ("target", "args")}
    )


def main() -> None:
    """`python -m cxmetrics.ui.launch run SCRIPT [flags]`: warm up, then Streamlit's CLI."""
    _settings_with_flags(sys.argv[1:])
    warm_up()
    from streamlit.web import cli

    sys.argv[0] = "streamlit"
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
