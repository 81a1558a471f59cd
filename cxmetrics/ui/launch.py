"""The web server's process (`cxmetrics serve`, `make run`, the browser tests and the bench
start it): warm up, then `streamlit run` with the arguments it was given.

Warming up imports what the pages import (the UI modules, the library modules each page
script names, and the libraries Streamlit and pandas load on first use: Arrow for tables,
jinja2 for styled tables) and opens the store, before the server listens, so the first
visitor does not wait for them. It reads no page data: every scorecard, story and table is
still read when a page asks for it. A store that cannot be opened yet (busy, damaged) is
left for the page, which says why and offers Retry.
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


def main() -> None:
    """`python -m cxmetrics.ui.launch run SCRIPT [flags]`: warm up, then Streamlit's CLI."""
    warm_up()
    from streamlit.web import cli

    sys.argv[0] = "streamlit"
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
