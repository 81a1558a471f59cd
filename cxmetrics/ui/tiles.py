"""Scorecard tiles: a metric's value, its change against the previous period (an arrow and
a colour only when the change is real), its status (icon and word, never colour alone),
and what it rests on (target, n, margin), for every page that shows metrics.

A tile is one markdown block in a bordered container keyed `tile-<status>-<id>` (the key's
class styles it: components.BASE_CSS). Not `st.metric`: the browser fetches its component
when the first one is drawn, and the tiles wait for it and for React's throttled reveal of
what waited (0.3–1 s after the title on a warm visit of the all-hands page); markdown's
renderer comes with the page, so the tiles are painted with the title. Text from uploads (a
business KPI's id and basis, obstacle notes) goes through `inert_markdown`.
"""

from __future__ import annotations

import streamlit as st

from cxmetrics.formatting import (
    format_business,
    format_business_delta,
    format_count,
    format_delta,
    format_margin,
    format_target,
    format_value,
)
from cxmetrics.ui import data
from cxmetrics.ui.components import inert_markdown, key_part

STATUS = {
    # status: (word, material icon, badge colour). Colour is never the only signal.
    "green": ("On target", ":material/check_circle:", "green"),
    "amber": ("Near target", ":material/warning:", "orange"),
    "red": ("Off target", ":material/cancel:", "red"),
    "insufficient": ("Too few to judge", ":material/hourglass_empty:", "gray"),
    "none": ("No target", ":material/remove:", "gray"),
    # Never coloured: the value may still change, or means nothing in this scope.
    "provisional": ("Provisional: may still change", ":material/schedule:", "gray"),
    "not_applicable": ("Not applicable", ":material/block:", "gray"),
}


def badge_markdown(
    status: str,
    *,
    provisional: bool = False,
    n: int | None = None,
    min_n=None,
    note: str | None = None,
) -> str:
    """A tile's status as a markdown badge: icon and word, coloured (never colour alone)."""
    word, icon, colour = STATUS[status]
    if status == "insufficient" and n is not None and min_n is not None:
        word = f"Too few to judge (n {format_count(n)} < {format_count(min_n)})"
    if status == "not_applicable" and note:
        word = f"Not applicable ({note})"
    if provisional and status != "provisional":
        word += " · provisional"
    return f":{colour}-badge[{icon} {word}]"


# A real change's colour by the metric's direction: (rise, fall). Anything else is grey.
CHANGE_COLOURS = {"higher": ("green", "red"), "lower": ("red", "green")}
ARROWS = {True: ":material/arrow_upward:", False: ":material/arrow_downward:"}


def change_markdown(line: dict) -> str | None:
    """A tile's change against the previous period, as markdown: with an arrow only when the
    change is real (significant), coloured only when the metric also has a better direction
    (green when better); otherwise grey words ("no real change (+1.2 pts)")."""
    if line["status"] == "not_applicable":
        return None
    if line.get("provisional"):
        return ":gray-background[provisional]"
    if line["delta"] is None:
        return None
    amount = format_delta(line["delta"], line["unit"])
    if line["change"] in ("better", "worse", "up", "down"):
        arrow = ARROWS[line["delta"] > 0] + " " if line["delta"] else ""
        rise, fall = CHANGE_COLOURS.get(line["direction"], ("gray", "gray"))
        colour = rise if line["delta"] > 0 else fall
        return f":{colour}-background[{arrow}{amount} · real change]"
    if line["change"] == "no real change":
        words = f"no real change ({amount})"
    elif line["se"] is None:  # counts and cross-source ratios carry no test
        words = f"{amount} vs previous"
    else:
        words = f"{amount} · too few to test"
    return f":gray-background[{words}]"


def obstacle_markdown(line: dict) -> str | None:
    """A tile's open obstacles, when the page put them on its line (`obstacles`: "2 open
    obstacles on avg handle time")."""
    if line.get("obstacles"):
        return f":small[:material/construction: {inert_markdown(line['obstacles'])}]"
    return None


def tile(
    key: str, label: str, value: str, lines: list[str | None], description: str | None
) -> None:
    """A tile: one markdown block in a bordered container keyed `key` (its class styles it).

    Label, then the value in bold (large, by BASE_CSS), then each of `lines` as its own
    paragraph; `description` is its help. One element, and markdown's renderer is loaded
    with the page, so a tile is drawn with the title rather than after a component is
    fetched."""
    with st.container(border=True, key=key):
        paragraphs = [label, f"**{value}**", *(line for line in lines if line)]
        st.markdown("\n\n".join(paragraphs), help=description or None)


def metric_tile(line: dict, *, description: str = "") -> None:
    """One metric: value, change vs previous, status by icon and word, target, n, margin."""
    badge = badge_markdown(
        line["status"],
        provisional=line.get("provisional", False),
        n=line["n"],
        min_n=line["min_n"],
        note=line.get("note"),
    )
    parts = []
    if line["status"] != "not_applicable":
        if line.get("note"):  # which thresholds apply (service level)
            parts.append(line["note"])
        if line.get("excluded"):
            parts.append(f"{format_count(line['excluded'])} agent-days left out")
        if line["target"] is not None:
            parts.append(f"target {format_target(line['target'], line['unit'])}")
        parts.append(f"n {format_count(line['n'])}")
        margin = format_margin(line["ci_low"], line["ci_high"], line["unit"])
        if margin:
            parts.append(margin)
    # non-breaking spaces keep "± 1.1 pp" and "target 80.0 %" on one line each
    details = " · ".join(part.replace(" ", "\u00a0") for part in parts)
    tile(
        f"tile-{line['status']}-{line['id']}",
        data.metric_label(line["id"]),
        format_value(line["value"], line["unit"]),
        [change_markdown(line), badge, obstacle_markdown(line), details and f":small[{details}]"],
        description,
    )


def business_tile(kpi: dict) -> None:
    """A business KPI (uploaded finished number): value, change, target when set. The
    change is never tested (no spread is uploaded), so it has no arrow and no colour."""
    change = None
    if kpi["delta"] is not None:
        amount = format_business_delta(kpi["delta"], kpi["value"])
        change = f":gray-background[{amount} · {kpi.get('change') or 'no test'}]"
    tile(
        f"tile-{kpi['status']}-biz-{key_part(kpi['id'])}",
        inert_markdown(kpi["label"]),  # an undeclared KPI is labelled by its uploaded id
        format_business(kpi["value"], kpi["unit"]),
        [
            change,
            badge_markdown(kpi["status"]) if kpi["target"] is not None else None,
            obstacle_markdown(kpi),
            f":small[{inert_markdown(kpi['basis'])}]",
        ],
        None,
    )


def tile_grid(lines: list[dict], columns: int) -> None:
    """Tiles in rows of `columns`."""
    reg = data.registry()
    for start in range(0, len(lines), columns):
        cols = st.columns(columns)
        for col, line in zip(cols, lines[start : start + columns], strict=False):
            with col:
                metric = reg.get(line["id"])
                metric_tile(line, description=metric.description if metric else "")
