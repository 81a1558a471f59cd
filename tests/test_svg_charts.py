"""The card's static SVG charts, from hand-made trend rows and waterfall steps (no database)."""

from __future__ import annotations

import re

import pandas as pd

from cxmetrics.story.explain import Step
from cxmetrics.ui import svg_charts
from tests.test_charts import PERIODS, trend_rows

HOSTILE = '<img src=x onerror="alert(1)"> & $x$'


def circles(svg: str) -> list[str]:
    """The data points (each says its numbers on hover; the legend's marker does not)."""
    return re.findall(r"<circle [^>]*><title>.*?</title></circle>", svg)


def titles(svg: str) -> list[str]:
    return re.findall(r"<title>(.*?)</title>", svg)


def test_each_point_says_its_value_margin_n_and_target():
    # values +10, (none), +30; interval ± 5 (spread 5), n 100, target +30 (nps, in points)
    rows = trend_rows([10.0, None, 30.0, 20.0, 25.0])
    svg = svg_charts.trend_svg(rows, "Net Promoter Score", "pts")
    said = titles(svg)
    assert said[0] == "2026-W40: +10 ± 5.0 pts · n 100 · target +30"
    assert len(said) == 4  # the period with n 0 is a gap: no point
    assert not any("2026-W41" in t for t in said)


def test_a_gap_breaks_the_line_and_the_band():
    rows = trend_rows([10.0, None, 30.0, 20.0, 25.0])
    svg = svg_charts.trend_svg(rows, "NPS", "pts")
    # W40 alone before the gap: no line and no band polygon, its interval an error bar;
    # W42–W44: one line of three points and one band
    [line] = re.findall(r"<polyline points=\"([^\"]*)\"", svg)
    assert len(line.split()) == 3
    assert len(re.findall(r"<polygon ", svg)) == 1


def test_provisional_points_are_hollow_and_too_few_are_grey():
    rows = trend_rows([10.0, 20.0, 30.0, 20.0, 25.0], n=[10, 100, 100, 100, 100], provisional=(4,))
    svg = svg_charts.trend_svg(rows, "NPS", "pts", min_n=30)
    points = circles(svg)
    assert f'stroke="{svg_charts.SMALL_N}"' in points[0]  # n 10 < 30: grey
    assert "fewer than 30: too few to judge" in titles(svg)[0]
    assert 'fill="none"' in points[4] and "provisional" in titles(svg)[4]
    assert 'fill="none"' not in points[1]


def test_a_higher_value_is_drawn_higher():
    rows = trend_rows([10.0, 20.0, 30.0, 20.0, 25.0])
    svg = svg_charts.trend_svg(rows, "NPS", "pts")
    ys = [float(re.search(r'cy="([0-9.]+)"', c).group(1)) for c in circles(svg)]
    assert ys[2] < ys[4] < ys[1] < ys[0]  # 30 above 25 above 20 above 10 (y grows down)


def test_small_multiples_have_a_panel_each_with_the_first_and_last_period():
    rows = pd.concat(
        [trend_rows([80.0, 81, 82, 83, 84], metric="service_level", target=80.0),
         trend_rows([70.0, 71, 72, 73, 74], metric="fcr", target=75.0)]
    )  # fmt: skip
    metrics = [("service_level", "Service level (20 s)", "%"), ("fcr", "First-contact", "%")]
    svg = svg_charts.small_multiples_svg(rows, metrics, columns=3)
    assert ">Service level (20 s)</text>" in svg and ">First-contact</text>" in svg
    labels = re.findall(r">(2026-W[0-9]{2})</text>", svg)
    assert labels == [PERIODS[0], PERIODS[-1]] * 2
    assert len(circles(svg)) == 10
    assert titles(svg)[0] == "2026-W40: 80.0 % ± 5.0 pp · n 100 · target 80.0 %"


def test_text_from_data_shows_as_itself():
    rows = trend_rows([10.0, 20.0, 30.0, 20.0, 25.0])
    svg = svg_charts.trend_svg(rows, HOSTILE, "pts")
    assert "<img" not in svg and 'onerror="' not in svg
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; $x$" in svg


def test_the_svg_has_no_blank_line():
    # markdown keeps an HTML block only up to a blank line
    rows = trend_rows([10.0, None, 30.0, 20.0, 25.0])
    for svg in (
        svg_charts.trend_svg(rows, "NPS", "pts"),
        svg_charts.small_multiples_svg(rows, [("nps", "NPS", "pts")]),
    ):
        assert "\n\n" not in svg and svg.startswith("<svg ") and svg.endswith("</svg>")


def test_waterfall_bars_go_up_green_and_down_vermillion_with_signed_labels():
    # NPS 34.0 -> 33.4: one team +0.2, another -0.8 (the rate), then the total
    steps = [
        Step("2026-W46", "total", 34.0, 0.0, 34.0),
        Step("Team A", "rate", 0.2, 34.0, 34.2),
        Step(HOSTILE, "rate", -0.8, 34.2, 33.4),
        Step("2026-W47", "total", 33.4, 0.0, 33.4),
    ]
    svg = svg_charts.waterfall_svg(steps, "pts")
    bars = re.findall(
        r'<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" fill="([^"]*)">', svg
    )
    green, vermillion = svg_charts.PALETTE["bluish_green"], svg_charts.PALETTE["vermillion"]
    assert bars == [svg_charts.SERIES, green, vermillion, svg_charts.SERIES]
    assert ">+34</text>" in svg and ">+0.2 pts</text>" in svg and ">-0.8 pts</text>" in svg
    assert "<img" not in svg and "&lt;img src=x" in svg
