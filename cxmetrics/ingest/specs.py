"""What each kind of upload holds: its table, its canonical columns (a sample of each kind
in cxmetrics/samples/), its key, and the rules across columns its rows must keep.

A column declares its type, whether the header must have it and every row must fill it,
the aliases it is recognised by, its range, what an empty cell or a missing column means,
and its longest value; `validation` reads these declarations, nothing else decides them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxmetrics.access.viewer import ROLES
from cxmetrics.ingest import rules

KINDS = (
    "roster", "interactions", "adherence", "surveys", "targets", "kpis", "obstacles", "meetings",
    "learning", "access",
)  # fmt: skip

# Longest values stored (characters): identifiers, names and labels, free-text comments.
# A longer value rejects its row.
MAX_ID_CHARS = 128
MAX_NAME_CHARS = 200
MAX_EMAIL_CHARS = 254
MAX_COMMENT_CHARS = 10_000
MAX_NOTE_CHARS = 2_000  # an obstacle's description or resolution, who attended a meeting

# An obstacle's statuses; the closed ones end it (as of their `resolved_on`).
OBSTACLE_STATUSES = ("open", "in_progress", "resolved", "wont_fix")


@dataclass(frozen=True)
class Column:
    """One canonical column.

    type: id | text | comment | timestamp | date | number | score | bool | choice
    required: the header must have it; not_null: every row must have a value.
    blank: value for an empty cell (bools, choices); absent: value when the file has no
    such column (None = unknown/NULL). max_length: longest value in characters (ids, text
    and comments; by type unless given). A choice is matched ignoring case, apostrophes and
    the difference between spaces, dashes and `_` ("Won't fix" is `wont_fix`).
    """

    name: str
    type: str
    required: bool = False
    not_null: bool = False
    aliases: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    blank: object = None
    absent: object = None
    choices: tuple[str, ...] = ()
    no_future: bool = False
    max_length: int | None = None

    @property
    def longest(self) -> int | None:
        """Longest value allowed (characters), None for typed columns."""
        if self.max_length is not None:
            return self.max_length
        return {"id": MAX_ID_CHARS, "text": MAX_NAME_CHARS, "comment": MAX_COMMENT_CHARS}.get(
            self.type
        )


@dataclass(frozen=True)
class KindSpec:
    """One kind of upload: its table, columns, key, rollup and the rules of its rows."""

    kind: str
    table: (
        str | None
    )  # a fact table; None for kinds with their own writer (roster, obstacles, access)
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rollup: str | None = None  # rollups.SOURCES name refreshed after a load
    any_of: tuple[str, ...] = ()  # at least one of these columns must be in the header
    row_rules: tuple[rules.RowRule, ...] = ()  # rules across the columns of one row

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def nullable_key(self) -> tuple[str, ...]:
        """Key columns that may be empty (an empty part matches an empty one)."""
        return tuple(k for k in self.key if not self.column(k).not_null)


_ID = ("agent", "agentid", "agent_code")
_TEAM = ("team", "teamid", "team_code")

SPECS: dict[str, KindSpec] = {
    "roster": KindSpec(
        "roster",
        None,
        (
            Column("agent_id", "id", required=True, not_null=True, aliases=_ID),
            Column("agent_name", "text", aliases=("name", "full_name", "agent_full_name")),
            Column("team_id", "id", aliases=_TEAM),
            Column("team_name", "text"),
            Column("supervisor", "text", aliases=("manager", "team_lead", "supervisor_name")),
            Column(
                "supervisor_email",
                "text",
                aliases=("supervisor_e_mail", "manager_email", "team_lead_email"),
            ),
            Column("function", "text", aliases=("team_function",)),
            Column(
                "email", "text", aliases=("email_address", "e_mail"), max_length=MAX_EMAIL_CHARS
            ),
            Column("hired_on", "date", aliases=("hire_date", "hired", "start_date")),
            Column("active", "bool", aliases=("is_active",)),  # empty: keep / True
            Column("nickname", "text", aliases=("nick", "preferred_name", "known_as")),
            # The day the row's team takes effect (empty: the day of the load).
            Column(
                "effective_from",
                "date",
                no_future=True,
                aliases=("effective_date", "valid_from", "team_from", "moved_on"),
            ),
        ),
        key=("agent_id",),
    ),
    "interactions": KindSpec(
        "interactions",
        "interactions",
        (
            Column(
                "interaction_id",
                "id",
                required=True,
                not_null=True,
                aliases=("contact_id", "call_id", "interactionid"),
            ),
            Column(
                "started_at",
                "timestamp",
                required=True,
                not_null=True,
                no_future=True,
                aliases=("start_time", "started", "start", "timestamp"),
            ),
            Column("channel", "text"),
            Column("queue", "text"),
            Column("team_id", "id", aliases=_TEAM),
            Column("agent_id", "id", aliases=_ID),
            Column("customer_id", "id", aliases=("customer",)),
            Column(
                "wait_seconds",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("wait", "wait_time", "queue_seconds"),
            ),
            Column("handle_seconds", "number", minimum=0, aliases=("handle", "handle_time")),
            Column("abandoned", "bool", blank=False, absent=False, aliases=("is_abandoned",)),
            Column("transferred", "bool", blank=False, aliases=("is_transferred",)),
            Column(
                "resolved_first_contact",
                "bool",
                aliases=("fcr", "first_contact_resolution", "resolved"),
            ),
            Column("callback_promised", "bool", blank=False),
            Column("callback_kept", "bool"),
        ),
        key=("interaction_id",),
        rollup="interactions",
        row_rules=(rules.answered_contact_has_handle_time,),
    ),
    "adherence": KindSpec(
        "adherence",
        "adherence",
        (
            Column("agent_id", "id", required=True, not_null=True, aliases=_ID),
            Column("date", "date", required=True, not_null=True, no_future=True),
            Column(
                "scheduled_minutes",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("scheduled",),
            ),
            Column(
                "in_adherence_minutes",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("in_adherence", "adherent_minutes"),
            ),
            Column(
                "logged_in_minutes",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("logged_in",),
            ),
            Column(
                "available_minutes",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("available",),
            ),
        ),
        key=("agent_id", "date"),
        rollup="adherence",
        row_rules=(rules.adherence_within_schedule,),
    ),
    "surveys": KindSpec(
        "surveys",
        "survey_responses",
        (
            Column("response_id", "id", aliases=("responseid", "respondent_id")),
            Column(
                "responded_at",
                "timestamp",
                required=True,
                not_null=True,
                no_future=True,
                aliases=("timestamp", "date", "submitted_at", "response_date", "recorded_date"),
            ),
            Column(
                "respondent_type",
                "choice",
                blank="customer",
                absent="customer",
                choices=("customer", "colleague"),
                aliases=("respondent",),
            ),
            Column("channel", "text"),
            Column("team_id", "id", aliases=_TEAM),
            Column("agent_id", "id", aliases=_ID),
            Column(
                "interaction_id",
                "id",
                aliases=("contact_id", "call_id", "ticket_id", "case_id", "conversation_id"),
            ),
            Column("nps", "score", minimum=0, maximum=10, aliases=("nps_score",)),
            Column("csat", "score", minimum=1, maximum=5, aliases=("csat_score",)),
            Column("ces", "score", minimum=1, maximum=7, aliases=("ces_score",)),
            Column("comment", "comment", aliases=("comments", "verbatim", "feedback")),
        ),
        key=("response_id",),
        rollup="surveys",
        any_of=("nps", "csat", "ces"),
        row_rules=(rules.a_score_given,),
    ),
    "targets": KindSpec(
        "targets",
        "targets",
        (
            Column("metric_id", "id", required=True, not_null=True, aliases=("metric",)),
            Column("team_id", "id", aliases=_TEAM),
            Column("target", "number", required=True, not_null=True, aliases=("goal",)),
            Column("amber_tolerance", "number", minimum=0, aliases=("tolerance", "amber")),
            Column(
                "effective_from",
                "date",
                required=True,
                not_null=True,
                aliases=("from", "effective_date", "start_date"),
            ),
        ),
        key=("metric_id", "team_id", "effective_from"),
    ),
    "kpis": KindSpec(
        "kpis",
        "kpi_values",
        (
            Column("date", "date", required=True, not_null=True, no_future=True),
            Column("metric_id", "id", required=True, not_null=True, aliases=("metric", "kpi")),
            Column("team_id", "id", aliases=_TEAM),
            Column("value", "number", required=True, not_null=True),
        ),
        key=("date", "metric_id", "team_id"),
        row_rules=(rules.kpi_not_computed_from_another_kind,),
    ),
    # Hours of training an agent logged on a day, by topic (the agent page; per agent among
    # the business KPIs).
    "learning": KindSpec(
        "learning",
        "learning",
        (
            Column("agent_id", "id", required=True, not_null=True, aliases=_ID),
            Column(
                "date",
                "date",
                required=True,
                not_null=True,
                no_future=True,
                aliases=("training_date", "session_date", "completed_on", "completed"),
            ),
            Column(
                "hours",
                "number",
                required=True,
                not_null=True,
                minimum=0,
                aliases=("learning_hours", "training_hours", "duration_hours"),
            ),
            Column("topic", "text", aliases=("course", "training", "subject", "module")),
        ),
        key=("agent_id", "date", "topic"),
        row_rules=(rules.hours_within_a_day,),
    ),
    # An obstacle frontline staff raised, as the register states it now: a later file with
    # the same obstacle_id records the change (ingest/plan.py, ingest/obstacle_edit.py).
    "obstacles": KindSpec(
        "obstacles",
        None,
        (
            Column(
                "obstacle_id",
                "id",
                required=True,
                not_null=True,
                aliases=("obstacle", "obstacle_no", "obstacle_ref", "reference"),
            ),
            Column(
                "raised_on",
                "date",
                required=True,
                not_null=True,
                no_future=True,
                aliases=("raised", "date_raised", "opened_on", "reported_on"),
            ),
            Column("team_id", "id", required=True, not_null=True, aliases=_TEAM),
            Column("raised_by", "text", aliases=("reported_by", "raised_by_agent")),
            Column(
                "description",
                "comment",
                required=True,
                not_null=True,
                aliases=("obstacle_description", "issue", "what_gets_in_the_way"),
                max_length=MAX_NOTE_CHARS,
            ),
            Column("metric_id", "id", aliases=("metric", "kpi", "kpi_hurt")),
            Column("owner", "text", aliases=("owned_by", "assignee", "assigned_to")),
            Column(
                "status",
                "choice",
                required=True,
                blank="open",
                choices=OBSTACLE_STATUSES,
                aliases=("state",),
            ),
            Column(
                "resolved_on",
                "date",
                no_future=True,
                aliases=("closed_on", "date_resolved", "resolved_date"),
            ),
            Column(
                "resolution",
                "comment",
                aliases=("what_we_did", "action_taken", "outcome"),
                max_length=MAX_NOTE_CHARS,
            ),
        ),
        key=("obstacle_id",),
        row_rules=(rules.obstacle_closed_on_a_date, rules.metric_in_registry),
    ),
    "meetings": KindSpec(
        "meetings",
        "meetings",
        (
            Column(
                "date",
                "date",
                required=True,
                not_null=True,
                no_future=True,
                aliases=("met_on", "meeting_date", "day"),
            ),
            Column("team_id", "id", required=True, not_null=True, aliases=_TEAM),
            Column(
                "leader",
                "text",
                required=True,
                not_null=True,
                aliases=("leader_name", "met_by", "host"),
            ),
            Column(
                "attendees",
                "text",
                aliases=("attended", "participants", "who_attended"),
                max_length=MAX_NOTE_CHARS,
            ),
            Column("notes", "comment", aliases=("note", "summary", "minutes")),
        ),
        key=("date", "team_id", "leader"),
    ),
    # Who may sign in with which role (docs/access.md): a row replaces the stored row of
    # its e-mail; undo puts the replaced one back.
    "access": KindSpec(
        "access",
        None,  # written by store/access.py (a row replaces its e-mail's row)
        (
            Column(
                "email",
                "text",
                required=True,
                not_null=True,
                aliases=("e_mail", "email_address", "user", "login"),
                max_length=MAX_EMAIL_CHARS,
            ),
            Column("role", "choice", required=True, not_null=True, choices=ROLES),
            Column("team_ids", "text", aliases=("teams", "team_id", "team"), max_length=2_000),
        ),
        key=("email",),
    ),
}


def spec_for(kind: str) -> KindSpec:
    """The spec of `kind`; ValueError naming the kinds for any other."""
    if kind not in SPECS:
        raise ValueError(f"unknown kind `{kind}`: use one of {', '.join(KINDS)}")
    return SPECS[kind]
