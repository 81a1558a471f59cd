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
team_id, else the team its agent was in on that date (`membership.fact_team`), so a roster
change rewrites the team rows of the dates whose rows change team (`refresh_teams`); org
totals do not depend on the roster. Rows are written in date order, so DuckDB's zone maps
let a scorecard read only the row groups of the weeks it asks for.

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

from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import Connection, text

from cxmetrics.config import Settings
from cxmetrics.periods import GRAINS, period_containing
from cxmetrics.store.membership import fact_team

# The sums each rollup offers to metric definitions (registry parts name these).
ROLLUP_SUMS: dict[str, tuple[str, ...]] = {
    "interactions": (
        "offered",
        "answered",
        "abandoned",
        "abandoned_after_t",
        "answered_within_t",
        "wait_seconds",
        "wait_seconds_sq",
        "handle_seconds",
        "handle_seconds_sq",
        "handle_minutes",
        "transferred",
        "fcr_known",
        "fcr_resolved",
        "callback_promised",
        "callback_kept",
        "repeat_eligible",
        "repeat_followed",
    ),
    "surveys": (
        "responses",
        "customer_responses",
        "colleague_responses",
        "nps_n",
        "promoters",
        "detractors",
        "csat_n",
        "csat_top2",
        "ces_n",
        "ces_easy",
        "inps_n",
        "inps_promoters",
        "inps_detractors",
    ),
    "adherence": (
        "agent_days",
        "scheduled_minutes",
        "in_adherence_minutes",
        "logged_in_minutes",
        "available_minutes",
        # Agent-days with both contacts and logged time, and those sums over them only, so
        # that occupancy and productivity take top and bottom from the same agent-days.
        "matched_days",
        "matched_handle_minutes",
        "matched_answered",
        "matched_available_minutes",
        "matched_logged_in_minutes",
        # Agent-days with only one of the two (left out of the matched sums).
        "unmatched_days",
    ),
}
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
# The team of an agent-rollup row `r`: its own team_id, else the team its agent was in on
# the row's date. The team rollup, the agents' period totals and the engine's reads of the
# agent rollups share them.
_JOIN, TEAM_OF_ROW = fact_team("r", "r.date")
TEAM_JOIN = _JOIN + " "
# Rollups computed partly from another rollup: the adherence rollup's matched sums read the
# interactions rollup, so refreshing interactions for some dates refreshes those dates there.
DEPENDENTS = {"interactions": ("adherence",), "surveys": (), "adherence": ()}

# What each agent rollup holds per agent and date, in ROLLUP_SUMS order after (date,
# team_id, agent_id).
_SELECT = {
    "interactions": """
        WITH base AS (
            SELECT *, {threshold} AS t FROM interactions
            WHERE started_at >= :start AND started_at < :stop
        ), following AS (
            SELECT interaction_id,
                   lead(started_at) OVER (
                       PARTITION BY customer_id ORDER BY started_at, interaction_id
                   ) AS next_at
            FROM interactions
            WHERE customer_id IS NOT NULL AND started_at >= :start AND started_at < :repeat_stop
        )
        SELECT CAST(b.started_at AS DATE), b.team_id, b.agent_id,
            count(*),
            count(*) FILTER (WHERE NOT b.abandoned),
            count(*) FILTER (WHERE b.abandoned),
            count(*) FILTER (WHERE b.abandoned AND b.wait_seconds > b.t),
            count(*) FILTER (WHERE NOT b.abandoned AND b.wait_seconds <= b.t),
            coalesce(sum(b.wait_seconds) FILTER (WHERE NOT b.abandoned), 0),
            coalesce(sum(b.wait_seconds * b.wait_seconds) FILTER (WHERE NOT b.abandoned), 0),
            coalesce(sum(b.handle_seconds) FILTER (WHERE NOT b.abandoned), 0),
            coalesce(sum(b.handle_seconds * b.handle_seconds) FILTER (WHERE NOT b.abandoned), 0),
            coalesce(sum(b.handle_seconds) FILTER (WHERE NOT b.abandoned), 0) / 60.0,
            count(*) FILTER (WHERE NOT b.abandoned AND b.transferred),
            count(*) FILTER (WHERE NOT b.abandoned AND b.resolved_first_contact IS NOT NULL),
            count(*) FILTER (WHERE NOT b.abandoned AND b.resolved_first_contact),
            count(*) FILTER (WHERE b.callback_promised),
            count(*) FILTER (WHERE b.callback_promised AND b.callback_kept),
            count(*) FILTER (WHERE NOT b.abandoned AND b.customer_id IS NOT NULL),
            count(*) FILTER (
                WHERE NOT b.abandoned AND b.customer_id IS NOT NULL
                AND f.next_at <= b.started_at + INTERVAL 7 DAY
            )
        FROM base b LEFT JOIN following f USING (interaction_id)
        GROUP BY ALL
        ORDER BY 1
    """,
    "surveys": """
        SELECT CAST(responded_at AS DATE), team_id, agent_id,
            count(*),
            count(*) FILTER (WHERE respondent_type = 'customer'),
            count(*) FILTER (WHERE respondent_type = 'colleague'),
            count(nps) FILTER (WHERE respondent_type = 'customer'),
            count(*) FILTER (WHERE respondent_type = 'customer' AND nps >= 9),
            count(*) FILTER (WHERE respondent_type = 'customer' AND nps <= 6),
            count(csat) FILTER (WHERE respondent_type = 'customer'),
            count(*) FILTER (WHERE respondent_type = 'customer' AND csat >= 4),
            count(ces) FILTER (WHERE respondent_type = 'customer'),
            count(*) FILTER (WHERE respondent_type = 'customer' AND ces >= 5),
            count(nps) FILTER (WHERE respondent_type = 'colleague'),
            count(*) FILTER (WHERE respondent_type = 'colleague' AND nps >= 9),
            count(*) FILTER (WHERE respondent_type = 'colleague' AND nps <= 6)
        FROM survey_responses
        WHERE responded_at >= :start AND responded_at < :stop
        GROUP BY ALL
        ORDER BY 1
    """,
    "adherence": """
        WITH planned AS (
            SELECT date, agent_id, count(*) AS agent_days,
                coalesce(sum(scheduled_minutes), 0) AS scheduled,
                coalesce(sum(in_adherence_minutes), 0) AS in_adherence,
                coalesce(sum(logged_in_minutes), 0) AS logged_in,
                coalesce(sum(available_minutes), 0) AS available
            FROM adherence WHERE date >= :start AND date < :stop
            GROUP BY ALL
        ), worked AS (
            SELECT date, agent_id, sum(answered) AS answered, sum(handle_minutes) AS handle
            FROM rollup_interactions
            WHERE date >= :start AND date < :stop AND agent_id IS NOT NULL
            GROUP BY ALL
        ), paired AS (
            SELECT coalesce(p.date, w.date) AS date, coalesce(p.agent_id, w.agent_id) AS agent,
                coalesce(p.agent_days, 0) AS agent_days, coalesce(p.scheduled, 0) AS scheduled,
                coalesce(p.in_adherence, 0) AS in_adherence,
                coalesce(p.logged_in, 0) AS logged_in, coalesce(p.available, 0) AS available,
                coalesce(p.logged_in, 0) > 0 AS has_time, w.agent_id IS NOT NULL AS has_contacts,
                coalesce(w.answered, 0) AS answered, coalesce(w.handle, 0) AS handle
            FROM planned p FULL JOIN worked w ON w.date = p.date AND w.agent_id = p.agent_id
        )
        SELECT date, NULL, agent, agent_days, scheduled, in_adherence, logged_in, available,
            CAST(has_time AND has_contacts AS BIGINT),
            CASE WHEN has_time AND has_contacts THEN handle ELSE 0 END,
            CASE WHEN has_time AND has_contacts THEN answered ELSE 0 END,
            CASE WHEN has_time AND has_contacts THEN available ELSE 0 END,
            CASE WHEN has_time AND has_contacts THEN logged_in ELSE 0 END,
            CAST(has_time <> has_contacts AS BIGINT)
        FROM paired
        ORDER BY 1
    """,
}


def measure_name(source: str, name: str) -> str:
    """The `measure` of a rollup sum in `rollup_team_daily` (e.g. `surveys.promoters`)."""
    return f"{source}.{name}"


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
    source: str, table: str, bucket: str, key: str, unit: str, join: str, where: str
) -> str:
    """SELECT bucket, key, then a column per unit moment of `source` (`unit_moment_names`):
    each unit's totals over `table` rows first, then their products and counts summed per
    (bucket, key). Only fixed names reach the SQL text."""
    columns = sorted({c for pair in UNIT_PRODUCTS[source] for c in pair})
    inner = [f"{bucket} AS bucket", f"{key} AS key", f"{unit} AS unit"]
    inner += [f"sum(r.{c}) AS {c}" for c in (*UNIT_COUNTS[source], *columns)]
    outer = [
        f'CAST(count(*) FILTER (WHERE {c} > 0) AS DOUBLE) AS "{units_measure(source, c)}"'
        for c in UNIT_COUNTS[source]
    ]
    outer += [
        f'sum({a} * {b}) AS "{product_measure(source, a, b)}"' for a, b in UNIT_PRODUCTS[source]
    ]
    return (
        f"SELECT bucket, key, {', '.join(outer)} FROM ("  # noqa: S608
        f"SELECT {', '.join(inner)} FROM {table} r {join}WHERE {where} GROUP BY ALL) AS u "
        "GROUP BY ALL"
    )


def _team_insert(source: str, dated: bool) -> str:
    """SQL writing `source`'s team × date rows (for a date range when `dated`)."""
    sums = ", ".join(
        f'CAST(sum(r.{c}) AS DOUBLE) AS "{measure_name(source, c)}"' for c in ROLLUP_SUMS[source]
    )
    where = "WHERE r.date >= :start AND r.date < :stop" if dated else ""
    # Only fixed names from this module reach the SQL text; values are bound.
    return (
        "INSERT INTO rollup_team_daily SELECT date, team_id, measure, value FROM ("  # noqa: S608
        f"UNPIVOT (SELECT r.date, {TEAM_OF_ROW} AS team_id, {sums} "
        f"FROM rollup_{source} r {TEAM_JOIN}{where} "
        "GROUP BY ALL) ON COLUMNS(* EXCLUDE (date, team_id)) "
        "INTO NAME measure VALUE value) WHERE value <> 0 ORDER BY date, team_id, measure"
    )


def _measures_of(source: str) -> str:
    return f"starts_with(measure, '{source}.')"


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
    for name in (source, *DEPENDENTS[source]):
        _refresh_one(conn, name, first, last, settings)


def _refresh_one(
    conn: Connection, source: str, first: date, last: date, settings: Settings
) -> None:
    stop = last + timedelta(days=1)
    span = {"start": first, "stop": stop}
    conn.execute(
        text(f"DELETE FROM rollup_{source} WHERE date >= :start AND date < :stop"),  # noqa: S608
        span,
    )
    params: dict[str, object] = dict(span)
    # Only fixed names from this module reach the SQL text; values are bound.
    columns = ", ".join(("date", "team_id", "agent_id", *ROLLUP_SUMS[source]))
    sql = f"INSERT INTO rollup_{source} ({columns}) {_SELECT[source]}"
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
                f"SELECT :grain, CAST(date_trunc('{grain}', r.date) AS DATE), {TEAM_OF_ROW}, "
                f"r.agent_id, {sums} FROM rollup_{source} r {TEAM_JOIN}"
                "WHERE r.date >= :lo AND r.date <= :hi GROUP BY ALL ORDER BY 2"
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
        bucket = f"CAST(date_trunc('{grain}', r.date) AS DATE)"
        scopes = [("rollup_team_units", "r.team_id", "")]  # attributed when totalled
        if org:
            scopes.append(("rollup_org_units", "NULL", ""))
        for target, key, join in scopes:
            moments = unit_moments_sql(
                source, f"rollup_{source}_period", bucket, key, "r.agent_id", join, where
            )
            team = "key AS team_id, " if target == "rollup_team_units" else ""
            # Only fixed names from this module reach the SQL text; values are bound.
            conn.execute(
                text(
                    f"DELETE FROM {target} WHERE grain = :grain{dated} "  # noqa: S608
                    f"AND starts_with(measure, '{source}.')"
                ),
                bounds,
            )
            conn.execute(
                text(
                    f"INSERT INTO {target} SELECT :grain, date, {team}measure, value FROM ("  # noqa: S608
                    f"UNPIVOT (SELECT bucket AS date, key, * EXCLUDE (bucket, key) FROM "
                    f"({moments})) ON COLUMNS(* EXCLUDE (date, key)) INTO NAME measure "
                    "VALUE value) WHERE value <> 0 ORDER BY date"
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
    conn.execute(text(_team_insert(source, dated=span is not None)), params)
    if not org:
        return
    conn.execute(
        text(f"DELETE FROM rollup_org_daily WHERE {dated}{_measures_of(source)}"),  # noqa: S608
        params,
    )
    conn.execute(
        text(
            "INSERT INTO rollup_org_daily SELECT date, measure, sum(value) "  # noqa: S608
            f"FROM rollup_team_daily WHERE {dated}{_measures_of(source)} "
            "GROUP BY ALL ORDER BY date, measure"
        ),
        params,
    )


def refresh_long(conn: Connection, *, org: bool = True) -> None:
    """Rebuild the team (and org) rollups from the agent rollups, unit moments included
    (when schema v3 adds them; teams only with `org=False`)."""
    for source in SOURCES:
        _rewrite_long(conn, source, None, org=org)
        if source in PERIOD_ROLLUPS:  # the agents' period totals carry their teams too
            lo, hi = conn.execute(
                text(f"SELECT min(date), max(date) FROM rollup_{source}")  # noqa: S608
            ).one()
            if lo is not None:
                _rewrite_periods(conn, source, lo, hi)


def refresh_teams(conn: Connection, spans: Mapping[str, tuple[date, date] | None]) -> None:
    """Rewrite the team rows of each source for its span of local dates (after a change of
    team history: `membership.restatement` says which dates; org totals stay), with the
    agents' period totals and team unit moments of the periods holding them."""
    for source, span in spans.items():
        if span is None:
            continue
        stop = span[1] + timedelta(days=1)
        _rewrite_long(conn, source, {"start": span[0], "stop": stop}, org=False)
        if source in PERIOD_ROLLUPS:
            _rewrite_periods(conn, source, span[0], span[1])


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
    "UNION ALL SELECT max(date) FROM rollup_interactions)",
}


def rebuild(conn: Connection, settings: Settings, sources: tuple[str, ...] = SOURCES) -> None:
    """Recompute every rollup of `sources` (and of the rollups that read them) from the raw
    facts (`cxmetrics rebuild-rollups`, a changed setting, a new rollup column)."""
    wanted = {name for source in sources for name in (source, *DEPENDENTS[source])}
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
            _refresh_one(conn, source, lo - timedelta(days=LOOKBACK_DAYS[source]), hi, settings)
