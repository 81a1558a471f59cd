"""Survey comments for a period and scope: what customers (or colleagues) said, redacted.

The team of a response is its own team_id, else the team its agent was in on the day it was
answered. A response falls in a segment by its NPS answer (promoter 9–10, passive 7–8,
detractor 0–6); a response without NPS falls back on CSAT (5 / 4 / 1–3); with neither it has
none (`metrics/scales.py`; the query is `store/comments.py`). Comments leave this module
redacted (`privacy.redact_series`), so the app, exports and kudos cards never see a raw
e-mail address or phone number.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from cxmetrics.metrics.scales import CSAT, nps_segment
from cxmetrics.privacy import redact_series
from cxmetrics.store import Store
from cxmetrics.store import comments as comment_window

SEGMENTS = ("promoter", "passive", "detractor")
COLUMNS = list(comment_window.PAGE_COLUMNS)


def segment_of(nps: int | None, csat: int | None) -> str | None:
    """The segment rule of the comment query, in Python (for exports and tests)."""
    if nps is not None and not pd.isna(nps):
        return nps_segment(nps)
    if csat is not None and not pd.isna(csat):
        if csat >= CSAT.high:
            return "promoter"
        return "passive" if csat >= CSAT.top_from else "detractor"
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
    teams: tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of non-empty comments answered between `first` and `last` (local dates,
    inclusive), newest first, and the total number of comments matching the filters.

    Columns: response_id, responded_at, respondent_type, agent_id, agent_name, team_id,
    nps, csat, segment, comment (redacted). `teams` (not empty), when given, keeps only
    responses of those teams (a supervisor's scope: access.scoped.comments).
    """
    if segment is not None and segment not in SEGMENTS:
        raise ValueError(f"unknown segment `{segment}`: use one of {', '.join(SEGMENTS)}")
    if limit < 1 or offset < 0:
        raise ValueError("limit must be at least 1 and offset at least 0")
    with store.reading() as conn:  # one transaction: the count and the page agree
        page, total = comment_window.page(
            conn,
            first,
            last,
            team=team,
            agent=agent,
            segment=segment,
            limit=limit,
            offset=offset,
            teams=teams,
        )
    for column in ("nps", "csat"):
        page[column] = page[column].astype("Int64")
    page["comment"] = redact_series(page["comment"].astype(object))
    return page, total
