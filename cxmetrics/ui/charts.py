"""Plotly figures for the scorecard: trend, sparkline and small multiples.

Plain functions that return `plotly.graph_objects.Figure`, with no Streamlit import, so the
same figures serve the app and exports (PNG, PPTX). Built for a projector: large type on
request (`large=True`), little chrome, no gridlines, the Okabe–Ito colour-blind-safe palette,
and meaning never carried by colour alone (hollow markers for provisional periods, dashed
target lines, words beside status colours). Backgrounds are transparent; `theme` picks a
text colour readable on Streamlit's light or dark theme.

Input rows are `cxmetrics.metrics.engine.trend()` rows: period, start, metric, value, n,
ci_low, ci_high, target, provisional. A period with n == 0 is a gap, never a zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxmetrics.formatting import (
    axis_title,
    format_delta,
    format_margin,
    format_value,
    is_missing,
    tick_suffix,
)

PALETTE: dict[str, str] = {
    # Okabe & Ito (2008), safe for the common colour-vision deficiencies.
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
    # Status colours (always shown together with STATUS_ICON, never alone).
    "green": "#009E73",
    "amber": "#E69F00",
    "red": "#D55E00",
    "insufficient": "#999999",
    "none": "#999999",
    "provisional": "#999999",
    "not_applicable": "#999999",
}

STATUS_ICON: dict[str, str] = {
    "green": "✔ on target",
    "amber": "▲ near target",
    "red": "✖ off target",
    "insufficient": "… too few to judge",
    "none": "– no target",
    "provisional": "◷ provisional: may still change",
    "not_applicable": "– not applicable",
}

FONT_FAMILY = '"Source Sans Pro", "Source Sans 3", "Segoe UI", Helvetica, Arial, sans-serif'
TRANSPARENT = "rgba(0,0,0,0)"
BAND_NAME = "95 % interval"
PROVISIONAL_NAME = "Provisional"
PROVISIONAL_NOTE = "provisional: may still change"


@dataclass(frozen=True)
class _Look:
    """Colours and sizes for one theme × size combination."""

    text: str | None  # None: left to Streamlit's theme ("auto")
    muted: str  # axis lines, target line
    series: str
    band: str
    small_n: str
    font: int
    title: int
    tick: int
    line: float
    marker: int


def _look(theme: str, large: bool) -> _Look:
    """Colours and sizes. "auto" leaves text colour and font to Streamlit's theme (shown with
    `theme="streamlit"`), so a figure reads right in light and dark without knowing which."""
    if theme not in ("light", "dark", "auto"):
        raise ValueError(f"unknown theme `{theme}`: use light, dark or auto")
    dark = theme == "dark"
    text = {"light": "#31333F", "dark": "#FAFAFA", "auto": None}[theme]  # Streamlit's own
    return _Look(
        text=text,
        muted={"light": "#767676", "dark": "#BBBBBB", "auto": "#8C8C8C"}[theme],
        # Okabe–Ito blue is too dark on a dark background; its sky blue keeps the contrast,
        # and "auto" takes a blue between the two that reads on both.
        series={"light": PALETTE["blue"], "dark": PALETTE["sky_blue"], "auto": "#1F86C8"}[theme],
        band="rgba(153,153,153,0.35)" if dark or theme == "auto" else "rgba(153,153,153,0.25)",
        small_n=PALETTE["grey"],
        font=22 if large else 14,
        title=34 if large else 20,
        tick=20 if large else 13,
        line=5 if large else 3,
        marker=15 if large else 9,
    )


# ---------------------------------------------------------------------------- text


def chart_text(value: object) -> str:
    """Text from data as Plotly shows it literally: Plotly reads a subset of HTML in every
    title, legend, tick and hover text (`<a href>`, `<b>`, `<span style>`) and LaTeX between
    `$…$`, so `&`, `<`, `>` and `$` become entities, which it shows as the characters."""
    return escape(str(value), quote=False).replace("$", "&#36;")


# ---------------------------------------------------------------------------- data prep


@dataclass
class _Series:
    """One metric's trend as plain lists, gaps as None."""

    periods: list[str]
    value: list[float | None]
    low: list[float | None]
    high: list[float | None]
    target: list[float | None]
    n: list[int]
    provisional: list[bool]


def _num(value: object) -> float | None:
    return None if is_missing(value) else float(value)


def _series(rows: pd.DataFrame) -> _Series:
    """Trend rows (one metric) → lists, oldest first; n == 0 blanks value and interval."""
    frame = rows.reset_index(drop=True)
    if "start" in frame.columns and frame["start"].notna().all():
        frame = frame.sort_values("start", kind="stable")
    count = len(frame)

    def col(name: str) -> list:
        return list(frame[name]) if name in frame.columns else [None] * count

    ns = [0 if is_missing(n) else int(n) for n in col("n")]
    keep = [n > 0 for n in ns]
    return _Series(
        periods=[str(p) for p in col("period")],
        value=[_num(v) if k else None for v, k in zip(col("value"), keep, strict=True)],
        low=[_num(v) if k else None for v, k in zip(col("ci_low"), keep, strict=True)],
        high=[_num(v) if k else None for v, k in zip(col("ci_high"), keep, strict=True)],
        target=[_num(v) for v in col("target")],
        n=ns,
        provisional=[not is_missing(p) and bool(p) for p in col("provisional")],
    )


def _runs(s: _Series) -> list[list[int]]:
    """Index runs of consecutive periods that have both interval ends."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, (low, high) in enumerate(zip(s.low, s.high, strict=True)):
        if low is not None and high is not None:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _y_range(unit: str, s: _Series, *, zoom: bool = False) -> list[float] | None:
    """Y range covering values, interval and target.

    Default: NPS zoomed within ±100, other units from zero; rates are always drawn zoomed
    (a flat 0–100 axis hides a 3-point move on a projector). `zoom=True` fits every unit
    to its data, still never crossing 0, 100 % or ±100 points when the data does not.
    """
    seen = [v for v in (*s.value, *s.low, *s.high, *s.target) if v is not None]
    if not seen:
        return [0, 100] if unit == "%" else [-100, 100] if unit == "pts" else None
    lo, hi = min(seen), max(seen)
    span = hi - lo
    floor = {"%": 1.0, "pts": 2.0}.get(unit, 0.05 * max(abs(lo), abs(hi)) or 1.0)
    if unit == "pts":
        pad = max(floor if zoom else 5.0, 0.1 * span)
        return [max(-100.0, lo - pad), min(100.0, hi + pad)]
    if zoom:
        pad = max(floor, 0.1 * span)
        low, high = lo - pad, hi + pad
        if lo >= 0:
            low = max(0.0, low)
        if unit == "%" and hi <= 100:
            high = min(100.0, high)
        return [low, high]
    if unit == "%":
        pad = max(2.0, 0.05 * span)
        return [0 if lo >= 0 else lo - pad, 100 if hi <= 100 else hi + pad]
    pad = 0.1 * max(span, abs(hi), abs(lo)) or 1.0
    return [0 if lo >= 0 else lo - pad, hi + pad]


def _hover(s: _Series, unit: str, min_n: int | None) -> list[str]:
    texts = []
    for i, period in enumerate(s.periods):
        value = s.value[i]
        if value is None:
            texts.append("")
            continue
        margin = format_margin(s.low[i], s.high[i], unit)
        lines = [
            f"<b>{chart_text(period)}</b>",
            f"{format_value(value, unit)} {margin}".strip(),
            f"n = {s.n[i]:,}",
        ]
        if s.target[i] is not None:
            lines.append(f"target {format_value(s.target[i], unit)}")
        if min_n is not None and s.n[i] < min_n:
            lines.append(f"<i>fewer than {min_n:,}: too few to judge</i>")
        if s.provisional[i]:
            lines.append(f"<i>{PROVISIONAL_NOTE}</i>")
        texts.append("<br>".join(lines))
    return texts


# ---------------------------------------------------------------------------- traces


def _band_trace(s: _Series, look: _Look, *, showlegend: bool) -> go.Scatter:
    """The 95 % interval as one filled polygon per run of periods (None between runs)."""
    xs: list[str | None] = []
    ys: list[float | None] = []
    for run in _runs(s):
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [s.periods[i] for i in run] + [s.periods[i] for i in reversed(run)]
        ys += [s.high[i] for i in run] + [s.low[i] for i in reversed(run)]
    return go.Scatter(
        x=xs,
        y=ys,
        name=BAND_NAME,
        mode="lines",
        fill="toself",
        fillcolor=look.band,
        line={"width": 0, "color": look.band},
        hoverinfo="skip",
        showlegend=showlegend,
        legendgroup="band",
    )


def _target_trace(s: _Series, unit: str, look: _Look, name: str, *, showlegend: bool):
    """Dashed target line, stepping between periods where the target changes (`name` is
    chart text already)."""
    return go.Scatter(
        x=s.periods,
        y=s.target,
        name=name,
        mode="lines",
        line={"color": look.muted, "dash": "dash", "width": max(2.0, look.line * 0.6)},
        line_shape="hvh",
        connectgaps=False,
        hovertext=["" if t is None else f"{name} {format_value(t, unit)}" for t in s.target],
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=showlegend,
        legendgroup="target",
    )


def _value_trace(
    s: _Series, unit: str, look: _Look, name: str, min_n: int | None, *, showlegend: bool
) -> go.Scatter:
    """Line and markers of the value: hollow when provisional, grey when n < min_n."""
    colours = [look.small_n if min_n is not None and n < min_n else look.series for n in s.n]
    symbols = ["circle-open" if p else "circle" for p in s.provisional]
    trace = go.Scatter(
        x=s.periods,
        y=s.value,
        name=name,
        mode="lines+markers",
        connectgaps=False,
        line={"color": look.series, "width": look.line},
        marker={
            "size": look.marker,
            "symbol": symbols,
            "color": colours,
            "line": {"width": max(2.0, look.line * 0.6), "color": colours},
        },
        hovertext=_hover(s, unit, min_n),
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=showlegend,
        legendgroup="value",
    )
    # A run of one period has no band to draw: show its interval as an error bar instead.
    lonely = {run[0] for run in _runs(s) if len(run) == 1}
    if lonely:
        trace.error_y = {
            "type": "data",
            "symmetric": False,
            "array": [
                s.high[i] - s.value[i] if i in lonely and s.value[i] is not None else None
                for i in range(len(s.periods))
            ],
            "arrayminus": [
                s.value[i] - s.low[i] if i in lonely and s.value[i] is not None else None
                for i in range(len(s.periods))
            ],
            "color": look.muted,
            "thickness": max(1.5, look.line * 0.5),
            "width": look.marker // 2,
        }
    return trace


def _legend_marker(name: str, symbol: str, colour: str, look: _Look) -> go.Scatter:
    """A legend-only entry explaining a marker style (draws nothing on the plot)."""
    return go.Scatter(
        x=[None],
        y=[None],
        name=name,
        mode="markers",
        marker={
            "size": look.marker,
            "symbol": symbol,
            "color": colour,
            "line": {"width": 2, "color": colour},
        },
        hoverinfo="skip",
        showlegend=True,
    )


def _axis_common(look: _Look) -> dict:
    return {
        "showgrid": False,
        "zeroline": False,
        "showline": True,
        "linecolor": look.muted,
        "ticks": "outside",
        "tickcolor": look.muted,
        "tickfont": {"size": look.tick, "color": look.text},
        "automargin": True,
    }


def _base_layout(look: _Look, height: int) -> dict:
    return {
        "template": "none",
        "height": height,
        "paper_bgcolor": TRANSPARENT,
        "plot_bgcolor": TRANSPARENT,
        "font": {
            "family": FONT_FAMILY if look.text else None,
            "size": look.font,
            "color": look.text,
        },
        "hoverlabel": {"font": {"size": look.font}},
        "hovermode": "closest",
        "showlegend": True,
    }


# ---------------------------------------------------------------------------- figures


def trend_chart(
    rows: pd.DataFrame,
    metric_label: str,
    unit: str,
    *,
    target_label: str = "Target",
    large: bool = False,
    theme: str = "light",
    height: int | None = None,
    min_n: int | None = None,
) -> go.Figure:
    """Trend of one metric: value line, shaded 95 % interval, dashed target per period.

    `rows` are the `trend()` rows of one metric, oldest first. Periods with n == 0 are gaps;
    provisional periods get hollow markers; with `min_n`, periods below it are grey.
    Traces, bottom to top: interval band, target (when any), value, then legend-only keys.
    """
    look = _look(theme, large)
    s = _series(rows)
    fig = go.Figure()
    fig.add_trace(_band_trace(s, look, showlegend=any(_runs(s))))
    has_target = any(t is not None for t in s.target)
    if has_target:
        fig.add_trace(_target_trace(s, unit, look, chart_text(target_label), showlegend=True))
    fig.add_trace(_value_trace(s, unit, look, chart_text(metric_label), min_n, showlegend=True))
    if any(p and v is not None for p, v in zip(s.provisional, s.value, strict=True)):
        fig.add_trace(_legend_marker(PROVISIONAL_NAME, "circle-open", look.series, look))
    if min_n is not None and any(
        v is not None and n < min_n for v, n in zip(s.value, s.n, strict=True)
    ):
        fig.add_trace(_legend_marker(f"n < {min_n:,}", "circle", look.small_n, look))

    fig.update_layout(
        **_base_layout(look, height or (560 if large else 380)),
        title={
            "text": chart_text(metric_label),
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 8},
            "font": {"size": look.title, "color": look.text, "weight": 600},
        },
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            "font": {"size": look.font, "color": look.text},
            "bgcolor": TRANSPARENT,
        },
        margin={"l": 10, "r": 20, "t": 112 if large else 76, "b": 10},
    )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=s.periods,
        # No tickangle: plotly's own choice keeps labels level where they fit (a screen:
        # every other of 13) and slants them where they would overlap (a phone).
        nticks=7,
        **_axis_common(look),
    )
    fig.update_yaxes(
        title={"text": axis_title(unit), "font": {"size": look.font}},
        range=_y_range(unit, s, zoom=unit == "%"),
        **_axis_common(look),
    )
    if unit == "pts":  # the sign of an NPS matters: mark zero, faintly
        fig.update_yaxes(zeroline=True, zerolinecolor=look.muted, zerolinewidth=1)
    return fig


def sparkline(
    rows: pd.DataFrame, unit: str, *, theme: str = "light", height: int = 60
) -> go.Figure:
    """Tiny trend for a tile: no axes, no legend, the latest value emphasised, gaps kept."""
    look = _look(theme, large=False)
    s = _series(rows)
    shown = [i for i, v in enumerate(s.value) if v is not None]
    last = shown[-1] if shown else None
    sizes = [10 if i == last else 0 for i in range(len(s.periods))]
    symbols = ["circle-open" if p else "circle" for p in s.provisional]
    hover = [
        ""
        if v is None
        else f"{chart_text(p)}: {format_value(v, unit)}"
        + (f" ({PROVISIONAL_NOTE})" if prov else "")
        for p, v, prov in zip(s.periods, s.value, s.provisional, strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=s.periods,
            y=s.value,
            mode="lines+markers",
            connectgaps=False,
            line={"color": look.series, "width": 2},
            marker={
                "size": sizes,
                "symbol": symbols,
                "color": look.series,
                "line": {"width": 2, "color": look.series},
            },
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        template="none",
        height=height,
        margin={"l": 6, "r": 8, "t": 6, "b": 6},
        paper_bgcolor=TRANSPARENT,
        plot_bgcolor=TRANSPARENT,
        font={"family": FONT_FAMILY if look.text else None, "size": 12, "color": look.text},
        showlegend=False,
        hovermode="closest",
        dragmode=False,
    )
    fig.update_xaxes(
        visible=False,
        type="category",
        categoryorder="array",
        categoryarray=s.periods,
        fixedrange=True,
    )
    fig.update_yaxes(visible=False, fixedrange=True)
    return fig


def small_multiples(
    rows: pd.DataFrame,
    metrics: list[tuple[str, str, str]],
    *,
    large: bool = False,
    theme: str = "light",
    columns: int = 4,
) -> go.Figure:
    """A grid of compact trends, one per `(metric_id, label, unit)`, each with its target.

    `rows` are `trend()` rows holding all the metrics. All panels share the period axis;
    the legend (value, interval, target) is shown once.
    """
    look = _look(theme, large)
    if columns < 1:
        raise ValueError("columns must be at least 1")
    count = max(len(metrics), 1)
    columns = min(columns, count)
    grid_rows = math.ceil(count / columns)
    specs = [
        [{} if r * columns + c < len(metrics) else None for c in range(columns)]
        for r in range(grid_rows)
    ]
    fig = make_subplots(
        rows=grid_rows,
        cols=columns,
        specs=specs,
        shared_xaxes=True,
        subplot_titles=[chart_text(label) for _, label, _ in metrics] or None,
        horizontal_spacing=0.08 if large else 0.06,
        vertical_spacing=(0.22 if large else 0.16) / max(1, grid_rows - 1) ** 0.5,
    )
    fig.update_annotations(font={"size": look.font, "color": look.text})
    periods_all: list[str] = []
    for index, (metric_id, _label, unit) in enumerate(metrics):
        row, col = index // columns + 1, index % columns + 1
        subset = rows[rows["metric"] == metric_id] if "metric" in rows.columns else rows[:0]
        s = _series(subset)
        for p in s.periods:
            if p not in periods_all:
                periods_all.append(p)
        first = index == 0
        fig.add_trace(_band_trace(s, look, showlegend=first), row=row, col=col)
        if any(t is not None for t in s.target):
            fig.add_trace(
                _target_trace(s, unit, look, "Target", showlegend=first), row=row, col=col
            )
        value = _value_trace(s, unit, look, "Value", None, showlegend=first)
        value.marker.size = max(5, look.marker - 3)
        value.line.width = max(2.0, look.line - 1)
        fig.add_trace(value, row=row, col=col)
        fig.update_yaxes(
            range=_y_range(unit, s, zoom=True),
            nticks=5,
            ticksuffix=tick_suffix(unit),
            row=row,
            col=col,
        )
        if unit == "pts":
            fig.update_yaxes(zeroline=True, zerolinecolor=look.muted, row=row, col=col)
        if index + columns >= len(metrics):  # nothing below: this panel shows the periods
            fig.update_xaxes(showticklabels=True, row=row, col=col)

    ticks = [periods_all[0], periods_all[-1]] if periods_all else []
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=periods_all,
        tickvals=ticks,
        **_axis_common(look),
    )
    fig.update_yaxes(**_axis_common(look))
    panel = 260 if large else 170
    fig.update_layout(
        **_base_layout(look, grid_rows * panel + (140 if large else 100)),
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 0.995,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": look.font, "color": look.text},
            "bgcolor": TRANSPARENT,
        },
        margin={"l": 10, "r": 20, "t": 110 if large else 80, "b": 10},
    )
    return fig


def waterfall_chart(
    steps: list,
    unit: str,
    *,
    large: bool = False,
    theme: str = "auto",
    height: int | None = None,
) -> go.Figure:
    """Why a metric moved: the previous value, each part's effect (teams scoring
    differently, the mix of answers), and this period's value, as a waterfall. `steps` are
    the story's (`story.explain.waterfall`): label, kind (total / rate / mix), amount.
    Ups and downs are coloured and signed ("+4.2 pts"), never colour alone."""
    look = _look(theme, large)
    measures = ["absolute" if s.kind == "total" else "relative" for s in steps]
    texts = [
        format_value(s.amount, unit) if s.kind == "total" else format_delta(s.amount, unit)
        for s in steps
    ]
    fig = go.Figure(
        go.Waterfall(
            x=[chart_text(s.label) for s in steps],
            y=[s.amount for s in steps],
            measure=measures,
            text=texts,
            textposition="outside",
            textfont={"size": look.tick, "color": look.text},
            increasing={"marker": {"color": PALETTE["bluish_green"]}},
            decreasing={"marker": {"color": PALETTE["vermillion"]}},
            totals={"marker": {"color": look.series}},
            connector={"line": {"color": look.muted, "width": 1}},
            hovertemplate="%{x}: %{text}<extra></extra>",
            cliponaxis=False,
        )
    )
    lows = [min(s.start, s.end) for s in steps] + [0.0]
    highs = [max(s.start, s.end) for s in steps] + [0.0]
    pad = (max(highs) - min(lows)) * 0.15 or 1.0
    fig.update_xaxes(**_axis_common(look))
    fig.update_yaxes(
        **_axis_common(look),
        range=[min(lows) - (pad if min(lows) < 0 else 0), max(highs) + pad],
        ticksuffix=tick_suffix(unit),
        title={"text": axis_title(unit), "font": {"size": look.tick, "color": look.text}},
    )
    fig.update_layout(
        **_base_layout(look, height or (520 if large else 340)),
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
    )
    fig.update_layout(showlegend=False)
    return fig
