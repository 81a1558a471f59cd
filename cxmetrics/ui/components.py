"""Reusable page pieces: metric tiles, status badges, banners, presentation mode.

Nothing here escapes-by-accident: user text (comments, names from uploads) only ever goes
through `st.text`, `st.write` of plain strings or `st.dataframe`, never into HTML. The
only raw HTML/CSS/JS this module emits is static and written here.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from cxmetrics.ui import data
from cxmetrics.ui.charts import format_margin, format_value

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
_AUTOLINK = re.compile(r"(?i)(://|\bwww\.)")
STAR_METRIC = {"nps": "NPS", "inps": "iNPS"}
QUOTES_PER_STAR = 2


def inert_markdown(text: object) -> str:
    """Untrusted text (comments, roster names) made inert wherever Streamlit renders
    markdown (titles, captions, st.table cells): markup escaped, and URLs broken with an
    invisible word joiner so autolinking cannot make them clickable."""
    text = _AUTOLINK.sub(lambda m: m.group(1)[:-1] + "\u2060" + m.group(1)[-1], str(text))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


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
DELTA_UNIT = {"%": " pp", "pts": " pts", "s": " s", "per hour": "", "count": ""}

BASE_CSS = """
<style>
[class*="st-key-tile-insufficient"] { opacity: 0.55; }
[class*="st-key-tile-"] [data-testid="stMetricValue"] { font-variant-numeric: tabular-nums; }
[data-testid="stMetricLabel"] p { font-weight: 600; }
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] p { white-space: normal !important; overflow: visible !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
</style>
"""

PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"], [data-testid="stMainMenu"] {
  display: none !important;
}
[data-testid="stMainBlockContainer"] { padding: 0.8rem 3rem 0.5rem 3rem; max-width: 100%; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  font-size: 1.35rem;
}
[data-testid="stMetricValue"] p { font-size: 4.4rem !important; line-height: 1.15; }
[data-testid="stMetricLabel"] p { font-size: 1.75rem !important; }
[data-testid="stMetricDelta"] p { font-size: 1.4rem !important; }
[data-testid="stCaptionContainer"] p, [data-testid="stCaptionContainer"] {
  font-size: 1.3rem !important;
}
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.45rem !important; }
span.stMarkdownBadge { font-size: 1.3rem !important; padding: 0.15rem 0.6rem; }
h1 { font-size: 2.8rem !important; padding-top: 0.2rem !important; }
h3 { font-size: 2.2rem !important; }
</style>
"""

# Left/right arrow keys press the slide buttons (static script, no user data in it).
KEYS_JS = """
<script>
(function () {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  if (doc.__cxmetricsKeys) return;
  doc.__cxmetricsKeys = true;
  doc.addEventListener("keydown", function (e) {
    if (["INPUT", "TEXTAREA"].includes((e.target.tagName || "").toUpperCase())) return;
    const key = { ArrowRight: "slide-next", PageDown: "slide-next", " ": "slide-next",
                  ArrowLeft: "slide-prev", PageUp: "slide-prev" }[e.key];
    if (!key) return;
    const button = doc.querySelector(".st-key-" + key + " button");
    if (button && !button.disabled) { e.preventDefault(); button.click(); }
  });
})();
</script>
"""


def chart_theme() -> str:
    """Figures leave text colour and font to Streamlit's theme: `st.context.theme` can be
    wrong on a session's first load, so the page must not pick colours from it."""
    return "auto"


def chart(fig, key: str) -> None:
    """Show a plotly figure themed by Streamlit (its fonts and text colours), no toolbar."""
    st.plotly_chart(fig, theme="streamlit", config={"displayModeBar": False}, key=key)


def page_style(present: bool) -> None:
    """Static styling for every page, plus presentation mode when on."""
    st.html(BASE_CSS + (PRESENT_CSS if present else ""))


def demo_banner() -> None:
    """Say clearly, on every page, when the numbers are the synthetic demo."""
    if data.demo_only():
        st.info(
            "**Demo data.** These numbers come from a synthetic organisation. Upload your own "
            "files on the Upload page; clearing the demo removes this banner.",
            icon=":material/science:",
        )


def status_badge(
    status: str,
    *,
    provisional: bool = False,
    n: int | None = None,
    min_n=None,
    note: str | None = None,
):
    word, icon, colour = STATUS[status]
    if status == "insufficient" and n is not None and min_n is not None:
        word = f"Too few to judge (n {n:,} < {min_n})"
    if status == "not_applicable" and note:
        word = f"Not applicable ({note})"
    if provisional and status != "provisional":
        word += " · provisional"
    st.badge(word, icon=icon, color=colour)


def change_text(line: dict) -> tuple[str | None, str, str]:
    """(delta text, delta_color, delta_arrow) for st.metric from a scorecard line."""
    if line["status"] == "not_applicable":
        return None, "off", "off"
    if line.get("provisional"):
        return "provisional", "off", "off"
    if line["delta"] is None:
        return None, "off", "off"
    unit = DELTA_UNIT.get(line["unit"], "")
    digits = {"count": 0, "per hour": 2}.get(line["unit"], 1)
    amount = f"{line['delta']:+,.{digits}f}{unit}"
    if line["change"] in ("better", "worse", "up", "down"):
        if line["direction"] == "none":
            return f"{amount} · real change", "off", "auto"
        colour = "normal" if line["direction"] == "higher" else "inverse"
        return f"{amount} · real change", colour, "auto"
    if line["change"] == "no real change":
        return f"no real change ({amount})", "off", "off"
    if line["se"] is None:  # counts and cross-source ratios carry no test
        return f"{amount} vs previous", "off", "off"
    return f"{amount} · too few to test", "off", "off"


def metric_tile(line: dict, *, description: str = "") -> None:
    """One metric: value, change vs previous, status by icon and word, target, n, margin."""
    with st.container(border=True, key=f"tile-{line['status']}-{line['id']}"):
        delta, colour, arrow = change_text(line)
        st.metric(
            data.metric_label(line["id"]),
            format_value(line["value"], line["unit"]),
            delta=delta,
            delta_color=colour,
            delta_arrow=arrow,
            help=description or None,
        )
        status_badge(
            line["status"],
            provisional=line.get("provisional", False),
            n=line["n"],
            min_n=line["min_n"],
            note=line.get("note"),
        )
        if line["status"] == "not_applicable":
            return
        parts = []
        if line.get("note"):  # which thresholds apply (service level)
            parts.append(line["note"])
        if line.get("excluded"):
            parts.append(f"{line['excluded']:,} agent-days left out")
        if line["target"] is not None:
            parts.append(f"target {format_value(line['target'], line['unit'])}")
        parts.append(f"n {line['n']:,}")
        margin = format_margin(line["ci_low"], line["ci_high"], line["unit"])
        if margin:
            parts.append(margin)
        # non-breaking spaces keep "± 1.1 pp" and "target 80.0 %" on one line each
        st.caption(" · ".join(part.replace(" ", "\u00a0") for part in parts))


def business_value(value: float | None, unit: str) -> str:
    """A business KPI with its unit as people write it: "4.35 per FTE", "88.4/100"."""
    if value is None:
        return "—"
    digits = 1 if abs(value) >= 10 else 2
    number = f"{value:,.{digits}f}"
    if not unit:
        return number
    return f"{number}{unit}" if unit.startswith("/") else f"{number} {unit}"


def business_tile(kpi: dict) -> None:
    """A business KPI (uploaded finished number): value, change, target when set. The
    change is never tested (no spread is uploaded), so it has no arrow and no colour."""
    with st.container(border=True, key=f"tile-{kpi['status']}-biz-{kpi['id']}"):
        delta = None
        if kpi["delta"] is not None:
            digits = 1 if kpi["value"] is not None and abs(kpi["value"]) >= 10 else 2
            delta = f"{kpi['delta']:+.{digits}f} · {kpi.get('change') or 'no test'}"
        st.metric(
            kpi["label"],
            business_value(kpi["value"], kpi["unit"]),
            delta=delta,
            delta_color="off",
            delta_arrow="off",
        )
        if kpi["target"] is not None:
            status_badge(kpi["status"])
        st.caption(f"mean of {kpi['n']:,} reported values" if kpi["n"] else "no values")


def tile_grid(lines: list[dict], columns: int) -> None:
    """Tiles in rows of `columns`."""
    reg = data.registry()
    for start in range(0, len(lines), columns):
        cols = st.columns(columns)
        for col, line in zip(cols, lines[start : start + columns], strict=False):
            with col:
                metric = reg.get(line["id"])
                metric_tile(line, description=metric.description if metric else "")


def _move_slide(step: int, count: int) -> None:
    st.session_state["slide"] = min(max(st.session_state.get("slide", 0) + step, 0), count - 1)


def leave_presentation() -> None:
    st.session_state["present"] = False
    st.session_state.pop("slide", None)


def exit_presentation_button(key: str) -> None:
    """Pages without slides still offer a way out of presentation mode (top right)."""
    _, leave = st.columns([8, 1.4])
    with leave:
        st.button(
            "Exit presentation", key=key, icon=":material/close:", on_click=leave_presentation
        )


def slide_controls(titles: list[str]) -> int:
    """Previous / next buttons (and arrow keys) over `titles`; returns the slide index."""
    count = len(titles)
    current = min(max(int(st.session_state.get("slide", 0)), 0), count - 1)
    st.session_state["slide"] = current
    left, middle, right, leave = st.columns([1, 6, 1, 1.4], vertical_alignment="center")
    with left:
        st.button(
            "◀ Previous",
            key="slide-prev",
            disabled=current == 0,
            on_click=_move_slide,
            args=(-1, count),
        )
    with right:
        st.button(
            "Next ▶",
            key="slide-next",
            disabled=current == count - 1,
            on_click=_move_slide,
            args=(1, count),
        )
    with leave:
        st.button(
            "Exit presentation",
            key="present-exit",
            icon=":material/close:",
            on_click=leave_presentation,
        )
    with middle:
        demo = " · demo data (synthetic organisation)" if data.demo_only() else ""
        st.caption(f"{current + 1} / {count} · {titles[current]} · arrow keys ◀ ▶{demo}")
    st.html(KEYS_JS, unsafe_allow_javascript=True)
    return current


def best_quotes(praise: pd.DataFrame, agent_id: str, count: int = QUOTES_PER_STAR) -> list[str]:
    """An agent's strongest praise of the period (most positive, newest first), redacted."""
    if praise.empty:
        return []
    mine = praise[praise["agent_id"] == agent_id]
    mine = mine.sort_values(["positivity", "responded_at"], ascending=[False, False])
    quotes: dict[str, str] = {}
    for comment in mine["comment"]:
        quotes.setdefault(" ".join(str(comment).casefold().split()), comment)
    return list(quotes.values())[:count]


def star_card(rank: int, star: dict, quotes: list[str]) -> None:
    """A service star: name, team, NPS (iNPS) with margin and n, and customers' words."""
    with st.container(border=True, key=f"star-{star['agent_id']}"):
        st.markdown(f"**{rank}. {inert_markdown(star['name'])}**")
        if star["team_name"]:
            st.caption(inert_markdown(star["team_name"]))
        margin = format_margin(star["ci_low"], star["ci_high"], "pts")
        st.metric(
            STAR_METRIC[star["metric"]],
            format_value(star["value"], "pts"),
            help="Net Promoter Score from this agent's customers (iNPS: from colleagues)",
        )
        low = format_value(star["ci_low"], "pts")
        st.caption(f"{margin} · n {star['n']:,} · low end {low}".replace(" ", "\u00a0"))
        for quote in quotes:
            st.text(f"“{quote}”", wrap=True)
