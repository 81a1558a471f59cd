"""All-hands scorecard: the organisation's numbers for the chosen period."""

from __future__ import annotations

import streamlit as st

from cxmetrics.ui import data

period = st.session_state.get("period_label")
card = data.scorecard(period)
st.title(f"All-hands scorecard · {card['period']}")
st.caption(f"{card['start']} to {card['end']} · compared with {card['previous_period']}")

STATUS_WORD = {
    "green": "✅ on target",
    "amber": "⚠️ near target",
    "red": "⛔ off target",
    "insufficient": "… too few to judge",
    "none": "— no target",
}


def fmt(value, unit):
    if value is None:
        return "—"
    return {
        "%": f"{value:.1f} %",
        "s": f"{value:.0f} s",
        "pts": f"{value:+.0f}",
        "count": f"{value:,.0f}",
    }.get(unit, f"{value:.2f}")


rows = []
for m in card["metrics"]:
    margin = None if m["ci_low"] is None else (m["ci_high"] - m["ci_low"]) / 2
    rows.append(
        {
            "Metric": m["label"].format(t=data.get_store().settings.service_level_seconds),
            "Value": fmt(m["value"], m["unit"]),
            "± 95 %": "" if margin is None else f"± {margin:.1f}",
            "n": m["n"],
            "Target": fmt(m["target"], m["unit"]),
            "Status": STATUS_WORD[m["status"]],
            "Change": m["change"] or "",
        }
    )
st.table(rows)
