"""A PostgreSQL load's rollups computed in this process, while its rows are being copied.

`rollups.refresh` recomputes a load's dates on the server: it deletes them, groups every
fact of those dates into the agent rollup, reads that back for the team and org rows, and
writes them. Where the load's dates hold no rows of its source yet (a fresh store, a
load of new days), the batch's own rows are all the facts of those dates: an in-memory
DuckDB then runs the very statements a DuckDB store runs (`rollups.refresh_one`) over the
batch's Arrow rows and the store's team history, in a worker thread while the rows are
copied to the server, and the agent, team and org rows go in by COPY in the order of the
read indexes. The server neither groups the facts nor reads its own rollups back, and the
grouping runs vectorised on the client's cores beside the server's COPY.

Only rollups whose dates depend on their own facts alone (no look-back, no rollup reads
them, no period totals) and whose sums are counts (whole numbers add up the same in any
order) are computed so (IN_PROCESS); a load onto dates other batches hold is refreshed on
the server as before. Both give what a full rebuild gives (tests/test_rollup_loads.py).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, NullPool, create_engine, text

from cxmetrics.config import Settings
from cxmetrics.store import measures, postgres, rollups, schema
from cxmetrics.store.dialect import POSTGRESQL, name_of

IN_PROCESS = tuple(
    source
    for source in rollups.SOURCES
    if not rollups.LOOKBACK_DAYS[source]
    and not rollups.DEPENDENTS[source]
    and source not in rollups.PERIOD_ROLLUPS
    and all(m.type == "BIGINT" for m in measures.MEASURES_OF[source])
)
# The fact column whose local date is a row's date (rollups.FACT_DATE casts it).
DAY_COLUMN = {"interactions": "started_at", "surveys": "responded_at", "adherence": "date"}
# The order rows go to PostgreSQL in: that of the read indexes (rollups.AGENT_ROW_ORDER).
_COPY_ORDER = {
    "rollup_{source}": "row_team_id, agent_id, date",
    "rollup_team_daily": "team_id, date",
    "rollup_org_daily": "date, measure",
}


def span_of(source: str, rows: pa.Table) -> tuple[date, date] | None:
    """First and last local date of the loaded rows (`cx_loaded`) of `rows`."""
    days = rows.select([DAY_COLUMN[source], "cx_loaded"])
    days = days.filter(days.column("cx_loaded")).column(0)
    bounds = pc.min_max(days).as_py()
    if bounds["min"] is None:
        return None

    def day(value: date | datetime) -> date:
        return value.date() if isinstance(value, datetime) else value

    return day(bounds["min"]), day(bounds["max"])


def held(conn: Connection, source: str, first: date, last: date) -> bool:
    """Whether any date first..last holds rows of `source`: a date with facts has an org
    row of its count of rows, which is never 0."""
    return conn.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM rollup_org_daily WHERE date >= :first "
            "AND date <= :last AND measure = :rows)"
        ),
        {
            "first": first,
            "last": last,
            "rows": measures.measure_name(source, rollups.ROLLUP_SUMS[source][0]),
        },
    ).scalar_one()


class BatchRollups:
    """The rollup rows of one batch, being computed in a worker thread (`start`) into an
    in-memory DuckDB that holds them until they are copied (`copy`) or not wanted."""

    def __init__(self, source: str, span: tuple[date, date], job: Future, worker) -> None:
        self.source, self.span, self._job, self._worker = source, span, job, worker

    def copy(self, conn: Connection) -> None:
        """COPY the rows into the store's rollups (waits for the worker), each table in the
        order of its read indexes, a record batch at a time."""
        try:
            local = self._job.result()
        finally:
            self._worker.shutdown()
        try:
            duck = local.connection.driver_connection
            for table, order in _COPY_ORDER.items():
                table = table.format(source=self.source)
                rows = duck.sql(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
                reader = rows.to_arrow_reader(postgres.COPY_CHUNK_ROWS)
                postgres.copy_in(conn, table, reader.schema.names, reader)
        finally:
            _close(local)

    def abandon(self) -> None:
        """Drop the rows when the worker is done (it finishes on its own)."""
        self._job.add_done_callback(lambda job: job.exception() or _close(job.result()))
        self._worker.shutdown(wait=False)


def _close(local: Connection) -> None:
    engine = local.engine
    local.close()
    engine.dispose()


def start(conn: Connection, source: str, rows: pa.Table, settings: Settings) -> BatchRollups | None:
    """Start computing the rollups of the loaded rows of `rows` (the columns of `source`'s
    fact table and `cx_loaded`) when they may be (PostgreSQL, a rollup of IN_PROCESS, no
    rows of `source` on the batch's dates yet: the caller holds the write lock, so none
    arrive); None otherwise. Call before the rows are copied (the work overlaps)."""
    if name_of(conn) != POSTGRESQL or source not in IN_PROCESS:
        return None
    span = span_of(source, rows)
    if span is None or held(conn, source, *span):
        return None
    history = conn.execute(
        text("SELECT agent_id, team_id, valid_from, valid_to FROM agent_teams")
    ).all()
    agent_teams = pa.table(
        {
            "agent_id": pa.array([h[0] for h in history], pa.string()),
            "team_id": pa.array([h[1] for h in history], pa.string()),
            "valid_from": pa.array([h[2] for h in history], pa.date32()),
            "valid_to": pa.array([h[3] for h in history], pa.date32()),
        }
    )
    worker = ThreadPoolExecutor(1, thread_name_prefix="cx-rollups")
    job = worker.submit(_compute, source, span, rows, agent_teams, settings)
    return BatchRollups(source, span, job, worker)


def _compute(
    source: str,
    span: tuple[date, date],
    rows: pa.Table,
    agent_teams: pa.Table,
    settings: Settings,
) -> Connection:
    """A connection to an in-memory DuckDB holding the rollup rows of the loaded rows for
    the dates of `span`, made by a DuckDB store's own refresh (only fixed names reach the
    SQL text)."""
    local = create_engine("duckdb:///:memory:", poolclass=NullPool).connect()
    try:
        duck = local.connection.driver_connection
        duck.register("cx_batch_rows", rows)
        duck.register("agent_teams", agent_teams)
        duck.execute(
            f"CREATE VIEW {rollups.FACT_TABLE[source]} AS "  # noqa: S608
            "SELECT * FROM cx_batch_rows WHERE cx_loaded"
        )
        # The store's own tables: the agent rollup, and the team and org rollups (V3).
        for statement in (rollups.agent_rollup_ddl(source), *schema.V3):
            duck.execute(statement)
        rollups.refresh_one(local, source, span[0], span[1], settings)
    except BaseException:
        _close(local)
        raise
    return local


def refresh(
    conn: Connection,
    source: str,
    first: date,
    last: date,
    settings: Settings,
    computed: BatchRollups | None,
) -> None:
    """Bring `source`'s rollups for first..last (the batch's dates, as the store has them)
    in step: by COPY of the rows `computed` holds when it covers exactly those dates, else
    on the server (`rollups.refresh`)."""
    if computed is None or computed.source != source or computed.span != (first, last):
        if computed is not None:
            computed.abandon()
        rollups.refresh(conn, source, first, last, settings)
        return
    computed.copy(conn)
