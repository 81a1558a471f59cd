"""The service stars a story shows: the period's, or, for a week with none, the month's
so far ("Stars of November so far"), or none with the reason why — never an empty slide."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd

from cxmetrics.periods import Period, period_containing
from cxmetrics.recognition import Star, stars


@dataclass(frozen=True)
class StarsPick:
    """The stars to show, the span they come from and why that span."""

    stars: list[Star] = field(default_factory=list)
    span: Period | None = None  # the period the stars are of (the month so far for a week)
    label: str = ""  # "2026-W47", "November 2026 so far"
    fallback: bool = False  # the period had no star: these are the month's
    reason: str | None = None  # why the month's are shown, or why there are none
    min_n: int = 0

    def to_dict(self) -> dict:
        return {
            "stars": [s.to_dict() for s in self.stars],
            "label": self.label,
            "fallback": self.fallback,
            "reason": self.reason,
            "min_n": self.min_n,
        }


def month_so_far(period: Period) -> Period:
    """The month holding the end of `period`, up to that end ("November 2026 so far")."""
    month = period_containing(period.end, "month")
    label = f"{month.start:%B %Y}" + ("" if period.end == month.end else " so far")
    return Period(month.start, period.end, "month", label)


def pick_stars(store, period: Period, *, team: str | None = None, limit: int = 5) -> StarsPick:
    """The period's stars; for a week with none, the month's so far; else none, saying why."""
    min_n = store.settings.stars_min_n
    found = stars(store, period, team=team, limit=limit)
    if found:
        return StarsPick(found, period, period.label, min_n=min_n)
    none_here = f"no agent had {min_n} or more answers in {period.label}"
    if period.grain == "week":
        month = month_so_far(period)
        found = stars(store, month, team=team, limit=limit)
        if found:
            return StarsPick(found, month, month.label, True, none_here, min_n)
        return StarsPick([], None, "", False, f"{none_here} or in {month.label}", min_n)
    return StarsPick([], None, "", False, none_here, min_n)


def praise_within(praise: pd.DataFrame, span: Period) -> pd.DataFrame:
    """The rows of `praise` (recognition.find_praise's frame) answered on the local days of
    `span`: what find_praise over `span` alone returns, as it finds praise comment by
    comment (none: the same empty frame, every column of object type)."""
    if praise.empty:
        return praise
    answered = praise["responded_at"]
    inside = (answered >= pd.Timestamp(span.start)) & (
        answered < pd.Timestamp(span.end + timedelta(days=1))
    )
    if not inside.any():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in praise.columns})
    return praise[inside].reset_index(drop=True)


def praise_count(praise: pd.DataFrame) -> int:
    """How many comments praised an agent by name (one comment naming two counts once)."""
    return 0 if praise.empty else int(praise["response_id"].nunique())


def quotes_for(praise: pd.DataFrame, agent_id: str, count: int = 1) -> list[str]:
    """The agent's most positive praise, newest first among equals (redacted already)."""
    if praise.empty:
        return []
    mine = praise[praise["agent_id"] == agent_id]
    mine = mine.sort_values(["positivity", "responded_at"], ascending=[False, False])
    return [str(c) for c in mine["comment"].head(count)]
