"""Tiles say what a number is: not applicable, provisional, business changes with no test."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _tiles():
    import streamlit as st

    from cxmetrics.ui import components

    base = {
        "group": "service", "n": 0, "ci_low": None, "ci_high": None, "se": None, "min_n": 30,
        "target": None, "amber_tolerance": None, "target_in_interval": None, "previous": None,
        "previous_n": 0, "delta": None, "p_value": None, "significant": None, "change": None,
        "provisional": False, "note": None, "excluded": None,
    }  # fmt: skip
    lines = st.session_state["lines"]
    for line in lines:
        components.metric_tile({**base, **line})
    for kpi in st.session_state["kpis"]:
        components.business_tile(kpi)


def _badges(at) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


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
    assert at.metric[0].value == "—" and not at.metric[0].delta  # never a green 0 %
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
    assert at.metric[0].delta == "provisional"
    assert at.metric[0].proto.color == at.metric[0].proto.GRAY
    captions = " ".join(c.value for c in at.caption).replace("\u00a0", " ")
    assert "within 20 s (phone, chat, others), 24 h (email)" in captions
    assert "2 agent-days left out" in captions


def test_business_change_has_no_arrow_and_says_no_test(empty_db):
    kpi = {
        "id": "quality_score", "label": "Quality score", "unit": "/100", "direction": "higher",
        "value": 88.4, "n": 3, "previous": 80.0, "delta": 8.4, "target": None,
        "status": "none", "change": "no test", "basis": "mean of 3 reported values",
    }  # fmt: skip
    at = _run([], [kpi])
    assert not at.exception
    tile = at.metric[0]
    assert tile.value == "88.4/100"  # not "88.4 score"
    assert tile.delta == "+8.4 · no test"
    # no arrow, no green: "higher is better" must not make an untested rise look real
    assert tile.proto.direction == tile.proto.NONE and tile.proto.color == tile.proto.GRAY
    # what the value rests on (BusinessResult.basis), in words
    assert any("mean of 3 reported values" in c.value.replace("\\", "") for c in at.caption)
