"""The rollup measures, declared once: each sum a daily rollup keeps, with the aggregate
that computes it and its column type.

Everything else is generated from these declarations (as dbt MetricFlow builds from its
measures): the rollup tables' columns, the named-column `INSERT … SELECT` that fills
them, the team and org rows (one per measure, in long form), and the vocabulary of sums
the metric registry may name (`"interactions.answered"`). Adding a sum means one entry
here; the store then rebuilds its rollups once (their layout signature changed).

Each source's rollup reads the relation `SOURCE_FRAMES[source]` builds (aliases: `b` and
`f` for interactions, the survey rows for surveys, one row per agent-day `p` for adherence),
grouped by local date, team and agent. Thresholds of the answer scales come from
`metrics/scales.py`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from cxmetrics.metrics.scales import CES, CSAT, NPS, NPS_DETRACTOR_UP_TO

TYPES = ("BIGINT", "DOUBLE")
# The key columns of an agent rollup, before its measures: the local date, the team the
# rows named (NULL when they named none), the agent, and the team the row counts for: its
# own team_id, else its agent's team that day (rollups.py keeps it in step with the team
# history, so that a team's reads need no join to it).
KEY_COLUMNS = {
    "date": "DATE NOT NULL",
    "team_id": "VARCHAR",
    "agent_id": "VARCHAR",
    "row_team_id": "VARCHAR",
}
KEYS = tuple(KEY_COLUMNS)
# The team of a source whose rows name none (adherence): its rollup, grouped by date, team
# and agent, then holds one row per agent and date (`one_row_per_agent_day`).
NO_TEAM = "CAST(NULL AS VARCHAR)"
SOURCES = ("interactions", "surveys", "adherence")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class MeasureError(ValueError):
    """The measure declarations cannot build a rollup (every problem listed)."""


@dataclass(frozen=True)
class Measure:
    """One sum of a daily rollup."""

    source: str  # interactions | surveys | adherence
    name: str  # its column in the agent rollup, and `source.name` in the long rollups
    expr: str  # the aggregate over the source's frame (see the module docstring)
    type: str  # BIGINT | DOUBLE
    means: str  # what it counts, in a line


_ANSWERED = "NOT b.abandoned"
_CUSTOMER = "respondent_type = 'customer'"
_COLLEAGUE = "respondent_type = 'colleague'"
_MATCHED = "p.has_time AND p.has_contacts"


def _count(where: str) -> str:
    return f"count(*) FILTER (WHERE {where})"


def _sum(value: str, where: str | None = None) -> str:
    filtered = f" FILTER (WHERE {where})" if where else ""
    return f"coalesce(sum({value}){filtered}, 0)"


MEASURES: tuple[Measure, ...] = (
    # interactions: one row per offered contact (b), its customer's next contact (f)
    Measure("interactions", "offered", "count(*)", "BIGINT", "contacts offered"),
    Measure("interactions", "answered", _count(_ANSWERED), "BIGINT", "contacts answered"),
    Measure("interactions", "abandoned", _count("b.abandoned"), "BIGINT", "contacts abandoned"),
    Measure(
        "interactions",
        "abandoned_after_t",
        _count("b.abandoned AND b.wait_seconds > b.t"),
        "BIGINT",
        "abandoned after waiting longer than the channel's service-level threshold",
    ),
    Measure(
        "interactions",
        "answered_within_t",
        _count(f"{_ANSWERED} AND b.wait_seconds <= b.t"),
        "BIGINT",
        "answered within the channel's service-level threshold",
    ),
    Measure(
        "interactions",
        "wait_seconds",
        _sum("b.wait_seconds", _ANSWERED),
        "DOUBLE",
        "seconds answered contacts waited",
    ),
    Measure(
        "interactions",
        "wait_seconds_sq",
        _sum("b.wait_seconds * b.wait_seconds", _ANSWERED),
        "DOUBLE",
        "squares of those waits (for the interval of the mean)",
    ),
    Measure(
        "interactions",
        "handle_seconds",
        _sum("b.handle_seconds", _ANSWERED),
        "DOUBLE",
        "seconds spent handling answered contacts",
    ),
    Measure(
        "interactions",
        "handle_seconds_sq",
        _sum("b.handle_seconds * b.handle_seconds", _ANSWERED),
        "DOUBLE",
        "squares of those handle times",
    ),
    Measure(
        "interactions",
        "handle_minutes",
        _sum("b.handle_seconds", _ANSWERED) + " / 60.0",
        "DOUBLE",
        "minutes spent handling answered contacts",
    ),
    Measure(
        "interactions",
        "transferred",
        _count(f"{_ANSWERED} AND b.transferred"),
        "BIGINT",
        "answered contacts transferred",
    ),
    Measure(
        "interactions",
        "fcr_known",
        _count(f"{_ANSWERED} AND b.resolved_first_contact IS NOT NULL"),
        "BIGINT",
        "answered contacts whose first-contact resolution is known",
    ),
    Measure(
        "interactions",
        "fcr_resolved",
        _count(f"{_ANSWERED} AND b.resolved_first_contact"),
        "BIGINT",
        "answered contacts resolved at first contact",
    ),
    Measure(
        "interactions",
        "callback_promised",
        _count("b.callback_promised"),
        "BIGINT",
        "callbacks promised",
    ),
    Measure(
        "interactions",
        "callback_kept",
        _count("b.callback_promised AND b.callback_kept"),
        "BIGINT",
        "promised callbacks kept",
    ),
    Measure(
        "interactions",
        "repeat_eligible",
        _count(f"{_ANSWERED} AND b.customer_id IS NOT NULL"),
        "BIGINT",
        "answered contacts with a customer id",
    ),
    Measure(
        "interactions",
        "repeat_followed",
        _count(
            f"{_ANSWERED} AND b.customer_id IS NOT NULL "
            "AND f.next_at <= b.started_at + INTERVAL '7 days'"
        ),
        "BIGINT",
        "of those, followed by the same customer's next contact within 7 days",
    ),
    # surveys: one row per response
    Measure("surveys", "responses", "count(*)", "BIGINT", "survey responses"),
    Measure("surveys", "customer_responses", _count(_CUSTOMER), "BIGINT", "from customers"),
    Measure("surveys", "colleague_responses", _count(_COLLEAGUE), "BIGINT", "from colleagues"),
    Measure(
        "surveys",
        "nps_n",
        f"count(nps) FILTER (WHERE {_CUSTOMER})",
        "BIGINT",
        "customer NPS answers",
    ),
    Measure(
        "surveys",
        "promoters",
        _count(f"{_CUSTOMER} AND nps >= {NPS.top_from}"),
        "BIGINT",
        "customer promoters (9–10)",
    ),
    Measure(
        "surveys",
        "detractors",
        _count(f"{_CUSTOMER} AND nps <= {NPS_DETRACTOR_UP_TO}"),
        "BIGINT",
        "customer detractors (0–6)",
    ),
    Measure(
        "surveys",
        "csat_n",
        f"count(csat) FILTER (WHERE {_CUSTOMER})",
        "BIGINT",
        "customer CSAT answers",
    ),
    Measure(
        "surveys",
        "csat_top2",
        _count(f"{_CUSTOMER} AND csat >= {CSAT.top_from}"),
        "BIGINT",
        "customers satisfied (4–5)",
    ),
    Measure(
        "surveys",
        "ces_n",
        f"count(ces) FILTER (WHERE {_CUSTOMER})",
        "BIGINT",
        "customer effort answers",
    ),
    Measure(
        "surveys",
        "ces_easy",
        _count(f"{_CUSTOMER} AND ces >= {CES.top_from}"),
        "BIGINT",
        "customers who found it easy (5–7)",
    ),
    Measure(
        "surveys",
        "inps_n",
        f"count(nps) FILTER (WHERE {_COLLEAGUE})",
        "BIGINT",
        "colleague NPS answers",
    ),
    Measure(
        "surveys",
        "inps_promoters",
        _count(f"{_COLLEAGUE} AND nps >= {NPS.top_from}"),
        "BIGINT",
        "colleague promoters",
    ),
    Measure(
        "surveys",
        "inps_detractors",
        _count(f"{_COLLEAGUE} AND nps <= {NPS_DETRACTOR_UP_TO}"),
        "BIGINT",
        "colleague detractors",
    ),
    # adherence: one row per agent-day (p), its schedule beside its contacts
    Measure("adherence", "agent_days", "sum(p.agent_days)", "BIGINT", "agent-days scheduled"),
    Measure("adherence", "scheduled_minutes", "sum(p.scheduled)", "DOUBLE", "scheduled minutes"),
    Measure(
        "adherence",
        "in_adherence_minutes",
        "sum(p.in_adherence)",
        "DOUBLE",
        "minutes doing the scheduled activity at the scheduled time",
    ),
    Measure("adherence", "logged_in_minutes", "sum(p.logged_in)", "DOUBLE", "minutes logged in"),
    Measure(
        "adherence",
        "available_minutes",
        "sum(p.available)",
        "DOUBLE",
        "minutes available for a contact",
    ),
    # Agent-days with both contacts and logged time, and those sums over them only, so that
    # occupancy and productivity take top and bottom from the same agent-days.
    Measure(
        "adherence",
        "matched_days",
        _count(_MATCHED),
        "BIGINT",
        "agent-days with both contacts and logged time",
    ),
    Measure(
        "adherence",
        "matched_handle_minutes",
        _sum("p.handle", _MATCHED),
        "DOUBLE",
        "handle minutes on those agent-days",
    ),
    Measure(
        "adherence",
        "matched_answered",
        _sum("p.answered", _MATCHED),
        "BIGINT",
        "contacts answered on those agent-days",
    ),
    Measure(
        "adherence",
        "matched_available_minutes",
        _sum("p.available", _MATCHED),
        "DOUBLE",
        "available minutes on those agent-days",
    ),
    Measure(
        "adherence",
        "matched_logged_in_minutes",
        _sum("p.logged_in", _MATCHED),
        "DOUBLE",
        "logged-in minutes on those agent-days",
    ),
    Measure(
        "adherence",
        "unmatched_days",
        _count("p.has_time <> p.has_contacts"),
        "BIGINT",
        "agent-days with only one of the two (left out of the matched sums)",
    ),
)

# What each source's measures read, grouped by (local date, team, agent): CTEs, then the
# relation. `{threshold}` is the channel's service-level threshold (bound values).
SOURCE_FRAMES = {
    "interactions": (
        """WITH base AS (
            SELECT *, {threshold} AS t FROM interactions
            WHERE started_at >= :start AND started_at < :stop
        ), following AS (
            SELECT interaction_id,
                   lead(started_at) OVER (
                       PARTITION BY customer_id ORDER BY started_at, interaction_id
                   ) AS next_at
            FROM interactions
            WHERE customer_id IS NOT NULL AND started_at >= :start AND started_at < :repeat_stop
        )""",
        "base b LEFT JOIN following f ON f.interaction_id = b.interaction_id",
        ("CAST(b.started_at AS DATE)", "b.team_id", "b.agent_id"),
    ),
    "surveys": (
        "",
        "survey_responses WHERE responded_at >= :start AND responded_at < :stop",
        ("CAST(responded_at AS DATE)", "team_id", "agent_id"),
    ),
    "adherence": (
        """WITH planned AS (
            SELECT date, agent_id, count(*) AS agent_days,
                coalesce(sum(scheduled_minutes), 0) AS scheduled,
                coalesce(sum(in_adherence_minutes), 0) AS in_adherence,
                coalesce(sum(logged_in_minutes), 0) AS logged_in,
                coalesce(sum(available_minutes), 0) AS available
            FROM adherence WHERE date >= :start AND date < :stop
            GROUP BY date, agent_id
        ), worked AS (
            SELECT date, agent_id, sum(answered) AS answered, sum(handle_minutes) AS handle
            FROM rollup_interactions
            WHERE date >= :start AND date < :stop AND agent_id IS NOT NULL
            GROUP BY date, agent_id
        ), paired AS (
            SELECT coalesce(p.date, w.date) AS date, coalesce(p.agent_id, w.agent_id) AS agent,
                coalesce(p.agent_days, 0) AS agent_days, coalesce(p.scheduled, 0) AS scheduled,
                coalesce(p.in_adherence, 0) AS in_adherence,
                coalesce(p.logged_in, 0) AS logged_in, coalesce(p.available, 0) AS available,
                coalesce(p.logged_in, 0) > 0 AS has_time, w.agent_id IS NOT NULL AS has_contacts,
                coalesce(w.answered, 0) AS answered, coalesce(w.handle, 0) AS handle
            FROM planned p FULL JOIN worked w ON w.date = p.date AND w.agent_id = p.agent_id
        )""",
        "paired p",
        ("p.date", NO_TEAM, "p.agent"),
    ),
}


def one_row_per_agent_day(source: str) -> bool:
    """Whether `source`'s agent rollup has one row per agent and date: its rows name no
    team, so it is grouped by date and agent."""
    return SOURCE_FRAMES[source][2][1] == NO_TEAM


def validate(measures: tuple[Measure, ...]) -> None:
    """Raise MeasureError listing every problem at once, each naming measure and field."""
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for position, m in enumerate(measures, start=1):
        label = f"measure `{m.source}.{m.name}`" if m.name else f"measure #{position}"
        if m.source not in SOURCES:
            problems.append(f"{label}: field `source` is {m.source!r}; use one of {SOURCES}")
        if not _NAME.fullmatch(m.name or ""):
            problems.append(f"{label}: field `name` must be lower_case letters, digits, _")
        if m.type not in TYPES:
            problems.append(f"{label}: field `type` is {m.type!r}; use one of {TYPES}")
        if not m.expr.strip():
            problems.append(f"{label}: field `expr` is empty")
        if not m.means.strip():
            problems.append(f"{label}: field `means` is empty: say what it counts")
        if (m.source, m.name) in seen:
            problems.append(f"{label}: declared twice")
        seen.add((m.source, m.name))
    for source in SOURCES:
        if not any(m.source == source for m in measures):
            problems.append(f"source `{source}` has no measure")
    if problems:
        raise MeasureError(
            f"{len(problems)} problem(s) in the rollup measures:\n- " + "\n- ".join(problems)
        )


validate(MEASURES)

MEASURES_OF: dict[str, tuple[Measure, ...]] = {
    source: tuple(m for m in MEASURES if m.source == source) for source in SOURCES
}
# The sums each rollup offers to metric definitions (registry parts name these).
ROLLUP_SUMS: dict[str, tuple[str, ...]] = {
    source: tuple(m.name for m in found) for source, found in MEASURES_OF.items()
}


def measure_name(source: str, name: str) -> str:
    """The `measure` of a rollup sum in the long rollups (e.g. `surveys.promoters`)."""
    return f"{source}.{name}"


def columns_ddl(source: str) -> str:
    """The measure columns of `source`'s agent rollup, with their types (DOUBLE written as
    DOUBLE PRECISION, which both databases accept)."""
    sql_type = {"BIGINT": "BIGINT", "DOUBLE": "DOUBLE PRECISION"}
    return ", ".join(f"{m.name} {sql_type[m.type]}" for m in MEASURES_OF[source])


def insert_sql(source: str, table: str, team_of_row: tuple[str, str], order: str = "1") -> str:
    """`INSERT INTO table (date, team_id, agent_id, row_team_id, <measures>) …` computing
    `source`'s rollup for local dates in [:start, :stop), columns named (a column never
    takes another's value), rows in the `order` of those columns (positions, fixed text:
    date first by default). team_of_row: (join, expression) giving the team a grouped row
    `g` counts for (rollups.py passes the team history's rule). Only names and expressions
    declared in this module and fixed text reach the SQL text."""
    ctes, relation, (day, team, agent) = SOURCE_FRAMES[source]
    names = [m.name for m in MEASURES_OF[source]]
    aggregates = ", ".join(f"{m.expr} AS {m.name}" for m in MEASURES_OF[source])
    join, row_team = team_of_row
    grouped = (
        f"SELECT {day} AS date, {team} AS team_id, {agent} AS agent_id, {aggregates} "  # noqa: S608
        f"FROM {relation} GROUP BY 1, 2, 3"
    )
    return (
        f"INSERT INTO {table} ({', '.join((*KEYS, *names))}) {ctes} "  # noqa: S608
        f"SELECT g.date, g.team_id, g.agent_id, {row_team}, "
        f"{', '.join(f'g.{n}' for n in names)} FROM ({grouped}) AS g {join} ORDER BY {order}"
    )


def layout_signature(declared: tuple[Measure, ...] = MEASURES) -> str:
    """A digest of everything the agent rollups are computed from: when it changes (a
    measure added, an expression changed, a key column added), the store recreates and
    rebuilds them."""
    text = " ".join(f"{name} {sql_type}" for name, sql_type in KEY_COLUMNS.items()) + "\n"
    text += "\n".join(f"{m.source}.{m.name} {m.type} {m.expr}" for m in declared)
    text += "\n" + "\n".join(" ".join(map(str, frame)) for frame in SOURCE_FRAMES.values())
    return hashlib.sha256(text.encode()).hexdigest()[:16]
