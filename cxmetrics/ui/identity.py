"""The one place the app learns who is looking, by the setting `auth` (docs/access.md):

- none: the embedded single-user set-up; whoever reaches the app is admin (and when the
  server listens beyond this machine, the sidebar says so);
- oidc: Streamlit's own sign-in (`st.login`, an [auth] section in .streamlit/secrets.toml);
  `st.user.email` is the identity;
- header: a trusted reverse proxy names the signed-in e-mail in the header `auth_header`.

Without an identity, or signed in but unknown, the page says so and stops: no numbers.
The Viewer found is kept for this run in the session (`current()`), and every scoped
read in ui/data.py keys its cache on the viewer's scope.
"""

from __future__ import annotations

import streamlit as st

from cxmetrics.access import EVERYONE, Viewer, may_open
from cxmetrics.ui import data
from cxmetrics.ui.components import inert_markdown

VIEWER = "_cx_viewer"
LOCAL_ADDRESSES = {"localhost", "127.0.0.1", "::1"}


def _stop_with(title: str, text: str, icon: str) -> None:
    st.title(title, anchor=False)
    st.info(text, icon=icon)
    st.stop()


def _sign_in_screen() -> None:
    """oidc, not signed in: a button to sign in, nothing else."""
    st.title("cxmetrics scorecard", anchor=False)
    st.write("Sign in with your organisation's account to see the scorecard.")
    st.button("Sign in", icon=":material/login:", type="primary", on_click=st.login)
    st.stop()


def _email(mode: str, header: str) -> str | None:
    if mode == "header":
        value = st.context.headers.get(header)
        return value.strip() if value and value.strip() else None
    if not st.user.is_logged_in:
        _sign_in_screen()
    email = st.user.get("email")
    return str(email).strip() if email else None


def _no_access(viewer: Viewer) -> None:
    admins = data.admin_emails()
    ask = ", ".join(admins) if admins else "an administrator"
    # The e-mails come from the sign-in and the access list: shown inert, never as markup.
    _stop_with(
        "No access yet",
        f"You are signed in as {inert_markdown(viewer.email)}, but the scorecard does not "
        "know you: it knows people by the roster's e-mails and the access list. "
        f"Ask {inert_markdown(ask)} to add you.",
        ":material/lock_person:",
    )


def identify() -> Viewer:
    """Who is looking, for this run; stops the page (with a sign-in, "no identity" or "no
    access" screen) when no known person is."""
    settings = data.get_store().settings
    if settings.auth == "none":
        viewer = EVERYONE
    else:
        email = _email(settings.auth, settings.auth_header)
        if email is None:
            st.session_state.pop(VIEWER, None)
            _stop_with(
                "No identity",
                "The scorecard did not receive who you are from the sign-in in front of it. "
                "Open it through your organisation's sign-in page, or ask whoever runs it.",
                ":material/person_off:",
            )
        viewer = data.viewer_for(email)
        if not viewer.known:
            st.session_state.pop(VIEWER, None)
            _no_access(viewer)
    st.session_state[VIEWER] = viewer
    return viewer


def current() -> Viewer:
    """The viewer `identify` found in this run; before (or outside) a run, everyone in
    auth none and a nobody, who sees nothing, otherwise."""
    try:
        viewer = st.session_state.get(VIEWER)
    except Exception:  # outside a Streamlit run: no session
        viewer = None
    if isinstance(viewer, Viewer):
        return viewer
    return EVERYONE if data.get_store().settings.auth == "none" else Viewer(None, None)


def open_mode() -> bool:
    """auth none on a server that listens beyond this machine."""
    if data.get_store().settings.auth != "none":
        return False
    address = st.get_option("server.address")
    return not address or str(address).strip("[]") not in LOCAL_ADDRESSES


def who() -> str | None:
    """Who is acting, for batches and the audit log: the signed-in e-mail (None in auth
    none, where the pages ask for a name as before)."""
    return current().email


def require(url_path: str) -> Viewer:
    """At the top of a page: refuse (and stop) when the viewer's role may not open it."""
    viewer = current()
    if not may_open(viewer, url_path):
        _stop_with(
            "Not available",
            "Your role does not include this page. Ask an administrator if you need it.",
            ":material/block:",
        )
    return viewer
