"""All-hands page with AppTest: demo store, empty store, known numbers, presentation mode."""

from __future__ import annotations

from tests.ui.conftest import run_app


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [f"{m.label}|{m.value}|{m.delta}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def test_renders_on_the_demo_store_with_banner_and_all_groups(app_db):
    at = run_app()
    assert not at.exception
    assert any("Demo data" in i.value for i in at.info)
    headers = [h.value for h in at.subheader]
    assert "What customers feel" in headers and "How we serve" in headers
    assert "Teams at a glance" in headers
    assert "Beyond service: the rest of the business" in headers  # demo kpi_values
    labels = {m.label for m in at.metric}
    assert {"Net Promoter Score", "Service level (20 s)", "Schedule adherence"} <= labels
    assert {"Sales per FTE", "Learning hours per agent"} <= labels  # learning: computed


def test_renders_on_an_empty_store(empty_db):
    at = run_app()
    assert not at.exception
    assert not at.info  # no demo banner: the demo was cleared
    values = {m.label: m.value for m in at.metric}
    assert values["Net Promoter Score"] == "—"
    assert "No teams in the roster yet" in _texts(at)


def test_shows_the_engine_numbers_for_the_known_fixture(known_db):
    at = run_app({"period": "2026-W45"})
    assert not at.exception
    assert at.session_state["period"] == "2026-W45"
    tiles = {m.label: m for m in at.metric}
    # hand-worked (tests/test_metrics_known.py): NPS 29.41 (n 17), service level 67.31 %,
    # ASA 19.9 s, abandonment 9.26 %
    assert tiles["Net Promoter Score"].value == "+29"
    assert tiles["Service level (20 s)"].value == "67.3 %"
    assert tiles["Avg speed of answer"].value == "20 s"
    assert tiles["Abandonment"].value == "9.3 %"
    captions = "\n".join(c.value for c in at.caption).replace("\xa0", " ")
    assert "n 17" in captions and "n 52" in captions and "target +35" in captions
    # NPS fell from 50 (n 4) but both periods are far below min_n: no claim of change
    assert "too few to test" in tiles["Net Promoter Score"].delta
    badges = "\n".join(m.value for m in at.markdown)
    assert "Too few to judge (n 17 < 30)" in badges


def test_presentation_mode_from_the_query_string(known_db):
    at = run_app({"period": "2026-W45", "present": "true"})
    assert not at.exception
    assert at.session_state["present"] is True
    assert "1 / 5 · What customers feel" in _texts(at)  # no business KPIs in the fixture
    assert [h.value for h in at.subheader] == ["What customers feel"]
    at.button(key="slide-next").click().run()
    assert [h.value for h in at.subheader] == ["How we serve: speed and access"]
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
    week = run_app()  # a week is too short for the demo's agents to reach 20 answers
    assert "pick a month or a quarter" in _texts(week)
