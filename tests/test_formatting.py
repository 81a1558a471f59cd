"""Numbers read the same everywhere: one formatter per unit (cxmetrics/formatting.py) for
the pages, the charts and the command line. Expected strings are written out by hand."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cxmetrics import formatting
from cxmetrics.cli import main
from cxmetrics.metrics.registry import UNITS


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (None, "%", "—"),
        (float("nan"), "pts", "—"),
        (pd.NA, "s", "—"),
        (83.24, "%", "83.2 %"),
        (100, "%", "100.0 %"),
        (-0.04, "%", "0.0 %"),
        (31.4, "pts", "+31"),
        (29.411765, "pts", "+29"),  # the known fixture's NPS, 100 × (10 − 5) / 17
        (-12.6, "pts", "-13"),
        (0.3, "pts", "0"),
        (-0.3, "pts", "0"),
        (27.4, "s", "27 s"),
        (599.4, "s", "599 s"),
        (605, "s", "10 min 5 s"),
        (600, "s", "10 min"),
        (3725, "s", "62 min 5 s"),
        (-605, "s", "-10 min 5 s"),
        (2.3149, "per hour", "2.31"),
        (-1.5, "per hour", "-1.50"),
        (1234, "count", "1,234"),
        (0, "count", "0"),
    ],
)
def test_format_value(value, unit, expected):
    assert formatting.format_value(value, unit) == expected
    assert formatting.format_target(value, unit) == expected  # a target reads like its value


@pytest.mark.parametrize(
    ("low", "high", "unit", "expected"),
    [
        (None, None, "pts", ""),
        (10.0, None, "%", ""),
        (float("nan"), 3.0, "%", ""),
        (26.9, 35.1, "pts", "± 4.1 pts"),  # (35.1 − 26.9) / 2 = 4.1
        (-40.0, -20.0, "pts", "± 10.0 pts"),
        (80.9, 85.5, "%", "± 2.3 pp"),  # rates: percentage points
        (25.0, 29.8, "s", "± 2.4 s"),
        (300.0, 340.0, "s", "± 20 s"),  # from 10 s: whole seconds
        (2.1, 2.5, "per hour", "± 0.20"),
        (100.0, 2100.0, "count", "± 1,000"),
    ],
)
def test_format_margin(low, high, unit, expected):
    assert formatting.format_margin(low, high, unit) == expected


@pytest.mark.parametrize(
    ("delta", "unit", "expected"),
    [
        (None, "pts", "—"),
        (3.44, "pts", "+3.4 pts"),  # NPS values are whole points, changes a tenth
        (-20.6, "pts", "-20.6 pts"),
        (2.06, "%", "+2.1 pp"),
        (-0.04, "%", "+0.0 pp"),  # rounds to zero: never "-0.0"
        (7.5, "s", "+7.5 s"),
        (0.123, "per hour", "+0.12"),
        (1204.4, "count", "+1,204"),
        (-3.0, "count", "-3"),
    ],
)
def test_format_delta(delta, unit, expected):
    assert formatting.format_delta(delta, unit) == expected


def test_amounts_counts_and_unit_words():
    assert formatting.format_amount(5.0, "%") == "5 pp"
    assert formatting.format_amount(10.0, "pts") == "10 pts"
    assert formatting.format_amount(3.0, "s") == "3 s"
    assert formatting.format_amount(0.5, "per hour") == "0.5"
    assert formatting.format_count(1234) == "1,234"
    assert formatting.format_count(None) == "—"
    assert formatting.unit_name("pts") == "NPS points, −100 to +100"
    assert formatting.axis_title("s") == "seconds"
    assert formatting.tick_suffix("%") == " %" and formatting.tick_suffix("count") == ""


def test_every_registry_unit_has_its_words():
    for unit in UNITS:
        assert unit in formatting.UNIT_NAMES, unit
        assert unit in formatting.AXIS_TITLES, unit
        assert unit in formatting.CHANGE_SUFFIX, unit


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (4.3512, "per FTE", "4.35 per FTE"),  # below 10: two decimals
        (88.44, "/100", "88.4/100"),  # a unit starting with "/" takes no space
        (1234.56, "", "1,234.6"),
        (None, "hours", "—"),
    ],
)
def test_business_values(value, unit, expected):
    assert formatting.format_business(value, unit) == expected


def test_business_change_is_as_precise_as_its_value():
    assert formatting.format_business_delta(8.4, 88.4) == "+8.4"
    assert formatting.format_business_delta(-0.154, 4.35) == "-0.15"
    assert formatting.format_business_delta(None, 4.35) == "—"


def test_module_imports_neither_streamlit_nor_pandas():
    with open(formatting.__file__, encoding="utf-8") as handle:
        text = handle.read()
    assert "import streamlit" not in text and "import pandas" not in text


def test_the_command_line_writes_numbers_as_the_pages_do(known_store, capsys):
    """One rule everywhere: the CLI used to print NPS as "+29.4" where the page says "+29"."""
    url = known_store.url
    known_store.close()
    assert main(["--db", url, "scorecard", "--period", "2026-W45"]) == 0
    lines = capsys.readouterr().out.splitlines()
    nps = next(line for line in lines if line.startswith("Net Promoter Score"))
    # Hand-worked (tests/test_metrics_known.py): NPS 100 × (10 − 5) / 17 = 29.41 -> "+29";
    # adjusted-Wald interval -13.27 .. 63.27 -> half-width 38.27 -> "± 38.3 pts"; n 17;
    # org target 35 -> "+35"; change from 50 (W44) = -20.59 -> "-20.6 pts", as on the tile.
    assert re.search(r"\s\+29\s+± 38\.3 pts\s+17\s+\+35\s+insufficient\s+-20\.6 pts", nps), nps
    csat = next(line for line in lines if line.startswith("Customer satisfaction"))
    # 10 / 16 = 62.5 %; Wilson 38.64 .. 81.52 -> ± 21.4 pp; n 16; target 85.0 %
    assert re.search(r"\s62\.5 %\s+± 21\.4 pp\s+16\s+85\.0 %", csat), csat
