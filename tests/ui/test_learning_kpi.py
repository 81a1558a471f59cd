"""Learning hours per agent among the business KPIs of the all-hands card (AppTest), on the
known-answer fixture with the learning rows of tests/test_learning.py."""

from __future__ import annotations

from cxmetrics.ingest import load_batch
from cxmetrics.store import open_store
from tests.test_learning import LEARNING
from tests.ui.conftest import run_app
from tests.ui.tiles import tiles


def test_the_card_shows_learning_hours_per_agent(known_db, tmp_path):
    path = tmp_path / "learning.csv"
    path.write_text(LEARNING, encoding="utf-8")
    store = open_store(known_db)
    load_batch(store, "learning", path)
    store.close()
    at = run_app({"period": "2026-W45"})
    assert not at.exception
    shown = {t.label: t for t in tiles(at)}
    # 8 hours over 5 agents (tests/test_learning.py works it out); W44 1 hour over 4
    tile = shown["Learning hours per agent"]
    assert tile.value == "1.60 hours"
    assert tile.change == "+1.35 · no test"
    assert any("8\\.00 hours logged, 5 agents in scope" in d for d in tile.details)
