"""A scorecard line as plain data (MetricResult.to_dict): its fields, rounded."""

from __future__ import annotations

from datetime import date

from cxmetrics.demo import build_demo
from cxmetrics.periods import parse_period


def test_a_scorecard_lines_dict_is_its_fields_rounded_and_holds_no_shared_value(store):
    # MetricResult.to_dict copies fields shallowly: right only while every field holds a
    # number, text, flag or None (nothing a caller could change through the dict)
    from dataclasses import asdict

    from cxmetrics.metrics.engine import scorecard

    build_demo(store, agents=10, weeks=2, end=date(2026, 11, 22))
    for line in scorecard(store, parse_period("2026-W47")).metrics:
        expected = asdict(line)
        for key in ("value", "ci_low", "ci_high", "se", "previous", "delta"):
            if expected[key] is not None:
                expected[key] = round(expected[key], 4)
        if expected["p_value"] is not None:
            expected["p_value"] = round(expected["p_value"], 6)
        assert line.to_dict() == expected
        assert all(v is None or isinstance(v, (int, float, str, bool)) for v in expected.values())
