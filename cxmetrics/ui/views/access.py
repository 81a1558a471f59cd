"""Access (admins): who may sign in with which role. Each change is a batch of kind
`access` (listed on the Upload page, undone there) and an entry in the audit log; a whole
list loads as a file of kind `access` on the Upload page or with `cxmetrics ingest access`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics.access import ROLES, changes
from cxmetrics.ui import components, data, identity

plain = components.inert_markdown


def _by() -> str | None:
    return identity.who() or st.session_state.get("uploaded_by") or None


def _save() -> None:
    email = st.session_state.get("access_email", "")
    role = st.session_state.get("access_role", "")
    teams = ";".join(st.session_state.get("access_teams") or [])
    try:
        changes.set_access(data.get_store(), email, role, teams or None, by=_by())
    except ValueError as exc:
        st.session_state["access_notice"] = ("error", str(exc))
        return
    st.session_state["access_notice"] = ("success", f"Saved: {email.strip().lower()} is {role}.")


def _remove(email: str) -> None:
    try:
        changes.remove_access(data.get_store(), email, by=_by())
    except ValueError as exc:
        st.session_state["access_notice"] = ("error", str(exc))
        return
    st.session_state["access_notice"] = ("success", f"Removed {email} from the access list.")


def section_list() -> None:
    rows = data.access_list()
    st.subheader("The access list", anchor=False)
    if rows.empty:
        st.write(
            "Nobody is on the access list yet: agents sign in by their roster e-mail and "
            "supervisors by their team's supervisor_email. Add admins, analysts and leaders "
            "here."
        )
        return
    shown = pd.DataFrame(
        {
            "E-mail": rows["email"],
            "Role": rows["role"],
            "Teams": rows["team_ids"].fillna(""),
            "Batch": rows["batch_id"],
        }
    )
    st.dataframe(shown, hide_index=True, key="access-table")
    with st.container(horizontal=True):
        chosen = st.selectbox("Remove", rows["email"].tolist(), key="access_remove_pick")
        st.button(
            "Remove from the list",
            key="access_remove",
            icon=":material/person_remove:",
            on_click=_remove,
            args=(chosen,),
        )


def section_edit() -> None:
    st.subheader("Add or change a person", anchor=False)
    teams = data.teams()
    with st.form("access-form", border=True):
        st.text_input("E-mail", key="access_email", max_chars=254)
        st.selectbox("Role", ROLES, key="access_role")
        st.multiselect(
            "Teams (supervisors)",
            teams["team_id"].tolist(),
            key="access_teams",
            help="Empty for a supervisor: the teams whose roster supervisor_email is theirs",
        )
        st.form_submit_button("Save", icon=":material/save:", type="primary", on_click=_save)


def render() -> None:
    st.title("Access", anchor=False)
    st.caption(
        "Roles: admin (everything, access and the audit log), analyst (upload, undo, all "
        "data), leader (all data), supervisor (agents and comments of their teams), agent "
        "(their own). An access row beats the roster."
    )
    notice = st.session_state.pop("access_notice", None)
    if notice:
        kind, text = notice
        (st.error if kind == "error" else st.success)(plain(text))
    section_edit()
    section_list()


identity.require("access")
render()
