"""How a load's rows and keys reach PostgreSQL: COPY in binary keeps every value as the CSV
COPY did (a missing value NULL, an empty string empty, dates before 2000, aware times),
columns it cannot send as they are still go as text, and a load's key check copies the
file's keys to the server only when the table holds another batch's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest
from sqlalchemy import event, text

from cxmetrics.store import facts, open_store, postgres
from cxmetrics.store.dialect import POSTGRESQL


def test_binary_copy_keeps_every_value(postgres_url):
    rows = pa.table(
        {
            "s": pa.array(["a", "", None, 'é "x",\nnext line'], pa.large_string()),
            "small": pa.array([1, None, -3, 32767], pa.int16()),
            "big": pa.array([2**40, 2, None, -1], pa.int64()),
            "x": pa.array([1.5, None, -0.25, 1e300]),
            "flag": pa.array([True, False, None, True]),
            "day": pa.array([date(2000, 1, 1), date(1999, 12, 31), None, date(2026, 11, 22)]),
            "at": pa.array(
                [
                    datetime(2000, 1, 1),
                    datetime(1970, 1, 1, 0, 0, 0, 1),
                    None,
                    datetime(2026, 11, 22, 23, 59, 59, 999999),
                ],
                pa.timestamp("us"),
            ),
            "aware": pa.array(
                [
                    datetime(2026, 1, 1, 10, tzinfo=UTC),
                    None,
                    None,
                    datetime(1960, 1, 1, tzinfo=UTC),
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "none": pa.nulls(4),
            "coded": pa.array(["x", "y", None, "x"]).dictionary_encode(),
        }
    )
    store = open_store(postgres_url)
    try:
        with store.transaction() as conn:
            conn.execute(
                text(
                    "CREATE TABLE copied (batch_id VARCHAR, s VARCHAR, small SMALLINT, "
                    "big BIGINT, x DOUBLE PRECISION, flag BOOLEAN, day DATE, at TIMESTAMP, "
                    "aware TIMESTAMPTZ, none INTEGER, coded VARCHAR)"
                )
            )
            copied = postgres.copy_in(
                conn, "copied", rows.column_names, rows.to_batches(max_chunksize=3),
                constants={"batch_id": "b1"},
            )  # fmt: skip
            assert copied == 4
            got = conn.execute(
                text(
                    "SELECT batch_id, s, small, big, x, flag, day, at, "
                    "CAST(aware AT TIME ZONE 'UTC' AS VARCHAR), none, coded FROM copied"
                )
            ).all()
    finally:
        store.close()
    assert [tuple(r) for r in got] == [
        ("b1", "a", 1, 2**40, 1.5, True, date(2000, 1, 1), datetime(2000, 1, 1),
         "2026-01-01 10:00:00", None, "x"),
        ("b1", "", None, 2, None, False, date(1999, 12, 31), datetime(1970, 1, 1, 0, 0, 0, 1),
         None, None, "y"),
        ("b1", None, -3, None, -0.25, None, None, None, None, None, None),
        ("b1", 'é "x",\nnext line', 32767, -1, 1e300, True, date(2026, 11, 22),
         datetime(2026, 11, 22, 23, 59, 59, 999999), "1960-01-01 00:00:00", None, "x"),
    ]  # fmt: skip


def test_a_column_binary_cannot_send_goes_as_text(postgres_url):
    # Text into an INTEGER column: PostgreSQL reads " 7" and "-2" as it reads a CSV file.
    rows = pa.table({"n": pa.array([" 7", None, "-2"]), "label": pa.array(["a", "b", ""])})
    store = open_store(postgres_url)
    try:
        with store.transaction() as conn:
            conn.execute(text("CREATE TABLE copied (batch_id VARCHAR, n INTEGER, label TEXT)"))
            postgres.copy_in(conn, "copied", ["n", "label"], rows.to_batches(),
                             constants={"batch_id": "b2"})  # fmt: skip
            got = conn.execute(text("SELECT batch_id, n, label FROM copied")).all()
    finally:
        store.close()
    assert [tuple(r) for r in got] == [("b2", 7, "a"), ("b2", None, "b"), ("b2", -2, "")]


def test_keys_repeated_in_the_file_point_at_their_first_row():
    """Worked by hand: a key seen a third time points at its first row, not the second; a
    missing part equals a missing one; (a, x) and (a, y) differ."""
    keys = pa.table(
        {
            "id": ["a", "b", "a", None, None, "b", "a", "a"],
            "part": ["x", "x", "x", None, None, "x", "x", "y"],
        }
    )
    row_pos = pa.chunked_array([pa.array(range(10, 14)), pa.array(range(14, 18))])
    pairs = facts._repeated_in_file(keys, row_pos)
    assert pairs.tolist() == [[12, 10], [14, 13], [15, 11], [16, 10]]
    assert facts._repeated_in_file(keys.slice(0, 0), row_pos[:0]).shape == (0, 2)


@pytest.mark.both_stores
def test_duplicate_keys_with_a_nullable_part(store):
    """kpi_values' key is (date, metric_id, team_id); a missing team matches a missing one."""
    d1, d2 = date(2026, 11, 2), date(2026, 11, 3)
    keys = pa.table(
        {
            "date": [d1, d1, d1, d1, d1, d2, d1],
            "metric_id": ["sales", "sales", "sales", "sales", "sales", "sales", "calls"],
            "team_id": ["T1", None, "T1", None, None, None, "T1"],
            "row_pos": pa.array(range(7), pa.int64()),
            "ok": [True, True, True, True, False, True, True],
        }
    )
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *args: statements.append(sql))  # fmt: skip

    def found() -> tuple[set, set]:
        with store.transaction() as conn:
            in_file, *stored = facts.duplicate_keys(
                conn, "kpi_values", ["date", "metric_id", "team_id"], ["team_id"], keys,
                demo_batch="demo",
            )  # fmt: skip
        return {tuple(p) for p in in_file}, {tuple(p) for s in stored for p in s}

    # Row 2 repeats row 0's key, row 3 row 1's (both teams missing); row 4 failed
    # validation, so it counts for nothing; rows 5 and 6 differ by date and by metric.
    statements.clear()
    assert found() == ({(2, 0), (3, 1)}, set())
    if store.dialect == POSTGRESQL:  # the table is empty: the keys never went to the server
        assert not any("cx_incoming_keys" in s for s in statements)
    insert = (
        "INSERT INTO kpi_values (date, metric_id, team_id, value, batch_id) "
        "VALUES (:d, :m, :t, 1, :b)"
    )
    with store.transaction() as conn:
        # A demo row never makes a duplicate (row 6's key); a real batch's row does (row 5's
        # key, the team missing on both sides).
        conn.execute(text(insert), {"d": d1, "m": "calls", "t": "T1", "b": "demo"})
        conn.execute(text(insert), {"d": d2, "m": "sales", "t": None, "b": "b0"})
    statements.clear()
    assert found() == ({(2, 0), (3, 1)}, {(5, -1)})
    if store.dialect == POSTGRESQL:
        assert any("cx_incoming_keys" in s for s in statements)
