"""The inputs the benchmark measures: demo stores, and the files it loads into fresh
stores (the roster, a canonical survey CSV, a Qualtrics export). Every file is written by
DuckDB `COPY` from the demo roster, with no Python loop per row."""

from __future__ import annotations

import csv
import shutil
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path

from cxmetrics.demo import build_demo
from cxmetrics.periods import Period
from cxmetrics.store import open_store

from . import db
from .measure import mb

ROSTER_SQL = """
COPY (
  SELECT a.agent_id, a.name AS agent_name, a.team_id, t.name AS team_name, t.supervisor,
         t.function, a.email, a.hired_on, a.active
  FROM src.agents a LEFT JOIN src.teams t USING (team_id) ORDER BY a.agent_id
) TO '{path}' (HEADER, DELIMITER ',')
"""

SURVEY_SQL = """
COPY (
  WITH r AS (SELECT range AS i, hash(range, 'bench-surveys') AS h FROM range($rows))
  SELECT 'BR' || lpad(CAST(i AS VARCHAR), 9, '0') AS response_id,
    strftime(CAST($first AS TIMESTAMP) + to_seconds(CAST(h % $span AS BIGINT)),
             '%Y-%m-%d %H:%M:%S') AS responded_at,
    CASE WHEN ro.internal THEN 'colleague' ELSE 'customer' END AS respondent_type,
    ['phone', 'chat', 'email'][1 + CAST((h >> 8) % 3 AS INTEGER)] AS channel,
    ro.team_id, ro.agent_id,
    CASE WHEN (h >> 10) % 4 = 0 THEN NULL
         ELSE 'IX' || lpad(CAST(i AS VARCHAR), 9, '0') END AS interaction_id,
    CAST((h >> 12) % 11 AS INTEGER) AS nps,
    CASE WHEN ro.internal OR (h >> 16) % 12 = 0 THEN NULL
         ELSE CAST(1 + (h >> 20) % 5 AS INTEGER) END AS csat,
    CASE WHEN ro.internal OR (h >> 24) % 8 = 0 THEN NULL
         ELSE CAST(1 + (h >> 28) % 7 AS INTEGER) END AS ces,
    CASE WHEN (h >> 32) % 3 = 0 THEN [
        'Quick, friendly and sorted first time.',
        'Waited ages on hold, then got cut off.',
        'Fine – had to explain my problem twice',
        'Great service "as always"'][1 + CAST((h >> 36) % 4 AS INTEGER)] END AS comment
  FROM r JOIN roster ro ON ro.k = h % $agents
  ORDER BY i
) TO '{path}' (HEADER, DELIMITER ',')
"""

# A Qualtrics export as the vendor writes it (data/samples/surveys_qualtrics.csv): three
# header rows (column ids, question text, ImportId JSON), then one row per response.
# (column id, question text, ImportId); "{tz}" is the business time zone of the settings.
QUALTRICS_COLUMNS = (
    ("StartDate", "Start Date", '{{"ImportId":"startDate","timeZone":"{tz}"}}'),
    ("EndDate", "End Date", '{{"ImportId":"endDate","timeZone":"{tz}"}}'),
    ("Status", "Response Type", '{{"ImportId":"status"}}'),
    ("IPAddress", "IP Address", '{{"ImportId":"ipAddress"}}'),
    ("Progress", "Progress", '{{"ImportId":"progress"}}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{{"ImportId":"duration"}}'),
    ("Finished", "Finished", '{{"ImportId":"finished"}}'),
    ("RecordedDate", "Recorded Date", '{{"ImportId":"recordedDate","timeZone":"{tz}"}}'),
    ("ResponseId", "Response ID", '{{"ImportId":"_recordId"}}'),
    ("RecipientLastName", "Recipient Last Name", '{{"ImportId":"recipientLastName"}}'),
    ("RecipientFirstName", "Recipient First Name", '{{"ImportId":"recipientFirstName"}}'),
    ("RecipientEmail", "Recipient Email", '{{"ImportId":"recipientEmail"}}'),
    ("ExternalReference", "External Data Reference", '{{"ImportId":"externalDataReference"}}'),
    ("LocationLatitude", "Location Latitude", '{{"ImportId":"locationLatitude"}}'),
    ("LocationLongitude", "Location Longitude", '{{"ImportId":"locationLongitude"}}'),
    ("DistributionChannel", "Distribution Channel", '{{"ImportId":"distributionChannel"}}'),
    ("UserLanguage", "User Language", '{{"ImportId":"userLanguage"}}'),
    ("Q1", "How likely are you to recommend Acme Energy to a friend or colleague?",
     '{{"ImportId":"QID1"}}'),
    ("Q1_NPS_GROUP",
     "How likely are you to recommend Acme Energy to a friend or colleague? - Group",
     '{{"ImportId":"QID1_NPS_GROUP"}}'),
    ("Q2", "Overall, how satisfied were you with the service you received today?",
     '{{"ImportId":"QID2"}}'),
    ("Q3", "How easy was it to get your issue resolved?", '{{"ImportId":"QID3"}}'),
    ("Q4", "Is there anything else you would like to tell us about your experience?",
     '{{"ImportId":"QID4_TEXT"}}'),
    ("AgentID", "AgentID", '{{"ImportId":"AgentID"}}'),
)  # fmt: skip
# What auto-detection must choose (canonical column -> column id); checked on every load.
QUALTRICS_EXPECTED_MAPPING = {
    "response_id": "ResponseId", "responded_at": "RecordedDate", "agent_id": "AgentID",
    "nps": "Q1", "csat": "Q2", "ces": "Q3", "comment": "Q4",
}  # fmt: skip
# The rows the layout must reject, by position (deterministic, spread through the file):
# previews (Status "Survey Preview", channel "preview"), test responses ("Survey Test",
# "test") and unfinished responses (Finished False, Progress < 100, only Q1 answered).
QUALTRICS_KIND_SQL = """CASE WHEN i % 250 = 7 THEN 'preview' WHEN i % 333 = 11 THEN 'test'
    WHEN i % 50 = 3 THEN 'unfinished' ELSE 'complete' END"""
# The rejection reason load_batch must give each kind of row it rejects.
QUALTRICS_REASONS = {
    "preview": "survey preview response",
    "test": "survey test response",
    "unfinished": "unfinished response",
}
QUALTRICS_SQL = """
CREATE TABLE q AS
WITH r AS (
  SELECT range AS i, hash(range, 'bench-qualtrics') AS h, {kind} AS kind FROM range($rows)
), s AS (
  SELECT r.*, ro.agent_id,
    CAST($first AS TIMESTAMP) + to_seconds(CAST(h % $span AS BIGINT)) AS started,
    CAST(40 + (h >> 20) % 1200 AS INTEGER) AS duration
  FROM r JOIN roster ro ON ro.k = (h >> 44) % $agents
)
SELECT i, kind,
  strftime(started, '%Y-%m-%d %H:%M:%S') AS start_date,
  strftime(started + to_seconds(duration), '%Y-%m-%d %H:%M:%S') AS end_date,
  CASE kind WHEN 'preview' THEN 'Survey Preview' WHEN 'test' THEN 'Survey Test'
            ELSE 'IP Address' END AS status,
  CASE WHEN kind IN ('preview', 'test') THEN NULL
       ELSE '203.0.113.' || CAST(1 + (h >> 8) % 254 AS VARCHAR) END AS ip,
  CASE WHEN kind = 'unfinished' THEN CAST(10 + (h >> 12) % 80 AS VARCHAR)
       ELSE '100' END AS progress,
  CAST(duration AS VARCHAR) AS duration,
  CASE WHEN kind = 'unfinished' THEN 'False' ELSE 'True' END AS finished,
  strftime(started + to_seconds(duration + 1), '%Y-%m-%d %H:%M:%S') AS recorded_date,
  'R_' || substr(md5(CAST(i AS VARCHAR)), 1, 7) || lpad(CAST(i AS VARCHAR), 8, '0')
    AS response_id,
  '39.7392' AS latitude, '-104.9903' AS longitude,
  CASE kind WHEN 'preview' THEN 'preview' WHEN 'test' THEN 'test'
       ELSE ['anonymous', 'email', 'sms'][1 + CAST((h >> 16) % 3 AS INTEGER)] END AS channel,
  'EN' AS language,
  CAST((h >> 24) % 11 AS INTEGER) AS nps,
  CASE WHEN kind = 'unfinished' OR (h >> 28) % 12 = 0 THEN NULL
       ELSE CAST(1 + (h >> 32) % 5 AS INTEGER) END AS csat,
  CASE WHEN kind = 'unfinished' OR (h >> 36) % 8 = 0 THEN NULL
       ELSE CAST(1 + (h >> 40) % 7 AS INTEGER) END AS ces,
  CASE WHEN kind <> 'unfinished' AND (h >> 50) % 3 = 0 THEN [
      'Quick, friendly and sorted first time.',
      'Waited ages on hold, then got cut off.',
      'Fine – had to explain my problem twice',
      'Great service "as always"',
      'Two things:' || chr(10) || '1. the app logged me out' || chr(10) || '2. nobody called back',
      'Très bien, merci — Ben was great 👍'][1 + CAST((h >> 52) % 6 AS INTEGER)] END
    AS comment,
  agent_id
FROM s
"""
QUALTRICS_BODY_SQL = """
SELECT start_date, end_date, status, ip, progress, duration, finished, recorded_date,
  response_id, NULL, NULL, NULL, NULL, latitude, longitude, channel, language,
  CAST(nps AS VARCHAR),
  CASE WHEN nps >= 9 THEN 'Promoter' WHEN nps >= 7 THEN 'Passive' ELSE 'Detractor' END,
  CAST(csat AS VARCHAR), CAST(ces AS VARCHAR), comment, agent_id
FROM q ORDER BY i
"""


def build_store(path: str, agents: int, weeks: int, seed: int, end: str) -> dict:
    """A demo organisation in a new store at `path` (run in a child: its peak RSS is a
    figure); the build summary with its first and last day as ISO dates."""
    store = open_store(db.url(path))
    try:
        summary = build_demo(
            store, agents=agents, weeks=weeks, seed=seed, end=date.fromisoformat(end)
        )
    finally:
        store.close()
    out = asdict(summary)
    out["first_day"], out["last_day"] = summary.first_day.isoformat(), summary.last_day.isoformat()
    return out


def busiest_team(path: Path, period: Period) -> str:
    """The team with the most contacts in `period` (ties: the first id)."""
    con = db.connect(path, read_only=True)
    try:
        return con.execute(
            "SELECT team_id FROM interactions WHERE started_at >= ? AND started_at < ?"
            " GROUP BY team_id ORDER BY count(*) DESC, team_id LIMIT 1",
            [period.start, period.end + timedelta(days=1)],
        ).fetchone()[0]
    finally:
        con.close()


def _roster_table(con, store_path: Path) -> int:
    """Table `roster` (k, agent_id, team_id, internal) of the store's agents; their count."""
    con.execute("ATTACH ? AS src (READ_ONLY)", [str(store_path)])
    con.execute(
        "CREATE TABLE roster AS SELECT row_number() OVER (ORDER BY a.agent_id) - 1 AS k,"
        " a.agent_id, a.team_id, coalesce(t.function LIKE '%internal%', false) AS internal"
        " FROM src.agents a LEFT JOIN src.teams t USING (team_id)"
    )
    count = con.execute("SELECT count(*) FROM roster").fetchone()[0]
    con.execute("DETACH src")
    return count


def _span_params(rows: int, first: date, last: date, agents: int, margin_s: int = 0) -> dict:
    """Parameters of a generator: row count, first instant, seconds to spread rows over."""
    span = int((last - first).days + 1) * 86400 - margin_s
    return {
        "rows": rows,
        "first": datetime.combine(first, datetime.min.time()),
        "span": max(span, 1),
        "agents": agents,
    }


def write_roster(store_path: Path, tmp: Path) -> str:
    """The demo roster as a roster CSV (loaded, untimed, before each timed survey load)."""
    roster_csv = tmp / "roster.csv"
    if not roster_csv.exists():
        con = db.connect()
        try:
            con.execute("ATTACH ? AS src (READ_ONLY)", [str(store_path)])
            con.execute(ROSTER_SQL.format(path=db.quoted(roster_csv)))
        finally:
            con.close()
    return str(roster_csv)


def write_surveys(store_path: Path, tmp: Path, rows: int, first: date, last: date) -> dict:
    """The roster CSV and a canonical survey CSV of `rows` rows: the demo roster's agent ids,
    dates inside [first, last], a third of the rows with a comment, some quoted."""
    roster_csv, survey_csv = write_roster(store_path, tmp), tmp / "surveys.csv"
    con = db.connect()
    try:
        agents = _roster_table(con, store_path)
        con.execute(
            SURVEY_SQL.format(path=db.quoted(survey_csv)),
            _span_params(rows, first, last, agents),
        )
    finally:
        con.close()
    return {
        "roster_csv": roster_csv,
        "survey_csv": str(survey_csv),
        "csv_mb": mb(survey_csv.stat().st_size),
        "rows": rows,
        "agents": agents,
    }


def write_qualtrics(
    store_path: Path, tmp: Path, rows: int, first: date, last: date, tz: str
) -> dict:
    """A Qualtrics-layout export of `rows` responses: the three header rows (csv module),
    then the body written by DuckDB `COPY` and appended as bytes. Agents are the demo
    roster's; times fall inside [first, last] (none in the future). Returns the path and how
    many rows of each kind (complete, preview, test, unfinished) it holds."""
    path, body = tmp / "qualtrics.csv", tmp / "qualtrics-body.csv"
    con = db.connect()
    try:
        agents = _roster_table(con, store_path)
        # The last response is recorded at most duration + 1 s (≤ 1241 s) after it started.
        con.execute(
            QUALTRICS_SQL.format(kind=QUALTRICS_KIND_SQL),
            _span_params(rows, first, last, agents, margin_s=1300),
        )
        kinds = dict(con.execute("SELECT kind, count(*) FROM q GROUP BY kind").fetchall())
        con.execute(
            f"COPY ({QUALTRICS_BODY_SQL}) TO '{db.quoted(body)}' (HEADER false, DELIMITER ',')"
        )
    finally:
        con.close()
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        for row in range(3):
            writer.writerow([col[row].format(tz=tz) for col in QUALTRICS_COLUMNS])
    with open(path, "ab") as out, open(body, "rb") as src:
        shutil.copyfileobj(src, out, 16 << 20)
    body.unlink()
    return {
        "csv": str(path),
        "csv_mb": mb(path.stat().st_size),
        "rows": rows,
        "agents": agents,
        "kinds": {k: int(kinds.get(k, 0)) for k in ("complete", *QUALTRICS_REASONS)},
    }
