"""Audit log (admins): who loaded, undid, cleared the demo, marked praise thanked or
changed access, and when (also `cxmetrics audit --json`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics.ui import data, identity


def render() -> None:
    st.title("Audit log", anchor=False)
    entries = data.audit_entries()
    if entries.empty:
        st.write("Nothing recorded yet: loads, undos and access changes appear here.")
        return
    st.caption(f"The newest {len(entries):,} entries, newest first.")
    shown = pd.DataFrame(
        {
            "When": [f"{t:%Y-%m-%d %H:%M:%S}" for t in entries["logged_at"]],
            "Who": entries["who"].fillna("—"),
            "Action": entries["action"],
            "Details": entries["details"],
        }
    )
    st.dataframe(shown, hide_index=True, key="audit-table")


identity.require("audit")
render()
