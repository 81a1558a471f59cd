from __future__ import annotations

import pytest

from cxmetrics.store import open_store


@pytest.fixture
def store(tmp_path):
    """A fresh store in a real DuckDB file."""
    s = open_store(f"duckdb:///{tmp_path / 'store.duckdb'}")
    yield s
    s.close()


@pytest.fixture
def known_store(store):
    """The hand-worked fixture of tests/fixtures/known_answer.py, inserted directly."""
    from tests.fixtures.known_answer import insert_directly

    insert_directly(store)
    return store
