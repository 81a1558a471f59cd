"""The Streamlit entry script (`cxmetrics serve` runs it): page config, shared filters kept
in the URL, navigation.

A link's values that are not understood are named on the page, with what is shown
instead; a store that cannot be opened is one message (with Retry when it is busy); a
read-only store is shown read-only, with the Upload page refusing writes. While a command
(e.g. a nightly `cxmetrics ingest`) has the DuckDB store file, the page says "Loading new
data…" and waits for it.
"""

from __future__ import annotations

import re

import streamlit as st

from cxmetrics.access import Viewer, may_open
from cxmetrics.periods import GRAINS, parse_period
from cxmetrics.store.errors import StoreBusy, StoreError
from cxmetrics.ui import components, data, identity

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}
SLIDE = re.compile(r"[0-9]{1,4}")  # ASCII digits only: `²` is a digit to str.isdigit
VIEWS = "views"  # page scripts, relative to this script (as Streamlit resolves them)
NOTICES = "_url_notices"


def _quoted(value: str) -> str:
    """A value from the link as a notice quotes it: one line, at most 40 characters."""
    value = " ".join(str(value).split())
    return "“" + (value if len(value) <= 40 else value[:39] + "…") + "”"


def _shown(text: str) -> str:
    """A library message as page text: `quoted` values in quotation marks, capitalised,
    and inert (the values come from the link or the store)."""
    text = re.sub(r"`([^`]*)`", r"“\1”", str(text))
    return components.inert_markdown(text[:1].upper() + text[1:])


def _note(kind: str, text: str) -> None:
    """Remember a notice about the link, shown once the page knows what it shows instead."""
    st.session_state.setdefault(NOTICES, []).append((kind, text))


def _from_url() -> None:
    """On a session's first run, take the shared filters from the query string."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    qp = st.query_params
    period = qp.get("period")
    if period:
        try:
            parsed = parse_period(period)
        except ValueError as exc:
            _note("period", str(exc))
        else:
            st.session_state["grain"] = parsed.grain
            st.session_state[f"period_{parsed.grain}"] = parsed.label
    present = qp.get("present", "").strip().lower()
    st.session_state["present"] = present in TRUE
    if present not in TRUE | FALSE:
        _note(
            "", f"present {_quoted(present)} is not understood (use true or false) — not presenting"
        )
    if qp.get("team"):
        st.session_state["_url_team"] = qp["team"]
    if qp.get("agent"):
        st.session_state["_url_agent"] = qp["agent"]
    slide = qp.get("slide")
    if slide is not None:
        if SLIDE.fullmatch(slide.strip()):
            st.session_state["slide"] = max(int(slide) - 1, 0)
        else:
            _note(
                "", f"slide {_quoted(slide)} is not a slide number (use 1, 2, 3…) — showing slide 1"
            )


def _open_store() -> None:
    """Open the store and read the metric registry, or say in one message why one of them
    cannot be used and stop (a registry problem is a ValueError naming entry and field)."""
    try:
        data.get_store()
        data.registry()
    except StoreBusy:
        st.error(
            "The store is busy: another process has it open, most likely a load from the "
            "command line. Retry in a moment.",
            icon=":material/hourglass_top:",
        )
    except (StoreError, ValueError) as exc:
        st.error(_shown(str(exc)), icon=":material/error:")
    else:
        return
    st.button("Retry", icon=":material/refresh:", key="retry-store")
    st.stop()


def _team_from_url() -> None:
    """A team from the link is used only when the roster has it; otherwise it is named."""
    wanted = st.session_state.pop("_url_team", None)
    if wanted is None:
        return
    if wanted in set(data.teams()["team_id"]):
        st.session_state["team"] = wanted
    else:
        _note("team", f"team {_quoted(wanted)} is not in the roster")


def _show_notices(page_path: str) -> None:
    """Say which values of the link were not understood and what is shown instead, once.

    A team matters only to the Team page, so its notice waits for that page."""
    kept = []
    for kind, text in st.session_state.pop(NOTICES, []):
        if kind == "team":
            if page_path != "team":
                kept.append((kind, text))
                continue
            teams = data.teams()
            if not teams.empty:
                first = teams.iloc[0]
                text += f" — showing {first['name']} ({first['team_id']})"
        elif kind == "period":
            text += f" — showing {st.session_state['period']}"
        st.warning(_shown(f"In the link: {text}."), icon=":material/link_off:")
    if kept:
        st.session_state[NOTICES] = kept


def _sidebar(read_only: bool, viewer: Viewer) -> None:
    """Period type and period (kept in the URL), presentation toggle, data date."""
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
        if read_only:
            st.caption(
                ":material/lock: Read-only store: the scorecard is shown as stored; uploads, "
                "undo and thank-you marks are off."
            )
        if viewer.email:
            st.caption(
                f":material/person: {components.inert_markdown(viewer.email)} · {viewer.role}"
            )
        elif identity.open_mode():
            st.caption(
                ":material/public: Open mode: anyone who can reach this server sees "
                "everything. Switch on sign-in (CXMETRICS_AUTH) before sharing it."
            )


# Each page: (url path, script, title, icon); the first is the default. Who may open
# which is access/pages.py's table.
PAGES = (
    ("allhands", "allhands.py", "All-hands scorecard", ":material/groups:"),
    ("team", "team.py", "Team scorecard", ":material/group:"),
    ("agent", "agent.py", "Agent", ":material/person:"),
    ("recognition", "recognition.py", "Recognition", ":material/star:"),
    ("obstacles", "obstacles.py", "Obstacles", ":material/construction:"),
    ("upload", "upload.py", "Upload", ":material/upload_file:"),
    ("definitions", "definitions.py", "Definitions", ":material/menu_book:"),
    ("access", "access.py", "Access", ":material/admin_panel_settings:"),
    ("audit", "audit.py", "Audit log", ":material/history:"),
)


def _pages(viewer: Viewer) -> list:
    """The pages the viewer's role may open: only they are in the navigation, so the URL
    of another page opens the default page instead (Streamlit says it was not found)."""
    return [
        st.Page(
            f"{VIEWS}/{script}",
            title=title,
            icon=icon,
            url_path=path,
            default=index == 0,
        )
        for index, (path, script, title, icon) in enumerate(PAGES)
        if may_open(viewer, path)
    ]


def _render(present: bool) -> None:
    """The sidebar and the page, with the shared filters written back to the URL."""
    viewer = identity.identify()
    _team_from_url()
    read_only = data.read_only()
    _sidebar(read_only, viewer)
    page = st.navigation(_pages(viewer), position="hidden" if present else "sidebar")
    components.page_style(present)
    _show_notices(page.url_path)

    params = {"period": st.session_state["period"]}
    if present:
        params["present"] = "true"
        params["slide"] = str(st.session_state.get("slide", 0) + 1)
    if page.url_path == "team" and st.session_state.get("team"):
        params["team"] = st.session_state["team"]
    if read_only and page.url_path in ("upload", "access"):
        st.title("Upload")
        st.warning(
            "The store is read-only, so nothing can be uploaded, undone or cleared here. Give "
            "the app's user write access to the store's file and its folder (or point "
            "CXMETRICS_DB_URL at a writable store), then restart the app.",
            icon=":material/lock:",
        )
    else:
        page.run()
    # After the page ran: its widgets (team, slide, agent) may have moved on.
    if present and page.url_path in ("allhands", ""):
        params["slide"] = str(st.session_state.get("slide", 0) + 1)
    if page.url_path == "team" and st.session_state.get("team"):
        params["team"] = st.session_state["team"]
    if page.url_path == "agent" and st.session_state.get("agent"):
        params["agent"] = st.session_state["agent"]
        st.session_state["_agent_in_url"] = params["agent"]
    st.query_params.from_dict(params)


_from_url()
present = bool(st.session_state.get("present"))
st.set_page_config(
    page_title="cxmetrics scorecard",
    page_icon=components.app_icon(),
    layout="wide",
    # "auto": open on a screen, closed on a phone (where it would cover the page).
    initial_sidebar_state="collapsed" if present else "auto",
    # With a menu item, the app menu (top right) shows, and in it the light / dark choice.
    menu_items={"About": components.ABOUT},
)
waiting = st.empty()  # "Loading new data…" while a command has the store file


def _show_waiting(now: bool) -> None:
    if now:
        waiting.info("Loading new data…", icon=":material/hourglass_top:")
    else:
        waiting.empty()


_open_store()
try:
    with data.waits_shown(_show_waiting):
        _render(present)
except StoreError as exc:  # e.g. a damaged block found by a read after opening
    st.error(_shown(str(exc)), icon=":material/error:")
