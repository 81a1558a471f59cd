"""The deck's native, editable PowerPoint charts: a trend with its 95 % band and target, and
the why-it-moved waterfall. Their data live in the chart's own workbook, so a presenter
can restyle or edit them in PowerPoint; nothing is a picture.

python-pptx makes one chart type per chart: the trend's band is moved from its line chart
into a stacked area chart on the same axes (the lower bound invisible, the width shaded),
and the waterfall is a stacked column chart whose invisible base lifts each bar.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
)
from pptx.enum.dml import MSO_LINE
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Pt

from cxmetrics.story.explain import Step

INK = RGBColor(0x1F, 0x29, 0x37)
MUTED = RGBColor(0x5B, 0x64, 0x70)
GRID = RGBColor(0xD9, 0xDD, 0xE3)
VALUE_LINE = RGBColor(0x0B, 0x5C, 0xAD)
BAND_FILL = RGBColor(0xC9, 0xDD, 0xF2)
TARGET_LINE = RGBColor(0x8A, 0x53, 0x00)
STEP_FILL = {
    "total": RGBColor(0x0B, 0x5C, 0xAD),
    "up": RGBColor(0x1E, 0x7B, 0x34),
    "down": RGBColor(0xA4, 0x16, 0x1A),
    "mix": RGBColor(0x6B, 0x4F, 0xA0),
}
FONT = "Arial"
BAND_LOW, BAND_WIDTH = "95 % interval, low end", "95 % interval"
# Number formats for the chart's axis and workbook, by metric unit.
NUMBER_FORMAT = {"pts": '+0;"−"0;0', "%": '0" %"', "s": '0" s"', "count": "#,##0"}


def _style_text(chart, size: int) -> None:
    chart.font.name = FONT
    chart.font.size = Pt(size)
    chart.font.color.rgb = INK


def _style_axes(chart, unit: str, size: int) -> None:
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = GRID
    value_axis.format.line.fill.background()
    value_axis.tick_labels.number_format = NUMBER_FORMAT.get(unit, "0.0")
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.tick_labels.font.size = Pt(size)
    value_axis.tick_labels.font.color.rgb = MUTED
    category_axis = chart.category_axis
    category_axis.tick_labels.font.size = Pt(size)
    category_axis.tick_labels.font.color.rgb = MUTED
    category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # below negative values
    category_axis.format.line.color.rgb = GRID


def _element(tag: str, val: str | None = None):
    """A chart XML element, with its `val` attribute when given."""
    element = OxmlElement(tag)
    if val is not None:
        element.set("val", val)
    return element


def _band_to_area(chart) -> None:
    """Move the first two series of the chart's line plot (band low end and width) into a
    stacked area plot drawn on the same axes, underneath the lines."""
    plot_area = chart._chartSpace.chart.plotArea
    line_chart = plot_area.find(qn("c:lineChart"))
    area = _element("c:areaChart")
    area.append(_element("c:grouping", "stacked"))
    area.append(_element("c:varyColors", "0"))
    for ser in line_chart.findall(qn("c:ser"))[:2]:
        for child in ser.findall(qn("c:marker")) + ser.findall(qn("c:smooth")):
            ser.remove(child)
        area.append(ser)  # moves it
    for axis_id in line_chart.findall(qn("c:axId")):
        area.append(copy.deepcopy(axis_id))
    line_chart.addprevious(area)  # drawn first, under the lines


def trend_chart(
    slide,
    box: tuple,
    *,
    title: str,
    unit: str,
    periods: Sequence[str],
    values: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    targets: Sequence[float | None],
    font_size: int = 12,
):
    """A line chart of `values` over `periods`, the 95 % interval shaded behind it and the
    target dashed. Returns the chart; its series are named `title`, "Target" and the band's."""
    widths = [
        None if low is None or high is None else high - low
        for low, high in zip(lows, highs, strict=True)
    ]
    data = CategoryChartData(number_format=NUMBER_FORMAT.get(unit, "0.0"))
    data.categories = list(periods)
    data.add_series(
        BAND_LOW, [None if w is None else low for low, w in zip(lows, widths, strict=True)]
    )
    data.add_series(BAND_WIDTH, widths)
    data.add_series(title, list(values))
    has_target = any(t is not None for t in targets)
    if has_target:
        data.add_series("Target", list(targets))
    chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, *box, data).chart
    _band_to_area(chart)
    _style_text(chart, font_size)
    _style_axes(chart, unit, font_size)
    chart.has_title = True
    chart.chart_title.text_frame.text = title
    title_font = chart.chart_title.text_frame.paragraphs[0].runs[0].font
    title_font.size, title_font.bold, title_font.name = Pt(font_size + 4), True, FONT
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(font_size)
    area_plot, line_plot = chart.plots
    low, width = area_plot.series
    low.format.fill.background()
    low.format.line.fill.background()
    width.format.fill.solid()
    width.format.fill.fore_color.rgb = BAND_FILL
    width.format.line.fill.background()
    # the low end has no legend entry: the shaded width is "95 % interval"
    entry = _element("c:legendEntry")
    entry.append(_element("c:idx", "0"))
    entry.append(_element("c:delete", "1"))
    chart.legend._element.find(qn("c:legendPos")).addnext(entry)
    value_series = line_plot.series[0]
    value_series.smooth = False
    value_series.format.line.color.rgb = VALUE_LINE
    value_series.format.line.width = Pt(3)
    value_series.marker.format.fill.solid()
    value_series.marker.format.fill.fore_color.rgb = VALUE_LINE
    value_series.marker.format.line.color.rgb = VALUE_LINE
    value_series.marker.style = XL_MARKER_STYLE.CIRCLE
    value_series.marker.size = 7
    if has_target:
        target = line_plot.series[1]
        target.smooth = False
        target.format.line.color.rgb = TARGET_LINE
        target.format.line.width = Pt(2)
        target.format.line.dash_style = MSO_LINE.DASH
        target.marker.style = XL_MARKER_STYLE.NONE
    return chart


def _bar(step: Step) -> tuple[float, float, float]:
    """(invisible base, part above zero, part below zero) of a waterfall bar from
    `step.start` to `step.end`: stacked columns stack positive values up from zero and
    negative ones down, so a bar that crosses zero is drawn as one part on each side."""
    low, high = sorted((step.start, step.end))
    if low >= 0:
        return low, high - low, 0.0
    if high <= 0:
        return high, 0.0, low - high
    return 0.0, high, low


def step_colour(step: Step) -> str:
    """total, mix, up or down: what colour a waterfall bar is."""
    if step.kind in ("total", "mix"):
        return step.kind
    return "up" if step.amount >= 0 else "down"


def waterfall_chart(
    slide, box: tuple, steps: Sequence[Step], *, unit: str, labels: Sequence[str], font_size=12
):
    """A waterfall of `steps` as a stacked column chart (categories `labels`): totals in
    blue from zero, rises green, falls red, the mix purple, each floating where the
    running total stood. Returns the chart."""
    bars = [_bar(step) for step in steps]
    data = CategoryChartData(number_format=NUMBER_FORMAT.get(unit, "0.0"))
    data.categories = list(labels)
    data.add_series("Base", [b[0] for b in bars])
    data.add_series("Bar above zero", [b[1] for b in bars])
    data.add_series("Bar below zero", [b[2] for b in bars])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_STACKED, *box, data).chart
    _style_text(chart, font_size)
    _style_axes(chart, unit, font_size)
    chart.has_legend = False
    chart.plots[0].gap_width = 40
    base, above, below = chart.plots[0].series
    base.format.fill.background()
    base.format.line.fill.background()
    for series in (above, below):
        for i, step in enumerate(steps):
            fill = series.points[i].format.fill
            fill.solid()
            fill.fore_color.rgb = STEP_FILL[step_colour(step)]
    return chart
