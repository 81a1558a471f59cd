"""The store: schema versioning, URL resolution, rollups kept in step with settings."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import text

from cxmetrics.config import DEFAULT_DB_URL, PROJECT_ROOT, Settings
from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import parse_period
from cxmetrics.store import Store, locate, open_store, resolve_url, rollups, schema
from cxmetrics.store.errors import (
    BadStoreURL,
    DiskFull,
    StoreBusy,
    StoreDamaged,
    StoreMissing,
    StoreReadOnly,
    StoreTooNew,
    fault_from,
)
from tests.fixtures.known_answer import insert_directly

TABLES = {
    "teams", "agents", "interactions", "adherence", "survey_responses", "kpi_values",
    "targets", "upload_batches", "rejected_rows", "recognitions", "rollup_interactions",
    "rollup_surveys", "rollup_adherence", "rollup_team_daily", "rollup_org_daily",
    "schema_version",
}  # fmt: skip


def _tables(store):
    return {r[0] for r in store.rows("SELECT table_name FROM information_schema.tables")}


@pytest.mark.both_stores
def test_new_store_gets_every_table_and_a_version(store):
    assert _tables(store) >= TABLES
    assert store.scalar("SELECT max(version) FROM schema_version") == schema.SCHEMA_VERSION


@pytest.mark.both_stores
def test_reopening_does_not_migrate_again(empty_store_url):
    url = empty_store_url
    open_store(url).close()
    store = open_store(url)
    assert store.scalar("SELECT count(*) FROM schema_version") == schema.SCHEMA_VERSION


@pytest.mark.both_stores
def test_store_from_a_newer_cxmetrics_is_refused(store_url):
    url = store_url
    store = open_store(url)
    with store.transaction() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (999, current_timestamp)"))
    store.close()
    with pytest.raises(StoreTooNew, match=r"made by a newer cxmetrics \(schema 999; .*upgrade"):
        open_store(url)


def test_default_url_is_under_the_project_root_and_others_under_cwd(tmp_path, monkeypatch):
    assert resolve_url(DEFAULT_DB_URL) == f"duckdb:///{PROJECT_ROOT / 'data' / 'cxmetrics.duckdb'}"
    monkeypatch.chdir(tmp_path)
    assert resolve_url("duckdb:///sub/x.duckdb") == f"duckdb:///{tmp_path / 'sub' / 'x.duckdb'}"
    assert not (tmp_path / "sub").exists()  # resolving creates nothing…
    open_store("duckdb:///sub/x.duckdb").close()  # …opening a store to write creates its folder
    assert (tmp_path / "sub" / "x.duckdb").is_file()


@pytest.mark.both_stores
def test_changing_the_service_level_threshold_rebuilds_rollups(store_url):
    url = store_url
    store = Store(Settings(db_url=url, service_level_seconds=20))
    insert_directly(store)
    w45 = parse_period("2026-W45")
    assert scorecard(store, w45).by_id()["service_level"].value == pytest.approx(35 / 52 * 100)
    store.close()
    # T = 30 s: i02 (25) and i05 (abandoned at 30) now count as within; 36 answered within,
    # abandoned after 30 s: a3x1, a3x2 -> 36 / (49 + 2)
    store = Store(Settings(db_url=url, service_level_seconds=30))
    assert scorecard(store, w45).by_id()["service_level"].value == pytest.approx(36 / 51 * 100)


@pytest.mark.both_stores
def test_rebuild_reproduces_incremental_rollups(known_store):
    def snapshot():
        return {
            table: sorted(map(repr, known_store.rows(f"SELECT * FROM {table}")))
            for table in [f"rollup_{src}" for src in rollups.SOURCES]
            + ["rollup_team_daily", "rollup_org_daily"]
        }

    before = snapshot()
    with known_store.transaction() as conn:
        rollups.rebuild(conn, known_store.settings)
    assert snapshot() == before


@pytest.mark.both_stores
def test_a_version_1_store_is_migrated_forward_keeping_its_data(empty_store_url):
    import sqlalchemy as sa

    url = empty_store_url
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


def _back_to_version_3(conn) -> None:
    """Undo schema versions 9 (read indexes), 8 (access list, audit log), 7 (learning), 6
    (obstacles, meetings), 5 (data version) and 4 (team history, supervisor e-mail, batch
    headers) on a store."""
    for statement in (
        *(f"DROP INDEX IF EXISTS {name}" for name in schema.READ_INDEXES),
        f"DELETE FROM schema_version WHERE version = {schema.READ_INDEXES_VERSION}",
        "DROP TABLE access",
        "DROP TABLE access_replaced",
        "DROP TABLE audit_log",
        f"DELETE FROM schema_version WHERE version = {schema.ACCESS_VERSION}",
        "DROP TABLE learning",
        "DELETE FROM schema_version WHERE version = 7",
        "DROP TABLE obstacle_events",
        "DROP TABLE obstacles",
        "DROP TABLE meetings",
        "DELETE FROM schema_version WHERE version = 6",
        "DROP TABLE data_version",
        "DELETE FROM schema_version WHERE version = 5",
        "DROP TABLE agent_team_changes",
        "DROP TABLE agent_teams",
        "ALTER TABLE teams DROP COLUMN supervisor_email",
        "ALTER TABLE roster_replaced DROP COLUMN supervisor_email",
        "DROP TABLE batch_columns",
        "ALTER TABLE rejected_rows DROP COLUMN cells",
        "DELETE FROM schema_version WHERE version = 4",
    ):
        conn.execute(text(statement))


def team_rollup_from_scratch(store) -> list[tuple]:
    """rollup_team_daily as it should be: every agent-rollup sum per date and team (the
    row's own team, else the team its agent was in on that date), in long form, zeros left
    out."""
    out = []
    for source, names in rollups.ROLLUP_SUMS.items():
        for name in names:
            out += store.rows(
                f"SELECT r.date, coalesce(r.team_id, h.team_id) AS team, "
                f"'{source}.{name}', CAST(sum(r.{name}) AS DOUBLE PRECISION) AS v "
                f"FROM rollup_{source} r "
                "LEFT JOIN agent_teams h ON h.agent_id = r.agent_id AND h.valid_from <= r.date "
                "AND (h.valid_to IS NULL OR r.date < h.valid_to) "
                f"GROUP BY 1, 2, 3 HAVING sum(r.{name}) <> 0"
            )
    return sorted(out, key=lambda r: (r[0], r[1] or "", r[2]))


def team_rollup(store) -> list[tuple]:
    rows = store.rows("SELECT date, team_id, measure, value FROM rollup_team_daily")
    return sorted(rows, key=lambda r: (r[0], r[1] or "", r[2]))


def org_rollup_from_scratch(store) -> list[tuple]:
    """rollup_org_daily as it should be: the agent-rollup sums per date, whatever the team."""
    out = []
    for source, names in rollups.ROLLUP_SUMS.items():
        for name in names:
            out += store.rows(
                f"SELECT date, '{source}.{name}', CAST(sum({name}) AS DOUBLE PRECISION) AS v "
                f"FROM rollup_{source} GROUP BY 1, 2 HAVING sum({name}) <> 0"
            )
    return sorted(out)


def org_rollup(store) -> list[tuple]:
    return sorted(store.rows("SELECT date, measure, value FROM rollup_org_daily"))


@pytest.mark.both_stores
def test_team_and_org_rollups_hold_the_agent_sums(known_store):
    assert team_rollup(known_store) == team_rollup_from_scratch(known_store)
    assert org_rollup(known_store) == org_rollup_from_scratch(known_store)
    # A9 is not on the roster: its rows count for the org under no team
    assert known_store.scalar("SELECT count(*) FROM rollup_team_daily WHERE team_id IS NULL")


def test_a_rollup_refresh_on_duckdb_never_joins_rows_back_on_their_measures(known_store):
    """The long rows (team, org, unit moments) are unpivoted in one pass. DuckDB plans a
    `CROSS JOIN LATERAL (VALUES …)` over grouped sums as a second grouping and a hash join
    back on every measure column (`IS NOT DISTINCT FROM`): most of a 1 M-row survey load's
    rollup refresh went there."""
    from sqlalchemy import event

    ran: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT"):
            ran.append((statement, parameters))

    event.listen(known_store.engine, "before_cursor_execute", keep)
    try:
        with known_store.transaction() as conn:
            for source in rollups.SOURCES:
                rollups.refresh(
                    conn, source, date(2026, 11, 2), date(2026, 11, 15), known_store.settings
                )
            raw = conn.connection.driver_connection
            plans = [raw.execute(f"EXPLAIN {sql}", params).fetchall() for sql, params in ran]
    finally:
        event.remove(known_store.engine, "before_cursor_execute", keep)
    inserts = [sql.split("(")[0] for sql, _ in ran]
    # agent rollups 3 (interactions, surveys, adherence refreshed after interactions too: 4),
    # their team and org rows, adherence's period totals (week, month) and unit moments
    assert sum("rollup_team_daily" in i for i in inserts) == 4
    assert sum("rollup_team_units" in i for i in inserts) == 2 * 4  # grains ×2 (refreshes)
    for (sql, _), plan in zip(ran, plans, strict=True):
        text_of_plan = " ".join(str(cell) for row in plan for cell in row)
        assert "IS NOT DISTINCT FROM" not in text_of_plan, sql[:80]


@pytest.mark.both_stores
def test_a_version_2_store_gets_its_team_rollup_when_migrated(known_store, tmp_path):
    w45 = parse_period("2026-W45")
    before = {team: scorecard(known_store, w45, team=team).to_dict() for team in (None, "T1")}
    with known_store.engine.begin() as conn:  # as cxmetrics with schema version 2 left it
        _back_to_version_3(conn)
        conn.execute(text("DROP TABLE rollup_team_daily"))
        conn.execute(text("DROP TABLE rollup_org_daily"))
        conn.execute(text("DELETE FROM schema_version WHERE version >= 3"))
    known_store.close()
    store = open_store(known_store.url)
    assert store.scalar("SELECT max(version) FROM schema_version") == schema.SCHEMA_VERSION
    assert team_rollup(store) == team_rollup_from_scratch(store)
    assert org_rollup(store) == org_rollup_from_scratch(store)
    assert {team: scorecard(store, w45, team=team).to_dict() for team in before} == before
    store.close()


@pytest.mark.both_stores
def test_a_dated_roster_move_takes_an_agents_untagged_rows_to_the_new_team(known_store, tmp_path):
    from cxmetrics.ingest import load_batch, undo_batch
    from tests.fixtures.known_answer import AGENTS, TEAMS

    def adherence_n(team):  # adherence rows carry no team: they follow the agent's team
        return scorecard(known_store, w45, team=team).by_id()["adherence"].n

    w45 = parse_period("2026-W45")
    org = scorecard(known_store, w45).to_dict()
    assert (adherence_n("T1"), adherence_n("T2")) == (3, 1)  # A1 ×2, A2; A3
    roster = tmp_path / "roster.csv"
    names = {t[0]: t[1] for t in TEAMS}
    moved = [(a[0], a[1], "T1" if a[0] == "A3" else a[2]) for a in AGENTS]
    roster.write_text(  # A3 in T1 from 2026-11-01: its W45 rows (11-05) go with it
        "agent_id,agent_name,team_id,team_name,effective_from\n"
        + "".join(
            f"{a},{n},{t},{names[t]},{'2026-11-01' if a == 'A3' else ''}\n" for a, n, t in moved
        )
    )
    batch = load_batch(known_store, "roster", roster)
    assert (batch.loaded, batch.duplicates) == (1, 3)  # only A3 changed
    assert (adherence_n("T1"), adherence_n("T2")) == (4, 0)
    assert team_rollup(known_store) == team_rollup_from_scratch(known_store)
    assert scorecard(known_store, w45).to_dict() == org  # org totals do not depend on teams
    undo_batch(known_store, batch.batch_id)
    assert (adherence_n("T1"), adherence_n("T2")) == (3, 1)
    assert team_rollup(known_store) == team_rollup_from_scratch(known_store)


@pytest.mark.both_stores
def test_every_committed_write_bumps_the_data_version_and_a_rollback_does_not(known_store):
    before = known_store.data_version()
    with known_store.transaction() as conn:
        conn.execute(text("DELETE FROM targets WHERE metric_id = 'nothing'"))
    assert known_store.data_version() == before + 1
    with pytest.raises(RuntimeError), known_store.transaction() as conn:
        conn.execute(text("DELETE FROM targets"))
        raise RuntimeError("changed my mind")
    assert known_store.data_version() == before + 1
    assert known_store.scalar("SELECT count(*) FROM targets") > 0


@pytest.mark.both_stores
def test_remembered_values_follow_the_data_version_whoever_writes(known_store):
    from datetime import date

    from cxmetrics.metrics.engine import data_as_of, targets_for

    calls = []

    def count(db):
        calls.append(1)
        return db.scalar("SELECT count(*) FROM targets")

    first = known_store.remembered("targets", count)
    assert known_store.remembered("targets", count) == first and len(calls) == 1
    w45_end = date(2026, 11, 8)
    assert targets_for(known_store, w45_end, None)["nps"][0] != 99
    assert data_as_of(known_store) < date(2026, 11, 20)
    # Another writer (as another process would be: its own Store on the same file)
    other = open_store(known_store.url)
    with other.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO targets VALUES ('nps', NULL, 99, 5, DATE '2026-11-02', 'x');"
                "INSERT INTO rollup_org_daily VALUES (DATE '2026-11-20', 'surveys.responses', 1)"
            )
        )
        # read beside the open transaction (which it cannot see yet): the old value
        assert known_store.remembered("targets", count) == first
    other.close()
    assert known_store.remembered("targets", count) == first + 1 and len(calls) == 2
    assert targets_for(known_store, w45_end, None)["nps"][0] == 99
    assert data_as_of(known_store) == date(2026, 11, 20)


@pytest.mark.both_stores
def test_a_roster_change_that_moves_nobody_keeps_the_team_rollup(known_store, tmp_path):
    from cxmetrics.ingest import load_batch
    from tests.fixtures.known_answer import AGENTS

    before = team_rollup(known_store)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "agent_id,agent_name,team_id\n"
        + "".join(f"{a[0]},{a[1]} Jr,{a[2]}\n" for a in AGENTS)  # new names, same teams
        + "A9,Nine Newcomer,T2\n"  # on no roster until now: its rows now belong to T2
    )
    batch = load_batch(known_store, "roster", roster)
    assert batch.loaded == len(AGENTS) + 1
    after = team_rollup(known_store)
    assert after == team_rollup_from_scratch(known_store) and after != before
    assert not any(r[1] is None for r in after)  # A9's rows are no longer teamless


@pytest.mark.both_stores
def test_a_version_3_store_gets_a_team_history_that_keeps_its_numbers(tmp_path, store_url):
    from cxmetrics.ingest import load_batch, undo_batch

    # As cxmetrics with schema version 3 left it: roster v1 (001, 002 in T1), then roster
    # v2 moved 002 to T2 (its T1 row kept in roster_replaced), then 002's adherence rows.
    url = store_url
    store = open_store(url)
    fixtures = Path(__file__).parent / "fixtures" / "ingest"
    load_batch(store, "roster", fixtures / "roster_v1.csv")
    v2 = load_batch(store, "roster", fixtures / "roster_v2.csv")
    adherence = tmp_path / "adherence.csv"
    adherence.write_text(
        "agent_id,date,scheduled_minutes,in_adherence_minutes,logged_in_minutes,"
        "available_minutes\n002,2025-11-03,100,90,95,10\n001,2025-11-03,100,80,95,10\n"
    )
    load_batch(store, "adherence", adherence)
    with store.engine.begin() as conn:  # surgery: no data-version bump
        _back_to_version_3(conn)
        # Version 3 put every untagged row in its agent's roster team.
        conn.execute(text("DELETE FROM rollup_team_daily"))
        for source, names in rollups.ROLLUP_SUMS.items():
            for name in names:
                conn.execute(
                    text(
                        f"INSERT INTO rollup_team_daily SELECT r.date, "
                        f"coalesce(r.team_id, a.team_id), '{source}.{name}', sum(r.{name}) AS v "
                        f"FROM rollup_{source} r LEFT JOIN agents a USING (agent_id) "
                        f"GROUP BY 1, 2, 3 HAVING sum(r.{name}) <> 0"
                    )
                )
    store.close()

    store = open_store(url)
    assert store.scalar("SELECT max(version) FROM schema_version") == schema.SCHEMA_VERSION
    # Each agent in its roster team since always: every number as under version 3.
    assert store.rows("SELECT * FROM agent_teams ORDER BY agent_id") == [
        ("001", "T1", date(1, 1, 1), None, store.scalar("SELECT batch_id FROM agents LIMIT 1")),
        ("002", "T2", date(1, 1, 1), None, v2.batch_id),
        ("003", "T2", date(1, 1, 1), None, v2.batch_id),
    ]
    assert team_rollup(store) == team_rollup_from_scratch(store)
    week = parse_period("2025-W45")
    assert scorecard(store, week, team="T2").by_id()["adherence"].value == pytest.approx(90)
    # Undoing roster v2 still brings 002 back to T1 (its replaced row), for all its dates.
    undo_batch(store, v2.batch_id)
    assert store.rows(
        "SELECT team_id, valid_from, valid_to FROM agent_teams WHERE agent_id = '002'"
    ) == [("T1", date(1, 1, 1), None)]
    # T1: 001 (80 of 100) and 002 (90 of 100).
    assert scorecard(store, week, team="T1").by_id()["adherence"].value == pytest.approx(85)
    assert team_rollup(store) == team_rollup_from_scratch(store)
    store.close()


def test_opening_a_current_store_writes_nothing(tmp_path):
    path = tmp_path / "s.duckdb"
    open_store(f"duckdb:///{path}").close()
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(tmp_path.iterdir()))
    store = open_store(f"duckdb:///{path}")
    assert not store.read_only and store.scalar("SELECT count(*) FROM upload_batches") == 0
    store.close()
    assert (path.read_bytes(), path.stat().st_mtime_ns, sorted(tmp_path.iterdir())) == before


def test_a_read_finds_no_store_and_creates_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreMissing, match=r"no store at `sub/typo\.duckdb`: check the store URL"):
        open_store("duckdb:///sub/typo.duckdb", create=False)
    with pytest.raises(StoreMissing, match="no store at that path"):
        open_store(f"duckdb:///{tmp_path / 'abs.duckdb'}", create=False)
    with pytest.raises(StoreMissing, match=r"in-memory store .* is always empty"):
        open_store("duckdb:///:memory:", create=False)
    assert list(tmp_path.iterdir()) == []


def test_locate_checks_a_url_before_anything_is_opened(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    where = locate("duckdb:///rel/s.duckdb?threads=2")
    assert where.path == tmp_path / "rel" / "s.duckdb" and where.label == "the store `rel/s.duckdb`"
    assert where.url == f"duckdb:///{tmp_path / 'rel' / 's.duckdb'}?threads=2"
    assert locate(DEFAULT_DB_URL).label == "the store"  # not typed by the user
    assert locate(f"duckdb:///{tmp_path / 'a.duckdb'}").label == "the store"  # a machine path
    assert locate("duckdb:///:memory:").in_memory and locate("duckdb://").in_memory
    with pytest.raises(BadStoreURL, match="`sqlite`, which cxmetrics does not support"):
        locate("sqlite:///x.db")
    with pytest.raises(BadStoreURL, match=r"is a path, not a URL: write it as duckdb:///x\.duckdb"):
        locate("x.duckdb")
    monkeypatch.setitem(sys.modules, "psycopg", None)  # this interpreter cannot import it
    with pytest.raises(BadStoreURL, match=r"driver `psycopg`.*pip install 'psycopg\[binary\]'"):
        locate("postgresql://me:secret@db/cx")
    with pytest.raises(BadStoreURL, match="points at a folder, not a file"):
        open_store(f"duckdb:///{tmp_path}")
    assert list(tmp_path.iterdir()) == []


def test_driver_errors_are_read_by_what_they_say_not_by_a_word_inside():
    # "block" in a corrupt-block message once read as "lock": a damaged store is not busy
    corrupt = duckdb.Error("Corrupt database file: checksum mismatch in block at location 8192")
    assert isinstance(fault_from(corrupt), StoreDamaged)
    busy = duckdb.IOException('Could not set lock on file "/x/s.duckdb": Conflicting lock is '
                              "held in /usr/bin/python3 (PID 4242)")  # fmt: skip
    fault = fault_from(busy, "the store `s.duckdb`")
    assert isinstance(fault, StoreBusy) and str(fault).startswith("the store `s.duckdb` is busy")
    assert "4242" not in str(fault) and "/x/" not in str(fault)
    # A full disk surfaces as "transaction is aborted" raised while cleaning up: the cause wins
    try:
        try:
            raise duckdb.IOException('Could not write file "/x/s.duckdb": File too large')
        except duckdb.IOException:
            # raised while cleaning up, as the loader's does: the cause is its __context__
            raise duckdb.TransactionException("Current transaction is aborted")  # noqa: B904
    except duckdb.TransactionException as exc:
        assert isinstance(fault_from(exc), DiskFull)
    assert fault_from(ValueError("lock")) is None  # not a driver error: not ours to explain
    assert fault_from(PermissionError(13, "denied")) is None
    assert isinstance(fault_from(PermissionError(13, "denied"), os_errors=True), StoreReadOnly)


@pytest.mark.both_stores
def test_the_dialect_is_named_from_a_store_a_reader_and_a_connection(store, store_kind):
    from cxmetrics.store.dialect import name_of

    assert name_of(store) == store_kind
    with store.snapshot() as reader:
        assert name_of(reader) == store_kind
    with store.transaction() as conn:
        assert name_of(conn) == store_kind
