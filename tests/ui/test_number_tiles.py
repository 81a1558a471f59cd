"""Tiles say what a number is: not applicable, provisional, business changes with no test."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.ui.tiles import tiles


def _tiles():
    import streamlit as st

    from cxmetrics.ui import tiles

    base = {
        "group": "service", "n": 0, "ci_low": None, "ci_high": None, "se": None, "min_n": 30,
        "target": None, "amber_tolerance": None, "target_in_interval": None, "previous": None,
        "previous_n": 0, "delta": None, "p_value": None, "significant": None, "change": None,
        "provisional": False, "note": None, "excluded": None,
    }  # fmt: skip
    lines = st.session_state["lines"]
    for line in lines:
        tiles.metric_tile({**base, **line})
    for kpi in st.session_state["kpis"]:
        tiles.business_tile(kpi)


def _badges(at) -> list[str]:
    return [tile.badge for tile in tiles(at) if tile.badge]


def _run(lines, kpis=()):
    at = AppTest.from_function(_tiles, default_timeout=60)
    at.session_state["lines"] = lines
    at.session_state["kpis"] = list(kpis)
    return at.run()


def test_queue_measure_tile_says_not_applicable(empty_db):
    at = _run(
        [
            {"id": "abandon_rate", "label": "Abandonment", "unit": "%", "direction": "lower",
             "value": None, "status": "not_applicable", "note": "a queue measure"},
        ]
    )  # fmt: skip
    assert not at.exception
    tile = tiles(at)[0]
    assert tile.value == "—" and tile.change is None  # never a green 0 %
    assert _badges(at) == [":gray-badge[:material/block: Not applicable (a queue measure)]"]


def test_provisional_tile_is_not_coloured_and_thresholds_are_named(empty_db):
    at = _run(
        [
            {"id": "repeat_contact", "label": "Repeat contacts (7 days)", "unit": "%",
             "direction": "lower", "value": 50.0, "n": 40, "target": 15.0,
             "status": "provisional", "provisional": True, "delta": 5.0},
            {"id": "service_level", "label": "Service level ({t} s)", "unit": "%",
             "direction": "higher", "value": 50.0, "n": 8, "status": "insufficient",
             "note": "within 20 s (phone, chat, others), 24 h (email)"},
            {"id": "occupancy", "label": "Occupancy", "unit": "%", "direction": "none",
             "value": 49.6, "n": 4, "status": "insufficient", "excluded": 2},
        ]
    )  # fmt: skip
    assert not at.exception
    assert _badges(at)[0] == ":gray-badge[:material/schedule: Provisional: may still change]"
    provisional, service, occupancy = tiles(at)
    assert provisional.change == "provisional"
    assert provisional.colour == "gray" and provisional.arrow is None
    assert "within 20 s (phone, chat, others), 24 h (email)" in service.details[0]
    assert "2 agent-days left out" in occupancy.details[0]


def test_business_change_has_no_arrow_and_says_no_test(empty_db):
    kpi = {
        "id": "quality_score", "label": "Quality score", "unit": "/100", "direction": "higher",
        "value": 88.4, "n": 3, "previous": 80.0, "delta": 8.4, "target": None,
        "status": "none", "change": "no test", "basis": "mean of 3 reported values",
    }  # fmt: skip
    at = _run([], [kpi])
    assert not at.exception
    [tile] = tiles(at)
    assert tile.value == "88.4/100"  # not "88.4 score"
    assert tile.change == "+8.4 · no test"
    # no arrow, no green: "higher is better" must not make an untested rise look real
    assert tile.arrow is None and tile.colour == "gray"
    # what the value rests on (BusinessResult.basis), in words
    assert any("mean of 3 reported values" in d.replace("\\", "") for d in tile.details)


def test_a_real_change_has_an_arrow_and_is_green_only_when_better(empty_db):
    real = {"n": 400, "previous_n": 400, "se": 1.0, "min_n": 30, "status": "none"}
    at = _run(
        [
            {**real, "id": "csat", "label": "CSAT", "unit": "%", "direction": "higher",
             "value": 81.5, "delta": 13.6, "change": "better"},
            {**real, "id": "aht", "label": "AHT", "unit": "s", "direction": "lower",
             "value": 410.0, "delta": 25.0, "change": "worse"},
            {**real, "id": "occupancy", "label": "Occupancy", "unit": "%", "direction": "none",
             "value": 80.0, "delta": -4.0, "change": "down"},
            {**real, "id": "nps", "label": "NPS", "unit": "pts", "direction": "higher",
             "value": 30.0, "delta": 1.2, "change": "no real change"},
        ]
    )  # fmt: skip
    assert not at.exception
    csat, aht, occupancy, nps = tiles(at)
    assert (csat.change, csat.colour, csat.arrow) == ("+13.6 pp · real change", "green", "up")
    assert (aht.colour, aht.arrow) == ("red", "up")  # handle time rose: worse
    assert (occupancy.colour, occupancy.arrow) == ("gray", "down")  # no better direction
    assert (nps.change, nps.colour, nps.arrow) == ("no real change (+1.2 pts)", "gray", None)
