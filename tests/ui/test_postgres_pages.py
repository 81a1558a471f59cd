"""Every page and command on a PostgreSQL store holding every kind of upload: the SQL the
pages and commands run must be portable (a DuckDB-only statement fails here first)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxmetrics.cli import main
from cxmetrics.ingest import KINDS, load_batch
from cxmetrics.store import open_store
from tests.ui.conftest import _reset_caches, run_app

SAMPLES = Path(__file__).resolve().parents[2] / "cxmetrics" / "samples"
PAGES = ("team", "agent", "recognition", "obstacles", "upload", "definitions", "access", "audit")


@pytest.fixture
def pg_app(postgres_url, monkeypatch):
    """A PostgreSQL store with the demo and a sample of every kind loaded, used by the app."""
    assert main(["--db", postgres_url, "demo"]) == 0
    store = open_store(postgres_url)
    for kind in KINDS:
        report = load_batch(store, kind, SAMPLES / f"{kind}.csv")
        assert report.status == "committed", (kind, report.status)
    store.close()
    monkeypatch.setenv("CXMETRICS_DB_URL", postgres_url)
    _reset_caches()
    yield postgres_url
    _reset_caches()


def test_every_page_renders_on_postgresql(pg_app):
    at = run_app()
    assert not at.exception, [str(e.value)[:300] for e in at.exception]
    assert at.title[0].value.startswith("All-hands scorecard")
    for page in PAGES:
        at = run_app(page=f"views/{page}.py")
        assert not at.exception, (page, [str(e.value)[:300] for e in at.exception])


def test_commands_run_on_postgresql(pg_app, capsys, tmp_path):
    for args in (["obstacles", "--json"], ["audit", "--json"], ["stars", "--json"]):
        assert main(["--db", pg_app, *args]) == 0, args
        json.loads(capsys.readouterr().out)  # one JSON document
    deck = tmp_path / "deck.pptx"
    assert main(["--db", pg_app, "deck", "--out", str(deck)]) == 0
    assert deck.stat().st_size > 0
