"""The story reads praise once over the period and the stars' span (a week's stars may be
the month's so far) and gives each span the rows answered in it: the same rows
`find_praise` gives each span on its own."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from pandas.testing import assert_frame_equal

from cxmetrics.demo import build_demo
from cxmetrics.periods import parse_period
from cxmetrics.recognition import find_praise
from cxmetrics.recognition.praise import PRAISE_COLUMNS
from cxmetrics.story import gather
from cxmetrics.story.stars import month_so_far, praise_within


def _praise_frame(stamps: list[datetime]) -> pd.DataFrame:
    frame = pd.DataFrame({c: [None] * len(stamps) for c in PRAISE_COLUMNS})
    frame["response_id"] = [f"r{i}" for i in range(len(stamps))]
    frame["responded_at"] = pd.to_datetime(stamps)
    return frame


def test_praise_within_keeps_the_local_days_of_the_span():
    # 2026-W45 runs Mon 2 Nov to Sun 8 Nov: 23:59 on the 8th is in, midnight on the 9th
    # and 23:59 on 1 Nov are out (find_praise's window: start <= t < the day after)
    frame = _praise_frame(
        [datetime(2026, 11, 9, 0, 0), datetime(2026, 11, 8, 23, 59),
         datetime(2026, 11, 2, 0, 0), datetime(2026, 11, 1, 23, 59)]
    )  # fmt: skip
    week = praise_within(frame, parse_period("2026-W45"))
    assert week["response_id"].tolist() == ["r1", "r2"]
    assert week.index.tolist() == [0, 1]


def test_praise_within_a_span_with_none_is_find_praises_empty_frame():
    frame = _praise_frame([datetime(2026, 11, 9, 12, 0)])
    none = praise_within(frame, parse_period("2026-W45"))
    assert none.empty and list(none.columns) == PRAISE_COLUMNS
    assert all(pd.api.types.is_object_dtype(dtype) for dtype in none.dtypes)


def test_one_scan_gives_each_span_what_its_own_scan_gives(store):
    build_demo(store, agents=40, weeks=6, end=date(2026, 11, 8))
    week = parse_period("2026-W45")  # 2–8 Nov
    spans = (
        month_so_far(week),  # 1–8 Nov: holds the week
        parse_period("2026-W44"),  # 26 Oct – 1 Nov: beside it, across the month's start
    )
    for span in spans:
        praise, star_praise = gather._praise(store, week, span, None)
        alone_week = find_praise(store, week.start, week.end)
        alone_span = find_praise(store, span.start, span.end)
        assert not alone_week.empty and not alone_span.empty
        assert_frame_equal(praise, alone_week)
        assert_frame_equal(star_praise, alone_span)


def test_the_story_of_a_week_without_stars_counts_the_weeks_praise(store):
    # no demo agent has 20 answers in a week; in 1–22 November some have
    build_demo(store, agents=40, weeks=6, end=date(2026, 11, 22))
    week = parse_period("2026-W47")  # 16–22 Nov
    story = gather.read_story(store, week, today=date(2026, 12, 5))
    assert story.stars.span is not None and story.stars.span != week  # the month's stars
    assert story.praise == find_praise(store, week.start, week.end)["response_id"].nunique()
    span = story.stars.span
    assert_frame_equal(story.star_praise, find_praise(store, span.start, span.end))
