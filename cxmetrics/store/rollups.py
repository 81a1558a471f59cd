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
totals do not depend on the roster. Rows are
written in date order, so DuckDB's zone maps let a scorecard read only the row groups of
the weeks it asks for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import Connection, text

from cxmetrics.config import Settings
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
        "scheduled_sq",
        "in_adherence_sq",
        "in_adherence_x_scheduled",
        "logged_in_sq",
        "logged_in_x_scheduled",
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

_INSERT = {
    "interactions": """
        INSERT INTO rollup_interactions
        WITH base AS (
            SELECT * FROM interactions WHERE started_at >= :start AND started_at < :stop
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
            count(*) FILTER (WHERE b.abandoned AND b.wait_seconds > :t),
            count(*) FILTER (WHERE NOT b.abandoned AND b.wait_seconds <= :t),
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
        INSERT INTO rollup_surveys
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
        INSERT INTO rollup_adherence
        SELECT date, NULL, agent_id, count(*),
            coalesce(sum(scheduled_minutes), 0), coalesce(sum(in_adherence_minutes), 0),
            coalesce(sum(logged_in_minutes), 0), coalesce(sum(available_minutes), 0),
            coalesce(sum(scheduled_minutes * scheduled_minutes), 0),
            coalesce(sum(in_adherence_minutes * in_adherence_minutes), 0),
            coalesce(sum(in_adherence_minutes * scheduled_minutes), 0),
            coalesce(sum(logged_in_minutes * logged_in_minutes), 0),
            coalesce(sum(logged_in_minutes * scheduled_minutes), 0)
        FROM adherence
        WHERE date >= :start AND date < :stop
        GROUP BY ALL
        ORDER BY 1
    """,
}


def measure_name(source: str, name: str) -> str:
    """The `measure` of a rollup sum in `rollup_team_daily` (e.g. `surveys.promoters`)."""
    return f"{source}.{name}"


def _team_insert(source: str, dated: bool) -> str:
    """SQL writing `source`'s team × date rows (for a date range when `dated`)."""
    sums = ", ".join(
        f'CAST(sum(r.{c}) AS DOUBLE) AS "{measure_name(source, c)}"' for c in ROLLUP_SUMS[source]
    )
    where = "WHERE r.date >= :start AND r.date < :stop" if dated else ""
    join, team = fact_team("r", "r.date")
    # Only fixed names from this module reach the SQL text; values are bound.
    return (
        "INSERT INTO rollup_team_daily SELECT date, team_id, measure, value FROM ("  # noqa: S608
        f"UNPIVOT (SELECT r.date, {team} AS team_id, {sums} "
        f"FROM rollup_{source} r {join} {where} "
        "GROUP BY ALL) ON COLUMNS(* EXCLUDE (date, team_id)) "
        "INTO NAME measure VALUE value) WHERE value <> 0 ORDER BY date, team_id, measure"
    )


def _measures_of(source: str) -> str:
    return f"starts_with(measure, '{source}.')"


def refresh(conn: Connection, source: str, first: date, last: date, settings: Settings) -> None:
    """Recompute `source`'s rollups (agent and team) for local dates first..last from raw."""
    first = first - timedelta(days=LOOKBACK_DAYS[source])
    stop = last + timedelta(days=1)
    span = {"start": first, "stop": stop}
    conn.execute(
        text(f"DELETE FROM rollup_{source} WHERE date >= :start AND date < :stop"),  # noqa: S608
        span,
    )
    conn.execute(
        text(_INSERT[source]),
        {
            **span,
            "repeat_stop": stop + REPEAT_WINDOW + timedelta(days=1),
            "t": settings.service_level_seconds,
        },
    )
    _rewrite_long(conn, source, span)


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
    """Rebuild the team (and org) rollups from the agent rollups (when schema v3 adds them;
    teams only with `org=False`)."""
    for source in SOURCES:
        _rewrite_long(conn, source, None, org=org)


def refresh_teams(conn: Connection, spans: Mapping[str, tuple[date, date] | None]) -> None:
    """Rewrite the team rows of each source for its span of local dates (after a change of
    team history: `membership.restatement` says which dates; org totals stay)."""
    for source, span in spans.items():
        if span is not None:
            stop = span[1] + timedelta(days=1)
            _rewrite_long(conn, source, {"start": span[0], "stop": stop}, org=False)


def batch_dates(conn: Connection, source: str, batch_id: str) -> tuple[date, date] | None:
    """First and last local date of a batch's rows in `source`, or None when it has none."""
    sql = (
        f"SELECT min({FACT_DATE[source]}), max({FACT_DATE[source]}) "  # noqa: S608
        f"FROM {FACT_TABLE[source]} WHERE batch_id = :b"
    )
    lo, hi = conn.execute(text(sql), {"b": batch_id}).one()
    return None if lo is None else (lo, hi)


def rebuild(conn: Connection, settings: Settings, sources: tuple[str, ...] = SOURCES) -> None:
    """Recompute every rollup from the raw facts (`cxmetrics rebuild-rollups`)."""
    for source in sources:
        conn.execute(text(f"DELETE FROM rollup_{source}"))  # noqa: S608
        for table in ("rollup_team_daily", "rollup_org_daily"):
            conn.execute(text(f"DELETE FROM {table} WHERE {_measures_of(source)}"))  # noqa: S608
        sql = f"SELECT min({FACT_DATE[source]}), max({FACT_DATE[source]}) FROM {FACT_TABLE[source]}"  # noqa: S608
        lo, hi = conn.execute(text(sql)).one()
        if lo is not None:
            refresh(conn, source, lo, hi, settings)
