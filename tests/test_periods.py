from __future__ import annotations

from datetime import date

import pytest

from cxmetrics.periods import last_complete_week, parse_period, period_containing


@pytest.mark.parametrize(
    ("label", "start", "end", "previous"),
    [
        ("2026-W46", date(2026, 11, 9), date(2026, 11, 15), "2026-W45"),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), "2025-W52"),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3), "2026-W52"),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "2026-10"),
        ("2026-03", date(2026, 3, 1), date(2026, 3, 31), "2026-02"),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "2025-Q4"),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q3"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2025"),
    ],
)
def test_parse_and_previous(label, start, end, previous):
    period = parse_period(label)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert period.previous().label == previous


def test_bad_periods_say_what_is_accepted():
    with pytest.raises(ValueError, match="ISO week like 2026-W46"):
        parse_period("last week")
    with pytest.raises(ValueError, match="does not exist"):
        parse_period("2025-W53")


def test_last_complete_week_and_back():
    # 2026-11-23 is a Monday: the last complete week ended yesterday
    assert last_complete_week(date(2026, 11, 23)).label == "2026-W47"
    assert last_complete_week(date(2026, 11, 22)).label == "2026-W46"  # a Sunday
    weeks = parse_period("2026-W02").back(3)
    assert [w.label for w in weeks] == ["2025-W52", "2026-W01", "2026-W02"]
    assert period_containing(date(2026, 2, 14), "quarter").label == "2026-Q1"
