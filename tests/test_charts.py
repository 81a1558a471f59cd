"""Chart figures built from hand-made trend rows (no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import pytest

from cxmetrics.ui import charts

PERIODS = ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]


def trend_rows(
    values,
    *,
    metric="nps",
    n=None,
    spread=5.0,
    target=30.0,
    provisional=(),
    periods=PERIODS,
):
    """trend()-shaped rows; a None value gets n == 0 and no interval unless n says otherwise."""
    n = n or [0 if v is None else 100 for v in values]
    targets = target if isinstance(target, list) else [target] * len(values)
    return pd.DataFrame(
        [
            {
                "period": period,
                "start": date(2026, 9, 28) + timedelta(weeks=i),
                "metric": metric,
                "value": value,
                "n": n[i],
                "ci_low": None if value is None else value - spread,
                "ci_high": None if value is None else value + spread,
                "target": targets[i],
                "provisional": i in provisional,
            }
            for i, (period, value) in enumerate(zip(periods, values, strict=True))
        ]
    )


def trace(fig: go.Figure, name: str) -> go.Scatter:
    hits = [t for t in fig.data if t.name == name]
    assert len(hits) == 1, [t.name for t in fig.data]
    return hits[0]


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# ------------------------------------------------------------------------ trend_chart


def test_trend_chart_traces_band_target_and_value():
    fig = charts.trend_chart(trend_rows([20, 25, 31, 28, 35]), "Net Promoter Score", "pts")
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == [charts.BAND_NAME, "Target", "Net Promoter Score"]

    band = trace(fig, charts.BAND_NAME)
    assert band.fill == "toself"
    # one polygon: upper edge left to right, then lower edge right to left
    assert list(band.x) == PERIODS + PERIODS[::-1]
    upper, lower = [25, 30, 36, 33, 40], [30, 23, 26, 20, 15]
    assert list(band.y) == [*upper, *lower]

    target = trace(fig, "Target")
    assert list(target.y) == [30.0] * 5
    assert target.line.dash == "dash"

    value = trace(fig, "Net Promoter Score")
    assert list(value.x) == PERIODS
    assert list(value.y) == [20, 25, 31, 28, 35]
    assert value.connectgaps is False
    assert "+31 ± 5.0 pts" in value.hovertext[2]
    assert "n = 100" in value.hovertext[2]

    assert fig.layout.xaxis.type == "category"
    assert list(fig.layout.xaxis.categoryarray) == PERIODS
    assert fig.layout.title.text == "Net Promoter Score"
    assert fig.layout.xaxis.showgrid is False and fig.layout.yaxis.showgrid is False


def test_trend_chart_keeps_period_order_from_start_dates():
    rows = trend_rows([20, 25, 31, 28, 35]).iloc[::-1]
    fig = charts.trend_chart(rows, "NPS", "pts")
    assert list(trace(fig, "NPS").x) == PERIODS
    assert list(trace(fig, "NPS").y) == [20, 25, 31, 28, 35]


def test_trend_chart_gaps_where_n_is_zero():
    rows = trend_rows([20, 25, 31, 28, 35], n=[100, 0, 100, 100, 100])  # value even if n == 0
    fig = charts.trend_chart(rows, "NPS", "pts")
    assert list(trace(fig, "NPS").y) == [20, None, 31, 28, 35]
    band = trace(fig, charts.BAND_NAME)
    # two runs: W40 alone, W42–W44; the single period becomes an error bar instead
    assert list(band.x) == [
        "2026-W40",
        "2026-W40",
        None,
        "2026-W42",
        "2026-W43",
        "2026-W44",
        "2026-W44",
        "2026-W43",
        "2026-W42",
    ]
    assert list(band.y) == [25, 15, None, 36, 33, 40, 30, 23, 26]
    error = trace(fig, "NPS").error_y
    assert list(error.array) == [5, None, None, None, None]
    assert list(error.arrayminus) == [5, None, None, None, None]


def test_trend_chart_null_values_from_dataframe_nan_are_gaps():
    fig = charts.trend_chart(trend_rows([80.0, None, 82.5, None, 84.0], target=85), "CSAT", "%")
    y = list(trace(fig, "CSAT").y)
    assert y == [80.0, None, 82.5, None, 84.0]
    assert trace(fig, "CSAT").hovertext[1] == ""


def test_trend_chart_target_changes_and_is_omitted_when_absent():
    fig = charts.trend_chart(
        trend_rows([20, 25, 31, 28, 35], target=[None, 30, 30, 35, 35]), "NPS", "pts"
    )
    target = trace(fig, "Target")
    assert list(target.y) == [None, 30, 30, 35, 35]
    assert target.line.shape == "hvh"  # steps between periods

    no_target = charts.trend_chart(
        trend_rows([20, 25, 31, 28, 35], target=None), "AHT", "s", target_label="Goal"
    )
    assert [t.name for t in no_target.data] == [charts.BAND_NAME, "AHT"]


def test_trend_chart_custom_target_label():
    fig = charts.trend_chart(trend_rows([20, 25, 31, 28, 35]), "NPS", "pts", target_label="Goal")
    assert "Goal +30" in trace(fig, "Goal").hovertext[0]


def test_trend_chart_provisional_points_are_hollow_and_noted():
    fig = charts.trend_chart(trend_rows([10, 12, 11, 14, 15], provisional={4}), "Repeat", "%")
    value = trace(fig, "Repeat")
    assert list(value.marker.symbol) == ["circle"] * 4 + ["circle-open"]
    assert "provisional" in value.hovertext[4]
    assert "provisional" not in value.hovertext[3]
    key = trace(fig, charts.PROVISIONAL_NAME)  # legend key, draws nothing
    assert key.marker.symbol == "circle-open"
    assert list(key.y) == [None]


def test_trend_chart_small_n_greyed_when_min_n_given():
    rows = trend_rows([20, 25, 31, 28, 35], n=[100, 12, 100, 100, 100])
    fig = charts.trend_chart(rows, "NPS", "pts", min_n=30)
    colours = list(trace(fig, "NPS").marker.color)
    assert colours[1] == charts.PALETTE["insufficient"]
    assert colours[0] == charts.PALETTE["blue"]
    assert "too few" in trace(fig, "NPS").hovertext[1]
    assert trace(fig, "n < 30").showlegend is True
    # without min_n nothing is greyed and there is no extra key
    plain = charts.trend_chart(rows, "NPS", "pts")
    assert len(plain.data) == 3


@pytest.mark.parametrize(
    ("unit", "values", "spread", "target", "expected"),
    [
        # rates zoom to data + band + target (77..88), padded 10 %: a 3-point move is visible
        ("%", [80, 82, 84, 83, 85], 3, 85, [75.9, 89.1]),
        ("pts", [20, 25, 31, 28, 35], 5, 30, [10, 45]),  # NPS zoomed to data + band
        ("pts", [85, 90, 95, 92, 94], 8, 30, [22.7, 100]),  # ...but never beyond ±100
    ],
)
def test_trend_chart_y_range(unit, values, spread, target, expected):
    fig = charts.trend_chart(trend_rows(values, spread=spread, target=target), "M", unit)
    assert list(fig.layout.yaxis.range) == pytest.approx(expected)


def test_trend_chart_percent_above_100_is_not_clipped():
    fig = charts.trend_chart(
        trend_rows([98, 101, 104, 99, 100], spread=2, target=100), "Conformance", "%"
    )
    low, high = fig.layout.yaxis.range
    assert 90 < low < 96 and high > 106


def test_trend_chart_y_axis_title_names_the_unit():
    for unit, words in [("%", "%"), ("pts", "points"), ("s", "seconds")]:
        fig = charts.trend_chart(trend_rows([20, 25, 31, 28, 35]), "M", unit)
        assert words in fig.layout.yaxis.title.text


def test_large_gives_bigger_fonts():
    rows = trend_rows([20, 25, 31, 28, 35])
    small = charts.trend_chart(rows, "NPS", "pts")
    large = charts.trend_chart(rows, "NPS", "pts", large=True)
    assert large.layout.font.size > small.layout.font.size
    assert large.layout.title.font.size > small.layout.title.font.size
    assert large.layout.xaxis.tickfont.size > small.layout.xaxis.tickfont.size
    assert large.layout.height > small.layout.height
    assert charts.trend_chart(rows, "NPS", "pts", height=250).layout.height == 250


def test_themes_are_transparent_and_dark_has_light_text():
    rows = trend_rows([20, 25, 31, 28, 35])
    light = charts.trend_chart(rows, "NPS", "pts", theme="light")
    dark = charts.trend_chart(rows, "NPS", "pts", theme="dark")
    for fig in (light, dark):
        assert fig.layout.paper_bgcolor == charts.TRANSPARENT
        assert fig.layout.plot_bgcolor == charts.TRANSPARENT
    assert luminance(dark.layout.font.color) > 0.8
    assert luminance(light.layout.font.color) < 0.3
    assert luminance(dark.layout.title.font.color) > 0.8
    with pytest.raises(ValueError, match="theme"):
        charts.trend_chart(rows, "NPS", "pts", theme="sepia")


def test_trend_chart_with_no_data_at_all():
    fig = charts.trend_chart(trend_rows([None] * 5, target=None), "NPS", "pts")
    assert list(trace(fig, "NPS").y) == [None] * 5
    assert list(trace(fig, charts.BAND_NAME).y) == []
    assert list(fig.layout.yaxis.range) == [-100, 100]


# ------------------------------------------------------------------------ sparkline


def test_sparkline_no_axes_no_legend_last_point_emphasised():
    fig = charts.sparkline(trend_rows([20, 25, None, 28, 35]), "pts")
    assert len(fig.data) == 1
    line = fig.data[0]
    assert list(line.y) == [20, 25, None, 28, 35]
    assert line.connectgaps is False
    sizes = list(line.marker.size)
    assert sizes[-1] > 0 and all(s == 0 for s in sizes[:-1])
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.layout.showlegend is False
    assert fig.layout.height == 60
    assert fig.layout.paper_bgcolor == charts.TRANSPARENT


def test_sparkline_emphasises_last_period_with_data():
    fig = charts.sparkline(trend_rows([20, 25, 31, 28, None], provisional={3}), "%")
    sizes = list(fig.data[0].marker.size)
    assert sizes == [0, 0, 0, 10, 0]
    assert fig.data[0].marker.symbol[3] == "circle-open"


def test_sparkline_dark_theme():
    fig = charts.sparkline(trend_rows([20, 25, 31, 28, 35]), "pts", theme="dark", height=80)
    assert fig.layout.height == 80
    assert luminance(fig.layout.font.color) > 0.8


# ------------------------------------------------------------------------ small_multiples


def service_rows():
    return pd.concat(
        [
            trend_rows([80, 82, 78, 85, 81], metric="service_level", target=80, spread=2),
            trend_rows([25, None, 31, 28, 27], metric="asa", target=30, spread=3),
            trend_rows([4, 5, 6, 5, 4], metric="abandon_rate", target=5, spread=1),
            trend_rows([2.1, 2.3, 2.2, 2.4, 2.5], metric="productivity", target=None),
            trend_rows([98, 101, 103, 99, 100], metric="conformance", target=100),
        ]
    )


METRICS = [
    ("service_level", "Service level (20 s)", "%"),
    ("asa", "Avg speed of answer", "s"),
    ("abandon_rate", "Abandonment", "%"),
    ("productivity", "Contacts per logged-in hour", "per hour"),
    ("conformance", "Schedule conformance", "%"),
]


def test_small_multiples_one_panel_per_metric_with_target():
    fig = charts.small_multiples(service_rows(), METRICS, columns=3)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [label for _, label, _ in METRICS]
    # band + target + value per metric, no target for productivity
    assert len(fig.data) == 3 * 5 - 1
    axes = sorted({t.xaxis for t in fig.data})
    assert len(axes) == 5

    asa = [t for t in fig.data if t.xaxis == "x2"]
    assert [t.name for t in asa] == [charts.BAND_NAME, "Target", "Value"]
    assert list(asa[2].y) == [25, None, 31, 28, 27]
    assert list(asa[1].y) == [30] * 5

    productivity = [t for t in fig.data if t.xaxis == "x4"]
    assert [t.name for t in productivity] == [charts.BAND_NAME, "Value"]

    # the legend is shown once, not per panel
    assert sum(1 for t in fig.data if t.showlegend) == 3
    # shared period axis: every panel has the same categories in order
    for axis in ("xaxis", "xaxis2", "xaxis5"):
        assert list(fig.layout[axis].categoryarray) == PERIODS


def test_small_multiples_zooms_each_panel():
    fig = charts.small_multiples(service_rows(), METRICS, columns=3)
    low, high = fig.layout.yaxis3.range  # abandonment 3–7 %: not squashed into 0–100
    assert 0 <= low < 3 and 7 < high < 20
    low, high = fig.layout.yaxis5.range  # conformance above 100 % stays visible
    assert high > 103


def test_small_multiples_large_and_dark():
    small = charts.small_multiples(service_rows(), METRICS)
    large = charts.small_multiples(service_rows(), METRICS, large=True, theme="dark")
    assert large.layout.font.size > small.layout.font.size
    assert large.layout.annotations[0].font.size > small.layout.annotations[0].font.size
    assert large.layout.height > small.layout.height
    assert luminance(large.layout.font.color) > 0.8


def test_small_multiples_missing_metric_is_an_empty_panel():
    fig = charts.small_multiples(service_rows(), [("nps", "Net Promoter Score", "pts")])
    assert [t.name for t in fig.data] == [charts.BAND_NAME, "Value"]
    assert list(fig.data[1].y) == []


# ------------------------------------------------------------------------ palette


def test_palette_and_status_icons():
    statuses = ("green", "amber", "red", "insufficient", "none", "provisional", "not_applicable")
    for status in statuses:
        assert charts.PALETTE[status].startswith("#")
        icon, _, words = charts.STATUS_ICON[status].partition(" ")
        assert icon and words  # never colour alone: a symbol and words
    assert charts.PALETTE["green"] == "#009E73"
    assert charts.PALETTE["red"] == "#D55E00"
    # provisional values and queue measures of one agent are never coloured
    assert charts.PALETTE["provisional"] == charts.PALETTE["not_applicable"] == "#999999"
    assert len(set(charts.STATUS_ICON.values())) == len(statuses)


def test_module_does_not_import_streamlit():
    source = charts.__file__
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    assert "import streamlit" not in text


def test_auto_theme_leaves_text_colour_and_font_to_streamlit():
    fig = charts.trend_chart(trend_rows([20, 25, 31, 28, 35]), "NPS", "pts", theme="auto")
    assert fig.layout.font.color is None and fig.layout.font.family is None
    assert fig.layout.title.font.color is None
    assert fig.layout.xaxis.tickfont.color is None


# ------------------------------------------------------------------------ text from data

HOSTILE = '<a href="http://127.0.0.1:9/x">t</a> $x^2$ <img src=x> & <b>b</b>'


def _no_markup(text: str) -> None:
    assert "<a" not in text and "<img" not in text and "<b>b" not in text, text
    assert "$" not in text, text  # Plotly would hand `$…$` to MathJax


def test_labels_from_data_are_literal_text_in_titles_legends_and_hover():
    fig = charts.trend_chart(
        trend_rows([20, 25, 31, 28, 35]), HOSTILE, "pts", target_label=HOSTILE, min_n=30
    )
    _no_markup(fig.layout.title.text)
    names = [t.name for t in fig.data if t.name]
    for name in names:
        _no_markup(name)
    hovers = [h for t in fig.data if t.hovertext is not None for h in t.hovertext]
    for hover in hovers:
        _no_markup(hover)
    # Entities, which Plotly shows as the characters themselves: nothing is lost.
    escaped = '&lt;a href="http://127.0.0.1:9/x"&gt;t&lt;/a&gt; &#36;x^2&#36; '
    assert fig.layout.title.text.startswith(escaped)
    assert escaped + "&lt;img src=x&gt; &amp; &lt;b&gt;b&lt;/b&gt;" in names
    target = next(t for t in fig.data if t.line.dash == "dash")
    assert target.hovertext[0].startswith(escaped)  # escaped once, not twice
    small = charts.small_multiples(service_rows(), [("asa", HOSTILE, "s")], columns=1)
    for annotation in small.layout.annotations:
        _no_markup(annotation.text)
