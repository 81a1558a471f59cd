"""Frontline meetings (leaders on the floor): when a leader last met each team.

The rows are loaded like any fact table (store/facts.py writes and undoes them)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store

# Each team's last meeting on or before :day, and who met it then (several leaders on the
# same day are named together).
_LAST_MET = """
WITH upto AS (SELECT team_id, date, leader FROM meetings WHERE date <= :day),
last_day AS (SELECT team_id, max(date) AS last_met FROM upto GROUP BY team_id)
SELECT l.team_id, l.last_met,
    string_agg(DISTINCT u.leader, ', ' ORDER BY u.leader) AS leader,
    (SELECT count(*) FROM upto c WHERE c.team_id = l.team_id) AS meetings
FROM last_day l JOIN upto u ON u.team_id = l.team_id AND u.date = l.last_met
GROUP BY l.team_id, l.last_met
ORDER BY l.team_id
"""


def last_met(db: Store | Reader, day: date) -> pd.DataFrame:
    """Per team met on or before `day`: team_id, last_met (its last meeting's date), leader
    (who met it that day) and meetings (how many up to `day`)."""
    return db.frame(_LAST_MET, {"day": day})
