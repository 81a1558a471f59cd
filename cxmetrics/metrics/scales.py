"""The answer scales and where each one's categories begin: written once, used by the
rollups, the comment segments, recognition and the demo (see docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """A survey answer scale: its range and the categories a score falls into."""

    low: int
    high: int
    top_from: int  # this score and above count as the good answer (promoter, satisfied, easy)


NPS = Scale(low=0, high=10, top_from=9)
NPS_DETRACTOR_UP_TO = 6  # 0–6 are detractors, 7–8 passives, 9–10 promoters
CSAT = Scale(low=1, high=5, top_from=4)  # 4 or 5: satisfied
CES = Scale(low=1, high=7, top_from=5)  # 5, 6 or 7: easy
SCALES = {"nps": NPS, "csat": CSAT, "ces": CES}


def nps_segment(score: float | None) -> str | None:
    """promoter (9–10), passive (7–8) or detractor (0–6)."""
    if score is None:
        return None
    if score >= NPS.top_from:
        return "promoter"
    return "detractor" if score <= NPS_DETRACTOR_UP_TO else "passive"
