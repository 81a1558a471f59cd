"""All-hands page with AppTest: demo store, empty store, known numbers, presentation mode."""

from __future__ import annotations

from tests.ui.conftest import run_app
from tests.ui.tiles import tiles


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [f"{t.label}|{t.value}|{t.change}" for t in tiles(at)]
    return "\n".join(str(p) for p in parts)


def test_renders_on_the_demo_store_with_banner_and_all_groups(app_db):
    at = run_app()
    assert not at.exception
    assert any("Demo data" in i.value for i in at.info)
    headers = [h.value for h in at.subheader]
    assert "What customers feel" in headers and "How we serve" in headers
    assert "Teams at a glance" in headers
    assert "Beyond service: the rest of the business" in headers  # demo kpi_values
    labels = {t.label for t in tiles(at)}
    assert {"Net Promoter Score", "Service level (20 s)", "Schedule adherence"} <= labels
    assert {"Sales per FTE", "Learning hours per agent"} <= labels  # learning: computed


def _in_page_order(node) -> list:
    """The page's elements as it shows them, top to bottom (blocks opened in order)."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [e for index in sorted(children) for e in _in_page_order(children[index])]


def test_the_demo_banner_stays_above_the_title_written_before_it(app_db):
    # the title is written first (so it reaches the browser first) and the banner into a
    # place kept above it: the page reads as before, banner first
    at = run_app()
    values = [str(getattr(e, "value", "")) for e in _in_page_order(at.main)]
    banner = next(i for i, v in enumerate(values) if v.startswith("**Demo data.**"))
    title = next(i for i, v in enumerate(values) if v.startswith("All-hands scorecard"))
    assert banner < title


def test_an_empty_store_says_there_is_no_data_instead_of_empty_tiles(empty_db):
    at = run_app()
    assert not at.exception
    assert not at.info  # no demo banner: the demo was cleared
    assert not tiles(at)  # no grid of n 0 tiles
    [warning] = at.warning
    assert warning.value.startswith(f"No data for {at.session_state['period']}")


def test_an_empty_period_names_where_the_data_is(known_db):
    at = run_app({"period": "2019-W01"})
    assert not at.exception
    assert not tiles(at)
    [warning] = at.warning
    assert warning.value == "No data for 2019-W01 — data runs from 27 Oct 2026 to 13 Nov 2026."


def test_shows_the_engine_numbers_for_the_known_fixture(known_db):
    at = run_app({"period": "2026-W45"})
    assert not at.exception
    assert at.session_state["period"] == "2026-W45"
    shown = {t.label: t for t in tiles(at)}
    # hand-worked (tests/test_metrics_known.py): NPS 29.41 (n 17), service level 67.31 %,
    # ASA 19.9 s, abandonment 9.26 %
    assert shown["Net Promoter Score"].value == "+29"
    assert shown["Service level (20 s)"].value == "67.3 %"
    assert shown["Avg speed of answer"].value == "20 s"
    assert shown["Abandonment"].value == "9.3 %"
    assert shown["Net Promoter Score"].details[0].startswith("target +35 · n 17 · ± ")
    assert "n 52" in shown["Service level (20 s)"].details[-1]
    # NPS fell from 50 (n 4) but both periods are far below min_n: no claim of change
    assert "too few to test" in shown["Net Promoter Score"].change
    assert "Too few to judge (n 17 < 30)" in shown["Net Promoter Score"].badge


def test_presentation_mode_from_the_query_string(known_db):
    at = run_app({"period": "2026-W45", "present": "true"})
    assert not at.exception
    assert at.session_state["present"] is True
    # headline, customers and service together, trend, why it moved, teams (no stars with
    # 20 answers in the fixture, no business KPIs)
    assert "1 / 5 · The headline" in _texts(at)
    assert [h.value for h in at.subheader] == ["The headline"]
    sentences = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert sentences, "the headline slide says what changed"
    at.button(key="slide-next").click().run()
    assert [h.value for h in at.subheader] == ["What customers feel and how we serve"]
    assert {"Net Promoter Score", "Service level (20 s)"} <= {t.label for t in tiles(at)}
    assert at.query_params["slide"] == "2"
    at.button(key="present-exit").click().run()
    assert at.session_state["present"] is False
    assert "present" not in at.query_params


def test_service_stars_on_the_card_for_a_month(app_db):
    from cxmetrics.periods import last_complete

    month = last_complete("month").label
    at = run_app({"period": month})
    assert not at.exception
    assert "Service stars" in [h.value for h in at.subheader]
    star_names = [m.value for m in at.markdown if m.value.startswith(("**1.", "**2."))]
    assert len(star_names) == 2
    assert any(m.label in ("NPS", "iNPS") for m in at.metric)
    week = run_app()  # a week is too short for the demo's agents to reach 20 answers…
    headers = [h.value for h in week.subheader]
    assert any(h.startswith("Service stars of ") and h.endswith(" so far") for h in headers) or (
        "Service stars of " + month in headers
    )  # …so the month's stars show, never an empty section
    assert "No agent had 20 or more answers" in _texts(week)


def test_the_trend_axis_starts_with_the_data(known_db):
    # the fixture's data runs from 27 Oct 2026 (2026-W44) to 13 Nov 2026: a trend ending in
    # 2026-W45 shows W44 and W45 only, not thirteen weeks reaching back before any data —
    # on the card (static SVG trends, their points and axis labels) and on the trend slide
    import json
    import re

    at = run_app({"period": "2026-W45"})
    assert not at.exception
    drawn = [m.value for m in at.markdown if m.value.startswith("<div>\n<svg")]
    assert len(drawn) == 2, "the card's NPS trend and small trends"
    on_card = {p for svg in drawn for p in re.findall(r"20[0-9]{2}-W[0-9]{2}", svg)}
    assert on_card == {"2026-W44", "2026-W45"}, sorted(on_card)

    slide = run_app({"period": "2026-W45", "present": "true", "slide": "3"})
    charts = [json.loads(c.proto.spec) for c in slide.get("plotly_chart")]
    axis_values = {
        str(x)
        for spec in charts
        for trace in spec["data"]
        if trace.get("type") == "scatter"
        for x in trace.get("x") or []
        if x is not None
    }
    assert axis_values, "no trend chart drawn"
    assert axis_values <= {"2026-W44", "2026-W45"}, sorted(axis_values)


def test_the_card_draws_its_charts_without_a_chart_library(known_db):
    # The card's trends and waterfall are static SVG (the browser loads no 4.6 MB plotly
    # bundle for them); the waterfall, whose labels are team names, is an image.
    at = run_app({"period": "2026-W45"})
    assert not at.exception
    assert not at.get("plotly_chart")
    [waterfall] = at.get("image")
    assert waterfall.proto.imgs[0].url  # the SVG, served as an image


def test_the_deck_downloads_from_the_page_as_a_pptx(known_db):
    # the button is beside the headline; the deck it serves is the period's (read back)
    import io

    from pptx import Presentation

    from cxmetrics.ui import data

    at = run_app({"period": "2026-W45"})
    assert not at.exception
    [button] = [b for b in at.get("download_button") if "deck" in b.proto.label]
    assert button.proto.label == "Download the deck (.pptx)"
    deck = Presentation(io.BytesIO(data.deck_maker("2026-W45")()))
    assert len(deck.slides) >= 5
    first = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "2026-W45" in first
