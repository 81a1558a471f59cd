"""Canonical schema with a version table and forward-only migrations.

Fact tables carry no primary-key constraint: DuckDB's ART constraints slow bulk loads and
reject delete-then-insert in one transaction, so key uniqueness is enforced by the loader
(anti-join against existing keys), which is also what lets it count duplicates.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from cxmetrics.store.errors import StoreTooNew

V1 = [
    """CREATE TABLE teams (
        team_id VARCHAR NOT NULL, name VARCHAR, supervisor VARCHAR, function VARCHAR,
        batch_id VARCHAR)""",
    """CREATE TABLE agents (
        agent_id VARCHAR NOT NULL, name VARCHAR, team_id VARCHAR, email VARCHAR,
        hired_on DATE, active BOOLEAN, batch_id VARCHAR)""",
    # Rows a roster batch replaced, so that undoing it restores them.
    """CREATE TABLE roster_replaced (
        batch_id VARCHAR NOT NULL, entity VARCHAR NOT NULL, key VARCHAR NOT NULL,
        name VARCHAR, team_id VARCHAR, email VARCHAR, hired_on DATE, active BOOLEAN,
        supervisor VARCHAR, function VARCHAR, prior_batch_id VARCHAR)""",
    """CREATE TABLE interactions (
        interaction_id VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, channel VARCHAR,
        queue VARCHAR, team_id VARCHAR, agent_id VARCHAR, customer_id VARCHAR,
        wait_seconds DOUBLE PRECISION, handle_seconds DOUBLE PRECISION, abandoned BOOLEAN NOT NULL,
        transferred BOOLEAN, resolved_first_contact BOOLEAN, callback_promised BOOLEAN,
        callback_kept BOOLEAN, batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE adherence (
        agent_id VARCHAR NOT NULL, date DATE NOT NULL, scheduled_minutes DOUBLE PRECISION,
        in_adherence_minutes DOUBLE PRECISION, logged_in_minutes DOUBLE PRECISION,
        available_minutes DOUBLE PRECISION,
        batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE survey_responses (
        response_id VARCHAR NOT NULL, responded_at TIMESTAMP NOT NULL,
        respondent_type VARCHAR NOT NULL, channel VARCHAR, team_id VARCHAR, agent_id VARCHAR,
        interaction_id VARCHAR, nps SMALLINT, csat SMALLINT, ces SMALLINT, comment VARCHAR,
        batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE kpi_values (
        date DATE NOT NULL, metric_id VARCHAR NOT NULL, team_id VARCHAR,
        value DOUBLE PRECISION NOT NULL,
        batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE targets (
        metric_id VARCHAR NOT NULL, team_id VARCHAR, target DOUBLE PRECISION NOT NULL,
        amber_tolerance DOUBLE PRECISION, effective_from DATE NOT NULL,
        batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE upload_batches (
        batch_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, filename VARCHAR,
        sha256 VARCHAR, uploaded_by VARCHAR, uploaded_at TIMESTAMP NOT NULL,
        rows_in INTEGER NOT NULL, loaded INTEGER NOT NULL, rejected INTEGER NOT NULL,
        duplicates INTEGER NOT NULL, status VARCHAR NOT NULL)""",
    """CREATE TABLE rejected_rows (
        batch_id VARCHAR NOT NULL, line_no INTEGER, reason VARCHAR NOT NULL, raw VARCHAR)""",
    """CREATE TABLE recognitions (
        response_id VARCHAR NOT NULL, agent_id VARCHAR, thanked_by VARCHAR,
        thanked_at TIMESTAMP, note VARCHAR)""",
    # Settings that rollups depend on; a change triggers a rebuild.
    """CREATE TABLE store_settings (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE rollup_interactions (
        date DATE NOT NULL, team_id VARCHAR, agent_id VARCHAR,
        offered BIGINT, answered BIGINT, abandoned BIGINT, abandoned_after_t BIGINT,
        answered_within_t BIGINT, wait_seconds DOUBLE PRECISION, wait_seconds_sq DOUBLE PRECISION,
        handle_seconds DOUBLE PRECISION, handle_seconds_sq DOUBLE PRECISION,
        handle_minutes DOUBLE PRECISION,
        transferred BIGINT, fcr_known BIGINT, fcr_resolved BIGINT, callback_promised BIGINT,
        callback_kept BIGINT, repeat_eligible BIGINT, repeat_followed BIGINT)""",
    """CREATE TABLE rollup_surveys (
        date DATE NOT NULL, team_id VARCHAR, agent_id VARCHAR,
        responses BIGINT, customer_responses BIGINT, colleague_responses BIGINT,
        nps_n BIGINT, promoters BIGINT, detractors BIGINT,
        csat_n BIGINT, csat_top2 BIGINT, ces_n BIGINT, ces_easy BIGINT,
        inps_n BIGINT, inps_promoters BIGINT, inps_detractors BIGINT)""",
    """CREATE TABLE rollup_adherence (
        date DATE NOT NULL, team_id VARCHAR, agent_id VARCHAR,
        agent_days BIGINT, scheduled_minutes DOUBLE PRECISION,
        in_adherence_minutes DOUBLE PRECISION,
        logged_in_minutes DOUBLE PRECISION, available_minutes DOUBLE PRECISION,
        scheduled_sq DOUBLE PRECISION, in_adherence_sq DOUBLE PRECISION,
        in_adherence_x_scheduled DOUBLE PRECISION,
        logged_in_sq DOUBLE PRECISION, logged_in_x_scheduled DOUBLE PRECISION)""",
]

V2 = [
    # Nicknames let praise that says "Bea" find agent Beatriz (recognition).
    "ALTER TABLE agents ADD COLUMN nickname VARCHAR",
    "ALTER TABLE roster_replaced ADD COLUMN nickname VARCHAR",
    # Column mappings an analyst saved for a recurring export (upload).
    """CREATE TABLE mapping_templates (
        name VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, mapping VARCHAR NOT NULL,
        options VARCHAR, saved_by VARCHAR, saved_at TIMESTAMP NOT NULL)""",
]

V3 = [
    # Team and org sums per date in long form (rollups.py); filled by the migration step.
    """CREATE TABLE rollup_team_daily (
        date DATE NOT NULL, team_id VARCHAR, measure VARCHAR NOT NULL,
        value DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE rollup_org_daily (
        date DATE NOT NULL, measure VARCHAR NOT NULL, value DOUBLE PRECISION NOT NULL)""",
]

V4 = [
    # Teams over time (store/membership.py). Each roster row that sets an agent's team is
    # kept as a change, in load order (`seq`); `agent_teams` is those changes replayed, one
    # row per stretch of days in one team (valid_to exclusive, NULL while it lasts).
    # `effective_from` is NULL when the row gave none (the change then dates from
    # `loaded_on`, the load's local date, or, for an agent's first team, from always).
    # The seed keeps every v3 number: each agent's roster team, since always; the rows a
    # later batch replaced come first, so that undoing that batch brings them back.
    """CREATE TABLE agent_team_changes (
        batch_id VARCHAR, seq BIGINT NOT NULL, agent_id VARCHAR NOT NULL,
        team_id VARCHAR NOT NULL, effective_from DATE, loaded_on DATE NOT NULL)""",
    """CREATE TABLE agent_teams (
        agent_id VARCHAR NOT NULL, team_id VARCHAR NOT NULL, valid_from DATE NOT NULL,
        valid_to DATE, batch_id VARCHAR)""",
    """INSERT INTO agent_team_changes
        WITH stated AS (
            SELECT DISTINCT r.prior_batch_id AS batch_id, r.key AS agent_id, r.team_id,
                NULL::DATE AS effective_from, b.uploaded_at, 0 AS is_current
            FROM roster_replaced r LEFT JOIN upload_batches b ON b.batch_id = r.prior_batch_id
            WHERE r.entity = 'agent' AND r.team_id IS NOT NULL
            UNION ALL
            SELECT a.batch_id, a.agent_id, a.team_id, DATE '0001-01-01', NULL, 1
            FROM agents a WHERE a.team_id IS NOT NULL
        )
        SELECT batch_id, row_number() OVER (
                ORDER BY is_current, uploaded_at NULLS FIRST, batch_id, agent_id),
            agent_id, team_id, effective_from,
            coalesce(CAST(uploaded_at AS DATE), current_date)
        FROM stated""",
    """INSERT INTO agent_teams
        SELECT agent_id, team_id, DATE '0001-01-01', NULL, batch_id FROM agents
        WHERE team_id IS NOT NULL""",
    # Teams name their supervisor's e-mail (for signing in); replaced team rows keep it.
    "ALTER TABLE teams ADD COLUMN supervisor_email VARCHAR",
    "ALTER TABLE roster_replaced ADD COLUMN supervisor_email VARCHAR",
    # -- metrics (A2): the adherence rollup pairs logged time with contacts per agent-day
    # (occupancy and productivity use only agent-days with both) instead of per-day squares,
    # which the clustered ratio estimator no longer needs. Filled by the Store (rebuild).
    *(
        f"ALTER TABLE rollup_adherence DROP COLUMN IF EXISTS {column}"
        for column in (
            "scheduled_sq",
            "in_adherence_sq",
            "in_adherence_x_scheduled",
            "logged_in_sq",
            "logged_in_x_scheduled",
        )
    ),
    *(
        f"ALTER TABLE rollup_adherence ADD COLUMN IF NOT EXISTS {column}"
        for column in (
            "matched_days BIGINT",
            "matched_handle_minutes DOUBLE PRECISION",
            "matched_answered BIGINT",
            "matched_available_minutes DOUBLE PRECISION",
            "matched_logged_in_minutes DOUBLE PRECISION",
            "unmatched_days BIGINT",
        )
    ),
    # Each agent's totals per week and per month (`date` = the period's first day), for the
    # intervals of the ratios clustered by agent; filled with the adherence rollup.
    """CREATE TABLE IF NOT EXISTS rollup_adherence_period (
        grain VARCHAR NOT NULL, date DATE NOT NULL, team_id VARCHAR, agent_id VARCHAR,
        agent_days BIGINT, scheduled_minutes DOUBLE PRECISION,
        in_adherence_minutes DOUBLE PRECISION,
        logged_in_minutes DOUBLE PRECISION, available_minutes DOUBLE PRECISION, matched_days BIGINT,
        matched_handle_minutes DOUBLE PRECISION, matched_answered BIGINT,
        matched_available_minutes DOUBLE PRECISION, matched_logged_in_minutes DOUBLE PRECISION,
        unmatched_days BIGINT)""",
    # Unit moments of the agent-day ratios per week, month, quarter and year, per team and for
    # the org (rollups.py, "unit moments"); filled with the adherence rollup.
    """CREATE TABLE IF NOT EXISTS rollup_team_units (
        grain VARCHAR NOT NULL, date DATE NOT NULL, team_id VARCHAR, measure VARCHAR NOT NULL,
        value DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rollup_org_units (
        grain VARCHAR NOT NULL, date DATE NOT NULL, measure VARCHAR NOT NULL,
        value DOUBLE PRECISION NOT NULL)""",
    # -- end metrics (A2)
    # ---- ingest: rejected rows download with the file's own columns (loader.rejected_rows)
    # Each batch's header (a JSON list of the file's column labels) ...
    """CREATE TABLE batch_columns (batch_id VARCHAR NOT NULL, labels VARCHAR NOT NULL)""",
    # ... and each rejected row's cells as read (a JSON list, one per label).
    "ALTER TABLE rejected_rows ADD COLUMN cells VARCHAR",
    # ---- end of ingest
]

# Every table whose rows carry the batch that brought them (undo deletes from all of them,
# the demo is present while any of them holds a demo row).
BATCH_TABLES = (
    "interactions", "adherence", "survey_responses", "kpi_values", "targets", "agents", "teams",
    "obstacle_events", "meetings", "learning", "access",
)  # fmt: skip

V5 = [
    # The data version: every committed write bumps it (Store.transaction), so any cache
    # keyed by it (the app's, the store's own) goes stale whoever wrote: a page, the CLI,
    # another process.
    "CREATE TABLE data_version (version BIGINT NOT NULL)",
    "INSERT INTO data_version VALUES (0)",
]

V6 = [
    # Frontline voice (store/obstacles.py, store/meetings.py). Every change to an obstacle is
    # kept as an event holding the obstacle's whole state after it (who, when, the status
    # before); `obstacles` is the register as it stands, the last event of each obstacle
    # replayed (rewritten whenever events come or go).
    """CREATE TABLE obstacle_events (
        obstacle_id VARCHAR NOT NULL, seq BIGINT NOT NULL, raised_on DATE NOT NULL,
        team_id VARCHAR NOT NULL, raised_by VARCHAR, description VARCHAR NOT NULL,
        metric_id VARCHAR, owner VARCHAR, status VARCHAR NOT NULL, resolved_on DATE,
        resolution VARCHAR, from_status VARCHAR, changed_by VARCHAR,
        changed_at TIMESTAMP NOT NULL, batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE obstacles (
        obstacle_id VARCHAR NOT NULL, raised_on DATE NOT NULL, team_id VARCHAR NOT NULL,
        raised_by VARCHAR, description VARCHAR NOT NULL, metric_id VARCHAR, owner VARCHAR,
        status VARCHAR NOT NULL, resolved_on DATE, resolution VARCHAR, changed_by VARCHAR,
        changed_at TIMESTAMP NOT NULL)""",
    # Leaders on the floor: when a leader met a team's frontline staff.
    """CREATE TABLE meetings (
        date DATE NOT NULL, team_id VARCHAR NOT NULL, leader VARCHAR NOT NULL,
        attendees VARCHAR, notes VARCHAR, batch_id VARCHAR NOT NULL)""",
]

V7 = [
    # Learning (upload kind `learning`): hours of training an agent logged on a day, by
    # topic; shown on the agent's page and, per agent, among the business KPIs.
    """CREATE TABLE learning (
        agent_id VARCHAR NOT NULL, date DATE NOT NULL, hours DOUBLE PRECISION NOT NULL,
        topic VARCHAR, batch_id VARCHAR NOT NULL)""",
]


def access_tables() -> list[str]:
    """Sign-in and roles (docs/access.md): who may see what, and who did what.

    `access` is the access list (one row per e-mail, in lower case; team_ids `;`-separated,
    loaded as batches of kind `access`); `access_replaced` keeps the rows a batch replaced
    or removed, so that undoing it puts them back; `audit_log` records loads, undos,
    clearing the demo, thank-you marks and access changes."""
    return [
        """CREATE TABLE access (
            email VARCHAR NOT NULL, role VARCHAR NOT NULL, team_ids VARCHAR,
            batch_id VARCHAR NOT NULL)""",
        """CREATE TABLE access_replaced (
            batch_id VARCHAR NOT NULL, email VARCHAR NOT NULL, role VARCHAR NOT NULL,
            team_ids VARCHAR, prior_batch_id VARCHAR NOT NULL)""",
        """CREATE TABLE audit_log (
            logged_at TIMESTAMP NOT NULL, who VARCHAR, action VARCHAR NOT NULL, details VARCHAR)""",
    ]


# Read paths' indexes, on PostgreSQL only: a scorecard of a team or an agent and a team's
# agent table find their rows instead of scanning every team's (store/sums.py reads them
# so). DuckDB reads the rollups by their zone maps (each row group's date range), and an ART
# index there would only slow every load's rollup refresh.
READ_INDEXES = {
    "read_team_daily_by_team": "rollup_team_daily (team_id, date)",
    "read_team_units_by_team": "rollup_team_units (team_id, grain, date)",
    **{
        f"read_{source}_by_{key}": f"rollup_{source} ({column}, date)"
        for source in ("interactions", "surveys", "adherence")
        for key, column in (("team", "row_team_id"), ("agent", "agent_id"))
    },
}


def create_read_indexes(conn: Connection) -> None:
    """Create the missing `READ_INDEXES` (PostgreSQL). Run whenever the rollups were brought
    current in a write: recreating the agent rollups (rollups.bring_current) drops theirs."""
    if conn.dialect.name != "postgresql":
        return
    for name, on in READ_INDEXES.items():
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {on}"))


# The access list's version (the lead renumbers it at merge if another lands first).
ACCESS_VERSION = 8
# Version 9 adds no table: opening an older store migrates it, and the Store then creates
# the read indexes with the rollups (`create_read_indexes`). Renumbered at merge likewise.
READ_INDEXES_VERSION = 9

# Each entry: the statements that bring the schema from version N-1 to N.
MIGRATIONS: dict[int, list[str]] = {
    1: V1, 2: V2, 3: V3, 4: V4, 5: V5, 6: V6, 7: V7, ACCESS_VERSION: access_tables(),
    READ_INDEXES_VERSION: [],
}  # fmt: skip
SCHEMA_VERSION = max(MIGRATIONS)


def current_version(conn: Connection) -> int:
    """The schema version recorded in the store (0 for a new store); reads only, so that a
    read-only store can be checked."""
    has_table = conn.execute(
        text(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = 'schema_version' AND table_schema = current_schema()"
        )
    ).scalar_one()
    if not has_table:
        return 0
    return conn.execute(text("SELECT coalesce(max(version), 0) FROM schema_version")).scalar_one()


def check_not_newer(have: int) -> None:
    """Refuse a store made by a newer cxmetrics: its tables may mean something else."""
    if have > SCHEMA_VERSION:
        raise StoreTooNew(
            f"the store was made by a newer cxmetrics (schema {have}; this one knows up to "
            f"{SCHEMA_VERSION}): upgrade cxmetrics (pip install -U cxmetrics) to use it"
        )


def migrate(conn: Connection, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply every migration above the store's version up to `target`; returns those applied."""
    have = current_version(conn)
    check_not_newer(have)
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
    )
    applied = []
    for version in range(have + 1, target + 1):
        for statement in MIGRATIONS[version]:
            conn.execute(text(statement))
        conn.execute(
            text("INSERT INTO schema_version VALUES (:v, current_timestamp)"), {"v": version}
        )
        applied.append(version)
    return applied
