"""In-memory tables handed to SQL: Arrow tables, record-batch streams or DataFrames made
readable under fixed names on one connection for the length of a block. DuckDB reads them
in place (registered); PostgreSQL gets a temporary table of that name filled by COPY
(`store/postgres.py`).

Statements then join them like tables, so a load checks or writes a whole column of keys
in one statement instead of binding one value per row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from cxmetrics.store import postgres
from cxmetrics.store.dialect import POSTGRESQL, name_of


class Registered:
    """Make in-memory tables readable on a connection for the duration of a block::

    with Registered(conn) as reg:
        reg("cx_keys", keys)
        conn.execute(...)  # statements may read cx_keys
    """

    def __init__(self, conn: Connection):
        self.conn, self.names = conn, []
        self.copied = name_of(conn) == POSTGRESQL

    def __call__(self, name: str, table: Any) -> str:
        if self.copied:
            postgres.create_temp(self.conn, name, table)
        else:
            self.conn.connection.driver_connection.register(name, table)
        self.names.append(name)
        return name

    def __enter__(self) -> Registered:
        return self

    def _forget(self, name: str) -> None:
        if self.copied:
            postgres.drop_temp(self.conn, name)
        else:
            self.conn.connection.driver_connection.unregister(name)

    def drop(self, name: str) -> None:
        self._forget(name)
        self.names.remove(name)

    def __exit__(self, *exc) -> None:
        for name in self.names:
            try:
                self._forget(name)
            except Exception:
                if exc[0] is None:  # a failed statement aborted the transaction: keep its error
                    raise
