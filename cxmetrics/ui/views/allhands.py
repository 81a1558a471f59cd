"""All-hands scorecard: what changed for real, what customers feel beside how we serve,
why the headline moved, the stars and the teams, for the whole organisation.

Which metric shows where comes from the registry: its groups are the card's columns, its
sections the blocks of tiles, and its views the headline trend, the small trends and the
columns of teams at a glance. What the period's numbers say (the headline, why it moved,
the deck) comes from the story library (cxmetrics/story/).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics.formatting import format_count, format_delta, format_value
from cxmetrics.metrics.registry import (
    declarations,
    for_team,
    headline_metric,
    in_group,
    in_view,
)
from cxmetrics.story.explain import waterfall
from cxmetrics.ui import charts, components, data, frontline, identity, svg_charts, tiles

identity.require("allhands")
period = st.session_state["period"]
present = bool(st.session_state.get("present"))
theme = components.chart_theme()
registry = data.registry()
layout = declarations()  # the card's groups and sections


def shown(metric_ids: list[str]) -> list[dict]:
    """Scorecard lines of these metrics, without those shown only where they have answers
    (iNPS, where internal service teams have colleague respondents)."""
    return [lines[m] for m in metric_ids if not registry[m].only_with_data or lines[m]["n"] > 0]


def title() -> None:
    st.title(f"All-hands scorecard · {data.period_of(period).label}", anchor=False)


def header_notes() -> None:
    """Under the title: the dates, what the period is compared with, how to read a change,
    and a partial period (or a partial one it is compared with)."""
    p = data.period_of(period)
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
    if not coverage.empty:  # a partial period (or the one it is compared with) says so
        for line in coverage.notes():
            st.info(line, icon=":material/date_range:")


def section_headline(large: bool) -> None:
    """What changed for real (up and down, the organisation and each team, by size), what is
    off target, the stars and the praise: sentences a leader can read aloud."""
    st.subheader("The headline", anchor=False)
    with st.container(border=True, key="headline"):
        # one list, one element; team and agent names come from uploads: inert
        st.markdown("\n".join(f"- {components.inert_markdown(s)}" for s in told.sentences))
    if not large:
        st.caption(
            "A change is called real only when it is statistically significant (p < 0.05); "
            "the rest is noise a period of answers always has."
        )


def section_why(large: bool) -> None:
    """Why the headline metric moved: teams scoring differently (rate) and the share of
    answers from each team changing (mix), as a waterfall."""
    why = story.why
    st.subheader(f"Why {data.metric_label(story.headline_metric)} moved", anchor=False)
    steps = waterfall(why) if why is not None else []
    if not steps:
        st.caption("Nothing to split: this period or the one before has no answers.")
        return
    unit = registry[story.headline_metric].unit
    left, right = st.columns([3, 1] if large else [2, 1], gap="large")
    with left:
        if large:
            components.chart(
                data.figure(charts.waterfall_chart, steps, unit, large=large, theme=theme),
                "why-waterfall",
            )
        else:  # the card: a static drawing (no chart library to load for it)
            components.svg_image(svg_charts.waterfall_svg(steps, unit), "why-waterfall")
    with right:
        said = [
            f"**{format_value(why.previous, unit)} → {format_value(why.value, unit)}** "
            f"({format_delta(why.delta, unit)})",
            f"Teams scoring differently (rate): {format_delta(why.rate_effect, unit)}",
            f"The share of answers from each team changing (mix): "
            f"{format_delta(why.mix_effect, unit)}",
        ]
        for line in said:
            st.markdown(line)
        st.caption(
            "The parts describe where the change came from and add up to it exactly; they "
            "are not tests (only the change as a whole is tested)."
        )


def deck_button() -> None:
    """The period's PowerPoint deck, built when clicked (native charts, speaker notes)."""
    st.download_button(
        "Download the deck (.pptx)",
        data=data.deck_maker(period),
        file_name=f"all-hands-{period}.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        icon=":material/slideshow:",
        key="deck-download",
        on_click="ignore",
        help="16:9 slides for the company deck: headline, customers and service, why it "
        "moved, teams, stars and business KPIs, with editable charts and speaker notes",
    )


def trend_rows(metric_id: str) -> pd.DataFrame:
    rows = data.trend(period)
    return rows[rows["metric"] == metric_id]


def headline_trend(large: bool) -> None:
    """The headline metric's trend (NPS), beside its tiles (static), or a slide (plotly)."""
    head = headline_metric(registry)
    if not large:
        svg = svg_charts.trend_svg(
            trend_rows(head), data.metric_label(head), registry[head].unit,
            min_n=registry[head].min_n,
        )  # fmt: skip
        components.svg_chart(svg, f"{head}-trend")
        return
    fig = data.figure(
        charts.trend_chart,
        trend_rows(head),
        data.metric_label(head),
        registry[head].unit,
        large=large,
        theme=theme,
        min_n=registry[head].min_n,
        height=440 if large else None,
    )
    components.chart(fig, f"{head}-trend")


def small_trends(ids: list[str], key: str) -> None:
    """The small trends of a column of the card: static (no chart library to load)."""
    metrics = [(m, data.metric_label(m), registry[m].unit) for m in ids]
    rows = data.trend(period)
    svg = svg_charts.small_multiples_svg(rows[rows["metric"].isin(ids)], metrics, columns=3)
    components.svg_chart(svg, key)


def group_column(group: str, title: str, tile_columns: int) -> None:
    """One column of the card: its tiles (its trends follow: `group_trends`)."""
    st.subheader(title, anchor=False)
    tiles.tile_grid(shown(in_group(registry, group)), columns=tile_columns)


def group_trends(group: str) -> None:
    """The trends of a column's metrics, under its tiles: the headline metric's, then the
    small ones."""
    ids = in_group(registry, group)
    if headline_metric(registry) in ids:
        headline_trend(False)
    trends = [m for m in in_view(registry, "card_trends") if m in ids]
    if trends:
        small_trends(trends, f"{group}-trends")


def section_business() -> None:
    kpis = frontline.with_obstacle_notes(data.business(period), period)
    if not kpis:
        return
    st.subheader("Beyond service: the rest of the business", anchor=False)
    for start in range(0, len(kpis), 4):
        for col, kpi in zip(st.columns(4), kpis[start : start + 4], strict=False):
            with col:
                tiles.business_tile(kpi)


def section_stars(large: bool) -> None:
    """Agents customers rate highest, ranked by the low end of their 95 % interval: the
    period's, else (a week with none) the month's so far, else why there are none."""
    pick = story.stars
    title = "Service stars" + (f" of {pick.label}" if pick.fallback else "")
    st.subheader(title, anchor=False)
    if pick.reason:
        st.caption(components.inert_markdown(pick.reason[:1].upper() + pick.reason[1:] + "."))
    if not pick.stars:
        return
    shown = [s.to_dict() for s in pick.stars][: 5 if large else 4]
    praise = story.star_praise
    for column, (rank, star) in zip(st.columns(len(shown)), enumerate(shown, 1), strict=False):
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


# Cell tints by status (always beside the status icon and word in the cell, never alone):
# translucent, so they read on the light and the dark theme.
TINTS = {
    "green": "background-color: rgba(0, 158, 115, 0.18)",
    "amber": "background-color: rgba(230, 159, 0, 0.22)",
    "red": "background-color: rgba(213, 94, 0, 0.20)",
}


def glance_cell(line: dict | None) -> str:
    """A team's number in teams at a glance: value, status (icon and word), change, n."""
    if line is None or line["value"] is None:
        return "—"
    parts = [format_value(line["value"], line["unit"])]
    if line["status"] != "none":
        parts.append(charts.STATUS_ICON[line["status"]])
    if line.get("delta") is not None:
        change = format_delta(line["delta"], line["unit"])
        parts.append(change + (" (real)" if line.get("significant") else ""))
    parts.append(f"n {format_count(line['n'])}")
    return " · ".join(parts)


def glance_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Teams at a glance: one row per team, a cell per glance metric (see `glance_cell`),
    and beside it the same shape holding each cell's status (for its tint)."""
    columns = [(m, glance_label(m)) for m in in_view(registry, "glance")]  # once, not per team
    rows, statuses = [], []
    for team in data.teams().to_dict("records"):
        team_id = team["team_id"]
        # the story's lines per team (the headline's reads): no second read of every team
        team_lines = {m.id: m for m in story.teams.get(team_id, [])}
        row = {"Team": team["name"], "Supervisor": team["supervisor"] or "", "id": team_id}
        status = {"Team": None, "Supervisor": None, "id": None}
        for m, label in columns:
            result = team_lines.get(for_team(registry, m, bool(team["internal"])))
            line = None if result is None else result.to_dict()
            row[label] = glance_cell(line)
            status[label] = None if line is None or line["value"] is None else line["status"]
        rows.append(row)
        statuses.append(status)
    return pd.DataFrame(rows), pd.DataFrame(statuses)


def tinted(table: pd.DataFrame, statuses: pd.DataFrame):
    """The table with each cell tinted by its status (a pandas Styler)."""
    return table.style.apply(
        lambda column: [TINTS.get(s, "") for s in statuses[column.name]], axis=0
    )


def section_teams(large: bool) -> None:
    st.subheader("Teams at a glance", anchor=False)
    table, statuses = glance_table()
    if table.empty:
        st.write("No teams in the roster yet: upload a roster on the Upload page.")
        return
    shown = table.drop(columns=["id"])
    statuses = statuses.drop(columns=["id"])
    if large:  # st.table renders markdown: team names and supervisors made inert
        cells = shown.assign(
            Team=shown["Team"].map(components.inert_markdown),
            Supervisor=shown["Supervisor"].map(components.inert_markdown),
        )
        st.table(tinted(cells, statuses).hide(axis="index"))
        st.caption(
            "Each cell: value · status · change (real when significant) · n. " + internal_note()
        )
        return
    st.caption(
        "Each cell: value · status · change against the previous period (“real” when "
        "significant) · n. Pick a row to open that team's scorecard. " + internal_note()
    )
    event = st.dataframe(
        tinted(shown, statuses),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="glance",
    )
    components.table_download(shown, f"teams-at-a-glance-{period}", "glance-csv")
    chosen = event.selection.rows if event else []
    if chosen:
        st.session_state["team"] = table.iloc[chosen[0]]["id"]
        st.switch_page(
            "views/team.py",
            query_params={"team": st.session_state["team"], "period": period},
        )


def section_all_tiles() -> None:
    """Customers and service together (one slide): every tile of the card."""
    st.subheader("What customers feel and how we serve", anchor=False)
    for group in layout.groups.values():
        st.markdown(f"**{group.title}**")
        tiles.tile_grid(shown(in_group(registry, group.id)), columns=6)


def no_data() -> None:
    """An empty period: say where the data is, not a grid of n 0 tiles."""
    for line in coverage.notes():
        st.warning(line, icon=":material/event_busy:")


if not present:
    # The title goes to the browser first; the demo banner (its reads) fills its place above.
    banner_place = st.container()
    title()  # first: the page is readable while the numbers are read
    with banner_place:
        components.demo_banner()
card = data.scorecard(period)
lines = {m["id"]: m for m in card["metrics"]}
lines.update(
    (line["id"], line) for line in frontline.with_obstacle_notes(list(lines.values()), period)
)
as_of = data.data_as_of()
coverage = data.coverage(period)  # the story's own notes, known before it is read
if not present:
    header_notes()
    if coverage.empty:
        no_data()
        st.stop()
    # The headline leads the card, but it waits for the period's story (praise, stars,
    # every team): its place is kept here and filled once the tiles are on the page.
    headline_place = st.container()
    # the first group (what customers feel) narrower: its tiles sit two to a row
    widths = [5 if index == 0 else 8 for index in range(len(layout.groups))]
    columns = st.columns(widths, gap="large")
    trend_places = []
    for index, (column, group) in enumerate(zip(columns, layout.groups.values(), strict=True)):
        with column:
            group_column(group.id, group.title, tile_columns=2 if index == 0 else 4)
            trend_places.append((st.container(), group.id))
    with headline_place:  # while the story is read, its spinner stands here
        story = data.story(period)
        told = story.headline()
        section_headline(False)
        deck_button()  # beside the headline: the slides a leader takes into the company deck
    # The trends under the tiles go to the browser after the headline: drawing them takes
    # it longer than the headline does, and the headline is what the room reads first.
    for place, group_id in trend_places:
        with place:
            group_trends(group_id)
    section_why(False)
    section_business()
    section_stars(False)
    frontline.section(period, False)
    section_teams(False)
else:
    story = data.story(period)
    told = story.headline()
    slides = [("The headline", lambda: section_headline(True))]
    if not story.empty:
        slides.append(("Customers and service", section_all_tiles))
        slides.append(("Trend", lambda: headline_trend(True)))
        slides.append(("Why it moved", lambda: section_why(True)))
        slides.append(("Teams at a glance", lambda: section_teams(True)))
        if story.stars.stars:  # never an empty slide: the headline says why there are none
            slides.append(("Service stars", lambda: section_stars(True)))
        if frontline.to_say(period):
            slides.append(("You said, we did", lambda: frontline.section(period, True)))
        if data.business(period):
            slides.append(("Beyond service", section_business))
    current = components.slide_controls([name for name, _ in slides])
    title()
    header_notes()
    slides[current][1]()
    components.demo_note()  # the slide's footer while demo data is in
