"""Daily rollups that scorecards read: per agent, per team and for the org, by local date.

The agent rollups (one wide table per source, a column per sum) serve agent scopes and
agent tables. `rollup_team_daily` and `rollup_org_daily` hold the same sums per team (or
for the whole org) and date in long form, one row per measure with zero sums left out:
org and team scorecards read a few hundred to a few thousand rows with one aggregate
expression there, which keeps them in single-digit milliseconds (DuckDB's fixed cost per
statement grows with its number of aggregate expressions, and a wide read names about 40).

A rollup is kept in step by recomputing the dates a load or undo touched, inside the
same transaction: `rollup(date)` is a pure function of the raw facts, so recomputing a
date range from raw is always right, including repeat contacts, whose flag for a contact
depends on the contacts of the following seven days. The team of a row is its own
team_id, else the team its agent was in on that date (`membership.fact_team`): each agent
rollup row stores it (`row_team_id`), so reads find a team's rows with no join to the team
history, and a roster change rewrites it, and the team rows, for the dates whose rows
change team (`refresh_teams`); org totals do not depend on the roster. Rows are written
in date order, so DuckDB's zone maps let a scorecard read only the row groups of the weeks
it asks for (on PostgreSQL in the order of its read indexes: AGENT_ROW_ORDER). A
PostgreSQL load onto dates no other rows hold may compute its rollups in process instead
(`batch_rollups`).

The adherence rollup also pairs each agent-day's logged time with its contacts (read
from the interactions rollup): occupancy and productivity use only agent-days that have
both, and count the agent-days that have one without the other. Refreshing interactions
for some dates therefore refreshes the adherence rollup for the same dates (DEPENDENTS).
`rollup_adherence_period` holds each agent's week and month totals of it, and
`rollup_team_units` / `rollup_org_units` the unit moments made from those, all kept in
step with it, for the intervals of ratios clustered by agent (see PERIOD_ROLLUPS).

The service-level threshold depends on the contact's channel (settings).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pyarrow as pa
from sqlalchemy import Connection, text

from cxmetrics.config import Settings
from cxmetrics.periods import GRAINS, period_containing
from cxmetrics.store import measures
from cxmetrics.store.arrow import Registered
from cxmetrics.store.dialect import DUCKDB, POSTGRESQL, day_of_period, measure_rows, name_of
from cxmetrics.store.measures import ROLLUP_SUMS, measure_name
from cxmetrics.store.membership import Restatement, fact_team, holds
from cxmetrics.store.sql import ident

SOURCES = tuple(ROLLUP_SUMS)
FACT_TABLE = {
    "interactions": "interactions",
    "surveys": "survey_responses",
    "adherence": "adherence",
}
FACT_DATE = {
    "interactions": "CAST(started_at AS DATE)",
    "surveys": "CAST(responded_at AS DATE)",
    "adherence": "date",
}
# How far back a change on day D reaches in each rollup (repeat contacts look 7 days ahead).
LOOKBACK_DAYS = {"interactions": 7, "surveys": 0, "adherence": 0}
REPEAT_WINDOW = timedelta(days=7)
# Ratios over agent-days are clustered by agent: their intervals need, per period and team
# (or org), sums over agents of products of the agents' period totals ("unit moments"), and
# how many agents have data. A rollup in PERIOD_ROLLUPS keeps each agent's totals per week
# and per month (quarters and years are sums of months) and, from them, these moments for
# every week, month, quarter and year, per team and for the org: a scorecard reads a few
# rows, never every agent-day of the period. For one agent the units are its days, and the
# same moments are computed when read (`unit_moments_sql`).
PERIOD_ROLLUPS = ("adherence",)
PERIOD_GRAINS = ("week", "month")
# The products of two agent totals kept (Σ over agents of A_g·B_g): a ratio Y/X clustered by
# agent needs those of Y's and X's columns (registry.py checks that they are here).
UNIT_PRODUCTS = {
    "adherence": (
        ("in_adherence_minutes", "in_adherence_minutes"),
        ("in_adherence_minutes", "scheduled_minutes"),
        ("scheduled_minutes", "scheduled_minutes"),
        ("logged_in_minutes", "logged_in_minutes"),
        ("logged_in_minutes", "scheduled_minutes"),
        ("matched_handle_minutes", "matched_handle_minutes"),
        ("matched_available_minutes", "matched_handle_minutes"),
        ("matched_available_minutes", "matched_available_minutes"),
        ("matched_answered", "matched_answered"),
        ("matched_answered", "matched_logged_in_minutes"),
        ("matched_logged_in_minutes", "matched_logged_in_minutes"),
    )
}
UNIT_COUNTS = {"adherence": ("agent_days", "matched_days")}
# The team an agent-rollup row `r` counts for: its own team_id, else the team its agent
# was in on the row's date (`membership.fact_team`), worked out when the row is written and
# kept in step with the team history (`refresh_teams`). The team rollup, the agents' period
# totals and the engine's reads of the agent rollups read it.
TEAM_OF_ROW = "r.row_team_id"
_FROM_HISTORY = fact_team("g", "g.date")  # (join, team) of a grouped row `g` as written
# Rollups computed partly from another rollup: the adherence rollup's matched sums read the
# interactions rollup, so refreshing interactions for some dates refreshes those dates there.
DEPENDENTS = {"interactions": ("adherence",), "surveys": (), "adherence": ()}
# The order rows are written in (column positions of the agent rollup, measures.KEYS,
# then of the team rollup). DuckDB: by date, for the zone maps. PostgreSQL reads them
# through its read indexes (schema.READ_INDEXES, by team or agent, then date): written in
# that order, each index grows at a few places instead of at every leaf (a 1 M-row survey
# load spent about half its rollup refresh there), and a team's or an agent's rows share
# heap pages.
AGENT_ROW_ORDER = {DUCKDB: "1", POSTGRESQL: "4, 3, 1"}
TEAM_ROW_ORDER = {DUCKDB: "1", POSTGRESQL: "2, 1"}
# Memory a refresh's sorts and aggregates may use on PostgreSQL (for its transaction only),
# so that a large load's groups are sorted in memory instead of in temporary files.
REFRESH_WORK_MEM = "128MB"


def product_measure(source: str, a: str, b: str) -> str:
    """The unit moment Σ_g A_g·B_g over units g of two of their totals (order-free)."""
    first, second = sorted((a, b))
    return f"{source}.{first}*{second}"


def units_measure(source: str, count: str) -> str:
    """How many units have a positive total of a count column (e.g. agents with days)."""
    return f"{source}.{count}>0"


def unit_moment_names(source: str) -> tuple[str, ...]:
    """The unit moments of `source`, in the column order of `unit_moments_sql`."""
    return tuple(units_measure(source, c) for c in UNIT_COUNTS[source]) + tuple(
        product_measure(source, a, b) for a, b in UNIT_PRODUCTS[source]
    )


def unit_moments_sql(
    source: str,
    table: str,
    bucket: str,
    key: str,
    unit: str,
    where: str,
    totals: tuple[str, ...] = (),
    *,
    rows_are_units: bool = False,
) -> str:
    """SELECT bucket, key, then a column per unit moment of `source` (`unit_moment_names`):
    each unit's totals over `table` rows first, then their products and counts summed per
    (bucket, key). totals: rollup sums of `source` to add first, as columns of their own
    (the units' totals summed: one statement gives an agent table its sums and moments).
    rows_are_units: each (key, unit) has one row of `table`, whose columns are then the
    unit's totals (one aggregation instead of two). Only fixed names reach the SQL text."""
    columns = sorted({c for pair in UNIT_PRODUCTS[source] for c in pair})
    inner = [f"{bucket} AS bucket", f"{key} AS key", f"{unit} AS unit"]
    summed = dict.fromkeys((*totals, *UNIT_COUNTS[source], *columns))
    inner += [f"sum(r.{c}) AS {c}" for c in summed]
    outer = [f"coalesce(sum({c}), 0)" for c in totals]
    outer += [
        f'CAST(count(*) FILTER (WHERE {c} > 0) AS DOUBLE PRECISION) AS "{units_measure(source, c)}"'
        for c in UNIT_COUNTS[source]
    ]
    outer += [
        f'sum({a} * {b}) AS "{product_measure(source, a, b)}"' for a, b in UNIT_PRODUCTS[source]
    ]
    if rows_are_units:
        return (
            f"SELECT {bucket} AS bucket, {key} AS key, {', '.join(outer)} "  # noqa: S608
            f"FROM {table} r WHERE {where} GROUP BY 1, 2"
        )
    return (
        f"SELECT bucket, key, {', '.join(outer)} FROM ("  # noqa: S608
        f"SELECT {', '.join(inner)} FROM {table} r WHERE {where} GROUP BY 1, 2, 3) AS u "
        "GROUP BY 1, 2"
    )


def _team_insert(source: str, dated: bool, dialect: str) -> str:
    """SQL writing `source`'s team × date rows (for a date range when `dated`), in date
    order (what the zone maps of a date-range read use)."""
    sums = ", ".join(f"sum(r.{c}) AS {c}" for c in ROLLUP_SUMS[source])
    where = "WHERE r.date >= :start AND r.date < :stop" if dated else ""
    by_team = (
        f"SELECT r.date AS date, {TEAM_OF_ROW} AS team_id, {sums} "  # noqa: S608
        f"FROM rollup_{source} r {where} GROUP BY 1, 2"
    )
    long = measure_rows(
        dialect,
        ("g.date", "g.team_id"),
        [(measure_name(source, c), f"g.{c}") for c in ROLLUP_SUMS[source]],
        by_team,
    )
    # Only fixed names from this module reach the SQL text; values are bound.
    return (
        f"INSERT INTO rollup_team_daily (date, team_id, measure, value) {long} "
        f"ORDER BY {TEAM_ROW_ORDER[dialect]}"
    )


def _measures_of(source: str) -> str:
    """SQL: the long rows of `source`'s measures (`surveys.…`); `source` is checked."""
    return f"measure LIKE '{ident(source, SOURCES)}.%'"


def threshold_sql(settings: Settings) -> tuple[str, dict[str, object]]:
    """The service-level threshold of a contact as SQL over its `channel`, with the values
    to bind: the per-channel exceptions, else `service_level_seconds`."""
    params: dict[str, object] = {"t_default": settings.service_level_seconds}
    whens = []
    exceptions = {
        channel: seconds
        for channel, seconds in settings.service_level_thresholds().items()
        if seconds != settings.service_level_seconds
    }
    for i, (channel, seconds) in enumerate(sorted(exceptions.items())):
        whens.append(f"WHEN :t_channel{i} THEN :t_seconds{i}")
        params[f"t_channel{i}"] = channel
        params[f"t_seconds{i}"] = seconds
    if not whens:
        return ":t_default", params
    return f"CASE lower(trim(channel)) {' '.join(whens)} ELSE :t_default END", params


def refresh(conn: Connection, source: str, first: date, last: date, settings: Settings) -> None:
    """Recompute `source`'s rollups (agent and team) for local dates first..last from raw,
    and those of the rollups that read it (DEPENDENTS) for the same dates."""
    first = first - timedelta(days=LOOKBACK_DAYS[source])
    roomy(conn)
    for name in (source, *DEPENDENTS[source]):
        refresh_one(conn, name, first, last, settings)


def roomy(conn: Connection) -> None:
    """On PostgreSQL, let the rest of this transaction sort and aggregate in
    REFRESH_WORK_MEM (a fixed value; `SET LOCAL` ends with the transaction)."""
    if name_of(conn) == POSTGRESQL:
        conn.execute(text(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'"))


def refresh_one(conn: Connection, source: str, first: date, last: date, settings: Settings) -> None:
    """Recompute `source`'s rollups (agent, team, org; period totals and unit moments where
    it keeps them) for local dates first..last from its facts and nothing else: the same
    statements on either database (`batch_rollups` runs them in an in-memory DuckDB)."""
    stop = last + timedelta(days=1)
    span = {"start": first, "stop": stop}
    conn.execute(
        text(f"DELETE FROM rollup_{source} WHERE date >= :start AND date < :stop"),  # noqa: S608
        span,
    )
    params: dict[str, object] = dict(span)
    sql = measures.insert_sql(
        source, f"rollup_{source}", _FROM_HISTORY, AGENT_ROW_ORDER[name_of(conn)]
    )
    if source == "interactions":
        threshold, bound = threshold_sql(settings)
        sql = sql.format(threshold=threshold)
        params |= bound | {"repeat_stop": stop + REPEAT_WINDOW + timedelta(days=1)}
    conn.execute(text(sql), params)
    _rewrite_long(conn, source, span)
    if source in PERIOD_ROLLUPS:
        _rewrite_periods(conn, source, first, last)


def _period_bounds(grain: str, first: date, last: date) -> dict[str, object]:
    return {
        "grain": grain,
        "lo": period_containing(first, grain).start,
        "hi": period_containing(last, grain).end,
    }


def _rewrite_periods(conn: Connection, source: str, first: date, last: date) -> None:
    """Rewrite the agent × week and agent × month totals of every period that holds a date
    between first and last (`rollup_<source>_period`; `date` is the period's first day,
    `team_id` the team of the agent's rows on their own dates: an agent who moved within a
    period has a row per team), then the unit moments of every week, month, quarter and
    year holding one."""
    columns = ", ".join(ROLLUP_SUMS[source])
    sums = ", ".join(f"sum(r.{c})" for c in ROLLUP_SUMS[source])
    table = f"rollup_{source}_period"
    dialect = name_of(conn)
    for grain in PERIOD_GRAINS:
        bounds = _period_bounds(grain, first, last)
        # Only fixed names from this module reach the SQL text; values are bound.
        conn.execute(
            text(f"DELETE FROM {table} WHERE grain = :grain AND date >= :lo AND date <= :hi"),  # noqa: S608
            bounds,
        )
        conn.execute(
            text(
                f"INSERT INTO {table} (grain, date, team_id, agent_id, {columns}) "  # noqa: S608
                f"SELECT :grain, {day_of_period(dialect, grain, 'r.date')}, {TEAM_OF_ROW}, "
                f"r.agent_id, {sums} FROM rollup_{source} r "
                "WHERE r.date >= :lo AND r.date <= :hi GROUP BY 2, 3, 4 ORDER BY 2"
            ),
            bounds,
        )
    _rewrite_units(conn, source, (first, last))


def _rewrite_units(
    conn: Connection, source: str, span: tuple[date, date] | None, *, org: bool = True
) -> None:
    """Rewrite the team (and org) unit moments of `source` for every week, month, quarter
    and year holding a date of `span` (every period when None), from the agents' totals."""
    for grain in GRAINS:
        bounds: dict[str, object] = {"grain": grain}
        dated = ""
        if span is not None:
            bounds = _period_bounds(grain, *span)
            dated = " AND date >= :lo AND date <= :hi"
        totals = "week" if grain == "week" else "month"  # quarters and years sum months
        where = f"r.grain = '{totals}'"
        if span is not None:
            where += " AND r.date >= :lo AND r.date <= :hi"
        bucket = day_of_period(name_of(conn), grain, "r.date")
        scopes = [("rollup_team_units", "r.team_id")]  # attributed when totalled
        if org:
            scopes.append(("rollup_org_units", "NULL"))
        for target, key in scopes:
            moments = unit_moments_sql(
                source, f"rollup_{source}_period", bucket, key, "r.agent_id", where
            )
            teams = target == "rollup_team_units"
            long = measure_rows(
                name_of(conn),
                ("g.bucket", "g.key"),
                [(name, f'g."{name}"') for name in unit_moment_names(source)],
                moments,
            )
            # Only fixed names from this module reach the SQL text; values are bound.
            conn.execute(
                text(
                    f"DELETE FROM {target} WHERE grain = :grain{dated} "  # noqa: S608
                    f"AND {_measures_of(source)}"
                ),
                bounds,
            )
            conn.execute(
                text(
                    f"INSERT INTO {target} (grain, date, {'team_id, ' if teams else ''}"  # noqa: S608
                    f"measure, value) SELECT :grain, u.bucket, {'u.key, ' if teams else ''}"
                    f"u.measure, u.value FROM ({long}) AS u ORDER BY 2"
                ),
                bounds,
            )


def _rewrite_long(conn: Connection, source: str, span: dict | None, *, org: bool = True) -> None:
    """Rewrite `source`'s team (and org) long rows from its agent rollup, for a date span
    or, with no span, for every date."""
    dated = "date >= :start AND date < :stop AND " if span else ""
    params = span or {}
    # Only fixed names from this module reach the SQL text; values are bound.
    conn.execute(
        text(f"DELETE FROM rollup_team_daily WHERE {dated}{_measures_of(source)}"),  # noqa: S608
        params,
    )
    conn.execute(text(_team_insert(source, span is not None, name_of(conn))), params)
    if not org:
        return
    conn.execute(
        text(f"DELETE FROM rollup_org_daily WHERE {dated}{_measures_of(source)}"),  # noqa: S608
        params,
    )
    conn.execute(
        text(
            "INSERT INTO rollup_org_daily (date, measure, value) "  # noqa: S608
            "SELECT date, measure, sum(value) "
            f"FROM rollup_team_daily WHERE {dated}{_measures_of(source)} "
            "GROUP BY date, measure ORDER BY date, measure"
        ),
        params,
    )


def refresh_teams(conn: Connection, restated: Restatement) -> None:
    """After a change of team history (`membership.restatement`: the agents whose history
    changed, and per source the dates that have their rows changing team; org totals stay):
    the stored team of those agents' untagged rows on those dates, then the team rows, the
    agents' period totals and the team unit moments of the periods holding them."""
    roomy(conn)
    with Registered(conn) as reg:
        reg("cx_moved_agents", pa.table({"agent_id": pa.array(restated.changed, pa.string())}))
        for source, span in restated.spans.items():
            if span is None:
                continue
            dates = {"start": span[0], "stop": span[1] + timedelta(days=1)}
            _restate_row_teams(conn, source, dates)
            _rewrite_long(conn, source, dates, org=False)
            if source in PERIOD_ROLLUPS:
                _rewrite_periods(conn, source, span[0], span[1])


def _restate_row_teams(conn: Connection, source: str, dates: dict[str, date]) -> None:
    """The stored team (`row_team_id`) of the untagged rows of the agents in
    `cx_moved_agents` between :start and :stop: their agent's team that day, else none (a
    join, not a lookup per row)."""
    table = f"rollup_{ident(source, SOURCES)}"
    rows = (
        f"{table}.team_id IS NULL AND {table}.date >= :start AND {table}.date < :stop "  # noqa: S608
        f"AND {table}.agent_id IN (SELECT agent_id FROM cx_moved_agents)"
    )
    # Only fixed names from this module reach the SQL text; values are bound.
    conn.execute(text(f"UPDATE {table} SET row_team_id = NULL WHERE {rows}"), dates)  # noqa: S608
    conn.execute(
        text(
            f"UPDATE {table} SET row_team_id = member.team_id FROM agent_teams member "  # noqa: S608
            f"WHERE {rows} AND {holds(f'{table}.agent_id', f'{table}.date')}"
        ),
        dates,
    )


def batch_dates(conn: Connection, source: str, batch_id: str) -> tuple[date, date] | None:
    """First and last local date of a batch's rows in `source`, or None when it has none."""
    sql = (
        f"SELECT min({FACT_DATE[source]}), max({FACT_DATE[source]}) "  # noqa: S608
        f"FROM {FACT_TABLE[source]} WHERE batch_id = :b"
    )
    lo, hi = conn.execute(text(sql), {"b": batch_id}).one()
    return None if lo is None else (lo, hi)


# The dates a full rebuild of each rollup covers: the adherence rollup also has a row for
# each agent-day with contacts but no adherence row (it counts as left out).
SPAN_SQL = {
    "interactions": "SELECT min(CAST(started_at AS DATE)), max(CAST(started_at AS DATE)) "
    "FROM interactions",
    "surveys": "SELECT min(CAST(responded_at AS DATE)), max(CAST(responded_at AS DATE)) "
    "FROM survey_responses",
    "adherence": "SELECT min(d), max(d) FROM (SELECT min(date) AS d FROM adherence UNION ALL "
    "SELECT max(date) FROM adherence UNION ALL SELECT min(date) FROM rollup_interactions "
    "UNION ALL SELECT max(date) FROM rollup_interactions) AS dates",
}


def rebuild(conn: Connection, settings: Settings, sources: tuple[str, ...] = SOURCES) -> None:
    """Recompute every rollup of `sources` (and of the rollups that read them) from the raw
    facts (`cxmetrics rebuild-rollups`, a changed setting, a new rollup column)."""
    wanted = {name for source in sources for name in (source, *DEPENDENTS[source])}
    roomy(conn)
    for source in (s for s in SOURCES if s in wanted):  # interactions before adherence
        conn.execute(text(f"DELETE FROM rollup_{source}"))  # noqa: S608
        if source in PERIOD_ROLLUPS:
            conn.execute(text(f"DELETE FROM rollup_{source}_period"))  # noqa: S608
            for table in ("rollup_team_units", "rollup_org_units"):
                conn.execute(text(f"DELETE FROM {table} WHERE {_measures_of(source)}"))  # noqa: S608
        for table in ("rollup_team_daily", "rollup_org_daily"):
            conn.execute(text(f"DELETE FROM {table} WHERE {_measures_of(source)}"))  # noqa: S608
        lo, hi = conn.execute(text(SPAN_SQL[source])).one()
        if lo is not None:
            refresh_one(conn, source, lo - timedelta(days=LOOKBACK_DAYS[source]), hi, settings)


# ---------------------------------------------------------------- what rollups are built with

LAYOUT_KEY = "rollup_layout"  # store_settings: the measure declarations' signature
# The store_settings row recording the service-level thresholds the rollups were built with
# (before per-channel thresholds: one number of seconds under the legacy key).
SERVICE_LEVEL_KEY = "service_level"
LEGACY_SERVICE_LEVEL_KEY = "service_level_seconds"


def service_level_setting(settings: Settings) -> str:
    """The thresholds as one stored value: `default=20;email=86400;…`."""
    by_channel = sorted(settings.service_level_thresholds().items())
    return ";".join(
        [f"default={settings.service_level_seconds}"] + [f"{c}={t}" for c, t in by_channel]
    )


def settings_built_for(settings: Settings, stored: str) -> Settings:
    """`settings` with the service-level thresholds a store's rollups were built with
    (`service_level_setting`'s text)."""
    values = dict(part.split("=", 1) for part in stored.split(";") if "=" in part)
    default = int(values.pop("default", settings.service_level_seconds))
    return replace(
        settings,
        service_level_seconds=default,
        service_level_by_channel=tuple(
            sorted((channel, int(seconds)) for channel, seconds in values.items())
        ),
    )


def built_with(conn: Connection) -> dict[str, str]:
    """What the store's rollups were built with: layout signature and thresholds."""
    return dict(
        conn.execute(
            text("SELECT key, value FROM store_settings WHERE key IN (:layout, :sl, :legacy)"),
            {"layout": LAYOUT_KEY, "sl": SERVICE_LEVEL_KEY, "legacy": LEGACY_SERVICE_LEVEL_KEY},
        ).all()
    )


def _remember(conn: Connection, key: str, value: str) -> None:
    conn.execute(text("DELETE FROM store_settings WHERE key = :k"), {"k": key})
    conn.execute(text("INSERT INTO store_settings VALUES (:k, :v)"), {"k": key, "v": value})


def agent_rollup_ddl(source: str) -> str:
    """The CREATE TABLE of `source`'s agent rollup: its keys (measures.KEYS) and declared
    measure columns (only declared names reach the SQL text: store/measures.py validates
    them)."""
    keys = ", ".join(f"{name} {sql_type}" for name, sql_type in measures.KEY_COLUMNS.items())
    return f"CREATE TABLE rollup_{source} ({keys}, {measures.columns_ddl(source)})"


def _create_agent_tables(conn: Connection) -> None:
    """The agent rollups (and agents' period totals) with the declared measure columns."""
    for source in SOURCES:
        columns = measures.columns_ddl(source)
        # Only declared names reach the SQL text (store/measures.py validates them).
        conn.execute(text(f"DROP TABLE IF EXISTS rollup_{source}_period"))
        conn.execute(text(f"DROP TABLE IF EXISTS rollup_{source}"))
        conn.execute(text(agent_rollup_ddl(source)))
        if source in PERIOD_ROLLUPS:
            conn.execute(
                text(
                    f"CREATE TABLE rollup_{source}_period (grain VARCHAR NOT NULL, "
                    f"date DATE NOT NULL, team_id VARCHAR, agent_id VARCHAR, {columns})"
                )
            )


def bring_current(conn: Connection, settings: Settings, *, migrated: bool = False) -> None:
    """Make the rollups what the declarations and settings say: recreate and rebuild them
    all when the measure declarations changed or the schema was just migrated (a new version
    may add derived tables), rebuild the interactions rollup when the service-level
    thresholds changed."""
    built = built_with(conn)
    wanted = service_level_setting(settings)
    if migrated or built.get(LAYOUT_KEY) != measures.layout_signature():
        _create_agent_tables(conn)
        rebuild(conn, settings)
        _remember(conn, LAYOUT_KEY, measures.layout_signature())
    elif built.get(SERVICE_LEVEL_KEY) != wanted and (
        built.get(SERVICE_LEVEL_KEY) or built.get(LEGACY_SERVICE_LEVEL_KEY)
    ):
        rebuild(conn, settings, ("interactions",))
    conn.execute(text("DELETE FROM store_settings WHERE key = :k"), {"k": LEGACY_SERVICE_LEVEL_KEY})
    _remember(conn, SERVICE_LEVEL_KEY, wanted)
