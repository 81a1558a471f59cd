"""cxmetrics Streamlit entry point: page config, shared filters kept in the URL, navigation."""

from __future__ import annotations

import streamlit as st

from cxmetrics.periods import GRAINS, parse_period
from cxmetrics.ui import components, data

TRUE = {"1", "true", "yes", "on"}
VIEWS = "cxmetrics/ui/views"


def _from_url() -> None:
    """On a session's first run, take the shared filters from the query string."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    qp = st.query_params
    period = qp.get("period")
    try:
        parsed = parse_period(period) if period else None
    except ValueError:
        parsed = None
    if parsed is not None:
        st.session_state["grain"] = parsed.grain
        st.session_state[f"period_{parsed.grain}"] = parsed.label
    st.session_state["present"] = qp.get("present", "").lower() in TRUE
    if qp.get("team"):
        st.session_state["team"] = qp["team"]
    if qp.get("slide", "").isdigit():
        st.session_state["slide"] = max(int(qp["slide"]) - 1, 0)


_from_url()
present = bool(st.session_state.get("present"))
st.set_page_config(
    page_title="cxmetrics scorecard",
    page_icon=components.app_icon(),
    layout="wide",
    initial_sidebar_state="collapsed" if present else "expanded",
    # With a menu item, the app menu (top right) shows, and in it the light / dark choice.
    menu_items={"About": components.ABOUT},
)
data.get_store()

with st.sidebar:
    st.session_state.setdefault("grain", "week")
    grain = st.selectbox("Period type", GRAINS, key="grain", format_func=str.capitalize)
    options = data.period_options(grain)
    key = f"period_{grain}"
    if st.session_state.get(key) not in options:
        wanted = st.session_state.get(key)
        st.session_state[key] = wanted if wanted else options[0]
        if wanted and wanted not in options:
            options = [wanted, *options]
    st.selectbox("Period", options, key=key, help="Compared with the period just before it")
    st.session_state["period"] = st.session_state[key]
    st.toggle("Presentation mode", key="present", help="Large type, one section per screen")
    as_of = data.data_as_of()
    st.caption(f"Data as of {as_of}" if as_of else "No data yet")

pages = [
    st.Page(
        f"{VIEWS}/allhands.py",
        title="All-hands scorecard",
        icon=":material/groups:",
        url_path="allhands",
        default=True,
    ),
    st.Page(f"{VIEWS}/team.py", title="Team scorecard", icon=":material/group:", url_path="team"),
    st.Page(
        f"{VIEWS}/recognition.py",
        title="Recognition",
        icon=":material/star:",
        url_path="recognition",
    ),
    st.Page(f"{VIEWS}/upload.py", title="Upload", icon=":material/upload_file:", url_path="upload"),
    st.Page(
        f"{VIEWS}/definitions.py",
        title="Definitions",
        icon=":material/menu_book:",
        url_path="definitions",
    ),
]
page = st.navigation(pages, position="hidden" if present else "sidebar")
components.page_style(present)

params = {"period": st.session_state["period"]}
if present:
    params["present"] = "true"
    params["slide"] = str(st.session_state.get("slide", 0) + 1)
if page.url_path == "team" and st.session_state.get("team"):
    params["team"] = st.session_state["team"]
page.run()
# After the page ran: its widgets (team, slide) may have moved on.
if present and page.url_path in ("allhands", ""):
    params["slide"] = str(st.session_state.get("slide", 0) + 1)
if page.url_path == "team" and st.session_state.get("team"):
    params["team"] = st.session_state["team"]
st.query_params.from_dict(params)
