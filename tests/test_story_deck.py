"""The deck, read back with python-pptx: 16:9, at least five slides, native charts whose
last points are the scorecard's values, speaker notes on every slide, "Demo data" on
every slide while demo rows remain, user text without control characters.

Values of tests/fixtures/known_answer.py (worked by hand in test_metrics_known.py):
W45 NPS 100·(10 − 5)/17 = 29.4118 (W44: 100·(3 − 1)/4 = 50), adjusted-Wald interval
-13.2695 .. 63.2695 (margin 38.2695); service level 35/52 = 67.3077 % (W44 40/40 = 100 %).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from cxmetrics.periods import parse_period
from cxmetrics.story.deck import write_deck
from cxmetrics.story.deck_charts import BAND_LOW, BAND_WIDTH
from cxmetrics.story.deck_parts import DEMO_LABEL

W45 = parse_period("2026-W45")
TODAY = date(2026, 11, 13)
approx = pytest.approx


def _texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [cell.text for row in shape.table.rows for cell in row.cells]
    return out


def _charts(prs):
    return [shape.chart for slide in prs.slides for shape in slide.shapes if shape.has_chart]


def _series(chart, name):
    for plot in chart.plots:
        for series in plot.series:
            if series.name == name:
                return list(series.values)
    raise AssertionError(f"no series {name!r} in {[s.name for p in chart.plots for s in p.series]}")


@pytest.fixture
def known_deck(known_store, tmp_path):
    out = tmp_path / "w45.pptx"
    count = write_deck(known_store, W45, out, today=TODAY)
    return count, Presentation(out)


def test_deck_is_16_9_with_at_least_five_slides_and_notes_on_each(known_deck):
    count, prs = known_deck
    assert prs.slide_width * 9 == prs.slide_height * 16
    # headline, customers and service, trends, why it moved, teams; no stars (fewer than 20
    # answers for anyone) and no business KPIs in the fixture: those two are left out
    assert count == len(prs.slides) == 5
    titles = [_texts(slide)[0] for slide in prs.slides]
    assert titles == [
        "All-hands · 2026-W45: the headline",
        "Customers and service",
        "Trends: 2026-W44 to 2026-W45",
        "Why Net Promoter Score moved",
        "Teams at a glance",
    ]
    for slide in prs.slides:
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text.strip()
        assert DEMO_LABEL not in _texts(slide)  # no demo rows in the fixture


def test_charts_are_native_and_end_on_the_scorecards_values(known_deck):
    _, prs = known_deck
    pictures = [
        s for slide in prs.slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]
    assert pictures == []
    nps, service_level, steps = _charts(prs)
    assert _series(nps, "Net Promoter Score")[-1] == approx(29.411765, abs=1e-6)
    assert _series(nps, "Net Promoter Score")[0] == approx(50.0)
    # the band: low end and width stacked -> -13.2695 .. 63.2695
    low, width = _series(nps, BAND_LOW)[-1], _series(nps, BAND_WIDTH)[-1]
    assert low == approx(-13.2695, abs=1e-3) and low + width == approx(63.2695, abs=1e-3)
    assert _series(nps, "Target")[-1] == approx(35.0)  # the org's target row from 10-01
    assert _series(service_level, "Service level (20 s)")[-1] == approx(67.307692, abs=1e-6)
    # the waterfall: W44 +50, Customer Care -26.47, Billing +2.94, no team +2.94, mix 0,
    # W45 +29.41; a bar's parts (base + above + below zero) add up to where it ends
    names = ("Base", "Bar above zero", "Bar below zero")
    ends = [sum(parts) for parts in zip(*(_series(steps, n) for n in names), strict=True)]
    assert ends[0] == approx(50.0) and ends[-1] == approx(29.411765, abs=1e-6)
    categories = list(steps.plots[0].categories)
    assert categories[0] == "W44\n+50" and categories[-1] == "W45\n+29"
    assert categories[1] == "Customer Care\n-26.5 pts"


def test_notes_say_the_number_with_n_margin_and_whether_it_is_real(known_deck):
    _, prs = known_deck
    notes = prs.slides[1].notes_slide.notes_text_frame.text
    assert (
        "Net Promoter Score is +29 in 2026-W45 from 17 answers, give or take 38.3 points "
        "(95 % margin). Too few answers to judge it against a target (it needs 30). Compared "
        "with 2026-W44 (+50 from 4 answers) it fell 20.6 points; too few answers to test "
        "whether that is real (a test needs 30 in both periods)." in notes
    )
    # service level: pooled z = -4.007 (test_story_headline.py) -> p < 0.001, real
    assert (
        "Service level (20 s) is 67.3 % in 2026-W45 from 52 contacts, give or take 12.4 "
        "points (95 % margin). Target 80.0 %: off target. Compared with 2026-W44 (100.0 % "
        "from 40 contacts) it fell 32.7 points: a real change (p < 0.001)." in notes
    )
    headline = prs.slides[0].notes_slide.notes_text_frame.text
    assert "Service level (20 s) fell 32.7 points to 67.3 % — a real change." in headline


def test_demo_data_is_labelled_on_every_slide(store, tmp_path):
    from cxmetrics.demo import build_demo

    build_demo(store, agents=20, weeks=4, end=date(2026, 11, 22))
    out = tmp_path / "demo.pptx"
    write_deck(store, parse_period("2026-W47"), out, today=date(2026, 11, 25))
    prs = Presentation(out)
    assert len(prs.slides) >= 5
    for slide in prs.slides:
        assert DEMO_LABEL in _texts(slide)
        assert slide.notes_slide.notes_text_frame.text.startswith("Demo data")
    # the trend's last point is the week's scorecard value
    from cxmetrics.metrics.engine import scorecard

    card = scorecard(store, parse_period("2026-W47")).by_id()
    nps = _charts(prs)[0]
    assert _series(nps, "Net Promoter Score")[-1] == approx(card["nps"].value)


def test_a_teams_deck_splits_by_agent_and_sits_beside_the_org(known_store, tmp_path):
    out = tmp_path / "t2.pptx"
    write_deck(known_store, W45, out, team="T2", today=TODAY)
    prs = Presentation(out)
    assert _texts(prs.slides[0])[0] == "Billing · 2026-W45: the headline"
    glance = prs.slides[4]
    assert _texts(glance)[0] == "Beside the organisation"
    cells = _texts(glance)
    assert "Billing" in cells and "Whole organisation" in cells
    why = prs.slides[3].notes_slide.notes_text_frame.text
    # T2's NPS has no W44 answers: nothing to split, and the slide says so
    assert "No 2026-W44 value to compare with." in why
    assert any("Nothing to split" in text for text in _texts(prs.slides[3]))


def test_control_characters_in_names_never_reach_the_file(known_store, tmp_path):
    from tests.fixtures.known_answer import insert_rows

    hostile = "Evil\x1b[31m\u202e Team\x07"
    insert_rows(
        known_store,
        {"teams": (["team_id", "name", "supervisor", "function"], [("TZ", hostile, None, None)])},
    )
    out = tmp_path / "hostile.pptx"
    write_deck(known_store, W45, out, today=TODAY)
    prs = Presentation(out)
    cells = _texts(prs.slides[4])
    assert "Evil[31m Team" in cells
    assert not any(ch in "".join(cells) for ch in "\x1b\u202e\x07")


def test_an_empty_period_is_refused_saying_where_the_data_is(known_store, tmp_path):
    with pytest.raises(ValueError, match=r"^No data for 2019-W01 — data runs from 27 Oct 2026 "
                       r"to 13 Nov 2026: choose a period inside it for the deck$"):  # fmt: skip
        write_deck(known_store, parse_period("2019-W01"), tmp_path / "x.pptx", today=TODAY)
    assert not (tmp_path / "x.pptx").exists()


def test_tiles_write_changes_and_margins_as_the_pages_do(known_deck):
    # one number format (cxmetrics/formatting.py): a rate's change and margin in percentage
    # points ("pp"), NPS in points ("pts"); the deck once wrote "pts" for every unit
    _, prs = known_deck
    texts = " | ".join(t for slide in prs.slides for t in _texts(slide))
    assert re.search(r"± \d+\.\d pp", texts), "no rate margin in pp"
    assert re.search(r"[+-]\d+\.\d pp", texts), "no rate change in pp"
    assert not re.search(r"%[^|]*?[+-]\d+\.\d pts · (no real|real|too few)", texts)
