"""Definitions: every metric's meaning, formula, direction, target and source, generated from
the registry (so a new metric documents itself), plus how the statistics and statuses work.
The words come from cxmetrics/metrics/definitions.py, which also writes docs/metrics.md."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics.metrics import definitions as words
from cxmetrics.metrics.registry import declarations, registry_path
from cxmetrics.ui import components, data, identity

present = bool(st.session_state.get("present"))
plain = components.inert_markdown


def metric_card(metric_id: str, entry: dict) -> None:
    """One metric, everything from its registry entry (`entry`: its label and note with
    the settings in force)."""
    metric = data.registry()[metric_id]
    group = declarations().groups[metric.group].title
    with st.container(border=True, key=f"definition-{metric_id}"):
        st.subheader(plain(entry["label"]), anchor=False)
        st.caption(f"id `{metric_id}` · {plain(group)}")
        st.text(metric.description)
        facts = words.facts(metric, entry.get("note"))
        st.markdown("  \n".join(f"**{plain(head)}** · {plain(text)}" for head, text in facts))


def section_metrics(metrics: list[dict]) -> None:
    for group in declarations().groups.values():
        members = [m for m in metrics if m["group"] == group.id]
        if not members:
            continue
        st.header(plain(group.title), anchor=False)
        columns = 1 if present else 2
        for start in range(0, len(members), columns):
            cols = st.columns(columns)
            for col, entry in zip(cols, members[start : start + columns], strict=False):
                with col:
                    metric_card(entry["id"], entry)


def section_business(kpis: list[dict]) -> None:
    st.header("Beyond service: business KPIs", anchor=False)
    st.caption(
        "Declared under `[[business]]` in the registry and uploaded as finished numbers "
        "(kind `kpis`): shown beside the service metrics, without statistics: a change is shown "
        "with no test, never called real. An uploaded KPI that is not declared is still shown, "
        "labelled by its id, averaged, with no direction."
    )
    if not kpis:
        st.write("No business KPIs are declared.")
        return
    table = pd.DataFrame(
        {
            "KPI": [k["label"] for k in kpis],
            "id": [k["id"] for k in kpis],
            "Description": [k["description"] for k in kpis],
            "Unit": [k["unit"] for k in kpis],
            "Direction": [words.DIRECTION[k["direction"]] for k in kpis],
            "Over a period": [
                "sum of the values" if k["aggregation"] == "sum" else "mean of the values"
                for k in kpis
            ],
        }
    )
    st.table(table, hide_index=True)


def render() -> None:
    if present:
        components.demo_note()
    else:
        components.demo_banner()
    st.title("Definitions", anchor=False)
    st.caption(
        f"Generated from the metric registry ({plain(registry_path().name)}): every number "
        "on the scorecard is defined here, with its formula, direction, target and source."
    )
    defs = data.definitions()
    section_metrics(defs["metrics"])
    st.header("How to read the numbers", anchor=False)
    if present:  # one box under the other in large type
        left, middle, right = st.container(), st.container(), st.container()
    else:
        left, middle, right = st.columns(3, gap="medium")
    with left, st.container(border=True, key="box-adherence"):
        st.subheader("Adherence is not conformance", anchor=False)
        st.markdown(words.ADHERENCE_VS_CONFORMANCE)
    with middle, st.container(border=True, key="box-statistics"):
        st.subheader("Statistics", anchor=False)
        st.markdown(words.STATISTICS)
    with right, st.container(border=True, key="box-status"):
        st.subheader("Status", anchor=False)
        st.markdown(words.STATUS_RULES)
    section_business(defs["business"])


identity.require("definitions")
render()
