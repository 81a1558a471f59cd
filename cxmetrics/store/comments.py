"""A period's survey comments with their team and segment: the one comment-window query,
read as a filtered page (the scorecards) or as every promoter's comment (praise).

The window is the non-empty comments answered from the first local day to the last, both
inclusive. The team of a response is its own team_id, else the team its agent was in on the
day it was answered (`membership.fact_team`). A response's segment is its NPS answer's
(promoter, passive, detractor); without NPS, its CSAT answer's: the top answer promotes,
the other satisfied answers are passive, the rest detract; with neither it has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, bindparam, text

from cxmetrics.metrics import scales
from cxmetrics.store.membership import fact_team

if TYPE_CHECKING:
    from cxmetrics.store import Store

# Where each segment begins, bound into the window query (from the answer scales).
SEGMENT_THRESHOLDS = {
    "nps_promoter_from": scales.NPS.top_from,
    "nps_detractor_up_to": scales.NPS_DETRACTOR_UP_TO,
    "csat_promoter_from": scales.CSAT.high,
    "csat_passive_from": scales.CSAT.top_from,
}

PAGE_COLUMNS = (
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
)

_MEMBER_JOIN, _RESPONSE_TEAM = fact_team("s", "CAST(s.responded_at AS DATE)")

# Fixed SQL text; every value (dates, thresholds, team, agent, segment, limit, offset) is bound.
_WINDOW = f"""
WITH scoped AS (
    SELECT s.response_id, s.responded_at, s.respondent_type, s.agent_id,
        {_RESPONSE_TEAM} AS team_id, s.nps, s.csat,
        CASE
            WHEN s.nps IS NOT NULL THEN
                CASE WHEN s.nps >= :nps_promoter_from THEN 'promoter'
                     WHEN s.nps > :nps_detractor_up_to THEN 'passive'
                     ELSE 'detractor' END
            WHEN s.csat IS NOT NULL THEN
                CASE WHEN s.csat >= :csat_promoter_from THEN 'promoter'
                     WHEN s.csat >= :csat_passive_from THEN 'passive'
                     ELSE 'detractor' END
        END AS segment,
        s.comment
    FROM survey_responses s
    {_MEMBER_JOIN}
    WHERE s.responded_at >= :start AND s.responded_at < :stop
        AND s.comment IS NOT NULL AND trim(s.comment) <> ''
)
"""  # noqa: S608 - fixed text (the team rule); every value is bound
_FILTERS = """
WHERE (CAST(:team AS VARCHAR) IS NULL OR scoped.team_id = :team)
    AND (CAST(:agent AS VARCHAR) IS NULL OR scoped.agent_id = :agent)
    AND (CAST(:segment AS VARCHAR) IS NULL OR scoped.segment = :segment)
"""
# A viewer limited to some teams (docs/access.md): the response's team is one of them.
_IN_TEAMS = "    AND scoped.team_id IN :teams\n"


def _count_sql(filters: str) -> str:
    return _WINDOW + "SELECT count(*) FROM scoped" + filters  # noqa: S608 - fixed text


def _page_sql(filters: str) -> str:
    return (
        _WINDOW
        + """SELECT scoped.response_id, scoped.responded_at, scoped.respondent_type,
    scoped.agent_id, a.name AS agent_name, scoped.team_id, scoped.nps, scoped.csat,
    scoped.segment, scoped.comment
FROM scoped LEFT JOIN agents a ON a.agent_id = scoped.agent_id"""
        + filters
        + "ORDER BY scoped.responded_at DESC, scoped.response_id DESC LIMIT :limit OFFSET :offset"
    )


_COUNT_SQL, _PAGE_SQL = _count_sql(_FILTERS), _page_sql(_FILTERS)
_TEAMS_COUNT_SQL, _TEAMS_PAGE_SQL = (
    _count_sql(_FILTERS + _IN_TEAMS),
    _page_sql(_FILTERS + _IN_TEAMS),
)
# Promoters only: detractors and passives are never read for praise.
_PROMOTERS_SQL = (
    _WINDOW
    + """SELECT response_id, responded_at, respondent_type, agent_id AS response_agent_id,
    team_id AS response_team_id, nps, csat, comment
FROM scoped WHERE segment = 'promoter'
ORDER BY responded_at DESC, response_id"""
)


def window(first: date, last: date) -> dict[str, datetime]:
    """The bound timestamps of local days `first` to `last` inclusive: start <= t < stop."""
    return {
        "start": datetime.combine(first, time.min),
        "stop": datetime.combine(last + timedelta(days=1), time.min),
    }


def page(
    conn: Connection,
    first: date,
    last: date,
    *,
    team: str | None,
    agent: str | None,
    segment: str | None,
    limit: int,
    offset: int,
    teams: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of the window's comments matching the filters, newest first (columns
    PAGE_COLUMNS, comments as stored), and how many match in all. Run both on one
    connection (`store.reading()`) so the count and the page agree. `teams` (not empty),
    when given, keeps only responses of those teams."""
    count_sql, page_sql = text(_COUNT_SQL), text(_PAGE_SQL)
    if teams is not None:
        expanding = bindparam("teams", expanding=True)
        count_sql = text(_TEAMS_COUNT_SQL).bindparams(expanding)
        page_sql = text(_TEAMS_PAGE_SQL).bindparams(expanding)
    params = {
        **window(first, last),
        **SEGMENT_THRESHOLDS,
        "team": team,
        "agent": agent,
        "segment": segment,
        "limit": int(limit),
        "offset": int(offset),
    }
    if teams is not None:
        params["teams"] = list(teams)
    total = int(conn.execute(count_sql, params).scalar() or 0)
    result = conn.execute(page_sql, params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys())), total


def promoter_comments(store: Store, first: date, last: date) -> pd.DataFrame:
    """Every promoter's comment in the window, newest first (ties by response id).

    Columns: response_id, responded_at, respondent_type, response_agent_id,
    response_team_id, nps, csat, comment. On DuckDB the frame comes straight from its
    columnar result: a year of comments is ~200 k rows, and building Python row tuples
    would dominate the read.
    """
    params = {**window(first, last), **SEGMENT_THRESHOLDS}
    with store.reading() as conn:
        result = conn.execute(text(_PROMOTERS_SQL), params)
        if store.is_duckdb:
            return result.cursor.fetch_df()
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
