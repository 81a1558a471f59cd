"""How scorecards find their rows: a team's rows of the agent rollups by the team each row
counts for, stored with it (`row_team_id`) and kept in step with the team history, and
PostgreSQL's read indexes (schema version `READ_INDEXES_VERSION`) that the team, agent and
agent-table reads use."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from cxmetrics.ingest import load_batch, undo_batch
from cxmetrics.store import membership, open_store, schema, sums
from cxmetrics.store.measures import ROLLUP_SUMS
from tests.test_team_history import _roster

FIRST, LAST = date(2025, 1, 1), date(2027, 1, 1)


def _indexes(store) -> dict[str, str]:
    """{index name: its definition} of the store's own schema (PostgreSQL)."""
    rows = store.rows(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    )
    return dict(rows)


def _rows_against_history(store) -> dict[str, tuple[int, int]]:
    """Per agent rollup: (rows whose stored team differs from the one the team history
    gives them today, untagged rows that have a team)."""
    join, team = membership.fact_team("r", "r.date")
    out = {}
    for source in ROLLUP_SUMS:
        out[source] = tuple(
            store.rows(
                f"SELECT count(*) FILTER (WHERE r.row_team_id IS DISTINCT FROM {team}), "
                "count(*) FILTER (WHERE r.team_id IS NULL AND r.row_team_id IS NOT NULL) "
                f"FROM rollup_{source} r {join}"
            )[0]
        )
    return out


@pytest.mark.both_stores
def test_each_rows_stored_team_is_the_one_the_team_history_gives(known_store, tmp_path):
    """The team an agent-rollup row counts for is its own, else its agent's that day, after
    the load that wrote it, a correction dated in the past, an agent's first team, and the
    undo of each (the fixture has rows that name their team and untagged rows that follow
    their agent, among them an agent on no roster)."""
    counts = _rows_against_history(known_store)
    assert all(wrong == 0 for wrong, _ in counts.values()), counts
    assert counts["interactions"][1] > 0  # untagged rows that follow their agent
    before = known_store.rows("SELECT * FROM rollup_interactions ORDER BY 1, 2, 3")
    fix = load_batch(
        known_store, "roster", _roster(tmp_path, "a.csv", [("A3", "T1", "2026-11-02")])
    )
    first = load_batch(known_store, "roster", _roster(tmp_path, "b.csv", [("A9", "T2", "")]))
    assert fix.loaded == 1 and first.loaded == 1
    counts = _rows_against_history(known_store)
    assert all(wrong == 0 for wrong, _ in counts.values()), counts
    moved = known_store.scalar(
        "SELECT count(*) FROM rollup_interactions WHERE team_id IS NULL AND agent_id = 'A9' "
        "AND row_team_id = 'T2'"
    )
    assert moved > 0  # A9's rows counted for the org only; now for T2
    for batch in (first, fix):
        undo_batch(known_store, batch.batch_id)
        counts = _rows_against_history(known_store)
        assert all(wrong == 0 for wrong, _ in counts.values()), (batch.batch_id, counts)
    assert known_store.rows("SELECT * FROM rollup_interactions ORDER BY 1, 2, 3") == before


@pytest.mark.both_stores
def test_postgres_gets_the_read_indexes_and_duckdb_none(store):
    assert store.scalar("SELECT max(version) FROM schema_version") == schema.SCHEMA_VERSION
    if store.dialect != "postgresql":
        # DuckDB reads by zone maps; an ART index would only slow the loads' rollup refresh.
        assert store.scalar("SELECT count(*) FROM duckdb_indexes()") == 0
        return
    found = _indexes(store)
    for name, on in schema.READ_INDEXES.items():
        table, columns = on.split(" ", 1)
        assert name in found, name
        assert f"ON {store.scalar('SELECT current_schema()')}.{table} " in found[name]
        assert found[name].endswith(f"USING btree {columns}"), found[name]


@pytest.mark.both_stores
def test_a_version_8_store_is_given_the_read_indexes(store_url):
    store = open_store(store_url)
    with store.engine.begin() as conn:  # as cxmetrics with schema version 8 left it
        for name in schema.READ_INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        conn.execute(
            text("DELETE FROM schema_version WHERE version = :v"),
            {"v": schema.READ_INDEXES_VERSION},
        )
    store.close()
    store = open_store(store_url)
    try:
        assert store.scalar("SELECT max(version) FROM schema_version") == schema.SCHEMA_VERSION
        if store.dialect == "postgresql":
            assert set(schema.READ_INDEXES) <= set(_indexes(store))
    finally:
        store.close()


def _plan(store, sql: str, params: dict) -> str:
    """PostgreSQL's plan of `sql` with sequential scans priced out: the indexes it can use."""
    with store.reading() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        rows = conn.execute(text("EXPLAIN " + sql), params).fetchall()
    return "\n".join(r[0] for r in rows)


def test_the_team_agent_and_agent_table_reads_can_use_the_read_indexes(postgres_url):
    """The index columns fit the statements' filters (the fixture is too small for the
    planner to prefer them, so sequential scans are priced out): a team's scorecard reads
    the team rollups by team, an agent's scorecard the agent rollups by agent, and a team's
    agent table the agent rollups by team (the untagged rows too: team_id IS NULL)."""
    store = open_store(postgres_url)
    try:
        params = {"first": FIRST, "last": LAST, "team": "T1", "agent": "A1"}
        team = sums._long_sql("postgresql", tuple(ROLLUP_SUMS), "week", "T1", None)
        team += " UNION ALL " + sums._units_sql("week", "T1", None)
        plan = _plan(store, team, params)
        assert "read_team_daily_by_team" in plan and "read_team_units_by_team" in plan
        for source in ROLLUP_SUMS:
            moments = source == "adherence"
            columns = ROLLUP_SUMS[source]
            agent = sums._source_sql(
                "postgresql", source, "week", None, "A1", None, moments, columns
            )
            plan = _plan(store, agent, params)
            assert f"read_{source}_by_agent" in plan, plan
            table = sums._source_sql(
                "postgresql", source, "week", "T1", None, "agent", moments, columns
            )
            plan = _plan(store, table, params)
            assert f"read_{source}_by_team" in plan, plan
    finally:
        store.close()


@pytest.mark.both_stores
def test_the_roster_a_file_is_checked_against_is_read_in_one_snapshot(known_store):
    """One connection for both lists: a command sharing a DuckDB file with the app asks
    for the file once for them, not once per list."""
    import sqlalchemy as sa

    from cxmetrics.store import roster

    connections = []

    def connected(conn) -> None:
        connections.append(conn)

    sa.event.listen(known_store.engine, "engine_connect", connected)
    agents, teams = roster.names(known_store)
    sa.event.remove(known_store.engine, "engine_connect", connected)
    assert len(connections) == 1
    assert set(agents["agent_id"]) >= {"A1", "A2"} and "T1" in set(teams["team_id"])


@pytest.mark.both_stores
def test_agent_reads_leave_out_the_sums_no_agent_metric_needs(known_store, monkeypatch):
    """An agent table and an agent's scorecard read only the sums of the metrics that apply
    to an agent (queue measures do not: their columns are not read), and say exactly what
    reading every sum says."""
    import sqlalchemy as sa

    from cxmetrics.metrics import engine
    from cxmetrics.periods import parse_period

    week = parse_period("2026-W45")
    statements: list[str] = []
    sa.event.listen(
        known_store.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )
    table = engine.breakdown(known_store, week, "agent", team="T1")
    card = engine.scorecard(known_store, week, agent="A1")
    agent_reads = [s for s in statements if "FROM rollup_interactions" in s]
    assert len(agent_reads) == 2  # the table's and the card's
    assert not [s for s in agent_reads if "wait_seconds_sq" in s or "abandoned" in s]
    assert all("handle_seconds_sq" in s for s in agent_reads)  # what AHT's interval needs
    monkeypatch.setattr(engine, "scope_measures", lambda registry, scope: None)
    assert engine.breakdown(known_store, week, "agent", team="T1") == table
    assert engine.scorecard(known_store, week, agent="A1").to_dict() == card.to_dict()
    assert table and any(line.value is not None for lines in table.values() for line in lines)
    assert any(line.value is not None for line in card.metrics)


@pytest.mark.both_stores
def test_an_agents_days_are_read_as_rows_where_each_day_is_one_row(known_store, monkeypatch):
    """A rollup whose rows name no team (adherence) holds one row per agent and date, so an
    agent's days (the units of its clustered intervals) are its rows, summed in one
    aggregation: the same sums and moments as grouping the days first."""
    from cxmetrics.store import rollups
    from cxmetrics.store.measures import one_row_per_agent_day

    assert [s for s in ROLLUP_SUMS if one_row_per_agent_day(s)] == ["adherence"]
    repeated = known_store.scalar(
        "SELECT count(*) FROM (SELECT date, agent_id FROM rollup_adherence "
        "GROUP BY date, agent_id HAVING count(*) > 1) AS twice"
    )
    assert repeated == 0
    asked = [
        {"grain": "week", "by": "agent", "team": "T1"},
        {"grain": "week", "agent": "A1"},
        {"grain": "month", "by": "agent"},
    ]
    reads = [sums.read(known_store, FIRST, LAST, unit_sources=("adherence",), **a) for a in asked]
    monkeypatch.setattr(sums, "one_row_per_agent_day", lambda source: False)
    grouped = [sums.read(known_store, FIRST, LAST, unit_sources=("adherence",), **a) for a in asked]
    assert reads == grouped
    moment = rollups.product_measure("adherence", "in_adherence_minutes", "scheduled_minutes")
    assert any(row.get(moment) for read in reads for row in read.values())
