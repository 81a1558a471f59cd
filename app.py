"""cxmetrics Streamlit entry point: page config, shared period picker, navigation."""

from __future__ import annotations

import streamlit as st

from cxmetrics.periods import last_complete_week
from cxmetrics.ui import data

st.set_page_config(page_title="cxmetrics", page_icon="📊", layout="wide")

store = data.get_store()
default_period = last_complete_week().label
st.session_state.setdefault("period_label", st.query_params.get("period", default_period))
with st.sidebar:
    st.text_input("Period", key="period_label", help="2026-W46, 2026-11, 2026-Q4 or 2026")
    st.query_params["period"] = st.session_state["period_label"]

if data.demo_only():
    st.info("Demo data: the numbers on these pages are a synthetic organisation.", icon="ℹ️")

pages = [st.Page("cxmetrics/ui/views/allhands.py", title="All-hands scorecard", default=True)]
st.navigation(pages).run()
