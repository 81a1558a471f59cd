"""Recognition: service stars, praise that names an agent, and the thank-you loop.

By job: `stars` (service stars, most improved agents, the team that changed most), `names`
(folding and the roster's name regex), `context` (does a mention read like a name),
`lexicon` (does a comment read positive), `praise` (finding praise in a period's promoter
comments), `thanks` (the thank-you marks) and `report` (what `cxmetrics stars` prints).
Their SQL lives in `store/recognition.py` and `store/comments.py`; every NPS, interval and
test comes from `metrics/stats.py`, every answer threshold from `metrics/scales.py`.
"""

from __future__ import annotations

from cxmetrics.recognition.lexicon import is_positive, positivity
from cxmetrics.recognition.names import MAX_NAME_MATCH, ORDINARY_WORD_NAMES, fold
from cxmetrics.recognition.praise import PRAISE_COLUMNS, find_praise
from cxmetrics.recognition.report import stars_report
from cxmetrics.recognition.stars import (
    Improvement,
    Star,
    TeamChange,
    best_team_change,
    most_improved,
    stars,
)
from cxmetrics.recognition.thanks import mark_thanked, unmark_thanked

__all__ = [
    "MAX_NAME_MATCH",
    "ORDINARY_WORD_NAMES",
    "PRAISE_COLUMNS",
    "Improvement",
    "Star",
    "TeamChange",
    "best_team_change",
    "find_praise",
    "fold",
    "is_positive",
    "mark_thanked",
    "most_improved",
    "positivity",
    "stars",
    "stars_report",
    "unmark_thanked",
]
