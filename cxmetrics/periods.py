"""Reporting periods: ISO week `2026-W46`, month `2026-11`, quarter `2026-Q4`, year `2026`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

GRAINS = ("week", "month", "quarter", "year")
# Years a period may fall in: wide enough for any contact centre's history and plans, and
# far enough from the calendar's ends (1 and 9999) that the periods before and after, and
# a trend's thirteen periods back, are dates too.
MIN_YEAR, MAX_YEAR = 1900, 2999
ACCEPTED = (
    "use an ISO week like 2026-W46, a month like 2026-11, a quarter like 2026-Q4 or a year "
    "like 2026"
)
_PATTERNS = {
    "week": re.compile(r"([0-9]{4})-W([0-9]{1,2})"),
    "month": re.compile(r"([0-9]{4})-([0-9]{1,2})"),
    "quarter": re.compile(r"([0-9]{4})-Q([1-4])"),
    "year": re.compile(r"([0-9]{4})"),
}


@dataclass(frozen=True, order=True)
class Period:
    """A closed date range [start, end] with its grain and canonical label."""

    start: date
    end: date
    grain: str
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same grain just before this one."""
        return period_containing(self.start - timedelta(days=1), self.grain)

    def next(self) -> Period:
        return period_containing(self.end + timedelta(days=1), self.grain)

    def back(self, count: int) -> list[Period]:
        """This period and the `count - 1` before it, oldest first."""
        out = [self]
        while len(out) < count:
            out.append(out[-1].previous())
        return out[::-1]

    def __str__(self) -> str:
        return self.label


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def period_containing(day: date, grain: str) -> Period:
    """The period of `grain` that contains `day`."""
    if grain == "week":
        iso = day.isocalendar()
        start = day - timedelta(days=iso.weekday - 1)
        return Period(start, start + timedelta(days=6), grain, f"{iso.year}-W{iso.week:02d}")
    if grain == "month":
        return Period(
            date(day.year, day.month, 1),
            _month_end(day.year, day.month),
            grain,
            f"{day.year}-{day.month:02d}",
        )
    if grain == "quarter":
        q = (day.month - 1) // 3 + 1
        return Period(
            date(day.year, 3 * q - 2, 1), _month_end(day.year, 3 * q), grain, f"{day.year}-Q{q}"
        )
    if grain == "year":
        return Period(date(day.year, 1, 1), date(day.year, 12, 31), grain, str(day.year))
    raise ValueError(f"unknown period grain `{grain}`: use one of {', '.join(GRAINS)}")


def _quoted(text: str) -> str:
    """User text as an error message quotes it: on one line, at most 40 characters."""
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def parse_period(text: str) -> Period:
    """Parse a period label; the error quotes it and says which forms are accepted."""
    typed = text.strip()
    text = typed.upper()
    for grain, pattern in _PATTERNS.items():
        m = pattern.fullmatch(text)
        if not m:
            continue
        year = int(m.group(1))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(
                f"period `{text}` is outside the years cxmetrics handles "
                f"({MIN_YEAR}–{MAX_YEAR}): {ACCEPTED}"
            )
        try:
            if grain == "week":
                start = date.fromisocalendar(year, int(m.group(2)), 1)
            elif grain == "month":
                start = date(year, int(m.group(2)), 1)
            elif grain == "quarter":
                start = date(year, 3 * int(m.group(2)) - 2, 1)
            else:
                start = date(year, 1, 1)
        except ValueError as exc:
            raise ValueError(f"period `{text}` does not exist ({exc}): {ACCEPTED}") from exc
        return period_containing(start, grain)
    raise ValueError(f"period `{_quoted(typed)}` is not understood: {ACCEPTED}")


def last_complete_week(today: date | None = None) -> Period:
    """The latest Monday–Sunday week that has fully ended before `today`."""
    today = today or date.today()
    return period_containing(today - timedelta(days=today.isoweekday()), "week")


def last_complete(grain: str, today: date | None = None) -> Period:
    """The latest fully ended period of `grain` (week, month, quarter, year)."""
    today = today or date.today()
    return period_containing(today, grain).previous()
