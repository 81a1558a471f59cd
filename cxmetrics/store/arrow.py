"""In-memory tables handed to SQL: Arrow tables, record-batch streams or DataFrames
registered on one connection under fixed names for the length of a block (DuckDB).

Statements then join them like tables, so a load checks or writes a whole column of keys
in one statement instead of binding one value per row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


class Registered:
    """Register in-memory tables on a connection for the duration of a block::

    with Registered(conn) as reg:
        reg("cx_keys", keys)
        conn.execute(...)  # statements may read cx_keys
    """

    def __init__(self, conn: Connection):
        self.conn, self.names = conn, []

    def __call__(self, name: str, table: Any) -> str:
        # The package imports the modules that import this one: look it up when needed.
        from cxmetrics.store import register_table

        register_table(self.conn, name, table)
        self.names.append(name)
        return name

    def __enter__(self) -> Registered:
        return self

    def drop(self, name: str) -> None:
        from cxmetrics.store import unregister_table

        unregister_table(self.conn, name)
        self.names.remove(name)

    def __exit__(self, *exc) -> None:
        from cxmetrics.store import unregister_table

        for name in self.names:
            unregister_table(self.conn, name)
