"""What a store on PostgreSQL needs besides SQL text: bulk loads by COPY, in-memory tables
as temporary tables, one writer at a time across processes, and numbers read as numbers.

- Arrow tables (or record-batch streams) reach PostgreSQL through `COPY … FROM STDIN` in
  CSV, written by pyarrow a record batch at a time (no Python loop over rows, bounded
  memory). Only non-null strings are quoted, so an empty string stays an empty string and
  a missing value is NULL.
- Where DuckDB reads an in-memory table by name (`store/arrow.py`), PostgreSQL gets a
  temporary table of the same name filled by COPY, dropped at the end of the block.
- Every write transaction first takes one transaction-level advisory lock
  (`pg_advisory_xact_lock`), so writers from any number of processes take turns and each
  plans against every batch committed before it: the same file loaded twice at once loads
  once, a key is never stored twice. Readers never wait for it.
- PostgreSQL sums integers into `numeric`; the loader below reads those as int when whole
  and float otherwise, as DuckDB's sums come back.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Engine, event, text

from cxmetrics.store.sql import ident

# The key of the one advisory lock that write transactions take ("cxmw" in ASCII).
WRITE_LOCK_KEY = 0x63786D77
COPY_CHUNK_ROWS = 65_536  # rows written to the COPY stream at a time
_CSV = pacsv.WriteOptions(include_header=False, quoting_style="needed", delimiter=",")


def _sql_type(arrow_type: pa.DataType) -> str:
    """The PostgreSQL column type that holds values of an Arrow type."""
    if pa.types.is_dictionary(arrow_type):
        return _sql_type(arrow_type.value_type)
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_int8(arrow_type) or pa.types.is_int16(arrow_type):
        return "SMALLINT"
    if pa.types.is_int32(arrow_type) or pa.types.is_uint8(arrow_type):
        return "INTEGER"
    if pa.types.is_integer(arrow_type):
        return "BIGINT"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "DOUBLE PRECISION"
    if pa.types.is_date(arrow_type):
        return "DATE"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    return "VARCHAR"  # strings, and columns with no value at all (null type)


def as_batches(table: Any) -> tuple[pa.Schema, Iterable[pa.RecordBatch]]:
    """(schema, record batches) of an Arrow table, record-batch stream or DataFrame."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    if isinstance(table, pa.RecordBatchReader):
        return table.schema, table
    if isinstance(table, pa.Table):
        return table.schema, table.to_batches(max_chunksize=COPY_CHUNK_ROWS)
    raise TypeError(f"cannot copy a {type(table).__name__} into PostgreSQL")


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with dictionary columns decoded and null-typed columns as strings, so the
    CSV writer can write every column."""
    columns = []
    for column in batch.columns:
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        elif pa.types.is_null(column.type):
            column = pa.nulls(len(column), pa.string())
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def copy_in(
    conn: Connection, table: str, columns: Sequence[str], batches: Iterable[pa.RecordBatch]
) -> int:
    """COPY the record batches (their columns in the order of `columns`) into `table`;
    returns the rows copied. `table` and `columns` are names the caller checked."""
    cursor = conn.connection.driver_connection.cursor()
    rows = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
    with cursor.copy(statement) as copy:
        for batch in batches:
            if not batch.num_rows:
                continue
            buffer = io.BytesIO()
            pacsv.write_csv(_plain(batch), buffer, _CSV)
            copy.write(buffer.getbuffer())
            rows += batch.num_rows
    return rows


def create_temp(conn: Connection, name: str, table: Any) -> None:
    """A temporary table `name` holding `table` (Arrow table, stream or DataFrame): the
    columns typed from its schema, the rows copied in."""
    schema, batches = as_batches(table)
    name = ident(name, [name])
    columns = [ident(c, schema.names) for c in schema.names]
    typed = ", ".join(f"{c} {_sql_type(t)}" for c, t in zip(columns, schema.types, strict=True))
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(text(f"CREATE TEMPORARY TABLE {name} ({typed})"))
    copy_in(conn, name, columns, batches)
    conn.execute(text(f"ANALYZE {name}"))  # the planner's row estimates for the joins


def drop_temp(conn: Connection, name: str) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS {ident(name, [name])}"))


def lock_writes(conn: Connection) -> None:
    """Wait for the store's one write lock; held until this transaction ends."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def configure(engine: Engine) -> None:
    """Every new connection of `engine` reads numeric values as int (whole) or float."""
    from psycopg.adapt import Loader

    class NumberLoader(Loader):
        def load(self, data: Any) -> int | float:
            raw = bytes(data)
            whole = raw.lstrip(b"-").isdigit()
            return int(raw) if whole else float(raw)

    @event.listens_for(engine, "connect")
    def _numbers(dbapi_connection, _record) -> None:
        dbapi_connection.adapters.register_loader("numeric", NumberLoader)
