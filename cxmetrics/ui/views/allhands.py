"""All-hands scorecard: what customers feel beside how we serve, for the whole organisation.

Which metric shows where comes from the registry: its groups are the card's columns, its
sections the blocks of tiles (and the slides when presenting), and its views the headline
trend, the small trends and the columns of teams at a glance.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics.formatting import format_value
from cxmetrics.metrics.registry import (
    declarations,
    for_team,
    headline_metric,
    in_group,
    in_section,
    in_view,
)
from cxmetrics.ui import charts, components, data

period = st.session_state["period"]
present = bool(st.session_state.get("present"))
theme = components.chart_theme()
card = data.scorecard(period)
lines = {m["id"]: m for m in card["metrics"]}
as_of = data.data_as_of()
registry = data.registry()
layout = declarations()  # the card's groups and sections


def shown(metric_ids: list[str]) -> list[dict]:
    """Scorecard lines of these metrics, without those shown only where they have answers
    (iNPS, where internal service teams have colleague respondents)."""
    return [lines[m] for m in metric_ids if not registry[m].only_with_data or lines[m]["n"] > 0]


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


def headline_trend(large: bool) -> None:
    """The headline metric's trend (NPS), large beside its tiles."""
    head = headline_metric(registry)
    fig = charts.trend_chart(
        trend_rows(head),
        data.metric_label(head),
        registry[head].unit,
        large=large,
        theme=theme,
        min_n=registry[head].min_n,
        height=440 if large else None,
    )
    components.chart(fig, f"{head}-trend")


def small_trends(ids: list[str], large: bool, key: str) -> None:
    metrics = [(m, data.metric_label(m), registry[m].unit) for m in ids]
    rows = data.trend(period, 13)
    fig = charts.small_multiples(
        rows[rows["metric"].isin(ids)], metrics, large=large, theme=theme, columns=3
    )
    components.chart(fig, key)


def group_column(group: str, title: str, tile_columns: int) -> None:
    """One column of the card: its tiles, then the trends of its metrics."""
    st.subheader(title, anchor=False)
    ids = in_group(registry, group)
    components.tile_grid(shown(ids), columns=tile_columns)
    if headline_metric(registry) in ids:
        headline_trend(False)
    trends = [m for m in in_view(registry, "card_trends") if m in ids]
    if trends:
        small_trends(trends, False, f"{group}-trends")


def section_slide(section: str, title: str) -> None:
    """A section of the card as a slide: its tiles in large type, and the headline trend
    when the headline is among them."""
    st.subheader(title, anchor=False)
    ids = in_section(registry, section)
    tiles = shown(ids)
    components.tile_grid(tiles, columns=len(tiles) if len(tiles) <= 5 else 3)
    if headline_metric(registry) in ids:
        headline_trend(True)


def section_business() -> None:
    kpis = data.business(period)
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


def internal_note() -> str:
    """What internal service teams show instead: "NPS for internal teams is iNPS."."""
    return " ".join(
        f"{m.short_label} for internal teams is {registry[m.internal_headline].short_label}."
        for m in registry.values()
        if m.internal_headline and m.id in in_view(registry, "glance")
    )


def glance_label(metric_id: str) -> str:
    """A column of teams at a glance: the metric's label, or "NPS / iNPS" where internal
    service teams show another metric in its place."""
    stand_in = registry[metric_id].internal_headline
    if stand_in:
        return f"{registry[metric_id].short_label} / {registry[stand_in].short_label}"
    return data.metric_label(metric_id)


def glance_table() -> pd.DataFrame:
    teams = data.teams().set_index("team_id")
    per_team = data.breakdown(period, "team")
    rows = []
    for team_id, team in teams.iterrows():
        team_lines = per_team.get(team_id, {})
        row = {"Team": team["name"], "Supervisor": team["supervisor"] or "", "id": team_id}
        for m in in_view(registry, "glance"):
            line = team_lines.get(for_team(registry, m, bool(team["internal"])))
            label = glance_label(m)
            if line is None or line["value"] is None:
                row[label] = "—"
            else:
                word = components.STATUS[line["status"]][0].lower()
                value = format_value(line["value"], line["unit"])
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
    st.caption("Pick a row to open that team's scorecard. " + internal_note())
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


if not present:
    components.demo_banner()
    header()
    # the first group (what customers feel) narrower: its tiles sit two to a row
    widths = [5 if index == 0 else 8 for index in range(len(layout.groups))]
    columns = st.columns(widths, gap="large")
    for index, (column, group) in enumerate(zip(columns, layout.groups.values(), strict=True)):
        with column:
            group_column(group.id, group.title, tile_columns=2 if index == 0 else 4)
    section_business()
    section_stars(False)
    section_teams(False)
else:
    slides = [
        (section.title, lambda section=section: section_slide(section.id, section.title))
        for section in layout.sections.values()
    ]
    if data.business(period):
        slides.append(("Beyond service", section_business))
    slides.append(("Service stars", lambda: section_stars(True)))
    slides.append(("Teams at a glance", lambda: section_teams(True)))
    current = components.slide_controls([title for title, _ in slides])
    header()
    slides[current][1]()
    components.demo_note()  # the slide's footer while demo data is in
