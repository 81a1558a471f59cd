"""All-hands scorecard: what customers feel beside how we serve, for the whole organisation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics.ui import charts, components, data, frontline

CUSTOMER = ["nps", "inps", "csat", "ces", "responses"]
SPEED = ["service_level", "asa", "aht", "abandon_rate", "occupancy", "productivity"]
RIGHT = ["adherence", "conformance", "transfer_rate", "fcr", "callback_kept", "repeat_contact"]
GLANCE = ["nps", "csat", "service_level", "fcr", "callback_kept", "transfer_rate"]

period = st.session_state["period"]
present = bool(st.session_state.get("present"))
theme = components.chart_theme()
card = data.scorecard(period)
lines = {m["id"]: m for m in card["metrics"]}
as_of = data.data_as_of()


def customer_lines() -> list[dict]:
    # iNPS belongs on the card only where internal service teams have colleague responses
    return [lines[m] for m in CUSTOMER if m != "inps" or lines[m]["n"] > 0]


def header() -> None:
    p = data.period_of(period)
    st.title(f"All-hands scorecard · {p.label}", anchor=False)
    note = (
        ""
        if present
        else " · ± is the 95 % margin of error; a change is called real only when it is "
        "statistically significant (p < 0.05)"
    )
    st.caption(
        f"{p.start:%d %b %Y} – {p.end:%d %b %Y} · compared with {card['previous_period']} · "
        f"data as of {as_of or '—'}" + note
    )


def trend_rows(metric_id: str) -> pd.DataFrame:
    rows = data.trend(period, 13)
    return rows[rows["metric"] == metric_id]


def nps_trend(large: bool) -> None:
    fig = charts.trend_chart(
        trend_rows("nps"),
        "Net Promoter Score",
        "pts",
        large=large,
        theme=theme,
        min_n=data.registry()["nps"].min_n,
        height=440 if large else None,
    )
    components.chart(fig, "nps-trend")


def service_trends(ids: list[str], large: bool, key: str) -> None:
    reg = data.registry()
    metrics = [(m, data.metric_label(m), reg[m].unit) for m in ids]
    rows = data.trend(period, 13)
    fig = charts.small_multiples(
        rows[rows["metric"].isin(ids)], metrics, large=large, theme=theme, columns=3
    )
    components.chart(fig, key)


def section_customers(large: bool) -> None:
    st.subheader("What customers feel", anchor=False)
    cust = customer_lines()
    components.tile_grid(cust, columns=len(cust) if large else 2)
    if large:
        nps_trend(True)


def section_service(ids: list[str], title: str, large: bool) -> None:
    st.subheader(title, anchor=False)
    components.tile_grid([lines[m] for m in ids], columns=3 if large else 4)


def section_business() -> None:
    kpis = frontline.with_obstacle_notes(data.business(period), period)
    if not kpis:
        return
    st.subheader("Beyond service: the rest of the business", anchor=False)
    for start in range(0, len(kpis), 4):
        for col, kpi in zip(st.columns(4), kpis[start : start + 4], strict=False):
            with col:
                components.business_tile(kpi)


def section_stars(large: bool) -> None:
    """Agents customers rate highest, ranked by the low end of their 95 % interval."""
    st.subheader("Service stars", anchor=False)
    stars = data.recognition_stars(period, None, 5 if large else 4)
    if not stars:
        st.caption(
            f"No agent has {data.recognition_min_n()} or more survey answers in {period}: "
            "pick a month or a quarter to see who customers single out."
        )
        return
    praise = data.recognition_praise(period)
    for column, (rank, star) in zip(st.columns(len(stars)), enumerate(stars, 1), strict=False):
        with column:
            quotes = components.best_quotes(praise, star["agent_id"], 1 if large else 2)
            components.star_card(rank, star, quotes)
    if not large:
        st.caption(
            "Ranked by the low end of each agent's 95 % NPS interval (iNPS for internal teams), "
            "so a few perfect scores never outrank a strong score from many customers. "
            "More on the Recognition page."
        )


def glance_table() -> pd.DataFrame:
    teams = data.teams().set_index("team_id")
    per_team = data.breakdown(period, "team")
    rows = []
    for team_id, team in teams.iterrows():
        team_lines = per_team.get(team_id, {})
        row = {"Team": team["name"], "Supervisor": team["supervisor"] or "", "id": team_id}
        for m in GLANCE:
            metric = "inps" if m == "nps" and team["internal"] else m
            line = team_lines.get(metric)
            label = "NPS / iNPS" if m == "nps" else data.metric_label(m)
            if line is None or line["value"] is None:
                row[label] = "—"
            else:
                word = components.STATUS[line["status"]][0].lower()
                value = charts.format_value(line["value"], line["unit"])
                row[label] = f"{value} · {word}" if line["status"] != "none" else value
        rows.append(row)
    return pd.DataFrame(rows)


def section_teams(large: bool) -> None:
    st.subheader("Teams at a glance", anchor=False)
    table = glance_table()
    if table.empty:
        st.write("No teams in the roster yet: upload a roster on the Upload page.")
        return
    shown = table.drop(columns=["id"])
    if large:  # st.table renders markdown: team names and supervisors made inert
        cells = shown.assign(
            Team=shown["Team"].map(components.inert_markdown),
            Supervisor=shown["Supervisor"].map(components.inert_markdown),
        )
        st.table(cells.set_index("Team"))
        return
    st.caption("Pick a row to open that team's scorecard. NPS for internal teams is iNPS.")
    event = st.dataframe(
        shown, hide_index=True, on_select="rerun", selection_mode="single-row", key="glance"
    )
    components.table_download(shown, f"teams-at-a-glance-{period}", "glance-csv")
    chosen = event.selection.rows if event else []
    if chosen:
        st.session_state["team"] = table.iloc[chosen[0]]["id"]
        st.switch_page(
            "views/team.py",
            query_params={"team": st.session_state["team"], "period": period},
        )


lines.update(
    (line["id"], line) for line in frontline.with_obstacle_notes(list(lines.values()), period)
)
if not present:
    components.demo_banner()
    header()
    left, right = st.columns([5, 8], gap="large")
    with left:
        section_customers(False)
        nps_trend(False)
    with right:
        section_service(SPEED + RIGHT, "How we serve", False)
        service_trends(["service_level", "fcr", "callback_kept"], False, "service-trends")
    section_business()
    section_stars(False)
    frontline.section(period, False)
    section_teams(False)
else:
    slides = [
        ("What customers feel", lambda: section_customers(True)),
        (
            "How we serve: speed and access",
            lambda: section_service(SPEED, "How we serve: speed and access", True),
        ),
        (
            "How we serve: getting it right",
            lambda: section_service(RIGHT, "How we serve: getting it right", True),
        ),
    ]
    if data.business(period):
        slides.append(("Beyond service", section_business))
    slides.append(("Service stars", lambda: section_stars(True)))
    if frontline.to_say(period):
        slides.append(("You said, we did", lambda: frontline.section(period, True)))
    slides.append(("Teams at a glance", lambda: section_teams(True)))
    current = components.slide_controls([title for title, _ in slides])
    header()
    slides[current][1]()
    components.demo_note()  # the slide's footer while demo data is in
