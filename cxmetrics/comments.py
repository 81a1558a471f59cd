"""Survey comments for a period and scope: what customers (or colleagues) said, redacted.

The team of a response is its own team_id, else the team its agent was in on the day it was
answered (`membership.fact_team`).
A response falls in a segment by its NPS answer (promoter 9–10, passive 7–8, detractor
0–6); a response without NPS falls back on CSAT (5 / 4 / 1–3); with neither it has none.
Comments leave this module redacted (`privacy.redact_series`), so the app, exports and
kudos cards never see a raw e-mail address or phone number.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import text

from cxmetrics.privacy import redact_series
from cxmetrics.store import Store
from cxmetrics.store.membership import fact_team

SEGMENTS = ("promoter", "passive", "detractor")
COLUMNS = [
    "response_id",
    "responded_at",
    "respondent_type",
    "agent_id",
    "agent_name",
    "team_id",
    "nps",
    "csat",
    "segment",
    "comment",
]

_MEMBER_JOIN, _RESPONSE_TEAM = fact_team("s", "CAST(s.responded_at AS DATE)")

# Fixed SQL text; every value (dates, team, agent, segment, limit, offset) is bound.
_SCOPED = """
WITH scoped AS (
    SELECT s.response_id, s.responded_at, s.respondent_type, s.agent_id,
        a.name AS agent_name, {team} AS team_id,
        s.nps, s.csat,
        CASE
            WHEN s.nps IS NOT NULL THEN
                CASE WHEN s.nps >= 9 THEN 'promoter' WHEN s.nps >= 7 THEN 'passive'
                     ELSE 'detractor' END
            WHEN s.csat IS NOT NULL THEN
                CASE WHEN s.csat >= 5 THEN 'promoter' WHEN s.csat = 4 THEN 'passive'
                     ELSE 'detractor' END
        END AS segment,
        s.comment
    FROM survey_responses s
    LEFT JOIN agents a ON a.agent_id = s.agent_id
    {join}
    WHERE s.responded_at >= :start AND s.responded_at < :stop
        AND s.comment IS NOT NULL AND trim(s.comment) <> ''
)
SELECT {select} FROM scoped
WHERE (CAST(:team AS VARCHAR) IS NULL OR team_id = :team)
    AND (CAST(:agent AS VARCHAR) IS NULL OR agent_id = :agent)
    AND (CAST(:segment AS VARCHAR) IS NULL OR segment = :segment)
"""
_COUNT_SQL = _SCOPED.format(select="count(*)", team=_RESPONSE_TEAM, join=_MEMBER_JOIN)
_PAGE_SQL = _SCOPED.format(select=", ".join(COLUMNS), team=_RESPONSE_TEAM, join=_MEMBER_JOIN) + (
    "ORDER BY responded_at DESC, response_id DESC LIMIT :limit OFFSET :offset"
)


def segment_of(nps: int | None, csat: int | None) -> str | None:
    """The segment rule of the SQL above, in Python (for exports and tests)."""
    if nps is not None and not pd.isna(nps):
        return "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
    if csat is not None and not pd.isna(csat):
        return "promoter" if csat >= 5 else "passive" if csat == 4 else "detractor"
    return None


def comments(
    store: Store,
    first: date,
    last: date,
    *,
    team: str | None = None,
    agent: str | None = None,
    segment: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of non-empty comments answered between `first` and `last` (local dates,
    inclusive), newest first, and the total number of comments matching the filters.

    Columns: response_id, responded_at, respondent_type, agent_id, agent_name, team_id,
    nps, csat, segment, comment (redacted).
    """
    if segment is not None and segment not in SEGMENTS:
        raise ValueError(f"unknown segment `{segment}`: use one of {', '.join(SEGMENTS)}")
    if limit < 1 or offset < 0:
        raise ValueError("limit must be at least 1 and offset at least 0")
    params = {
        "start": datetime.combine(first, time.min),
        "stop": datetime.combine(last + timedelta(days=1), time.min),
        "team": team,
        "agent": agent,
        "segment": segment,
        "limit": int(limit),
        "offset": int(offset),
    }
    with store.reading() as conn:  # one transaction: the count and the page agree
        total = int(conn.execute(text(_COUNT_SQL), params).scalar() or 0)
        result = conn.execute(text(_PAGE_SQL), params)
        page = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for column in ("nps", "csat"):
        page[column] = page[column].astype("Int64")
    page["comment"] = redact_series(page["comment"].astype(object))
    return page, total
