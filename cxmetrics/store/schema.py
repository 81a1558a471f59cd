"""Canonical schema (DESIGN §3) with a version table and forward-only migrations.

Fact tables carry no primary-key constraint: DuckDB's ART constraints slow bulk loads and
reject delete-then-insert in one transaction, so key uniqueness is enforced by the loader
(anti-join against existing keys), which is also what lets it count duplicates.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

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
        wait_seconds DOUBLE, handle_seconds DOUBLE, abandoned BOOLEAN NOT NULL,
        transferred BOOLEAN, resolved_first_contact BOOLEAN, callback_promised BOOLEAN,
        callback_kept BOOLEAN, batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE adherence (
        agent_id VARCHAR NOT NULL, date DATE NOT NULL, scheduled_minutes DOUBLE,
        in_adherence_minutes DOUBLE, logged_in_minutes DOUBLE, available_minutes DOUBLE,
        batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE survey_responses (
        response_id VARCHAR NOT NULL, responded_at TIMESTAMP NOT NULL,
        respondent_type VARCHAR NOT NULL, channel VARCHAR, team_id VARCHAR, agent_id VARCHAR,
        interaction_id VARCHAR, nps SMALLINT, csat SMALLINT, ces SMALLINT, comment VARCHAR,
        batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE kpi_values (
        date DATE NOT NULL, metric_id VARCHAR NOT NULL, team_id VARCHAR, value DOUBLE NOT NULL,
        batch_id VARCHAR NOT NULL)""",
    """CREATE TABLE targets (
        metric_id VARCHAR NOT NULL, team_id VARCHAR, target DOUBLE NOT NULL,
        amber_tolerance DOUBLE, effective_from DATE NOT NULL, batch_id VARCHAR NOT NULL)""",
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
        answered_within_t BIGINT, wait_seconds DOUBLE, wait_seconds_sq DOUBLE,
        handle_seconds DOUBLE, handle_seconds_sq DOUBLE, handle_minutes DOUBLE,
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
        agent_days BIGINT, scheduled_minutes DOUBLE, in_adherence_minutes DOUBLE,
        logged_in_minutes DOUBLE, available_minutes DOUBLE,
        scheduled_sq DOUBLE, in_adherence_sq DOUBLE, in_adherence_x_scheduled DOUBLE,
        logged_in_sq DOUBLE, logged_in_x_scheduled DOUBLE)""",
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
        date DATE NOT NULL, team_id VARCHAR, measure VARCHAR NOT NULL, value DOUBLE NOT NULL)""",
    """CREATE TABLE rollup_org_daily (
        date DATE NOT NULL, measure VARCHAR NOT NULL, value DOUBLE NOT NULL)""",
]

V4 = [
    # ---- ingest: rejected rows download with the file's own columns (loader.rejected_rows)
    # Each batch's header (a JSON list of the file's column labels) ...
    """CREATE TABLE batch_columns (batch_id VARCHAR NOT NULL, labels VARCHAR NOT NULL)""",
    # ... and each rejected row's cells as read (a JSON list, one per label).
    "ALTER TABLE rejected_rows ADD COLUMN cells VARCHAR",
    # ---- end of ingest
]

# Each entry: the statements that bring the schema from version N-1 to N.
MIGRATIONS: dict[int, list[str]] = {1: V1, 2: V2, 3: V3, 4: V4}
LONG_ROLLUPS = 3  # the version that added the team and org rollups (filled by the Store)
SCHEMA_VERSION = max(MIGRATIONS)


def current_version(conn: Connection) -> int:
    """The schema version recorded in the store (0 for a new store)."""
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
    )
    return conn.execute(text("SELECT coalesce(max(version), 0) FROM schema_version")).scalar_one()


def migrate(conn: Connection, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply every migration above the store's version up to `target`; returns those applied."""
    have = current_version(conn)
    if have > SCHEMA_VERSION:
        raise RuntimeError(
            f"the store has schema version {have} but this cxmetrics knows only up to "
            f"{SCHEMA_VERSION}: upgrade cxmetrics"
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
