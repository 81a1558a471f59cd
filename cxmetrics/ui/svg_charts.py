"""Static SVG charts for the all-hands card: the headline trend, the small trends and the
waterfall of why the headline moved, drawn on the server as plain SVG.

The card's charts need no zoom or pan, and a plotly chart costs the browser its 4.6 MB
library and a layout pass per chart; an SVG is a few kilobytes drawn with the page. They
show what the plotly figures of `charts` show (the 95 % band, the dashed target, hollow
markers for provisional periods, grey ones below the minimum n, gaps where n is 0) and
each point says its value, margin, n and target on hover (an SVG `<title>`). Presentation
mode keeps the plotly figures. Text is `currentColor`, so it reads on the light and the
dark theme; every text from data is escaped (`esc`), so it shows as itself.
"""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from cxmetrics.formatting import (
    axis_title,
    format_delta,
    format_margin,
    format_value,
    tick_suffix,
)
from cxmetrics.ui.charts import PALETTE, PROVISIONAL_NOTE, _runs, _Series, _series, _y_range

SERIES = "#1F86C8"  # the "auto" look of `charts`: reads on light and dark backgrounds
MUTED = "#8C8C8C"
BAND = "rgba(153,153,153,0.35)"
SMALL_N = PALETTE["grey"]
IMAGE_TEXT = "#7A7A7A"  # contrast 4.3:1 on white, 4.4:1 on the dark theme (#0E1117)
FONT = (
    "font-family=\"'Source Sans Pro', 'Source Sans 3', 'Segoe UI', Helvetica, Arial, sans-serif\""
)


def esc(text: object) -> str:
    """Text from data (labels, team names, periods) as SVG text that shows as itself."""
    return escape(str(text), quote=True)


def _svg(width: int, height: int, body: list[str], title: str, text: str = "currentColor") -> str:
    """An SVG that scales to its container's width (the viewBox keeps its proportions), on
    one line per element and no blank line (markdown keeps it as one HTML block). `text`:
    the colour of its text; the page's own (currentColor) where the SVG is in the page,
    whose font it takes too (an image has none: it names one)."""
    font = "" if text == "currentColor" else FONT
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{esc(title)}" {font} fill="{text}" '
        f'style="max-width:{width}px;display:block">\n' + "\n".join(body) + "\n</svg>"
    )


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values within [low, high] (about `count` of them)."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * step:
            step *= factor
            break
    first = math.ceil(low / step - 1e-9) * step
    ticks, value = [], first
    while value <= high + 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _tick_text(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.1f}"
    return text + tick_suffix(unit)


def point_text(s: _Series, i: int, unit: str, min_n: int | None) -> str:
    """What a point says on hover: period, value ± margin, n, target, and its flags."""
    parts = [f"{s.periods[i]}: {format_value(s.value[i], unit)}"]
    margin = format_margin(s.low[i], s.high[i], unit)
    if margin:
        parts[0] += f" {margin}"
    parts.append(f"n {s.n[i]:,}")
    if s.target[i] is not None:
        parts.append(f"target {format_value(s.target[i], unit)}")
    if min_n is not None and s.n[i] < min_n:
        parts.append(f"fewer than {min_n:,}: too few to judge")
    if s.provisional[i]:
        parts.append(PROVISIONAL_NOTE)
    return " · ".join(parts)


def _panel(
    s: _Series,
    unit: str,
    box: tuple[float, float, float, float],
    *,
    min_n: int | None,
    every_label: bool,
    zoom: bool,
) -> list[str]:
    """One trend in `box` (x, y, width, height): y ticks on the left, periods below."""
    x0, y0, width, height = box
    left, bottom = x0 + 52, y0 + height - 24
    right, top = x0 + width - 8, y0 + 6
    y_range = _y_range(unit, s, zoom=zoom) or [0.0, 1.0]
    low, high = y_range if y_range[1] > y_range[0] else (y_range[0] - 1, y_range[0] + 1)
    count = len(s.periods)

    def x(i: int) -> float:
        return left + (right - left) * ((i + 0.5) / max(count, 1))

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - low) / (high - low)

    out = [
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{MUTED}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{MUTED}"/>',
    ]
    for tick in _nice_ticks(low, high):
        ty = y(tick)
        out.append(
            f'<line x1="{left - 4}" y1="{ty:.1f}" x2="{left}" y2="{ty:.1f}" stroke="{MUTED}"/>'
        )
        out.append(
            f'<text x="{left - 7}" y="{ty + 4:.1f}" font-size="12" text-anchor="end">'
            f"{esc(_tick_text(tick, unit))}</text>"
        )
    if unit == "pts" and low < 0 < high:  # the sign of an NPS matters: mark zero, faintly
        out.append(
            f'<line x1="{left}" y1="{y(0):.1f}" x2="{right}" y2="{y(0):.1f}" '
            f'stroke="{MUTED}" stroke-width="0.6"/>'
        )
    shown = range(count) if every_label else sorted({0, count - 1} if count else set())
    step = max(1, math.ceil(count / 7)) if every_label else 1
    for i in shown:
        if every_label and (count - 1 - i) % step:
            continue  # every other label (the last always shown)
        # first and last only: they stand at the panel's ends, inside it
        anchor = "middle" if every_label else "start" if i == 0 and count > 1 else "end"
        shift = {"middle": 0, "start": -6, "end": 6}[anchor]
        out.append(
            f'<text x="{x(i) + shift:.1f}" y="{bottom + 17}" font-size="12" '
            f'text-anchor="{anchor}">{esc(s.periods[i])}</text>'
        )
    for run in _runs(s):  # the 95 % band, one polygon per run of periods
        if len(run) > 1:
            points = [(x(i), y(s.high[i])) for i in run] + [(x(i), y(s.low[i])) for i in run[::-1]]
            out.append(f'<polygon points="{_points(points)}" fill="{BAND}" stroke="none"/>')
        else:  # a run of one period: its interval as an error bar
            i = run[0]
            out.append(
                f'<line x1="{x(i):.1f}" y1="{y(s.high[i]):.1f}" x2="{x(i):.1f}" '
                f'y2="{y(s.low[i]):.1f}" stroke="{MUTED}" stroke-width="1.5"/>'
            )
    target = _target_path(s, x, y, step_half=(right - left) / max(count, 1) / 2)
    if target:
        out.append(
            f'<path d="{target}" fill="none" stroke="{MUTED}" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
    for segment in _segments(s.value):
        if len(segment) > 1:
            points = [(x(i), y(s.value[i])) for i in segment]
            out.append(
                f'<polyline points="{_points(points)}" fill="none" stroke="{SERIES}" '
                'stroke-width="2.5"/>'
            )
    for i, v in enumerate(s.value):
        if v is None:
            continue
        colour = SMALL_N if min_n is not None and s.n[i] < min_n else SERIES
        fill = "none" if s.provisional[i] else colour
        out.append(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4.5" fill="{fill}" stroke="{colour}" '
            f'stroke-width="2"><title>{esc(point_text(s, i, unit, min_n))}</title></circle>'
        )
    return out


def _points(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{px:.1f},{py:.1f}" for px, py in points)


def _segments(values: list[float | None]) -> list[list[int]]:
    """Index runs of consecutive periods with a value (a gap breaks the line)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, v in enumerate(values):
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    if current:
        runs.append(current)
    return runs


def _target_path(s: _Series, x, y, step_half: float) -> str:
    """The target as steps: level across each period, changing halfway between two."""
    parts = []
    for segment in _segments(s.target):
        first = segment[0]
        d = f"M{x(first) - step_half:.1f},{y(s.target[first]):.1f}"
        for i in segment:
            d += f" H{x(i) + step_half:.1f}"
            if i + 1 in segment:
                d += f" V{y(s.target[i + 1]):.1f}"
        parts.append(d)
    return " ".join(parts)


def _legend(x0: float, y0: float, entries: list[tuple[str, str]]) -> list[str]:
    """A legend line: (kind, label) with kind band, target or value."""
    out, x = [], x0
    for kind, label in entries:
        if kind == "band":
            out.append(f'<rect x="{x}" y="{y0 - 9}" width="22" height="10" fill="{BAND}"/>')
        elif kind == "target":
            out.append(
                f'<line x1="{x}" y1="{y0 - 4}" x2="{x + 22}" y2="{y0 - 4}" stroke="{MUTED}" '
                'stroke-width="2" stroke-dasharray="6 4"/>'
            )
        else:
            out.append(
                f'<line x1="{x}" y1="{y0 - 4}" x2="{x + 22}" y2="{y0 - 4}" stroke="{SERIES}" '
                f'stroke-width="2.5"/><circle cx="{x + 11}" cy="{y0 - 4}" r="4" fill="{SERIES}"/>'
            )
        out.append(f'<text x="{x + 28}" y="{y0}" font-size="13">{esc(label)}</text>')
        x += 40 + 7 * len(label)
    return out


def trend_svg(rows: pd.DataFrame, metric_label: str, unit: str, *, min_n: int | None = None) -> str:
    """The headline metric's trend (as `charts.trend_chart`): title, legend, the 95 % band,
    the dashed target, the value line with its points, the NPS axis from its data."""
    s = _series(rows)
    width, height = 540, 380  # about the card column's width: text at its own size
    body = [f'<text x="4" y="20" font-size="18" font-weight="600">{esc(metric_label)}</text>']
    legend = [("band", "95 % interval")] if _runs(s) else []
    if any(t is not None for t in s.target):
        legend.append(("target", "Target"))
    legend.append(("value", metric_label))
    body += _legend(4, 48, legend)
    body.append(
        f'<text x="12" y="220" font-size="12" transform="rotate(-90 12 220)" '
        f'text-anchor="middle" fill="{MUTED}">{esc(axis_title(unit))}</text>'
    )
    body += _panel(s, unit, (14, 62, width - 14, height - 66), min_n=min_n, every_label=True,
                   zoom=unit == "%")  # fmt: skip
    return _svg(width, height, body, f"{metric_label}: trend")


def small_multiples_svg(
    rows: pd.DataFrame, metrics: list[tuple[str, str, str]], *, columns: int = 3
) -> str:
    """Compact trends side by side (as `charts.small_multiples`): one panel per
    `(metric_id, label, unit)`, each zoomed to its data, with its band and target, the
    first and last period below, and one legend above."""
    columns = max(1, min(columns, len(metrics) or 1))
    grid_rows = math.ceil(len(metrics) / columns) if metrics else 1
    panel_w, panel_h, head = 300, 200, 34
    width, height = panel_w * columns, head + panel_h * grid_rows
    body = _legend(4, 18, [("value", "Value"), ("band", "95 % interval"), ("target", "Target")])
    for index, (metric_id, label, unit) in enumerate(metrics):
        col, row = index % columns, index // columns
        x0, y0 = col * panel_w, head + row * panel_h
        subset = rows[rows["metric"] == metric_id] if "metric" in rows.columns else rows[:0]
        body.append(
            f'<text x="{x0 + 52 + (panel_w - 60) / 2:.0f}" y="{y0 + 14}" font-size="14" '
            f'text-anchor="middle">{esc(label)}</text>'
        )
        body += _panel(_series(subset), unit, (x0, y0 + 22, panel_w, panel_h - 24),
                       min_n=None, every_label=False, zoom=True)  # fmt: skip
    titles = ", ".join(label for _, label, _ in metrics)
    return _svg(width, height, body, f"Trends: {titles}")


def waterfall_svg(steps: list, unit: str, *, height: int = 340) -> str:
    """Why a metric moved, as `charts.waterfall_chart` draws it: the previous value, each
    part's effect (green up, vermillion down, signed), this period's value; the labels
    slanted below (team names, escaped)."""
    width = 760
    left, right, top, bottom = 56, width - 10, 22, height - 96
    lows = [min(s.start, s.end) for s in steps] + [0.0]
    highs = [max(s.start, s.end) for s in steps] + [0.0]
    pad = (max(highs) - min(lows)) * 0.15 or 1.0
    low, high = min(lows) - (pad if min(lows) < 0 else 0), max(highs) + pad
    slot = (right - left) / max(len(steps), 1)

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - low) / (high - low)

    body = [
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{MUTED}"/>',
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{right}" y2="{y(0):.1f}" stroke="{MUTED}"/>',
        f'<text x="12" y="{(top + bottom) / 2:.0f}" font-size="12" text-anchor="middle" '
        f'fill="{MUTED}" transform="rotate(-90 12 {(top + bottom) / 2:.0f})">'
        f"{esc(axis_title(unit))}</text>",
    ]
    for tick in _nice_ticks(low, high):
        body.append(
            f'<text x="{left - 7}" y="{y(tick) + 4:.1f}" font-size="12" text-anchor="end">'
            f"{esc(_tick_text(tick, unit))}</text>"
        )
    for i, step in enumerate(steps):
        x = left + slot * i + slot * 0.15
        bar = slot * 0.7
        if step.kind == "total":
            colour, text = SERIES, format_value(step.amount, unit)
        else:
            up = step.amount >= 0
            colour = PALETTE["bluish_green"] if up else PALETTE["vermillion"]
            text = format_delta(step.amount, unit)
        y_top, y_bottom = y(max(step.start, step.end)), y(min(step.start, step.end))
        body.append(
            f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{bar:.1f}" '
            f'height="{max(y_bottom - y_top, 1.5):.1f}" fill="{colour}">'
            f"<title>{esc(step.label)}: {esc(text)}</title></rect>"
        )
        if i + 1 < len(steps):  # connector to the next bar
            body.append(
                f'<line x1="{x + bar:.1f}" y1="{y(step.end):.1f}" x2="{x + slot:.1f}" '
                f'y2="{y(step.end):.1f}" stroke="{MUTED}" stroke-width="1"/>'
            )
        below = step.kind != "total" and step.amount < 0
        label_y = y_bottom + 15 if below else y_top - 5
        body.append(
            f'<text x="{x + bar / 2:.1f}" y="{label_y:.1f}" font-size="12" '
            f'text-anchor="middle">{esc(text)}</text>'
        )
        lx, ly = x + bar / 2, bottom + 14
        body.append(
            f'<text x="{lx:.1f}" y="{ly}" font-size="12" text-anchor="end" '
            f'transform="rotate(-30 {lx:.1f} {ly})">{esc(step.label)}</text>'
        )
    # Shown as an image (its labels are team names): no theme colour reaches it, so its
    # text is a grey that reads on the light and the dark background.
    return _svg(width, height, body, "Why it moved", text=IMAGE_TEXT)
