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


@pytest.mark.parametrize("label", ["0001", "0999-W01", "9999", "1899-12", "3000-Q1", "0000"])
def test_periods_outside_the_years_handled_are_refused_by_name(label):
    with pytest.raises(ValueError, match=rf"period `{label}` is outside the years .*1900–2999"):
        parse_period(label)


def test_the_first_and_last_years_handled_have_neighbours():
    first, last = parse_period("1900-W01"), parse_period("2999-W52")
    assert first.back(13)[0].start < first.start  # a trend reaches back past 1900
    assert last.next().start > last.end
    assert parse_period("2999").next().label == "3000"


def test_a_period_label_must_be_the_whole_text_in_ascii_digits():
    for label in ("2026-W46\n", " 2026-11 "):
        assert parse_period(label).label == label.strip()  # surrounding space is forgiven
    for label in ("2026-W46x", "２０２６", "2026-W4６", "2026\n-11"):
        with pytest.raises(ValueError, match="is not understood"):
            parse_period(label)
    with pytest.raises(ValueError, match=r"period `last week` is not understood"):
        parse_period("last week")  # quoted as typed, not upper-cased
    with pytest.raises(ValueError, match=r"period `x{39}…` is not understood"):
        parse_period("x" * 5000)  # a long value is quoted short
