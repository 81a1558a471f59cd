"""The app starts on an empty store, fills it with the demo and shows engine numbers."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import last_complete_week
from cxmetrics.store import open_store

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_app_starts_builds_demo_and_shows_the_org_scorecard(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'app.duckdb'}"
    monkeypatch.setenv("CXMETRICS_DB_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    assert any("Demo data" in i.value for i in at.info)
    table = at.table[0].value
    assert len(table) == 17
    # the numbers on the page are the engine's numbers
    from cxmetrics.ui import data  # the app's cached store, opened in this process

    store = data.get_store()
    nps = scorecard(store, last_complete_week()).by_id()["nps"]
    row = table[table["Metric"] == "Net Promoter Score"].iloc[0]
    assert row["Value"] == f"{nps.value:+.0f}"
    assert row["n"] == nps.n
    data.get_store.clear()
    store.close()
    assert open_store(url).scalar("SELECT count(*) FROM upload_batches") == 1
