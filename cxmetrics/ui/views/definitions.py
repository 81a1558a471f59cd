"""Definitions: every metric's meaning, formula, direction, target and source, generated from
the registry (so a new metric documents itself), plus how the statistics and statuses work."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics.ui import charts, components, data

GROUPS = {"customer": "What customers feel", "service": "How we serve"}
DIRECTION = {
    "higher": "Higher is better",
    "lower": "Lower is better",
    "none": "No better direction: judged by its distance from the target, either way",
}
UNIT = {
    "pts": "NPS points, −100 to +100",
    "%": "percent, 0–100",
    "s": "seconds",
    "per hour": "contacts per hour",
    "count": "count",
}
TOLERANCE_UNIT = {"pts": " pts", "%": " pp", "s": " s"}

present = bool(st.session_state.get("present"))

ADHERENCE_VS_CONFORMANCE = """
**Schedule adherence** asks whether people were doing the scheduled activity *at the
scheduled time*: minutes in adherence ÷ scheduled minutes. Being logged in at the wrong time
does not count.

**Schedule conformance** asks whether people worked the scheduled *amount* of time, whenever
they worked it: logged-in minutes ÷ scheduled minutes. It may exceed 100 %, and it has no
better direction: it is judged by its distance from the target either way.

An agent who works a full shift two hours late has about 100 % conformance and poor
adherence. The two are never labelled as each other.
"""

STATISTICS = """
- **Net Promoter Score (NPS, iNPS)**: standard error SE = 100·√((p + d − (p − d)²) / n), with
  p and d the shares of promoters and detractors. The 95 % interval is the **adjusted-Wald**
  interval (3 added to n and 0.75 to promoters and to detractors; Sauro & Lewis), so small
  samples stay honest.
- **Proportions** (CSAT, CES, service level and the rates): **Wilson** 95 % score interval
  (Wilson 1927; Newcombe 1998, method 3).
- **Means** (speed of answer, handle time): **normal** 95 % interval, mean ± 1.96 · s / √n.
- **Ratios over agent-days** (adherence, conformance, occupancy, productivity): one agent's
  days are not independent, so the **agents are the units**. With each agent's period totals
  Y_g and X_g, R = ΣY / ΣX and var(R) = G/(G − 1) · Σ(Y_g − R·X_g)² / (ΣX)², G the number of
  agents: the ratio estimator (Cochran, *Sampling Techniques*, ch. 6; Kish, *Survey
  Sampling*, ch. 6, ratio means of clusters). 95 % interval R ± 1.96 · SE. On one agent's
  scorecard (G = 1, no spread between agents) the agent's **days** are the units instead.
  With fewer than two units there is no interval and no change test.
- **Ratios of sums at every level**: agent → team → organisation values are always Σ ÷ Σ,
  never averages of ratios.
- **Change since the previous period**: for proportions the **pooled two-proportion (score)
  test**, z = (p₁ − p₂) / √(p̂(1 − p̂)(1/n₁ + 1/n₂)) with p̂ both periods together — the test
  behind the Wilson interval (Newcombe 1998, "Interval estimation for the difference between
  independent proportions"); for NPS, means and the agent-day ratios a z-test on the two
  estimates, z = Δ / √(SE₁² + SE₂²), with the variances above. It is called a **real change**
  only when p < 0.05; otherwise it is shown as **no real change**. It is not tested when
  either period has fewer answers than the metric's minimum n, when there is no standard
  error, or while a value is still provisional.
- **Minimum n**: below it a value is shown greyed with its n, and is never ranked or coloured.
- **Queue measures** (service level, speed of answer, abandonment) describe the queue, not
  the person who answered: on one agent's scorecard they are **not applicable**.
- **Business KPIs** arrive as finished numbers without their spread: their change is shown
  with **no test**, never as a real change.
"""

STATUS_RULES = """
- **✔ On target** (green): the target is met.
- **▲ Near target** (amber): missed, but within the amber tolerance.
- **✖ Off target** (red): missed by more than the tolerance.
- **… Too few to judge** (grey): fewer answers than the metric's minimum n.
- **– No target** (no colour): the metric has no target.
- **◷ Provisional** (no colour): the period is too recent for the value to be final (repeat
  contacts need 7 days of follow-up in the interaction data); no change is claimed.
- **– Not applicable** (no colour): a queue measure on one agent's scorecard.

Metrics with no better direction (**conformance**, **occupancy**) are judged by their
distance from the target either way: on target within ± the tolerance, near target within
± twice the tolerance, off target beyond. A flag says when the target lies inside the 95 %
interval: the data cannot tell whether it was met. Colour is never the only signal: every
status also has its word and its symbol. Targets here are the defaults; a targets upload can
set others per team and date.
"""


plain = components.inert_markdown


def amount(value: float, unit: str) -> str:
    """A tolerance or distance: "5 pp", "5 pts", "3 s"."""
    return f"{value:g}{TOLERANCE_UNIT.get(unit, '')}"


def status_rule(metric: dict) -> str:
    """Where green, amber and red begin for this metric's default target."""
    target, tol, unit = metric["target"], metric["amber_tolerance"] or 0.0, metric["unit"]
    if target is None:
        return "no target, so no status colour"
    show = charts.format_value
    if metric["direction"] == "higher":
        return (
            f"on target at {show(target, unit)} or more · near target from "
            f"{show(target - tol, unit)} · off target below"
        )
    if metric["direction"] == "lower":
        return (
            f"on target at {show(target, unit)} or less · near target up to "
            f"{show(target + tol, unit)} · off target above"
        )
    return (
        f"on target within ± {amount(tol, unit)} of {show(target, unit)} · near target "
        f"within ± {amount(2 * tol, unit)} · off target beyond"
    )


def direction_of(metric: dict) -> str:
    if metric["direction"] == "none" and metric["target"] is None:
        return "No better direction and no target: shown for context"
    return DIRECTION[metric["direction"]]


def interval_of(metric: dict) -> str:
    kind = metric["kind"]
    if kind == "nps":
        return "adjusted-Wald 95 % interval"
    if kind == "proportion":
        return "Wilson 95 % interval"
    if kind == "mean":
        return "normal 95 % interval"
    if kind == "ratio" and metric["cluster"] == "agent":
        return (
            "95 % interval of the ratio estimator over agents' totals (an agent's own "
            "scorecard: over its days)"
        )
    return "none (shown without a margin of error)"


def metric_card(metric: dict) -> None:
    """One metric, everything from its registry entry."""
    unit = metric["unit"]
    with st.container(border=True, key=f"definition-{metric['id']}"):
        st.subheader(plain(metric["label"]), anchor=False)
        st.caption(f"id `{metric['id']}` · {GROUPS[metric['group']]}")
        st.text(metric["description"])
        target = metric["target"]
        facts = [
            f"**Formula** · {plain(metric['formula'])}",
            f"**Direction** · {direction_of(metric)}",
            f"**Unit** · {plain(UNIT.get(unit, unit))}",
            "**Default target** · "
            + (plain(charts.format_value(target, unit)) if target is not None else "none"),
        ]
        if metric["amber_tolerance"] is not None:
            facts.append(
                f"**Amber tolerance** · {plain(amount(metric['amber_tolerance'], unit))}: "
                + plain(status_rule(metric))
            )
        if metric.get("note"):
            facts.append(f"**Threshold** · {plain(metric['note'])}")
        if metric["queue_measure"]:
            facts.append("**Scope** · a queue measure: not applicable on one agent's scorecard")
        if "excluded" in metric["part_names"]:
            facts.append(
                "**Agent-days** · only those with both contacts and logged time count; those "
                "with one but not the other are left out, and their number is shown with the "
                "value"
            )
        facts += [
            f"**Minimum n** · {metric['min_n']:,} (below it: greyed, never ranked or coloured)",
            f"**Uncertainty** · {interval_of(metric)}",
            f"**Data source** · {plain(metric['source'])}",
        ]
        if metric["matures_after_days"] > 0:
            days = metric["matures_after_days"]
            facts.append(
                f"**Final after {days} days** of later data from its own source · until then "
                "the value is provisional: no status colour and no change claimed"
            )
        st.markdown("  \n".join(facts))


def section_metrics(metrics: list[dict]) -> None:
    for group, title in GROUPS.items():
        members = [m for m in metrics if m["group"] == group]
        if not members:
            continue
        st.header(title, anchor=False)
        columns = 1 if present else 2
        for start in range(0, len(members), columns):
            cols = st.columns(columns)
            for col, metric in zip(cols, members[start : start + columns], strict=False):
                with col:
                    metric_card(metric)


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
            "Direction": [DIRECTION[k["direction"]] for k in kpis],
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
        "Generated from the metric registry (cxmetrics/metrics/registry.toml): every number "
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
        st.markdown(ADHERENCE_VS_CONFORMANCE)
    with middle, st.container(border=True, key="box-statistics"):
        st.subheader("Statistics", anchor=False)
        st.markdown(STATISTICS)
    with right, st.container(border=True, key="box-status"):
        st.subheader("Status", anchor=False)
        st.markdown(STATUS_RULES)
    section_business(defs["business"])


render()
