"""Reading the rollups' sums for a period, a scope and a breakdown: the statements the
metric engine runs for a scorecard, breakdown or trend.

The org scope reads the org × date rollup, team scopes and team breakdowns the team × date
one (long form, one row per measure: one statement), agent scopes and agent breakdowns the
agent rollups (wide, a column per measure: one short statement per rollup). Unit moments of
the ratios clustered by agent come with the sums: stored per whole period for org and team
scopes, computed from the agent × day rollup (the agent's days as the units) for agent
scopes and agent tables, in the statement that reads that rollup. A team's rows of the
agent rollups are those whose stored team (`row_team_id`, kept in step with the team
history) is the team: a filter on that column within the dates' row groups on DuckDB, an
index on PostgreSQL, with no join to the history. Only names checked against fixed lists
reach the SQL text (grains, sources, scopes); values are bound.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

import pandas as pd

from cxmetrics.periods import GRAINS
from cxmetrics.store import Reader, Store
from cxmetrics.store.dialect import day_of_period, name_of
from cxmetrics.store.measures import (
    MEASURES_OF,
    ROLLUP_SUMS,
    SOURCES,
    measure_name,
    one_row_per_agent_day,
)
from cxmetrics.store.rollups import TEAM_OF_ROW, unit_moment_names, unit_moments_sql
from cxmetrics.store.sql import ident

BY_KEYS = {"team": TEAM_OF_ROW, "agent": "r.agent_id"}

# Sums of every rollup measure per (bucket, key): bucket is the start of a period when a
# grain was asked (else None), key the team or agent when a breakdown was (else None).
Sums = dict[tuple[date | None, str | None], dict[str, float]]


def _bucket(dialect: str, grain: str | None, column: str) -> str:
    if grain is None:
        return "CAST(NULL AS DATE)"
    return day_of_period(dialect, grain, column)


def _units_sql(grain: str, team, by) -> str:
    """The stored unit moments (agents as the units) of whole periods, as long rows (with
    the team by team)."""
    key = "team_id, " if by == "team" else ""
    table = "rollup_team_units" if team is not None or by == "team" else "rollup_org_units"
    where = [f"grain = '{ident(grain, GRAINS)}'", "date >= :first", "date <= :last"]
    if team is not None:
        where.append("team_id = :team")
    return f"SELECT date, {key}measure, value FROM {table} WHERE {' AND '.join(where)}"  # noqa: S608


def _source_sql(
    dialect: str,
    source: str,
    grain: str | None,
    team,
    agent,
    by,
    moments: bool,
    columns: tuple[str, ...],
) -> str:
    """The sums of one agent rollup's `columns` per (bucket, key), each a column; moments:
    its unit moments too (the agent's days as the units), as more columns of the same rows.

    One short statement per source, not a UNION of the sources padded with zero columns:
    DuckDB parses, binds and plans a statement in time that grows with its text and its
    expressions, and that was most of the cost of an agent table."""
    rows = f"rollup_{source}"
    where = ["r.date >= :first", "r.date <= :last"]
    if team is not None:
        where.append(f"{TEAM_OF_ROW} = :team")
    if agent is not None:
        where.append("r.agent_id = :agent")
    bucket = _bucket(dialect, grain, "r.date")
    key = BY_KEYS[by] if by else "CAST(NULL AS VARCHAR)"
    if moments:
        return unit_moments_sql(
            source, rows, bucket, key, "r.date", " AND ".join(where), columns,
            rows_are_units=one_row_per_agent_day(source),  # the agent's days are its rows
        )  # fmt: skip
    sums = ", ".join(f"coalesce(sum(r.{c}), 0)" for c in columns)
    # Only fixed names from this module reach the SQL text; values are bound.
    return (
        f"SELECT {bucket}, {key}, {sums} FROM {rows} r "  # noqa: S608
        f"WHERE {' AND '.join(where)} GROUP BY 1, 2"
    )


def _long_sql(dialect: str, sources: tuple[str, ...], grain: str | None, team, by) -> str:
    """One statement over a long rollup: the org's, or the teams' for a team or by team;
    rows (bucket, [team by team,] measure, sum). Grouped by the columns that vary only: a
    constant NULL in the grouping, or in the rows, costs DuckDB a string column for
    nothing (a tenth of an org scorecard's read)."""
    bucket = _bucket(dialect, grain, "date")
    table = "rollup_team_daily" if team is not None or by == "team" else "rollup_org_daily"
    where = ["date >= :first", "date <= :last"]
    if team is not None:
        where.append("team_id = :team")
    if set(sources) != set(SOURCES):
        where.append("(" + " OR ".join(f"measure LIKE '{s}.%'" for s in sources) + ")")
    columns = [bucket, *(["team_id"] if by == "team" else []), "measure"]
    groups = [str(n) for n, c in enumerate(columns, 1) if not c.startswith("CAST(NULL")]
    return (
        f"SELECT {', '.join(columns)}, sum(value) FROM {table} "  # noqa: S608
        f"WHERE {' AND '.join(where)} GROUP BY {', '.join(groups)}"
    )


def read(
    db: Store | Reader,
    first: date,
    last: date,
    *,
    grain: str | None = None,
    team: str | None = None,
    agent: str | None = None,
    by: str | None = None,
    sources: Iterable[str] = SOURCES,
    unit_sources: tuple[str, ...] = (),
    only: Collection[str] | None = None,
) -> Sums:
    """Sums of every rollup measure of `sources` between two local dates, per period bucket
    (`grain`) and group (`by`: "team" or "agent"), with the unit moments of `unit_sources`.
    One statement for the org and team scopes, one per source for agents. `only`: the
    measures (`measure_name`) wanted from the agent rollups, whose statements then read no
    other column (an agent's metrics need fewer: queue measures mean nothing for one); a
    source with unit moments is read whole, one with no measure wanted not at all."""
    if grain is not None and grain not in GRAINS:
        raise ValueError(f"unknown grain `{grain}`")
    if by is not None and by not in BY_KEYS:
        raise ValueError(f"cannot break down by `{by}`: use team or agent")
    sources = tuple(ident(s, SOURCES) for s in sources)
    dialect = name_of(db)
    params = {"first": first, "last": last, "team": team, "agent": agent}
    out: Sums = {}
    if agent is None and by != "agent":
        sql = _long_sql(dialect, sources, grain, team, by)
        if unit_sources and grain:  # stored for whole periods, agents as the units
            sql += " UNION ALL " + _units_sql(grain, team, by)
        if by == "team":
            for bucket, key, measure, total in db.rows(sql, params):
                out.setdefault((bucket, key), {})[measure] = total
        else:
            for bucket, measure, total in db.rows(sql, params):
                out.setdefault((bucket, None), {})[measure] = total
        return out
    # Each source's columns: every sum, or those wanted (a source with moments whole).
    read_columns: dict[str, tuple[str, ...]] = {}
    for source in sources:
        columns = ROLLUP_SUMS[source]
        if only is not None and source not in unit_sources:
            columns = tuple(c for c in columns if measure_name(source, c) in only)
        if columns:
            read_columns[source] = columns
    # Every measure read on each (bucket, key) row, as one statement over the sources gave
    # them: zero where a source has no rows, no unit moments (None) where the moments'
    # source has none.
    types = {(m.source, m.name): m.type for src in read_columns for m in MEASURES_OF[src]}
    empty: dict[str, float | None] = {
        measure_name(src, c): 0.0 if types[src, c] == "DOUBLE" else 0
        for src, columns in read_columns.items()
        for c in columns
    }
    for source in unit_sources:
        empty |= dict.fromkeys(unit_moment_names(source))
    for source, columns in read_columns.items():
        moments = source in unit_sources
        names = [measure_name(source, c) for c in columns]
        if moments:
            names += unit_moment_names(source)
        sql = _source_sql(dialect, source, grain, team, agent, by, moments, columns)
        for row in db.rows(sql, params):
            found = out.get((row[0], row[1]))
            if found is None:
                found = out[(row[0], row[1])] = dict(empty)
            found.update(zip(names, row[2:], strict=True))
    return out


def last_dates(db: Store | Reader) -> dict[str, date]:
    """The latest local date with data of each rollup source."""
    rows = db.rows("SELECT split_part(measure, '.', 1), max(date) FROM rollup_org_daily GROUP BY 1")
    return {source: day for source, day in rows}


def business_sums(
    db: Store | Reader, start: date, prev_start: date, end: date, team: str | None
) -> pd.DataFrame:
    """kpi_values between prev_start and end (a team's rows, or all): per metric, whether
    current (on or after `start`), whether an org-wide row, count, sum and mean."""
    return db.frame(
        "SELECT metric_id, date >= :start AS current, team_id IS NULL AS org_row, "
        "count(*) AS n, sum(value) AS total, avg(value) AS mean FROM kpi_values "
        "WHERE date >= :prev_start AND date <= :end "
        "AND (CAST(:team AS VARCHAR) IS NULL OR team_id = :team) "
        "GROUP BY metric_id, date >= :start, team_id IS NULL",
        {"start": start, "prev_start": prev_start, "end": end, "team": team},
    )
