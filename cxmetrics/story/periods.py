"""Honest periods: a period the data only partly covers says so ("2026-W48 so far: 2 of 7
days"), and so does a partial previous period it is compared with; a period with no data
says where the data is ("No data for 2019-W01 — data runs from … to …"); a trend starts
where the data starts, not years before it.

Coverage is judged from the span of the data (`org.data_range`: the first and last local
date holding interactions, surveys or adherence) and today's date: a period still running
today is covered up to the data's last date ("so far"); a period that has ended counts as
covered to its end once it holds data (a quiet Sunday does not make a week partial), and
a period the data start within says from when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cxmetrics.periods import Period, period_containing

TREND_PERIODS = 13  # how many periods a trend shows at most


def day_text(day: date) -> str:
    """A date as a leader reads it aloud: 22 Nov 2026."""
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True)
class Coverage:
    """How much of a period the data covers. `first`/`last`: the span of all data (None
    when nothing has been loaded); `today`: the business date now."""

    period: Period
    first: date | None
    last: date | None
    today: date

    @property
    def running(self) -> bool:
        """The period has not ended yet."""
        return self.today <= self.period.end

    @property
    def _covered_to(self) -> date | None:
        if self.last is None or self.running or self.last < self.period.start:
            return self.last
        return max(self.last, self.period.end)

    @property
    def days(self) -> int:
        """Days of the period inside the span of the data."""
        if self.first is None or self._covered_to is None:
            return 0
        start, end = max(self.period.start, self.first), min(self.period.end, self._covered_to)
        return max((end - start).days + 1, 0)

    @property
    def state(self) -> str:
        """complete, partial, or empty (no day of the period holds data)."""
        days = self.days
        if days == 0:
            return "empty"
        return "complete" if days == self.period.days else "partial"

    def span_text(self) -> str:
        """ "data runs from 25 May 2026 to 22 Nov 2026" (or that nothing is loaded)."""
        if self.first is None or self.last is None:
            return "nothing has been loaded yet"
        return f"data runs from {day_text(self.first)} to {day_text(self.last)}"

    def note(self) -> str | None:
        """What a reader must know about this period's coverage, None when complete:
        "2026-W48 so far: 2 of 7 days", "2026-05 from 25 May only: 7 of 31 days",
        "No data for 2019-W01 — data runs from … to …"."""
        label, days, total = self.period.label, self.days, self.period.days
        if self.state == "complete":
            return None
        if self.state == "empty":
            return f"No data for {label} — {self.span_text()}"
        assert self.first is not None and self._covered_to is not None
        cut_at_end = self._covered_to < self.period.end
        cut_at_start = self.first > self.period.start
        if cut_at_end and not cut_at_start:
            return f"{label} so far: {days} of {total} days"
        if cut_at_start and not cut_at_end:
            return f"{label} from {day_text(self.first)} only: {days} of {total} days"
        return f"{label}: {days} of {total} days ({day_text(self.first)} to {day_text(self.last)})"


def coverage(period: Period, span: tuple[date, date] | None, today: date) -> Coverage:
    """The coverage of `period` by data spanning `span` (`org.data_range`) on `today`."""
    first, last = span if span is not None else (None, None)
    return Coverage(period, first, last, today)


@dataclass(frozen=True)
class PeriodNotes:
    """The coverage of a period and of the previous one it is compared with."""

    current: Coverage
    previous: Coverage

    @property
    def empty(self) -> bool:
        return self.current.state == "empty"

    def notes(self) -> list[str]:
        """The sentences to show above the numbers (none when both periods are whole)."""
        if self.empty:
            return [f"{self.current.note()}."]
        out = []
        if self.current.state == "partial":
            out.append(f"{self.current.note()}.")
        if self.previous.state == "empty":
            out.append(f"Nothing to compare with: no data for {self.previous.period.label}.")
        elif self.previous.state == "partial":
            out.append(f"Compared with {self.previous.note()}.")
        return out


def period_notes(period: Period, span: tuple[date, date] | None, today: date) -> PeriodNotes:
    """Coverage of `period` and of its previous period by data spanning `span`, on `today`."""
    return PeriodNotes(coverage(period, span, today), coverage(period.previous(), span, today))


def trend_count(period: Period, span: tuple[date, date] | None, most: int = TREND_PERIODS) -> int:
    """How many periods a trend ending with `period` shows: `most`, or fewer so that its
    axis starts with the first period holding data (at least 1)."""
    if span is None or span[0] > period.end:
        return 1
    first = period_containing(span[0], period.grain)
    count, p = 1, period
    while count < most and p.start > first.start:
        p = p.previous()
        count += 1
    return count
