"""The demo organisation's statements (`cxmetrics demo`; the story is `cxmetrics/demo.py`).

Everything is built inside DuckDB with set-based SQL (``INSERT … SELECT`` over ``range()``
joined to small lookup tables held in temporary tables); no Python loop touches a data row.
Randomness comes from ``hash(seed, key, salt)`` mapped to (0, 1) (the temporary macros
``demo_u`` and ``demo_z``), so the same parameters give the same rows whatever the thread
count. Every value is bound; the only names in the statements are fixed ones of this module.
The statements use DuckDB's ``range()``, ``hash()`` and macros, so they always run in
DuckDB: on a PostgreSQL store the demo is built in a scratch DuckDB file with the same
schema, and its rows and rollups are copied into the store with COPY (`workspace`): the
same rows as on a DuckDB store.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import Connection, text

from cxmetrics.config import Settings
from cxmetrics.store import membership, postgres, rollups, schema
from cxmetrics.store.dialect import DUCKDB, name_of
from cxmetrics.store.schema import BATCH_TABLES
from cxmetrics.store.sql import ident

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

BATCH_ID = "demo"  # the batch of every demo row (written as 'demo' into the statements below)

_SCRATCH_TABLES = (
    "demo_first", "demo_last", "demo_squads", "demo_functions", "demo_templates",
    "demo_teams", "demo_days", "demo_team_days", "demo_agents", "demo_agent_days",
)  # fmt: skip
_BIND = re.compile(r"(?<![:\w]):(\w+)")

_MACROS = [
    # A uniform draw in (0, 1) from a key and a salt.
    """CREATE OR REPLACE TEMP MACRO demo_u(k, salt) AS
        ((hash(k, salt) % 1000003) + 0.5) / 1000003.0""",
    # A standard normal draw (Box–Muller) from a key and a salt.
    """CREATE OR REPLACE TEMP MACRO demo_z(k, salt) AS
        sqrt(-2.0 * ln(demo_u(k, salt || '#1'))) * cos(2.0 * pi() * demo_u(k, salt || '#2'))""",
]

_LOOKUPS = [
    """CREATE OR REPLACE TEMP TABLE demo_first AS
        SELECT unnest(range(len(CAST(:names AS VARCHAR[])))) AS i,
               unnest(CAST(:names AS VARCHAR[])) AS name,
               unnest(CAST(:ascii AS VARCHAR[])) AS ascii""",
    """CREATE OR REPLACE TEMP TABLE demo_last AS
        SELECT unnest(range(len(CAST(:last_names AS VARCHAR[])))) AS i,
               unnest(CAST(:last_names AS VARCHAR[])) AS name,
               unnest(CAST(:last_ascii AS VARCHAR[])) AS ascii""",
    """CREATE OR REPLACE TEMP TABLE demo_squads AS
        SELECT unnest(range(len(CAST(:squads AS VARCHAR[])))) AS i,
               unnest(CAST(:squads AS VARCHAR[])) AS name""",
    """CREATE OR REPLACE TEMP TABLE demo_functions AS
        SELECT unnest(range(len(CAST(:fn AS VARCHAR[])))) AS i,
               unnest(CAST(:fn AS VARCHAR[])) AS function,
               unnest(CAST(:fn_label AS VARCHAR[])) AS label,
               unnest(CAST(:fn_q1 AS VARCHAR[])) AS queue1,
               unnest(CAST(:fn_q2 AS VARCHAR[])) AS queue2,
               unnest(CAST(:fn_handle AS DOUBLE[])) AS median_handle,
               unnest(CAST(:fn_internal AS BOOLEAN[])) AS internal""",
    """CREATE OR REPLACE TEMP TABLE demo_templates AS
        WITH t AS (
            SELECT unnest(CAST(:tpl_cat AS VARCHAR[])) AS cat,
                   unnest(CAST(:tpl_text AS VARCHAR[])) AS body,
                   unnest(range(len(CAST(:tpl_cat AS VARCHAR[])))) AS ord
        )
        SELECT cat, body,
               CAST(row_number() OVER (PARTITION BY cat ORDER BY ord) - 1 AS INTEGER) AS idx,
               CAST(count(*) OVER (PARTITION BY cat) AS INTEGER) AS n
        FROM t""",
]

_TEAMS = """
CREATE OR REPLACE TEMP TABLE demo_teams AS
WITH t AS (SELECT range AS t, hash(CAST(:seed AS BIGINT), range, 'team') AS k
           FROM range(:n_teams))
SELECT t.t,
    'T' || lpad(CAST(t.t + 1 AS VARCHAR), :team_width, '0') AS team_id,
    f.label || ' – ' || sq.name
        || CASE WHEN t.t >= :combos THEN ' ' || CAST(t.t // :combos + 1 AS VARCHAR) ELSE '' END
        AS name,
    sf.name || ' ' || sl.name AS supervisor,
    f.function, f.internal, f.queue1, f.queue2, f.median_handle,
    CASE WHEN t.t = :improving THEN 'improving' WHEN t.t = :callback THEN 'callback' END
        AS story,
    CASE WHEN t.t = :callback THEN 0.10 ELSE 0.030 + 0.035 * demo_u(t.k, 'ab') END
        AS abandon_p,
    CASE WHEN t.t = :callback THEN 0.25 ELSE 0.075 + 0.04 * demo_u(t.k, 'tr') END
        AS transfer_p,
    CASE WHEN t.t = :callback THEN 0.11 ELSE 0.04 + 0.02 * demo_u(t.k, 'cp') END
        AS promise_p,
    CASE WHEN t.t = :callback THEN 0.60 ELSE 0.915 + 0.04 * demo_u(t.k, 'ck') END AS kept_p,
    0.72 + 0.08 * demo_u(t.k, 'fcr') AS fcr_p,
    CASE WHEN t.t = :callback THEN 1.5 ELSE 0.8 + 0.4 * demo_u(t.k, 'wait') END AS wait_mult,
    CASE WHEN f.internal THEN -0.1 ELSE 0.0 END + 0.3 * (demo_u(t.k, 'sat') - 0.5) AS sat_base,
    3.2 + 0.6 * demo_u(t.k, 'sales')
        + CASE f.function WHEN 'sales support' THEN 2.8 WHEN 'retention' THEN 2.0
                          WHEN 'customer service' THEN 1.0 ELSE 0.0 END AS sales_base,
    84.0 + 6.0 * demo_u(t.k, 'quality') AS quality_base
FROM t
JOIN demo_functions f ON f.i = t.t % 6
JOIN demo_squads sq ON sq.i = t.t % :n_squads
JOIN demo_first sf ON sf.i = hash(CAST(:seed AS BIGINT), t.t, 'sup-first') % :n_first
JOIN demo_last sl ON sl.i = hash(CAST(:seed AS BIGINT), t.t, 'sup-last') % :n_last
"""

_DAYS = """
CREATE OR REPLACE TEMP TABLE demo_days AS
SELECT range AS d, CAST(:first_day AS DATE) + CAST(range AS INTEGER) AS day,
    isodow(CAST(:first_day AS DATE) + CAST(range AS INTEGER)) AS isodow,
    -- 0 through the first half of the range, then rising steadily to 1 on the last day
    greatest(0.0, least(1.0, (range - :n_days / 2.0) / greatest(:n_days / 2.0 - 1.0, 1.0)))
        AS progress
FROM range(:n_days)
"""

# Per team and day: the parameters the story moves (the improving team's FCR and mood).
_TEAM_DAYS = """
CREATE OR REPLACE TEMP TABLE demo_team_days AS
SELECT t.*, dd.d, dd.day, dd.isodow, dd.progress,
    CASE WHEN t.story = 'improving' THEN 0.56 + 0.28 * dd.progress ELSE t.fcr_p END AS fcr_today,
    CASE WHEN t.story = 'improving' THEN -0.35 + 0.75 * dd.progress ELSE t.sat_base END
        + CASE WHEN dd.isodow = 1 THEN -0.05 ELSE 0.0 END AS sat_today,
    t.wait_mult * CASE WHEN dd.isodow = 1 THEN 1.3 ELSE 1.0 END AS wait_today
FROM demo_teams t CROSS JOIN demo_days dd
"""

_AGENTS = """
CREATE OR REPLACE TEMP TABLE demo_agents AS
WITH a AS (
    SELECT range AS a, hash(CAST(:seed AS BIGINT), range, 'agent') AS k,
        row_number() OVER (ORDER BY hash(CAST(:seed AS BIGINT), range, 'name'), range) - 1 AS p,
        range * :n_teams // :agents AS t
    FROM range(:agents)
), placed AS (
    SELECT a.*,
        a.a - min(a.a) OVER (PARTITION BY a.t) AS pos,
        count(*) OVER (PARTITION BY a.t) AS team_size
    FROM a
)
SELECT placed.a, placed.k, placed.t, placed.pos, placed.team_size,
    'A' || lpad(CAST(placed.a + 1 AS VARCHAR), :agent_width, '0') AS agent_id,
    tm.team_id,
    fn.name AS first_name,
    fn.name || ' ' || ln.name AS name,
    fn.ascii || '.' || ln.ascii
        || CASE WHEN placed.p >= :n_first * :n_last
                THEN CAST(placed.p // (:n_first * :n_last) + 1 AS VARCHAR) ELSE '' END
        || '@example.com' AS email,
    CAST(:first_day AS DATE) - CAST(45 + floor(demo_u(placed.k, 'hired') * 2500) AS INTEGER)
        AS hired_on,
    demo_u(placed.k, 'leaves') >= 0.03 AS active,
    CASE WHEN demo_u(placed.k, 'leaves') < 0.03
         THEN CAST(floor(:n_days * (0.55 + 0.4 * demo_u(placed.k, 'left'))) AS INTEGER)
         ELSE :n_days END AS left_d,
    CASE WHEN demo_u(placed.k, 'rota') < 0.2 THEN 2 ELSE 1 END AS first_dow,
    420 + 30 * CAST(floor(demo_u(placed.k, 'shift') * 8) AS INTEGER) AS shift_start,
    0.8 + 0.4 * demo_u(placed.k, 'aht') AS aht_mult,
    0.3 * demo_z(placed.k, 'sat') AS sat_effect,
    0.875 + 0.06 * demo_u(placed.k, 'adh') AS adh_base
FROM placed
JOIN demo_teams tm ON tm.t = placed.t
JOIN demo_first fn ON fn.i = placed.p % :n_first
JOIN demo_last ln ON ln.i = (placed.p + hash(CAST(:seed AS BIGINT), 'last') % :n_last) % :n_last
"""

_AGENT_DAYS = """
CREATE OR REPLACE TEMP TABLE demo_agent_days AS
SELECT ag.agent_id, ag.team_id, ag.shift_start, ag.aht_mult, ag.adh_base,
    td.day, td.queue1, td.queue2, td.median_handle, td.abandon_p, td.transfer_p,
    td.promise_p, td.kept_p, td.fcr_today, td.wait_today,
    hash(CAST(:seed AS BIGINT), ag.a, td.d) AS k,
    'I' || strftime(td.day, '%Y%m%d') || '-' || ag.agent_id || '-' AS id_prefix,
    :min_offered + CAST(floor(demo_u(hash(CAST(:seed AS BIGINT), ag.a, td.d), 'n')
                              * :offered_spread) AS INTEGER) AS n
FROM demo_agents ag
JOIN demo_team_days td ON td.t = ag.t
WHERE td.d < ag.left_d AND td.isodow BETWEEN ag.first_dow AND ag.first_dow + 4
"""

_INSERT_TEAMS = """
INSERT INTO teams (team_id, name, supervisor, function, batch_id)
SELECT team_id, name, supervisor, function, 'demo' FROM demo_teams ORDER BY t
"""

_INSERT_AGENTS = """
INSERT INTO agents (agent_id, name, team_id, email, hired_on, active, batch_id)
SELECT agent_id, name, team_id, email, hired_on, active, 'demo' FROM demo_agents ORDER BY a
"""

# Each agent's team, as a roster load states it (an agent's first team covers every date).
_INSERT_TEAM_CHANGES = """
INSERT INTO agent_team_changes (batch_id, seq, agent_id, team_id, effective_from, loaded_on)
SELECT 'demo', (SELECT coalesce(max(seq), 0) FROM agent_team_changes) + a + 1, agent_id,
    team_id, NULL, CAST(:loaded_on AS DATE)
FROM demo_agents ORDER BY a
"""

_INSERT_ADHERENCE = """
INSERT INTO adherence (agent_id, date, scheduled_minutes, in_adherence_minutes,
                       logged_in_minutes, available_minutes, batch_id)
WITH s AS (
    SELECT agent_id, day, adh_base, k,
        450.0 + 15.0 * floor(demo_u(k, 'sched') * 3) AS scheduled,
        round((450.0 + 15.0 * floor(demo_u(k, 'sched') * 3))
              * (0.97 + 0.05 * demo_u(k, 'login'))) AS logged_in
    FROM demo_agent_days
)
SELECT agent_id, day, scheduled,
    round(scheduled * least(1.0, greatest(0.6, adh_base + 0.035 * demo_z(k, 'adh')))),
    logged_in,
    round(logged_in * (0.03 + 0.05 * demo_u(k, 'avail'))),
    'demo'
FROM s
"""

_INSERT_INTERACTIONS = """
INSERT INTO interactions (interaction_id, started_at, channel, queue, team_id, agent_id,
    customer_id, wait_seconds, handle_seconds, abandoned, transferred, resolved_first_contact,
    callback_promised, callback_kept, batch_id)
WITH slot AS (
    SELECT ad.*, unnest(range(ad.n)) AS j FROM demo_agent_days ad
), drawn AS (
    SELECT slot.*, hash(slot.k, slot.j) AS h FROM slot
), typed AS (
    SELECT drawn.*,
        CASE WHEN demo_u(h, 'ch') < 0.60 THEN 'phone'
             WHEN demo_u(h, 'ch') < 0.85 THEN 'chat' ELSE 'email' END AS ch,
        -- email is never abandoned, so phone and chat carry the whole abandon rate
        demo_u(h, 'ch') < 0.85 AND demo_u(h, 'ab') < abandon_p / 0.85 AS ab
    FROM drawn
), settled AS (
    SELECT typed.*,
        NOT ab AND demo_u(h, 'tr') < transfer_p AS tr,
        NOT ab AND demo_u(h, 'cp') < promise_p AS cp
    FROM typed
), resolved AS (
    SELECT settled.*,
        CASE WHEN ab OR demo_u(h, 'fk') >= 0.8 THEN NULL
             ELSE demo_u(h, 'fr') < fcr_today + CASE WHEN tr THEN -0.2 ELSE 0.02 END
        END AS rfc
    FROM settled
)
SELECT
    id_prefix || lpad(CAST(j AS VARCHAR), 2, '0'),
    CAST(day AS TIMESTAMP) + to_seconds(CAST(
        shift_start * 60 + (j + demo_u(h, 't')) * 28800.0 / n AS BIGINT)),
    ch,
    CASE WHEN demo_u(h, 'q') < 0.65 THEN queue1 ELSE queue2 END,
    team_id,
    CASE WHEN ab THEN NULL ELSE agent_id END,
    CASE WHEN ch = 'chat' AND demo_u(h, 'guest') < 0.04 THEN NULL
         ELSE 'CU' || lpad(CAST(hash(h, 'cust') % CASE WHEN rfc = false
                                                       THEN :pool // :unresolved_share
                                                       ELSE :pool END + 1 AS VARCHAR),
                           8, '0') END,
    CASE WHEN ab THEN round(6 - ln(demo_u(h, 'w')) * 70)
         WHEN demo_u(h, 'busy') < 0.07 THEN round(-ln(demo_u(h, 'w')) * 95 * wait_today)
         ELSE round(-ln(demo_u(h, 'w')) * 8.5 * wait_today) END,
    CASE WHEN ab THEN 0
         ELSE greatest(30, round(median_handle * aht_mult
                                 * CASE ch WHEN 'chat' THEN 1.2 WHEN 'email' THEN 0.8 ELSE 1 END
                                 * exp(0.45 * demo_z(h, 'aht')))) END,
    ab, tr, rfc, cp,
    CASE WHEN cp THEN demo_u(h, 'ck') < kept_p END,
    'demo'
FROM resolved
"""

_INSERT_RESPONSES = """
INSERT INTO survey_responses (response_id, responded_at, respondent_type, channel, team_id,
    agent_id, interaction_id, nps, csat, ces, comment, batch_id)
WITH picked AS (
    SELECT i.*, hash(CAST(:seed AS BIGINT), i.interaction_id) AS h
    FROM interactions i
    WHERE i.batch_id = 'demo' AND NOT i.abandoned
      AND demo_u(hash(CAST(:seed AS BIGINT), i.interaction_id), 'survey') < 0.10
), felt AS (
    SELECT p.*, ag.first_name, ag.name AS full_name, ag.t, ag.pos, ag.team_size,
        td.internal, td.story,
        0.5 + td.sat_today + ag.sat_effect
            + CASE WHEN p.resolved_first_contact THEN 0.25
                   WHEN NOT p.resolved_first_contact THEN -0.8 ELSE 0.0 END
            + CASE WHEN p.transferred THEN -0.35 ELSE 0.0 END
            + CASE WHEN p.callback_promised AND p.callback_kept THEN 0.1
                   WHEN p.callback_promised THEN -1.3 ELSE 0.0 END
            + CASE WHEN p.wait_seconds > 120 THEN -0.4 ELSE 0.0 END
            + demo_z(p.h, 'mood') AS z
    FROM picked p
    JOIN demo_agents ag ON ag.agent_id = p.agent_id
    JOIN demo_team_days td ON td.team_id = p.team_id AND td.day = CAST(p.started_at AS DATE)
), scored AS (
    SELECT felt.*,
        CASE WHEN z > 1.05 THEN 10 WHEN z > 0.35 THEN 9 WHEN z > -0.05 THEN 8
             WHEN z > -0.5 THEN 7
             ELSE CAST(greatest(0, 6 + floor((z + 0.5) * 2.5)) AS INTEGER) END AS nps_v,
        0.9 * z + 0.45 * demo_z(h, 'csat') AS zc,
        0.8 * z + 0.6 * demo_z(h, 'ces') AS ze
    FROM felt
), answered AS (
    SELECT scored.*,
        -- colleagues answer the recommend question only (iNPS); customers skip some
        CASE WHEN NOT internal AND demo_u(h, 'nps?') < 0.04
                  AND (demo_u(h, 'csat?') >= 0.08 OR demo_u(h, 'ces?') >= 0.12)
             THEN NULL ELSE nps_v END AS nps_a,
        CASE WHEN internal OR demo_u(h, 'csat?') < 0.08 THEN NULL
             WHEN zc > 0.4 THEN 5 WHEN zc > -0.8 THEN 4 WHEN zc > -1.5 THEN 3
             WHEN zc > -2.2 THEN 2 ELSE 1 END AS csat_a,
        CASE WHEN internal OR demo_u(h, 'ces?') < 0.12 THEN NULL
             WHEN ze > 1.0 THEN 7 WHEN ze > 0.3 THEN 6 WHEN ze > -0.25 THEN 5
             WHEN ze > -1.0 THEN 4 WHEN ze > -1.5 THEN 3 WHEN ze > -2.0 THEN 2 ELSE 1 END
            AS ces_a
    FROM scored
), categorised AS (
    SELECT answered.*,
        CASE
            WHEN demo_u(h, 'comment?')
                 >= CASE WHEN nps_v <= :detractor_up_to THEN 0.55
                         WHEN nps_v < :promoter_from THEN 0.28 ELSE 0.40 END
                THEN NULL
            WHEN nps_v >= :promoter_from AND demo_u(h, 'praise') < 0.30 THEN 'praise'
            WHEN nps_v >= :promoter_from AND demo_u(h, 'praise') < 0.34 AND team_size > 1
                THEN 'praise_other'
            WHEN internal AND nps_v >= :promoter_from THEN 'colleague_promoter'
            WHEN internal AND nps_v > :detractor_up_to THEN 'colleague_passive'
            WHEN internal THEN 'colleague_detractor'
            WHEN nps_v >= :promoter_from THEN 'promoter'
            WHEN nps_v > :detractor_up_to THEN 'passive'
            WHEN story = 'callback'
                 AND (transferred OR callback_promised OR demo_u(h, 'story') < 0.5)
                THEN 'callback'
            WHEN demo_u(h, 'pii') < 0.3 THEN 'detractor_pii'
            ELSE 'detractor' END AS cat
    FROM answered
), worded AS (
    SELECT c.*,
        CASE WHEN c.cat IS NULL THEN NULL ELSE
        replace(replace(replace(replace(replace(tpl.body,
            '{first}', CASE CAST(floor(demo_u(c.h, 'case') * 4) AS INTEGER)
                           WHEN 0 THEN lower(c.first_name)
                           WHEN 1 THEN lower(strip_accents(c.first_name))
                           ELSE c.first_name END),
            '{full}', c.full_name),
            '{other}', coalesce(o.first_name, '')),
            '{phone}', CASE CAST(floor(demo_u(c.h, 'phone') * 3) AS INTEGER)
                           WHEN 0 THEN '+44 7700 900' || lpad(CAST(c.h % 1000 AS VARCHAR), 3, '0')
                           WHEN 1 THEN '555-01' || lpad(CAST(c.h % 100 AS VARCHAR), 2, '0')
                           ELSE '07700 900' || lpad(CAST(c.h % 1000 AS VARCHAR), 3, '0') END),
            '{email}', list_element(CAST(:handles AS VARCHAR[]),
                                    CAST(c.h % len(CAST(:handles AS VARCHAR[])) AS INTEGER) + 1)
                       || '@example.com')
        END AS comment_text
    FROM categorised c
    LEFT JOIN demo_templates tpl
        ON tpl.cat = c.cat AND tpl.idx = CAST(floor(demo_u(c.h, 'tpl') * tpl.n) AS INTEGER)
    LEFT JOIN demo_agents o
        ON c.cat = 'praise_other' AND o.t = c.t
       AND o.pos = (c.pos + 1 + c.h % greatest(c.team_size - 1, 1)) % c.team_size
)
SELECT 'R' || substr(interaction_id, 2),
    least(started_at + to_seconds(CAST(handle_seconds + 300 + demo_u(h, 'delay') * 14400
                                       AS BIGINT)),
          CAST(:last_day AS TIMESTAMP) + INTERVAL 86399 SECOND),
    CASE WHEN internal THEN 'colleague' ELSE 'customer' END,
    channel, team_id, agent_id, interaction_id, nps_a, csat_a, ces_a, comment_text, 'demo'
FROM worded
"""

# One comment each for the security tests: the detractor comments first in hash order.
_SPECIAL_COMMENT = """
UPDATE survey_responses SET comment = :comment
WHERE response_id = (
    SELECT response_id FROM survey_responses
    WHERE batch_id = 'demo' AND nps <= :detractor_up_to AND comment IS NOT NULL
      AND comment NOT IN (:xss, :formula)
    ORDER BY hash(CAST(:seed AS BIGINT), response_id, :salt), response_id
    LIMIT 1)
"""

_INSERT_KPIS = """
INSERT INTO kpi_values (date, metric_id, team_id, value, batch_id)
SELECT day, 'sales_per_fte', team_id,
    round(greatest(1.0, sales_base - CASE WHEN story = 'improving' THEN 0.8 * (1 - progress)
                                     ELSE 0 END
                        + 0.5 * demo_z(hash(CAST(:seed AS BIGINT), t, d), 'sales')), 2),
    'demo'
FROM demo_team_days WHERE isodow <= 5 AND NOT internal
UNION ALL
SELECT day, 'quality_score', team_id,
    round(least(100.0, greatest(0.0,
        CASE WHEN story = 'improving' THEN 72.0 + 18.0 * progress ELSE quality_base END
        + 3.5 * demo_z(hash(CAST(:seed AS BIGINT), t, d), 'quality'))), 1),
    'demo'
FROM demo_team_days WHERE isodow <= 5
"""

# Learning: on about one working day in eight an agent logs a session of half an hour to
# three hours, on one of the topics given.
_INSERT_LEARNING = """
INSERT INTO learning (agent_id, date, hours, topic, batch_id)
SELECT agent_id, day,
    0.5 * (1 + CAST(floor(demo_u(k, 'learn-hours') * 6) AS INTEGER)),
    CAST(:topics AS VARCHAR[])[
        1 + CAST(floor(demo_u(k, 'learn-topic') * len(CAST(:topics AS VARCHAR[]))) AS INTEGER)],
    'demo'
FROM demo_agent_days
WHERE demo_u(k, 'learn') < :learning_share
ORDER BY agent_id, day
"""

# The one team-specific target override: the internal help desk aims above the default iNPS
# (or, without an internal team in a small build, the first team aims above the default NPS).
_INSERT_TARGET = """
INSERT INTO targets (metric_id, team_id, target, amber_tolerance, effective_from, batch_id)
SELECT CASE WHEN internal THEN 'inps' ELSE 'nps' END, team_id,
    CASE WHEN internal THEN 25.0 ELSE 35.0 END, 5.0, CAST(:first_day AS DATE), 'demo'
FROM demo_teams
ORDER BY internal DESC, t
LIMIT 1
"""


_DEMO_COMMITTED = "SELECT count(*) FROM upload_batches WHERE batch_id = :b AND status = 'committed'"
_ANY_DATA = """
SELECT (SELECT count(*) FROM upload_batches WHERE status = 'committed')
    + (SELECT count(*) FROM teams) + (SELECT count(*) FROM agents)
    + (SELECT count(*) FROM interactions) + (SELECT count(*) FROM survey_responses)
    + (SELECT count(*) FROM adherence) + (SELECT count(*) FROM kpi_values)
    + (SELECT count(*) FROM targets) + (SELECT count(*) FROM learning)
"""
_COUNTS = """
SELECT (SELECT count(*) FROM teams WHERE batch_id = 'demo'),
    (SELECT count(*) FROM agents WHERE batch_id = 'demo'),
    (SELECT count(*) FROM interactions WHERE batch_id = 'demo'),
    (SELECT count(*) FROM survey_responses WHERE batch_id = 'demo'),
    (SELECT count(*) FROM adherence WHERE batch_id = 'demo'),
    (SELECT count(*) FROM kpi_values WHERE batch_id = 'demo'),
    (SELECT count(*) FROM targets WHERE batch_id = 'demo'),
    (SELECT count(*) FROM learning WHERE batch_id = 'demo')
"""
COUNTED = (
    "teams",
    "agents",
    "interactions",
    "survey_responses",
    "adherence",
    "kpi_values",
    "targets",
    "learning",
)
# Any row of any batch-carrying table from the demo batch.
_ANY_DEMO_ROW = "SELECT " + " OR ".join(  # noqa: S608 - checked table names
    f"EXISTS (SELECT 1 FROM {ident(table, BATCH_TABLES)} WHERE batch_id = :b)"  # noqa: S608
    for table in BATCH_TABLES
)
_COMMITTED_SPLIT = (
    "SELECT batch_id = :b, count(*) FROM upload_batches WHERE status = 'committed' GROUP BY 1"
)


# What a build writes, copied from the scratch DuckDB into a PostgreSQL store: the rows of
# the demo batch (and each agent's team history), then every rollup.
COPIED = (
    *BATCH_TABLES, "agent_team_changes", "agent_teams", "obstacles",
    *(f"rollup_{source}" for source in rollups.SOURCES),
    *(f"rollup_{source}_period" for source in rollups.PERIOD_ROLLUPS),
    "rollup_team_daily", "rollup_org_daily", "rollup_team_units", "rollup_org_units",
)  # fmt: skip
COPY_BATCH_ROWS = 100_000


@contextmanager
def workspace(conn: Connection, settings: Settings) -> Iterator[Connection]:
    """Where the build's statements run: the store's own transaction on DuckDB. On
    PostgreSQL, a scratch DuckDB file with the store's schema and rollup layout; when the
    block ends, its rows and rollups are copied into the store's transaction `conn`."""
    if name_of(conn) == DUCKDB:
        yield conn
        return
    with tempfile.TemporaryDirectory(prefix="cxdemo-") as folder:
        scratch = sa.create_engine(f"duckdb:///{Path(folder) / 'demo.duckdb'}")
        try:
            with scratch.begin() as work:
                schema.migrate(work)
                rollups.bring_current(work, settings, migrated=True)
                yield work
                for table in COPIED:
                    _copy(work, conn, table)
        finally:
            scratch.dispose()


def _copy(work: Connection, conn: Connection, table: str) -> None:
    """Every row of `table` in the scratch DuckDB, COPYed into the same table of `conn`."""
    table = ident(table, COPIED)
    duck = work.connection.driver_connection
    columns = [row[0] for row in duck.execute(f"DESCRIBE {table}").fetchall()]
    names = ", ".join(ident(c, columns) for c in columns)
    rows = duck.sql(f"SELECT {names} FROM {table}")  # noqa: S608 - checked names
    postgres.copy_in(conn, table, columns, rows.to_arrow_reader(COPY_BATCH_ROWS))


def _run(conn: Connection, sql: str, params: dict) -> None:
    """Execute `sql` with only the bound parameters it names (DuckDB rejects extra ones)."""
    names = set(_BIND.findall(sql))
    conn.execute(text(sql), {k: v for k, v in params.items() if k in names})


def demo_committed(conn: Connection) -> bool:
    """True when the store holds a committed demo batch."""
    return bool(conn.execute(text(_DEMO_COMMITTED), {"b": BATCH_ID}).scalar_one())


def holds_data(conn: Connection) -> bool:
    """True when the store holds any committed batch or any row of data, roster or targets."""
    return bool(conn.execute(text(_ANY_DATA)).scalar_one())


def forget_undone_demo(conn: Connection) -> None:
    """Take the ledger rows of an undone demo away, so a new build can keep its batch id."""
    conn.execute(text("DELETE FROM rejected_rows WHERE batch_id = :b"), {"b": BATCH_ID})
    conn.execute(text("DELETE FROM upload_batches WHERE batch_id = :b"), {"b": BATCH_ID})


def plan(conn: Connection, params: dict) -> None:
    """The random-draw macros and the scratch tables every insert reads: lookups, teams,
    days, team-days, agents and agent-days."""
    for sql in _MACROS:
        conn.execute(text(sql))
    for sql in (*_LOOKUPS, _TEAMS, _DAYS, _TEAM_DAYS, _AGENTS, _AGENT_DAYS):
        _run(conn, sql, params)


def insert_roster(conn: Connection, params: dict) -> None:
    """Teams, agents, and each agent's team as a roster load states it."""
    for sql in (_INSERT_TEAMS, _INSERT_AGENTS, _INSERT_TEAM_CHANGES):
        _run(conn, sql, params)


def insert_adherence(conn: Connection, params: dict) -> None:
    """One adherence row per agent and working day."""
    _run(conn, _INSERT_ADHERENCE, params)


def insert_interactions(conn: Connection, params: dict) -> None:
    """Every contact of every agent-day."""
    _run(conn, _INSERT_INTERACTIONS, params)


def insert_responses(conn: Connection, params: dict) -> None:
    """Survey responses to a share of the answered contacts, with their comments."""
    _run(conn, _INSERT_RESPONSES, params)


def insert_kpis(conn: Connection, params: dict) -> None:
    """The business KPIs per team and day."""
    _run(conn, _INSERT_KPIS, params)


def insert_learning(conn: Connection, params: dict) -> None:
    """Learning sessions on a share of the agent-days."""
    _run(conn, _INSERT_LEARNING, params)


def insert_target(conn: Connection, params: dict) -> None:
    """The one team-specific target override."""
    _run(conn, _INSERT_TARGET, params)


def plant_comment(conn: Connection, params: dict, *, comment: str, salt: str) -> None:
    """Give `comment` to one detractor's comment, chosen by `salt` (the security tests')."""
    _run(conn, _SPECIAL_COMMENT, {**params, "comment": comment, "salt": salt})


def counts(conn: Connection) -> dict[str, int]:
    """Rows of the demo batch per table of COUNTED."""
    return dict(zip(COUNTED, conn.execute(text(_COUNTS)).one(), strict=True))


def replay_team_history(conn: Connection) -> None:
    """Build the demo agents' team history from the changes just inserted."""
    membership.replay(conn, "demo_agents")


def drop_scratch(conn: Connection) -> None:
    """Drop the scratch tables and the macros (they would outlive the build otherwise)."""
    for table in _SCRATCH_TABLES:
        conn.execute(text(f"DROP TABLE IF EXISTS temp.{table}"))
    conn.execute(text("DROP MACRO IF EXISTS temp.demo_z"))
    conn.execute(text("DROP MACRO IF EXISTS temp.demo_u"))


def is_present(db: Store | Reader) -> bool:
    """True while the demo batch is committed and any of its rows remains."""
    if not db.scalar(_DEMO_COMMITTED, {"b": BATCH_ID}):
        return False
    return bool(db.scalar(_ANY_DEMO_ROW, {"b": BATCH_ID}))


def is_only(db: Store | Reader) -> bool:
    """True while the demo batch is committed and no other batch is."""
    rows = dict(db.rows(_COMMITTED_SPLIT, {"b": BATCH_ID}))
    return bool(rows.get(True)) and not rows.get(False)
