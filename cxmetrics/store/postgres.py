"""What a store on PostgreSQL needs besides SQL text: bulk loads by COPY, in-memory tables
as temporary tables, one writer at a time across processes, and numbers read as numbers.

- Arrow tables (or record-batch streams) reach PostgreSQL through `COPY … FROM STDIN` in
  PostgreSQL's binary format, built by Arrow and numpy a record batch at a time (no Python
  loop over rows, bounded memory): the server then parses no text (a timestamp, a number)
  and spends about 40 % less on a COPY than from CSV. The next batch is encoded while the
  server takes the last one. Columns whose Arrow type does not map to the target column's
  type exactly (text for a number column, say) go as CSV, written by pyarrow, as before:
  only non-null strings are quoted, so an empty string stays an empty string and a missing
  value is NULL.
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
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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


# PostgreSQL's binary COPY: a signature, flags and header-extension length; then per row a
# 16-bit field count and per field a 32-bit length (-1: NULL) and the value's bytes, all
# big-endian; a field count of -1 ends the stream.
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
BINARY_TRAILER = b"\xff\xff"
PG_EPOCH_DAYS = 10_957  # 2000-01-01, PostgreSQL's day 0, in days since 1970-01-01
PG_EPOCH_US = PG_EPOCH_DAYS * 86_400_000_000
_TEXT_TYPES = ("character varying", "text")
_EMPTY = pa.scalar(b"", pa.large_binary())
# A column type -> the Arrow type its values are cast to and the big-endian layout they are
# sent in (dates and timestamps counted from PostgreSQL's epoch).
_FIXED = {
    "smallint": (pa.int16(), ">i2"),
    "integer": (pa.int32(), ">i4"),
    "bigint": (pa.int64(), ">i8"),
    "real": (pa.float32(), ">f4"),
    "double precision": (pa.float64(), ">f8"),
    "boolean": (pa.bool_(), "u1"),
    "date": (pa.date32(), ">i4"),
    "timestamp without time zone": (pa.timestamp("us"), ">i8"),
    "timestamp with time zone": (pa.timestamp("us", tz="UTC"), ">i8"),
}


def _column_types(conn: Connection, table: str) -> dict[str, str]:
    """Column name -> type (as `format_type` names it) of `table`, temporary ones too."""
    rows = conn.execute(
        text(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped"
        ),
        {"t": table},
    ).all()
    return dict(rows)


def _sendable(arrow_type: pa.DataType, pg_type: str) -> bool:
    """Whether values of `arrow_type` go as `pg_type` in binary without changing meaning
    (else the COPY goes as CSV, which PostgreSQL parses as it always did)."""
    if pa.types.is_dictionary(arrow_type):
        return _sendable(arrow_type.value_type, pg_type)
    if pa.types.is_null(arrow_type):
        return pg_type in _TEXT_TYPES or pg_type in _FIXED
    if pg_type in _TEXT_TYPES:
        return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
    if pg_type in ("smallint", "integer", "bigint"):
        return pa.types.is_integer(arrow_type)
    if pg_type in ("real", "double precision"):
        return (
            pa.types.is_integer(arrow_type)
            or pa.types.is_floating(arrow_type)
            or pa.types.is_decimal(arrow_type)
        )
    if pg_type == "boolean":
        return pa.types.is_boolean(arrow_type)
    if pg_type == "date":
        return pa.types.is_date(arrow_type)
    if pg_type not in _FIXED:
        return False
    if not pa.types.is_timestamp(arrow_type) or arrow_type.unit == "ns":
        return False  # (PostgreSQL rounds nanoseconds written as text; a cast would cut them)
    if pg_type == "timestamp without time zone":
        return True  # an aware one as its UTC wall time, as its CSV text is read
    if pg_type == "timestamp with time zone":
        return arrow_type.tz is not None
    return False


def _fixed_bytes(n: int, values: np.ndarray) -> pa.Array:
    """`n` binary values, each the same-length record of `values` (a structured array);
    binary values are large (64-bit offsets) throughout, so no batch is too big."""
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(values.dtype.itemsize), n, [None, pa.py_buffer(values)]
    ).cast(pa.large_binary())


def _binary_field(column: pa.Array, pg_type: str) -> pa.Array:
    """One binary value per row: the field as binary COPY writes it (length, bytes)."""
    n = len(column)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if pg_type in _TEXT_TYPES:
        data = column.cast(pa.large_binary())
        lengths = pc.binary_length(data).fill_null(-1).to_numpy().astype(">i4")
        prefix = _fixed_bytes(n, lengths)
        return pc.binary_join_element_wise(prefix, data.fill_null(_EMPTY), _EMPTY)
    arrow_type, layout = _FIXED[pg_type]
    column = column.cast(arrow_type)  # safe: an integer out of range is an error, as in CSV
    if pa.types.is_date(arrow_type):
        numbers = column.cast(pa.int32()).fill_null(0).to_numpy() - PG_EPOCH_DAYS
    elif pa.types.is_timestamp(arrow_type):
        numbers = column.cast(pa.int64()).fill_null(0).to_numpy() - PG_EPOCH_US
    else:
        numbers = column.fill_null(False if pa.types.is_boolean(arrow_type) else 0)
        numbers = numbers.to_numpy(zero_copy_only=False)
    records = np.empty(n, dtype=[("length", ">i4"), ("value", layout)])
    records["length"] = np.dtype(layout).itemsize
    records["value"] = numbers
    if not column.null_count:
        return _fixed_bytes(n, records)
    # A NULL is its length (-1) alone: drop the value bytes of those rows.
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    records["length"][~valid] = -1
    keep = np.ones((n, records.dtype.itemsize), dtype=bool)
    keep[~valid, 4:] = False
    sizes = keep.sum(axis=1, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    data = records.view(np.uint8).reshape(n, -1)[keep]
    return pa.Array.from_buffers(
        pa.large_binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _binary_rows(batch: pa.RecordBatch, types: Sequence[str], lead: bytes) -> memoryview:
    """The rows of `batch` in binary COPY format, each starting with `lead` (its field
    count and the fields of the constant columns)."""
    n = batch.num_rows
    parts = [_fixed_bytes(n, np.frombuffer(lead * n, dtype=f"V{len(lead)}"))]
    parts += [_binary_field(c, t) for c, t in zip(batch.columns, types, strict=True)]
    rows = pc.binary_join_element_wise(*parts, _EMPTY)
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64, count=n + 1, offset=rows.offset * 8)
    return memoryview(rows.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def _csv_rows(batch: pa.RecordBatch) -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(_plain(batch), buffer, _CSV)
    return buffer.getvalue()


def _ahead(encode, batches: Iterable[pa.RecordBatch]) -> Iterator[tuple[int, Any]]:
    """(rows, encode(batch)) for each non-empty batch; the next batch is encoded in a worker
    thread while the caller writes this one (Arrow and numpy let go of the GIL)."""
    with ThreadPoolExecutor(1) as worker:
        pending = None
        for batch in batches:
            if not batch.num_rows:
                continue
            job = worker.submit(encode, batch)
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (batch.num_rows, job)
        if pending is not None:
            yield pending[0], pending[1].result()


def copy_in(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    batches: Iterable[pa.RecordBatch],
    *,
    constants: Mapping[str, str] | None = None,
) -> int:
    """COPY the record batches (their columns in the order of `columns`) into `table`, each
    row with the `constants` (column -> text, the same on every row); returns the rows
    copied. `table`, `columns` and the constants' names are names the caller checked."""
    constants = dict(constants or {})
    types = _column_types(conn, table)
    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return 0
    pending = [first]
    wanted = [types.get(c, "") for c in columns]
    binary = all(_sendable(t, w) for t, w in zip(first.schema.types, wanted, strict=True)) and all(
        types.get(c) in _TEXT_TYPES for c in constants
    )
    names = ", ".join([*constants, *columns])
    cursor = conn.connection.driver_connection.cursor()
    rows = 0
    if binary:
        lead = len(constants) + len(columns)
        head = lead.to_bytes(2, "big", signed=True)
        for value in constants.values():
            encoded = value.encode()
            head += len(encoded).to_bytes(4, "big", signed=True) + encoded
        statement = f"COPY {table} ({names}) FROM STDIN (FORMAT binary)"

        def encode(batch):
            return _binary_rows(batch, wanted, head)
    else:
        statement = f"COPY {table} ({names}) FROM STDIN (FORMAT csv)"

        def encode(batch):
            same = [
                pa.repeat(pa.scalar(v, pa.string()), batch.num_rows) for v in constants.values()
            ]
            return _csv_rows(
                pa.RecordBatch.from_arrays([*same, *batch.columns], names=[*constants, *columns])
            )

    with cursor.copy(statement) as copy:
        if binary:
            copy.write(BINARY_HEADER)
        for count, data in _ahead(encode, itertools.chain(pending, batches)):
            copy.write(data)
            rows += count
        if binary:
            copy.write(BINARY_TRAILER)
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
