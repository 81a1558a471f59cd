"""What differs in SQL text between the two databases a store may live in, DuckDB and
PostgreSQL, each as one small function: every other statement of the store is written once
in SQL both accept (`GROUP BY` with columns, `CAST(… AS DATE)`, `LIKE 'x.%'`,
`DOUBLE PRECISION`).

The functions take the database's name (`name_of` a connection, engine or store) and return
SQL text built only from fixed names and the caller's checked identifiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxmetrics.periods import GRAINS
from cxmetrics.store.sql import ident

DUCKDB = "duckdb"
POSTGRESQL = "postgresql"


def name_of(bind: Any) -> str:
    """The database a Connection, Engine, Store or Reader talks to: "duckdb" or
    "postgresql"."""
    for attribute in ("dialect", "engine", "conn"):
        inner = getattr(bind, attribute, None)
        if attribute == "dialect" and inner is not None:
            return inner if isinstance(inner, str) else inner.name  # a Store holds the name
        if inner is not None:
            return name_of(inner)
    raise TypeError(f"cannot tell which database {type(bind).__name__} talks to")


def day_of_period(dialect: str, grain: str, column: str) -> str:
    """The first day (a DATE) of the `grain` period holding the date `column`.

    PostgreSQL's date_trunc takes a timestamp: the cast keeps it from choosing the
    time-zone-aware variant."""
    grain = ident(grain, GRAINS)
    if dialect == POSTGRESQL:
        return f"CAST(date_trunc('{grain}', CAST({column} AS TIMESTAMP)) AS DATE)"
    return f"CAST(date_trunc('{grain}', {column}) AS DATE)"


def value_at_min(dialect: str, value: str, order: str) -> str:
    """Aggregate: `value` of the row with the smallest `order` (DuckDB's arg_min)."""
    if dialect == POSTGRESQL:
        return f"(array_agg({value} ORDER BY {order}))[1]"
    return f"arg_min({value}, {order})"


def value_at_max(dialect: str, value: str, order: str) -> str:
    """Aggregate: `value` of the row with the largest `order` (DuckDB's arg_max)."""
    if dialect == POSTGRESQL:
        return f"(array_agg({value} ORDER BY {order} DESC))[1]"
    return f"arg_max({value}, {order})"


def measure_rows(
    dialect: str, keys: Sequence[str], columns: Sequence[tuple[str, str]], relation: str
) -> str:
    """SELECT `keys`, measure, value: one row per (name, column expression) pair of each row
    of `relation` (aliased `g`), the value as DOUBLE PRECISION, zero values left out.

    PostgreSQL joins `LATERAL (VALUES …)`. DuckDB unnests two lists in the projection: it
    would decorrelate that join into a hash join on every measure column, several times
    slower (a 1 M-row survey load spent most of its rollup refresh there)."""
    listed = ", ".join(keys)
    if dialect == POSTGRESQL:
        rows = ", ".join(f"('{name}', CAST({expr} AS DOUBLE PRECISION))" for name, expr in columns)
        return (
            f"SELECT {listed}, v.measure, v.value FROM ({relation}) AS g "  # noqa: S608
            f"CROSS JOIN LATERAL (VALUES {rows}) AS v(measure, value) WHERE v.value <> 0"
        )
    names = ", ".join(f"'{name}'" for name, _ in columns)
    values = ", ".join(f"CAST({expr} AS DOUBLE PRECISION)" for _, expr in columns)
    return (
        f"SELECT * FROM (SELECT {listed}, unnest([{names}]) AS measure, "  # noqa: S608
        f"unnest([{values}]) AS value FROM ({relation}) AS g) AS v WHERE v.value <> 0"
    )
