"""AppTest helpers: each test gets its own store file and fresh Streamlit caches."""

from __future__ import annotations

import re

import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from sqlalchemy import text
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from cxmetrics.serve import MAIN_SCRIPT
from cxmetrics.store import open_store

APP = MAIN_SCRIPT
# Markup Streamlit would render in a markdown source when it is not backslash-escaped: HTML,
# images, links, KaTeX, colour directives and autolinks.
LIVE_MARKUP = re.compile(r"(?<!\\)(?:<|!\[|\]\(|\$|:[a-z-]+\[|https?://|www\.)")


def live_markup(source: str) -> list[str]:
    """What would render as markup in a markdown source (none for inert text)."""
    return LIVE_MARKUP.findall(source)


def _reset_caches() -> None:
    st.cache_resource.clear()  # the store, and the stories it holds
    st.cache_data.clear()


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """A store URL the app will use; caches are reset around the test."""
    url = f"duckdb:///{tmp_path / 'app.duckdb'}"
    monkeypatch.setenv("CXMETRICS_DB_URL", url)
    _reset_caches()
    yield url
    _reset_caches()


@pytest.fixture
def empty_db(app_db):
    """A store with no data that will not be filled with the demo (demo was cleared)."""
    store = open_store(app_db)
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO upload_batches VALUES ('demo', 'demo', 'demo organisation', NULL, "
                "'cxmetrics demo', current_timestamp, 0, 0, 0, 0, 'undone')"
            )
        )
    store.close()
    return app_db


@pytest.fixture
def known_db(app_db):
    """The hand-worked fixture (tests/fixtures/known_answer.py) in the app's store."""
    from tests.fixtures.known_answer import insert_directly

    store = open_store(app_db)
    insert_directly(store)
    store.close()
    return app_db


def run_app(query: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


@pytest.fixture
def captured_downloads(monkeypatch):
    """Bytes of every download button the app renders: {media URL: bytes}."""
    seen: dict[str, bytes] = {}

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
            seen[self.get_url(file_id)] = self.get_file(file_id).content
            return file_id

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", Recording)
    return seen
