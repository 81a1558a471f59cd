"""The server's warm-up (cxmetrics/ui/launch.py): before the server listens it imports what
the pages import, opens the store and runs the default page once, so the first visitor's
page run uses that store and finds the default period's scorecard and story read; a store
that cannot be opened yet is left for the page to explain."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from cxmetrics.config import PROJECT_ROOT
from cxmetrics.serve import MAIN_SCRIPT, streamlit_command
from cxmetrics.ui.launch import page_imports
from tests.harness import serve_app

# In a fresh interpreter: warm up, then count how often the first page run opens a store.
WARM_THEN_RUN = """
import json, sys
from cxmetrics.ui import launch
before = set(sys.modules)
imported = launch.warm_up()
loaded = sorted(set(sys.modules) - before)
from cxmetrics.ui import data
opened = []
open_store = data.open_store
data.open_store = lambda *a, **k: opened.append(1) or open_store(*a, **k)
from cxmetrics.metrics import engine
from cxmetrics.story import gather
read = []
for module, name in ((engine, "scorecard"), (gather, "read_story")):
    function = getattr(module, name)
    setattr(module, name, lambda *a, f=function, n=name, **k: read.append(n) or f(*a, **k))
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.run()
print(json.dumps({
    "imported": imported,
    "loaded": loaded,
    "opened_by_the_page": len(opened),
    "read_by_the_page": read,
    "title": [t.value for t in at.title],
    "errors": [e.value for e in at.error],
}))
"""


def _warm_then_run(db_url: str) -> dict:
    env = {**os.environ, "CXMETRICS_DB_URL": db_url}
    done = subprocess.run(
        [sys.executable, "-c", WARM_THEN_RUN, str(MAIN_SCRIPT)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_warm_up_imports_what_the_page_scripts_import():
    names = page_imports()
    # allhands.py: `from cxmetrics.story.explain import waterfall` and
    # `from cxmetrics.ui import charts, components, data, frontline, identity, svg_charts`
    assert "cxmetrics.story.explain" in names
    assert {"cxmetrics.ui.svg_charts", "cxmetrics.ui.frontline", "pandas"} <= set(names)
    assert "__future__" not in names
    assert len(names) == len(set(names))


def test_the_server_process_warms_up_before_streamlit_runs_the_entry_script():
    command = streamlit_command(port=8501)
    assert command[1:5] == ["-m", "cxmetrics.ui.launch", "run", str(MAIN_SCRIPT)]
    assert "--server.port=8501" in command


def test_the_first_page_run_uses_the_store_and_the_reads_of_the_warm_up(known_store, store_url):
    known_store.close()  # DuckDB: one process per file, and the warm-up is the next one
    ran = _warm_then_run(store_url)
    assert ran["opened_by_the_page"] == 0
    # the warm-up ran the default page: its scorecard and story are in the shared caches
    assert ran["read_by_the_page"] == []
    assert ran["errors"] == []
    assert ran["title"] and ran["title"][0].startswith("All-hands scorecard")
    # the page's libraries are loaded before any page runs, and the first-use ones too
    assert "cxmetrics.story.explain" in ran["loaded"]
    assert {"pyarrow", "pandas.io.formats.style"} <= set(ran["imported"])


def test_a_store_that_cannot_be_opened_is_left_for_the_page_to_explain(tmp_path):
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"this is not a database file" * 100)
    ran = _warm_then_run(f"duckdb:///{damaged}")
    assert "cxmetrics.story.explain" in ran["loaded"]  # the imports still happened
    assert ran["opened_by_the_page"] == 1  # the page tried again, and says why
    assert ran["errors"], ran


def test_the_started_server_takes_its_flags_as_given_without_a_warning(
    known_store, store_url, tmp_path
):
    known_store.close()
    log = tmp_path / "server.log"
    with serve_app(store_url, log, "--server.maxUploadSize=123") as (_base, _server):
        pass  # healthy: its default page ran before it listened
    text = log.read_text(encoding="utf-8")
    # the default page's run read the settings with the command line's flags, so the
    # server found them unchanged (no "[server] config option section" warning)
    assert "config option section was detected" not in text, text[-3000:]
    assert "Traceback" not in text and "showed:" not in text, text[-3000:]


def test_no_script_relies_on_magic_which_the_server_turns_off():
    """ui/streamlit.toml turns Streamlit's magic off (runner.magicEnabled): a bare expression
    in a UI script would show in AppTest, which does not read those settings, and not on
    the served page. Docstrings and calls are not magic."""
    assert "--runner.magicEnabled=false" in streamlit_command()
    written = []
    for script in sorted(MAIN_SCRIPT.parent.rglob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            body = getattr(node, "body", None)
            for index, statement in enumerate(body if isinstance(body, list) else []):
                if not isinstance(statement, ast.Expr) or isinstance(
                    statement.value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom)
                ):
                    continue
                if index == 0 and isinstance(statement.value, ast.Constant):
                    continue  # a docstring
                written.append(f"{script.name}:{statement.lineno}")
    assert written == []
