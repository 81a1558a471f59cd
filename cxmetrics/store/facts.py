"""Fact tables as a load and an undo use them: interactions, adherence, survey_responses,
kpi_values, targets, meetings and learning (the kinds loaded as rows with a key).

A load checks a whole column of keys at once (the file's keys are registered as an Arrow
table and joined), lets demo rows with the key of a loaded row give way, and streams the
rows it loads to DuckDB in row groups. On PostgreSQL, where registering means copying, the
keys repeated within the file are found in memory, the file's keys are copied only when
the table holds another batch's rows, and the rows go by COPY. An undo deletes a batch's
rows by batch id. Fact
tables carry no key constraint (see store/schema.py): key uniqueness is kept here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, text

from cxmetrics.store import postgres, rollups
from cxmetrics.store.arrow import Registered
from cxmetrics.store.dialect import POSTGRESQL, name_of
from cxmetrics.store.schema import BATCH_TABLES
from cxmetrics.store.sql import ident, idents

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

# The columns a load writes into each fact table (besides batch_id), as the schema makes
# them; the only names the statements below write into SQL.
FACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "interactions": (
        "interaction_id", "started_at", "channel", "queue", "team_id", "agent_id",
        "customer_id", "wait_seconds", "handle_seconds", "abandoned", "transferred",
        "resolved_first_contact", "callback_promised", "callback_kept",
    ),
    "adherence": (
        "agent_id", "date", "scheduled_minutes", "in_adherence_minutes", "logged_in_minutes",
        "available_minutes",
    ),
    "survey_responses": (
        "response_id", "responded_at", "respondent_type", "channel", "team_id", "agent_id",
        "interaction_id", "nps", "csat", "ces", "comment",
    ),
    "kpi_values": ("date", "metric_id", "team_id", "value"),
    "targets": ("metric_id", "team_id", "target", "amber_tolerance", "effective_from"),
    "meetings": ("date", "team_id", "leader", "attendees", "notes"),
    "learning": ("agent_id", "date", "hours", "topic"),
}  # fmt: skip

ROW_GROUP = 122_880  # rows per DuckDB row group
BATCH_BYTES = 64 << 20  # most bytes of one batch handed to DuckDB (rows of long comments)


def _table(table: str) -> str:
    return ident(table, FACT_COLUMNS)


def _columns(table: str) -> tuple[str, ...]:
    """The columns a statement may name in `table` (a fact table, checked first)."""
    return FACT_COLUMNS[_table(table)]


def _null_safe_equal(dialect: str, a: str, b: str) -> str:
    """`a` equals `b`, a missing value matching a missing one. DuckDB hash-joins on IS NOT
    DISTINCT FROM; PostgreSQL cannot (it would compare every stored row with every incoming
    one), so there the values are compared as text with the missing ones told apart."""
    if dialect != POSTGRESQL:
        return f"{a} IS NOT DISTINCT FROM {b}"
    return (
        f"coalesce(CAST({a} AS VARCHAR), '') = coalesce(CAST({b} AS VARCHAR), '') "
        f"AND ({a} IS NULL) = ({b} IS NULL)"
    )


def _key_match(
    conn: Connection,
    table: str,
    key: Sequence[str],
    nullable: Collection[str],
    left: str,
    right: str,
) -> str:
    """SQL matching aliases `left` and `right` on `key` (a missing part of a `nullable` key
    column matches a missing one). The aliases are literals of this module."""
    dialect = name_of(conn)
    return " AND ".join(
        _null_safe_equal(dialect, f"{left}.{k}", f"{right}.{k}")
        if k in nullable
        else f"{left}.{k} = {right}.{k}"
        for k in (ident(name, _columns(table)) for name in key)
    )


def duplicate_keys(
    conn: Connection,
    table: str,
    key: Sequence[str],
    nullable: Collection[str],
    keys: pa.Table,
    *,
    demo_batch: str,
) -> list[np.ndarray]:
    """Rows of a file whose key is a duplicate, as (row_pos, first) pairs.

    keys: the key columns of every row, its position `row_pos` and `ok` (it passed
    validation; only those count). Returns the pairs of rows repeating the key of an
    earlier ok row of the file (`first` its row_pos), then those of rows whose key a row
    outside the demo batch holds already (`first` -1): apply them in that order. Demo rows
    never shadow real ones: a key held only by the demo loads (`demo_rows_keyed_like`).
    """
    names = idents(key, _columns(table))
    held = _key_match(conn, table, key, nullable, "t", "i")
    stored = (
        "SELECT i.row_pos, -1 FROM cx_incoming_keys i WHERE i.ok AND EXISTS "  # noqa: S608
        f"(SELECT 1 FROM {_table(table)} t WHERE {held} AND t.batch_id <> :demo)"
    )
    if name_of(conn) == POSTGRESQL:
        return _duplicate_keys_copied(conn, table, key, keys, stored, demo_batch)
    match = _key_match(conn, table, key, nullable, "c", "d")
    in_file = (
        f"WITH c AS (SELECT row_pos, {names} FROM cx_incoming_keys WHERE ok), "  # noqa: S608
        f"d AS (SELECT {names}, min(row_pos) AS first_pos FROM c GROUP BY {names} "
        f"HAVING count(*) > 1) SELECT c.row_pos, d.first_pos FROM c JOIN d ON {match} "
        "WHERE c.row_pos <> d.first_pos"
    )
    # As many distinct key hashes as rows (a missing part hashes as a value): no key is
    # repeated (a hash collision only costs the exact query).
    distinct = (
        f"SELECT count(*) = count(DISTINCT hash({names})) "  # noqa: S608
        "FROM cx_incoming_keys WHERE ok"
    )
    found = []
    with Registered(conn) as reg:
        reg("cx_incoming_keys", keys)
        repeated = not conn.execute(text(distinct)).scalar_one()
        for sql in (in_file, stored) if repeated else (stored,):
            rows = conn.execute(text(sql), {"demo": demo_batch}).all()
            found.append(np.asarray(rows, dtype=np.int64).reshape(-1, 2))
    return found


def _duplicate_keys_copied(
    conn: Connection,
    table: str,
    key: Sequence[str],
    keys: pa.Table,
    stored: str,
    demo_batch: str,
) -> list[np.ndarray]:
    """`duplicate_keys` where the file's keys must be copied to the server (PostgreSQL):
    the keys repeated in the file are found in memory, and only when the table holds a row
    outside the demo batch are the ok rows' keys copied over and `stored` asked."""
    ok = keys.filter(keys.column("ok"))
    found = [_repeated_in_file(ok.select(list(key)), ok.column("row_pos"))]
    held = conn.execute(
        text(f"SELECT EXISTS (SELECT 1 FROM {_table(table)} WHERE batch_id <> :demo)"),  # noqa: S608
        {"demo": demo_batch},
    ).scalar_one()
    if held and ok.num_rows:
        with Registered(conn) as reg:
            reg("cx_incoming_keys", ok)
            rows = conn.execute(text(stored), {"demo": demo_batch}).all()
        found.append(np.asarray(rows, dtype=np.int64).reshape(-1, 2))
    return found


def _repeated_in_file(key: pa.Table, row_pos: pa.ChunkedArray) -> np.ndarray:
    """(row_pos, first) of the rows whose key (the columns of `key`; a missing part equals
    a missing one) an earlier row holds, `first` that earlier row's row_pos."""
    n = key.num_rows
    group = np.zeros(n, dtype=np.int64)
    for column in key.columns:
        # Number each row's key so far: the pair (key so far, this column's value) -> 0..n-1,
        # numbered (by hashing) in the order the pairs first appear.
        values = pc.dictionary_encode(column.combine_chunks(), null_encoding="encode")
        codes = values.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        group, _ = pd.factorize(group * max(len(values.dictionary), 1) + codes)
    # Numbered in order of appearance, a row holds a key no earlier row holds exactly when
    # its number is above every number before it; the k-th such row holds key k first.
    new = np.ones(n, dtype=bool)
    new[1:] = group[1:] > np.maximum.accumulate(group)[:-1]
    first = np.flatnonzero(new)[group]
    positions = row_pos.to_numpy()
    repeated = np.flatnonzero(~new)
    return np.column_stack([positions[repeated], positions[first[repeated]]])


def _demo_rows_matching(
    conn: Connection, table: str, key: Sequence[str], nullable: Collection[str]
) -> str:
    """WHERE clause (on `table` as t) for demo rows keyed like a loaded row of the registered
    `cx_incoming` (a table with a boolean `cx_loaded` column)."""
    return (
        "t.batch_id = :demo AND EXISTS (SELECT 1 FROM cx_incoming i "  # noqa: S608
        f"WHERE i.cx_loaded AND {_key_match(conn, table, key, nullable, 't', 'i')})"
    )


def demo_rows_keyed_like(
    conn: Connection,
    table: str,
    key: Sequence[str],
    nullable: Collection[str],
    keys: pa.Table,
    *,
    demo_batch: str,
) -> int:
    """How many demo rows hold the key of a row a batch loads (they will give way to it).

    keys: the key columns of the file's rows and `cx_loaded` (the row is loaded)."""
    demo_rows = conn.execute(
        text(f"SELECT count(*) FROM {_table(table)} WHERE batch_id = :demo"),  # noqa: S608
        {"demo": demo_batch},
    ).scalar_one()
    if not demo_rows:
        return 0
    with Registered(conn) as reg:
        reg("cx_incoming", keys)
        return conn.execute(
            text(
                f"SELECT count(*) FROM {_table(table)} t "  # noqa: S608
                f"WHERE {_demo_rows_matching(conn, table, key, nullable)}"
            ),
            {"demo": demo_batch},
        ).scalar_one()


def replace_demo_rows(
    conn: Connection,
    table: str,
    key: Sequence[str],
    nullable: Collection[str],
    rows: pa.Table,
    *,
    demo_batch: str,
    rollup: str | None,
) -> tuple[date, date] | None:
    """Delete the demo rows that give way to the loaded rows of `rows` (key columns and
    `cx_loaded`); returns the local date span they covered in the `rollup` source."""
    where = _demo_rows_matching(conn, table, key, nullable)
    params = {"demo": demo_batch}
    span = None
    with Registered(conn) as reg:
        reg("cx_incoming", rows)
        if rollup:
            day = rollups.FACT_DATE[ident(rollup, rollups.FACT_DATE)]
            lo, hi = conn.execute(
                text(f"SELECT min({day}), max({day}) FROM {_table(table)} t WHERE {where}"),  # noqa: S608
                params,
            ).one()
            span = None if lo is None else (lo, hi)
        conn.execute(text(f"DELETE FROM {_table(table)} t WHERE {where}"), params)  # noqa: S608
    return span


def _in_row_groups(table: pa.Table) -> pa.RecordBatchReader:
    """The table as a stream of row-group-sized batches, built one at a time.

    DuckDB's insertion-ordered INSERT is quickest fed whole row groups; the reader's chunks
    follow how the file was read (about 100 k rows), and re-cutting the whole table at once
    would copy it. A batch of long rows (comments of thousands of characters) is cut smaller,
    so that no more than BATCH_BYTES are copied at a time.
    """
    row_bytes = table.nbytes / max(table.num_rows, 1)
    step = max(1_024, min(ROW_GROUP, int(BATCH_BYTES / max(row_bytes, 1))))

    def batches():
        for start in range(0, table.num_rows, step):
            part = table.slice(start, step)
            yield pa.RecordBatch.from_arrays(
                [c.chunk(0) if c.num_chunks == 1 else c.combine_chunks() for c in part.columns],
                schema=table.schema,
            )

    return pa.RecordBatchReader.from_batches(table.schema, batches())


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: pa.Table, batch_id: str
) -> None:
    """Insert the rows of `rows` whose `cx_loaded` holds into `table` as batch `batch_id`,
    streamed in row groups (the file's order is kept); on PostgreSQL by COPY."""
    names = idents(columns, _columns(table))
    if name_of(conn) == POSTGRESQL:
        postgres.copy_in(
            conn,
            _table(table),
            names.split(", "),
            _loaded(rows, columns),
            constants={"batch_id": batch_id},
        )
        return
    with Registered(conn) as reg:
        reg("cx_incoming", _in_row_groups(rows))
        conn.execute(
            text(
                f"INSERT INTO {_table(table)} ({names}, batch_id) "  # noqa: S608
                f"SELECT {names}, :b FROM cx_incoming WHERE cx_loaded"
            ),
            {"b": batch_id},
        )


def _loaded(rows: pa.Table, columns: Sequence[str]):
    """The loaded rows of `rows` (`cx_loaded`), their `columns`, a slice at a time (so a
    large file is never copied whole)."""
    for start in range(0, rows.num_rows, postgres.COPY_CHUNK_ROWS):
        part = rows.slice(start, postgres.COPY_CHUNK_ROWS)
        loaded = part.column("cx_loaded")
        if not pc.all(loaded).as_py():  # (filtering copies every column)
            part = part.filter(loaded)
        yield from part.select(list(columns)).to_batches()


def unknown_agents(conn: Connection, agents: pa.Table) -> list[str]:
    """Agent ids of the loaded rows of `agents` (`agent_id`, `loaded`) that no roster row
    names, sorted."""
    # Each agent id once (on PostgreSQL registering means copying).
    ids = agents.filter(agents.column("loaded")).column("agent_id").drop_null().unique()
    agents = pa.table({"agent_id": ids, "loaded": pa.repeat(True, len(ids))})
    with Registered(conn) as reg:
        reg("cx_incoming_agents", agents)
        found = (
            conn.execute(
                text(
                    "SELECT DISTINCT i.agent_id FROM cx_incoming_agents i "
                    "WHERE i.loaded AND i.agent_id IS NOT NULL AND NOT EXISTS "
                    "(SELECT 1 FROM agents a WHERE a.agent_id = i.agent_id)"
                )
            )
            .scalars()
            .all()
        )
    return sorted(found)


def batch_row_counts(conn: Connection, batch_id: str) -> dict[str, int]:
    """Rows a batch brought, per table that carries batch ids (facts and roster)."""
    return {
        table: int(
            conn.execute(
                text(f"SELECT count(*) FROM {ident(table, BATCH_TABLES)} WHERE batch_id = :b"),  # noqa: S608
                {"b": batch_id},
            ).scalar_one()
        )
        for table in BATCH_TABLES
    }


def delete_batch_rows(conn: Connection, batch_id: str, tables: Collection[str]) -> None:
    """Delete a batch's rows from `tables` (of those that carry batch ids); thank-you notes
    on its survey responses go with them."""
    params = {"b": batch_id}
    conn.execute(
        text(
            "DELETE FROM recognitions WHERE response_id IN "
            "(SELECT response_id FROM survey_responses WHERE batch_id = :b)"
        ),
        params,
    )
    for table in tables:
        conn.execute(
            text(f"DELETE FROM {ident(table, BATCH_TABLES)} WHERE batch_id = :b"),  # noqa: S608
            params,
        )


def data_span(db: Store | Reader) -> tuple[date, date] | None:
    """First and last local date holding interactions, surveys or adherence (a Store or a
    Reader), read from the daily rollups."""
    row = db.rows(
        "SELECT min(d), max(d) FROM ("
        "SELECT date AS d FROM rollup_interactions UNION ALL "
        "SELECT date FROM rollup_surveys UNION ALL SELECT date FROM rollup_adherence) AS dates"
    )[0]
    return None if row[0] is None else (row[0], row[1])
