"""Reusable page pieces: banners, cards, presentation mode, charts' containers, stars.

Nothing here escapes-by-accident: user text (comments, names, ids and file names from
uploads) reaches the page through `st.text`, `st.dataframe` or a selectbox option (none of
which render markdown), or through `inert_markdown` wherever Streamlit reads markdown
(titles, captions, alerts, `st.table` cells; tiles.py's tiles do the same). It never goes
into HTML; the only raw HTML/CSS/JS this module emits is static and written here.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Callable

import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw

from cxmetrics import export
from cxmetrics.formatting import (
    format_count,
    format_delta,
    format_margin,
    format_value,
)
from cxmetrics.ui import data
from cxmetrics.ui.charts import STATUS_ICON

# Every ASCII character that starts markup in Streamlit's markdown: CommonMark and GFM
# (links, images, emphasis, code, tables, headings, lists, entities), KaTeX ($), and
# Streamlit's own directives (`:red[…]`, `:material/…:`).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^])")
_AUTOLINK = re.compile(r"(?i)(://|\bwww\.)")
WORD_JOINER = "\u2060"  # invisible, and no word or URL runs across it
ABOUT = (
    "**cxmetrics**: a customer-experience scorecard with honest numbers (sample size, 95 % "
    "interval, real change or noise). Choose the light or dark theme in this menu."
)
QUOTES_PER_STAR = 2


def inert_markdown(text: object) -> str:
    """Untrusted text as one line that shows as itself wherever Streamlit renders markdown.

    Every markup character is backslash-escaped (no image, link, KaTeX, `:red[]`, HTML).
    What escaping leaves live in Streamlit's renderer is broken with an invisible word
    joiner: URLs and e-mail addresses (GFM autolinks) and `:name:` shortcodes (material
    icons). Line breaks become spaces: a label is one line.
    """
    line = " ".join(str(text).split())
    line = _AUTOLINK.sub(lambda m: m.group(1)[:-1] + WORD_JOINER + m.group(1)[-1], line)
    line = line.replace("@", WORD_JOINER + "@")
    line = _MARKDOWN_SPECIAL.sub(r"\\\1", line)
    return line.replace(":", ":" + WORD_JOINER)


def key_part(value: object) -> str:
    """A piece of a widget or container key made from data (an id): Streamlit turns keys
    into CSS classes, so only letters, digits, `_` and `-`, plus a checksum when changed."""
    raw = str(value)
    slug = re.sub(r"[^A-Za-z0-9_-]", "_", raw)[:32]
    return slug if slug == raw else f"{slug}-{zlib.crc32(raw.encode()):08x}"


@functools.cache
def app_icon() -> Image.Image:
    """The browser-tab icon, drawn here: a `:material/…:` page icon is fetched from Google's
    font server, and the app makes no request to another host."""
    size = 64
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=14, fill="#0b5cad")
    for left, height in ((12, 18), (27, 30), (42, 40)):  # three rising bars
        draw.rectangle((left, size - 10 - height, left + 10, size - 10), fill="#ffffff")
    return icon


BASE_CSS = """
<style>
[class*="st-key-tile-insufficient"] { opacity: 0.55; }
/* a tile (`tile`): label, the value large, then change, status and details */
[class*="st-key-tile-"] [data-testid="stMarkdownContainer"] p { margin-bottom: 0.4rem; }
[class*="st-key-tile-"] [data-testid="stMarkdownContainer"] p:first-child {
  font-weight: 600; margin-bottom: 0.1rem;
}
[class*="st-key-tile-"] [data-testid="stMarkdownContainer"] p:nth-child(2) {
  font-size: 2.25rem; line-height: 1.2; font-variant-numeric: tabular-nums;
}
/* details and obstacles (no background) muted like a caption */
[class*="st-key-tile-"] [data-testid="stMarkdownContainer"]
  p:nth-child(n+3):not(:has([style*="background"])) { opacity: 0.7; }
[data-testid="stMetricLabel"] p { font-weight: 600; }
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] p { white-space: normal !important; overflow: visible !important; }
/* below the app header (60 px, opaque), so a banner on top is never half hidden */
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 3.9rem; }
/* A wide grid and its cards: the grid on a screen, the cards on a phone (see `wide_or_cards`) */
@media (max-width: 700px) {
  [class*="st-key-wide-"] { display: none !important; }
  [data-testid="stMainBlockContainer"] { padding-left: 0.8rem; padding-right: 0.8rem; }
  [data-testid="stMarkdownContainer"] p { overflow-wrap: break-word; }
}
@media (min-width: 701px) { [class*="st-key-cards-"] { display: none !important; } }
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
[class*="st-key-tile-"] [data-testid="stMarkdownContainer"] p:first-child {
  font-size: 1.75rem !important;
}
[class*="st-key-tile-"] [data-testid="stMarkdownContainer"] p:nth-child(2) {
  font-size: 4.4rem !important; line-height: 1.15;
}
[class*="st-key-tile-"] [data-testid="stMarkdownContainer"]
  span[style*="font-size"]:not(.stMarkdownBadge) { font-size: 1.15rem !important; }
[data-testid="stCaptionContainer"] p, [data-testid="stCaptionContainer"] {
  font-size: 1.3rem !important;
}
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.45rem !important; }
span.stMarkdownBadge { font-size: 1.3rem !important; padding: 0.15rem 0.6rem; }
h1 { font-size: 2.8rem !important; padding-top: 0.2rem !important; }
h3 { font-size: 2.2rem !important; }
.st-key-headline [data-testid="stMarkdownContainer"] li {
  font-size: 1.75rem !important; line-height: 1.4;
}
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


def svg_chart(svg: str, key: str) -> None:
    """A static SVG trend (ui/svg_charts.py) in the page, in a container named `key`: its
    text takes the theme's colour, its points say their numbers on hover. Only for text
    of the app's own (registry and period labels); text from uploads: `svg_image`."""
    with st.container(key=key):  # an HTML block (no blank line): markdown leaves it be
        st.markdown(f"<div>\n{svg}\n</div>", unsafe_allow_html=True)


def svg_image(svg: str, key: str) -> None:
    """A static SVG as an image, in a container named `key`: for drawings holding text
    from uploads (team names), escaped in it and never read as HTML."""
    with st.container(key=key):
        st.image(svg, width="stretch")


def page_style(present: bool) -> None:
    """Static styling for every page, plus presentation mode when on."""
    st.html(BASE_CSS + (PRESENT_CSS if present else ""))


# ----------------------------------------------------------------------------- demo data


def _ask_clear_demo() -> None:
    st.session_state["confirm_clear_demo"] = True


def _cancel_clear_demo() -> None:
    st.session_state["confirm_clear_demo"] = False


def _clear_demo() -> None:
    st.session_state.pop("confirm_clear_demo", None)
    from cxmetrics.ui import identity

    if not identity.current().may_upload:
        return
    try:
        data.clear_demo(by=identity.who() or st.session_state.get("uploaded_by") or None)
    except ValueError as exc:  # e.g. a read-only store
        st.session_state["demo_notice"] = ("error", f"The demo data was not cleared: {exc}")
        return
    st.session_state["demo_notice"] = (
        "success",
        "Demo data cleared: every page now shows your data only.",
    )


def _clear_demo_button(*, subtle: bool) -> None:
    from cxmetrics.ui import identity

    if not identity.current().may_upload:  # analysts and admins only
        return
    st.button(
        "Clear demo data",
        key="demo_clear",
        icon=":material/delete_sweep:",
        type="tertiary" if subtle else "secondary",
        on_click=_ask_clear_demo,
        help="Removes every demo team, agent, contact and answer; your own batches stay",
    )


def _confirm_clear_demo() -> None:
    if not st.session_state.get("confirm_clear_demo"):
        return
    st.warning(
        "Remove every demo team, agent, contact and survey answer? Your own batches stay. "
        "This cannot be undone from here (`cxmetrics demo` builds the demo again).",
        icon=":material/warning:",
    )
    with st.container(horizontal=True):
        st.button(
            "Yes, clear demo data", key="demo_clear_confirm", type="primary", on_click=_clear_demo
        )
        st.button("Cancel", key="demo_clear_cancel", on_click=_cancel_clear_demo)


def _demo_notice() -> None:
    notice = st.session_state.pop("demo_notice", None)
    if notice:
        kind, text = notice
        if kind == "error":
            st.error(inert_markdown(text), icon=":material/error:")
        else:
            st.success(text, icon=":material/check_circle:")


def demo_banner() -> None:
    """On every page while any demo row remains: say the numbers include the synthetic
    demo (also when real uploads sit beside it), with "Clear demo data" one click away."""
    _demo_notice()
    if not data.demo_present():
        return
    batches = data.batches()
    mixed = bool(
        ((batches["batch_id"] != "demo") & (batches["status"] == "committed")).any()
        if not batches.empty
        else False
    )
    message = (
        "**Demo data.** These numbers mix the synthetic demo organisation with your own "
        "uploads. Clear the demo before you rely on them: your own batches stay."
        if mixed
        else "**Demo data.** These numbers come from a synthetic organisation. Upload your "
        "own files on the Upload page, then clear the demo."
    )
    text, action = st.columns([6, 1.2], vertical_alignment="center")
    with text:
        st.info(message, icon=":material/science:")
    with action:
        _clear_demo_button(subtle=False)
    _confirm_clear_demo()


def demo_note() -> None:
    """Presentation mode's demo label (slide footer, pages without slides): one line, with
    "Clear demo data" beside it, while any demo row remains."""
    _demo_notice()
    if not data.demo_present():
        return
    with st.container(horizontal=True, vertical_alignment="center", key="demo-note"):
        st.caption(
            ":material/science: **Demo data**: every number here includes the synthetic "
            "demo organisation."
        )
        _clear_demo_button(subtle=True)
    _confirm_clear_demo()


def wide_or_cards(name: str):
    """Two containers for one section: (`wide`, `cards`). The grid goes in `wide` and is
    shown on a screen; the same rows as cards go in `cards` and are shown on a phone
    (narrower than 700 px), never both (static CSS in BASE_CSS)."""
    return st.container(key=f"wide-{name}"), st.container(key=f"cards-{name}")


def card(title: str, lines: list[str], key: str) -> None:
    """One row of a table as a card: a bold title and one line per value. `title` and
    `lines` are shown inert (no markdown), so they may hold names from uploads."""
    with st.container(border=True, key=key, gap="small"):
        st.markdown(f"**{inert_markdown(title)}**")
        st.markdown("  \n".join(inert_markdown(line) for line in lines))


def status_words(line: dict) -> str:
    """Status in words (never colour alone), with the flags that qualify it."""
    status = line["status"]
    if status == "not_applicable":
        return f"– not applicable ({line['note']})"
    if line["value"] is None:
        return "– no data"
    if status == "insufficient":
        word = f"… too few to judge (n {format_count(line['n'])} < {format_count(line['min_n'])})"
    else:
        word = STATUS_ICON[status]
    if line.get("target_in_interval") and status in ("amber", "red", "green"):
        word += " · target within margin"
    if line.get("provisional") and status != "provisional":
        word += " · provisional"
    return word


def change_words(line: dict) -> str:
    """Change since the previous period: a real change only when significant (p < 0.05)."""
    if line.get("provisional"):
        return "provisional: follow-up window still open"
    if line["delta"] is None:
        return "—" if line["value"] is None else "no value last period"
    amount = format_delta(line["delta"], line["unit"])
    change = line["change"]
    if change in ("better", "worse"):
        return f"real change, {change} ({amount})"
    if change in ("up", "down"):
        return f"real change ({amount})"
    if change == "no real change":
        return f"no real change ({amount})"
    if line["n"] < line["min_n"] or line["previous_n"] < line["min_n"]:
        return f"too few to test ({amount})"
    return f"not tested ({amount})"  # no standard error for this metric


def table_download(frame: pd.DataFrame, stem: str, key: str) -> None:
    """The project's own CSV of a table: formula-safe, and saying "demo data" while the demo
    is in. Tables' built-in download is off (`client.disableDataExport`): it is not."""
    demo = data.demo_present()
    st.download_button(
        "Download CSV",
        data=export.safe_csv(frame, demo=demo),
        file_name=export.file_name(stem, demo=demo),
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
        type="tertiary",
        help="This table as CSV, safe to open in a spreadsheet (text that looks like a "
        "formula stays text)",
    )


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
        demo = " · demo data (synthetic organisation)" if data.demo_present() else ""
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
    with st.container(border=True, key=f"star-{key_part(star['agent_id'])}"):
        st.markdown(f"**{rank}. {inert_markdown(star['name'])}**")
        if star["team_name"]:
            st.caption(inert_markdown(star["team_name"]))
        margin = format_margin(star["ci_low"], star["ci_high"], "pts")
        st.metric(
            data.registry()[star["metric"]].short_label,
            format_value(star["value"], "pts"),
            help="Net Promoter Score from this agent's customers (iNPS: from colleagues)",
        )
        low = format_value(star["ci_low"], "pts")
        n = format_count(star["n"])
        st.caption(f"{margin} · n {n} · low end {low}".replace(" ", "\u00a0"))
        for quote in quotes:
            st.text(f"“{quote}”", wrap=True)


COMMENT_SEGMENTS = {
    "all": "All", "promoter": "Promoters", "passive": "Passives", "detractor": "Detractors",
}  # fmt: skip
SEGMENT_HELP = (
    "By NPS: promoters 9–10, passives 7–8, detractors 0–6. A response without NPS is placed "
    "by CSAT: 5, 4, 1–3."
)


def comment_segment(
    count: Callable[[str | None], int],
    key: str,
    on_change,
    segments: dict[str, str] = COMMENT_SEGMENTS,
) -> tuple[str, int]:
    """The comment filter (all, promoters, …) with each segment's count; returns the chosen
    segment and its count. `count(segment)` counts a segment's comments (None: all)."""
    counts = {name: count(None if name == "all" else name) for name in segments}
    st.session_state.setdefault(key, "all")
    choice = st.segmented_control(
        "Show",
        list(segments),
        key=key,
        required=True,
        format_func=lambda name: f"{segments[name]} ({counts[name]:,})",
        on_change=on_change,
        help=SEGMENT_HELP,
    )
    return choice, counts[choice]
