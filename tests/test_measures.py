"""The rollup measures are declared once (store/measures.py) and everything else is built
from the declarations: table columns, named-column inserts, the registry's vocabulary."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cxmetrics.metrics.engine import scorecard
from cxmetrics.metrics.registry import default_registry
from cxmetrics.periods import parse_period
from cxmetrics.store import measures, open_store, rollups
from cxmetrics.store.measures import MEASURES, Measure, MeasureError


def test_validation_names_every_problem_at_once():
    bad = (
        *MEASURES,
        Measure("calls", "x", "count(*)", "BIGINT", "a source that does not exist"),
        Measure("surveys", "Bad Name", "count(*)", "INT", "two problems in one"),
        Measure("surveys", "responses", "", "BIGINT", ""),
    )
    with pytest.raises(MeasureError) as raised:
        measures.validate(bad)
    message = str(raised.value)
    assert message.startswith("6 problem(s) in the rollup measures")
    for expected in (
        "measure `calls.x`: field `source` is 'calls'",
        "measure `surveys.Bad Name`: field `name` must be",
        "measure `surveys.Bad Name`: field `type` is 'INT'",
        "measure `surveys.responses`: field `expr` is empty",
        "measure `surveys.responses`: field `means` is empty",
        "measure `surveys.responses`: declared twice",
    ):
        assert expected in message, expected


def test_the_rollup_tables_have_exactly_the_declared_columns(store):
    for source in measures.SOURCES:
        declared = [(m.name, m.type) for m in measures.MEASURES_OF[source]]
        for table in (f"rollup_{source}", f"rollup_{source}_period"):
            if table.endswith("_period") and source not in rollups.PERIOD_ROLLUPS:
                continue
            rows = store.rows(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = :t ORDER BY ordinal_position",
                {"t": table},
            )
            keys = ("grain", "date", "team_id", "agent_id")
            if not table.endswith("_period"):
                keys = measures.KEYS
            assert tuple(r[0] for r in rows[: len(keys)]) == keys, table
            assert [tuple(r) for r in rows[len(keys) :]] == declared, table


def test_inserts_name_their_columns():
    for source in measures.SOURCES:
        sql = measures.insert_sql(source, f"rollup_{source}", ("", "NULL"))
        names = ", ".join(m.name for m in measures.MEASURES_OF[source])
        assert f"INSERT INTO rollup_{source} (date, team_id, agent_id, row_team_id, {names})" in sql
        for m in measures.MEASURES_OF[source]:
            assert f"{m.expr} AS {m.name}" in sql


def test_the_registry_names_only_declared_sums():
    declared = {(m.source, m.name) for m in MEASURES}
    for metric in default_registry().values():
        for part in metric.parts.values():
            assert set(part) <= declared, metric.id


def test_a_changed_declaration_changes_the_signature():
    changed = (*MEASURES, Measure("surveys", "commented", "count(comment)", "BIGINT", "x"))
    assert measures.layout_signature(changed) != measures.layout_signature()


def test_rollups_built_from_other_declarations_are_recreated_and_rebuilt(known_store):
    week = parse_period("2026-W45")
    before = scorecard(known_store, week).to_dict()
    with known_store.transaction() as conn:  # as an older cxmetrics left its rollups
        conn.execute(text("ALTER TABLE rollup_surveys DROP COLUMN ces_easy"))
        conn.execute(text("DELETE FROM rollup_interactions"))
        conn.execute(text("UPDATE store_settings SET value = 'older' WHERE key = :k"),
                     {"k": rollups.LAYOUT_KEY})  # fmt: skip
    known_store.close()
    store = open_store(known_store.url)
    assert (
        store.scalar("SELECT value FROM store_settings WHERE key = :k", {"k": rollups.LAYOUT_KEY})
        == measures.layout_signature()
    )
    assert scorecard(store, week).to_dict() == before
    store.close()
