"""What `cxmetrics stars` prints: a period's stars, most improved agents and named praise,
as one JSON-ready dict."""

from __future__ import annotations

import pandas as pd

from cxmetrics.periods import Period
from cxmetrics.privacy import redact
from cxmetrics.recognition.praise import find_praise
from cxmetrics.recognition.stars import most_improved, stars
from cxmetrics.recognition.values import none_if_missing, period_of
from cxmetrics.store import Store

_STAR_KEYS = ("agent_id", "name", "team_id", "metric", "value", "n", "ci_low", "ci_high")
_IMPROVED_KEYS = (*_STAR_KEYS, "previous", "delta", "p_value")


def stars_report(store: Store, period: Period | str, *, team: str | None = None) -> dict:
    """The JSON of `cxmetrics stars`: stars, most improved and named praise of a period."""
    p = period_of(period)
    praise = find_praise(store, p.start, p.end, team=team)
    return {
        "period": p.label,
        "stars": [
            {k: v for k, v in s.to_dict().items() if k in _STAR_KEYS}
            for s in stars(store, p, team=team)
        ],
        "most_improved": [
            {k: v for k, v in s.to_dict().items() if k in _IMPROVED_KEYS}
            for s in most_improved(store, p, team=team)
        ],
        "praise": [
            {
                "response_id": str(r.response_id),
                "agent_id": none_if_missing(r.agent_id),
                "name": none_if_missing(r.name),
                "responded_at": pd.Timestamp(r.responded_at).isoformat(),
                "comment": redact(r.comment),
                "thanked": bool(r.thanked),
            }
            for r in praise.itertuples()
        ],
    }
