"""The app and the command line share one DuckDB store file: with the app serving it and a
page open in Chromium, `cxmetrics ingest` (as from cron; the app, which hosts the file, does
the load) and `cxmetrics scorecard` (taking its turn for the file) succeed from another
process, and the page shows the new numbers on its next rerun (reads are cached by the
store's data version, which the load's commit bumps)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta

import pytest

from cxmetrics.demo import build_demo
from cxmetrics.ingest.handoff import HANDED_NOTE
from cxmetrics.periods import last_complete_week
from cxmetrics.store import open_store
from tests import harness
from tests.browser.conftest import ROOT, _serve, _tab

pytestmark = pytest.mark.browser

RESPONSES = harness.TILE + '[class*="-responses"] [data-testid="stMarkdownContainer"] strong'
NEW = 25  # survey responses the command loads into the week the page shows


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cxmetrics.cli", "--db", url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "CXMETRICS_STORE_WAIT_SECONDS": "120"},
    )


def _responses_shown(page) -> int:
    tile = page.locator(RESPONSES).first
    tile.wait_for(state="visible")
    return int(tile.inner_text().replace(",", "").strip())


def test_cli_ingest_and_scorecard_while_the_app_serves_the_file(browser, tmp_path):
    week = last_complete_week()
    url = f"duckdb:///{tmp_path / 'shared.duckdb'}"
    store = open_store(url)
    build_demo(store, agents=12, weeks=3)
    agent = store.scalar("SELECT min(agent_id) FROM agents")
    store.close()
    day = (week.start + timedelta(days=2)).isoformat()
    export = tmp_path / "nightly.csv"
    export.write_text(
        "response_id,responded_at,agent_id,nps\n"
        + "".join(f"NIGHT-{i:03d},{day} 10:{i:02d},{agent},9\n" for i in range(NEW))
    )

    with _serve(url, tmp_path / "server.log") as base, contextmanager(_tab)(browser, base) as ui:
        page = ui.open_page("/")
        before = _responses_shown(page)

        loaded = _cli(url, "ingest", "surveys", str(export))
        assert loaded.returncode == 0, loaded.stderr
        assert "Traceback" not in loaded.stderr
        assert HANDED_NOTE in loaded.stderr  # the app loaded it, beside its sessions' reads
        card = _cli(url, "scorecard", "--period", week.label, "--json")
        assert card.returncode == 0, card.stderr
        responses = {m["id"]: m["value"] for m in json.loads(card.stdout)["metrics"]}
        assert responses["responses"] == before + NEW

        page.keyboard.press("r")  # Streamlit's rerun key
        harness.wait_for_script_end(page)
        page.locator(RESPONSES).get_by_text(f"{before + NEW:,}").wait_for(timeout=30_000)
        assert _responses_shown(page) == before + NEW
        ui.assert_no_errors("after the command's load")
        ui.screenshot("shared-store-after-cli-load")
