"""The one UI module that caches: every cached function takes its scope as arguments.

Views call these functions and never open connections. After any write, call
`clear_caches()` so every page shows the new numbers.
"""

from __future__ import annotations

import streamlit as st

from cxmetrics import demo
from cxmetrics.config import load_settings
from cxmetrics.metrics import engine
from cxmetrics.periods import parse_period
from cxmetrics.store import Store, is_empty, open_store


@st.cache_resource(show_spinner="Opening the store…")
def get_store() -> Store:
    """The store for this server; an empty store is filled with the demo organisation."""
    store = open_store(settings=load_settings())
    if is_empty(store):
        demo.build_demo(store)
    return store


@st.cache_data(show_spinner=False)
def demo_only() -> bool:
    """True while the store holds only the demo organisation (the banner shows)."""
    return demo.is_demo_only(get_store())


@st.cache_data(show_spinner=False)
def scorecard(period: str, team: str | None = None, agent: str | None = None) -> dict:
    """Every metric for a period and scope, as plain data (see MetricResult.to_dict)."""
    return engine.scorecard(get_store(), parse_period(period), team=team, agent=agent).to_dict()


@st.cache_data(show_spinner=False)
def data_as_of() -> str | None:
    day = engine.data_as_of(get_store())
    return day.isoformat() if day else None


def clear_caches() -> None:
    """Forget every cached result (after a load, an undo or clearing the demo)."""
    st.cache_data.clear()
