"""The store: schema versioning, URL resolution, rollups kept in step with settings."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cxmetrics.config import DEFAULT_DB_URL, PROJECT_ROOT, Settings
from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import parse_period
from cxmetrics.store import Store, open_store, resolve_url, rollups, schema
from tests.fixtures.known_answer import insert_directly

TABLES = {
    "teams", "agents", "interactions", "adherence", "survey_responses", "kpi_values",
    "targets", "upload_batches", "rejected_rows", "recognitions", "rollup_interactions",
    "rollup_surveys", "rollup_adherence", "schema_version",
}  # fmt: skip


def _tables(store):
    return {r[0] for r in store.rows("SELECT table_name FROM information_schema.tables")}


def test_new_store_gets_every_table_and_a_version(store):
    assert _tables(store) >= TABLES
    assert store.scalar("SELECT max(version) FROM schema_version") == schema.SCHEMA_VERSION


def test_reopening_does_not_migrate_again(tmp_path):
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    open_store(url).close()
    store = open_store(url)
    assert store.scalar("SELECT count(*) FROM schema_version") == schema.SCHEMA_VERSION


def test_store_from_a_newer_cxmetrics_is_refused(tmp_path):
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    store = open_store(url)
    with store.transaction() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (999, current_timestamp)"))
    store.close()
    with pytest.raises(RuntimeError, match="upgrade cxmetrics"):
        open_store(url)


def test_default_url_is_under_the_project_root_and_others_under_cwd(tmp_path, monkeypatch):
    assert resolve_url(DEFAULT_DB_URL) == f"duckdb:///{PROJECT_ROOT / 'data' / 'cxmetrics.duckdb'}"
    monkeypatch.chdir(tmp_path)
    assert resolve_url("duckdb:///sub/x.duckdb") == f"duckdb:///{tmp_path / 'sub' / 'x.duckdb'}"
    assert (tmp_path / "sub").is_dir()


def test_changing_the_service_level_threshold_rebuilds_rollups(tmp_path):
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    store = Store(Settings(db_url=url, service_level_seconds=20))
    insert_directly(store)
    w45 = parse_period("2026-W45")
    assert scorecard(store, w45).by_id()["service_level"].value == pytest.approx(35 / 52 * 100)
    store.close()
    # T = 30 s: i02 (25) and i05 (abandoned at 30) now count as within; 36 answered within,
    # abandoned after 30 s: a3x1, a3x2 -> 36 / (49 + 2)
    store = Store(Settings(db_url=url, service_level_seconds=30))
    assert scorecard(store, w45).by_id()["service_level"].value == pytest.approx(36 / 51 * 100)


def test_rebuild_reproduces_incremental_rollups(known_store):
    def snapshot():
        return {
            src: known_store.rows(f"SELECT * FROM rollup_{src} ORDER BY ALL")
            for src in rollups.SOURCES
        }

    before = snapshot()
    with known_store.transaction() as conn:
        rollups.rebuild(conn, known_store.settings)
    assert snapshot() == before


def test_a_version_1_store_is_migrated_forward_keeping_its_data(tmp_path):
    import sqlalchemy as sa

    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a store as cxmetrics with schema version 1 left it
        schema.migrate(conn, target=1)
        conn.execute(
            text("INSERT INTO agents (agent_id, name, team_id) VALUES ('007', 'Ana', 'T1')")
        )
    engine.dispose()
    store = open_store(url)
    assert store.scalar("SELECT max(version) FROM schema_version") == schema.SCHEMA_VERSION
    assert [r[0] for r in store.rows("SELECT version FROM schema_version ORDER BY 1")] == list(
        range(1, schema.SCHEMA_VERSION + 1)
    )
    assert store.rows("SELECT agent_id, name, nickname FROM agents") == [("007", "Ana", None)]
    assert "mapping_templates" in _tables(store)
