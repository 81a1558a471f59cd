"""Honest periods and the story's number formats, worked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from cxmetrics.formatting import spoken as fmt
from cxmetrics.periods import parse_period
from cxmetrics.story.periods import coverage, period_notes, trend_count
from cxmetrics.story.stars import month_so_far

# Data from Monday 2026-05-25 to Tuesday 2026-11-24; today is Wednesday 2026-11-25.
SPAN = (date(2026, 5, 25), date(2026, 11, 24))
TODAY = date(2026, 11, 25)


def test_a_week_cut_by_the_last_day_of_data_says_so_far():
    # W48 is Mon 23 – Sun 29 Nov; the data end on Tue 24: 2 of 7 days.
    notes = period_notes(parse_period("2026-W48"), SPAN, TODAY)
    assert coverage(parse_period("2026-W48"), SPAN, TODAY).days == 2
    assert notes.notes() == ["2026-W48 so far: 2 of 7 days."]


def test_a_partial_previous_period_is_named_too():
    # June is whole; May has data from the 25th: 25..31 = 7 of 31 days.
    notes = period_notes(parse_period("2026-06"), SPAN, TODAY)
    assert notes.notes() == ["Compared with 2026-05 from 25 May 2026 only: 7 of 31 days."]
    # Q2 starts 1 Apr: 25 May .. 30 Jun = 7 + 30 = 37 of 91 days; Q3 whole.
    assert period_notes(parse_period("2026-Q3"), SPAN, TODAY).notes() == [
        "Compared with 2026-Q2 from 25 May 2026 only: 37 of 91 days."
    ]


def test_whole_periods_say_nothing():
    assert period_notes(parse_period("2026-W47"), SPAN, TODAY).notes() == []


def test_an_ended_period_is_whole_though_its_last_days_are_quiet():
    # Data end on Saturday 21 Nov (nobody works Sundays); today is Wednesday 25 Nov: W47
    # (16–22 Nov) has ended and counts as whole. Seen on Saturday itself it is running:
    # 6 of 7 days so far.
    span = (date(2026, 5, 25), date(2026, 11, 21))
    assert period_notes(parse_period("2026-W47"), span, TODAY).notes() == []
    on_saturday = period_notes(parse_period("2026-W47"), span, date(2026, 11, 21))
    assert on_saturday.notes() == ["2026-W47 so far: 6 of 7 days."]
    # the running week with no data yet is empty
    assert period_notes(parse_period("2026-W48"), span, TODAY).notes() == [
        "No data for 2026-W48 — data runs from 25 May 2026 to 21 Nov 2026."
    ]


def test_a_period_cut_at_both_ends():
    # 2026: 25 May .. 24 Nov = 7 + 30 + 31 + 31 + 30 + 31 + 24 = 184 of 365 days
    assert coverage(parse_period("2026"), SPAN, TODAY).note() == (
        "2026: 184 of 365 days (25 May 2026 to 24 Nov 2026)"
    )


def test_an_empty_period_says_where_the_data_is():
    notes = period_notes(parse_period("2019-W01"), SPAN, TODAY)
    assert notes.empty
    assert notes.notes() == ["No data for 2019-W01 — data runs from 25 May 2026 to 24 Nov 2026."]
    nothing = period_notes(parse_period("2026-W47"), None, TODAY)
    assert nothing.notes() == ["No data for 2026-W47 — nothing has been loaded yet."]


def test_first_period_of_the_data_has_nothing_to_compare_with():
    # W22 is 25–31 May, whole; W21 holds no data
    assert period_notes(parse_period("2026-W22"), SPAN, TODAY).notes() == [
        "Nothing to compare with: no data for 2026-W21."
    ]


def test_trend_starts_where_the_data_starts():
    # W22 .. W24 is three weeks; 13 weeks back from W47 are all inside the data
    assert trend_count(parse_period("2026-W24"), SPAN) == 3
    assert trend_count(parse_period("2026-W47"), SPAN) == 13
    assert trend_count(parse_period("2026-07"), SPAN) == 3  # May, June, July
    assert trend_count(parse_period("2019-W01"), SPAN) == 1
    assert trend_count(parse_period("2026-W47"), None) == 1


def test_month_so_far():
    so_far = month_so_far(parse_period("2026-W47"))  # ends Sun 22 Nov
    assert (so_far.start, so_far.end, so_far.label) == (
        date(2026, 11, 1),
        date(2026, 11, 22),
        "November 2026 so far",
    )
    assert month_so_far(parse_period("2026-W44")).label == "November 2026 so far"  # ends 1 Nov
    assert month_so_far(parse_period("2026-W53")).label == "January 2027 so far"


@pytest.mark.parametrize(
    ("value", "unit", "style", "text"),
    [
        (81.54, "%", "value", "81.5 %"),
        (29.41, "pts", "value", "+29"),
        (-3.4, "pts", "value", "-3"),
        (0.4, "pts", "value", "0"),
        (19.9, "s", "value", "20 s"),
        (400, "s", "value", "400 s"),
        (700, "s", "value", "11 min 40 s"),
        (1234, "count", "value", "1,234"),
        (2.318, "per hour", "value", "2.32"),
        (4.354, "per FTE", "value", "4.35 per FTE"),
        (88.42, "/100", "value", "88.4/100"),
        (None, "%", "value", "—"),
        (13.6, "%", "change", "13.6 points"),
        (-9.898, "s", "change", "9.9 s"),
        (75.51, "s", "signed", "+76 s"),
        (-11.9, "pts", "signed", "-11.9 points"),
        (-0.01, "%", "signed", "0.0 points"),
        (3.3, "%", "margin", "± 3.3 points"),
        (8.4, "/100", "signed", "+8.40"),
    ],
)
def test_numbers_as_people_read_them(value, unit, style, text):
    assert fmt(value, unit, style) == text
